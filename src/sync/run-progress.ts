/**
 * A run's progress, saved in the store as the run goes, so that any process can show it: the dashboard of a web
 * process shows a run a worker process runs (`StateStore.listLiveRuns`). Throttled to about one write a second,
 * plus the last; a write that fails is dropped, never the run's failure.
 */
import type { Clock } from '../clock.js';
import type { StateStore } from '../store/port.js';

/** The least time between two writes of one run's progress (the last one excepted). */
export const runProgressEveryMs = 1_000;

export interface RunProgressRecorder {
  /** Told after each record written; saves now if the last write is old enough, or if this is the last record. */
  report(done: number, total: number): void;
  /** Waits for the write in flight, then saves the last progress if it was held back. Never rejects. */
  flush(): Promise<void>;
}

export function createRunProgressRecorder(
  store: Pick<StateStore, 'saveRunProgress'>,
  runId: number,
  clock: Clock,
  everyMs = runProgressEveryMs,
): RunProgressRecorder {
  let latest: { done: number; total: number } | undefined;
  let saved: typeof latest;
  let savedAt = Number.NEGATIVE_INFINITY;
  // One write at a time: they land in the order they were made, and a slow store is not asked more and more.
  let writing: Promise<void> | undefined;

  const settled = async () => {
    while (writing !== undefined) await writing;
  };
  const isLast = (progress: { done: number; total: number }) => progress.done >= progress.total;

  const save = () => {
    const progress = latest;
    if (progress === undefined) return;
    saved = progress;
    savedAt = clock.now();
    const at = new Date(savedAt).toISOString();
    writing = (async () => {
      try {
        await store.saveRunProgress(runId, progress, at);
      } catch {
        // Progress is for watchers; the run's own record is written at its end, and that one must not be lost to it.
      }
    })().finally(() => {
      writing = undefined;
      // The last record came while a write was in flight: it goes now, not a second later.
      if (latest !== undefined && latest !== saved && isLast(latest)) save();
    });
  };

  return {
    report(done, total) {
      latest = { done, total };
      if (writing === undefined && (isLast(latest) || clock.now() - savedAt >= everyMs)) save();
    },
    async flush() {
      await settled();
      if (latest !== saved) {
        save();
        await settled();
      }
    },
  };
}
