/**
 * One sync of one tenant, the one function that runs a tenant whoever asks (`sync`, the service's scheduler, "sync
 * now"): down (sessions to sheets), then up (attendance back) unless down was interrupted, each recorded in the
 * store by its run, told as it goes to whoever watches, and counted in the metrics and logged when the caller has
 * them. An abort (the service stopping, Ctrl-C) lets the run in progress finish its current record and record
 * itself as interrupted; the direction not started yet is not started.
 *
 * A dry run reads and plans both directions and writes nothing: neither to Edusign or Aimaira nor to the store (no
 * run recorded, a preflight made now not kept); the downward plan comes back for the caller to show.
 */
import { pino } from 'pino';

import type { Clock } from '../clock.js';
import type { TenantConfig } from '../config/config.js';
import type { PreflightReport } from '../domain/preflight.js';
import type { ReasonCode } from '../domain/reasons.js';
import { toError } from '../errors.js';
import type { RateLimiter } from '../http/rate-limiter.js';
import type { RunCounts, RunDirection, RunStatus, StateStore } from '../store/port.js';
import type { TenantClients } from '../sync/clients.js';
import type { DownPlan } from '../sync/down/plan.js';
import type { Evaluation } from '../sync/down/rules.js';
import { runDown } from '../sync/down/run.js';
import type { DownRunResult } from '../sync/down/run.js';
import { runUp } from '../sync/up/run.js';
import type { UpRunResult } from '../sync/up/run.js';
import { tenantLogger } from './logging.js';
import { clientsForRun } from './preflight.js';
import type { Logger } from './logging.js';
import type { ServiceMetrics } from './metrics.js';

/** One direction of a tenant's sync, as it ended. */
export interface DirectionOutcome {
  direction: RunDirection;
  status: Exclude<RunStatus, 'running'>;
  /** The run recorded in the store; null for a dry run, or when the run could not even be recorded (the store failed). */
  runId: number | null;
  /** Done (a run) or to do (a dry run), by `kind.action`. */
  counts: RunCounts;
  error: string | null;
  durationMs: number;
  /** Down, once it has a plan: sessions of the window that do not come down, by reason (each of a session's). */
  skipReasons?: Partial<Record<ReasonCode, number>>;
  /** Down dry runs only: what the run would do, and the evaluation of the rules it comes from. */
  plan?: DownPlan;
  evaluation?: Evaluation;
}

export interface TenantSyncOutcome {
  tenantId: string;
  /** The worst of the directions run: failed, interrupted, partial, then success. */
  status: Exclude<RunStatus, 'running'>;
  /**
   * The directions asked for, down then up, but not one after an interrupted one. When the run could not start
   * (the store failed before either direction), only the first, failed.
   */
  directions: DirectionOutcome[];
}

export interface TenantSyncContext {
  store: StateStore;
  clock: Clock;
  /** The service's logs; none by default (the command line prints its own summary). */
  logger?: Logger;
  /** The service's metrics (HTTP exchanges, finished runs); none by default. */
  metrics?: Pick<ServiceMetrics, 'observeExchange' | 'recordRun'>;
  /** Edusign requests a minute per tenant; Edusign's own limit (a little under 480) by default. */
  edusignRequestsPerMinute?: number;
  /** The tenant's Edusign limiter shared by all its runs in this process (`createTenantEdusignLimiters`). */
  edusignLimiterOf?: (tenantId: string) => RateLimiter;
  /** How often a long run logs its progress. */
  progressEveryMs?: number;
}

/** How a tenant's sync is going, for whoever watches it (the dashboard's "sync now", the terminal's bar). */
export interface TenantSyncProgress {
  direction: RunDirection;
  /** `started` before a direction runs, `writing` as records are written, `finished` with its status. */
  stage: 'started' | 'writing' | 'finished';
  /** Records written so far and to write (0 and 0 before the plan is known, and with `started`/`finished`). */
  done: number;
  total: number;
  /** With `finished`. */
  status?: Exclude<RunStatus, 'running'>;
}

export type TenantSyncProgressListener = (progress: TenantSyncProgress) => void;

/** The directions a sync runs: one, or both (down, then up). */
export const tenantSyncDirections = ['down', 'up', 'both'] as const;
export type TenantSyncDirections = (typeof tenantSyncDirections)[number];

