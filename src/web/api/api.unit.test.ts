/**
 * The API with `app.request()` against a real in-memory store (accounts, tokens, runs, events, audit): fakes stand
 * only for the service (tenants, scheduler, look-ups). The API is mounted as the dashboard mounts it, under a base
 * path, behind a stand-in of the pages' cookie middleware (which the API must ignore).
 */
import { Hono } from 'hono';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { createManualClock } from '../../clock.js';
import type { ManualClock } from '../../clock.js';
import type { User } from '../../store/port.js';
import { openSqliteStore } from '../../store/sqlite.js';
import type { SqliteStateStore } from '../../store/sqlite.js';
import type { DashboardDeps, RunNowResult, SyncSummary } from '../deps.js';
import type { Web, WebEnv } from '../env.js';
import { createSessionRegistry, createSignInThrottle } from '../security.js';
import { createDashboard } from '../dashboard.js';
import { hashPassword } from '../security.js';
import { createSyncJobs } from '../sync-jobs.js';
import { createApi, hashApiToken, newApiToken } from './index.js';
import { standInTenant } from '../../../test/stand-in-dashboard.js';
import type { Api } from './index.js';

const base = '/dash';
const at = '2026-11-30T10:30:00.000Z';

interface Harness {
  deps: DashboardDeps;
  stores: SqliteStateStore;
  clock: ManualClock;
  api: Api;
  app: Hono<WebEnv>;
  users: Record<'operator' | 'manager' | 'viewer' | 'disabled', User>;
  tokens: Record<'operator' | 'manager' | 'viewer' | 'disabled' | 'revoked', string>;
  /** Set to refuse the next "sync now". */
  refuseSync: { reason: string | undefined };
  finishSync: (summary: SyncSummary) => void;
  onError: unknown[];
}

let h: Harness;

async function start(): Promise<Harness> {
  const stores = await openSqliteStore({ file: ':memory:' });
  const clock = createManualClock(Date.parse(at));
  const tenants = [standInTenant('alpha'), standInTenant('beta')];
  const refuseSync: Harness['refuseSync'] = { reason: undefined };
  let finishSync: (summary: SyncSummary) => void = () => undefined;
  const onError: unknown[] = [];
  const deps: DashboardDeps = {
    store: stores,
    accounts: stores.accounts,
    clock,
    adminPassword: { setupToken: 'unused' },
    publicUrl: 'https://connector.example.fr',
    tenants: {
      list: () => Promise.resolve(tenants.map(({ id, paused, pausedReason }) => ({ id, paused, pausedReason }))),
      get: (id) => Promise.resolve(tenants.find((candidate) => candidate.id === id)),
      updateOptions: () => Promise.reject(new Error('not in these tests')),
      updateCredentials: () => Promise.reject(new Error('not in these tests')),
      check: () => Promise.reject(new Error('not in these tests')),
      pause: () => Promise.reject(new Error('not in these tests')),
      resume: () => Promise.reject(new Error('not in these tests')),
    },
    scheduler: {
      status: (id) =>
        Promise.resolve(
          tenants
            .filter((candidate) => id === undefined || candidate.id === id)
            .map((candidate) => ({ tenantId: candidate.id, nextRuns: [], running: false, missed: [] })),
        ),
      runNow: (_id, onProgress): Promise<RunNowResult> => {
        if (refuseSync.reason !== undefined) return Promise.resolve({ accepted: false, reason: refuseSync.reason });
        onProgress({ direction: 'down', stage: 'started', done: 0, total: 0 });
        return Promise.resolve({
          accepted: true,
          done: new Promise<SyncSummary>((resolve) => {
            finishSync = resolve;
          }),
        });
      },
    },
    lookups: {
      explainSession: (tenantId, sessionId) =>
        sessionId === 666
          ? Promise.reject(new Error('Aimaira said no for jeanne.dupont@example.fr'))
          : Promise.resolve({
              tenantId,
              sessionId,
              found: false,
              now: at,
              window: { now: at, horizonEnd: at } as never,
              edusign: null,
              nextSync: { action: 'nothing', reason: null, changes: null, blockedBy: null },
            }),
      searchSessions: () => Promise.resolve([]),
      findPeople: () => Promise.resolve([]),
    },
    onError: (error) => onError.push(error),
  };
  const now = () => clock.now();
  const web: Web = {
    deps,
    base,
    defaultLang: 'fr',
    sessions: createSessionRegistry({ store: stores, now, idleMs: 30 * 60_000, maxAgeMs: 12 * 60 * 60_000 }),
    throttle: createSignInThrottle(now),
    jobs: createSyncJobs(now),
    secureCookies: true,
    ready: Promise.resolve(),
    accountsExist: true,
    publicUrl: 'https://connector.example.fr',
    now,
  };

  const { accounts } = stores;
  const users = {
    operator: await accounts.createUser({ email: 'ops@example.fr', operator: true, grants: [] }, at),
    manager: await accounts.createUser(
      { email: 'manager@example.fr', operator: false, grants: [{ tenantId: 'alpha', role: 'manager' }] },
      at,
    ),
    viewer: await accounts.createUser(
      { email: 'viewer@example.fr', operator: false, grants: [{ tenantId: 'alpha', role: 'viewer' }] },
      at,
    ),
    disabled: await accounts.createUser(
      { email: 'gone@example.fr', operator: false, grants: [{ tenantId: 'alpha', role: 'manager' }] },
      at,
    ),
  };
  await accounts.updateUser(users.disabled.id, { disabled: true }, at);
  const tokenOf = async (user: User, name: string) => {
    const token = newApiToken();
    await accounts.createApiToken({ userId: user.id, name, tokenHash: hashApiToken(token), createdAt: at });
    return token;
  };
  const tokens = {
    operator: await tokenOf(users.operator, 'ops'),
    manager: await tokenOf(users.manager, 'script'),
    viewer: await tokenOf(users.viewer, 'read'),
    disabled: await tokenOf(users.disabled, 'old'),
    revoked: await tokenOf(users.manager, 'revoked'),
  };
  const revoked = (await accounts.listApiTokens(users.manager.id)).find((token) => token.name === 'revoked');
  expect(await accounts.revokeApiToken(revoked?.id ?? 0, users.manager.id, at)).toBe(true);

  const api = createApi(web);
  // As the dashboard: a base path, the pages' middleware (here: an operator's session for a cookie), then the API.
  const app = new Hono<WebEnv>().basePath(base);
  app.use(async (c, next) => {
    c.set('address', '127.0.0.1');
    c.set('lang', 'fr');
    const cookie = c.req.header('cookie') === 'aes_session=operator';
    c.set('principal', cookie ? { user: users.operator, via: 'dashboard' } : undefined);
    await next();
  });
  app.route('/api/v1', api.app);
  app.notFound((c) => c.html('<p>The page is not here.</p>', 404));

  return { deps, stores, clock, api, app, users, tokens, refuseSync, finishSync: (s) => finishSync(s), onError };
}

