/**
 * The scheduler: runs each tenant in each of its slots (see schedule.ts), and on demand, one live run per tenant.
 *
 * Every tick (every `tickMs`, on the injected clock) it looks at each active, unpaused tenant: occurrences whose
 * window closed without a run are recorded as missed; the one whose slot has passed in a window still open is
 * started, oldest slot first, up to `concurrency` scheduled runs at once. Starting a run takes the tenant's lock
 * (tenant-lock.ts), then claims the occurrence in the store; the run (`runTenant`: down then up) goes on in the
 * background, heartbeating the lock, and its end is recorded on the occurrence and in the tenant's health, which
 * pauses the tenant after 3 failures in a row for the same reason (run-health.ts).
 *
 * Each occurrence runs at most once: the store's primary key on (tenant, window, Paris date) decides between
 * processes and across restarts; the lock keeps a tenant's runs (scheduled, on-demand, `sync`) from overlapping.
 * An occurrence whose run was interrupted (graceful stop, or a process that died: its claim is found abandoned
 * once its lock expired) is claimed again if its window is still open.
 *
 * An on-demand run asked while the tenant runs is refused with a message (not queued: the person asking sees at
 * once that a run is on, and nothing starts behind their back later).
 */
import type { Clock } from '../clock.js';
import { toError } from '../errors.js';
import type {
  FailureStreak,
  LastRun,
  ScheduledRun,
  ScheduleStore,
  RunTrigger,
  TenantPause,
} from '../store/schedule-store.js';
import { classifyFailure, failureReasonOf, newHealth, recordOutcome, resumedHealth } from './run-health.js';
import type { RunOutcome } from './run-health.js';
import {
  defaultWindows,
  dueRun,
  occurrenceKey,
  occurrencesBetween,
  parisDateOf,
  parseScheduleWindows,
} from './schedule.js';
import type { DueOccurrence, Occurrence, ScheduleWindow } from './schedule.js';
import type { Dispatcher } from './dispatch.js';
import type { TenantSyncProgressListener } from './tenant-sync.js';
import {
  acquireTenantLock,
  defaultLeaseMs,
  describeHeldLock,
  isStaleHolder,
  lockHolder,
  parisTime,
} from './tenant-lock.js';
import type { HeldTenantLock } from './tenant-lock.js';

export type { RunOutcome } from './run-health.js';

/** A tenant as the scheduler sees it. Only `active` tenants are scheduled; `paused` (and anything else) are not. */
export interface TenantRef {
  id: string;
  status: string;
}

/** The tenant status that is scheduled. */
export const activeTenantStatus = 'active';

/**
 * Where the tenants keep a visible status (the tenants table): the scheduler mirrors its pauses and resumes there.
 * `TenantStore` fits as it is.
 */
export interface TenantStatusPort {
  setStatus(id: string, status: 'active' | 'paused', reason: string | null, at: string): Promise<boolean>;
}

export const schedulerStates = ['idle', 'running', 'stopping', 'stopped'] as const;
export type SchedulerState = (typeof schedulerStates)[number];

/** What the scheduler tells the service's logs and metrics. */
export type SchedulerEvent =
  | { type: 'run-started'; at: string; tenantId: string; trigger: RunTrigger; occurrence: Occurrence | null }
  | {
      type: 'run-finished';
      at: string;
      tenantId: string;
      trigger: RunTrigger;
      occurrence: Occurrence | null;
      outcome: RunOutcome;
      durationMs: number;
    }
  | { type: 'missed'; at: string; tenantId: string; occurrence: Occurrence }
  | { type: 'paused'; at: string; tenantId: string; pause: TenantPause }
  | { type: 'resumed'; at: string; tenantId: string }
  /**
   * A due occurrence waits: someone else (`sync`, another process) runs the tenant. Tried again at each tick; told
   * once per occurrence and holder.
   */
  | { type: 'lock-busy'; at: string; tenantId: string; message: string }
  /** The tenant's lock was held by a process of this host that is gone (killed): taken over at once. */
  | { type: 'lock-taken-over'; at: string; tenantId: string; message: string }
  | { type: 'claim-abandoned'; at: string; run: ScheduledRun }
  | { type: 'error'; at: string; tenantId: string | null; error: Error };

