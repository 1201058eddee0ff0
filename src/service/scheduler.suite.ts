/**
 * The scheduler over a real store, driven by a stepped clock (sleeps wait until the test moves time): slots, at most
 * once per window across restarts, processes and both daylight-saving changes of 2027, catch-up, misses, one live
 * run per tenant, pauses, graceful stop.
 *
 * Every case runs on both stores (a SQLite file, a PostgreSQL schema of its own: scheduler.sqlite.integration.test.ts
 * and scheduler.postgres.integration.test.ts) and in both ways of running what is due: in the scheduler's own
 * process (the embedded mode), and handed over through the dispatch port to a worker's scheduler (the scaled mode's
 * path, with an in-memory hand-over standing for the job queue; the queue itself is tested with real processes in
 * scaled.integration.test.ts).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';

import pg from 'pg';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';

import { createSteppedClock } from '../../test/stepped-clock.js';
import type { SteppedClock } from '../../test/stepped-clock.js';
import { openStore } from '../store/open.js';
import type { Stores } from '../store/port.js';
import { openSqliteStore } from '../store/sqlite.js';
import type { RunTrigger } from '../store/schedule-store.js';
import { occurrenceOf, occurrencesBetween } from './schedule.js';
import type { ScheduleWindow } from './schedule.js';
import { createScheduler, resumeTenant } from './scheduler.js';
import type {
  RunOutcome,
  Scheduler,
  SchedulerEvent,
  SchedulerOptions,
  TenantRef,
  TenantStatusPort,
} from './scheduler.js';

const midday: ScheduleWindow = { id: 'midday', start: '11:00', end: '14:00' };
const evening: ScheduleWindow = { id: 'evening', start: '18:00', end: '21:00' };
const night: ScheduleWindow = { id: 'night', start: '01:30', end: '03:30' };

/** 15 June 2027, Paris time (CEST). acme's slots: midday 12:31, evening 19:31. */
const june = (time: string) => `2027-06-15T${time}:00+02:00`;

interface RunRecord {
  tenantId: string;
  trigger: RunTrigger;
  at: string;
}

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