beforeEach(async () => {
  h = await start();
});

afterEach(async () => {
  await h.stores.close();
});

function call(path: string, token?: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  if (token !== undefined) headers.set('authorization', `Bearer ${token}`);
  return h.app.request(`${base}/api/v1${path}`, { ...init, headers });
}

async function expectProblem(response: Response, status: number): Promise<Record<string, unknown>> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = (await response.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ type: 'about:blank', status });
  expect([typeof body['title'], typeof body['detail']]).toEqual(['string', 'string']);
  return body;
}

describe('tokens', () => {
  it('are aes_ and 32 random bytes in base64url, stored as their SHA-256 in hex', () => {
    const token = newApiToken();
    expect(token).toMatch(/^aes_[A-Za-z0-9_-]{43}$/);
    expect(newApiToken()).not.toBe(token);
    expect(hashApiToken(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('authentication', () => {
  it('answers 401 with a problem and WWW-Authenticate: Bearer without a token', async () => {
    const response = await call('/tenants');
    await expectProblem(response, 401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer /);
  });

  it('never acts on the pages cookie', async () => {
    const response = await call('/tenants', undefined, { headers: { cookie: 'aes_session=operator' } });
    await expectProblem(response, 401);
  });

  it('refuses a revoked token, a disabled owner, an unknown or malformed token', async () => {
    for (const token of [h.tokens.revoked, h.tokens.disabled, newApiToken(), 'not-a-token']) {
      const response = await call('/me', token);
      await expectProblem(response, 401);
      expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
    }
    await expectProblem(await call('/me', undefined, { headers: { authorization: 'Basic b3BzOnh4' } }), 401);
  });

  it("answers with the token's account, roles read at the request", async () => {
    const response = await call('/me', h.tokens.manager);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      email: 'manager@example.fr',
      operator: false,
      grants: [{ tenantId: 'alpha', role: 'manager' }],
    });
    await h.stores.accounts.updateUser(h.users.manager.id, { disabled: true }, at);
    await expectProblem(await call('/me', h.tokens.manager), 401);
  });

  it('records a use of a token at most once a minute', async () => {
    const lastUsed = async () =>
      (await h.stores.accounts.listApiTokens(h.users.viewer.id)).find((token) => token.name === 'read')?.lastUsedAt;
    expect(await lastUsed()).toBeNull();
    expect((await call('/me', h.tokens.viewer)).status).toBe(200);
    expect(await lastUsed()).toBe(at);
    h.clock.advance(30_000);
    expect((await call('/me', h.tokens.viewer)).status).toBe(200);
    expect(await lastUsed()).toBe(at);
    h.clock.advance(31_000);
    expect((await call('/me', h.tokens.viewer)).status).toBe(200);
    expect(await lastUsed()).toBe(new Date(Date.parse(at) + 61_000).toISOString());
  });
});

describe('access', () => {
  it('lets a manager of alpha read alpha, and answers 404 on beta and on an unknown tenant', async () => {
    const response = await call('/tenants/alpha', h.tokens.manager);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ id: 'alpha', health: 'new', aimaira: { access: 'password' } });
    expect(JSON.stringify(body)).not.toMatch(/password"\s*:\s*"|apiKey"\s*:\s*"/);
    for (const path of ['/tenants/beta', '/tenants/beta/runs', '/tenants/nope', '/tenants/NOT%20AN%20ID/events']) {
      await expectProblem(await call(path, h.tokens.manager), 404);
    }
    const list = (await (await call('/tenants', h.tokens.manager)).json()) as { tenants: { id: string }[] };
    expect(list.tenants.map((t) => t.id)).toEqual(['alpha']);
  });

  it('answers 403 to a viewer asking for a sync or an explanation, 404 to a stranger', async () => {
    await expectProblem(await call('/tenants/alpha/sync', h.tokens.viewer, { method: 'POST' }), 403);
    await expectProblem(await call('/tenants/alpha/explain/12', h.tokens.viewer), 403);
    await expectProblem(await call('/tenants/beta/sync', h.tokens.viewer, { method: 'POST' }), 404);
    expect((await call('/tenants/alpha/runs', h.tokens.viewer)).status).toBe(200);
  });

  it('lets an operator see every tenant', async () => {
    const response = await call('/tenants', h.tokens.operator);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { tenants: { id: string }[]; total: number };
    expect(body.tenants.map((t) => t.id)).toEqual(['alpha', 'beta']);
    expect(body.total).toBe(2);
    expect((await call('/tenants/beta/events', h.tokens.operator)).status).toBe(200);
  });

  it('answers a failure of the service with a 500 problem, the details in the logs only', async () => {
    h.stores.listRuns = () => Promise.reject(new Error('disk on fire near jeanne.dupont@example.fr'));
    const body = await expectProblem(await call('/tenants/alpha/runs', h.tokens.viewer), 500);
    expect(JSON.stringify(body)).not.toContain('fire');
    expect(h.onError).toEqual([expect.objectContaining({ message: expect.stringContaining('fire') as unknown })]);
  });

  it('answers an unknown route of the API with a 404 problem', async () => {
    await expectProblem(await call('/nope', h.tokens.operator), 404);
    await expectProblem(await call('/tenants/alpha/sync', h.tokens.operator), 404);
  });
});

describe('runs and events', () => {
  beforeEach(async () => {
    const down = await h.stores.startRun('alpha', 'down', '2026-11-29T06:00:00.000Z');
    await h.stores.appendEvents([
      {
        runId: down.id,
        tenantId: 'alpha',
        at: '2026-11-29T06:00:01.000Z',
        level: 'warning',
        action: 'skipped',
        recordKind: 'learner',
        aimairaId: 4242,
        edusignId: null,
        reason: null,
        message: 'Learner jeanne.dupont@example.fr left out: malformed e-mail',
      },
      {
        runId: down.id,
        tenantId: 'alpha',
        at: '2026-11-29T06:00:02.000Z',
        level: 'info',
        action: 'created',
        recordKind: 'sheet',
        aimairaId: 501,
        edusignId: 'sheet-1',
        reason: null,
        message: 'Sheet created',
      },
    ]);
    await h.stores.finishRun(down.id, 'partial', { 'sheet.created': 1 }, '2026-11-29T06:01:00.000Z');
  });

  it('lists runs and the health they make', async () => {
    const runs = (await (await call('/tenants/alpha/runs?limit=5', h.tokens.viewer)).json()) as {
      runs: { status: string; counts: Record<string, number> }[];
    };
    expect(runs.runs).toEqual([expect.objectContaining({ status: 'partial', counts: { 'sheet.created': 1 } })]);
    const alpha = (await (await call('/tenants/alpha', h.tokens.viewer)).json()) as Record<string, unknown>;
    expect(alpha).toMatchObject({ health: 'partial', lastRuns: { down: { status: 'partial' }, up: null } });
  });

  it("filters events as the dashboard does, and never shows a learner's e-mail", async () => {
    const all = (await (await call('/tenants/alpha/events', h.tokens.viewer)).json()) as {
      events: { message: string; level: string }[];
      next: number | null;
    };
    expect(all.events).toHaveLength(2);
    expect(all.next).toBeNull();
    expect(JSON.stringify(all)).not.toContain('jeanne');
    const warnings = (await (
      await call('/tenants/alpha/events?level=warning&date=2026-11-29', h.tokens.viewer)
    ).json()) as {
      events: { message: string }[];
    };
    expect(warnings.events.map((event) => event.message)).toEqual(['Learner [e-mail] left out: malformed e-mail']);
    const none = (await (await call('/tenants/alpha/events?date=2026-11-28', h.tokens.viewer)).json()) as {
      events: unknown[];
    };
    expect(none.events).toEqual([]);
  });

  it('answers a bad query parameter with a 400 problem naming it', async () => {
    for (const [query, name] of [
      ['limit=0', 'limit'],
      ['limit=many', 'limit'],
    ] as const) {
      const body = await expectProblem(await call(`/tenants/alpha/runs?${query}`, h.tokens.viewer), 400);
      expect(body['detail']).toContain(`"${name}"`);
      expect(body['errors']).toEqual([expect.objectContaining({ in: 'query', name })]);
    }
    const body = await expectProblem(await call('/tenants/alpha/events?level=loud&date=30/11', h.tokens.viewer), 400);
    expect((body['errors'] as { name: string }[]).map((error) => error.name).sort()).toEqual(['date', 'level']);
    const session = await expectProblem(await call('/tenants/alpha/explain/abc', h.tokens.manager), 400);
    expect(session['errors']).toEqual([expect.objectContaining({ in: 'path', name: 'session' })]);
  });

  it('checks the access before the parameters: a stranger gets 401, not 400', async () => {
    await expectProblem(await call('/tenants/alpha/runs?limit=0'), 401);
  });
});

describe('explain', () => {
  it('answers the explanation to a manager, and a 502 problem without the e-mail when the look-up fails', async () => {
    const response = await call('/tenants/alpha/explain/12', h.tokens.manager);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ tenantId: 'alpha', sessionId: 12, found: false });
    const failed = await expectProblem(await call('/tenants/alpha/explain/666', h.tokens.manager), 502);
    expect(failed['detail']).toContain('[e-mail]');
    expect(failed['detail']).not.toContain('jeanne');
  });
});

