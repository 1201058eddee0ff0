/**
 * The "sync now" runs started from this dashboard process, by id, so that their page and their stream of progress
 * can follow them; a finished one stays viewable for an hour. A run of another process is followed through the
 * store instead (the live stream of the tenant page).
 */
import type { SyncProgress, SyncSummary } from './deps.js';
import { randomToken } from './security.js';

/** A finished "sync now" stays viewable this long. */
const jobRetentionMs = 60 * 60_000;

export type JobEvent = { type: 'progress'; progress: SyncProgress } | { type: 'done' };

export interface SyncJob {
  id: string;
  tenantId: string;
  last: SyncProgress | undefined;
  summary: SyncSummary | undefined;
  error: string | undefined;
  finishedAt: number | undefined;
  listeners: Set<(event: JobEvent) => void>;
}

export interface SyncJobs {
  /** A new job of the tenant, not registered until `register` (the run may be refused). */
  create(tenantId: string): SyncJob;
  /** Registers the job and follows `done` to its end. */
  register(job: SyncJob, done: Promise<SyncSummary>, onError: (error: unknown) => void): void;
  get(id: string): SyncJob | undefined;
  /** Tells the job's listeners, and keeps the progress for those who come later. */
  progress(job: SyncJob, progress: SyncProgress): void;
}

export function createSyncJobs(now: () => number): SyncJobs {
  const jobs = new Map<string, SyncJob>();
  const emit = (job: SyncJob, event: JobEvent) => {
    for (const listener of job.listeners) listener(event);
  };
  const prune = () => {
    for (const [id, job] of jobs) {
      if (job.finishedAt !== undefined && now() - job.finishedAt > jobRetentionMs) jobs.delete(id);
    }
  };
  return {
    create(tenantId) {
      prune();
      return {
        id: randomToken(16),
        tenantId,
        last: undefined,
        summary: undefined,
        error: undefined,
        finishedAt: undefined,
        listeners: new Set(),
      };
    },
    register(job, done, onError) {
      jobs.set(job.id, job);
      done
        .then(
          (summary) => {
            job.summary = summary;
          },
          (error: unknown) => {
            job.error = error instanceof Error ? error.message : String(error);
            onError(error);
          },
        )
        .finally(() => {
          job.finishedAt = now();
          emit(job, { type: 'done' });
          job.listeners.clear();
        });
    },
    get: (id) => jobs.get(id),
    progress(job, progress) {
      job.last = progress;
      emit(job, { type: 'progress', progress });
    },
  };
}
