/**
 * Acting on the webhooks' inbox: each tenant's pending messages become one targeted run once they settle, under the
 * tenant's lock, so that a burst of a thousand changes to forty sessions is one run of forty sessions, and a message
 * arriving during a run (scheduled or targeted) waits for it. The inbox is the queue: a message is marked processed
 * only once a run has acted on it (or decided there was nothing to do), so a crash leaves it pending, to be taken
 * again; the scheduled windows stay the safety net for whatever a lost message missed.
 */
import type { Clock } from '../clock.js';
import { toError } from '../errors.js';
import type { WebhookMessage, WebhookStore } from '../store/port.js';
import { acquireTenantLock, lockHolder } from './tenant-lock.js';
import type { TenantLockStore } from './tenant-lock.js';

/** What a batch of messages asks for (src/sync/realtime/). */
export interface RealtimeTargets {
  sessionIds: readonly number[];
  sheetIds: readonly string[];
  /** Messages that need no run, with why (kept for the logs). */
  ignored: readonly { messageId: number; why: string }[];
}

/** One batch acted on: what the dashboard and `/metrics` show of the near-real-time path. */
export interface RealtimeBatch {
  tenantId: string;
  messages: number;
  sessions: number;
  sheets: number;
  ignored: number;
  /** The oldest message's reception, and the run's end: the latency a person sees. */
  oldestReceivedAt: string;
  finishedAt: string;
  latencyMs: number;
  status: 'success' | 'partial' | 'failed' | 'interrupted' | 'nothing-to-do';
}

export interface RealtimeRunnerOptions {
  inbox: Pick<
    WebhookStore,
    'tenantsWithPendingWebhookMessages' | 'pendingWebhookMessages' | 'markWebhookMessagesProcessed'
  >;
  locks: TenantLockStore;
  clock: Clock;
  /** Whether the tenant acts on its webhooks now (its receivers enabled, the tenant active and not paused). */
  active(tenantId: string): Promise<boolean>;
  resolve(tenantId: string, messages: readonly WebhookMessage[]): Promise<RealtimeTargets>;
  /** The tenant's targeted run, under its lock; `signal` aborts when the lock is lost or the runner stops. */
  run(
    tenantId: string,
    targets: Pick<RealtimeTargets, 'sessionIds' | 'sheetIds'>,
    signal: AbortSignal,
  ): Promise<Exclude<RealtimeBatch['status'], 'nothing-to-do'>>;
  /** A batch waits until no message came for this long... */
  quietMs?: number;
  /** ...but no longer than this after its oldest message. */
  maxWaitMs?: number;
  /** Messages taken in one batch at most. */
  batchLimit?: number;
  onBatch?: (batch: RealtimeBatch) => void;
  onError?: (error: Error, tenantId: string) => void;
}

export const defaultQuietMs = 3_000;
export const defaultMaxWaitMs = 20_000;
const defaultBatchLimit = 10_000;
/** After a failure (Aimaira or Edusign not answering), the tenant's messages wait this long, doubling, at most. */
const failureBackoffMs = { first: 30_000, max: 15 * 60_000 };

export interface RealtimeRunner {
  /** Looks at every tenant with pending messages, runs those whose messages settled; resolves with the batches run. */
  tick(): Promise<RealtimeBatch[]>;
  /**
   * The tenants whose pending messages settled (and are not waiting after a failure): what a scaled mode's leader
   * hands to the workers as jobs.
   */
  due(): Promise<string[]>;
  /** One tenant's batch now, whether or not its messages settled (a worker's job); undefined when nothing ran. */
  runTenant(tenantId: string): Promise<RealtimeBatch | undefined>;
}

export function createRealtimeRunner(options: RealtimeRunnerOptions): RealtimeRunner {
  const { inbox, clock } = options;
  const quietMs = options.quietMs ?? defaultQuietMs;
  const maxWaitMs = options.maxWaitMs ?? defaultMaxWaitMs;
  const limit = options.batchLimit ?? defaultBatchLimit;
  const holder = lockHolder('realtime');
  const backoff = new Map<string, { until: number; delay: number }>();
  const backOff = (tenantId: string) => {
    const delay = Math.min(failureBackoffMs.max, (backoff.get(tenantId)?.delay ?? failureBackoffMs.first / 2) * 2);
    backoff.set(tenantId, { until: clock.now() + delay, delay });
  };

  const settled = (messages: readonly WebhookMessage[], now: number) => {
    const oldest = Date.parse(messages[0]?.receivedAt ?? '');
    const newest = Date.parse(messages.at(-1)?.receivedAt ?? '');
    return now - newest >= quietMs || now - oldest >= maxWaitMs;
  };

  const waiting = (tenantId: string) => (backoff.get(tenantId)?.until ?? 0) > clock.now();

  async function isDue(tenantId: string): Promise<boolean> {
    if (waiting(tenantId)) return false;
    const pending = await inbox.pendingWebhookMessages(tenantId, limit);
    return pending.length > 0 && settled(pending, clock.now()) && (await options.active(tenantId));
  }

  async function runTenant(tenantId: string): Promise<RealtimeBatch | undefined> {
    const now = clock.now();
    if (!(await options.active(tenantId))) return undefined;
    // Busy (a scheduled run, "sync now", another process): the messages wait for the next tick.
    const attempt = await acquireTenantLock(options.locks, tenantId, { holder, clock });
    if (!attempt.acquired) return undefined;
    try {
      // Read again under the lock: what arrived meanwhile joins this batch.
      const messages = await inbox.pendingWebhookMessages(tenantId, limit);
      if (messages.length === 0) return undefined;
      const targets = await options.resolve(tenantId, messages);
      const nothing = targets.sessionIds.length === 0 && targets.sheetIds.length === 0;
      const status = nothing ? 'nothing-to-do' : await options.run(tenantId, targets, attempt.lock.lost);
      if (status === 'failed' || status === 'interrupted') backOff(tenantId);
      else {
        backoff.delete(tenantId);
        await inbox.markWebhookMessagesProcessed(
          messages.map((message) => message.id),
          new Date(clock.now()).toISOString(),
        );
      }
      const oldestReceivedAt = messages[0]?.receivedAt ?? new Date(now).toISOString();
      const finishedAt = new Date(clock.now()).toISOString();
      return {
        tenantId,
        messages: messages.length,
        sessions: targets.sessionIds.length,
        sheets: targets.sheetIds.length,
        ignored: targets.ignored.length,
        oldestReceivedAt,
        finishedAt,
        latencyMs: Date.parse(finishedAt) - Date.parse(oldestReceivedAt),
        status,
      };
    } finally {
      await attempt.lock.release();
    }
  }

  /** A batch of the tenant, its failure reported and backed off: its messages stay pending. */
  async function guarded(tenantId: string): Promise<RealtimeBatch | undefined> {
    try {
      const batch = await runTenant(tenantId);
      if (batch) options.onBatch?.(batch);
      return batch;
    } catch (error) {
      // Aimaira could not say what a message touches, or the store failed: the messages stay pending.
      backOff(tenantId);
      options.onError?.(toError(error), tenantId);
      return undefined;
    }
  }

  async function due(): Promise<string[]> {
    const tenants: string[] = [];
    for (const { tenantId } of await inbox.tenantsWithPendingWebhookMessages()) {
      if (await isDue(tenantId)) tenants.push(tenantId);
    }
    return tenants;
  }

  return {
    due,
    runTenant: guarded,
    async tick() {
      const batches: RealtimeBatch[] = [];
      for (const tenantId of await due()) {
        const batch = await guarded(tenantId);
        if (batch) batches.push(batch);
      }
      return batches;
    },
  };
}
