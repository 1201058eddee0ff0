/**
 * A stale lock is not a live run, with real processes: a child takes a tenant's lock on a real SQLite store; killed
 * (`kill -9`), its lock is taken over at once by the next one, which says so; alive, its lock is left to it.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { systemClock } from '../clock.js';
import { openSqliteStore } from '../store/sqlite.js';
import type { SqliteStateStore } from '../store/sqlite.js';
import { acquireTenantLock, lockHolder } from './tenant-lock.js';

const source = (path: string) => pathToFileURL(fileURLToPath(new URL(path, import.meta.url))).href;

/** The child: takes the lock of tenant `big` as `sync` does, prints its holder name, and runs until killed. */
const childScript = `
import { systemClock } from ${JSON.stringify(source('../clock.ts'))};
import { openSqliteStore } from ${JSON.stringify(source('../store/sqlite.ts'))};
import { acquireTenantLock, lockHolder } from ${JSON.stringify(source('./tenant-lock.ts'))};
const store = await openSqliteStore({ dataDir: process.env.LOCK_TEST_DATA_DIR });
const attempt = await acquireTenantLock(store.schedule, 'big', { holder: lockHolder('sync'), clock: systemClock });
process.stdout.write(JSON.stringify({ acquired: attempt.acquired, holder: attempt.acquired ? attempt.lock.holder : null }) + '\\n');
setInterval(() => {}, 60_000);
`;

describe('the tenant lock of a process that died', () => {
  let dir: string;
  let store: SqliteStateStore | undefined;
  let child: ChildProcess | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tenant-lock-'));
  });

  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    child = undefined;
    await store?.close();
    store = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  /** Starts the child and waits until it holds the lock; returns its holder name. */
  const startHolder = async (): Promise<{ child: ChildProcess; holder: string }> => {
    const started = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', childScript], {
      env: { ...process.env, LOCK_TEST_DATA_DIR: join(dir, 'data') },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child = started;
    const lines = createInterface({ input: started.stdout });
    const [line] = (await Promise.race([
      once(lines, 'line'),
      once(started, 'exit').then(([code]) => {
        throw new Error(`the lock holder exited early (${String(code)})`);
      }),
    ])) as [string];
    lines.close();
    const taken = JSON.parse(line) as { acquired: boolean; holder: string };
    expect(taken.acquired).toBe(true);
    return { child: started, holder: taken.holder };
  };

  it('killed with SIGKILL: the lock is taken over at once, and the attempt says from whom', async () => {
    const { child: holderProcess, holder: deadHolder } = await startHolder();
    expect(deadHolder).toMatch(new RegExp(`^sync:[^:]+:${holderProcess.pid}:[0-9a-f]{8}$`));

    holderProcess.kill('SIGKILL');
    // Reaped: a killed child its parent has not waited for yet still answers signal 0 (a zombie).
    await once(holderProcess, 'exit');

    store = await openSqliteStore({ dataDir: join(dir, 'data') });
    expect(await store.schedule.getLock('big')).toMatchObject({ holder: deadHolder });
    const holder = lockHolder('sync');
    const startedAt = Date.now();
    const attempt = await acquireTenantLock(store.schedule, 'big', { holder, clock: systemClock });
    expect(Date.now() - startedAt).toBeLessThan(5_000); // at once, not after the 60 s lease
    expect(attempt).toMatchObject({ acquired: true, tookOver: { from: { tenantId: 'big', holder: deadHolder } } });
    if (!attempt.acquired) throw new Error('not acquired');
    expect(attempt.tookOver?.message).toContain(
      `took over the stale lock of tenant big from ${deadHolder} (process ${holderProcess.pid} of this host is gone;`,
    );
    expect(await store.schedule.getLock('big')).toMatchObject({ holder });
    await attempt.lock.release();
    expect(await store.schedule.getLock('big')).toBeUndefined();
  });

  it('alive: refused, the lock left to it', async () => {
    const { holder: liveHolder } = await startHolder();
    store = await openSqliteStore({ dataDir: join(dir, 'data') });
    const attempt = await acquireTenantLock(store.schedule, 'big', { holder: lockHolder('sync'), clock: systemClock });
    expect(attempt).toMatchObject({ acquired: false, heldBy: { holder: liveHolder } });
    if (attempt.acquired) throw new Error('acquired');
    expect(attempt.message).toContain(`a run of tenant big is already in progress (started at `);
    expect(await store.schedule.getLock('big')).toMatchObject({ holder: liveHolder });
  });
});
