/**
 * A run's events, buffered and written to the store in batches: one insert per event would cost a transaction
 * each; a batch per few hundred keeps the log complete at the end of the run and nearly so after a crash.
 */
import type { Clock } from '../clock.js';
import { toError } from '../errors.js';
import type { StateStore, SyncEvent } from '../store/port.js';

export interface EventBuffer {
  add(event: Omit<SyncEvent, 'runId' | 'tenantId' | 'at'>): void;
  /** Writes what is buffered (nothing for a dry run, which has no run id). */
  flush(): Promise<void>;
  /** Every event added so far (for summaries and dry runs). */
  readonly all: readonly Omit<SyncEvent, 'runId'>[];
}

const batchSize = 200;

export function createEventBuffer(
  store: StateStore,
  tenantId: string,
  runId: number | undefined,
  clock: Clock,
): EventBuffer {
  const all: Omit<SyncEvent, 'runId'>[] = [];
  let pending: SyncEvent[] = [];
  let writing: Promise<void> = Promise.resolve();
  let failure: unknown;

  const write = async (): Promise<void> => {
    if (runId !== undefined && pending.length > 0) {
      const batch = pending;
      pending = [];
      // Batches are written in order; a failed one is reported at the next flush, not lost silently.
      writing = writing
        .then(() => store.appendEvents(batch))
        .catch((error: unknown) => {
          failure ??= error;
        });
    }
    await writing;
    if (failure !== undefined) throw toError(failure);
  };

  return {
    all,
    add(event) {
      const full = { ...event, tenantId, at: new Date(clock.now()).toISOString() };
      all.push(full);
      if (runId === undefined) return;
      pending.push({ ...full, runId });
      if (pending.length >= batchSize) write().catch(() => undefined);
    },
    flush: write,
  };
}
