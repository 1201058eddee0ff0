/**
 * The scaled mode's job queue, on pg-boss (10.x, its line for Node 20): the leading scheduler queues each due
 * occurrence as a job; workers take jobs and run them through their own scheduler (`runOccurrence`, `runNow`), so
 * the lock, the claim, the run's record and the pause rule are the embedded mode's code.
 *
 * What the queue decides and what the store decides:
 * - One waiting job per tenant (the queue's `short` policy, the tenant as singleton key): a tick handing over an
 *   occurrence already waiting adds nothing.
 * - One live run per tenant: the tenant's lock in the store. A worker taking a job whose tenant runs elsewhere
 *   completes it as `busy`; the occurrence is not claimed, so the leader hands it over again once the lock is free.
 *   (pg-boss's `singleton`/`stately` policies are not used for this: in 10.x a waiting job of a key already active
 *   makes the fetch fail, and the queue would stall behind it.)
 * - A dead worker: its tenant's lock lapses after its lease (a minute), the leader finds the claim abandoned, and
 *   the occurrence is queued again for another worker. pg-boss's expiry (hours, as long as a first sync of a large
 *   school may take; pg-boss 10 has no heartbeat) only tidies the dead job: retried, it finds the occurrence done.
 * - A failed run completes its job: the tenant's health and its pause rule (run-health.ts) decide what follows, not
 *   the queue's retry count. A run interrupted by a stopping worker fails its job, which gives it back: retried by
 *   another worker at once.
 */
import PgBoss from 'pg-boss';
import { z } from 'zod';

import { toError } from '../errors.js';
import type { Dispatcher } from './dispatch.js';
import type { Logger } from './logging.js';
import type { Occurrence } from './schedule.js';
import type { DispatchedRunResult, RunNowResult, Scheduler } from './scheduler.js';

export const syncQueueName = 'tenant-sync';

/** pg-boss's job states, in its own words. */
export const jobStates = ['created', 'retry', 'active', 'completed', 'cancelled', 'failed'] as const;
export type JobState = (typeof jobStates)[number];

const OccurrenceData = z.object({
  tenantId: z.string().min(1),
  windowId: z.string().min(1),
  parisDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  slotAt: z.string(),
  windowStart: z.string(),
  windowEnd: z.string(),
});

/** A job's data: what to run. Checked when taken (a job is data another process wrote). */
export const SyncJobData = z.discriminatedUnion('trigger', [
  z.object({ trigger: z.literal('scheduled'), tenantId: z.string().min(1), occurrence: OccurrenceData }),
  z.object({ trigger: z.literal('on-demand'), tenantId: z.string().min(1) }),
  // The tenant's webhook messages settled (src/service/realtime.ts): a targeted run of what they touch.
  z.object({ trigger: z.literal('realtime'), tenantId: z.string().min(1) }),
]);
export type SyncJobData = z.infer<typeof SyncJobData>;

/** What a finished job says it did (its pg-boss output). */
export type SyncJobResult =
  { ran: true; status: string; worker: string } | { ran: false; why: string; message: string; worker: string };

export interface SyncQueueOptions {
  /** The PostgreSQL connection string (the store's, without its `schema` parameter). */
  url: string;
  /** The schema of pg-boss's tables (`pgboss` by default). */
  schema?: string;
  logger: Logger;
  /** How long a job may stay active before pg-boss fails it (6 h by default). */
  expireInSeconds?: number;
  /** How often an idle worker asks for a job (2 s by default; pg-boss's floor is 0.5 s). */
  pollingIntervalSeconds?: number;
  /** Most connections pg-boss opens (4 by default). */
  poolSize?: number;
}

export interface WorkOptions {
  scheduler: Scheduler;
  /** Jobs this process runs at once. */
  concurrency: number;
  /** Names this worker in job outputs and metrics. */
  worker: string;
  /** Told when a job ends, whatever happened. */
  onJob?: (result: SyncJobResult) => void;
  /** Runs a `realtime` job: the tenant's pending webhook messages (src/service/realtime.ts `runTenant`). */
  realtime?: (tenantId: string) => Promise<{ status: string } | undefined>;
}

export interface SyncQueue {
  readonly dispatcher: Dispatcher;
  /** Queues an on-demand run of a tenant; null when a job of that tenant is already waiting. */
  requestRun(tenantId: string): Promise<string | null>;
  /** Queues a run of the tenant's settled webhook messages; null when a job of that tenant is already waiting. */
  requestRealtime(tenantId: string): Promise<string | null>;
  /** Starts taking jobs. Once. */
  work(options: WorkOptions): Promise<void>;
  /** Stops taking jobs (the jobs being run go on). */
  stopWorking(): Promise<void>;
  /** Jobs of the queue by state (every state present, 0 when none). */
  jobCounts(): Promise<Record<JobState, number>>;
  /** One job's state and output; null when unknown (or archived). */
  job(id: string): Promise<{ state: JobState; output: unknown } | null>;
  /** Waits for the jobs being run (up to `timeoutMs`), then closes the queue's connections. */
  stop(timeoutMs?: number): Promise<void>;
}

const defaultExpireInSeconds = 6 * 3_600;
const defaultPollingIntervalSeconds = 2;