export interface TenantSyncRequest {
  tenant: TenantConfig;
  /** Why it runs (`scheduled`, `on-demand`, `sandbox`, `sync`...), for the logs. */
  reason: string;
  signal: AbortSignal;
  /** `both` by default: down, then up. */
  directions?: TenantSyncDirections;
  /** Read and plan only, write nothing (see above). */
  dryRun?: boolean;
  /** The sync instant of every direction (`sync --now`); by default the clock's as each direction starts. */
  now?: Date;
  /**
   * Between down and up, when down was not interrupted (never in a dry run): the sandbox signs and locks a few
   * sheets there, as a person would, so that the first upward run has attendance to send.
   */
  afterDown?: (down: DirectionOutcome) => Promise<void>;
  /** Told as each direction starts, writes and ends; a listener that throws is ignored. */
  onProgress?: TenantSyncProgressListener;
  /**
   * Told once, before any direction, when the preflight ran now (the tenant's first run, or its servers moved):
   * what it found; a listener that throws is ignored.
   */
  onPreflight?: (report: PreflightReport) => void;
  /** Told as each direction ends, with its outcome, before the next one starts; a listener that throws is ignored. */
  onDirection?: (outcome: DirectionOutcome) => void;
  /**
   * A targeted run (the webhooks): down for these sessions only, up for these sheets only, with every rule of a full
   * run (src/sync/down/run.ts `only`, src/sync/up/run.ts `only`). A direction with nothing to target is not run.
   */
  only?: { sessionIds: readonly number[]; sheetIds: readonly string[] };
}

const defaultProgressEveryMs = 10_000;

/** What logs when the caller has no logger: nothing. */
const silentLogger: Logger = pino({ enabled: false });

/** Worst first: the status a tenant's sync reports for its directions. */
const statusRank: Record<Exclude<RunStatus, 'running'>, number> = {
  failed: 3,
  interrupted: 2,
  partial: 1,
  success: 0,
};

export function worstStatus(statuses: readonly Exclude<RunStatus, 'running'>[]): Exclude<RunStatus, 'running'> {
  return statuses.reduce<Exclude<RunStatus, 'running'>>(
    (worst, status) => (statusRank[status] > statusRank[worst] ? status : worst),
    'success',
  );
}

/** The directions of `directions`, in the order they run. */
export function directionsOf(directions: TenantSyncDirections): RunDirection[] {
  return directions === 'both' ? ['down', 'up'] : [directions];
}

/** Calls a watcher: its failure is not the run's. */
function tell<T>(listener: ((value: T) => void) | undefined, value: T): void {
  try {
    listener?.(value);
  } catch {
    // Ignored, as documented on each listener.
  }
}

export async function syncTenant(context: TenantSyncContext, request: TenantSyncRequest): Promise<TenantSyncOutcome> {
  const { tenant, signal } = request;
  const dryRun = request.dryRun ?? false;
  // A targeted run skips a direction it has nothing to target in (an empty target would read nothing and write
  // nothing, yet leave a run row behind).
  const wanted = directionsOf(request.directions ?? 'both').filter(
    (direction) =>
      !request.only || (direction === 'down' ? request.only.sessionIds.length > 0 : request.only.sheetIds.length > 0),
  );
  const log = tenantLogger(context.logger ?? silentLogger, tenant.id);
  log.info(
    { reason: request.reason, ...(dryRun && { dryRun }) },
    `sync started: ${wanted.join(', then ')}${dryRun ? ' (dry run)' : ''}`,
  );
  let clients: TenantClients;
  try {
    const { metrics } = context;
    const { preflight, preflightRanNow, ...built } = await clientsForRun(tenant, {
      clock: context.clock,
      ...(metrics && { onExchange: (exchange) => metrics.observeExchange(exchange) }),
      ...(context.edusignRequestsPerMinute !== undefined && {
        edusignRequestsPerMinute: context.edusignRequestsPerMinute,
      }),
      ...(context.edusignLimiterOf && { edusignLimiter: context.edusignLimiterOf(tenant.id) }),
      store: context.store,
      now: request.now ?? new Date(context.clock.now()),
      save: !dryRun,
    });
    clients = built;
    if (preflightRanNow) {
      const notes = preflight.findings.filter((finding) => !finding.ok).map((finding) => finding.point);
      log.info({ notes }, `preflight ran before the first write: ${notes.length} point(s) need a look`);
      tell(request.onPreflight, preflight);
    }
  } catch (error) {
    // Only the store can fail here (each probe reports its own failure): the run cannot start.
    const failed: DirectionOutcome = {
      direction: wanted[0] ?? 'down',
      status: 'failed',
      runId: null,
      counts: {},
      error: toError(error).message,
      durationMs: 0,
    };
    log.error({ err: toError(error) }, 'sync failed before it started');
    tell(request.onDirection, failed);
    return { tenantId: tenant.id, status: 'failed', directions: [failed] };
  }

  const directions: DirectionOutcome[] = [];
  for (const direction of wanted) {
    const previous = directions.at(-1);
    if (previous !== undefined) {
      if (previous.status === 'interrupted' || signal.aborted) break;
      if (previous.direction === 'down' && request.afterDown && !dryRun) {
        try {
          await request.afterDown(previous);
        } catch (error) {
          log.warn({ err: toError(error) }, 'the step between down and up failed; up runs anyway');
        }
        if (signal.aborted) break;
      }
    }
    const outcome = await runDirection(direction, context, request, clients, log);
    directions.push(outcome);
    tell(request.onDirection, outcome);
  }
  const status = worstStatus(directions.map((direction) => direction.status));
  log.info({ status, reason: request.reason }, `sync finished: ${status}`);
  return { tenantId: tenant.id, status, directions };
}

