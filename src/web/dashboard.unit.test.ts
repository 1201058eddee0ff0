/**
 * The dashboard over HTTP with stand-in deps (an in-memory store, a fake scheduler and look-ups): routing, the
 * locks (Host allow-list, sessions of accounts, roles, CSRF, cross-site, the sign-in throttle), escaping of data,
 * the set-up of the first operator, the forms. The browser test covers the same with the real syncs.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { serveDashboard } from '../../test/dashboard-server.js';

import { createManualClock } from '../clock.js';
import type { ManualClock } from '../clock.js';
import { TenantOptions, credentialMaxLength } from '../config/config.js';
import { openSqliteStore } from '../store/sqlite.js';
import type { SqliteStateStore } from '../store/sqlite.js';
import type { TenantRole } from '../store/port.js';
import { createDashboard, eventsPageSize } from './dashboard.js';
import type { Dashboard } from './dashboard.js';
import type { AdminPassword, DashboardDeps, SyncProgress, SyncSummary, TenantDetails } from './deps.js';
import { safeNext } from './routes/auth.js';
import { hashPassword, verifyPassword } from './security.js';

const password = 'le mot de passe des tests';

interface Harness {
  url: string;
  dashboard: Dashboard;
  store: SqliteStateStore;
  clock: ManualClock;
  tenant: TenantDetails;
  deps: DashboardDeps;
  updateOptions: ReturnType<typeof vi.fn>;
  updateCredentials: ReturnType<typeof vi.fn>;
  pause: ReturnType<typeof vi.fn>;
  finishSync: (summary: SyncSummary) => void;
  progress: (progress: SyncProgress) => void;
}

let server: { url: string; close(): Promise<void> } | undefined;
let harness: Harness;

async function start(overrides: Partial<DashboardDeps> = {}): Promise<Harness> {
  const store = await openSqliteStore({ file: ':memory:' });
  const clock = createManualClock(Date.parse('2026-11-30T10:30:00Z'));
  const tenant: TenantDetails = {
    id: 'acme',
    paused: true,
    pausedReason: '<script>alert("paused")</script> after 3 failures',
    aimaira: { url: 'https://acme.aimaira.example/GraphV1', access: 'password' },
    edusign: { url: 'https://ext.edusign.fr' },
    options: TenantOptions.parse({}),
  };
  let finishSync: (summary: SyncSummary) => void = () => undefined;
  let progress: (progress: SyncProgress) => void = () => undefined;
  const updateOptions = vi.fn((_id: string, options: TenantOptions) => {
    tenant.options = options;
    return Promise.resolve();
  });
  const updateCredentials = vi.fn(() => Promise.resolve());
  const pause = vi.fn((_id: string, reason: string) => {
    tenant.paused = true;
    tenant.pausedReason = reason;
    return Promise.resolve();
  });
  const deps: DashboardDeps = {
    store,
    accounts: store.accounts,
    clock,
    adminPassword: { hash: await hashPassword(password) },
    tenants: {
      list: () => Promise.resolve([{ id: tenant.id, paused: tenant.paused, pausedReason: tenant.pausedReason }]),
      get: (id) => Promise.resolve(id === tenant.id ? tenant : undefined),
      updateOptions,
      updateCredentials,
      check: () =>
        Promise.resolve({ ok: false, items: [{ label: 'Edusign', ok: false, detail: 'refused the API key' }] }),
      pause,
      resume: () => {
        tenant.paused = false;
        tenant.pausedReason = null;
        return Promise.resolve();
      },
    },
    scheduler: {
      status: () => Promise.resolve([{ tenantId: 'acme', nextRuns: [], running: false, missed: [] }]),
      runNow: (_id, onProgress) => {
        progress = onProgress;
        return Promise.resolve({
          accepted: true,
          done: new Promise<SyncSummary>((resolve) => {
            finishSync = resolve;
          }),
        });
      },
    },
    lookups: {
      explainSession: () => Promise.reject(new Error('Aimaira said no for jeanne@example.fr')),
      searchSessions: (_id, text) =>
        Promise.resolve(
          text === 'Cuisine' ? [{ sessionId: 501, name: 'CAP Cuisine', start: '2026-12-01T08:00:00Z' }] : [],
        ),
      findPeople: (_id, text) =>
        Promise.resolve(text === 'jeanne.dupont@example.fr' ? [{ kind: 'learner' as const, aimairaId: 4242 }] : []),
    },
    ...overrides,
  };
  const dashboard = createDashboard(deps);
  await dashboard.ready();
  server = await serveDashboard(dashboard.app);
  return {
    url: server.url,
    dashboard,
    store,
    clock,
    tenant,
    deps,
    updateOptions,
    updateCredentials,
    pause,
    finishSync: (summary) => finishSync(summary),
    progress: (p) => progress(p),
  };
}

afterEach(async () => {
  await server?.close();
  server = undefined;
  await harness?.store.close();
});

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const formHeaders = { 'content-type': 'application/x-www-form-urlencoded' };

/**
 * Signs in (as the operator `admin` made from the password by default); returns the cookie header and the session's
 * CSRF token (read from a page's form).
 */