describe('sync now', () => {
  it('starts a sync for a manager: 202, where to follow, audited as the API', async () => {
    const response = await call('/tenants/alpha/sync', h.tokens.manager, { method: 'POST' });
    expect(response.status).toBe(202);
    const body = (await response.json()) as { job: string; follow: string };
    expect(response.headers.get('location')).toBe(`${base}/api/v1/tenants/alpha/syncs/${body.job}`);
    expect(body.follow).toBe(response.headers.get('location'));

    const follow = (path: string) => h.app.request(path, { headers: { authorization: `Bearer ${h.tokens.viewer}` } });
    expect(await (await follow(body.follow)).json()).toMatchObject({
      finished: false,
      progress: { direction: 'down', stage: 'started' },
      summary: null,
    });
    h.finishSync({
      tenantId: 'alpha',
      status: 'failed',
      directions: [
        {
          direction: 'down',
          status: 'failed',
          runId: 7,
          counts: {},
          error: 'refused for jeanne.dupont@example.fr',
          durationMs: 5,
        },
      ],
    });
    await new Promise((resolve) => setTimeout(resolve, 0));
    const done = await (await follow(body.follow)).json();
    expect(done).toMatchObject({ finished: true, summary: { status: 'failed' } });
    expect(JSON.stringify(done)).not.toContain('jeanne');
    await expectProblem(await call('/tenants/alpha/syncs/unknown-job', h.tokens.viewer), 404);

    const [entry] = await h.stores.accounts.listAudit({ limit: 5 });
    expect(entry).toMatchObject({
      action: 'tenant.sync',
      tenantId: 'alpha',
      via: 'api',
      actorEmail: 'manager@example.fr',
      detail: { accepted: true, job: body.job },
    });
  });

  it('answers 409 with a problem when the sync is refused', async () => {
    h.refuseSync.reason = 'a sync of this tenant is already running';
    const body = await expectProblem(await call('/tenants/alpha/sync', h.tokens.operator, { method: 'POST' }), 409);
    expect(body['detail']).toContain('already running');
    const [entry] = await h.stores.accounts.listAudit({ limit: 5 });
    expect(entry).toMatchObject({ action: 'tenant.sync', via: 'api', detail: { accepted: false } });
  });
});

