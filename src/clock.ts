/**
 * Time, injected: everything that reads the time or waits takes a `Clock`, so tests replay a day or skip a
 * backoff without waiting, and `--now` can replace the instant of a run.
 */
import { setTimeout as sleepTimer } from 'node:timers/promises';

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Waits `ms`; rejects with the signal's reason when it aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: async (ms, signal) => {
    if (ms <= 0) return;
    await sleepTimer(ms, undefined, signal ? { signal } : undefined);
  },
};

/** A clock that starts at `start` and moves only when something sleeps on it (or `advance` is called). */
export interface ManualClock extends Clock {
  advance(ms: number): void;
  /** Every duration passed to `sleep`, in order. */
  readonly sleeps: number[];
}

export function createManualClock(start: number | Date): ManualClock {
  let now = typeof start === 'number' ? start : start.getTime();
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleeps,
    advance(ms) {
      now += ms;
    },
    sleep(ms, signal) {
      signal?.throwIfAborted();
      sleeps.push(ms);
      now += Math.max(0, ms);
      return Promise.resolve();
    },
  };
}
