/**
 * The service end to end: `npm start` on a fresh data folder (the real command line, in a child process) shows a
 * sandbox sync within a minute and stops cleanly on SIGTERM; in-process, a stop during a run records it as
 * interrupted and the next start resumes without duplicates; `/metrics`, `/healthz`; and no e-mail address or
 * secret in any log.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';

import { afterEach, describe, expect, it } from 'vitest';

import { startSandbox } from '../../sim/sandbox.js';
import type { Sandbox } from '../../sim/sandbox.js';
import { generateScenario } from '../../sim/scenario/generate.js';
import { addSimulatorTenant, closedWindows } from '../../test/helpers.js';
import { startCommand as startProcess } from '../../test/service-process.js';
import type { CommandProcess, LogLine } from '../../test/service-process.js';
import { systemClock } from '../clock.js';
import { openSqliteStore } from '../store/sqlite.js';
import type { Run } from '../store/port.js';
import { createServiceLogger } from './logging.js';
import { sandboxFolder, sandboxTenantId } from './sandbox.js';
import { interruptedRunMessage, startService } from './serve.js';
import type { RunningService } from './serve.js';
import { tenantSecrets } from './tenants.js';

/** Anything that looks like an e-mail address, in a log. */
const emailLike = /[^\s"'@\\]+@[^\s"'@\\]+\.[a-z]{2,}/i;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function temporaryFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'aimaira-edusign-serve-'));
  cleanups.push(() => rmSync(folder, { recursive: true, force: true }));
  return folder;
}

/** The command line in a child process (test/service-process.ts), killed at the end of the test if still running. */
function startCommand(args: string[]): CommandProcess {
  const command = startProcess(args);
  cleanups.push(() => command.kill());
  return command;
}

