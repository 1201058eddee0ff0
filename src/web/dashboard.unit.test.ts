/**
 * The dashboard over HTTP with stand-in deps (an in-memory store, a fake scheduler and look-ups): routing, the
 * locks (sessions, CSRF, cross-site), escaping of data, the set-up page, the forms. The browser test covers the
 * same with the real syncs.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { createManualClock } from '../clock.js';
import type { ManualClock } from '../clock.js';
import { TenantOptions, credentialMaxLength } from '../config/config.js';
import { openSqliteStore } from '../store/sqlite.js';
import type { StateStore } from '../store/port.js';
import { createDashboard, eventsPageSize } from './dashboard.js';
import type { AdminPassword, DashboardDeps, SyncProgress, SyncSummary, TenantDetails } from './deps.js';
import { hashPassword, verifyPassword } from './security.js';

const password = 'le mot de passe des tests';

interface Harness {
  url: string;
  store: StateStore;
  clock: ManualClock;
  tenant: TenantDetails;
  deps: DashboardDeps;
  updateOptions: ReturnType<typeof vi.fn>;
  updateCredentials: ReturnType<typeof vi.fn>;
  finishSync: (summary: SyncSummary) => void;
  progress: (progress: SyncProgress) => void;
}

let server: Server | undefined;
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
  const deps: DashboardDeps = {
    store,
    clock,
    adminPassword: { hash: await hashPassword(password) },
    tenants: {
      list: () => Promise.resolve([{ id: tenant.id, paused: tenant.paused, pausedReason: tenant.pausedReason }]),
      get: (id) => Promise.resolve(id === tenant.id ? tenant : undefined),
      updateOptions,
      updateCredentials,
      check: () =>
        Promise.resolve({ ok: false, items: [{ label: 'Edusign', ok: false, detail: 'refused the API key' }] }),
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
  const handler = createDashboard(deps);
  server = createServer((request, response) => {
    void handler(request, response).then((handled) => {
      if (!handled) response.writeHead(404).end('host 404');
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    store,
    clock,
    tenant,
    deps,
    updateOptions,
    updateCredentials,
    finishSync: (summary) => finishSync(summary),
    progress: (p) => progress(p),
  };
}

afterEach(async () => {
  if (server) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    server = undefined;
  }
  await harness?.store.close();
});

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const formHeaders = { 'content-type': 'application/x-www-form-urlencoded' };

/** Signs in; returns the cookie header and the session's CSRF token (read from a page's form). */
async function signIn(h: Harness): Promise<{ cookie: string; csrf: string }> {
  const response = await fetch(`${h.url}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: formHeaders,
    body: form({ password, next: '/tenants/acme' }),
  });
  expect(response.status).toBe(303);
  expect(response.headers.get('location')).toBe('/tenants/acme');
  const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const page = await (await fetch(`${h.url}/`, { headers: { cookie } })).text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
  expect(csrf).not.toBe('');
  return { cookie, csrf };
}

describe('dashboard routes and locks', () => {
  beforeEach(async () => {
    harness = await start();
  });

  it('leaves other paths to the host and serves its stylesheet and script to anyone', async () => {
    expect(await (await fetch(`${harness.url}/metrics`)).text()).toBe('host 404');
    const css = await fetch(`${harness.url}/static/dashboard.css`);
    expect(css.headers.get('content-type')).toContain('text/css');
    expect(await (await fetch(`${harness.url}/static/dashboard.js`)).text()).toContain('EventSource');
  });

  it('sends a visitor without a session to the sign-in page, and a script to 401', async () => {
    const page = await fetch(`${harness.url}/tenants/acme?level=error`, {
      redirect: 'manual',
      headers: { accept: 'text/html' },
    });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/sign-in?next=%2Ftenants%2Facme');
    const script = await fetch(`${harness.url}/tenants/acme`, { headers: { accept: 'application/json' } });
    expect(script.status).toBe(401);
    const post = await fetch(`${harness.url}/tenants/acme/sync`, {
      method: 'POST',
      headers: formHeaders,
      body: 'csrf=x',
    });
    expect(post.status).toBe(401);
  });

  it('signs in with HttpOnly, SameSite=Strict cookies and never redirects off-site after it', async () => {
    const response = await fetch(`${harness.url}/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: formHeaders,
      body: form({ password, next: '//evil.example/' }),
    });
    expect(response.headers.get('location')).toBe('/');
    expect(response.headers.get('set-cookie')).toMatch(
      /^aes_session=[A-Za-z0-9_-]{43}; Path=\/; SameSite=Strict; HttpOnly$/,
    );
    const wrong = await fetch(`${harness.url}/sign-in`, {
      method: 'POST',
      headers: formHeaders,
      body: form({ password: 'x' }),
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
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

describe('administrator password set-up', () => {
  it('asks for the one-time token, stores a scrypt hash, then signs in with the new password', async () => {
    const save = vi.fn((_hash: string) => Promise.resolve());
    const adminPassword: AdminPassword = { setupToken: 'token-from-the-logs', save };
    harness = await start({ adminPassword });
    const home = await fetch(`${harness.url}/`, { redirect: 'manual' });
    expect(home.headers.get('location')).toBe('/setup');
    const setup = (fields: Record<string, string>) =>
      fetch(`${harness.url}/setup`, { method: 'POST', headers: formHeaders, body: form(fields) });
    expect(
      (await setup({ token: 'guess', password: 'a long new password', confirm: 'a long new password' })).status,
    ).toBe(403);
    expect((await setup({ token: 'token-from-the-logs', password: 'short', confirm: 'short' })).status).toBe(400);
    expect(
      (await setup({ token: 'token-from-the-logs', password: 'a long new password', confirm: 'other' })).status,
    ).toBe(400);
    expect(save).not.toHaveBeenCalled();
    expect(
      (await setup({ token: 'token-from-the-logs', password: 'a long new password', confirm: 'a long new password' }))
        .status,
    ).toBe(200);
    const hash = save.mock.calls[0]?.[0] ?? '';
    expect(hash).toMatch(/^scrypt\$/);
    expect(await verifyPassword('a long new password', hash)).toBe(true);
    expect(
      (await setup({ token: 'token-from-the-logs', password: 'another password!', confirm: 'another password!' }))
        .status,
    ).toBe(200);
    expect(save).toHaveBeenCalledTimes(1);
    const signIn = await fetch(`${harness.url}/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: formHeaders,
      body: form({ password: 'a long new password' }),
    });
    expect(signIn.status).toBe(303);
  });

  it('tells the wait the throttle imposes after repeated wrong tokens, not another figure', async () => {
    harness = await start({ adminPassword: { setupToken: 'token-from-the-logs', save: () => Promise.resolve() } });
    const setup = () =>
      fetch(`${harness.url}/setup`, {
        method: 'POST',
        headers: formHeaders,
        body: form({ token: 'guess', password: 'a long new password', confirm: 'a long new password' }),
      });
    for (let attempt = 0; attempt < 5; attempt += 1) expect((await setup()).status).toBe(403);
    const throttled = await setup();
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('1');
    expect(await throttled.text()).toMatch(/(in|dans) 1 s\./);
  });

  it('refuses a plaintext password from the environment shorter than 12 characters', () => {
    expect(() => createDashboard({ ...harness.deps, adminPassword: { plaintext: 'short' } })).toThrow(/12 characters/);
    expect(() => createDashboard({ ...harness.deps, adminPassword: { hash: 'not-a-hash' } })).toThrow(/not a hash/);
  });
});