describe('the route table and the OpenAPI document', () => {
  it('records every route with the mount prefix and its access', () => {
    expect(h.api.routes).toContainEqual({
      method: 'GET',
      path: `${base}/api/v1/tenants/:tenant`,
      access: 'tenant:view',
    });
    expect(h.api.routes).toContainEqual({
      method: 'POST',
      path: `${base}/api/v1/tenants/:tenant/sync`,
      access: 'tenant:manage',
    });
    expect(h.api.routes).toContainEqual({ method: 'GET', path: `${base}/api/v1/openapi.json`, access: 'public' });
    expect(h.api.routes.filter((route) => route.access === 'public')).toHaveLength(1);
  });

  it('is public, OpenAPI 3.1, with the bearer scheme, and lists every route of the table', async () => {
    const response = await call('/openapi.json');
    expect(response.status).toBe(200);
    const document = JSON.parse(await response.text()) as {
      openapi: string;
      servers: { url: string }[];
      paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown> }>>;
      components: { securitySchemes: Record<string, { type: string; scheme: string }> };
    };
    expect(document.openapi).toBe('3.1.0');
    expect(document.servers).toEqual([{ url: `https://connector.example.fr${base}/api/v1` }]);
    expect(Object.values(document.components.securitySchemes)).toEqual([
      expect.objectContaining({ type: 'http', scheme: 'bearer' }),
    ]);
    const listed = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map(
        (method) => `${method.toUpperCase()} ${base}/api/v1${path.replaceAll(/\{(\w+)\}/g, ':$1')}`,
      ),
    );
    expect(listed.sort()).toEqual(h.api.routes.map((route) => `${route.method} ${route.path}`).sort());
    const sync = document.paths['/tenants/{tenant}/sync']?.['post'];
    expect(Object.keys(sync?.responses ?? {}).sort()).toEqual(['202', '401', '403', '404', '409', '500']);
    expect(sync?.security).toEqual([{ bearerToken: [] }]);
    expect(document.paths['/openapi.json']?.['get']?.security).toEqual([]);
  });
});