async function signIn(harness: Harness, email = 'admin', secret = password): Promise<{ cookie: string; csrf: string }> {
  const response = await fetch(`${harness.url}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: formHeaders,
    body: form({ email, password: secret, next: '/tenants/acme' }),
  });
  expect(response.status).toBe(303);
  expect(response.headers.get('location')).toBe('/tenants/acme');
  const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const page = await (await fetch(`${harness.url}/`, { headers: { cookie } })).text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
  expect(csrf).not.toBe('');
  return { cookie, csrf };
}

/** An account with a password and these roles on tenants (none: an account that sees no tenant). */
async function addAccount(harness: Harness, email: string, grants: { tenantId: string; role: TenantRole }[]) {
  const secret = `${email} password`;
  await harness.store.accounts.createUser(
    { email, operator: false, grants, passwordHash: await hashPassword(secret) },
    '2026-11-30T10:00:00.000Z',
  );
  return signIn(harness, email, secret);
}

describe('dashboard routes and locks', () => {
  beforeEach(async () => {
    harness = await start();
  });

  it('answers an unknown path with a 404 page and serves its stylesheet and script to anyone', async () => {
    const unknown = await fetch(`${harness.url}/metrics`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toContain('text/html');
    expect(await unknown.text()).toContain('<html lang="fr">');
    const css = await fetch(`${harness.url}/static/dashboard.css`);
    expect(css.headers.get('content-type')).toContain('text/css');
    expect(await (await fetch(`${harness.url}/static/dashboard.js`)).text()).toContain('EventSource');
  });

  it('answers only its public host, IP literals and localhost (a DNS-rebinding name gets 421)', async () => {
    const get = (dashboard: Dashboard, host: string) => dashboard.app.request('/sign-in', { headers: { host } });
    for (const host of ['127.0.0.1:8080', 'localhost:8080', '[::1]:8080', '10.1.2.3']) {
      expect((await get(harness.dashboard, host)).status).toBe(200);
    }
    expect((await get(harness.dashboard, 'evil.example')).status).toBe(421);
    expect((await get(harness.dashboard, 'connector.example.fr')).status).toBe(421);
    expect((await harness.dashboard.app.request('/sign-in')).status).toBe(421);
    const behindProxy = createDashboard({ ...harness.deps, publicUrl: 'https://connector.example.fr' });
    await behindProxy.ready();
    expect((await get(behindProxy, 'connector.example.fr')).status).toBe(200);
    expect((await get(behindProxy, 'Connector.Example.FR')).status).toBe(200);
    expect((await get(behindProxy, 'evil.example')).status).toBe(421);
    // Over https, the session cookie is Secure, and HSTS is sent.
    const signedIn = await behindProxy.app.request('/sign-in', {
      method: 'POST',
      headers: { ...formHeaders, host: 'connector.example.fr', origin: 'https://connector.example.fr' },
      body: form({ email: 'admin', password }),
    });
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get('set-cookie')).toMatch(/; Secure/);
    expect(signedIn.headers.get('strict-transport-security')).toContain('max-age=');
  });

  it('answers 405 to other methods than GET and POST, and 403 to a cross-site POST even without a session', async () => {
    for (const method of ['PUT', 'DELETE', 'PATCH']) {
      const response = await fetch(`${harness.url}/tenants/acme/settings`, { method });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('GET, POST');
    }
    const crossSite = await fetch(`${harness.url}/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: { ...formHeaders, origin: 'https://evil.example' },
      body: form({ email: 'admin', password }),
    });
    expect(crossSite.status).toBe(403);
    expect(crossSite.headers.get('set-cookie')).toBeNull();
    const fetchMetadata = await fetch(`${harness.url}/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: { ...formHeaders, 'sec-fetch-site': 'cross-site' },
      body: form({ email: 'admin', password }),
    });
    expect(fetchMetadata.status).toBe(403);
  });

  it('sends a visitor without a session to the sign-in page, and a script to 401', async () => {
    const page = await fetch(`${harness.url}/tenants/acme?level=error`, {
      redirect: 'manual',
      headers: { accept: 'text/html' },
    });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/sign-in?next=%2Ftenants%2Facme%3Flevel%3Derror');
    const script = await fetch(`${harness.url}/tenants/acme`, { headers: { accept: 'application/json' } });
    expect(script.status).toBe(401);
    const post = await fetch(`${harness.url}/tenants/acme/sync`, {
      method: 'POST',
      headers: formHeaders,
      body: 'csrf=x',
    });
    expect(post.status).toBe(401);
    // A made-up cookie is no session either.
    const madeUp = await fetch(`${harness.url}/`, {
      redirect: 'manual',
      headers: { accept: 'text/html', cookie: 'aes_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
    });
    expect(madeUp.status).toBe(303);
    expect(madeUp.headers.get('location')).toBe('/sign-in?next=%2F');
  });

  it('signs in with HttpOnly, SameSite=Strict cookies and never redirects off-site after it', async () => {
    const response = await fetch(`${harness.url}/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: formHeaders,
      body: form({ email: 'admin', password, next: '//evil.example/' }),
    });
    expect(response.headers.get('location')).toBe('/');
    const cookie = response.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^aes_session=[A-Za-z0-9_-]{43}; /);
    expect(cookie.split('; ').sort()).toEqual(['Path=/', 'SameSite=Strict', 'HttpOnly', cookie.split('; ')[0]].sort());
    for (const fields of [
      { email: 'admin', password: 'x' },
      { email: 'nobody@example.fr', password },
      { email: '', password },
      { password },
    ]) {
      const wrong = await fetch(`${harness.url}/sign-in`, {
        method: 'POST',
        headers: formHeaders,
        body: form(fields),
      });
      expect(wrong.status).toBe(401);
      expect(wrong.headers.get('set-cookie')).toBeNull();
    }
    // The sign-in name is any case; the session belongs to the account.
    const upper = await fetch(`${harness.url}/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: formHeaders,
      body: form({ email: 'ADMIN', password, next: '/tenants/acme?level=error' }),
    });
    expect(upper.status).toBe(303);
    expect(upper.headers.get('location')).toBe('/tenants/acme?level=error');
    const admin = await harness.store.accounts.getUserByEmail('admin');
    expect(admin).toMatchObject({ operator: true, disabled: false });
  });

  it('throttles wrong passwords per account and address, counting each before its check', async () => {
    const attempt = (email: string, secret: string) =>
      fetch(`${harness.url}/sign-in`, {
        method: 'POST',
        redirect: 'manual',
        headers: formHeaders,
        body: form({ email, password: secret }),
      });
    // Sent together: every one is counted, not only those that ended before the next began.
    const statuses = await Promise.all(Array.from({ length: 8 }, () => attempt('admin', 'a wrong guess')));
    expect(statuses.filter((r) => r.status === 401)).toHaveLength(6);
    const throttled = statuses.filter((r) => r.status === 429);
    expect(throttled).toHaveLength(2);
    expect(Number(throttled[0]?.headers.get('retry-after'))).toBeGreaterThan(0);
    // Even the right password waits now, from this address...
    expect((await attempt('admin', password)).status).toBe(429);
    // ...while a colleague behind the same address signs in.
    await harness.store.accounts.createUser(
      { email: 'paul@example.fr', operator: false, grants: [], passwordHash: await hashPassword('paul password!') },
      '2026-11-30T10:00:00.000Z',
    );
    expect((await attempt('paul@example.fr', 'paul password!')).status).toBe(303);
    // Once the wait is over, the right password signs in.
    harness.clock.advance(15 * 60_000);
    expect((await attempt('admin', password)).status).toBe(303);
  });

  it('goes back after sign-in only to a local path of the dashboard', () => {
    for (const next of [
      '/\t/evil.example',
      '/\n/evil.example',
      '//evil.example',
      '/\\evil.example',
      'https://evil.example',
      '/\u0000/evil.example',
      '',
      undefined,
    ]) {
      expect(safeNext('', next)).toBe('/');
    }
    expect(safeNext('', '/tenants/acme?x=1')).toBe('/tenants/acme?x=1');
    expect(safeNext('', '/tenants/acme?level=error#events-title')).toBe('/tenants/acme?level=error#events-title');
    expect(safeNext('', '/tenants/../../x')).toBe('/x');
    expect(safeNext('/dashboard', '/dashboard/tenants/acme')).toBe('/dashboard/tenants/acme');
    expect(safeNext('/dashboard', '/tenants/acme')).toBe('/dashboard/');
    expect(safeNext('/dashboard', '/dashboard/../evil')).toBe('/dashboard/');
  });

  it('signs out after the idle timeout', async () => {
    const { cookie } = await signIn(harness);
    harness.clock.advance(29 * 60_000);
    const home = () => fetch(`${harness.url}/`, { headers: { cookie, accept: 'text/html' }, redirect: 'manual' });
    expect((await home()).status).toBe(200);
    harness.clock.advance(31 * 60_000);
    expect((await home()).status).toBe(303);
  });

  it('refuses a POST without the session’s CSRF token, or from another site', async () => {
    const { cookie, csrf } = await signIn(harness);
    const post = (body: string, headers: Record<string, string> = {}) =>
      fetch(`${harness.url}/tenants/acme/settings`, {
        method: 'POST',
        headers: { ...formHeaders, cookie, ...headers },
        body,
        redirect: 'manual',
      });
    expect((await post(form({ horizonDays: '7', attendanceLookbackDays: '30', structures: '' }))).status).toBe(403);
    expect((await post(form({ csrf: 'forged' }))).status).toBe(403);
    expect((await post(form({ csrf }), { origin: 'https://evil.example' })).status).toBe(403);
    expect((await post(form({ csrf }), { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect(harness.updateOptions).not.toHaveBeenCalled();
    const ok = await post(
      form({
        csrf,
        horizonDays: '7',
        attendanceLookbackDays: '30',
        structures: '12, 34',
        sendAttendance: 'on',
        provenancePresence: ' Salle ',
      }),
      { origin: harness.url, 'sec-fetch-site': 'same-origin' },
    );
    expect(ok.status).toBe(200);
    expect(harness.updateOptions).toHaveBeenCalledWith(
      'acme',
      expect.objectContaining({
        horizonDays: 7,
        structures: [12, 34],
        sendAttendance: true,
        sendCredentials: false,
        provenancePresence: 'Salle',
      }),
    );
    const cleared = await post(form({ csrf, horizonDays: '7', attendanceLookbackDays: '30', provenancePresence: '' }), {
      origin: harness.url,
      'sec-fetch-site': 'same-origin',
    });
    expect(cleared.status).toBe(200);
    expect(harness.updateOptions).toHaveBeenLastCalledWith(
      'acme',
      expect.objectContaining({ provenancePresence: null }),
    );
  });

  it('escapes data and sends the security headers', async () => {
    const { cookie } = await signIn(harness);
    const response = await fetch(`${harness.url}/`, { headers: { cookie } });
    const page = await response.text();
    expect(page).not.toContain('<script>alert');
    expect(page).toContain('&lt;script&gt;alert(&quot;paused&quot;)&lt;/script&gt;');
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(page).toContain('<html lang="fr">');
    expect(page).toContain('en pause');
  });

  it('shows English with ?lang=en and remembers it in a cookie', async () => {
    const { cookie } = await signIn(harness);
    const first = await fetch(`${harness.url}/?lang=en`, { headers: { cookie } });
    expect(await first.text()).toContain('<html lang="en">');
    const lang = (first.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    expect(lang).toBe('aes_lang=en');
    expect(await (await fetch(`${harness.url}/`, { headers: { cookie: `${cookie}; ${lang}` } })).text()).toContain(
      'Sign out',
    );
  });

  it('pages events by beforeId and hides e-mails in their messages', async () => {
    const { cookie } = await signIn(harness);
    const run = await harness.store.startRun('acme', 'down', '2026-11-30T10:00:00Z');
    await harness.store.appendEvents(
      Array.from({ length: eventsPageSize + 5 }, (_, i) => ({
        runId: run.id,
        tenantId: 'acme',
        at: '2026-11-30T10:00:01Z',
        level: 'error' as const,
        action: 'error' as const,
        recordKind: 'learner' as const,
        aimairaId: 1000 + i,
        edusignId: null,
        reason: 'EDUSIGN_REJECTED' as const,
        message: `Edusign refused: someone${i}@example.fr is taken`,
      })),
    );
    const first = await (await fetch(`${harness.url}/tenants/acme?level=error`, { headers: { cookie } })).text();
    expect(first).not.toMatch(/@example\.fr/);
    expect(first.match(/<tr class="level-error">/g)).toHaveLength(eventsPageSize);
    const older = /href="([^"]*before=\d+[^"]*)"/.exec(first)?.[1]?.replaceAll('&amp;', '&');
    expect(older).toContain('level=error');
    const second = await (await fetch(`${harness.url}${older}`, { headers: { cookie } })).text();
    expect(second.match(/<tr class="level-error">/g)).toHaveLength(5);
    expect(second).toContain('>1004<');
    const oneDay = await (await fetch(`${harness.url}/tenants/acme?date=2026-11-30`, { headers: { cookie } })).text();
    expect(oneDay.match(/<tr class="level-error">/g)).toHaveLength(eventsPageSize);
    const otherDay = await (await fetch(`${harness.url}/tenants/acme?date=2026-11-29`, { headers: { cookie } })).text();
    expect(otherDay).toContain('id="no-events"');
  });

  it('searches a person by e-mail and puts only their Aimaira id in the address', async () => {
    const { cookie, csrf } = await signIn(harness);
    const response = await fetch(`${harness.url}/tenants/acme/search`, {
      method: 'POST',
      redirect: 'manual',
      headers: { ...formHeaders, cookie },
      body: form({ csrf, q: 'jeanne.dupont@example.fr' }),
    });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/tenants/acme?aimairaId=4242#events-title');
    const none = await fetch(`${harness.url}/tenants/acme/search`, {
      method: 'POST',
      headers: { ...formHeaders, cookie },
      body: form({ csrf, q: 'Personne Inconnue' }),
    });
    const page = await none.text();
    expect(page).toContain('Rien trouvé');
    expect(page).not.toContain('Personne Inconnue');
  });

  it('says plainly when Aimaira cannot answer an explanation, without the e-mail of its error', async () => {
    const { cookie } = await signIn(harness);
    const response = await fetch(`${harness.url}/tenants/acme/explain?session=12`, { headers: { cookie } });
    expect(response.status).toBe(502);
    const page = await response.text();
    expect(page).toContain('Aimaira n’a pas pu être interrogé');
    expect(page).not.toContain('jeanne@example.fr');
  });

  it('runs "sync now" and streams its progress, then its end, as server-sent events', async () => {
    const { cookie, csrf } = await signIn(harness);
    const started = await fetch(`${harness.url}/tenants/acme/sync`, {
      method: 'POST',
      redirect: 'manual',
      headers: { ...formHeaders, cookie },
      body: form({ csrf }),
    });
    const location = started.headers.get('location') ?? '';
    expect(location).toMatch(/^\/tenants\/acme\/sync\/[A-Za-z0-9_-]{22}$/);
    harness.progress({ direction: 'down', stage: 'writing', done: 3, total: 10 });
    const stream = await fetch(`${harness.url}${location}/events`, { headers: { cookie } });
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    harness.progress({ direction: 'down', stage: 'writing', done: 10, total: 10 });
    harness.finishSync({ tenantId: 'acme', status: 'success', directions: [] });
    const text = await stream.text();
    expect(text).toContain('event: progress\ndata: {"direction":"down","stage":"writing","done":3,"total":10}');
    expect(text).toContain('"done":10');
    expect(text).toMatch(/event: done\n/);
    const summary = await (await fetch(`${harness.url}${location}`, { headers: { cookie } })).text();
    expect(summary).toContain('Synchronisation terminée');
  });

  it('shows a 404 for an unknown tenant and for an unknown sync', async () => {
    const { cookie } = await signIn(harness);
    expect((await fetch(`${harness.url}/tenants/nobody`, { headers: { cookie } })).status).toBe(404);
    expect(
      (await fetch(`${harness.url}/tenants/acme/sync/AAAAAAAAAAAAAAAAAAAAAA`, { headers: { cookie } })).status,
    ).toBe(404);
  });

  it('saves new credentials without ever showing them', async () => {
    const { cookie, csrf } = await signIn(harness);
    const response = await fetch(`${harness.url}/tenants/acme/credentials`, {
      method: 'POST',
      headers: { ...formHeaders, cookie },
      body: form({ csrf, aimairaPassword: 's3cr3t-pa55', edusignApiKey: '', aimairaUsername: '' }),
    });
    const page = await response.text();
    expect(response.status).toBe(200);
    expect(page).not.toContain('s3cr3t-pa55');
    expect(harness.updateCredentials).toHaveBeenCalledWith('acme', { aimaira: { password: 's3cr3t-pa55' } });
  });

  it('says which credential is too long instead of calling the form empty, and saves nothing', async () => {
    const { cookie, csrf } = await signIn(harness);
    const long = 'k'.repeat(credentialMaxLength + 1);
    const response = await fetch(`${harness.url}/tenants/acme/credentials`, {
      method: 'POST',
      headers: { ...formHeaders, cookie },
      body: form({ csrf, edusignApiKey: long, aimairaPassword: 'fine' }),
    });
    const page = await response.text();
    expect(response.status).toBe(400);
    expect(page).toMatch(new RegExp(`(longer than|dépasse) ${credentialMaxLength}`));
    expect(page).not.toMatch(/every field was empty|tous les champs étaient vides/);
    expect(page).not.toContain(long);
    expect(harness.updateCredentials).not.toHaveBeenCalled();
  });
});

describe('roles: viewer, manager, operator', () => {
  beforeEach(async () => {
    harness = await start();
  });

  it('lets a viewer read the tenant’s pages and change nothing, not even search or explain', async () => {
    const { cookie, csrf } = await addAccount(harness, 'viewer@example.fr', [{ tenantId: 'acme', role: 'viewer' }]);
    const get = (path: string) => fetch(`${harness.url}${path}`, { headers: { cookie }, redirect: 'manual' });
    const post = (path: string, fields: Record<string, string> = {}) =>
      fetch(`${harness.url}${path}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { ...formHeaders, cookie },
        body: form({ csrf, ...fields }),
      });
    const home = await get('/');
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('/tenants/acme');
    const page = await get('/tenants/acme');
    expect(page.status).toBe(200);
    expect(await page.text()).not.toContain('/tenants/acme/sync"');
    expect((await get('/tenants/acme/live/events')).status).toBe(200);
    expect((await get('/tenants/acme/explain?session=12')).status).toBe(403);
    expect((await get('/tenants/acme/settings')).status).toBe(403);
    expect((await post('/tenants/acme/search', { q: 'jeanne.dupont@example.fr' })).status).toBe(403);
    expect((await post('/tenants/acme/sync')).status).toBe(403);
    expect((await post('/tenants/acme/pause', { reason: 'no' })).status).toBe(403);
    expect((await post('/tenants/acme/settings', { horizonDays: '7', attendanceLookbackDays: '30' })).status).toBe(403);
    expect((await post('/tenants/acme/credentials', { aimairaPassword: 'x' })).status).toBe(403);
    expect((await get('/users')).status).toBe(403);
    expect((await get('/audit')).status).toBe(403);
    expect(harness.pause).not.toHaveBeenCalled();
    expect(harness.updateOptions).not.toHaveBeenCalled();
    expect(harness.updateCredentials).not.toHaveBeenCalled();
  });

  it('lets a manager search, explain and pause, recorded in the audit under their name', async () => {
    const { cookie, csrf } = await addAccount(harness, 'manager@example.fr', [{ tenantId: 'acme', role: 'manager' }]);
    const search = await fetch(`${harness.url}/tenants/acme/search`, {
      method: 'POST',
      redirect: 'manual',
      headers: { ...formHeaders, cookie },
      body: form({ csrf, q: 'jeanne.dupont@example.fr' }),
    });
    expect(search.headers.get('location')).toBe('/tenants/acme?aimairaId=4242#events-title');
    expect((await fetch(`${harness.url}/tenants/acme/explain?session=12`, { headers: { cookie } })).status).toBe(502);
    const paused = await fetch(`${harness.url}/tenants/acme/pause`, {
      method: 'POST',
      redirect: 'manual',
      headers: { ...formHeaders, cookie },
      body: form({ csrf, reason: 'holidays' }),
    });
    expect(paused.status).toBe(303);
    expect(harness.pause).toHaveBeenCalledWith('acme', expect.stringContaining('manager@example.fr'));
    const entries = await harness.store.accounts.listAudit({ tenantId: 'acme', limit: 10 });
    expect(entries).toContainEqual(
      expect.objectContaining({ action: 'tenant.pause', actorEmail: 'manager@example.fr', tenantId: 'acme' }),
    );
    expect((await fetch(`${harness.url}/users`, { headers: { cookie } })).status).toBe(403);
  });

  it('hides a tenant from an account without a role on it, and signs a disabled account out at once', async () => {
    const { cookie } = await addAccount(harness, 'elsewhere@example.fr', [{ tenantId: 'beta', role: 'manager' }]);
    const home = await fetch(`${harness.url}/`, { headers: { cookie } });
    expect(await home.text()).not.toContain('/tenants/acme');
    expect((await fetch(`${harness.url}/tenants/acme`, { headers: { cookie } })).status).toBe(404);
    expect((await fetch(`${harness.url}/tenants/acme/settings`, { headers: { cookie } })).status).toBe(404);
    const user = await harness.store.accounts.getUserByEmail('elsewhere@example.fr');
    await harness.store.accounts.updateUser(user!.id, { disabled: true }, '2026-11-30T10:31:00.000Z');
    const after = await fetch(`${harness.url}/`, { headers: { cookie, accept: 'text/html' }, redirect: 'manual' });
    expect(after.status).toBe(303);
    const again = await fetch(`${harness.url}/sign-in`, {
      method: 'POST',
      headers: formHeaders,
      body: form({ email: 'elsewhere@example.fr', password: 'elsewhere@example.fr password' }),
    });
    expect(again.status).toBe(401);
  });

  it('lets the operator admin see the accounts and the audit', async () => {
    const { cookie } = await signIn(harness);
    expect((await fetch(`${harness.url}/users`, { headers: { cookie } })).status).toBe(200);
    expect((await fetch(`${harness.url}/audit`, { headers: { cookie } })).status).toBe(200);
  });
});