export interface SchedulerOptions {
  clock: Clock;
  store: ScheduleStore;
  /** Every tenant, with its status; read at each tick. */
  tenants: () => Promise<readonly TenantRef[]>;
  /**
   * Runs the tenant (down, then up) and says how it ended. Called under the tenant's lock. `signal` aborts when
   * the service stops or the lock was lost: finish the current record and return `interrupted`. `onProgress`,
   * given to an on-demand run by whoever asked for it, is to be told how the run goes.
   */
  runTenant: (
    tenantId: string,
    trigger: RunTrigger,
    signal: AbortSignal,
    onProgress?: TenantSyncProgressListener,
  ) => Promise<RunOutcome>;
  /** `defaultWindows` by default; checked by `parseScheduleWindows`. */
  windows?: readonly ScheduleWindow[];
  /** Between ticks, aligned on multiples of it (30 s by default: ticks at :00 and :30, slots are whole minutes). */
  tickMs?: number;
  /** Scheduled runs at once (8 by default); on-demand runs are not counted. */
  concurrency?: number;
  leaseMs?: number;
  /** How far back closed windows are recorded as missed after a downtime (2 days by default). */
  missedLookbackMs?: number;
  /** How far back `status()` lists occurrences (7 days by default). */
  historyMs?: number;
  /** Names this scheduler in the locks and claims it holds (`scheduler:<host>:<pid>:<nonce>` by default). */
  holder?: string;
  tenantStatus?: TenantStatusPort;
  onEvent?: (event: SchedulerEvent) => void;
  /**
   * Who runs the occurrences a tick finds due. By default this process does, up to `concurrency` at once (the
   * embedded mode); a queue dispatcher hands them to worker processes instead, which run each one through
   * `runOccurrence` of their own scheduler.
   */
  dispatcher?: Dispatcher;
  /**
   * Whether this scheduler is the one that ticks now (several processes may run one: one leader at a time, chosen
   * through the database). Asked at each tick; always true by default.
   */
  leading?: () => boolean;
}

export const defaultTickMs = 30_000;
export const defaultConcurrency = 8;
export const defaultMissedLookbackMs = 2 * 24 * 3_600_000;
export const defaultHistoryMs = 7 * 24 * 3_600_000;
/** How many upcoming occurrences `status()` gives per tenant by default. */
export const defaultNextCount = 2;

export const runNowRefusals = ['running', 'paused', 'inactive', 'unknown', 'stopped'] as const;
export type RunNowRefusal = (typeof runNowRefusals)[number];

export type RunNowResult =
  | { accepted: true; tenantId: string; startedAt: string; done: Promise<RunOutcome> }
  | { accepted: false; tenantId: string; refusal: RunNowRefusal; message: string };

/** How an occurrence handed over by a dispatcher went in the process that took it. */
export type DispatchedRunResult =
  | { ran: true; outcome: RunOutcome }
  /** `busy`: another run of the tenant holds its lock; `taken`: the occurrence was already claimed or acted on. */
  | { ran: false; why: 'busy' | 'taken' | 'stopped'; message: string };

export const tenantScheduleStates = ['running', 'paused', 'waiting', 'inactive'] as const;
export type TenantScheduleState = (typeof tenantScheduleStates)[number];

/** A run on now: by this scheduler, or by whoever holds the tenant's lock (`sync`, another process). */
export interface LiveRunInfo {
  /** Null when it runs elsewhere (what started it is not known here). */
  trigger: RunTrigger | null;
  startedAt: string;
  holder: string;
  occurrence: Occurrence | null;
  inThisProcess: boolean;
}

export interface TenantScheduleStatus {
  tenantId: string;
  tenantStatus: string;
  state: TenantScheduleState;
  running: LiveRunInfo | null;
  paused: TenantPause | null;
  failureStreak: FailureStreak | null;
  lastRun: LastRun | null;
  /** The next occurrences not acted on yet, the one due now included. */
  next: Occurrence[];
  /** Windows that closed without a run, newest first, over the history. */
  missed: ScheduledRun[];
  /** Every occurrence acted on over the history, newest first. */
  history: ScheduledRun[];
}

