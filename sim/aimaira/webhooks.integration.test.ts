import { createHash } from 'node:crypto';

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { startWebhookReceiver } from '../shared/webhook-receiver.js';
import type { ReceivedRequest, WebhookReceiver } from '../shared/webhook-receiver.js';
import { startAimairaSimulator } from './server.js';
import type { AimairaSimulator, AimairaWebhookMessage } from './server.js';

const credentials = { username: 'ACME\\api', password: 'secret' };
const apiBasic = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
const hook = { username: 'aimaira-hook', password: 'hook pass' };
const hookBasic = `Basic ${Buffer.from(`${hook.username}:${hook.password}`).toString('base64')}`;
const customerName = 'ACME Formation';

let sim: AimairaSimulator;
let receiver: WebhookReceiver;

beforeAll(async () => {
  sim = await startAimairaSimulator({
    credentials,
    data: {
      TypePlanification: [{ Id: 10, Code: 'SEANCE' }],
      Planification: [
        { Id: 500, Nom: 'Session', Debut: '2026-03-10T09:00:00+01:00', Fin: '2026-03-10T11:00:00+01:00' },
      ],
      PlanificationRessource: [
        { Id: 601, PlanificationId: 500, Reference: 101 },
        { Id: 602, PlanificationId: 500, Reference: 102 },
      ],
      Apprenant: [{ Id: 101, Nom: 'Lovelace' }],
      Mail: [{ Id: 201, Adresse: 'ada@example.org' }],
    },
    webhooks: { retryDelaysMs: [30, 60, 90], timeoutMs: 2_000, seed: 7 },
  });
});

afterAll(async () => {
  await sim.close();
});

beforeEach(async () => {
  receiver = await startWebhookReceiver();
});

afterEach(async () => {
  sim.webhooks.clear();
  sim.webhooks.takeDeliveries();
  await receiver.close();
});

/** The documented formula, computed here independently of the simulator. */
function expectedHash(message: AimairaWebhookMessage): string {
  const text = `${message.TriggerName}${message.ObjectId}${message.ObjectType}${message.Date}${message.TriggerName}${message.CustomerName}`;
  return createHash('md5').update(Buffer.from(text, 'ascii')).digest('base64');
}

const messageOf = (request: ReceivedRequest) => JSON.parse(request.body) as AimairaWebhookMessage;