/** Reads a server-sent event stream until `needle` shows (or the stream ends); the reader reads on from there. */
async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, needle: string): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  while (!text.includes(needle)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  return text;
}

describe('a sync another process runs, read from the store', () => {
  let running: boolean;
  beforeEach(async () => {
    running = true;
    harness = await start({
      scheduler: {
        status: () =>
          Promise.resolve([
            { tenantId: 'acme', nextRuns: [], running, missed: [], runningIn: 'another-process' as const },
          ]),
        runNow: () => Promise.resolve({ accepted: false, reason: 'a sync of tenant acme is running elsewhere' }),
      },
    });
  });

  it('shows its progress on the tenant page, then follows it live until it ends', async () => {
    const { cookie } = await signIn(harness);
    const page = async () => (await fetch(`${harness.url}/tenants/acme?lang=en`, { headers: { cookie } })).text();
    expect(await page()).toContain('Starting…');

    const run = await harness.store.startRun('acme', 'down', '2026-11-30T10:29:00.000Z');
    const reading = await page();
    expect(reading).toContain('Run by another process of the service');
    expect(reading).toContain('data-sync-events="/tenants/acme/live/events"');
    expect(reading).toContain('Down: reading Aimaira and Edusign…');

    await harness.store.saveRunProgress(run.id, { done: 12, total: 40 }, '2026-11-30T10:30:00.000Z');
    const writing = await page();
    expect(writing).toContain('<progress id="sync-progress" max="40" value="12"');
    expect(writing).toContain('Down: 12 of 40 records written');

    const stream = await fetch(`${harness.url}/tenants/acme/live/events`, { headers: { cookie } });
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    const reader = stream.body?.getReader();
    if (!reader) throw new Error('no body');
    expect(await readUntil(reader, '\n\n')).toBe(
      'event: progress\ndata: {"direction":"down","stage":"writing","done":12,"total":40}\n\n',
    );
    await harness.store.saveRunProgress(run.id, { done: 40, total: 40 }, '2026-11-30T10:31:00.000Z');
    expect(await readUntil(reader, '"done":40')).toContain('"total":40');
    await harness.store.finishRun(run.id, 'success', {}, '2026-11-30T10:31:00.000Z');
    running = false;
    expect(await readUntil(reader, 'event: done')).toContain('event: done\ndata: {}');

    const after = await page();
    expect(after).not.toContain('/live/events');
    expect(after).not.toContain('Run by another process');
  });

  it('ends the stream at once when nothing runs', async () => {
    running = false;
    const { cookie } = await signIn(harness);
    const text = await (await fetch(`${harness.url}/tenants/acme/live/events`, { headers: { cookie } })).text();
    expect(text).toBe('event: done\ndata: {}\n\n');
  });

  it('wants a signed-in session for the stream too', async () => {
    const response = await fetch(`${harness.url}/tenants/acme/live/events`, {
      headers: { accept: 'text/event-stream' },
    });
    expect(response.status).toBe(401);
  });
});

