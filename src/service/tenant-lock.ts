/**
 * One live run per tenant, whoever starts it: the scheduler, an on-demand run from the dashboard, or `sync` on the
 * command line. Each takes the tenant's lock in the store before running, keeps it alive with heartbeats while it
 * runs, and releases it at the end. A process that dies stops heartbeating; its lock expires after the lease and
 * the next one takes it over. A lock whose holder was a process of this host that no longer exists (`kill -9`) is a
 * stale lock, not a live run: it is taken over at once, and the attempt says so.
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

/** What a holder name made by `lockHolder` tells; undefined for any other name. */
export function parseLockHolder(holder: string): { role: string; host: string; pid: number } | undefined {
  const parts = holder.split(':');
  if (parts.length !== 4) return undefined;
  const [role, host, pid, nonce] = parts as [string, string, string, string];
  if (role === '' || host === '' || nonce === '' || !/^[1-9][0-9]{0,9}$/.test(pid)) return undefined;
  return { role, host, pid: Number(pid) };
}

/**
 * Whether process `pid` of this host exists: signal 0 tests it without sending anything. ESRCH says it is gone;
 * EPERM says it exists but is not ours to signal, so alive; any other error, alive (keep to the lease when unsure).
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

export interface StaleLockCheck {
  /** This host's name, as `lockHolder` writes it; `os.hostname()` by default. */
  hostName?: string;
  /** Whether process `pid` of this host is alive; `isProcessAlive` (signal 0) by default. */
  isProcessAlive?: (pid: number) => boolean;
}

/**
 * Whether `holder` is certainly dead: a holder of this host whose process is gone. A holder of another host, or
 * a name not made by `lockHolder`, is never judged here: its lock lives its lease.
 */
export function isStaleHolder(holder: string, check: StaleLockCheck = {}): boolean {
  const parsed = parseLockHolder(holder);
  if (parsed === undefined || parsed.host !== (check.hostName ?? hostname())) return false;
  if (parsed.pid === process.pid) return false; // this very process: alive
  return !(check.isProcessAlive ?? isProcessAlive)(parsed.pid);
}

/** The message of a stale lock taken over, e.g. `took over the stale lock of tenant acme from sync:host:4242:…`. */
export function describeStaleTakeover(lock: TenantLock): string {
  const pid = parseLockHolder(lock.holder)?.pid;
  return (
    `took over the stale lock of tenant ${lock.tenantId} from ${lock.holder} ` +
    `(process ${pid} of this host is gone; its run started at ${parisTime(lock.acquiredAt)})`
  );
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
  | {
      acquired: true;
      lock: HeldTenantLock;
      /** Set when the lock was taken from a dead holder of this host: whom from, and a line that says so. */
      tookOver?: { from: TenantLock; message: string };
    }
  | { acquired: false; heldBy: TenantLock; message: string };

/** The store's lock methods that a held lock uses. */
export type TenantLockStore = Pick<ScheduleStore, 'acquireLock' | 'renewLock' | 'releaseLock'>;

/** Stale holders taken over in a row at most, each found dead in turn, before giving up (the last one is shown). */
const maxTakeovers = 3;

export interface AcquireTenantLockOptions extends StaleLockCheck {
  holder: string;
  /** Dates the lease and paces the heartbeats; its `sleep` must really wait (a real or a stepped test clock). */
  clock: Clock;
  leaseMs?: number;
  /** A heartbeat that could not reach the store; the lock is kept and the next heartbeat tries again. */
  onHeartbeatError?: (error: unknown) => void;
}

/**
 * Takes the tenant's lock, or says who holds it. Held, it is renewed every third of the lease until released.
 * A lock held by a dead process of this host (`isStaleHolder`) is taken over at once, and `tookOver` says so.
 */
export async function acquireTenantLock(
  store: TenantLockStore,
  tenantId: string,
  options: AcquireTenantLockOptions,
): Promise<TenantLockAttempt> {
  const { holder, clock } = options;
  const leaseMs = options.leaseMs ?? defaultLeaseMs;
  const at = () => new Date(clock.now()).toISOString();
  let attempt = await store.acquireLock(tenantId, holder, at(), leaseMs);
  let stale: TenantLock | undefined;
  for (let takeovers = 0; !attempt.acquired && takeovers < maxTakeovers; takeovers++) {
    if (!isStaleHolder(attempt.lock.holder, options)) break;
    // Compare-and-delete: the row goes only while that dead holder still has it, then the insert races as any
    // acquisition does. Another process that found the same dead holder gets one or the other, never both.
    // Reported only when this process removed it (otherwise another one did, and the lock was then free).
    stale = (await store.releaseLock(tenantId, attempt.lock.holder)) ? attempt.lock : undefined;
    attempt = await store.acquireLock(tenantId, holder, at(), leaseMs);
  }
  if (!attempt.acquired) return { acquired: false, heldBy: attempt.lock, message: describeHeldLock(attempt.lock) };
  const tookOver = stale && { from: stale, message: describeStaleTakeover(stale) };

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
    ...(tookOver && { tookOver }),
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