export async function startSyncQueue(options: SyncQueueOptions): Promise<SyncQueue> {
  const schema = options.schema ?? 'pgboss';
  const boss = new PgBoss({
    connectionString: options.url,
    schema,
    max: options.poolSize ?? 4,
    application_name: 'aimaira-edusign queue',
    // Our own scheduler decides what is due; pg-boss's cron is not used.
    schedule: false,
    supervise: true,
    migrate: true,
  });
  boss.on('error', (error) => options.logger.error({ err: toError(error) }, 'job queue error'));
  await boss.start();
  try {
    await createQueueOnce(boss, options.expireInSeconds ?? defaultExpireInSeconds);
  } catch (error) {
    await boss.stop({ graceful: false, wait: true }).catch(() => undefined);
    throw error;
  }

  const send = (data: SyncJobData) => boss.send(syncQueueName, data, { singletonKey: data.tenantId });
  const workerIds: string[] = [];

  const dispatcher: Dispatcher = {
    kind: 'queue',
    async dispatch(due) {
      for (const occurrence of due) {
        await send({ trigger: 'scheduled', tenantId: occurrence.tenantId, occurrence });
      }
    },
  };

  const runJob = async (data: unknown, work: WorkOptions): Promise<SyncJobResult> => {
    const parsed = SyncJobData.safeParse(data);
    if (!parsed.success) {
      // Not retried: the same data would fail the same way.
      return {
        ran: false,
        why: 'invalid',
        message: `a job of unknown shape: ${parsed.error.message}`,
        worker: work.worker,
      };
    }
    const job = parsed.data;
    if (job.trigger === 'realtime') {
      // Its messages stay pending when it could not run (busy, a failure): the leader hands them over again.
      const batch = await work.realtime?.(job.tenantId);
      const ended: SyncJobResult = batch
        ? { ran: true, status: batch.status, worker: work.worker }
        : {
            ran: false,
            why: 'nothing',
            message: 'no batch ran (busy, waiting after a failure, or nothing pending)',
            worker: work.worker,
          };
      work.onJob?.(ended);
      return ended;
    }
    const result: DispatchedRunResult =
      job.trigger === 'scheduled'
        ? await work.scheduler.runOccurrence(job.occurrence satisfies Occurrence)
        : await onDemand(work.scheduler, job.tenantId);
    const ended: SyncJobResult = result.ran
      ? { ran: true, status: result.outcome.status, worker: work.worker }
      : { ran: false, why: result.why, message: result.message, worker: work.worker };
    work.onJob?.(ended);
    // Given back: another worker takes it again (this one is stopping, or its run was cut short).
    if (result.ran && result.outcome.status === 'interrupted') throw new Error(`interrupted on ${work.worker}`);
    if (!result.ran && result.why === 'stopped') throw new Error(`${work.worker} is stopping`);
    return ended;
  };

  return {
    dispatcher,
    requestRun: (tenantId) => send({ trigger: 'on-demand', tenantId }),
    requestRealtime: (tenantId) => send({ trigger: 'realtime', tenantId }),
    async work(work) {
      for (let i = 0; i < work.concurrency; i++) {
        workerIds.push(
          await boss.work(
            syncQueueName,
            { batchSize: 1, pollingIntervalSeconds: options.pollingIntervalSeconds ?? defaultPollingIntervalSeconds },
            async ([job]) => (job ? runJob(job.data, work) : undefined),
          ),
        );
      }
    },
    async stopWorking() {
      await Promise.all(workerIds.splice(0).map((id) => boss.offWork({ id })));
    },
    async jobCounts() {
      const counts = Object.fromEntries(jobStates.map((state) => [state, 0])) as Record<JobState, number>;
      const db = boss.getDb();
      const { rows } = await db.executeSql(
        `select state, count(*)::int as count from "${schema}".job where name = $1 group by state`,
        [syncQueueName],
      );
      for (const row of rows as { state: JobState; count: number }[]) counts[row.state] = row.count;
      return counts;
    },
    async job(id) {
      const found = await boss.getJobById(syncQueueName, id);
      return found ? { state: found.state, output: found.output } : null;
    },
    async stop(timeoutMs = 30_000) {
      await boss.stop({ graceful: true, wait: true, timeout: timeoutMs });
    },
  };
}

/** An on-demand job: the tenant's run now, refused (and so completed) when it runs or is paused. */
async function onDemand(scheduler: Scheduler, tenantId: string): Promise<DispatchedRunResult> {
  const started: RunNowResult = await scheduler.runNow(tenantId);
  if (!started.accepted) {
    return {
      ran: false,
      why: started.refusal === 'running' ? 'busy' : started.refusal === 'stopped' ? 'stopped' : 'taken',
      message: started.message,
    };
  }
  return { ran: true, outcome: await started.done };
}

/**
 * The queue, created by whichever process comes first. Two processes starting together may both try: pg-boss's
 * create is idempotent but the partition it creates is not, so a collision is tried once more.
 */
async function createQueueOnce(boss: PgBoss, expireInSeconds: number): Promise<void> {
  const queue = { name: syncQueueName, policy: 'short' as const, retryLimit: 5, retryDelay: 1, expireInSeconds };
  for (let attempt = 0; ; attempt++) {
    if (await boss.getQueue(syncQueueName)) return;
    try {
      await boss.createQueue(syncQueueName, queue);
      return;
    } catch (error) {
      if (attempt >= 2) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200 * (attempt + 1)));
    }
  }
}
