/**
 * The dashboard's locks: the administrator password (scrypt, from node:crypto), sign-in sessions kept in the store
 * with an idle timeout and a maximum age, a CSRF token per session, and the checks every state-changing request
 * passes.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

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
export async function hashAdminPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, scryptParams);
  const { N, r, p } = scryptParams;
  return [hashPrefix, N, r, p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Whether a stored hash has the shape `hashAdminPassword` writes. */
export function isAdminPasswordHash(value: string): boolean {
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
export async function verifyAdminPassword(password: string, stored: string): Promise<boolean> {
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
  /** A new session; the expired ones are purged on the way. */
  create(): Promise<SignInSession>;
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
    createdAt: Date.parse(session.createdAt),
    lastSeenAt: Date.parse(session.lastSeenAt),
  });
  return {
    async create() {
      const now = options.now();
      // Sign-ins are rare, and every expired session is dead weight: purged here, as the registry in memory did.
      await store.deleteExpiredDashboardSessions(iso(now), limits);
      const session = { id: randomToken(), csrfToken: randomToken(), createdAt: now, lastSeenAt: now };
      await store.createDashboardSession(session.id, session.csrfToken, iso(now));
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
  /** Milliseconds to wait before the next attempt is even checked; 0 when allowed. */
  waitMs(key: string): number;
  failed(key: string): void;
  succeeded(key: string): void;
}

/** After 5 failures from one address, each further attempt waits twice as long (1 s, 2 s, ... up to 15 min). */
export function createSignInThrottle(now: () => number): SignInThrottle {
  const failures = new Map<string, { count: number; until: number }>();
  return {
    waitMs(key) {
      const entry = failures.get(key);
      return entry ? Math.max(0, entry.until - now()) : 0;
    },
    failed(key) {
      const count = (failures.get(key)?.count ?? 0) + 1;
      const delay = count < 5 ? 0 : Math.min(15 * 60_000, 1000 * 2 ** (count - 5));
      failures.set(key, { count, until: now() + delay });
      if (failures.size > 10_000) failures.clear();
    },
    succeeded(key) {
      failures.delete(key);
    },
  };
}

// ---- Cookies and cross-site checks ---------------------------------------------------------------------------

export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const index = part.indexOf('=');
    const name = index > 0 ? part.slice(0, index).trim() : '';
    if (name === '') continue;
    const value = part.slice(index + 1).trim();
    if (!cookies.has(name)) {
      try {
        cookies.set(name, decodeURIComponent(value));
      } catch {
        cookies.set(name, value);
      }
    }
  }
  return cookies;
}

export interface CookieOptions {
  maxAgeSeconds?: number;
  httpOnly: boolean;
  secure: boolean;
  path: string;
}

export function serializeCookie(name: string, value: string, options: CookieOptions): string {
  const parts = [`${name}=${encodeURIComponent(value)}`, `Path=${options.path}`, 'SameSite=Strict'];
  if (options.maxAgeSeconds !== undefined) parts.push(`Max-Age=${options.maxAgeSeconds}`);
  if (options.httpOnly) parts.push('HttpOnly');
  if (options.secure) parts.push('Secure');
  return parts.join('; ');
}

/**
 * Why a state-changing request is refused before its body is read, or undefined when it may go on: a browser
 * saying it comes from another site, or an Origin that is not this dashboard's own.
 */
export function crossSiteRefusal(request: Pick<IncomingMessage, 'headers'>): string | undefined {
  const fetchSite = request.headers['sec-fetch-site'];
  if (fetchSite === 'cross-site') return 'cross-site request';
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== 'null') {
    const host = request.headers.host;
    let originHost: string;
    try {
      originHost = new URL(origin).host;
    } catch {
      return 'malformed Origin';
    }
    if (host === undefined || originHost !== host) return 'foreign Origin';
  } else if (origin === 'null') return 'opaque Origin';
  return undefined;
}

/** The CSRF token of the form matches the session's. */
export function validCsrfToken(session: SignInSession, token: unknown): boolean {
  return typeof token === 'string' && token.length > 0 && sameSecret(token, session.csrfToken);
}
