import { afterEach, describe, expect, it } from 'vitest';

import { openSqliteStore } from '../store/sqlite.js';
import type { SqliteStateStore } from '../store/sqlite.js';

import {
  createSessionRegistry,
  createSignInThrottle,
  crossSiteRefusal,
  hashPassword,
  isPasswordHash,
  validCsrfToken,
  verifyPassword,
} from './security.js';

describe('administrator password', () => {
  it('is stored as a salted scrypt hash and checked against it', async () => {
    const hash = await hashPassword('une phrase de passe assez longue');
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(hash).not.toContain('phrase');
    expect(isPasswordHash(hash)).toBe(true);
    expect(await verifyPassword('une phrase de passe assez longue', hash)).toBe(true);
    expect(await verifyPassword('une phrase de passe assez longue ', hash)).toBe(false);
    expect(await hashPassword('une phrase de passe assez longue')).not.toBe(hash);
  });

  it('refuses a malformed hash instead of throwing', async () => {
    for (const bad of ['', 'plaintext', 'scrypt$1$8$1$AAAA$BBBB', 'bcrypt$2$8$1$AAAAAAAAAAA$BBBB']) {
      expect(isPasswordHash(bad)).toBe(false);
      expect(await verifyPassword('x', bad)).toBe(false);
    }
  });
});

const opened: SqliteStateStore[] = [];
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
});

describe('sign-in sessions', () => {
  const setup = async () => {
    let now = 1_000_000;
    const store = await openSqliteStore({ file: ':memory:' });
    opened.push(store);
    const registry = createSessionRegistry({ store, now: () => now, idleMs: 30 * 60_000, maxAgeMs: 12 * 3600_000 });
    return { store, registry, advance: (ms: number) => (now += ms) };
  };
  const stored = async (store: SqliteStateStore) =>
    (await store.db.selectFrom('dashboard_sessions').select('id_hash').execute()).length;

  it('have ids and CSRF tokens of 256 random bits, all different', async () => {
    const { registry } = await setup();
    const sessions = await Promise.all(Array.from({ length: 50 }, () => registry.create(1)));
    for (const session of sessions) {
      expect(Buffer.from(session.id, 'base64url')).toHaveLength(32);
      expect(Buffer.from(session.csrfToken, 'base64url')).toHaveLength(32);
      expect(session.csrfToken).not.toBe(session.id);
    }
    expect(new Set(sessions.map((session) => session.id)).size).toBe(50);
  });

  it('end after the idle timeout, and each request resets it', async () => {
    const { store, registry, advance } = await setup();
    const session = await registry.create(1);
    const { id, csrfToken, createdAt } = session;
    advance(29 * 60_000);
    expect(await registry.touch(id)).toEqual({
      id,
      userId: 1,
      csrfToken,
      createdAt,
      lastSeenAt: createdAt + 29 * 60_000,
    });
    advance(29 * 60_000);
    expect(await registry.touch(id)).toMatchObject({ id, csrfToken });
    advance(31 * 60_000);
    expect(await registry.touch(id)).toBeUndefined();
    expect(await stored(store)).toBe(0);
  });

  it('end after the maximum age however active, and on sign-out', async () => {
    const { registry, advance } = await setup();
    const session = await registry.create(1);
    for (let i = 0; i < 26; i++) {
      advance(29 * 60_000);
      await registry.touch(session.id);
    }
    expect(await registry.touch(session.id)).toBeUndefined();
    const other = await registry.create(1);
    await registry.end(other.id);
    expect(await registry.touch(other.id)).toBeUndefined();
    expect(await registry.touch(undefined)).toBeUndefined();
    expect(await registry.touch('made-up')).toBeUndefined();
  });

  it('are purged once expired, at the next sign-in', async () => {
    const { store, registry, advance } = await setup();
    await registry.create(1);
    await registry.create(1);
    advance(31 * 60_000);
    const live = await registry.create(1);
    expect(await stored(store)).toBe(1);
    expect(await registry.touch(live.id)).toBeDefined();
  });

  it('are one for every registry over the same store: made by one, seen and ended by another', async () => {
    const { store, registry } = await setup();
    const other = createSessionRegistry({ store, now: () => 1_000_000, idleMs: 30 * 60_000, maxAgeMs: 12 * 3600_000 });
    const session = await registry.create(1);
    expect(await other.touch(session.id)).toMatchObject({ csrfToken: session.csrfToken });
    await other.end(session.id);
    expect(await registry.touch(session.id)).toBeUndefined();
  });

  it('keep only the SHA-256 of the id in the store', async () => {
    const { store, registry } = await setup();
    const session = await registry.create(1);
    const rows = await store.db.selectFrom('dashboard_sessions').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(session.id);
  });
});

