/**
 * The scaled mode with real processes on PostgreSQL: a scheduler and two workers (the real command line), three
 * tenants each with simulators of their own, in a window open now. While they run: a second scheduler is started
 * (it waits, then leads once the first is killed), a worker is killed with SIGKILL in the middle of a run (its
 * tenant runs again on another worker), another stopped with SIGTERM in the middle of one (it finishes its record,
 * exits 0 and gives the job back), then everything restarted (the last scheduler stopped, a new scheduler and a new
 * worker started). In the end every tenant's window ran once to the end, with no duplicate record on Edusign and
 * no attendance row written twice on Aimaira.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Writable } from 'node:stream';

import { DateTime } from 'luxon';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

import { startSandbox } from '../../sim/sandbox.js';
import type { Sandbox } from '../../sim/sandbox.js';
import { serviceUrl, startCommand } from '../../test/service-process.js';
import type { CommandProcess, LogLine } from '../../test/service-process.js';
import { systemClock } from '../clock.js';
import { openStore } from '../store/open.js';
import type { Stores } from '../store/port.js';
import { scheduleZone, slotOffsetMinutes } from './schedule.js';
import type { ScheduleWindow } from './schedule.js';
import { createServiceLogger } from './logging.js';
import { startService } from './serve.js';
import type { ServiceRole } from './serve.js';
import { createTenantRepository, lazyMasterKeys } from './tenants.js';

const postgresUrl = process.env['AIMAIRA_EDUSIGN_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const admin = new pg.Pool({ connectionString: postgresUrl, max: 1 });
const schemas: string[] = [];
afterAll(async () => {
  for (const schema of schemas) {
    await admin.query(`drop schema if exists "${schema}" cascade`);
    await admin.query(`drop schema if exists "${schema}_queue" cascade`);
  }
  await admin.end();
});

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const pad = (value: number) => String(value).padStart(2, '0');
const hhmm = (minuteOfDay: number) => `${pad(Math.floor(minuteOfDay / 60))}:${pad(minuteOfDay % 60)}`;

/**
 * A one-hour window, Paris time, that opened 50 minutes ago, and tenants whose slot in it has passed: each is due
 * as soon as a scheduler looks. Undefined within an hour of Paris midnight (a window cannot span it).
 */
function windowOpenNow(count: number): { window: ScheduleWindow; tenantIds: string[] } | undefined {
  const now = DateTime.now().setZone(scheduleZone);
  const minute = now.hour * 60 + now.minute;
  const start = minute - 50;
  if (start < 0 || start + 60 > 24 * 60 - 1) return undefined;
  const window = {
    id: `w${hhmm(start).replace(':', '')}-${hhmm(start + 60).replace(':', '')}`,
    start: hhmm(start),
    end: hhmm(start + 60),
  };
  const tenantIds: string[] = [];
  for (let index = 0; tenantIds.length < count; index++) {
    const id = `school-${index}`;
    if (slotOffsetMinutes(id, window) <= 45) tenantIds.push(id);
  }
  return { window, tenantIds };
}

const due = windowOpenNow(3);

/** Signs (all learners but one) and locks up to `count` sheets the connector created; says how many. */
async function signAndLockSheets(store: Stores, tenantId: string, sandbox: Sandbox | undefined, count: number) {
  if (!sandbox) throw new Error(`unknown tenant ${tenantId}`);
  const school = sandbox.edusign.school(sandbox.scenario.credentials.edusign.apiKey);
  let locked = 0;
  for (const link of await store.listLinks(tenantId, 'sheet')) {
    const course = school.course(link.edusignId);
    if (!course || course.LOCKED || course.STUDENTS.length < 2 || locked >= count) continue;
    for (const row of course.STUDENTS.slice(0, -1)) {
      school.sign(course.ID, row.studentId, new Date(Date.parse(course.START) + 60_000));
    }
    school.lock(course.ID);
    locked++;
  }
  return locked;
}

