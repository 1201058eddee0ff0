/**
 * Keeps one tenant's requests to one API under a number per sliding window (Edusign: 480 a minute per school;
 * above it Edusign slows every request down, which costs more than waiting here).
 */
import type { Clock } from '../clock.js';

export interface RateLimiter {
  /** Resolves when one more request may start now. */
  acquire(signal?: AbortSignal): Promise<void>;
}

export interface RateLimiterOptions {
  /** Requests allowed in any window. */
  limit: number;
  windowMs: number;
  clock: Clock;
}

export function createRateLimiter({ limit, windowMs, clock }: RateLimiterOptions): RateLimiter {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`rate limit must be a positive integer, got ${limit}`);
  }
  /** Start times of the last `limit` requests, oldest first. */
  const starts: number[] = [];
  // Acquisitions are served one at a time so that concurrent callers cannot both take the last slot.
  let queue: Promise<void> = Promise.resolve();

  const takeSlot = async (signal?: AbortSignal): Promise<void> => {
    for (;;) {
      const now = clock.now();
      while (starts.length > 0 && now - (starts[0] ?? now) >= windowMs) starts.shift();
      if (starts.length < limit) {
        starts.push(now);
        return;
      }
      await clock.sleep((starts[0] ?? now) + windowMs - now, signal);
    }
  };

  return {
    acquire(signal) {
      const turn = queue.then(() => takeSlot(signal));
      queue = turn.catch(() => undefined);
      return turn;
    },
  };
}

/** Edusign's documented limit is 480 a minute; staying a little under it leaves room for clock drift. */
export const edusignRequestsPerMinute = 470;
