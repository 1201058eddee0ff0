/**
 * One live run per tenant, whoever starts it: the scheduler, an on-demand run from the dashboard, or `sync` on the
 * command line. Each takes the tenant's lock in the store before running, keeps it alive with heartbeats while it
 * runs, and releases it at the end. A process that dies stops heartbeating; its lock expires after the lease and
 * the next one takes it over.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

import { DateTime } from 'luxon';

import type { Clock } from '../clock.js';
import type { ScheduleStore, TenantLock } from '../store/schedule-store.js';
import { scheduleZone } from './schedule.js';

/** How long a lock lives without a heartbeat: a dead holder blocks its tenant at most this long. */
export const defaultLeaseMs = 60_000;

/** Heartbeats per lease: three chances to renew before the lease runs out. */
const heartbeatsPerLease = 3;

/** A holder name that tells who holds a lock, in the store and in messages: role, host, process, and a nonce. */
export function lockHolder(role: string): string {
  return `${role}:${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

/** The message of a refused run, e.g. `a run of tenant acme is already in progress (started at ...)`. */
export function describeHeldLock(lock: TenantLock): string {
  const started = parisTime(lock.acquiredAt);
  return `a run of tenant ${lock.tenantId} is already in progress (started at ${started}, by ${lock.holder})`;
}

/** An instant as people in Paris read it, with its offset: `2027-06-15 12:31:00 +02:00`. */
export function parisTime(instant: string): string {
  return DateTime.fromISO(instant, { zone: scheduleZone }).toFormat('yyyy-MM-dd HH:mm:ss ZZ');
}

export interface HeldTenantLock {
  readonly tenantId: string;
  readonly holder: string;
  readonly acquiredAt: string;
  /** Aborts when the lock was taken over by another holder (this one missed its heartbeats): stop the run. */
  readonly lost: AbortSignal;
  /** Stops the heartbeats and releases the lock. Safe to call more than once. */
  release(): Promise<void>;
}

export type TenantLockAttempt =
  { acquired: true; lock: HeldTenantLock } | { acquired: false; heldBy: TenantLock; message: string };

export interface AcquireTenantLockOptions {
  holder: string;
  /** Dates the lease and paces the heartbeats; its `sleep` must really wait (a real or a stepped test clock). */
  clock: Clock;
  leaseMs?: number;
  /** A heartbeat that could not reach the store; the lock is kept and the next heartbeat tries again. */
  onHeartbeatError?: (error: unknown) => void;
}

/** Takes the tenant's lock, or says who holds it. Held, it is renewed every third of the lease until released. */
export async function acquireTenantLock(
  store: ScheduleStore,
  tenantId: string,
  options: AcquireTenantLockOptions,
): Promise<TenantLockAttempt> {
  const { holder, clock } = options;
  const leaseMs = options.leaseMs ?? defaultLeaseMs;
  const at = () => new Date(clock.now()).toISOString();
  const attempt = await store.acquireLock(tenantId, holder, at(), leaseMs);
  if (!attempt.acquired) return { acquired: false, heldBy: attempt.lock, message: describeHeldLock(attempt.lock) };

  const lost = new AbortController();
  const stop = new AbortController();
  const heartbeats = (async () => {
    while (!stop.signal.aborted) {
      try {
        await clock.sleep(Math.max(1, Math.floor(leaseMs / heartbeatsPerLease)), stop.signal);
      } catch {
        return; // released
      }
      if (stop.signal.aborted) return;
      try {
        if (!(await store.renewLock(tenantId, holder, at(), leaseMs))) {
          lost.abort(new Error(`the lock of tenant ${tenantId} was taken over by another process`));
          return;
        }
      } catch (error) {
        options.onHeartbeatError?.(error);
      }
    }
  })();

  let released: Promise<void> | undefined;
  return {
    acquired: true,
    lock: {
      tenantId,
      holder,
      acquiredAt: attempt.lock.acquiredAt,
      lost: lost.signal,
      release() {
        released ??= (async () => {
          stop.abort();
          await heartbeats;
          await store.releaseLock(tenantId, holder);
        })();
        return released;
      },
    },
  };
}