describe('CSRF and cross-site checks', () => {
  it('accept only the session’s own token', async () => {
    const store = await openSqliteStore({ file: ':memory:' });
    opened.push(store);
    const session = await createSessionRegistry({ store, now: () => 0, idleMs: 1, maxAgeMs: 1 }).create(1);
    expect(validCsrfToken(session, session.csrfToken)).toBe(true);
    expect(validCsrfToken(session, `${session.csrfToken}x`)).toBe(false);
    expect(validCsrfToken(session, '')).toBe(false);
    expect(validCsrfToken(session, undefined)).toBe(false);
    expect(validCsrfToken(session, ['a'])).toBe(false);
  });

  it('refuse a browser’s cross-site request and a foreign or opaque Origin', () => {
    const request =
      (headers: Record<string, string>) =>
      (name: string): string | undefined =>
        ({ host: 'dash.example:8080', ...headers })[name];
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

  it('accept the public URL’s Origin behind a proxy that rewrites Host, and no other', () => {
    const request =
      (headers: Record<string, string>) =>
      (name: string): string | undefined =>
        ({ host: '127.0.0.1:8080', ...headers })[name];
    expect(crossSiteRefusal(request({ origin: 'https://connector.example.fr' }), 'connector.example.fr')).toBe(
      undefined,
    );
    expect(crossSiteRefusal(request({ origin: 'https://connector.example.fr' }))).toBe('foreign Origin');
    expect(crossSiteRefusal(request({ origin: 'https://evil.example' }), 'connector.example.fr')).toBe(
      'foreign Origin',
    );
    expect(
      crossSiteRefusal(
        request({ origin: 'https://connector.example.fr', 'sec-fetch-site': 'cross-site' }),
        'connector.example.fr',
      ),
    ).toBe('cross-site request');
  });
});

describe('sign-in throttle', () => {
  it('lets 5 failures of an account from an address pass, then makes each attempt wait longer', () => {
    let now = 0;
    const throttle = createSignInThrottle(() => now);
    for (let i = 0; i < 5; i++) expect(throttle.begin('jeanne@example.fr', '1.2.3.4')).toBe(0);
    expect(throttle.begin('jeanne@example.fr', '1.2.3.4')).toBe(0);
    expect(throttle.begin('jeanne@example.fr', '1.2.3.4')).toBe(1000);
    now += 1000;
    expect(throttle.begin('JEANNE@example.fr', '1.2.3.4')).toBe(0);
    expect(throttle.begin('jeanne@example.fr', '1.2.3.4')).toBe(2000);
    now += 2000;
    expect(throttle.begin('jeanne@example.fr', '1.2.3.4')).toBe(0);
    expect(throttle.begin('jeanne@example.fr', '1.2.3.4')).toBe(4000);
  });

  it('forgets an account’s failures from an address after a success there', () => {
    let now = 0;
    const throttle = createSignInThrottle(() => now);
    for (let i = 0; i < 6; i++) throttle.begin('jeanne@example.fr', '1.2.3.4');
    expect(throttle.begin('jeanne@example.fr', '1.2.3.4')).toBe(1000);
    now += 1000;
    expect(throttle.begin('jeanne@example.fr', '1.2.3.4')).toBe(0);
    throttle.succeeded('jeanne@example.fr', '1.2.3.4');
    for (let i = 0; i < 5; i++) expect(throttle.begin('jeanne@example.fr', '1.2.3.4')).toBe(0);
  });

  it('counts every attempt before its password is checked: guesses sent in parallel are all counted', async () => {
    const throttle = createSignInThrottle(() => 0);
    // Six guesses begin before any password check ends (as with requests in flight together).
    const slowCheck = () => new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 5));
    const waits = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const wait = throttle.begin('admin', '1.2.3.4');
        if (wait === 0) await slowCheck();
        return wait;
      }),
    );
    expect(waits.filter((wait) => wait === 0)).toHaveLength(6);
    expect(waits.filter((wait) => wait > 0)).toHaveLength(2);
    expect(throttle.begin('admin', '1.2.3.4')).toBeGreaterThan(0);
  });

  it('does not lock an account out from another address after a burst against it from one', () => {
    const throttle = createSignInThrottle(() => 0);
    for (let i = 0; i < 20; i++) throttle.begin('admin', '6.6.6.6');
    expect(throttle.begin('admin', '6.6.6.6')).toBeGreaterThan(0);
    expect(throttle.begin('admin', '10.0.0.1')).toBe(0);
    expect(throttle.begin('admin', '2001:db8::1')).toBe(0);
  });

  it('does not lock colleagues behind one address out for one person’s failures, but slows many accounts', () => {
    const throttle = createSignInThrottle(() => 0);
    for (let i = 0; i < 6; i++) throttle.begin('jeanne@example.fr', '192.0.2.10');
    expect(throttle.begin('jeanne@example.fr', '192.0.2.10')).toBeGreaterThan(0);
    expect(throttle.begin('paul@example.fr', '192.0.2.10')).toBe(0);
    expect(throttle.begin('marie@example.fr', '192.0.2.10')).toBe(0);
    // A guesser trying account after account from one address: 30 failures free (and the attempt after them),
    // then waits, whatever the account.
    let checked = 0;
    while (checked < 100 && throttle.begin(`guess${checked}@example.fr`, '198.51.100.7') === 0) checked++;
    expect(checked).toBe(31);
    expect(throttle.begin('someone-new@example.fr', '198.51.100.7')).toBeGreaterThan(0);
    expect(throttle.begin('someone-new@example.fr', '192.0.2.10')).toBe(0);
  });
});