/** The value of one series in a Prometheus text. */
function seriesValue(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function runsOf(dataDir: string, tenantId: string): Promise<Run[]> {
  const store = await openSqliteStore({ dataDir });
  try {
    return (await store.listRuns(tenantId)).reverse();
  } finally {
    await store.close();
  }
}

function expectNoSecretNorEmail(text: string, secrets: readonly string[]): void {
  expect(text).not.toMatch(emailLike);
  for (const secret of secrets) expect(text).not.toContain(secret);
}

describe('npm start on a fresh data folder: the sandbox', () => {
  it('shows sheets coming down and attendance going up within a minute, serves /metrics and /healthz, and stops on SIGTERM with exit 0', async () => {
    const dataDir = temporaryFolder();
    const began = Date.now();
    const command = startCommand(['start', '--port', '0', '--data-dir', dataDir]);
    const deadline = 60_000;
    const fromSandbox = (line: LogLine) => line['tenant'] === sandboxTenantId;
    const [down, up, summary] = await Promise.all([
      command.waitFor((l) => fromSandbox(l) && l.msg === 'down run success', deadline, 'successful down run'),
      command.waitFor((l) => fromSandbox(l) && l.msg === 'up run success', deadline, 'successful up run'),
      command.waitFor((l) => l.msg?.startsWith('sandbox: first sync success') === true, deadline, 'sandbox summary'),
    ]);
    const elapsed = Date.now() - began;
    expect(elapsed).toBeLessThan(deadline);
    expect((down['counts'] as Record<string, number>)['sheet.created']).toBeGreaterThan(50);
    expect((up['counts'] as Record<string, number>)['attendance.created']).toBeGreaterThan(10);
    expect(summary['sheets']).toBe((down['counts'] as Record<string, number>)['sheet.created']);
    console.info(`sandbox: first sync (down and up) logged ${elapsed} ms after the command started`);

    // The logs say it is a sandbox, why it is fast, and how to add a real tenant.
    const notice = command.lines.find((line) => line.msg?.startsWith('SANDBOX:'))?.msg ?? '';
    expect(notice).toMatch(/tenant add/);
    expect(notice).toMatch(/tenant import --config FILE/);
    expect(notice).toMatch(/480/);

    const listening = command.lines.find((line) => line.msg?.startsWith('service listening'));
    const url = String(listening?.['url']);
    // The dashboard, and how a new user gets in: the set-up link with its one-time token.
    expect(listening?.msg).toContain(`dashboard at ${url}/`);
    const setupLine = command.lines.find((line) => line.msg?.includes('/setup?token=') === true);
    expect(setupLine?.msg).toMatch(new RegExp(`${url}/setup\\?token=[A-Za-z0-9_-]{43} `));
    const home = await fetch(`${url}/`, { redirect: 'manual', headers: { accept: 'text/html' } });
    expect(home.headers.get('location')).toBe('/setup');
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', mode: 'sandbox', tenants: 1 });
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(
      seriesValue(metrics, `aimaira_edusign_runs_total{tenant="${sandboxTenantId}",direction="down",status="success"}`),
    ).toBeGreaterThanOrEqual(1);

    command.child.kill('SIGTERM');
    expect(await command.exited).toBe(0);
    expect(command.lines.at(-1)?.msg).toBe('stopped');

    const runs = await runsOf(join(dataDir, sandboxFolder), sandboxTenantId);
    expect(runs.slice(0, 2).map((run) => [run.direction, run.status])).toEqual([
      ['down', 'success'],
      ['up', 'success'],
    ]);
    expect(runs.filter((run) => run.status === 'running')).toEqual([]);
    // The real data folder holds no run of the demo: the sandbox has a folder of its own.
    expect(await runsOf(dataDir, sandboxTenantId)).toEqual([]);

    const credentials = generateScenario({ size: 'medium', seed: 1, now: new Date() }).credentials;
    expectNoSecretNorEmail(command.stdout() + command.stderr(), [
      credentials.aimaira.password,
      credentials.aimaira.apiKey,
      credentials.edusign.apiKey,
    ]);
  }, 90_000);

  it('on SIGTERM during the first sync, records the run as interrupted and exits 0', async () => {
    const dataDir = temporaryFolder();
    const command = startCommand(['start', '--port', '0', '--data-dir', dataDir]);
    await command.waitFor((line) => line.msg === 'sync started: down, then up', 30_000, 'the first sync');
    command.child.kill('SIGTERM');
    expect(await command.exited).toBe(0);
    const interrupted = command.lines.find((line) => line.msg === 'down run interrupted');
    expect(interrupted).toBeDefined();
    const runs = await runsOf(join(dataDir, sandboxFolder), sandboxTenantId);
    expect(runs.map((run) => [run.direction, run.status])).toEqual([['down', 'interrupted']]);
  }, 60_000);
});

/** A daily window that is not open now (nor within the next hours), so that the scheduler leaves a test alone. */
describe('the service on configured tenants', () => {
  /** Simulators of the test, a data folder with one tenant (added as `tenant add` does), captured logs. */
  async function setUp() {
    const simulators: Sandbox = await startSandbox({ size: 'small', seed: 3, latencyMs: 15 });
    cleanups.push(() => simulators.close());
    const dataDir = temporaryFolder();
    const keyFile = join(dataDir, 'master.key');
    const store = await openSqliteStore({ dataDir });
    try {
      const repository = await addSimulatorTenant(store.tenants, simulators, { keyFile });
      const secrets = tenantSecrets(await repository.toTenantConfig('acme'));
      expect(secrets.length).toBeGreaterThanOrEqual(3);

      let logText = '';
      const destination = new Writable({
        write(chunk: Buffer, _encoding, done) {
          logText += chunk.toString('utf8');
          done();
        },
      });
      const start = async (): Promise<RunningService> => {
        const service = await startService({
          dataDir,
          clock: systemClock,
          log: createServiceLogger({ destination, level: 'debug' }),
          port: 0,
          host: '127.0.0.1',
          masterKey: { keyFile },
          urlPolicy: { allowLoopbackHttp: true },
          processMetrics: false,
          scheduler: { windows: closedWindows() },
        });
        cleanups.push(() => service.stop());
        return service;
      };
      return { simulators, dataDir, secrets, start, logs: () => logText };
    } finally {
      await store.close();
    }
  }

  const school = (simulators: Sandbox) => simulators.edusign.school(simulators.scenario.credentials.edusign.apiKey);
  const writes = (simulators: Sandbox) =>
    simulators.edusign.requests.filter((request) => request.method !== 'GET').length;

  it('stopped during a run, records it as interrupted; the next start resumes and a rerun completes without duplicates', async () => {
    const { simulators, dataDir, secrets, start, logs } = await setUp();

    const first = await start();
    expect(first.mode).toBe('tenants');
    const sync = await first.syncNow('acme');
    if (!sync.accepted) throw new Error(sync.message);
    // A second run of the same tenant meanwhile is refused: one live run per tenant.
    const second = await first.syncNow('acme');
    expect(second.accepted).toBe(false);
    // Stop once Edusign has received some of the first sync's writes.
    while (writes(simulators) < 15) await new Promise((resolveWait) => setTimeout(resolveWait, 5));
    await first.stop();
    const stoppedOutcome = await sync.done;
    expect(stoppedOutcome?.status).toBe('interrupted');
    const writtenBeforeStop = writes(simulators);

    let runs = await runsOf(dataDir, 'acme');
    expect(runs.map((run) => [run.direction, run.status])).toEqual([['down', 'interrupted']]);
    // The record in flight was finished, no more: the run stopped well before its end.
    expect(writtenBeforeStop).toBeLessThan(60);

    // As if another process had been killed in the middle of a run: left `running` in the store.
    const crashed = await openSqliteStore({ dataDir });
    const leftRunning = await crashed.startRun('acme', 'up', new Date().toISOString());
    await crashed.close();

    const next = await start();
    runs = await runsOf(dataDir, 'acme');
    expect(runs.find((run) => run.id === leftRunning.id)).toMatchObject({
      status: 'interrupted',
      error: interruptedRunMessage,
    });
    const rerun = await next.syncNow('acme');
    if (!rerun.accepted) throw new Error(rerun.message);
    const outcome = await rerun.done;
    expect(outcome?.directions.map((direction) => [direction.direction, direction.status])).toEqual([
      ['down', 'success'],
      ['up', 'success'],
    ]);

    // No duplicate on Edusign: each record the connector made exists once, and is linked.
    const edusign = school(simulators);
    const byApiId = (records: { API_ID: string }[]) => records.map((record) => record.API_ID).filter(Boolean);
    for (const records of [edusign.courses(), edusign.students(), edusign.professors(), edusign.groups()]) {
      const ids = byApiId(records);
      expect(new Set(ids).size).toBe(ids.length);
    }
    const links = await next.store.listLinks('acme', 'sheet');
    expect(links.length).toBe(byApiId(edusign.courses()).length);

    // An unchanged sync then writes nothing at all.
    const before = writes(simulators);
    const again = await next.syncNow('acme');
    if (!again.accepted) throw new Error(again.message);
    expect((await again.done)?.status).toBe('success');
    expect(writes(simulators)).toBe(before);

    expectNoSecretNorEmail(logs(), secrets);
    expect(logs()).toMatch(/down run interrupted/);
  }, 60_000);

  it('exposes the metric families with values after a run, /healthz, and the dashboard at /', async () => {
    const { start, secrets, logs } = await setUp();
    const service = await start();
    const sync = await service.syncNow('acme');
    if (!sync.accepted) throw new Error(sync.message);
    expect((await sync.done)?.status).toBe('success');

    const response = await fetch(`${service.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    const value = (series: string) => seriesValue(text, `aimaira_edusign_${series}`);
    expect(value('runs_total{tenant="acme",direction="down",status="success"}')).toBe(1);
    expect(value('runs_total{tenant="acme",direction="up",status="success"}')).toBe(1);
    expect(value('records_total{kind="sheet",action="created"}')).toBeGreaterThan(0);
    expect(value('records_total{kind="learner",action="created"}')).toBeGreaterThan(0);
    expect(value('api_requests_total{system="edusign",method="POST",status_class="2xx"}')).toBeGreaterThan(0);
    expect(value('api_requests_total{system="aimaira",method="GET",status_class="2xx"}')).toBeGreaterThan(0);
    expect(value('api_request_duration_seconds_count{system="edusign"}')).toBeGreaterThan(0);
    expect(value('api_request_duration_seconds_count{system="aimaira"}')).toBeGreaterThan(0);
    const since = value('seconds_since_last_successful_run{tenant="acme",direction="down"}');
    expect(since).toBeGreaterThanOrEqual(0);
    expect(since).toBeLessThan(60);
    for (const family of ['runs_total', 'records_total', 'api_requests_total', 'api_request_duration_seconds']) {
      expect(text).toContain(`# TYPE aimaira_edusign_${family} `);
    }
    expect(text).toContain('# TYPE aimaira_edusign_seconds_since_last_successful_run gauge');

    const health = await fetch(`${service.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', mode: 'tenants', tenants: 1, running: 0 });
    // No administrator password yet: the dashboard asks for one (src/service/dashboard.integration.test.ts).
    const page = await fetch(`${service.url}/`, { redirect: 'manual', headers: { accept: 'text/html' } });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/setup');
    expect((await fetch(`${service.url}/nowhere`)).status).toBe(404);
    expect((await fetch(`${service.url}/metrics`, { method: 'POST' })).status).toBe(405);

    expectNoSecretNorEmail(logs(), secrets);
  }, 60_000);
});