describe('the last preflight on the settings page', () => {
  beforeEach(async () => {
    harness = await start();
  });

  it('says it never ran, then shows when it ran and each finding with its strategy, e-mails hidden', async () => {
    const { cookie } = await signIn(harness);
    const settings = async () =>
      (await fetch(`${harness.url}/tenants/acme/settings?lang=en`, { headers: { cookie } })).text();
    expect(await settings()).toContain('Not run yet');

    await harness.store.savePreflight({
      tenantId: 'acme',
      ranAt: '2026-11-30T10:00:00.000Z',
      urls: { aimaira: 'https://acme.aimaira.example/GraphV1', edusign: 'https://ext.edusign.fr' },
      ok: false,
      findings: [
        {
          point: 'aimaira.filter',
          ok: true,
          found: 'Aimaira refused an in filter (HTTP 400) and took the same filter as an or chain.',
          strategy: 'Lists of ids are read with or chains of at most 100 nodes.',
          data: { filter: 'or', maxFilterNodes: 100 },
        },
        {
          point: 'edusign.externals',
          ok: false,
          found: 'The look-up of prof.x@example.org answered an HTML page, not the API.',
          strategy: 'Tutors are left out; learners and sheets still come down.',
        },
      ],
    });
    const page = await settings();
    expect(page).not.toContain('Not run yet');
    expect(page).toMatch(/Last run [^<]*30/);
    expect(page).toContain('1 point(s) need a look.');
    expect(page).toContain('<code>aimaira.filter</code>');
    expect(page).toContain('Lists of ids are read with or chains of at most 100 nodes.');
    expect(page).toContain('Tutors are left out; learners and sheets still come down.');
    expect(page).not.toContain('prof.x@example.org');
  });
});

