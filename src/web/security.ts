/**
 * The dashboard's locks: the administrator password (scrypt, from node:crypto), sign-in sessions kept in the store
 * with an idle timeout and a maximum age, a CSRF token per session, and the checks every state-changing request
 * passes.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

import type { DashboardSession, DashboardSessionStore } from '../store/port.js';

// ---- The administrator password ---------------------------------------------------------------------------

/** scrypt cost: N=2^15, r=8, p=1 (about 32 MiB, tens of milliseconds): slow for a guesser, quick for a person. */
const scryptParams = { N: 1 << 15, r: 8, p: 1 } as const;
const keyLength = 32;
const hashPrefix = 'scrypt';

function derive(password: string, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      password.normalize('NFC'),
      salt,
      keyLength,
      { ...params, maxmem: 128 * params.N * params.r * 2 },
      (error, key) => (error ? reject(error) : resolve(key)),
    );
  });
}

/** `scrypt$N$r$p$salt$hash` (base64url): what the caller stores; the plaintext is never kept. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, scryptParams);
  const { N, r, p } = scryptParams;
  return [hashPrefix, N, r, p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Whether a stored hash has the shape `hashPassword` writes. */
export function isPasswordHash(value: string): boolean {
  return parseHash(value) !== undefined;
}

function parseHash(stored: string) {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== hashPrefix) return undefined;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  const salt = Buffer.from(parts[4] ?? '', 'base64url');
  const key = Buffer.from(parts[5] ?? '', 'base64url');
  if (!N || !r || !p || !Number.isInteger(Math.log2(N)) || salt.length < 8 || key.length !== keyLength) {
    return undefined;
  }
  return { params: { N, r, p }, salt, key };
}

/** Compares in constant time; false for a malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed) return false;
  const key = await derive(password, parsed.salt, parsed.params);
  return timingSafeEqual(key, parsed.key);
}

/** 128 bits and more: session ids, CSRF tokens, run ids of "sync now". */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Compares two secrets in constant time (for equal lengths). */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

// ---- Sessions -----------------------------------------------------------------------------------------------

export interface SignInSession {
  /** The secret of the session cookie; the store keeps only its SHA-256. */
  id: string;
  /** The account signed in; null for a session older than accounts, which signs nobody in. */
  userId: number | null;
  csrfToken: string;
  /** Epoch ms. */
  createdAt: number;
  lastSeenAt: number;
}

export interface SessionOptions {
  /** Where the sessions are kept: the store, shared by every process serving the dashboard. */
  store: DashboardSessionStore;
  now: () => number;
  /** Signed out after this long without a request. */
  idleMs: number;
  /** Signed out after this long whatever happens. */
  maxAgeMs: number;
}

export interface SessionRegistry {
  /** A new session of the account; the expired ones are purged on the way. */
  create(userId: number): Promise<SignInSession>;
  /** The live session of this id, its idle timer reset; undefined when unknown or expired. */
  touch(id: string | undefined): Promise<SignInSession | undefined>;
  end(id: string): Promise<void>;
}

/** What `randomToken` makes, with room to spare: anything else in the cookie is not worth a look-up. */
const sessionIdPattern = /^[A-Za-z0-9_-]{16,128}$/;

/**
 * Sign-in sessions in the store, so that a session made through one dashboard is good on every other over the same
 * database, and a sign-out (or a restart of one process) is seen by all.
 */