/** A PostgreSQL schema of its own, schools each with their own simulators, and their tenants in the store. */
async function setUpTenants(tenantIds: readonly string[]) {
  const schema = `scaled_test_${randomBytes(6).toString('hex')}`;
  schemas.push(schema);
  const storeUrl = `${postgresUrl}?schema=${schema}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'aimaira-edusign-scaled-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const keyFile = join(dataDir, 'master.key');
  // Edusign's 480 requests a minute kept.
  const sandboxes = new Map<string, Sandbox>();
  for (const [index, tenantId] of tenantIds.entries()) {
    const sandbox = await startSandbox({ size: 'small', seed: 11 + index, latencyMs: 10 });
    cleanups.push(() => sandbox.close());
    sandboxes.set(tenantId, sandbox);
  }
  const store: Stores = await openStore(storeUrl);
  cleanups.push(() => store.close());
  const repository = createTenantRepository({
    store: store.tenants,
    keys: lazyMasterKeys(store.tenants, { keyFile }),
    urlPolicy: { allowLoopbackHttp: true },
  });
  for (const [tenantId, sandbox] of sandboxes) {
    const { aimaira, edusign } = sandbox.scenario.credentials;
    await repository.add({
      id: tenantId,
      aimaira: { url: sandbox.aimaira.rootUrl, username: aimaira.username, password: aimaira.password },
      edusign: { url: sandbox.edusign.url, apiKey: edusign.apiKey },
      options: { sendAttendance: true },
    });
  }
  return { storeUrl, dataDir, keyFile, sandboxes, store };
}

const writes = (sandbox: Sandbox) => sandbox.edusign.requests.filter((request) => request.method !== 'GET').length;

describe.skipIf(due === undefined)('the scaled mode, with real processes on PostgreSQL', () => {
  it(
    'runs every tenant once through a scheduler and workers, through a worker killed, one stopped and a scheduler killed',
    { timeout: 240_000 },
    async () => {
      if (!due) return;
      const { window, tenantIds } = due;
      const { storeUrl, keyFile, sandboxes, store } = await setUpTenants(tenantIds);

      const serve = (role: string, ...extra: string[]): CommandProcess => {
        const process = startCommand([
          'serve',
          '--store',
          storeUrl,
          '--role',
          role,
          '--port',
          '0',
          '--key-file',
          keyFile,
          '--allow-loopback-http',
          '--windows',
          `${window.start}-${window.end}`,
          ...extra,
        ]);
        cleanups.push(() => process.kill());
        return process;
      };
      const health = async (process: CommandProcess) =>
        (await (await fetch(`${await serviceUrl(process)}/healthz`)).json()) as { role: string; leader?: boolean };
      const started = (line: LogLine) => line.msg === 'sync started: down, then up';
      const finished = (line: LogLine) => String(line.msg).startsWith('sync finished');
      /**
       * The tenant the worker is syncing now, once it has written `minWrites` more records to Edusign: waits for a
       * run to be on (a start logged and not its end) and far enough into its writes.
       */
      const runningTenant = async (worker: CommandProcess, minWrites: number): Promise<string> => {
        const deadline = Date.now() + 90_000;
        let watched: { tenantId: string; from: number } | undefined;
        for (;;) {
          if (Date.now() > deadline) {
            throw new Error(`no run in progress on the worker: ${worker.stderr().slice(-1000)}`);
          }
          const last = worker.lines.findLast((line) => started(line) || finished(line));
          const tenantId = last && started(last) ? String(last['tenant']) : undefined;
          const sandbox = tenantId === undefined ? undefined : sandboxes.get(tenantId);
          if (tenantId === undefined || !sandbox) {
            watched = undefined;
          } else {
            if (watched?.tenantId !== tenantId) watched = { tenantId, from: writes(sandbox) };
            if (writes(sandbox) >= watched.from + minWrites) return tenantId;
          }
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      };

      const schedulerA = serve('scheduler');
      await schedulerA.waitFor((line) => line['leader'] === true, 30_000, 'scheduler A leading');
      const schedulerB = serve('scheduler');
      expect(await health(schedulerB)).toMatchObject({ role: 'scheduler', leader: false });

      const worker1 = serve('worker', '--worker-concurrency', '1');
      const worker2 = serve('worker', '--worker-concurrency', '1');

      // SIGKILL in the middle of a run: once its Edusign has received some writes.
      const killedTenant = await runningTenant(worker1, 10);
      worker1.child.kill('SIGKILL');
      await worker1.exited;

      // The leading scheduler killed too: B takes over within its retry delay.
      schedulerA.child.kill('SIGKILL');
      await schedulerA.exited;
      await schedulerB.waitFor((line) => line['leader'] === true, 30_000, 'scheduler B leading');

      // SIGTERM in the middle of a run of worker 2: it ends its record in flight, exits 0, gives the job back.
      const stoppedTenant = await runningTenant(worker2, 5);
      worker2.child.kill('SIGTERM');
      expect(await worker2.exited).toBe(0);
      expect(worker2.lines.some((line) => /run interrupted/.test(String(line.msg)))).toBe(true);

      // A person signs and locks sheets that already came down for both cut-short tenants: their attendance must
      // reach Aimaira once, through whichever worker runs them next.
      const lockedSheets = new Map<string, number>();
      for (const tenantId of new Set([killedTenant, stoppedTenant])) {
        lockedSheets.set(tenantId, await signAndLockSheets(store, tenantId, sandboxes.get(tenantId), 2));
      }

      // Everything restarted in the middle of the window: the last scheduler stopped too, a new one and a new
      // worker take whatever is left (the given-back job, the killed worker's tenant, the third one).
      schedulerB.child.kill('SIGTERM');
      expect(await schedulerB.exited).toBe(0);
      const schedulerC = serve('scheduler');
      const worker3 = serve('worker', '--worker-concurrency', '2');
      await schedulerC.waitFor((line) => line['leader'] === true, 30_000, 'scheduler C leading');
      const deadline = Date.now() + 180_000;
      for (;;) {
        const occurrences = await store.schedule.listScheduledRuns({ states: ['done'] });
        if (tenantIds.every((id) => occurrences.some((run) => run.tenantId === id && run.windowId === window.id))) {
          break;
        }
        if (Date.now() > deadline) throw new Error(`not every tenant ran: ${JSON.stringify(occurrences)}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }

      for (const tenantId of tenantIds) {
        // Once: one occurrence done, one successful run each way, whatever was cut short before.
        const occurrences = (await store.schedule.listScheduledRuns({ tenantId })).filter(
          (run) => run.windowId === window.id,
        );
        expect(occurrences).toMatchObject([{ state: 'done', outcome: 'success' }]);
        const runs = await store.listRuns(tenantId, 20);
        expect(
          runs
            .filter((run) => run.status === 'success')
            .map((run) => run.direction)
            .sort(),
        ).toEqual(['down', 'up']);
        expect(runs.every((run) => run.status !== 'running')).toBe(true);

        // No duplicate on Edusign: each record the connector made exists once, and every sheet is linked.
        const sandbox = sandboxes.get(tenantId);
        if (!sandbox) throw new Error(`unknown tenant ${tenantId}`);
        const school = sandbox.edusign.school(sandbox.scenario.credentials.edusign.apiKey);
        const apiIds = (records: { API_ID: string }[]) => records.map((record) => record.API_ID).filter(Boolean);
        for (const records of [school.courses(), school.students(), school.professors(), school.groups()]) {
          expect(new Set(apiIds(records)).size).toBe(apiIds(records).length);
        }
        expect((await store.listLinks(tenantId, 'sheet')).length).toBe(apiIds(school.courses()).length);
        // No Aimaira row written twice.
        const aimairaWrites = sandbox.aimaira.requests
          .filter((request) => request.method !== 'GET')
          .map((request) => `${request.method} ${request.path}`);
        expect(new Set(aimairaWrites).size).toBe(aimairaWrites.length);
        if ((lockedSheets.get(tenantId) ?? 0) > 0) expect(aimairaWrites.length).toBeGreaterThan(0);
      }
      expect(worker3.lines.some(started)).toBe(true);
      // The killed worker's tenant ran again elsewhere; its run cut short is recorded as interrupted.
      expect((await store.listRuns(killedTenant, 20)).some((run) => run.status === 'interrupted')).toBe(true);

      // /metrics on a worker: the queue's figures and this worker's jobs.
      const metrics = await (await fetch(`${await serviceUrl(worker3)}/metrics`)).text();
      expect(metrics).toMatch(/^aimaira_edusign_queue_depth \d+$/m);
      expect(metrics).toMatch(/^aimaira_edusign_queue_jobs\{state="completed"\} [1-9]\d*$/m);
      expect(metrics).toMatch(
        /^aimaira_edusign_worker_jobs_total\{worker="scheduler:[^"]+",outcome="success"\} [1-9]/m,
      );

      for (const process of [schedulerC, worker3]) {
        process.child.kill('SIGTERM');
        expect(await process.exited).toBe(0);
      }
    },
  );
});