describe('mounted by the dashboard', () => {
  it('serves the API under its base, in its route table, and never on a signed-in session of the pages', async () => {
    const password = 'le mot de passe des tests';
    await h.stores.accounts.updateUser(h.users.operator.id, { passwordHash: await hashPassword(password) }, at);
    const dashboard = createDashboard({ ...h.deps, basePath: base });
    await dashboard.ready();
    const host = { host: 'connector.example.fr' };
    const request = (path: string, headers: Record<string, string> = {}, init: RequestInit = {}) =>
      dashboard.app.request(`${base}${path}`, { ...init, headers: { ...host, ...headers } });

    expect(dashboard.routes).toEqual(expect.arrayContaining(h.api.routes));
    const signIn = await request(
      '/sign-in',
      { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://connector.example.fr' },
      { method: 'POST', body: new URLSearchParams({ email: 'ops@example.fr', password }).toString() },
    );
    expect(signIn.status).toBe(303);
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    expect(cookie).toMatch(/^aes_session=./);
    expect((await request('/account', { cookie })).status).toBe(200);

    await expectProblem(await request('/api/v1/tenants', { cookie }), 401);
    await expectProblem(await request('/api/v1/tenants/alpha/sync', { cookie }, { method: 'POST' }), 401);
    await expectProblem(await request('/api/v1/nope', { cookie }), 404);
    const mine = await request('/api/v1/tenants', { cookie, authorization: `Bearer ${h.tokens.manager}` });
    expect(mine.status).toBe(200);
    expect(((await mine.json()) as { tenants: { id: string }[] }).tenants.map((t) => t.id)).toEqual(['alpha']);
    const openapi = await request('/api/v1/openapi.json');
    expect(openapi.status).toBe(200);
    expect(openapi.headers.get('content-type')).toMatch(/^application\/json/);
  });
});
