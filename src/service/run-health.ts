/**
 * How a tenant's runs go, run after run: why a run failed (in the few reasons that decide a pause), the failure
 * streak, and the pause itself. Pure: the scheduler stores what these functions return.
 *
 * The rule: a tenant whose last 3 runs failed for the same reason is paused, instead of hammering APIs that refuse
 * it or do not answer. A success or a partial run ends the streak; an interrupted run (the service stopping) is no
 * evidence either way and leaves it as it is. `other` failures count as the same only with the same error text:
 * three different bugs are not one broken tenant. A passing connection check resumes the tenant (`resumedHealth`).
 */
import { HttpStatusError, NetworkError } from '../errors.js';
import type { SystemName } from '../errors.js';
import type {
  FailureReason,
  LastRun,
  OutcomeStatus,
  RunTrigger,
  TenantHealth,
  TenantPause,
} from '../store/schedule-store.js';

/** Runs failed in a row, for the same reason, that pause a tenant. */
export const pauseAfterFailures = 3;

/** How a tenant's run (down then up) ended, as `runTenant` reports it to the scheduler. */
export interface RunOutcome {
  status: OutcomeStatus;
  /** Why a failed run failed; classified from `error` when absent. */
  reason?: FailureReason;
  /** The failure, in plain words. */
  error?: string;
  /** The sync runs (`runs` table) it recorded. */
  runIds?: readonly number[];
}

/** HTTP statuses that mean "your credentials are refused". */
const refusedStatuses = new Set([401, 403]);

function isUnavailableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

const downReason: Record<SystemName, FailureReason> = { aimaira: 'aimaira-down', edusign: 'edusign-down' };

/** The reason of a failure, from what was thrown (an `HttpStatusError`, a `NetworkError`, anything else). */
export function classifyFailure(error: unknown): FailureReason {
  if (error instanceof HttpStatusError) {
    if (refusedStatuses.has(error.status)) return 'bad-credentials';
    if (isUnavailableStatus(error.status)) return downReason[error.system];
    return 'other';
  }
  if (error instanceof NetworkError) return downReason[error.system];
  if (error instanceof Error && error.cause !== undefined) return classifyFailure(error.cause);
  return error instanceof Error ? classifyFailureMessage(error.message) : 'other';
}

// The messages of HttpStatusError and NetworkError (src/errors.ts), which the runs keep as their error text.
const httpStatusMessage = /\b(aimaira|edusign) [A-Z]+ \S+ failed with HTTP (\d{3})\b/;
const networkMessage = /\b(aimaira|edusign) [A-Z]+ \S+ (timed out|lost the connection|got a truncated answer)\b/;

/** The reason of a failure from its text alone: what a run result (`runDown`, `runUp`) keeps of the error. */
export function classifyFailureMessage(message: string): FailureReason {
  const http = httpStatusMessage.exec(message);
  if (http) {
    const system = http[1] as SystemName;
    const status = Number(http[2]);
    if (refusedStatuses.has(status)) return 'bad-credentials';
    if (isUnavailableStatus(status)) return downReason[system];
    return 'other';
  }
  const network = networkMessage.exec(message);
  if (network) return downReason[network[1] as SystemName];
  return 'other';
}

/** The reason of a failed outcome: the one given, else the one its error text tells. */
export function failureReasonOf(outcome: RunOutcome): FailureReason {
  return outcome.reason ?? classifyFailureMessage(outcome.error ?? '');
}

/** Worst first, as a tenant's sync reports its directions. */
const statusRank: Record<OutcomeStatus, number> = { failed: 3, interrupted: 2, partial: 1, success: 0 };

/**
 * One outcome for a tenant's runs (down, then up): the worst status, the first error of a run with that status,
 * its reason, every run id. What a `runTenant` built on `runDown` and `runUp` returns.
 */
export function runOutcomeOf(
  runs: readonly { status: OutcomeStatus; runId?: number | null | undefined; error?: string | null | undefined }[],
): RunOutcome {
  const status = runs.reduce<OutcomeStatus>(
    (worst, run) => (statusRank[run.status] > statusRank[worst] ? run.status : worst),
    'success',
  );
  const runIds = runs.flatMap((run) => (typeof run.runId === 'number' ? [run.runId] : []));
  const error = runs.find((run) => run.status === status && run.error)?.error ?? undefined;
  const outcome: RunOutcome = { status, runIds };
  if (error !== undefined) outcome.error = error;
  if (status === 'failed') outcome.reason = classifyFailureMessage(error ?? '');
  return outcome;
}

/** What the reasons mean, for a person reading a pause. */
export const failureReasonDescriptions: Record<FailureReason, string> = {
  'bad-credentials': 'the Aimaira or Edusign credentials are refused (HTTP 401/403)',
  'edusign-down': 'Edusign does not answer',
  'aimaira-down': 'Aimaira does not answer',
  other: 'the same error',
};

/** The health of a tenant the scheduler has just started watching. */
export function newHealth(tenantId: string, at: string): TenantHealth {
  return { tenantId, scheduledSince: at, paused: null, failureStreak: null, lastRun: null };
}

export interface RunTiming {
  trigger: RunTrigger;
  startedAt: string;
  finishedAt: string;
}

/** The health after one more run: last run, failure streak, and a pause at the third same failure in a row. */
export function recordOutcome(health: TenantHealth, outcome: RunOutcome, timing: RunTiming): TenantHealth {
  const failed = outcome.status === 'failed';
  const reason = failed ? failureReasonOf(outcome) : null;
  const lastRun: LastRun = {
    trigger: timing.trigger,
    status: outcome.status,
    reason,
    error: outcome.error ?? null,
    startedAt: timing.startedAt,
    finishedAt: timing.finishedAt,
  };
  if (outcome.status === 'interrupted') return { ...health, lastRun };
  if (reason === null) return { ...health, lastRun, failureStreak: null };

  const signature = reason === 'other' ? `other: ${outcome.error ?? ''}` : reason;
  const previous = health.failureStreak;
  const count = previous?.signature === signature ? previous.count + 1 : 1;
  const failureStreak = { reason, signature, count };
  const paused: TenantPause | null =
    health.paused ??
    (count >= pauseAfterFailures
      ? {
          at: timing.finishedAt,
          reason,
          message:
            `paused after ${count} runs in a row failed: ${failureReasonDescriptions[reason]}` +
            `${outcome.error ? ` (${outcome.error})` : ''}. A passing connection check (tenant check) resumes it.`,
        }
      : null);
  return { ...health, lastRun, failureStreak, paused };
}

/** The health of a resumed tenant: no pause, no streak, and watched from `at` (windows of the pause are not misses). */
export function resumedHealth(health: TenantHealth, at: string): TenantHealth {
  return { ...health, scheduledSince: at, paused: null, failureStreak: null };
}
