/**
 * "Sync now" from a process that runs no sync itself (the scaled mode's `web` role): the same refusals as the
 * scheduler's `runNow` (unknown, paused, running), then an on-demand job for a worker; the outcome is read back from
 * the store's runs once the job has ended. A run of another process shows its progress through the store.
 */
import type { Clock } from '../clock.js';
import type { Run, StateStore } from '../store/port.js';
import type { ScheduleStore } from '../store/schedule-store.js';
import type { SyncQueue } from './queue.js';
import { describeHeldLock } from './tenant-lock.js';
import { worstStatus } from './tenant-sync.js';
import type { DirectionOutcome, TenantSyncOutcome } from './tenant-sync.js';

export type QueuedSyncNowResult =
  | { accepted: true; tenantId: string; done: Promise<TenantSyncOutcome | undefined> }
  | { accepted: false; tenantId: string; message: string };

export interface QueuedSyncNowOptions {
  store: StateStore & { schedule: ScheduleStore };
  queue: Pick<SyncQueue, 'requestRun' | 'job'>;
  clock: Clock;
  tenants: () => Promise<readonly { id: string; status: string }[]>;
  /** How often the job's state is read while waiting (500 ms by default). */
  pollMs?: number;
}

const endedStates = new Set(['completed', 'failed', 'cancelled']);

export function queuedSyncNow(options: QueuedSyncNowOptions): (tenantId: string) => Promise<QueuedSyncNowResult> {
  const { store, queue, clock } = options;
  const pollMs = options.pollMs ?? 500;
  const refuse = (tenantId: string, message: string): QueuedSyncNowResult => ({ accepted: false, tenantId, message });

  const waitForRuns = async (jobId: string, tenantId: string, requestedAt: string) => {
    for (;;) {
      const job = await queue.job(jobId);
      if (!job || endedStates.has(job.state)) break;
      await clock.sleep(pollMs);
    }
    const runs = (await store.listRuns(tenantId, 4)).filter((run) => run.startedAt >= requestedAt);
    return outcomeOfRuns(tenantId, runs);
  };

  return async (tenantId) => {
    const tenant = (await options.tenants()).find((candidate) => candidate.id === tenantId);
    if (!tenant) return refuse(tenantId, `there is no tenant ${tenantId}`);
    const health = await store.schedule.getHealth(tenantId);
    if (health?.paused) return refuse(tenantId, `tenant ${tenantId} is ${health.paused.message}`);
    if (tenant.status !== 'active') return refuse(tenantId, `tenant ${tenantId} is ${tenant.status}, not active`);
    const requestedAt = new Date(clock.now()).toISOString();
    const lock = await store.schedule.getLock(tenantId);
    if (lock && lock.expiresAt > requestedAt) {
      return refuse(tenantId, describeHeldLock(lock));
    }
    const jobId = await queue.requestRun(tenantId);
    if (jobId === null) return refuse(tenantId, `a run of tenant ${tenantId} is already waiting for a worker`);
    return { accepted: true, tenantId, done: waitForRuns(jobId, tenantId, requestedAt) };
  };
}

/** The runs of one sync (down, then up) as its outcome; undefined when the job ran nothing. */
export function outcomeOfRuns(tenantId: string, runs: readonly Run[]): TenantSyncOutcome | undefined {
  const directions = [...runs]
    .filter((run): run is Run & { status: DirectionOutcome['status'] } => run.status !== 'running')
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.id - b.id)
    .map((run): DirectionOutcome => ({
      direction: run.direction,
      status: run.status,
      runId: run.id,
      counts: run.counts,
      error: run.error,
      durationMs: run.endedAt ? Date.parse(run.endedAt) - Date.parse(run.startedAt) : 0,
    }));
  if (directions.length === 0) return undefined;
  return { tenantId, status: worstStatus(directions.map((direction) => direction.status)), directions };
}
