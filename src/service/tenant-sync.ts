/**
 * One sync of one tenant as the service runs it: down (sessions to sheets), then up (attendance back), each
 * recorded in the store by its run, counted in the metrics and logged. An abort (the service stopping) lets the
 * run in progress finish its current record and record itself as interrupted; the direction not started yet is
 * not started.
 */
import type { Clock } from '../clock.js';
import type { TenantConfig } from '../config/config.js';
import { toError } from '../errors.js';
import type { RunCounts, RunDirection, RunStatus, StateStore } from '../store/port.js';
import type { TenantClients } from '../sync/clients.js';
import { runDown } from '../sync/down/run.js';
import { runUp } from '../sync/up/run.js';
import { tenantLogger } from './logging.js';
import { clientsForRun } from './preflight.js';
import type { Logger } from './logging.js';
import type { ServiceMetrics } from './metrics.js';

/** One direction of a tenant's sync, as it ended. */
export interface DirectionOutcome {
  direction: RunDirection;
  status: Exclude<RunStatus, 'running'>;
  /** The run recorded in the store; null when the run could not even be recorded (the store failed). */
  runId: number | null;
  counts: RunCounts;
  error: string | null;
  durationMs: number;
}

export interface TenantSyncOutcome {
  tenantId: string;
  /** The worst of the directions run: failed, interrupted, partial, then success. */
  status: Exclude<RunStatus, 'running'>;
  /** Down, then up when down was not interrupted. */
  directions: DirectionOutcome[];
}

export interface TenantSyncContext {
  store: StateStore;
  clock: Clock;
  logger: Logger;
  metrics: ServiceMetrics;
  /** Edusign requests a minute per tenant; Edusign's own limit (a little under 480) by default. */
  edusignRequestsPerMinute?: number;
  /** How often a long run logs its progress. */
  progressEveryMs?: number;
}

/** How a tenant's sync is going, for whoever watches it (the dashboard's "sync now"). */
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

export interface TenantSyncRequest {
  tenant: TenantConfig;
  /** Why it runs (`scheduled`, `on-demand`, `sandbox`...), for the logs. */
  reason: string;
  signal: AbortSignal;
  /**
   * Between down and up, when down was not interrupted: the sandbox signs and locks a few sheets there, as a
   * person would, so that the first upward run has attendance to send.
   */
  afterDown?: (down: DirectionOutcome) => Promise<void>;
  /** Told as each direction starts, writes and ends; a listener that throws is ignored. */
  onProgress?: TenantSyncProgressListener;
}

const defaultProgressEveryMs = 10_000;

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

export async function syncTenant(context: TenantSyncContext, request: TenantSyncRequest): Promise<TenantSyncOutcome> {
  const { tenant, signal } = request;
  const log = tenantLogger(context.logger, tenant.id);
  log.info({ reason: request.reason }, 'sync started: down, then up');
  let clients: TenantClients;
  try {
    const { preflight, preflightRanNow, ...built } = await clientsForRun(tenant, {
      clock: context.clock,
      onExchange: (exchange) => context.metrics.observeExchange(exchange),
      ...(context.edusignRequestsPerMinute !== undefined && {
        edusignRequestsPerMinute: context.edusignRequestsPerMinute,
      }),
      store: context.store,
      now: new Date(context.clock.now()),
      save: true,
    });
    clients = built;
    if (preflightRanNow) {
      const notes = preflight.findings.filter((finding) => !finding.ok).map((finding) => finding.point);
      log.info({ notes }, `preflight ran before the first write: ${notes.length} point(s) need a look`);
    }
  } catch (error) {
    // Only the store can fail here (each probe reports its own failure): the run cannot start.
    const failed: DirectionOutcome = {
      direction: 'down',
      status: 'failed',
      runId: null,
      counts: {},
      error: toError(error).message,
      durationMs: 0,
    };
    log.error({ err: toError(error) }, 'sync failed before it started');
    return { tenantId: tenant.id, status: 'failed', directions: [failed] };
  }

  const directions: DirectionOutcome[] = [];
  const down = await runDirection('down', context, request, clients, log);
  directions.push(down);
  if (down.status !== 'interrupted' && !signal.aborted) {
    if (request.afterDown) {
      try {
        await request.afterDown(down);
      } catch (error) {
        log.warn({ err: toError(error) }, 'the step between down and up failed; up runs anyway');
      }
    }
    if (!signal.aborted) directions.push(await runDirection('up', context, request, clients, log));
  }
  const status = worstStatus(directions.map((direction) => direction.status));
  log.info({ status, reason: request.reason }, `sync finished: ${status}`);
  return { tenantId: tenant.id, status, directions };
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
  const started = clock.now();
  const progressEveryMs = context.progressEveryMs ?? defaultProgressEveryMs;
  let progressLoggedAt = started;
  const tell = (progress: TenantSyncProgress) => {
    try {
      request.onProgress?.(progress);
    } catch {
      // A watcher's failure is not the run's.
    }
  };
  tell({ direction, stage: 'started', done: 0, total: 0 });
  const onProgress = (done: number, total: number) => {
    tell({ direction, stage: 'writing', done, total });
    // The service's logs are read by people and machines: a line every few seconds, not one per record.
    if (done < total && clock.now() - progressLoggedAt < progressEveryMs) return;
    progressLoggedAt = clock.now();
    log.info({ direction, done, total }, `${direction}: ${done} of ${total} operations done`);
  };
  const options = { tenant, ...clients, store, clock, now: new Date(started), signal, onProgress };

  let outcome: Omit<DirectionOutcome, 'durationMs'>;
  try {
    const result = direction === 'down' ? await runDown({ ...options, dryRun: false }) : await runUp(options);
    outcome = {
      direction,
      status: result.status,
      runId: result.runId ?? null,
      counts: result.counts,
      error: result.error ?? null,
    };
  } catch (error) {
    // The runs report their own failures; this is what breaks outside them (the store, a bug).
    outcome = { direction, status: 'failed', runId: null, counts: {}, error: toError(error).message };
  }
  const finished: DirectionOutcome = { ...outcome, durationMs: clock.now() - started };
  tell({ direction, stage: 'finished', done: 0, total: 0, status: finished.status });
  context.metrics.recordRun({ tenantId: tenant.id, ...finished });
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