export interface SchedulerStatus {
  state: SchedulerState;
  holder: string;
  at: string;
  windows: readonly ScheduleWindow[];
  tenants: TenantScheduleStatus[];
}

export interface Scheduler {
  readonly holder: string;
  /** Starts ticking. Once. */
  start(): void;
  /**
   * Stops claiming, asks the running runs to stop after their current record (their signal aborts), waits for
   * them to be recorded and their locks released. Resolves when all is done.
   */
  stop(): Promise<void>;
  /** One tick now (what the loop does every `tickMs`); resolves once the due runs are started, not finished. */
  tick(): Promise<void>;
  /**
   * Starts the tenant's run now, under its lock; refused with a message when it runs, is paused or unknown.
   * `onProgress` is passed to `runTenant`.
   */
  runNow(tenantId: string, options?: { onProgress?: TenantSyncProgressListener }): Promise<RunNowResult>;
  /**
   * Runs an occurrence a dispatcher handed over (a worker's job): the tenant's lock, the claim, the run, its record
   * and the tenant's health, exactly as a tick of the embedded mode does. Resolves when the run ended.
   */
  runOccurrence(occurrence: Occurrence, options?: { onStarted?: () => void }): Promise<DispatchedRunResult>;
  /** Lifts the tenant's pause (a connection check passed). True when it was paused. */
  resume(tenantId: string): Promise<boolean>;
  status(options?: { tenantId?: string; next?: number }): Promise<SchedulerStatus>;
  /** Resolves when no tick and no run is in progress. */
  whenIdle(): Promise<void>;
}

interface LiveRun {
  tenantId: string;
  trigger: RunTrigger;
  occurrence: Occurrence | null;
  startedAt: string;
  holder: string;
  controller: AbortController;
  done: Promise<RunOutcome>;
  onProgress?: TenantSyncProgressListener;
}

const iso = (millis: number) => new Date(millis).toISOString();

/**
 * Lifts a tenant's pause and clears its failure streak: what a passing connection check does, from any process
 * (the serving scheduler reads the health at each tick). True when the tenant was paused.
 */
export async function resumeTenant(
  store: ScheduleStore,
  tenantId: string,
  at: string,
  tenantStatus?: TenantStatusPort,
): Promise<boolean> {
  const health = await store.getHealth(tenantId);
  const wasPaused = health?.paused != null;
  if (health !== undefined && wasPaused) await store.saveHealth(resumedHealth(health, at));
  else if (health?.failureStreak) await store.saveHealth({ ...health, failureStreak: null });
  if (wasPaused) await tenantStatus?.setStatus(tenantId, 'active', null, at);
  return wasPaused;
}