/** What either direction's run says of its end. */
function endOf(
  direction: RunDirection,
  result: Pick<DownRunResult | UpRunResult, 'status' | 'runId' | 'counts' | 'error'>,
): Omit<DirectionOutcome, 'durationMs'> {
  return {
    direction,
    status: result.status,
    runId: result.runId ?? null,
    counts: result.counts,
    error: result.error ?? null,
  };
}

/** Sessions that do not come down, by reason: a session counts under each of its reasons. */
function countSkipReasons(plan: DownPlan): Partial<Record<ReasonCode, number>> {
  const counts: Partial<Record<ReasonCode, number>> = {};
  for (const skip of plan.skips) {
    for (const reason of skip.reasons) counts[reason] = (counts[reason] ?? 0) + 1;
  }
  return counts;
}

async function runDirection(
  direction: RunDirection,
  context: TenantSyncContext,
  request: TenantSyncRequest,
  clients: TenantClients,
  log: Logger,
): Promise<DirectionOutcome> {
  const { clock, store } = context;
  const { tenant, signal } = request;
  const dryRun = request.dryRun ?? false;
  const started = clock.now();
  const progressEveryMs = context.progressEveryMs ?? defaultProgressEveryMs;
  let progressLoggedAt = started;
  tell(request.onProgress, { direction, stage: 'started', done: 0, total: 0 });
  const onProgress = (done: number, total: number) => {
    tell(request.onProgress, { direction, stage: 'writing', done, total });
    // The service's logs are read by people and machines: a line every few seconds, not one per record.
    if (done < total && clock.now() - progressLoggedAt < progressEveryMs) return;
    progressLoggedAt = clock.now();
    log.info({ direction, done, total }, `${direction}: ${done} of ${total} operations done`);
  };
  const options = {
    tenant,
    ...clients,
    store,
    clock,
    now: request.now ?? new Date(started),
    dryRun,
    signal,
    onProgress,
  };
  const only = request.only;

  let outcome: Omit<DirectionOutcome, 'durationMs'>;
  try {
    if (direction === 'down') {
      const result = await runDown({ ...options, ...(only && { only: { sessionIds: only.sessionIds } }) });
      outcome = {
        ...endOf(direction, result),
        ...(result.plan && { skipReasons: countSkipReasons(result.plan) }),
        // Plans are large: kept only for a dry run, whose caller shows them.
        ...(dryRun && result.plan && { plan: result.plan }),
        ...(dryRun && result.evaluation && { evaluation: result.evaluation }),
      };
    } else {
      outcome = endOf(direction, await runUp({ ...options, ...(only && { only: { sheetIds: only.sheetIds } }) }));
    }
  } catch (error) {
    // The runs report their own failures; this is what breaks outside them (the store, a bug).
    outcome = { direction, status: 'failed', runId: null, counts: {}, error: toError(error).message };
  }
  const finished: DirectionOutcome = { ...outcome, durationMs: clock.now() - started };
  tell(request.onProgress, { direction, stage: 'finished', done: 0, total: 0, status: finished.status });
  // A dry run is no run: nothing to count.
  if (!dryRun) context.metrics?.recordRun({ tenantId: tenant.id, ...finished });
  const fields = {
    direction,
    runId: finished.runId,
    status: finished.status,
    counts: finished.counts,
    durationMs: finished.durationMs,
    ...(finished.error !== null && { error: finished.error }),
  };
  const message = `${direction} run ${finished.status}`;
  if (finished.status === 'success') log.info(fields, message);
  else if (finished.status === 'failed') log.error(fields, message);
  else log.warn(fields, message);
  return finished;
}
