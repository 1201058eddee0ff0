import { createHmac } from 'node:crypto';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { startWebhookReceiver } from '../shared/webhook-receiver.js';
import type { ReceivedRequest, WebhookReceiver } from '../shared/webhook-receiver.js';
import { startSandbox } from '../sandbox.js';
import { startEdusignSimulator } from './server.js';
import type { EdusignSimulator, EdusignWebhookRegistration } from './server.js';

const KEY = 'school-key';
const OTHER_KEY = 'other-key';
const SECRET = 'client-secret-0123';
const WAIT_MS = 300;

let sim: EdusignSimulator;
let receiver: WebhookReceiver;
let schoolId: string;

beforeEach(async () => {
  sim = await startEdusignSimulator({
    schools: [{ apiKey: KEY }, { apiKey: OTHER_KEY }],
    webhooks: { timeoutMs: WAIT_MS, seed: 3 },
  });
  schoolId = sim.school(KEY).id;
  receiver = await startWebhookReceiver();
});

afterEach(async () => {
  await receiver.close();
  await sim.close();
});

async function call(method: string, path: string, body?: unknown, key = KEY): Promise<Response> {
  return fetch(`${sim.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
}

async function result<T>(method: string, path: string, body?: unknown): Promise<T> {
  const answer = (await (await call(method, path, body)).json()) as { status: string; result: T };
  expect(answer.status).toBe('success');
  return answer.result;
}

async function newCourse(): Promise<{ course: string; student: string }> {
  const professor = await result<{ ID: string }>('POST', '/v1/professor', {
    professor: { FIRSTNAME: 'Grace', LASTNAME: 'Hopper', EMAIL: `grace${Math.random()}@example.org` },
    dontSendCredentials: true,
  });
  const student = await result<{ ID: string }>('POST', '/v1/student', {
    student: { FIRSTNAME: 'Ada', LASTNAME: 'Lovelace', EMAIL: `ada${Math.random()}@example.org` },
  });
  const course = await result<{ ID: string }>('POST', '/v1/course', {
    course: {
      NAME: 'Algebra',
      START: '2025-03-12T08:00:00Z',
      END: '2025-03-12T10:00:00Z',
      PROFESSOR: professor.ID,
      NEED_STUDENTS_SIGNATURE: true,
    },
  });
  return { course: course.ID, student: student.ID };
}

const registration = (extra: Partial<EdusignWebhookRegistration> = {}): EdusignWebhookRegistration => ({
  url: `${receiver.url}/edusign`,
  schoolId,
  appId: 'app-1',
  clientId: 'client-1',
  clientSecret: SECRET,
  ...extra,
});

const bodyOf = (request: ReceivedRequest) => JSON.parse(request.body) as Record<string, unknown>;

describe('Edusign simulator webhooks', () => {
  it('sends each course event with a verifiable HMAC and the school, app and client headers', async () => {
    sim.registerWebhook(registration());
    const { course, student } = await newCourse();
    await result('PUT', `/v1/course/attendance/${course}`, { studentId: student });
    const [created, edited] = await receiver.waitFor(2);
    for (const request of [created, edited] as ReceivedRequest[]) {
      const expected = createHmac('sha256', SECRET)
        .update(JSON.stringify(bodyOf(request)))
        .digest('hex');
      expect(request.headers['x-edusign-hmac']).toBe(expected);
      expect(request.headers['x-edusign-hmac']).toMatch(/^[0-9a-f]{64}$/);
      expect(request.headers['x-edusign-school-id']).toBe(schoolId);
      expect(request.headers['x-edusign-app-id']).toBe('app-1');
      expect(request.headers['x-edusign-client-id']).toBe('client-1');
      expect(request.headers['content-type']).toMatch(/^application\/json/);
    }
    expect(bodyOf(created as ReceivedRequest)).toEqual({ type: 'on_course_created', course: { ID: course } });
    expect(created?.headers['x-edusign-webhook-type']).toBe('on_course_created');
    expect(bodyOf(edited as ReceivedRequest)).toEqual({ type: 'on_course_edited', course: { ID: course } });

    // Through the web app: a signature, then the lock.
    expect((await call('POST', `/__sim/courses/${course}/sign`, { studentId: student })).status).toBe(200);
    expect((await call('POST', `/__sim/courses/${course}/lock`)).status).toBe(200);
    const [, , signed, locked] = await receiver.waitFor(4);
    expect(bodyOf(signed as ReceivedRequest)).toEqual({
      type: 'on_student_sign',
      course: { ID: course },
      student: { ID: student },
    });
    expect(bodyOf(locked as ReceivedRequest)).toEqual({ type: 'on_course_locked', course: { ID: course } });
    expect(locked?.headers['x-edusign-webhook-type']).toBe('on_course_locked');

    // Through the API: unlock (an edit), lock again, delete.
    await result('PATCH', `/v1/course/unlock/${course}`);
    await result('GET', `/v1/course/lock/${course}`);
    await result('PATCH', `/v1/course/unlock/${course}`);
    await result('DELETE', `/v1/course/${course}`);
    const all = await receiver.waitFor(8);
    expect(all.slice(4).map((request) => bodyOf(request)['type'])).toEqual([
      'on_course_edited',
      'on_course_locked',
      'on_course_edited',
      'on_course_deleted',
    ]);
    await sim.webhooks.settled();
    expect(sim.webhooks.deliveries().map((d) => d.state)).toEqual(Array(8).fill('delivered'));
    // Another school's changes do not reach this registration.
    const other = sim.school(OTHER_KEY);
    const professor = other.createProfessor({ FIRSTNAME: 'Alan', LASTNAME: 'Turing', EMAIL: 'alan@example.org' });
    other.createCourse({
      NAME: 'Other',
      START: '2025-03-12T08:00:00Z',
      END: '2025-03-12T09:00:00Z',
      PROFESSOR: professor.ID,
    });
    await sim.webhooks.settled();
    expect(receiver.received).toHaveLength(8);
    expect(sim.webhooks.deliveries()).toHaveLength(8);
  });

  it('registers through /__sim/webhooks for the key’s school and shows the log there', async () => {
    const answer = await call('POST', '/__sim/webhooks', { url: `${receiver.url}/hook`, clientSecret: SECRET });
    expect(answer.status).toBe(201);
    const registered = (await answer.json()) as { schoolId: string; events: string[] };
    expect(registered.schoolId).toBe(schoolId);
    expect(registered.events).toContain('on_course_locked');
    expect((await call('POST', '/__sim/webhooks', { ...registration(), schoolId: 'another' })).status).toBe(400);
    const { course } = await newCourse();
    await receiver.waitFor(1);
    await sim.webhooks.settled();
    const log = (await (await call('GET', '/__sim/webhooks/deliveries')).json()) as Array<Record<string, unknown>>;
    expect(log).toMatchObject([
      { state: 'delivered', status: 200, body: { type: 'on_course_created', course: { ID: course } } },
    ]);
    expect(await (await call('GET', '/__sim/webhooks/deliveries', undefined, OTHER_KEY)).json()).toEqual([]);
    expect(receiver.received[0]?.headers['x-edusign-app-id']).toBeUndefined();
  });

  it('refuses a URL off loopback and an unknown school', async () => {
    expect(() => sim.registerWebhook(registration({ url: 'https://example.com/hook' }))).toThrow(/loopback/);
    const refused = await call('POST', '/__sim/webhooks', { url: 'http://169.254.169.254/', clientSecret: SECRET });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toMatch(/loopback/);
    expect(() => sim.registerWebhook(registration({ schoolId: 'nope' }))).toThrow(/no school/);
    expect(sim.webhooks.subscriptions()).toHaveLength(0);
  });

  it('never retries a failed delivery', async () => {
    receiver.respond(() => ({ status: 500 }));
    sim.registerWebhook(registration());
    await newCourse();
    await receiver.waitFor(1);
    await sim.webhooks.settled();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(receiver.received).toHaveLength(1);
    expect(sim.webhooks.deliveries()).toMatchObject([{ state: 'failed', status: 500 }]);
  });

  it('abandons a receiver that does not answer within the wait, without slowing the API', async () => {
    receiver.respond(() => ({ status: 200, hang: true }));
    sim.registerWebhook(registration());
    const started = Date.now();
    const { course } = await newCourse();
    expect(Date.now() - started).toBeLessThan(WAIT_MS);
    await receiver.waitFor(1);
    await sim.webhooks.settled();
    const [delivery] = sim.webhooks.deliveries();
    expect(delivery).toMatchObject({ state: 'abandoned', body: { course: { ID: course } } });
    expect(delivery?.durationMs).toBeGreaterThanOrEqual(WAIT_MS - 20);
    expect(delivery?.durationMs).toBeLessThan(WAIT_MS + 1_000);
    expect(receiver.received).toHaveLength(1);
  });

  it('drops every event at dropShare 1 and about half at 0.5, reproducibly', async () => {
    sim.registerWebhook(registration({ dropShare: 1 }));
    const { course } = await newCourse();
    const edit = { course: { ID: course, NEED_STUDENTS_SIGNATURE: true }, editSurveys: false };
    for (let i = 0; i < 10; i++) await result('PATCH', `/v1/course`, edit);
    await sim.webhooks.settled();
    expect(receiver.received).toHaveLength(0);
    expect(sim.webhooks.deliveries().every((d) => d.state === 'dropped')).toBe(true);

    const run = async () => {
      sim.webhooks.clear();
      sim.webhooks.takeDeliveries();
      sim.registerWebhook(registration({ dropShare: 0.5, seed: 9 }));
      for (let i = 0; i < 100; i++) {
        await result('PATCH', `/v1/course`, edit);
      }
      await sim.webhooks.settled();
      return sim.webhooks.deliveries().map((d) => d.state);
    };
    const before = receiver.received.length;
    const first = await run();
    const delivered = first.filter((state) => state === 'delivered').length;
    expect(delivered).toBeGreaterThan(30);
    expect(delivered).toBeLessThan(70);
    expect(receiver.received.length - before).toBe(delivered);
    expect(await run()).toEqual(first);
  });
});

describe('the sandbox', () => {
  it('registers both simulators’ webhooks, the Edusign one for its school by default', async () => {
    const sandbox = await startSandbox({
      size: 'small',
      webhooks: { aimaira: { retryDelaysMs: [10] }, edusign: { timeoutMs: WAIT_MS } },
    });
    try {
      sandbox.registerAimairaWebhook({
        url: `${receiver.url}/aimaira`,
        customerName: 'Sandbox',
        auth: { kind: 'basic', username: 'u', password: 'p' },
        entities: ['Planification'],
      });
      const registered = sandbox.registerEdusignWebhook({ url: `${receiver.url}/edusign`, clientSecret: SECRET });
      const school = sandbox.edusign.school(sandbox.scenario.credentials.edusign.apiKey);
      expect(registered.schoolId).toBe(school.id);

      const session = sandbox.aimaira.store.list('Planification')[0];
      sandbox.aimaira.store.patch('Planification', session?.['Id'] as number, { Nom: 'Moved' });
      const professor = school.createProfessor({ FIRSTNAME: 'Ada', LASTNAME: 'L', EMAIL: 'ada.sandbox@example.org' });
      const course = school.createCourse({
        NAME: 'Sandbox',
        START: '2025-03-12T08:00:00Z',
        END: '2025-03-12T09:00:00Z',
        PROFESSOR: professor.ID,
      });
      school.lock(course.ID);
      await receiver.waitFor(1, '/aimaira');
      const edusign = await receiver.waitFor(2, '/edusign');
      expect(edusign.map((request) => bodyOf(request)['type'])).toEqual(['on_course_created', 'on_course_locked']);
      expect(bodyOf(receiver.received.find((r) => r.path === '/aimaira') as ReceivedRequest)).toMatchObject({
        ObjectId: session?.['Id'],
        ObjectType: 'planification.T_PLANIFICATION',
        TriggerName: 'Modification',
      });
    } finally {
      await sandbox.close();
    }
  });
});
