/**
 * `sync` takes the tenant's lock, the one the service's scheduler takes: while another run of the tenant is in
 * progress, it runs nothing for that tenant and exits 2 saying since when. A `sync` killed with SIGKILL is no run in
 * progress: the next one, on the same host, runs at once.
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { startSandbox } from '../../sim/sandbox.js';
import type { Sandbox } from '../../sim/sandbox.js';
import { openSqliteStore } from '../store/sqlite.js';
import type { SqliteStateStore } from '../store/sqlite.js';
import { exitCodes } from './exit-codes.js';
import { runSyncCommand } from './sync.js';
import type { CommandStreams, SyncSummary } from './sync.js';

describe('sync under the tenant lock', () => {
  let dir: string;
  let config: string;
  let service: SqliteStateStore;
  // Of another host (`.invalid` is no host name): its lock lives its lease, whatever becomes of process 4242 here.
  const serviceHolder = 'scheduler:server.invalid:4242:abcd1234';

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sync-lock-'));
    config = join(dir, 'config.json');
    // Never reached: the lock is checked before any request. On loopback, so that the URL policy's check of the
    // configuration file needs no DNS look-up.
    const tenant = (id: string) => ({
      id,
      aimaira: { url: 'http://127.0.0.1:9/GraphV1', apiKey: 'not-used' },
      edusign: { url: 'http://127.0.0.1:9/', apiKey: 'not-used' },
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
      {
        config,
        tenant: 'acme',
        direction: 'both',
        dryRun: false,
        dataDir: join(dir, 'data'),
        json,
        allowLoopbackHttp: true,
      },
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

describe('sync after a sync killed with SIGKILL', { timeout: 60_000 }, () => {
  const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
  // Monday 30 November 2026, 11:30 in Paris.
  const now = '2026-11-30T11:30:00+01:00';
  let sandbox: Sandbox;
  let dir: string;
  let config: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    sandbox = await startSandbox({ size: 'small', seed: 1, now: new Date(now) });
    dir = await mkdtemp(join(tmpdir(), 'sync-lock-killed-'));
    config = join(dir, 'config.json');
    env = {
      ...process.env,
      AIMAIRA_PASSWORD: sandbox.scenario.credentials.aimaira.password,
      EDUSIGN_API_KEY: sandbox.scenario.credentials.edusign.apiKey,
    };
    const tenant = {
      id: 'big',
      aimaira: {
        url: sandbox.aimaira.rootUrl,
        username: sandbox.scenario.credentials.aimaira.username,
        password: '${AIMAIRA_PASSWORD}',
      },
      edusign: { url: sandbox.edusign.url, apiKey: '${EDUSIGN_API_KEY}' },
    };
    await writeFile(config, JSON.stringify({ tenants: [tenant] }));
  });
  afterAll(async () => {
    await sandbox.close();
    await rm(dir, { recursive: true, force: true });
  });

  const args = () => [
    'bin/aimaira-edusign',
    'sync',
    '--config',
    config,
    '--now',
    now,
    '--data-dir',
    join(dir, 'data'),
    '--allow-loopback-http',
  ];

  it('runs at once: exit 0, the lock of the dead one taken over and released at the end', async () => {
    // The killed run: it takes the lock, then its first request to Aimaira gets no answer.
    sandbox.aimaira.faults.add({ kind: 'hang', path: '/', times: 1 });
    const killed = spawn(process.execPath, args(), { cwd: projectRoot, env, stdio: 'ignore' });
    const exited = once(killed, 'exit');
    const deadline = Date.now() + 30_000;
    while (!sandbox.aimaira.requests.some((request) => request.fault === 'hang')) {
      if (killed.exitCode !== null || Date.now() > deadline) throw new Error('the first sync never reached Aimaira');
      await sleep(20);
    }
    killed.kill('SIGKILL');
    await exited; // reaped: no zombie that would still answer signal 0

    const store = await openSqliteStore({ dataDir: join(dir, 'data') });
    try {
      const dead = await store.schedule.getLock('big');
      expect(dead?.holder).toMatch(new RegExp(`^sync:[^:]+:${killed.pid}:[0-9a-f]{8}$`));
      expect(Date.parse(dead!.expiresAt)).toBeGreaterThan(Date.now()); // its lease still runs

      const rerun = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [...args(), '--json'],
          { cwd: projectRoot, env, timeout: 60_000 },
          (error, stdout, stderr) => {
            resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
          },
        );
      });
      expect(rerun.stderr).not.toContain('already in progress');
      expect(rerun.stderr).toContain(`took over the stale lock of tenant big from sync:`);
      expect(rerun.stderr).toContain(`process ${killed.pid} of this host is gone`);
      expect(rerun.code).toBe(exitCodes.ok);
      const summary = JSON.parse(rerun.stdout) as SyncSummary;
      expect(summary.status).toBe('success');
      expect(summary.runs).toMatchObject([
        { tenantId: 'big', direction: 'down', status: 'success' },
        { tenantId: 'big', direction: 'up', status: 'success' },
      ]);
      expect(await store.schedule.getLock('big')).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});
