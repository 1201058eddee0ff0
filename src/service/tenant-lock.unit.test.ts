/**
 * A stale lock is not a live run: a lock whose holder was a process of this host that is gone is taken over at once;
 * any other lock (another host, a live process, a name not made by `lockHolder`) lives its lease.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';

import type { Clock } from '../clock.js';
import type { LockAttempt, TenantLock } from '../store/schedule-store.js';
import { acquireTenantLock, isProcessAlive, isStaleHolder, parseLockHolder } from './tenant-lock.js';
import type { TenantLockStore } from './tenant-lock.js';

const host = 'vm-test';
const deadPid = 999_001;
const livePid = 999_002;
const deadHolder = `sync:${host}:${deadPid}:deadbeef`;
const liveHolder = `scheduler:${host}:${livePid}:abcd1234`;
const t0 = Date.parse('2027-06-15T10:31:00.000Z');
const leaseMs = 60_000;

/** The store's lock semantics in memory, each call a turn of the event loop away (so that acquirers interleave). */
function memoryLockStore(): TenantLockStore & { locks: Map<string, TenantLock> } {
  const locks = new Map<string, TenantLock>();
  const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
  return {
    locks,
    async acquireLock(tenantId, holder, at, ms): Promise<LockAttempt> {
      await turn();
      const held = locks.get(tenantId);
      if (held && Date.parse(held.expiresAt) > Date.parse(at)) return { acquired: false, lock: held };
      const lock = { tenantId, holder, acquiredAt: at, heartbeatAt: at, expiresAt: iso(Date.parse(at) + ms) };
      locks.set(tenantId, lock);
      return { acquired: true, lock };
    },
    async renewLock(tenantId, holder, at, ms) {
      await turn();
      const held = locks.get(tenantId);
      if (held?.holder !== holder) return false;
      locks.set(tenantId, { ...held, heartbeatAt: at, expiresAt: iso(Date.parse(at) + ms) });
      return true;
    },
    async releaseLock(tenantId, holder) {
      await turn();
      if (locks.get(tenantId)?.holder !== holder) return false;
      return locks.delete(tenantId);
    },
  };
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Time stands still; heartbeats sleep until the lock is released. */
const clock: Clock = {
  now: () => t0,
  sleep: (_ms, signal) =>
    new Promise((_resolve, reject) =>
      signal?.addEventListener('abort', () => reject(new Error('released')), { once: true }),
    ),
};

/** Lays a lock held by `holder` since 10:31 Z, live for `expiresInMs` more. */
function heldBy(store: ReturnType<typeof memoryLockStore>, holder: string, expiresInMs = leaseMs): TenantLock {
  const lock = { tenantId: 'big', holder, acquiredAt: iso(t0), heartbeatAt: iso(t0), expiresAt: iso(t0 + expiresInMs) };
  store.locks.set('big', lock);
  return lock;
}

const alive = (pid: number) => pid !== deadPid;

describe('parseLockHolder', () => {
  it('reads role, host and process of a lockHolder name', () => {
    expect(parseLockHolder(deadHolder)).toEqual({ role: 'sync', host, pid: deadPid });
  });

  it.each(['dead', 'scheduler-a', 'sync:vm-test:4242', 'sync:vm-test:4242:ab:cd', 'sync:vm-test:0:abcd1234'])(
    'knows nothing of %s',
    (holder) => {
      expect(parseLockHolder(holder)).toBeUndefined();
    },
  );

  it.each(['sync:vm-test:-1:abcd1234', 'sync:vm-test:12x:abcd1234', 'sync::4242:abcd1234', ':vm-test:4242:abcd'])(
    'nor of %s',
    (holder) => {
      expect(parseLockHolder(holder)).toBeUndefined();
    },
  );
});

describe('isStaleHolder', () => {
  it('same host, process gone: stale', () => {
    const check = vi.fn(alive);
    expect(isStaleHolder(deadHolder, { hostName: host, isProcessAlive: check })).toBe(true);
    expect(check).toHaveBeenCalledWith(deadPid);
  });

  it('same host, process alive: not stale', () => {
    expect(isStaleHolder(liveHolder, { hostName: host, isProcessAlive: alive })).toBe(false);
  });

  it('this very process: not stale, whatever the check says', () => {
    const check = vi.fn(() => false);
    expect(isStaleHolder(`sync:${host}:${process.pid}:abcd1234`, { hostName: host, isProcessAlive: check })).toBe(
      false,
    );
    expect(check).not.toHaveBeenCalled();
  });

  it('another host: not judged, its process is not looked for', () => {
    const check = vi.fn(() => false);
    expect(isStaleHolder(deadHolder, { hostName: 'other-host', isProcessAlive: check })).toBe(false);
    expect(check).not.toHaveBeenCalled();
  });

  it('a name not made by lockHolder: not judged', () => {
    const check = vi.fn(() => false);
    for (const holder of ['dead', `sync:${host}:abc:deadbeef`, `${host}:${deadPid}`]) {
      expect(isStaleHolder(holder, { hostName: host, isProcessAlive: check })).toBe(false);
    }
    expect(check).not.toHaveBeenCalled();
  });
});

describe('isProcessAlive', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });
  const failing = (code: string) => () => {
    throw Object.assign(new Error(code), { code });
  };

  it('signals 0 to the process: no error, alive', () => {
    const kill = vi.spyOn(process, 'kill').mockImplementation(() => true);
    expect(isProcessAlive(4242)).toBe(true);
    expect(kill).toHaveBeenCalledWith(4242, 0);
  });

  it('ESRCH: gone', () => {
    vi.spyOn(process, 'kill').mockImplementation(failing('ESRCH'));
    expect(isProcessAlive(4242)).toBe(false);
  });

  it('EPERM: alive, someone else’s', () => {
    vi.spyOn(process, 'kill').mockImplementation(failing('EPERM'));
    expect(isProcessAlive(4242)).toBe(true);
  });

  it('this process is alive, really', () => {
    expect(isProcessAlive(process.pid)).toBe(true);
  });
});

