/**
 * The webhook receivers through the dashboard's app, over a real store and a real keyring: a message is recorded
 * only when it is authenticated, well formed, small enough and the tenant's; each refusal is counted; Aimaira's OAuth
 * token endpoint gives short-lived tokens the receiver takes.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { createManualClock } from '../../clock.js';
import type { ManualClock } from '../../clock.js';
import { aimairaWebhookHash } from '../../aimaira/webhook.js';
import { createWebhookEndpoints } from '../../service/webhook-endpoints.js';
import { createKeyring, generateMasterKey } from '../../service/secrets.js';
import { openSqliteStore } from '../../store/sqlite.js';
import type { SqliteStateStore } from '../../store/sqlite.js';
import { createDashboard } from '../dashboard.js';
import type { Dashboard } from '../dashboard.js';
import { standInDashboardDeps, standInTenant } from '../../../test/stand-in-dashboard.js';
import { createHmac } from 'node:crypto';

const host = '127.0.0.1:8080';
const edusignSecret = 'le secret client de l’application';

interface Harness {
  store: SqliteStateStore;
  clock: ManualClock;
  dashboard: Dashboard;
  counted: string[];
  recorded: number[];
  credentials: { clientId: string; clientSecret: string };
}

let h: Harness;

beforeEach(async () => {
  const store = await openSqliteStore({ file: ':memory:' });
  const clock = createManualClock(Date.parse('2026-12-03T09:00:00Z'));
  const key = generateMasterKey();
  const keyring = createKeyring([key], key.id);
  const endpoints = createWebhookEndpoints({ store: store.webhooks, keys: () => Promise.resolve(keyring), clock });
  const counted: string[] = [];
  const recorded: number[] = [];
  const dashboard = createDashboard(
    standInDashboardDeps({
      store,
      clock,
      tenants: [standInTenant('acme'), standInTenant('beta')],
      adminPassword: { setupToken: 'unused-here' },
      overrides: {
        webhooks: {
          endpoints,
          inbox: store.webhooks,
          onRecorded: (message) => recorded.push(message.id),
          count: (source, outcome) => counted.push(`${source}:${outcome}`),
        },
      },
    }),
  );
  const credentials = await endpoints.newAimairaCredentials('acme');
  await endpoints.setAimairaCustomerName('acme', 'ECOLE-ACME');
  await endpoints.setEdusign('acme', { schoolId: 'school-1', clientSecret: edusignSecret });
  await endpoints.setEnabled('acme', true);
  // beta has credentials too, but its receivers are off.
  await endpoints.newAimairaCredentials('beta');
  h = { store, clock, dashboard, counted, recorded, credentials };
});

afterEach(async () => {
  await h.store.close();
});

function aimairaMessage(overrides: Record<string, unknown> = {}) {
  const base = {
    CustomerName: 'ECOLE-ACME',
    Date: '2026-12-03T08:59:58Z',
    ObjectId: '4711',
    ObjectType: 'planification.T_PLANIFICATION',
    TriggerName: 'Modification',
    ...overrides,
  };
  return { ...base, Hash: aimairaWebhookHash(base) };
}

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

function post(path: string, body: string, headers: Record<string, string> = {}) {
  return h.dashboard.app.request(path, {
    method: 'POST',
    headers: { host, 'content-type': 'application/json', ...headers },
    body,
  });
}

const pending = () => h.store.webhooks.pendingWebhookMessages('acme', 100);

describe("Aimaira's receiver", () => {
  it('records a message sent with Basic credentials, then answers; the hash is checked and kept as a hint', async () => {
    const { clientId, clientSecret } = h.credentials;
    const answer = await post('/hooks/aimaira/acme', JSON.stringify(aimairaMessage()), {
      authorization: basic(clientId, clientSecret),
    });
    expect(answer.status).toBe(200);
    const [message] = await pending();
    expect(message).toMatchObject({ source: 'aimaira', event: 'Modification', objectId: '4711', hashOk: true });
    expect(h.recorded).toEqual([message?.id]);
    expect(h.counted).toEqual(['aimaira:accepted']);

    const forged = { ...aimairaMessage({ ObjectId: '4712' }), Hash: 'bm90IHRoZSBoYXNo' };
    expect(
      (await post('/hooks/aimaira/acme', JSON.stringify(forged), { authorization: basic(clientId, clientSecret) }))
        .status,
    ).toBe(200);
    expect((await pending()).map((m) => m.hashOk)).toEqual([true, false]);
    expect(h.counted).toContain('aimaira:hash-mismatch');
  });

  it('gives short-lived tokens for the client credentials, which the receiver takes until they expire', async () => {
    const { clientId, clientSecret } = h.credentials;
    const token = await h.dashboard.app.request('/hooks/aimaira/acme/token', {
      method: 'POST',
      headers: {
        host,
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basic(clientId, clientSecret),
      },
      body: 'grant_type=client_credentials',
    });
    expect(token.status).toBe(200);
    const granted = (await token.json()) as { access_token: string; token_type: string; expires_in: number };
    expect(granted).toMatchObject({ token_type: 'Bearer', expires_in: 900 });
    const withToken = () =>
      post('/hooks/aimaira/acme', JSON.stringify(aimairaMessage()), {
        authorization: `Bearer ${granted.access_token}`,
      });
    expect((await withToken()).status).toBe(200);
    h.clock.advance(901_000);
    expect((await withToken()).status).toBe(401);
    expect(await pending()).toHaveLength(1);

    // In the form, as some clients send them; a wrong secret or grant is refused.
    const inForm = await h.dashboard.app.request('/hooks/aimaira/acme/token', {
      method: 'POST',
      headers: { host, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: clientSecret,
      }).toString(),
    });
    expect(inForm.status).toBe(200);
    const wrong = await h.dashboard.app.request('/hooks/aimaira/acme/token', {
      method: 'POST',
      headers: { host, 'content-type': 'application/x-www-form-urlencoded', authorization: basic(clientId, 'wrong') },
      body: 'grant_type=client_credentials',
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ error: 'invalid_client' });
  });

  it('refuses without credentials, with another tenant’s, malformed, oversized, or for another customer: nothing recorded', async () => {
    const { clientId, clientSecret } = h.credentials;
    const auth = { authorization: basic(clientId, clientSecret) };
    const cases: [string, Response | Promise<Response>, number][] = [
      ['no credentials', post('/hooks/aimaira/acme', JSON.stringify(aimairaMessage())), 401],
      [
        'wrong secret',
        post('/hooks/aimaira/acme', JSON.stringify(aimairaMessage()), { authorization: basic(clientId, 'x') }),
        401,
      ],
      [
        'a forged token',
        post('/hooks/aimaira/acme', JSON.stringify(aimairaMessage()), {
          authorization: `Bearer 9999999999.${'A'.repeat(43)}`,
        }),
        401,
      ],
      ['acme’s credentials on beta (off)', post('/hooks/aimaira/beta', JSON.stringify(aimairaMessage()), auth), 404],
      ['an unknown tenant', post('/hooks/aimaira/nobody', JSON.stringify(aimairaMessage()), auth), 404],
      ['not JSON', post('/hooks/aimaira/acme', '{not json', auth), 400],
      [
        'a field missing',
        post('/hooks/aimaira/acme', JSON.stringify({ ...aimairaMessage(), ObjectType: undefined }), auth),
        400,
      ],
      [
        'oversized',
        post('/hooks/aimaira/acme', JSON.stringify({ ...aimairaMessage(), padding: 'x'.repeat(20_000) }), auth),
        413,
      ],
      ['far too large', post('/hooks/aimaira/acme', 'x'.repeat(70_000), auth), 413],
      [
        'another customer',
        post('/hooks/aimaira/acme', JSON.stringify(aimairaMessage({ CustomerName: 'ECOLE-BETA' })), auth),
        401,
      ],
    ];
    for (const [what, answer, status] of cases) expect((await answer).status, what).toBe(status);
    expect(await pending()).toEqual([]);
    expect(h.counted.filter((c) => c.endsWith(':accepted'))).toEqual([]);
    expect(new Set(h.counted)).toEqual(
      new Set([
        'aimaira:unauthenticated',
        'aimaira:disabled',
        'aimaira:malformed',
        'aimaira:too-large',
        'aimaira:other-tenant',
      ]),
    );
  });
});

describe("Edusign's receiver", () => {
  const body = JSON.stringify({ type: 'on_course_locked', course: { ID: 'course-42' } });
  const sign = (text: string, secret = edusignSecret) => createHmac('sha256', secret).update(text).digest('hex');
  const headers = (text: string, overrides: Record<string, string> = {}) => ({
    'x-edusign-webhook-type': 'on_course_locked',
    'x-edusign-hmac': sign(text),
    'x-edusign-school-id': 'school-1',
    ...overrides,
  });

  it('records a signed event of the tenant’s school with its course id', async () => {
    expect((await post('/hooks/edusign/acme', body, headers(body))).status).toBe(200);
    const [message] = await pending();
    expect(message).toMatchObject({
      source: 'edusign',
      event: 'on_course_locked',
      objectId: 'course-42',
      hashOk: null,
    });
    const last = await h.store.webhooks.lastWebhookMessages('acme');
    expect(last.edusign?.id).toBe(message?.id);
  });

  it('refuses a wrong signature, another school, a body that is not JSON, and a disabled tenant', async () => {
    const cases: [string, Response | Promise<Response>, number][] = [
      ['no signature', post('/hooks/edusign/acme', body, headers(body, { 'x-edusign-hmac': '' })), 401],
      [
        'another secret',
        post('/hooks/edusign/acme', body, headers(body, { 'x-edusign-hmac': sign(body, 'other') })),
        401,
      ],
      ['another school', post('/hooks/edusign/acme', body, headers(body, { 'x-edusign-school-id': 'school-2' })), 401],
      ['not JSON', post('/hooks/edusign/acme', '{x', headers('{x')), 400],
      ['beta (off)', post('/hooks/edusign/beta', body, headers(body)), 404],
    ];
    for (const [what, answer, status] of cases) expect((await answer).status, what).toBe(status);
    expect(await pending()).toEqual([]);
  });
});