async function api(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${sim.rootUrl}${path}`, {
    method,
    headers: { authorization: apiBasic, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
}

async function admin(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${sim.url}/__sim/${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
}

const basicRegistration = (extra: Record<string, unknown> = {}) => ({
  url: `${receiver.url}/hook`,
  customerName,
  auth: { kind: 'basic' as const, ...hook },
  ...extra,
});

describe('Aimaira simulator webhooks', () => {
  it('sends one message per record written through the API, with the hash and Basic auth', async () => {
    sim.registerWebhook(basicRegistration());
    const created = await api('POST', '/Planification', {
      Nom: 'New',
      EntiteJuridiqueId: 1,
      TypePlanificationId: 10,
      Debut: '2026-03-11T09:00:00+01:00',
      Fin: '2026-03-11T10:00:00+01:00',
    });
    expect(created.status).toBe(201);
    const id = ((await created.json()) as { Id: number }).Id;
    const [request] = await receiver.waitFor(1);
    expect(request?.headers.authorization).toBe(hookBasic);
    expect(request?.headers['content-type']).toMatch(/^application\/json/);
    const message = messageOf(request as ReceivedRequest);
    expect(Object.keys(message).sort()).toEqual([
      'CustomerName',
      'Date',
      'Hash',
      'ObjectId',
      'ObjectType',
      'TriggerName',
    ]);
    expect(message).toMatchObject({
      CustomerName: customerName,
      ObjectId: id,
      ObjectType: 'planification.T_PLANIFICATION',
      TriggerName: 'Creation',
    });
    expect(new Date(message.Date).toISOString()).toBe(message.Date);
    expect(message.Hash).toBe(expectedHash(message));

    // The Object route names the same table.
    const object = (await (await api('GET', `/Object/${id}`)).json()) as { Type: string };
    expect(object.Type).toBe(message.ObjectType);

    // A deletion reports the session and each of the rows it takes with it.
    const row = await api('POST', '/PlanificationRessource', { PlanificationId: id, Reference: 101 });
    expect(row.status).toBe(201);
    await receiver.waitFor(2);
    expect((await api('DELETE', `/Planification(${id})`)).status).toBe(204);
    const all = (await receiver.waitFor(4)).map(messageOf);
    expect(
      all
        .slice(2)
        .map((m) => [m.ObjectType, m.TriggerName])
        .sort(),
    ).toEqual([
      ['planification.T_PLANIFICATION', 'Suppression'],
      ['planification.T_PLANIFICATION_RESSOURCE', 'Suppression'],
    ]);
    for (const m of all) expect(m.Hash).toBe(expectedHash(m));
    await sim.webhooks.settled();
    expect(sim.webhooks.deliveries().every((d) => d.state === 'delivered' && d.attempts.length === 1)).toBe(true);
  });

  it('registers and changes data through /__sim/, watching only the entities asked for', async () => {
    const registered = await admin(
      'POST',
      'webhooks',
      basicRegistration({ entities: ['Apprenant', 'contact.T_MAIL'] }),
    );
    expect(registered.status).toBe(201);
    expect(await registered.json()).toMatchObject({ entities: ['Apprenant', 'Mail'], authKind: 'basic' });

    expect((await admin('PATCH', 'records/Apprenant/101', { Nom: 'King' })).status).toBe(200);
    expect((await admin('PATCH', 'records/Planification/500', { Nom: 'Not watched' })).status).toBe(200);
    expect((await admin('POST', 'records/Mail', { Adresse: 'grace@example.org' })).status).toBe(201);
    expect((await admin('DELETE', 'records/Mail/201')).status).toBe(200);
    // Through the store as a test would, too.
    sim.store.patch('Apprenant', 101, { Prenoms: 'Ada' });
    const messages = (await receiver.waitFor(4)).map(messageOf);
    expect(messages.map((m) => `${m.ObjectType} ${m.ObjectId} ${m.TriggerName}`).sort()).toEqual(
      [
        'apprenant.T_APPRENANT 101 Modification',
        'apprenant.T_APPRENANT 101 Modification',
        `contact.T_MAIL ${messages.find((m) => m.TriggerName === 'Creation')?.ObjectId} Creation`,
        'contact.T_MAIL 201 Suppression',
      ].sort(),
    );
    for (const m of messages) expect(m.Hash).toBe(expectedHash(m));
    await sim.webhooks.settled();
    const log = (await (await admin('GET', 'webhooks/deliveries')).json()) as unknown[];
    expect(log).toHaveLength(4);
    expect(receiver.received).toHaveLength(4);
  });

  it('refuses a URL off loopback', async () => {
    expect(() => sim.registerWebhook({ ...basicRegistration(), url: 'https://example.com/hook' })).toThrow(/loopback/);
    const answer = await admin('POST', 'webhooks', { ...basicRegistration(), url: 'http://10.0.0.1/hook' });
    expect(answer.status).toBe(400);
    expect(await answer.text()).toMatch(/loopback/);
    expect(() =>
      sim.registerWebhook({
        ...basicRegistration(),
        auth: { kind: 'oauth', tokenUrl: 'http://192.168.1.1/token', clientId: 'a', clientSecret: 'b' },
      }),
    ).toThrow(/loopback/);
    expect(sim.webhooks.subscriptions()).toHaveLength(0);
  });

  it('authenticates with OAuth 2 client credentials and reuses the token until it expires', async () => {
    const clientBasic = `Basic ${Buffer.from('client-1:s3cret').toString('base64')}`;
    receiver.respond((request) =>
      request.path === '/token'
        ? request.headers.authorization === clientBasic && request.body === 'grant_type=client_credentials'
          ? { status: 200, body: { access_token: 'tok-1', token_type: 'Bearer', expires_in: 300 } }
          : { status: 401 }
        : { status: request.headers.authorization === 'Bearer tok-1' ? 200 : 401 },
    );
    sim.registerWebhook({
      url: `${receiver.url}/hook`,
      customerName,
      auth: { kind: 'oauth', tokenUrl: `${receiver.url}/token`, clientId: 'client-1', clientSecret: 's3cret' },
    });
    sim.store.patch('Apprenant', 101, { Nom: 'One' });
    sim.store.patch('Apprenant', 101, { Nom: 'Two' });
    await receiver.waitFor(2, '/hook');
    await sim.webhooks.settled();
    const tokenRequests = receiver.received.filter((r) => r.path === '/token');
    expect(tokenRequests).toHaveLength(1);
    expect(tokenRequests[0]?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(receiver.received.filter((r) => r.path === '/hook').map((r) => r.headers.authorization)).toEqual([
      'Bearer tok-1',
      'Bearer tok-1',
    ]);
    expect(sim.webhooks.deliveries().map((d) => d.state)).toEqual(['delivered', 'delivered']);
    expect(sim.webhooks.tokenRequests()).toMatchObject([{ status: 200 }]);
  });

  it('retries a message answered 500 later, and gives up after the last retry', async () => {
    let failures = 2;
    receiver.respond(() => (failures-- > 0 ? { status: 500 } : { status: 204 }));
    sim.registerWebhook(basicRegistration());
    sim.store.patch('Planification', 500, { Nom: 'Retried' });
    await receiver.waitFor(3);
    await sim.webhooks.settled();
    const [delivery] = sim.webhooks.deliveries();
    expect(delivery?.state).toBe('delivered');
    expect(delivery?.attempts.map((a) => a.status)).toEqual([500, 500, 204]);
    // The same message each time: no new date nor hash.
    expect(new Set(receiver.received.map((r) => r.body)).size).toBe(1);
    const [first, , third] = receiver.received;
    expect((third?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(30 + 60 - 5);

    sim.webhooks.takeDeliveries();
    receiver.respond(() => ({ status: 503 }));
    sim.store.patch('Planification', 500, { Nom: 'Lost' });
    await receiver.waitFor(3 + 4);
    await sim.webhooks.settled();
    expect(sim.webhooks.deliveries()).toMatchObject([{ state: 'failed' }]);
    expect(sim.webhooks.deliveries()[0]?.attempts).toHaveLength(4);
  });

  it('retries after a network failure', async () => {
    const port = Number(new URL(receiver.url).port);
    await receiver.close();
    sim.registerWebhook({ ...basicRegistration(), url: `http://127.0.0.1:${port}/hook` });
    sim.store.patch('Planification', 500, { Nom: 'Nobody home' });
    await sim.webhooks.settled();
    const [delivery] = sim.webhooks.deliveries();
    expect(delivery?.state).toBe('failed');
    expect(delivery?.attempts).toHaveLength(4);
    expect(delivery?.attempts[0]?.error).toBeTruthy();
    receiver = await startWebhookReceiver();
  });

  it('drops every message at dropShare 1 and about half at 0.5, reproducibly', async () => {
    sim.registerWebhook(basicRegistration({ dropShare: 1 }));
    for (let i = 0; i < 20; i++) sim.store.patch('Planification', 500, { Nom: `Drop ${i}` });
    await sim.webhooks.settled();
    expect(receiver.received).toHaveLength(0);
    expect(sim.webhooks.deliveries().every((d) => d.state === 'dropped')).toBe(true);

    const run = async () => {
      sim.webhooks.clear();
      sim.webhooks.takeDeliveries();
      sim.registerWebhook(basicRegistration({ dropShare: 0.5, seed: 42 }));
      for (let i = 0; i < 200; i++) sim.store.patch('Planification', 500, { Nom: `Half ${i}` });
      await sim.webhooks.settled();
      return sim.webhooks.deliveries().map((d) => d.state);
    };
    const first = await run();
    const delivered = first.filter((state) => state === 'delivered').length;
    expect(delivered).toBeGreaterThan(70);
    expect(delivered).toBeLessThan(130);
    expect(receiver.received).toHaveLength(delivered);
    expect(await run()).toEqual(first);
  });

  it('never slows the API answer', async () => {
    receiver.respond(() => ({ status: 200, hang: true }));
    sim.registerWebhook(basicRegistration());
    const started = Date.now();
    for (let i = 0; i < 5; i++) {
      const answer = await api('PUT', '/Apprenant(101)', { Nom: `Fast ${i}` });
      expect(answer.status).toBe(200);
    }
    expect(Date.now() - started).toBeLessThan(1_000);
    await receiver.waitFor(5);
  });
});
