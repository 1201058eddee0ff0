import { describe, expect, it } from 'vitest';

import {
  createSessionRegistry,
  createSignInThrottle,
  crossSiteRefusal,
  hashAdminPassword,
  isAdminPasswordHash,
  parseCookies,
  serializeCookie,
  validCsrfToken,
  verifyAdminPassword,
} from './security.js';

describe('administrator password', () => {
  it('is stored as a salted scrypt hash and checked against it', async () => {
    const hash = await hashAdminPassword('une phrase de passe assez longue');
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(hash).not.toContain('phrase');
    expect(isAdminPasswordHash(hash)).toBe(true);
    expect(await verifyAdminPassword('une phrase de passe assez longue', hash)).toBe(true);
    expect(await verifyAdminPassword('une phrase de passe assez longue ', hash)).toBe(false);
    expect(await hashAdminPassword('une phrase de passe assez longue')).not.toBe(hash);
  });

  it('refuses a malformed hash instead of throwing', async () => {
    for (const bad of ['', 'plaintext', 'scrypt$1$8$1$AAAA$BBBB', 'bcrypt$2$8$1$AAAAAAAAAAA$BBBB']) {
      expect(isAdminPasswordHash(bad)).toBe(false);
      expect(await verifyAdminPassword('x', bad)).toBe(false);
    }
  });
});

describe('sign-in sessions', () => {
  const setup = () => {
    let now = 1_000_000;
    const registry = createSessionRegistry({ now: () => now, idleMs: 30 * 60_000, maxAgeMs: 12 * 3600_000 });
    return { registry, advance: (ms: number) => (now += ms) };
  };

  it('have ids and CSRF tokens of 256 random bits, all different', () => {
    const { registry } = setup();
    const sessions = Array.from({ length: 50 }, () => registry.create());
    for (const session of sessions) {
      expect(Buffer.from(session.id, 'base64url')).toHaveLength(32);
      expect(Buffer.from(session.csrfToken, 'base64url')).toHaveLength(32);
      expect(session.csrfToken).not.toBe(session.id);
    }
    expect(new Set(sessions.map((session) => session.id)).size).toBe(50);
  });

  it('end after the idle timeout, and each request resets it', () => {
    const { registry, advance } = setup();
    const session = registry.create();
    advance(29 * 60_000);
    expect(registry.touch(session.id)).toBe(session);
    advance(29 * 60_000);
    expect(registry.touch(session.id)).toBe(session);
    advance(31 * 60_000);
    expect(registry.touch(session.id)).toBeUndefined();
    expect(registry.size).toBe(0);
  });

  it('end after the maximum age however active, and on sign-out', () => {
    const { registry, advance } = setup();
    const session = registry.create();
    for (let i = 0; i < 26; i++) {
      advance(29 * 60_000);
      registry.touch(session.id);
    }
    expect(registry.touch(session.id)).toBeUndefined();
    const other = registry.create();
    registry.end(other.id);
    expect(registry.touch(other.id)).toBeUndefined();
    expect(registry.touch(undefined)).toBeUndefined();
    expect(registry.touch('made-up')).toBeUndefined();
  });
});

describe('CSRF and cross-site checks', () => {
  it('accept only the session’s own token', () => {
    const session = createSessionRegistry({ now: () => 0, idleMs: 1, maxAgeMs: 1 }).create();
    expect(validCsrfToken(session, session.csrfToken)).toBe(true);
    expect(validCsrfToken(session, `${session.csrfToken}x`)).toBe(false);
    expect(validCsrfToken(session, '')).toBe(false);
    expect(validCsrfToken(session, undefined)).toBe(false);
    expect(validCsrfToken(session, ['a'])).toBe(false);
  });

  it('refuse a browser’s cross-site request and a foreign or opaque Origin', () => {
    const request = (headers: Record<string, string>) => ({ headers: { host: 'dash.example:8080', ...headers } });
    expect(crossSiteRefusal(request({}))).toBeUndefined();
    expect(
      crossSiteRefusal(request({ 'sec-fetch-site': 'same-origin', origin: 'http://dash.example:8080' })),
    ).toBeUndefined();
    expect(crossSiteRefusal(request({ 'sec-fetch-site': 'cross-site' }))).toBe('cross-site request');
    expect(crossSiteRefusal(request({ origin: 'http://evil.example' }))).toBe('foreign Origin');
    expect(crossSiteRefusal(request({ origin: 'http://dash.example:9090' }))).toBe('foreign Origin');
    expect(crossSiteRefusal(request({ origin: 'null' }))).toBe('opaque Origin');
    expect(crossSiteRefusal(request({ origin: 'not a url' }))).toBe('malformed Origin');
  });
});

describe('cookies', () => {
  it('are HttpOnly and SameSite=Strict, Secure when asked', () => {
    expect(serializeCookie('s', 'a b', { path: '/', httpOnly: true, secure: false })).toBe(
      's=a%20b; Path=/; SameSite=Strict; HttpOnly',
    );
    expect(serializeCookie('s', '', { path: '/dash', httpOnly: true, secure: true, maxAgeSeconds: 0 })).toBe(
      's=; Path=/dash; SameSite=Strict; Max-Age=0; HttpOnly; Secure',
    );
  });

  it('are read by name, the first of a repeated name winning', () => {
    const cookies = parseCookies('a=1; b=x%20y; a=2; broken; =v; c=%E0');
    expect([...cookies]).toEqual([
      ['a', '1'],
      ['b', 'x y'],
      ['c', '%E0'],
    ]);
    expect(parseCookies(undefined).size).toBe(0);
  });
});

describe('sign-in throttle', () => {
  it('lets 4 mistakes pass, then makes each attempt wait longer, and forgets after a success', () => {
    let now = 0;
    const throttle = createSignInThrottle(() => now);
    for (let i = 0; i < 4; i++) throttle.failed('1.2.3.4');
    expect(throttle.waitMs('1.2.3.4')).toBe(0);
    throttle.failed('1.2.3.4');
    expect(throttle.waitMs('1.2.3.4')).toBe(1000);
    throttle.failed('1.2.3.4');
    expect(throttle.waitMs('1.2.3.4')).toBe(2000);
    expect(throttle.waitMs('5.6.7.8')).toBe(0);
    now += 2000;
    expect(throttle.waitMs('1.2.3.4')).toBe(0);
    throttle.succeeded('1.2.3.4');
    throttle.failed('1.2.3.4');
    expect(throttle.waitMs('1.2.3.4')).toBe(0);
  });
});