export function createSessionRegistry(options: SessionOptions): SessionRegistry {
  const { store } = options;
  const limits = { idleMs: options.idleMs, maxAgeMs: options.maxAgeMs };
  const iso = (ms: number) => new Date(ms).toISOString();
  const fromStored = (id: string, session: DashboardSession): SignInSession => ({
    id,
    csrfToken: session.csrfToken,
    userId: session.userId,
    createdAt: Date.parse(session.createdAt),
    lastSeenAt: Date.parse(session.lastSeenAt),
  });
  return {
    async create(userId) {
      const now = options.now();
      // Sign-ins are rare, and every expired session is dead weight: purged here, as the registry in memory did.
      await store.deleteExpiredDashboardSessions(iso(now), limits);
      const session = { id: randomToken(), userId, csrfToken: randomToken(), createdAt: now, lastSeenAt: now };
      await store.createDashboardSession(session.id, session.csrfToken, iso(now), userId);
      return session;
    },
    async touch(id) {
      if (id === undefined || !sessionIdPattern.test(id)) return undefined;
      const stored = await store.touchDashboardSession(id, iso(options.now()), limits);
      return stored && fromStored(id, stored);
    },
    async end(id) {
      await store.deleteDashboardSession(id);
    },
  };
}

// ---- Sign-in throttling ---------------------------------------------------------------------------------------

export interface SignInThrottle {
  /**
   * Counts an attempt on `account` from `address` before its password is checked, and says how long to wait
   * instead (ms, the attempt then not checked and not counted); 0: go on. Counting first means guesses sent in
   * parallel are all counted, not only those that finished before the next began.
   */
  begin(account: string, address: string): number;
  /** The password was right: the attempt was not a failure, and the account's count from that address starts over. */
  succeeded(account: string, address: string): void;
}

/** Failures allowed before waits start: per account and address, and per address whatever the account. */
const freeFailures = { account: 5, address: 30 } as const;
const maxWaitMs = 15 * 60_000;

/**
 * Two counters, each failure beyond its allowance doubling the wait (1 s, 2 s, ... up to 15 min): one per account
 * and address, so that a guesser elsewhere never locks the account's owner out, and one per address, high enough
 * that colleagues behind one office address do not lock each other out, low enough to slow a guesser who tries
 * many accounts. In memory: each process serving the dashboard counts its own.
 */
export function createSignInThrottle(now: () => number): SignInThrottle {
  const counts = new Map<string, { count: number; until: number }>();
  const keys = (account: string, address: string) =>
    [
      [`account:${account.toLowerCase()}|${address}`, freeFailures.account],
      [`address:${address}`, freeFailures.address],
    ] as const;
  return {
    begin(account, address) {
      const wait = Math.max(0, ...keys(account, address).map(([key]) => (counts.get(key)?.until ?? 0) - now()));
      if (wait > 0) return wait;
      for (const [key, free] of keys(account, address)) {
        const count = (counts.get(key)?.count ?? 0) + 1;
        const delay = count <= free ? 0 : Math.min(maxWaitMs, 1000 * 2 ** (count - free - 1));
        counts.set(key, { count, until: now() + delay });
      }
      if (counts.size > 20_000) counts.clear();
      return 0;
    },
    succeeded(account, address) {
      const [[pair], [addressKey]] = keys(account, address);
      counts.delete(pair);
      const entry = counts.get(addressKey);
      if (entry) counts.set(addressKey, { count: Math.max(0, entry.count - 1), until: 0 });
    },
  };
}

// ---- Cross-site checks -------------------------------------------------------------------------------------

/**
 * Why a state-changing request is refused before its body is read, or undefined when it may go on: a browser
 * saying it comes from another site, or an Origin that is neither this request's Host nor the public URL's.
 */
export function crossSiteRefusal(
  header: (name: string) => string | undefined,
  publicHost?: string,
): string | undefined {
  if (header('sec-fetch-site') === 'cross-site') return 'cross-site request';
  const origin = header('origin');
  if (origin === undefined) return undefined;
  if (origin === 'null') return 'opaque Origin';
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    return 'malformed Origin';
  }
  const host = header('host');
  if (originHost === host || (publicHost !== undefined && originHost === publicHost)) return undefined;
  return 'foreign Origin';
}

/** The CSRF token of the form matches the session's. */
export function validCsrfToken(session: SignInSession, token: unknown): boolean {
  return typeof token === 'string' && token.length > 0 && sameSecret(token, session.csrfToken);
}