export function createScheduler(options: SchedulerOptions): Scheduler {
  const { clock, store } = options;
  const windows = parseScheduleWindows(options.windows ?? defaultWindows);
  const tickMs = positive(options.tickMs ?? defaultTickMs, 'tickMs');
  const concurrency = positive(options.concurrency ?? defaultConcurrency, 'concurrency');
  const leaseMs = positive(options.leaseMs ?? defaultLeaseMs, 'leaseMs');
  const missedLookbackMs = positive(options.missedLookbackMs ?? defaultMissedLookbackMs, 'missedLookbackMs');
  const historyMs = positive(options.historyMs ?? defaultHistoryMs, 'historyMs');
  const holder = options.holder ?? lockHolder('scheduler');

  let state: SchedulerState = 'idle';
  const loopStop = new AbortController();
  let loopDone: Promise<void> = Promise.resolve();
  let stopping: Promise<void> | undefined;
  let ticking: Promise<void> | undefined;
  const live = new Map<string, LiveRun>();
  /** Tenants whose run is being started (lock, claim): as good as running, for another start. */
  const starting = new Map<string, Promise<unknown>>();
  const whileStarting = <T>(tenantId: string, start: () => Promise<T>): Promise<T> => {
    const started = start().finally(() => starting.delete(tenantId));
    starting.set(tenantId, started);
    return started;
  };
  /** The lock-busy events told, by tenant: `occurrence holder`. */
  const busyReported = new Map<string, string>();
  /** What is on: starts in progress and live runs. */
  const inFlight = () => [...starting.values(), ...[...live.values()].map((run) => run.done)];
  /**
   * Occurrence keys acted on, per tenant, since `doneFrom` (a Paris date): loaded from the store once, then kept
   * up to date by this process. Another process's claims are not in it: its claim conflict tells.
   */
  const doneByTenant = new Map<string, Set<string>>();
  let doneFrom: string | undefined;

  const now = () => iso(clock.now());

  const emit = (event: SchedulerEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // A listener's failure is not the scheduler's.
    }
  };
  const reportError = (tenantId: string | null, error: unknown) =>
    emit({ type: 'error', at: now(), tenantId, error: toError(error) });

  const doneKeys = (tenantId: string): Set<string> => {
    let keys = doneByTenant.get(tenantId);
    if (!keys) doneByTenant.set(tenantId, (keys = new Set()));
    return keys;
  };

  const loadDone = async (nowMs: number) => {
    const from = parisDateOf(nowMs - missedLookbackMs);
    if (doneFrom === undefined) {
      for (const run of await store.listScheduledRuns({ fromDate: from })) {
        if (run.state !== 'interrupted') doneKeys(run.tenantId).add(occurrenceKey(run));
      }
      doneFrom = from;
    } else if (from > doneFrom) {
      // Keys are `date/window`: forget the days no longer looked at.
      for (const keys of doneByTenant.values()) for (const key of keys) if (key.slice(0, 10) < from) keys.delete(key);
      doneFrom = from;
    }
  };

  const scheduledRunning = () => [...live.values()].filter((run) => run.trigger === 'scheduled').length;

  const settle = async (run: LiveRun, outcome: RunOutcome, finishedAtMs: number) => {
    const { tenantId, occurrence } = run;
    const finishedAt = iso(finishedAtMs);
    const failed = outcome.status === 'failed';
    if (occurrence) {
      const state = outcome.status === 'interrupted' ? 'interrupted' : failed ? 'failed' : 'done';
      await store.finishOccurrence(occurrence, run.holder, {
        state,
        at: finishedAt,
        outcome: outcome.status,
        reason: failed ? failureReasonOf(outcome) : null,
        error: outcome.error ?? null,
        runIds: outcome.runIds ?? [],
      });
      // Interrupted: claimed again at a next tick if its window is still open.
      if (state === 'interrupted') doneKeys(tenantId).delete(occurrenceKey(occurrence));
    }
    const health = (await store.getHealth(tenantId)) ?? newHealth(tenantId, run.startedAt);
    const next = recordOutcome(health, outcome, { trigger: run.trigger, startedAt: run.startedAt, finishedAt });
    if (next.paused && !health.paused) {
      // The tenant's status first: a health that says paused implies a tenant that does (see runTick).
      try {
        await options.tenantStatus?.setStatus(tenantId, 'paused', next.paused.message, next.paused.at);
      } catch (error) {
        reportError(tenantId, error);
      }
      await store.saveHealth(next);
      emit({ type: 'paused', at: finishedAt, tenantId, pause: next.paused });
    } else {
      await store.saveHealth(next);
    }
  };

  const execute = async (run: LiveRun, lock: HeldTenantLock): Promise<RunOutcome> => {
    const { tenantId, trigger, occurrence, controller } = run;
    const onLost = () => controller.abort(lock.lost.reason);
    lock.lost.addEventListener('abort', onLost, { once: true });
    const startedAtMs = Date.parse(run.startedAt);
    emit({ type: 'run-started', at: run.startedAt, tenantId, trigger, occurrence });
    let outcome: RunOutcome;
    try {
      outcome = await options.runTenant(tenantId, trigger, controller.signal, run.onProgress);
    } catch (error) {
      const message = toError(error).message;
      outcome = controller.signal.aborted
        ? { status: 'interrupted', error: message }
        : { status: 'failed', reason: classifyFailure(error), error: message };
    }
    const finishedAtMs = clock.now();
    try {
      await settle(run, outcome, finishedAtMs);
    } catch (error) {
      reportError(tenantId, error);
    } finally {
      lock.lost.removeEventListener('abort', onLost);
      try {
        await lock.release();
      } catch (error) {
        reportError(tenantId, error); // the lease runs out on its own
      }
      live.delete(tenantId);
    }
    emit({
      type: 'run-finished',
      at: iso(finishedAtMs),
      tenantId,
      trigger,
      occurrence,
      outcome,
      durationMs: finishedAtMs - startedAtMs,
    });
    return outcome;
  };

  /** Registers the run (synchronously: no other start can slip in) and starts it in the background. */
  const launch = (
    tenantId: string,
    trigger: RunTrigger,
    occurrence: Occurrence | null,
    lock: HeldTenantLock,
    onProgress?: TenantSyncProgressListener,
  ) => {
    const controller = new AbortController();
    if (state !== 'running' && state !== 'idle') controller.abort(new Error('the service is stopping'));
    const run: LiveRun = {
      tenantId,
      trigger,
      occurrence,
      startedAt: now(),
      holder,
      controller,
      done: Promise.resolve({ status: 'interrupted' }),
      ...(onProgress && { onProgress }),
    };
    live.set(tenantId, run);
    run.done = execute(run, lock);
    return run;
  };

  const startScheduled = (due: Occurrence) =>
    whileStarting(due.tenantId, async (): Promise<LiveRun | DispatchedRunResult> => {
      const { tenantId } = due;
      const attempt = await acquireTenantLock(store, tenantId, {
        holder,
        clock,
        leaseMs,
        onHeartbeatError: (error) => reportError(tenantId, error),
      });
      if (!attempt.acquired) {
        // Once per occurrence and holder, not at every tick of a long `sync`.
        const mark = `${occurrenceKey(due)} ${attempt.heldBy.holder}`;
        if (busyReported.get(tenantId) !== mark) {
          busyReported.set(tenantId, mark);
          emit({ type: 'lock-busy', at: now(), tenantId, message: attempt.message });
        }
        return { ran: false, why: 'busy', message: attempt.message };
      }
      if (attempt.tookOver) emit({ type: 'lock-taken-over', at: now(), tenantId, message: attempt.tookOver.message });
      busyReported.delete(tenantId);
      let claimed = false;
      try {
        claimed = await store.claimOccurrence(due, holder, now());
      } finally {
        if (!claimed) await attempt.lock.release();
      }
      doneKeys(tenantId).add(occurrenceKey(due));
      if (!claimed) {
        return { ran: false, why: 'taken', message: `the ${due.windowId} window of ${due.parisDate} was already run` };
      }
      return launch(tenantId, 'scheduled', occurrenceOf(due), attempt.lock);
    });

  /**
   * What a dispatcher is handed: the due occurrences of tenants that no live run holds (a worker would only find
   * them busy). A lock of a dead process of this host does not count; a busy tenant is told once per holder.
   */
  const notLocked = async (due: readonly DueOccurrence[], at: string): Promise<Occurrence[]> => {
    const locks = new Map(
      (await store.listLocks())
        .filter((lock) => lock.expiresAt > at && !isStaleHolder(lock.holder))
        .map((lock) => [lock.tenantId, lock]),
    );
    const free: Occurrence[] = [];
    for (const occurrence of due) {
      const lock = locks.get(occurrence.tenantId);
      if (!lock) {
        busyReported.delete(occurrence.tenantId);
        free.push(occurrenceOf(occurrence));
        continue;
      }
      const mark = `${occurrenceKey(occurrence)} ${lock.holder}`;
      if (busyReported.get(occurrence.tenantId) !== mark) {
        busyReported.set(occurrence.tenantId, mark);
        emit({ type: 'lock-busy', at, tenantId: occurrence.tenantId, message: describeHeldLock(lock) });
      }
    }
    return free;
  };

  const runTick = async () => {
    if (options.leading && !options.leading()) return;
    const nowMs = clock.now();
    const at = iso(nowMs);
    // Claims of a process that died during the run: its lock expired, nobody will finish them.
    const abandoned = await store.interruptAbandonedClaims(
      at,
      iso(nowMs - leaseMs),
      'the process running it stopped before the end of the run',
    );
    // Claims of a killed process of this host: interrupted at once, as its lock is taken over at once
    // (tenant-lock.ts), so that a worker killed mid-run has its tenant run again at the next tick, not a lease later.
    const claimedFrom = parisDateOf(nowMs - missedLookbackMs);
    for (const run of await store.listScheduledRuns({ fromDate: claimedFrom, states: ['claimed'] })) {
      if (run.holder === null || !isStaleHolder(run.holder)) continue;
      await store.finishOccurrence(run, run.holder, {
        state: 'interrupted',
        at,
        outcome: 'interrupted',
        reason: null,
        error: 'the process running it was killed',
        runIds: run.runIds,
      });
      abandoned.push({ ...run, state: 'interrupted' });
    }
    for (const run of abandoned) {
      doneByTenant.get(run.tenantId)?.delete(occurrenceKey(run));
      emit({ type: 'claim-abandoned', at, run });
    }

    // Health before tenants: a pause is written to the tenant before the health (see settle), so a paused health
    // read here comes with a paused tenant below, unless the pause was lifted since.
    const healths = new Map((await store.listHealth()).map((health) => [health.tenantId, health]));
    const tenants = (await options.tenants()).filter((tenant) => tenant.status === activeTenantStatus);
    if (options.dispatcher) {
      // Workers claim the occurrences, not this process: what was acted on is read again from the store.
      doneByTenant.clear();
      doneFrom = undefined;
    }
    await loadDone(nowMs);

    const due: DueOccurrence[] = [];
    for (const tenant of tenants) {
      let health = healths.get(tenant.id);
      if (!health) {
        // First seen: it has missed nothing before now.
        health = newHealth(tenant.id, at);
        await store.saveHealth(health);
      }
      if (health.paused) {
        if (!options.tenantStatus || live.has(tenant.id) || starting.has(tenant.id)) continue;
        // Paused here, active on the tenant: its pause was lifted there (a passing `tenant check`). Lift ours.
        health = resumedHealth(health, at);
        await store.saveHealth(health);
        emit({ type: 'resumed', at, tenantId: tenant.id });
      }
      const done = doneKeys(tenant.id);
      const since = Math.max(Date.parse(health.scheduledSince), nowMs - missedLookbackMs);
      for (;;) {
        const next = dueRun(tenant.id, nowMs, done, { windows, since });
        if (!next) break;
        if (next.action === 'run') {
          due.push(next);
          break;
        }
        done.add(occurrenceKey(next));
        const { action: _action, ...occurrence } = next;
        if (await store.recordMissed(occurrence, at)) emit({ type: 'missed', at, tenantId: tenant.id, occurrence });
      }
    }

    due.sort((a, b) => a.slotAt.localeCompare(b.slotAt));
    if (options.dispatcher) {
      if (state === 'running' || state === 'idle') await options.dispatcher.dispatch(await notLocked(due, at));
      return;
    }
    for (const occurrence of due) {
      if (state !== 'running' && state !== 'idle') break;
      if (scheduledRunning() >= concurrency) break;
      if (live.has(occurrence.tenantId) || starting.has(occurrence.tenantId)) continue;
      try {
        await startScheduled(occurrence);
      } catch (error) {
        reportError(occurrence.tenantId, error);
      }
    }
  };

  const tick = (): Promise<void> => {
    if (state === 'stopping' || state === 'stopped') return Promise.resolve();
    ticking ??= runTick().finally(() => {
      ticking = undefined;
    });
    return ticking;
  };

  const loop = async () => {
    while (!loopStop.signal.aborted) {
      try {
        await tick();
      } catch (error) {
        reportError(null, error);
      }
      // Sleep to the next multiple of tickMs: ticks do not drift however long one takes.
      try {
        await clock.sleep(tickMs - (clock.now() % tickMs), loopStop.signal);
      } catch {
        return;
      }
    }
  };

  const describeLive = (run: LiveRun) => {
    const what = run.occurrence
      ? `scheduled run of the ${run.occurrence.windowId} window of ${run.occurrence.parisDate}`
      : 'on-demand run';
    return `a run of tenant ${run.tenantId} is already in progress (${what}, started at ${parisTime(run.startedAt)})`;
  };

  const refuse = (tenantId: string, refusal: RunNowRefusal, message: string): RunNowResult => ({
    accepted: false,
    tenantId,
    refusal,
    message,
  });

  return {
    holder,

    start() {
      if (state !== 'idle') throw new Error(`the scheduler cannot start: it is ${state}`);
      state = 'running';
      loopDone = loop();
    },

    stop() {
      if (state === 'stopped') return Promise.resolve();
      stopping ??= (async () => {
        state = 'stopping';
        loopStop.abort();
        const reason = new Error('the service is stopping');
        for (const run of live.values()) run.controller.abort(reason);
        await ticking?.catch(() => undefined);
        await loopDone;
        // Runs started meanwhile (by the tick in progress, an on-demand start) start aborted (see launch).
        while (live.size > 0 || starting.size > 0) {
          for (const run of live.values()) run.controller.abort(reason);
          await Promise.allSettled(inFlight());
        }
        state = 'stopped';
      })();
      return stopping;
    },

    tick,

    async runNow(tenantId, runOptions = {}) {
      if (state === 'stopping' || state === 'stopped') {
        return refuse(tenantId, 'stopped', 'the service is stopping: no run can start');
      }
      const running = live.get(tenantId);
      if (running) return refuse(tenantId, 'running', describeLive(running));
      if (starting.has(tenantId)) {
        return refuse(tenantId, 'running', `a run of tenant ${tenantId} is starting`);
      }
      return whileStarting(tenantId, async (): Promise<RunNowResult> => {
        const tenant = (await options.tenants()).find((candidate) => candidate.id === tenantId);
        if (!tenant) return refuse(tenantId, 'unknown', `there is no tenant ${tenantId}`);
        const health = await store.getHealth(tenantId);
        if (health?.paused) return refuse(tenantId, 'paused', `tenant ${tenantId} is ${health.paused.message}`);
        if (tenant.status === 'paused') {
          return refuse(tenantId, 'paused', `tenant ${tenantId} is paused; a passing tenant check resumes it`);
        }
        if (tenant.status !== activeTenantStatus) {
          return refuse(tenantId, 'inactive', `tenant ${tenantId} is ${tenant.status}, not active`);
        }
        const attempt = await acquireTenantLock(store, tenantId, {
          holder,
          clock,
          leaseMs,
          onHeartbeatError: (error) => reportError(tenantId, error),
        });
        if (!attempt.acquired) return refuse(tenantId, 'running', attempt.message);
        if (attempt.tookOver) emit({ type: 'lock-taken-over', at: now(), tenantId, message: attempt.tookOver.message });
        const run = launch(tenantId, 'on-demand', null, attempt.lock, runOptions.onProgress);
        return { accepted: true, tenantId, startedAt: run.startedAt, done: run.done };
      });
    },

    async runOccurrence(occurrence, runOptions = {}) {
      if (state === 'stopping' || state === 'stopped') {
        return { ran: false, why: 'stopped', message: 'the process is stopping: no run can start' };
      }
      const here = live.get(occurrence.tenantId);
      if (here || starting.has(occurrence.tenantId)) {
        const message = here ? describeLive(here) : `a run of tenant ${occurrence.tenantId} is starting`;
        return { ran: false, why: 'busy', message };
      }
      const at = now();
      // A job taken after its window closed (workers all busy or down): a miss, as in the embedded mode.
      if (at >= occurrence.windowEnd) {
        if (await store.recordMissed(occurrence, at)) {
          emit({ type: 'missed', at, tenantId: occurrence.tenantId, occurrence });
        }
        return {
          ran: false,
          why: 'taken',
          message: `the ${occurrence.windowId} window closed before a worker was free`,
        };
      }
      // Paused since it was handed over: the pause rule holds whoever runs the tenant.
      const health = await store.getHealth(occurrence.tenantId);
      if (health?.paused) {
        return { ran: false, why: 'taken', message: `tenant ${occurrence.tenantId} is ${health.paused.message}` };
      }
      const started = await startScheduled(occurrence);
      if (!('controller' in started)) return started;
      runOptions.onStarted?.();
      return { ran: true, outcome: await started.done };
    },

    async resume(tenantId) {
      const at = now();
      const wasPaused = await resumeTenant(store, tenantId, at, options.tenantStatus);
      if (wasPaused) emit({ type: 'resumed', at, tenantId });
      return wasPaused;
    },

    async status(query = {}) {
      const nowMs = clock.now();
      const at = iso(nowMs);
      const nextCount = query.next ?? defaultNextCount;
      const tenants = (await options.tenants()).filter(
        (tenant) => query.tenantId === undefined || tenant.id === query.tenantId,
      );
      const healths = new Map((await store.listHealth()).map((health) => [health.tenantId, health]));
      const locks = new Map(
        (await store.listLocks()).filter((lock) => lock.expiresAt > at).map((lock) => [lock.tenantId, lock]),
      );
      const history = new Map<string, ScheduledRun[]>();
      const runs = await store.listScheduledRuns({
        fromDate: parisDateOf(nowMs - historyMs),
        ...(query.tenantId !== undefined && { tenantId: query.tenantId }),
      });
      for (const run of runs) {
        const list = history.get(run.tenantId) ?? [];
        list.push(run);
        history.set(run.tenantId, list);
      }

      const statuses = tenants.map((tenant): TenantScheduleStatus => {
        const health = healths.get(tenant.id);
        const past = history.get(tenant.id) ?? [];
        const acted = new Set(past.filter((run) => run.state !== 'interrupted').map((run) => occurrenceKey(run)));
        // From a day back: an occurrence due now (slot passed, window open, not run yet) is the first "next".
        const next = occurrencesBetween(tenant.id, nowMs - 86_400_000, nowMs + 3 * 86_400_000, windows)
          .filter((occurrence) => Date.parse(occurrence.windowEnd) > nowMs && !acted.has(occurrenceKey(occurrence)))
          .slice(0, nextCount);
        const here = live.get(tenant.id);
        const lock = locks.get(tenant.id);
        const running: LiveRunInfo | null = here
          ? {
              trigger: here.trigger,
              startedAt: here.startedAt,
              holder: here.holder,
              occurrence: here.occurrence,
              inThisProcess: true,
            }
          : lock
            ? { trigger: null, startedAt: lock.acquiredAt, holder: lock.holder, occurrence: null, inThisProcess: false }
            : null;
        const paused = health?.paused ?? null;
        const state: TenantScheduleState = running
          ? 'running'
          : paused || tenant.status === 'paused'
            ? 'paused'
            : tenant.status === activeTenantStatus
              ? 'waiting'
              : 'inactive';
        return {
          tenantId: tenant.id,
          tenantStatus: tenant.status,
          state,
          running,
          paused,
          failureStreak: health?.failureStreak ?? null,
          lastRun: health?.lastRun ?? null,
          next,
          missed: past.filter((run) => run.state === 'missed'),
          history: past,
        };
      });
      return { state, holder, at, windows, tenants: statuses };
    },

    async whenIdle() {
      while (ticking || live.size > 0 || starting.size > 0) {
        await ticking?.catch(() => undefined);
        await Promise.allSettled(inFlight());
      }
    },
  };
}

/** The occurrence itself, without what `dueRun` says to do with it. */
function occurrenceOf(due: Occurrence & { action?: unknown }): Occurrence {
  const { action: _action, ...occurrence } = due;
  return occurrence;
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number: ${value}`);
  return value;
}
