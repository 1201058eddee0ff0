/**
 * The sandbox on a fresh data folder: it keeps its state in `<dataDir>/sandbox`, and leaves no `state.sqlite` in
 * the real data folder (the docs say it only reads it); what it does write is the owner's alone.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';

import { afterEach, describe, expect, it } from 'vitest';

import { systemClock } from '../clock.js';
import { sqliteFileName, sqliteFiles } from '../store/sqlite.js';
import { createServiceLogger } from './logging.js';
import { sandboxFolder } from './sandbox.js';
import { startService } from './serve.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

describe('the sandbox on a fresh data folder', () => {
  it('creates no state.sqlite in the real data folder, and keeps its own store private', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sandbox-data-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
    const service = await startService({
      dataDir,
      clock: systemClock,
      log: createServiceLogger({ destination: sink, level: 'warn' }),
      port: 0,
      host: '127.0.0.1',
      masterKey: { keyFile: join(dataDir, 'master.key') },
      processMetrics: false,
      sandboxOptions: { size: 'small', seed: 1 },
    });
    cleanups.push(() => service.stop());
    await service.firstSync;

    expect(service.mode).toBe('sandbox');
    for (const path of sqliteFiles(join(dataDir, sqliteFileName))) expect(existsSync(path), path).toBe(false);
    const sandboxStore = join(dataDir, sandboxFolder, sqliteFileName);
    expect(await modeOf(join(dataDir, sandboxFolder))).toBe(0o700);
    for (const path of sqliteFiles(sandboxStore).filter((file) => existsSync(file))) {
      expect(await modeOf(path), path).toBe(0o600);
    }
  });
});
