/**
 * `sync` takes the tenant's lock, the one the service's scheduler takes: while another run of the tenant is in
 * progress, it runs nothing for that tenant and exits 2 saying since when.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { openSqliteStore } from '../store/sqlite.js';
import type { SqliteStateStore } from '../store/sqlite.js';
import { exitCodes } from './exit-codes.js';
import { runSyncCommand } from './sync.js';
import type { CommandStreams, SyncSummary } from './sync.js';

describe('sync under the tenant lock', () => {
  let dir: string;
  let config: string;
  let service: SqliteStateStore;
  const serviceHolder = 'scheduler:server:4242:abcd1234';

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sync-lock-'));
    config = join(dir, 'config.json');
    // Never reached: the lock is checked before any request.
    const tenant = (id: string) => ({
      id,
      aimaira: { url: 'https://erp.invalid', apiKey: 'not-used' },
      edusign: { url: 'https://edusign.invalid', apiKey: 'not-used' },
    });
    await writeFile(config, JSON.stringify({ tenants: [tenant('acme')] }));
    // The service, in another process, runs acme since 12:31 Paris time.
    service = await openSqliteStore({ dataDir: join(dir, 'data') });
    const acquired = await service.schedule.acquireLock(
      'acme',
      serviceHolder,
      '2027-06-15T10:31:00.000Z',
      // A lease running far into the future: the lock is live whatever the real date.
      Date.parse('2999-01-01T00:00:00Z') - Date.parse('2027-06-15T10:31:00.000Z'),
    );
    expect(acquired.acquired).toBe(true);
  });

  afterEach(async () => {
    await service.close();
    await rm(dir, { recursive: true, force: true });
  });

  const run = async (json: boolean) => {
    let stdout = '';
    let stderr = '';
    const streams: CommandStreams = {
      stdout: { write: (text) => ((stdout += text), true) },
      stderr: { write: (text) => ((stderr += text), true) },
    };
    const code = await runSyncCommand(
      { config, tenant: 'acme', direction: 'both', dryRun: false, dataDir: join(dir, 'data'), json },
      streams,
    );
    return { code, stdout, stderr };
  };

  it('refuses a tenant that is running, with exit status 2 and since when, and leaves the lock to its holder', async () => {
    const { code, stderr, stdout } = await run(false);
    expect(code).toBe(exitCodes.failed);
    expect(stderr).toContain(
      `aimaira-edusign: a run of tenant acme is already in progress (started at 2027-06-15 12:31:00 +02:00, by ${serviceHolder})`,
    );
    expect(stdout).toContain('already in progress');
    expect(await service.schedule.getLock('acme')).toMatchObject({ holder: serviceHolder });
    expect(await service.listRuns('acme')).toEqual([]);
  });

  it('says so in the JSON summary', async () => {
    const { code, stdout } = await run(true);
    expect(code).toBe(exitCodes.failed);
    const summary = JSON.parse(stdout) as SyncSummary;
    expect(summary.status).toBe('failed');
    expect(summary.runs).toMatchObject([
      { tenantId: 'acme', direction: 'down', status: 'failed', runId: null },
      { tenantId: 'acme', direction: 'up', status: 'failed', runId: null },
    ]);
    expect(summary.runs[0]?.error).toMatch(/^not run: a run of tenant acme is already in progress \(started at /);
  });
});