describe('set-up of the first operator', () => {
  it('asks for the one-time token, an e-mail and a password, makes the operator, then closes for good', async () => {
    const adminPassword: AdminPassword = { setupToken: 'token-from-the-logs' };
    harness = await start({ adminPassword });
    expect(await harness.store.accounts.countUsers()).toBe(0);
    const home = await fetch(`${harness.url}/`, { redirect: 'manual', headers: { accept: 'text/html' } });
    // Nobody can sign in yet: straight to the set-up page.
    expect(home.headers.get('location')).toBe('/setup');
    const signInPage = await fetch(`${harness.url}/sign-in`, { redirect: 'manual' });
    expect(signInPage.status).toBe(303);
    expect(signInPage.headers.get('location')).toBe('/setup');
    expect((await fetch(`${harness.url}/setup?token=token-from-the-logs`)).status).toBe(200);
    const setup = (fields: Record<string, string>) =>
      fetch(`${harness.url}/setup`, { method: 'POST', redirect: 'manual', headers: formHeaders, body: form(fields) });
    const good = { token: 'token-from-the-logs', email: 'Owner@Example.fr', password: 'a long new password' };
    expect((await setup({ ...good, token: 'guess', confirm: good.password })).status).toBe(403);
    expect((await setup({ ...good, password: 'short', confirm: 'short' })).status).toBe(400);
    expect((await setup({ ...good, confirm: 'other' })).status).toBe(400);
    expect((await setup({ ...good, email: 'not an address', confirm: good.password })).status).toBe(400);
    expect(await harness.store.accounts.countUsers()).toBe(0);
    expect((await setup({ ...good, confirm: good.password })).status).toBe(200);
    const owner = await harness.store.accounts.getUserByEmail('owner@example.fr');
    expect(owner).toMatchObject({ email: 'owner@example.fr', operator: true, disabled: false });
    expect(owner?.passwordHash).toMatch(/^scrypt\$/);
    expect(await verifyPassword('a long new password', owner?.passwordHash ?? '')).toBe(true);
    const created = await harness.store.accounts.listAudit({ action: 'user.create', limit: 10 });
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ actorEmail: 'owner@example.fr', detail: { how: 'set-up', operator: true } });
    // Closed for good: a second set-up makes nothing.
    const second = await setup({ ...good, email: 'intruder@example.fr', confirm: good.password });
    expect(second.status).toBe(303);
    expect(second.headers.get('location')).toBe('/sign-in');
    expect(await harness.store.accounts.countUsers()).toBe(1);
    expect((await fetch(`${harness.url}/setup`, { redirect: 'manual' })).headers.get('location')).toBe('/sign-in');
    const signIn = await fetch(`${harness.url}/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: formHeaders,
      body: form({ email: 'owner@example.fr', password: 'a long new password' }),
    });
    expect(signIn.status).toBe(303);
    // No `admin` without a password from the environment.
    expect(await harness.store.accounts.getUserByEmail('admin')).toBeUndefined();
  });

  it('tells the wait the throttle imposes after repeated wrong tokens, not another figure', async () => {
    harness = await start({ adminPassword: { setupToken: 'token-from-the-logs' } });
    const setup = () =>
      fetch(`${harness.url}/setup`, {
        method: 'POST',
        headers: formHeaders,
        body: form({
          token: 'guess',
          email: 'owner@example.fr',
          password: 'a long new password',
          confirm: 'a long new password',
        }),
      });
    // 5 free failures, then the one after them is still checked; the next waits.
    for (let attempt = 0; attempt < 6; attempt += 1) expect((await setup()).status).toBe(403);
    const throttled = await setup();
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('1');
    expect(await throttled.text()).toMatch(/(in|dans) 1 s\./);
  });
});

describe('the operator admin from the environment', () => {
  it('signs in with a plaintext password of 12 characters or more, and takes a changed one at the next start', async () => {
    harness = await start({ adminPassword: { plaintext: 'a plaintext password' } });
    await signIn(harness, 'admin', 'a plaintext password');
    const changed = createDashboard({ ...harness.deps, adminPassword: { plaintext: 'another plaintext one' } });
    await changed.ready();
    const admin = await harness.store.accounts.getUserByEmail('admin');
    expect(await verifyPassword('another plaintext one', admin?.passwordHash ?? '')).toBe(true);
    expect(await harness.store.accounts.countUsers()).toBe(1);
  });

  it('refuses a plaintext password shorter than 12 characters and a malformed hash, and signs nobody in', async () => {
    harness = await start();
    await expect(createDashboard({ ...harness.deps, adminPassword: { plaintext: 'short' } }).ready()).rejects.toThrow(
      /12 characters/,
    );
    const badHash = createDashboard({ ...harness.deps, adminPassword: { hash: 'not-a-hash' } });
    await expect(badHash.ready()).rejects.toThrow(/not a hash/);
    const signIn = await badHash.app.request('/sign-in', {
      method: 'POST',
      headers: { ...formHeaders, host: '127.0.0.1:8080' },
      body: form({ email: 'admin', password }),
    });
    expect(signIn.status).toBe(500);
    expect(signIn.headers.get('set-cookie')).toBeNull();
  });
});