describe('the scaled mode, in-process roles', () => {
  /** A window that never opens during the test: only on-demand runs. */
  const closed: ScheduleWindow[] = [{ id: 'later', start: '03:00', end: '03:01' }];

  it(
    "web's 'sync now' is a job a worker runs; the outcome comes back from the store",
    { timeout: 120_000 },
    async () => {
      const { storeUrl, dataDir, keyFile, sandboxes } = await setUpTenants(['acme']);
      const start = (role: ServiceRole) =>
        startService({
          dataDir,
          store: storeUrl,
          role,
          clock: systemClock,
          log: createServiceLogger({ destination: new Writable({ write: (_chunk, _encoding, done) => done() }) }),
          port: 0,
          host: '127.0.0.1',
          masterKey: { keyFile },
          urlPolicy: { allowLoopbackHttp: true },
          processMetrics: false,
          scheduler: { windows: closed },
          scaled: { pollingIntervalSeconds: 0.5 },
        }).then((service) => {
          cleanups.push(() => service.stop());
          return service;
        });
      const web = await start('web');
      const worker = await start('worker');
      expect([web.deployment, web.role, worker.role]).toEqual(['scaled', 'web', 'worker']);
      // The web process runs nothing itself and serves no scheduler; the worker serves no dashboard.
      expect((await fetch(`${worker.url}/`, { redirect: 'manual', headers: { accept: 'text/html' } })).status).toBe(
        404,
      );
      expect((await fetch(`${web.url}/`, { redirect: 'manual', headers: { accept: 'text/html' } })).status).toBe(303);

      const sync = await web.syncNow('acme');
      if (!sync.accepted) throw new Error(sync.message);
      // Waiting for a worker, or running there: a second request is refused either way.
      expect(await web.syncNow('acme')).toMatchObject({ accepted: false });
      const outcome = await sync.done;
      expect(outcome?.directions.map((direction) => [direction.direction, direction.status])).toEqual([
        ['down', 'success'],
        ['up', 'success'],
      ]);
      const sandbox = sandboxes.get('acme');
      const school = sandbox?.edusign.school(sandbox.scenario.credentials.edusign.apiKey);
      expect(outcome?.directions[0]?.counts['sheet.created']).toBe(school?.courses().length);
      expect(await web.syncNow('unknown')).toMatchObject({ accepted: false, message: 'there is no tenant unknown' });
    },
  );

  it('refuses the roles of the scaled mode on a SQLite store, naming the option', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'aimaira-edusign-scaled-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    await expect(
      startService({
        dataDir,
        role: 'worker',
        clock: systemClock,
        log: createServiceLogger({ destination: new Writable({ write: (_chunk, _encoding, done) => done() }) }),
        port: 0,
        host: '127.0.0.1',
      }),
    ).rejects.toThrow(/--role worker: the roles of the scaled mode need a PostgreSQL store/);
  });
});