const postgresUrl = process.env['AIMAIRA_EDUSIGN_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const admin = new pg.Pool({ connectionString: postgresUrl, max: 1 });
const schemas: string[] = [];
afterAll(async () => {
  for (const schema of schemas) await admin.query(`drop schema if exists "${schema}" cascade`);
  await admin.end();
});

/** Where a test's store lives: a new SQLite file, or a new PostgreSQL schema; `open` is one process's connection. */
const stores = {
  SQLite: (dir: string) => {
    const file = join(dir, 'state.sqlite');
    return (): Promise<Stores> => openSqliteStore({ file });
  },
  PostgreSQL: () => {
    const schema = `scheduler_test_${randomBytes(6).toString('hex')}`;
    schemas.push(schema);
    return (): Promise<Stores> => openStore(postgresUrl, { schema, poolSize: 3 });
  },
} as const;

/**
 * The scaled mode's path in one object: a leading scheduler whose ticks hand what is due to a worker's scheduler
 * (`runOccurrence`), as the job queue does between processes. On-demand runs, status and stop are the worker's.
 */
function dispatchedScheduler(options: SchedulerOptions): Scheduler {
  const worker = createScheduler(options);
  const handedOver = new Set<Promise<unknown>>();
  /** Resolve once each run handed over by the last tick has started, or found it could not. */
  const starts: Promise<unknown>[] = [];
  const leader = createScheduler({
    ...options,
    holder: `${worker.holder}-leader`,
    dispatcher: {
      kind: 'queue',
      dispatch(due) {
        for (const occurrence of due) {
          let started!: () => void;
          starts.push(new Promise<void>((resolve) => (started = resolve)));
          const run = worker.runOccurrence(occurrence, { onStarted: started }).finally(() => {
            handedOver.delete(run);
            started();
          });
          handedOver.add(run);
        }
        return Promise.resolve();
      },
    },
  });
  return {
    holder: worker.holder,
    start: () => leader.start(),
    async stop() {
      await leader.stop();
      await worker.stop();
      await Promise.allSettled(handedOver);
    },
    // As in the embedded mode, a tick resolves once the runs it found due have started.
    async tick() {
      await leader.tick();
      await Promise.all(starts.splice(0));
    },
    runNow: (tenantId, runOptions) => worker.runNow(tenantId, runOptions),
    runOccurrence: (occurrence) => worker.runOccurrence(occurrence),
    resume: (tenantId) => worker.resume(tenantId),
    status: (query) => worker.status(query),
    async whenIdle() {
      do {
        await leader.whenIdle();
        await Promise.allSettled(handedOver);
        await worker.whenIdle();
      } while (handedOver.size > 0);
    },
  };
}

const modes = { embedded: createScheduler, dispatched: dispatchedScheduler } as const;

/** The whole suite on one store, in both ways of running what is due (one test file per store: they run in parallel). */
export function describeScheduler(storeName: keyof typeof stores): void {
  const storeAt = stores[storeName];
  for (const [modeName, schedulerOf] of Object.entries(modes)) {
    describe(`the scheduler (${storeName}, ${modeName})`, () => {
      let dir: string;
      let openProcessStore: () => Promise<Stores>;
      const opened: Stores[] = [];
      const schedulers: Scheduler[] = [];

      beforeEach(async () => {
        dir = await mkdtemp(join(tmpdir(), 'scheduler-'));
        openProcessStore = storeAt(dir);
      });

      afterEach(async () => {
        await Promise.all(schedulers.splice(0).map((scheduler) => scheduler.stop()));
        await Promise.all(opened.splice(0).map((store) => store.close()));
        await rm(dir, { recursive: true, force: true });
      });

      /** A process: its own connection to the store, its own scheduler. */
      async function startProcess(
        clock: SteppedClock,
        options: Partial<SchedulerOptions> & {
          tenantIds?: string[];
          runs?: RunRecord[];
          events?: SchedulerEvent[];
        } = {},
      ) {
        const store = await openProcessStore();
        opened.push(store);
        const runs = options.runs ?? [];
        const events = options.events ?? [];
        const tenants: TenantRef[] = (options.tenantIds ?? ['acme']).map((id) => ({ id, status: 'active' }));
        const scheduler = schedulerOf({
          clock,
          store: clock.track(store.schedule),
          tenants: () => Promise.resolve(tenants),
          runTenant: (tenantId, trigger) => {
            runs.push({ tenantId, trigger, at: new Date(clock.now()).toISOString() });
            return Promise.resolve({ status: 'success', runIds: [runs.length] });
          },
          onEvent: (event) => events.push(event),
          ...options,
        });
        schedulers.push(scheduler);
        return { store, scheduler, runs, events, tenants };
      }

      describe('runs each (tenant, window, day) once', () => {
        it('at its slot, and not again after a restart on the same file', async () => {
          const clock = createSteppedClock(june('12:00'));
          const runs: RunRecord[] = [];
          const first = await startProcess(clock, { runs });
          await first.scheduler.tick();
          expect(runs).toEqual([]);

          await clock.advanceTo(june('12:31'));
          await first.scheduler.tick();
          await first.scheduler.tick();
          await first.scheduler.whenIdle();
          expect(runs).toEqual([{ tenantId: 'acme', trigger: 'scheduled', at: '2027-06-15T10:31:00.000Z' }]);
          await first.scheduler.stop();
          await first.store.close();

          const second = await startProcess(clock, { runs });
          await clock.advanceTo(june('12:45'));
          await second.scheduler.tick();
          await clock.advanceTo(june('13:59'));
          await second.scheduler.tick();
          await second.scheduler.whenIdle();
          expect(runs).toHaveLength(1);

          await clock.advanceTo(june('19:31'));
          await second.scheduler.tick();
          await second.scheduler.whenIdle();
          expect(runs.map((run) => run.at)).toEqual(['2027-06-15T10:31:00.000Z', '2027-06-15T17:31:00.000Z']);
          const [status] = (await second.scheduler.status()).tenants;
          expect(status?.history.map((run) => `${run.windowId} ${run.state} ${run.runIds.join(',')}`)).toEqual([
            'evening done 2',
            'midday done 1',
          ]);
        });

        it('with two processes on the same file ticking at once: each tenant runs once, never in both', async () => {
          const clock = createSteppedClock(june('10:00'));
          const tenantIds = Array.from({ length: 30 }, (_, index) => `tenant-${index}`);
          const runs: RunRecord[] = [];
          const active = new Set<string>();
          let overlaps = 0;
          const runTenant = async (tenantId: string, trigger: RunTrigger): Promise<RunOutcome> => {
            if (active.has(tenantId)) overlaps++;
            active.add(tenantId);
            runs.push({ tenantId, trigger, at: new Date(clock.now()).toISOString() });
            for (let turn = 0; turn < 3; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
            active.delete(tenantId);
            return { status: 'success' };
          };
          const a = await startProcess(clock, { tenantIds, runs, runTenant });
          const b = await startProcess(clock, { tenantIds, runs, runTenant });
          await Promise.all([a.scheduler.tick(), b.scheduler.tick()]);
          // 13:59: every slot of the midday window has passed, the window is still open.
          await clock.advanceTo(june('13:59'));
          for (let round = 0; round < 6; round++) {
            await Promise.all([a.scheduler.tick(), b.scheduler.tick()]);
            await Promise.all([a.scheduler.whenIdle(), b.scheduler.whenIdle()]);
          }
          expect(overlaps).toBe(0);
          expect(runs.map((run) => run.tenantId).sort()).toEqual([...tenantIds].sort());
        });

        for (const change of [
          {
            name: '28 March 2027 (spring forward)',
            from: '2027-03-27T00:00:00+01:00',
            to: '2027-03-30T00:00:00+02:00',
            // Night: globex's 02:13 does not exist, it runs at 03:13 CEST; acme's 02:31 would be 03:31, past the
            // window's end (03:30 CEST): its last minute. Midday and evening: Paris time kept, an hour earlier in UTC.
            changeDay: {
              globex: ['2027-03-28T01:13:00.000Z', '2027-03-28T10:04:00.000Z', '2027-03-28T17:04:00.000Z'],
              acme: ['2027-03-28T01:29:00.000Z', '2027-03-28T10:31:00.000Z', '2027-03-28T17:31:00.000Z'],
            },
          },
          {
            name: '31 October 2027 (fall back)',
            from: '2027-10-30T00:00:00+02:00',
            to: '2027-11-02T00:00:00+01:00',
            // Night: 02:13 and 02:31 happen twice; each runs once, at the first (CEST).
            changeDay: {
              globex: ['2027-10-31T00:13:00.000Z', '2027-10-31T11:04:00.000Z', '2027-10-31T18:04:00.000Z'],
              acme: ['2027-10-31T00:31:00.000Z', '2027-10-31T11:31:00.000Z', '2027-10-31T18:31:00.000Z'],
            },
          },
        ]) {
          it(
            `across ${change.name}: every slot at its instant, none skipped, none twice`,
            { timeout: 90_000 },
            async () => {
              const clock = createSteppedClock(change.from);
              const windows = [night, midday, evening];
              // Night slots: globex 02:13 and acme 02:31 (in the hour skipped in March, repeated in October), umbrella
              // 01:49 (before it), hooli 03:05 (after it).
              const tenantIds = ['acme', 'globex', 'umbrella', 'hooli'];
              const { scheduler, runs } = await startProcess(clock, { tenantIds, windows, tickMs: 60_000 });
              scheduler.start();
              await clock.advanceTo(change.to);
              await scheduler.stop();

              const runsOf = (tenantId: string) => runs.filter((run) => run.tenantId === tenantId).map((run) => run.at);
              for (const tenantId of tenantIds) {
                const expected = occurrencesBetween(tenantId, new Date(change.from), new Date(change.to), windows);
                expect(expected).toHaveLength(3 * 3);
                expect(runsOf(tenantId)).toEqual(expected.map((occurrence) => occurrence.slotAt));
              }
              for (const [tenantId, instants] of Object.entries(change.changeDay)) {
                expect(runsOf(tenantId).slice(3, 6)).toEqual(instants);
              }
              const status = await scheduler.status();
              for (const tenant of status.tenants) {
                expect(tenant.missed).toEqual([]);
                expect(tenant.history.filter((run) => run.state === 'done')).toHaveLength(3 * 3);
              }
            },
          );
        }
      });

      describe('after a downtime', () => {
        it('runs a slot that passed while the service was down, if its window is still open (catch-up)', async () => {
          const clock = createSteppedClock(june('11:00'));
          const runs: RunRecord[] = [];
          const before = await startProcess(clock, { runs });
          await before.scheduler.tick();
          await before.scheduler.stop();

          // Down from 11:00 to 13:40: the 12:31 slot passed meanwhile.
          await clock.advanceTo(june('13:40'));
          const after = await startProcess(clock, { runs });
          await after.scheduler.tick();
          await after.scheduler.whenIdle();
          expect(runs).toEqual([{ tenantId: 'acme', trigger: 'scheduled', at: '2027-06-15T11:40:00.000Z' }]);
          const [status] = (await after.scheduler.status()).tenants;
          expect(status?.history).toMatchObject([
            { windowId: 'midday', state: 'done', slotAt: '2027-06-15T10:31:00.000Z' },
          ]);
          expect(status?.missed).toEqual([]);
        });

        it('records a window that closed meanwhile as missed, does not run it, and runs the next one', async () => {
          const clock = createSteppedClock(june('10:00'));
          const runs: RunRecord[] = [];
          const before = await startProcess(clock, { runs });
          await before.scheduler.tick();
          await before.scheduler.stop();

          // Down from 10:00 to 15:00: the midday window (11:00-14:00) closed meanwhile. `newcomer` is seen only now.
          await clock.advanceTo(june('15:00'));
          const events: SchedulerEvent[] = [];
          const after = await startProcess(clock, { runs, events, tenantIds: ['acme', 'newcomer'] });
          await after.scheduler.tick();
          await after.scheduler.tick();
          await after.scheduler.whenIdle();
          expect(runs).toEqual([]);
          expect(events.filter((event) => event.type === 'missed')).toMatchObject([
            { tenantId: 'acme', occurrence: { windowId: 'midday', parisDate: '2027-06-15' } },
          ]);

          const status = await after.scheduler.status();
          const acme = status.tenants.find((tenant) => tenant.tenantId === 'acme');
          expect(acme?.missed).toMatchObject([
            { windowId: 'midday', parisDate: '2027-06-15', state: 'missed', finishedAt: '2027-06-15T13:00:00.000Z' },
          ]);
          expect(acme?.next.map((occurrence) => `${occurrence.parisDate} ${occurrence.windowId}`)).toEqual([
            '2027-06-15 evening',
            '2027-06-16 midday',
          ]);
          // A tenant first seen after the window closed has missed nothing.
          expect(status.tenants.find((tenant) => tenant.tenantId === 'newcomer')?.missed).toEqual([]);

          await clock.advanceTo(june('19:31'));
          await after.scheduler.tick();
          await after.scheduler.whenIdle();
          expect(runs).toEqual([{ tenantId: 'acme', trigger: 'scheduled', at: '2027-06-15T17:31:00.000Z' }]);
        });

        it('takes over the claim of a process that died mid-run once its lock expired, and runs it again', async () => {
          const clock = createSteppedClock(june('12:31'));
          const runs: RunRecord[] = [];
          const events: SchedulerEvent[] = [];
          const process = await startProcess(clock, { runs, events });
          // A process that claimed acme's midday run at 12:31 and died (no heartbeat, no release).
          const slotAt = occurrenceOf('acme', midday, '2027-06-15').slotAt;
          await process.store.schedule.acquireLock('acme', 'dead', slotAt, 60_000);
          await process.store.schedule.claimOccurrence(
            { tenantId: 'acme', windowId: 'midday', parisDate: '2027-06-15', slotAt },
            'dead',
            slotAt,
          );

          await clock.advanceTo('2027-06-15T12:31:30+02:00');
          await process.scheduler.tick();
          expect(runs).toEqual([]);
          expect(events.filter((event) => event.type === 'lock-busy')).toHaveLength(0); // claimed: not even due here

          await clock.advanceTo(june('12:33'));
          await process.scheduler.tick();
          await process.scheduler.whenIdle();
          expect(events.filter((event) => event.type === 'claim-abandoned')).toMatchObject([
            { run: { tenantId: 'acme', holder: 'dead', state: 'interrupted' } },
          ]);
          expect(runs).toEqual([{ tenantId: 'acme', trigger: 'scheduled', at: '2027-06-15T10:33:00.000Z' }]);
          expect(await process.store.schedule.listScheduledRuns()).toMatchObject([{ state: 'done', attempts: 2 }]);
        });

        it('takes over at once the claim and the lock of a killed process of this host, and runs it again', async () => {
          const clock = createSteppedClock(june('12:31'));
          const runs: RunRecord[] = [];
          const events: SchedulerEvent[] = [];
          const process = await startProcess(clock, { runs, events });
          // A worker of this host that claimed acme's midday run and was killed: its pid no longer answers.
          const child = spawn(globalThis.process.execPath, ['-e', '']);
          await new Promise((resolve) => child.once('exit', resolve));
          const dead = `scheduler:${hostname()}:${child.pid}:abcd1234`;
          const slotAt = occurrenceOf('acme', midday, '2027-06-15').slotAt;
          await process.store.schedule.acquireLock('acme', dead, slotAt, 60 * 60_000);
          const occurrence = { tenantId: 'acme', windowId: 'midday', parisDate: '2027-06-15', slotAt };
          await process.store.schedule.claimOccurrence(occurrence, dead, slotAt);

          // Seconds later, long before the lease would end.
          await clock.advanceTo('2027-06-15T12:31:30+02:00');
          await process.scheduler.tick();
          await process.scheduler.whenIdle();
          expect(events.filter((event) => event.type === 'claim-abandoned')).toMatchObject([
            { run: { tenantId: 'acme', holder: dead, state: 'interrupted' } },
          ]);
          expect(runs).toEqual([{ tenantId: 'acme', trigger: 'scheduled', at: '2027-06-15T10:31:30.000Z' }]);
          expect(await process.store.schedule.listScheduledRuns()).toMatchObject([{ state: 'done', attempts: 2 }]);
        });
      });

      describe('one live run per tenant', () => {
        it('refuses an on-demand run during a scheduled one, here and from another process, never running both', async () => {
          const clock = createSteppedClock(june('12:31'));
          const release = deferred();
          let active = 0;
          let most = 0;
          const triggers: RunTrigger[] = [];
          const runTenant = async (_tenantId: string, trigger: RunTrigger): Promise<RunOutcome> => {
            triggers.push(trigger);
            most = Math.max(most, ++active);
            await release.promise;
            active--;
            return { status: 'success' };
          };
          const one = await startProcess(clock, { runTenant });
          const other = await startProcess(clock, { runTenant });
          await one.scheduler.tick();
          expect(triggers).toEqual(['scheduled']);

          const here = await one.scheduler.runNow('acme');
          expect(here).toMatchObject({ accepted: false, refusal: 'running' });
          expect(here.accepted ? '' : here.message).toMatch(
            /^a run of tenant acme is already in progress \(scheduled run of the midday window of 2027-06-15, started at 2027-06-15 12:31:00 \+02:00\)$/,
          );
          const there = await other.scheduler.runNow('acme');
          expect(there.accepted ? '' : there.message).toMatch(
            /^a run of tenant acme is already in progress \(started at 2027-06-15 12:31:00 \+02:00, by scheduler:/,
          );
          // The other process does not start the scheduled run either: it is claimed.
          await other.scheduler.tick();
          expect((await other.scheduler.status()).tenants[0]).toMatchObject({
            state: 'running',
            running: { inThisProcess: false, startedAt: '2027-06-15T10:31:00.000Z' },
          });

          release.resolve();
          await one.scheduler.whenIdle();
          const later = await other.scheduler.runNow('acme');
          expect(later).toMatchObject({ accepted: true, tenantId: 'acme' });
          expect(later.accepted && (await later.done)).toEqual({ status: 'success' });
          expect(triggers).toEqual(['scheduled', 'on-demand']);
          expect(most).toBe(1);
        });

        it('lets a slot that comes during an on-demand run wait for it, then run in the same window', async () => {
          const clock = createSteppedClock(june('12:30'));
          const release = deferred();
          let active = 0;
          let most = 0;
          const runs: RunRecord[] = [];
          const runTenant = async (tenantId: string, trigger: RunTrigger): Promise<RunOutcome> => {
            runs.push({ tenantId, trigger, at: new Date(clock.now()).toISOString() });
            most = Math.max(most, ++active);
            if (trigger === 'on-demand') await release.promise;
            active--;
            return { status: 'success' };
          };
          const { scheduler } = await startProcess(clock, { runTenant });
          const onDemand = await scheduler.runNow('acme');
          expect(onDemand.accepted).toBe(true);
          await clock.advanceTo(june('12:31'));
          await scheduler.tick();
          expect(runs.map((run) => run.trigger)).toEqual(['on-demand']);

          release.resolve();
          await scheduler.whenIdle();
          await clock.advanceTo(june('12:32'));
          await scheduler.tick();
          await scheduler.whenIdle();
          expect(runs).toEqual([
            { tenantId: 'acme', trigger: 'on-demand', at: '2027-06-15T10:30:00.000Z' },
            { tenantId: 'acme', trigger: 'scheduled', at: '2027-06-15T10:32:00.000Z' },
          ]);
          expect(most).toBe(1);
        });

        it('waits while `sync` on the command line holds the tenant, and runs once it is done', async () => {
          const clock = createSteppedClock(june('12:31'));
          const events: SchedulerEvent[] = [];
          const { scheduler, store, runs } = await startProcess(clock, { events });
          await store.schedule.acquireLock('acme', 'sync:laptop:42:abcd', june('12:30'), 60 * 60_000);
          await scheduler.tick();
          await clock.advance(30_000);
          await scheduler.tick(); // still held: told once
          expect(runs).toEqual([]);
          expect(events.filter((event) => event.type === 'lock-busy')).toMatchObject([
            {
              tenantId: 'acme',
              message: expect.stringMatching(/started at 2027-06-15 12:30:00 \+02:00, by sync:laptop/) as string,
            },
          ]);
          expect(await scheduler.runNow('acme')).toMatchObject({ accepted: false, refusal: 'running' });

          await store.schedule.releaseLock('acme', 'sync:laptop:42:abcd');
          await clock.advanceTo(june('12:40'));
          await scheduler.tick();
          await scheduler.whenIdle();
          expect(runs).toEqual([{ tenantId: 'acme', trigger: 'scheduled', at: '2027-06-15T10:40:00.000Z' }]);
        });

        it('takes over at once, and says so, the lock of a `sync` of this host that was killed', async () => {
          const clock = createSteppedClock(june('12:31'));
          const events: SchedulerEvent[] = [];
          const { scheduler, store, runs } = await startProcess(clock, { events });
          // A real process of this host, gone: its pid no longer answers signal 0.
          const child = spawn(process.execPath, ['-e', '']);
          await new Promise((resolve) => child.once('exit', resolve));
          const dead = `sync:${hostname()}:${child.pid}:abcd1234`;
          await store.schedule.acquireLock('acme', dead, june('12:30'), 60 * 60_000);

          const started = await scheduler.runNow('acme');
          expect(started).toMatchObject({ accepted: true });
          await scheduler.whenIdle();
          expect(runs).toHaveLength(1);
          expect(events.filter((event) => event.type === 'lock-taken-over')).toMatchObject([
            { tenantId: 'acme', message: expect.stringContaining(`from ${dead}`) as string },
          ]);
        });

        it('heartbeats its lock during a long run, and stops a run whose lock was taken over', async () => {
          const clock = createSteppedClock(june('12:31'));
          const outcomes: RunOutcome[] = [];
          const runTenant = async (
            _tenantId: string,
            _trigger: RunTrigger,
            signal: AbortSignal,
          ): Promise<RunOutcome> => {
            await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
            return { status: 'interrupted', error: String((signal.reason as Error).message) };
          };
          const { scheduler, store } = await startProcess(clock, { runTenant, leaseMs: 60_000 });
          const started = await scheduler.runNow('acme');
          expect(started.accepted).toBe(true);
          if (started.accepted) void started.done.then((outcome) => outcomes.push(outcome));

          // Ten minutes: ten leases, kept alive by heartbeats every 20 s.
          await clock.advance(10 * 60_000);
          expect(await store.schedule.getLock('acme')).toMatchObject({ expiresAt: '2027-06-15T10:42:00.000Z' });
          expect(outcomes).toEqual([]);

          // Someone takes the lock (as if this process had stopped heartbeating long enough).
          await store.schedule.releaseLock('acme', scheduler.holder);
          await store.schedule.acquireLock('acme', 'thief', new Date(clock.now()).toISOString(), 60 * 60_000);
          await clock.advance(20_000);
          await scheduler.whenIdle();
          expect(outcomes).toEqual([
            { status: 'interrupted', error: 'the lock of tenant acme was taken over by another process' },
          ]);
          expect(await store.schedule.getLock('acme')).toMatchObject({ holder: 'thief' });
        });
      });

      describe('pausing', () => {
        const refused = 'edusign GET https://ext.edusign.fr/v1/course failed with HTTP 401: Unauthorized';
        const failures = {
          credentials: { status: 'failed', error: refused },
          edusignDown: {
            status: 'failed',
            error: 'edusign GET https://ext.edusign.fr/v1/course failed with HTTP 503: x',
          },
          aimairaDown: { status: 'failed', error: 'aimaira GET https://erp.example/odata/Planification timed out' },
          bug: { status: 'failed', error: 'Cannot read properties of undefined' },
          interrupted: { status: 'interrupted', error: 'the service is stopping' },
        } satisfies Record<string, RunOutcome>;

        /** acme, whose runs end as `outcomes` say (then succeed), with a tenant status the scheduler mirrors its pause on. */
        async function withOutcomes(clock: SteppedClock, outcomes: RunOutcome[]) {
          const statuses: string[] = [];
          const runs: RunRecord[] = [];
          const tenant: TenantRef = { id: 'acme', status: 'active' };
          const tenantStatus: TenantStatusPort = {
            setStatus: (id, status, reason) => {
              statuses.push(`${id} ${status} ${reason ?? ''}`.trim());
              tenant.status = status;
              return Promise.resolve(true);
            },
          };
          const process = await startProcess(clock, {
            tenants: () => Promise.resolve([{ ...tenant }]),
            tenantStatus,
            runTenant: (tenantId, trigger) => {
              runs.push({ tenantId, trigger, at: new Date(clock.now()).toISOString() });
              return Promise.resolve(outcomes.shift() ?? { status: 'success' });
            },
          });
          const runNow = async () => {
            const started = await process.scheduler.runNow('acme');
            if (!started.accepted) return started.refusal;
            return (await started.done).status;
          };
          return { ...process, runs, statuses, runNow, tenant, tenantStatus };
        }

        it('pauses a tenant after 3 runs in a row failed for the same reason, and runs it no more', async () => {
          const clock = createSteppedClock(june('12:00'));
          const { scheduler, statuses, runNow, runs, tenant, events } = await withOutcomes(clock, [
            failures.credentials,
            failures.credentials,
            failures.interrupted, // no evidence either way: the streak goes on
            {
              ...failures.credentials,
              error: 'aimaira GET https://erp.example/odata/Apprenant failed with HTTP 403: no',
            },
          ]);
          expect(await runNow()).toBe('failed');
          expect(await runNow()).toBe('failed');
          expect(await runNow()).toBe('interrupted');
          expect((await scheduler.status()).tenants[0]).toMatchObject({
            state: 'waiting',
            paused: null,
            failureStreak: { reason: 'bad-credentials', count: 2 },
          });
          expect(await runNow()).toBe('failed');

          const [paused] = (await scheduler.status()).tenants;
          expect(paused).toMatchObject({
            state: 'paused',
            tenantStatus: 'paused',
            paused: { reason: 'bad-credentials', at: '2027-06-15T10:00:00.000Z' },
            lastRun: { trigger: 'on-demand', status: 'failed', reason: 'bad-credentials' },
          });
          const message = paused?.paused?.message ?? '';
          expect(message).toMatch(
            /^paused after 3 runs in a row failed: the Aimaira or Edusign credentials are refused \(HTTP 401\/403\)/,
          );
          expect(statuses).toEqual([`acme paused ${message}`]);
          expect(tenant.status).toBe('paused');
          expect(events.filter((event) => event.type === 'paused')).toMatchObject([{ tenantId: 'acme' }]);

          expect(await runNow()).toBe('paused');
          await clock.advanceTo(june('12:31'));
          await scheduler.tick();
          await scheduler.whenIdle();
          expect(runs.map((run) => run.trigger)).toEqual(['on-demand', 'on-demand', 'on-demand', 'on-demand']);
        });

        it('does not pause after 3 failures for different reasons, nor after 3 different errors', async () => {
          const clock = createSteppedClock(june('12:00'));
          const { scheduler, runNow } = await withOutcomes(clock, [
            failures.credentials,
            failures.edusignDown,
            failures.aimairaDown,
            failures.bug,
            { status: 'failed', error: 'another bug' },
            failures.bug,
          ]);
          for (let run = 0; run < 6; run++) expect(await runNow()).toBe('failed');
          expect((await scheduler.status()).tenants[0]).toMatchObject({
            state: 'waiting',
            paused: null,
            failureStreak: { reason: 'other', count: 1 },
          });
        });

        it('pauses after the same unknown error 3 times: a broken tenant too', async () => {
          const clock = createSteppedClock(june('12:00'));
          const { scheduler, runNow } = await withOutcomes(clock, [failures.bug, failures.bug, failures.bug]);
          for (let run = 0; run < 3; run++) expect(await runNow()).toBe('failed');
          expect((await scheduler.status()).tenants[0]).toMatchObject({
            state: 'paused',
            paused: {
              reason: 'other',
              message: expect.stringContaining('Cannot read properties of undefined') as string,
            },
          });
        });

        it('resumes a tenant made active again by a passing `tenant check`, and runs its due slot', async () => {
          const clock = createSteppedClock(june('12:00'));
          const failing = [failures.edusignDown, failures.edusignDown, failures.edusignDown];
          const { scheduler, runNow, runs, tenant, events } = await withOutcomes(clock, failing);
          for (let run = 0; run < 3; run++) expect(await runNow()).toBe('failed');
          expect((await scheduler.status()).tenants[0]).toMatchObject({
            state: 'paused',
            paused: { reason: 'edusign-down' },
          });

          // `tenant check` passes and makes the tenant active again (TenantRepository.resume), in another process.
          await clock.advanceTo(june('12:40'));
          tenant.status = 'active';
          await scheduler.tick();
          await scheduler.whenIdle();
          expect(events.filter((event) => event.type === 'resumed')).toMatchObject([
            { tenantId: 'acme', at: '2027-06-15T10:40:00.000Z' },
          ]);
          expect(runs.at(-1)).toEqual({ tenantId: 'acme', trigger: 'scheduled', at: '2027-06-15T10:40:00.000Z' });
          expect((await scheduler.status()).tenants[0]).toMatchObject({
            state: 'waiting',
            paused: null,
            failureStreak: null,
            lastRun: { trigger: 'scheduled', status: 'success' },
            history: [{ windowId: 'midday', state: 'done' }],
          });
        });

        it('resumeTenant() lifts both pauses from any process; resume() says whether there was one', async () => {
          const clock = createSteppedClock(june('12:00'));
          const failing = [failures.credentials, failures.credentials, failures.credentials];
          const { scheduler, store, runNow, statuses, tenant, tenantStatus } = await withOutcomes(clock, failing);
          for (let run = 0; run < 3; run++) await runNow();
          expect(tenant.status).toBe('paused');
          expect(await resumeTenant(store.schedule, 'acme', june('12:05'), tenantStatus)).toBe(true);
          expect(tenant.status).toBe('active');
          expect(statuses.at(-1)).toBe('acme active');
          expect(await scheduler.resume('acme')).toBe(false);
          expect((await scheduler.status()).tenants[0]).toMatchObject({
            state: 'waiting',
            paused: null,
            failureStreak: null,
          });
        });

        it('does not count the windows of a pause as missed', async () => {
          const clock = createSteppedClock(june('12:00'));
          const failing = [failures.credentials, failures.credentials, failures.credentials];
          const { scheduler, runNow, statuses, events } = await withOutcomes(clock, failing);
          for (let run = 0; run < 3; run++) await runNow();
          await clock.advanceTo(june('15:00'));
          await scheduler.tick(); // paused: the midday window closes without a run, and without a miss
          expect(await scheduler.resume('acme')).toBe(true);
          await scheduler.tick();
          const [status] = (await scheduler.status()).tenants;
          expect(status).toMatchObject({ state: 'waiting', paused: null, missed: [] });
          expect(statuses.at(-1)).toBe('acme active');
          expect(events.filter((event) => event.type === 'missed')).toEqual([]);
        });
      });

      describe('stop()', () => {
        it('lets the run finish its record as interrupted, releases the lock, and the next start runs it again', async () => {
          const clock = createSteppedClock(june('12:31'));
          const signals: AbortSignal[] = [];
          const runTenant = async (
            _tenantId: string,
            trigger: RunTrigger,
            signal: AbortSignal,
          ): Promise<RunOutcome> => {
            signals.push(signal);
            if (signals.length > 1) return { status: 'success', runIds: [2] };
            await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
            expect(trigger).toBe('scheduled');
            return { status: 'interrupted', error: 'stopped after the current record', runIds: [1] };
          };
          const first = await startProcess(clock, { runTenant });
          await first.scheduler.tick();
          expect(signals).toHaveLength(1);

          await first.scheduler.stop();
          expect(signals[0]?.aborted).toBe(true);
          expect(await first.store.schedule.getLock('acme')).toBeUndefined();
          expect(await first.store.schedule.listScheduledRuns()).toMatchObject([
            { state: 'interrupted', outcome: 'interrupted', runIds: [1] },
          ]);
          expect(await first.scheduler.runNow('acme')).toMatchObject({ accepted: false, refusal: 'stopped' });

          await clock.advanceTo(june('12:35'));
          const second = await startProcess(clock, { runTenant });
          await second.scheduler.tick();
          await second.scheduler.whenIdle();
          expect(signals).toHaveLength(2);
          expect(await second.store.schedule.listScheduledRuns()).toMatchObject([
            { state: 'done', attempts: 2, runIds: [1, 2] },
          ]);
        });

        it('stops the tick loop: no tick after stop', async () => {
          const clock = createSteppedClock(june('12:00'));
          const { scheduler, runs } = await startProcess(clock);
          scheduler.start();
          await clock.advanceTo(june('12:10'));
          await scheduler.stop();
          expect(clock.pending).toBe(0);
          await clock.advanceTo(june('13:00'));
          expect(runs).toEqual([]);
          expect(() => scheduler.start()).toThrow(/stopped/);
        });
      });

      describe('status()', () => {
        it('tells per tenant what runs, the next occurrences, the last run', async () => {
          const clock = createSteppedClock(june('12:00'));
          const release = deferred();
          const { scheduler } = await startProcess(clock, {
            tenantIds: ['acme', 'globex'],
            runTenant: async () => {
              await release.promise;
              return { status: 'partial', error: 'one sheet refused' };
            },
          });
          await scheduler.tick();
          let status = await scheduler.status();
          expect(status).toMatchObject({ state: 'idle', at: '2027-06-15T10:00:00.000Z' });
          expect(status.tenants.map((tenant) => tenant.state)).toEqual(['waiting', 'waiting']);
          expect(status.tenants[0]?.next).toEqual([
            occurrenceOf('acme', midday, '2027-06-15'),
            occurrenceOf('acme', evening, '2027-06-15'),
          ]);

          await clock.advanceTo(june('12:31'));
          await scheduler.tick();
          status = await scheduler.status({ tenantId: 'acme', next: 1 });
          expect(status.tenants).toHaveLength(1);
          expect(status.tenants[0]).toMatchObject({
            state: 'running',
            running: { trigger: 'scheduled', inThisProcess: true, occurrence: { windowId: 'midday' } },
            next: [{ windowId: 'evening' }],
          });

          release.resolve();
          await scheduler.whenIdle();
          expect((await scheduler.status({ tenantId: 'acme' })).tenants[0]).toMatchObject({
            state: 'waiting',
            running: null,
            lastRun: { trigger: 'scheduled', status: 'partial', error: 'one sheet refused' },
          });
        });
      });
    });
  }
}