describe('acquireTenantLock and a lock already held', () => {
  const options = (holder: string, check: (pid: number) => boolean = alive) => ({
    holder,
    clock,
    leaseMs,
    hostName: host,
    isProcessAlive: check,
  });

  it('same host, process gone: takes it over at once and says from whom', async () => {
    const store = memoryLockStore();
    const stale = heldBy(store, deadHolder);
    const attempt = await acquireTenantLock(store, 'big', options(`sync:${host}:${livePid}:00000001`));
    expect(attempt).toMatchObject({ acquired: true, tookOver: { from: stale } });
    if (!attempt.acquired) throw new Error('not acquired');
    expect(attempt.tookOver?.message).toBe(
      `took over the stale lock of tenant big from ${deadHolder} ` +
        `(process ${deadPid} of this host is gone; its run started at 2027-06-15 12:31:00 +02:00)`,
    );
    expect(store.locks.get('big')).toMatchObject({ holder: `sync:${host}:${livePid}:00000001` });
    await attempt.lock.release();
    expect(store.locks.has('big')).toBe(false);
  });

  it('same host, process alive: refused, the lock left to it', async () => {
    const store = memoryLockStore();
    heldBy(store, liveHolder);
    const attempt = await acquireTenantLock(store, 'big', options(`sync:${host}:${livePid}:00000001`));
    expect(attempt).toMatchObject({ acquired: false, heldBy: { holder: liveHolder } });
    if (attempt.acquired) throw new Error('acquired');
    expect(attempt.message).toBe(
      `a run of tenant big is already in progress (started at 2027-06-15 12:31:00 +02:00, by ${liveHolder})`,
    );
    expect(store.locks.get('big')).toMatchObject({ holder: liveHolder });
  });

  it('another host: the lease rules, refused while it lasts', async () => {
    const store = memoryLockStore();
    const otherHost = `sync:other-host:${deadPid}:deadbeef`;
    heldBy(store, otherHost);
    const check = vi.fn(() => false);
    const attempt = await acquireTenantLock(store, 'big', options(`sync:${host}:${livePid}:00000001`, check));
    expect(attempt).toMatchObject({ acquired: false, heldBy: { holder: otherHost } });
    expect(check).not.toHaveBeenCalled();
  });

  it('another host: the lease rules, taken over once it ran out, as a plain acquisition', async () => {
    const store = memoryLockStore();
    heldBy(store, `sync:other-host:${deadPid}:deadbeef`, 0);
    const attempt = await acquireTenantLock(store, 'big', options(`sync:${host}:${livePid}:00000001`));
    expect(attempt.acquired).toBe(true);
    expect(attempt).not.toHaveProperty('tookOver');
    if (attempt.acquired) await attempt.lock.release();
  });

  it('a name not made by lockHolder: the lease rules', async () => {
    const store = memoryLockStore();
    heldBy(store, 'dead');
    const check = vi.fn(() => false);
    const attempt = await acquireTenantLock(store, 'big', options(`sync:${host}:${livePid}:00000001`, check));
    expect(attempt).toMatchObject({ acquired: false, heldBy: { holder: 'dead' } });
    expect(check).not.toHaveBeenCalled();
  });

  it('a free lock: acquired, nothing taken over', async () => {
    const store = memoryLockStore();
    const attempt = await acquireTenantLock(store, 'big', options(`sync:${host}:${livePid}:00000001`));
    expect(attempt.acquired).toBe(true);
    expect(attempt).not.toHaveProperty('tookOver');
    if (attempt.acquired) await attempt.lock.release();
  });

  it('two processes that find the same dead holder: one takes it over, the other is refused by that one', async () => {
    const store = memoryLockStore();
    heldBy(store, deadHolder);
    const first = `sync:${host}:${livePid}:00000001`;
    const second = `scheduler:${host}:${livePid + 1}:00000002`;
    const attempts = await Promise.all([
      acquireTenantLock(store, 'big', options(first)),
      acquireTenantLock(store, 'big', options(second)),
    ]);
    const won = attempts.filter((attempt) => attempt.acquired);
    const lost = attempts.filter((attempt) => !attempt.acquired);
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    const winner = won[0]!.lock.holder;
    expect(store.locks.get('big')).toMatchObject({ holder: winner });
    expect(lost[0]).toMatchObject({ heldBy: { holder: winner } });
    // Only the one that removed the dead holder's row can report it; in this store's order it also inserts first.
    expect(won[0]).toMatchObject({ tookOver: { from: { holder: deadHolder } } });
    await won[0]!.lock.release();
  });
});
