/**
 * A test clock whose `sleep` really waits, until the test moves time past its end: loops that sleep on the clock
 * (the scheduler's ticks, lock heartbeats) then run exactly as they would in real time, days in a second.
 * `createManualClock` moves time on every sleep instead, which suits code that sleeps only to back off.
 */
import type { Clock } from '../src/clock.js';

export interface SteppedClock extends Clock {
  /** Moves time forward by `ms`, waking each sleeper at its own instant, in order, and letting what it does run. */
  advance(ms: number): Promise<void>;
  /** `advance` to an instant (never backwards). */
  advanceTo(at: number | Date | string): Promise<void>;
  /** Lets pending work (promises, database calls) run without moving time. */
  settle(): Promise<void>;
  /** How many sleeps are waiting. */
  readonly pending: number;
  /**
   * The same object, whose calls `settle` waits for: a database over the network (PostgreSQL) answers after turns of
   * the event loop that no fixed count covers, and time must not move while a tick still reads the store.
   */
  track<T extends object>(target: T): T;
}

interface Sleeper {
  until: number;
  order: number;
  wake: () => void;
}

/** Turns of the event loop given to pending work after each wake-up: promise chains of database calls settle in one. */
const settleTurns = 5;

export function createSteppedClock(start: number | Date | string): SteppedClock {
  let now = new Date(start).getTime();
  let order = 0;
  const sleepers: Sleeper[] = [];
  const calls = new Set<Promise<unknown>>();

  const turns = async () => {
    for (let turn = 0; turn < settleTurns; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
  };
  const settle = async () => {
    await turns();
    while (calls.size > 0) {
      await Promise.allSettled([...calls]);
      await turns();
    }
  };

  const advanceTo = async (target: number) => {
    await settle();
    for (;;) {
      let next: Sleeper | undefined;
      for (const sleeper of sleepers) {
        if (sleeper.until > target) continue;
        if (!next || sleeper.until < next.until || (sleeper.until === next.until && sleeper.order < next.order)) {
          next = sleeper;
        }
      }
      if (!next) break;
      sleepers.splice(sleepers.indexOf(next), 1);
      now = Math.max(now, next.until);
      next.wake();
      await settle();
    }
    now = Math.max(now, target);
    await settle();
  };

  return {
    now: () => now,
    get pending() {
      return sleepers.length;
    },
    settle,
    track(target) {
      return new Proxy(target, {
        get(object, key, receiver) {
          const value: unknown = Reflect.get(object, key, receiver);
          if (typeof value !== 'function') return value;
          return (...args: unknown[]) => {
            const result: unknown = Reflect.apply(value, object, args);
            if (result instanceof Promise) {
              const call: Promise<unknown> = result.finally(() => calls.delete(call));
              call.catch(() => undefined);
              calls.add(call);
            }
            return result;
          };
        },
      });
    },
    sleep(ms, signal) {
      if (signal?.aborted) return Promise.reject(toReason(signal));
      return new Promise<void>((resolve, reject) => {
        const sleeper: Sleeper = {
          until: now + Math.max(0, ms),
          order: order++,
          wake: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        const onAbort = () => {
          const index = sleepers.indexOf(sleeper);
          if (index >= 0) sleepers.splice(index, 1);
          reject(toReason(signal));
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        sleepers.push(sleeper);
      });
    },
    advance: (ms) => advanceTo(now + ms),
    advanceTo: (at) => advanceTo(new Date(at).getTime()),
  };
}

function toReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new Error('aborted');
}
