/**
 * The Edusign client against the real simulator on a loopback port: envelope, business errors, paging, the rate
 * limiter, and every fault the shared shell can inject. Time is a manual clock, so every wait is recorded.
 */
import { describe, expect, it, onTestFinished } from 'vitest';

import { startEdusignSimulator } from '../../sim/edusign/server.js';
import type { EdusignSimulator } from '../../sim/edusign/server.js';
import { createManualClock } from '../clock.js';
import type { ManualClock } from '../clock.js';
import { HttpStatusError, NetworkError } from '../errors.js';
import { createRateLimiter } from '../http/rate-limiter.js';
import type { RateLimiter } from '../http/rate-limiter.js';
import type { Exchange } from '../http/transport.js';
import { collectPages, createEdusignClient } from './client.js';
import type { EdusignClient } from './client.js';
import { isEdusignBusinessError } from './errors.js';

const T0 = Date.parse('2026-01-05T08:00:00Z'); // Monday 08:00 UTC
const apiKey = 'school-key-1';

interface Setup {
  sim: EdusignSimulator;
  client: EdusignClient;
  clock: ManualClock;
  exchanges: Array<Exchange & { at: number }>;
}

async function setup(
  options: { timeoutMs?: number; maxAttempts?: number; limiter?: RateLimiter } = {},
): Promise<Setup> {
  const clock = createManualClock(T0);
  const sim = await startEdusignSimulator({ schools: [{ apiKey }], now: () => new Date(clock.now()) });
  onTestFinished(() => sim.close());
  const exchanges: Setup['exchanges'] = [];
  const client = createEdusignClient({
    baseUrl: sim.url,
    apiKey,
    clock,
    random: () => 0.5,
    timeoutMs: options.timeoutMs ?? 5_000,
    ...(options.maxAttempts !== undefined && { retry: { maxAttempts: options.maxAttempts } }),
    ...(options.limiter !== undefined && { limiter: options.limiter }),
    // The manual clock only moves when something sleeps, so `now` here is when the attempt started.
    onExchange: (exchange) => exchanges.push({ ...exchange, at: clock.now() }),
  });
  return { sim, client, clock, exchanges };
}

const learner = (n: number, apiId?: string) => ({
  FIRSTNAME: `Learner${n}`,
  LASTNAME: 'Martin',
  EMAIL: `learner${n}@example.org`,
  ...(apiId !== undefined && { API_ID: apiId, API_TYPE: 'aimaira' }),
});

const requestsTo = (sim: EdusignSimulator, method: string, path: string | RegExp) =>
  sim.requests.filter((r) => r.method === method && (typeof path === 'string' ? r.path === path : path.test(r.path)));

async function facilitator(client: EdusignClient, n = 1): Promise<string> {
  const created = await client.professors.create({
    FIRSTNAME: `Prof${n}`,
    LASTNAME: 'Durand',
    EMAIL: `prof${n}@example.org`,
    API_ID: `ENS-${n}`,
  });
  return created.id;
}

describe('records through the envelope', () => {
  it('creates, reads, updates and archives a learner', async () => {
    const { client, sim } = await setup();
    const created = await client.students.create(learner(1, 'APP-1'));
    expect(created.recovered).toBe(false);

    await client.students.update({ ID: created.id, FIRSTNAME: 'Learner1', LASTNAME: 'Bernard' });
    expect(await client.students.get(created.id)).toMatchObject({
      ID: created.id,
      LASTNAME: 'Bernard',
      API_ID: 'APP-1',
      HIDDEN: false,
    });
    expect(await client.students.getByEmail('learner1@example.org')).toMatchObject({ ID: created.id });
    expect(await client.students.getIdByApiId('APP-1')).toBe(created.id);

    await client.students.archive(created.id);
    expect((await client.students.get(created.id))?.HIDDEN).toBe(true);
    await client.students.restore(created.id);
    expect((await client.students.get(created.id))?.HIDDEN).toBe(false);
    // The connector asked for no credentials e-mail.
    expect(sim.school(apiKey).credentialEmails()).toEqual([]);
  });

  it('creates a group, finds it by API_ID through the list, and replaces its members', async () => {
    const { client } = await setup();
    const a = await client.students.create(learner(1, 'APP-1'));
    const b = await client.students.create(learner(2, 'APP-2'));
    const group = await client.groups.create({ NAME: 'BTS 1', STUDENTS: [a.id], API_ID: 'GRP-1' });
    expect(await client.groups.getIdByApiId('GRP-1')).toBe(group.id);
    expect(await client.groups.getIdByApiId('GRP-404')).toBeUndefined();

    await client.groups.update({ ID: group.id, NAME: 'BTS 1', STUDENTS: [b.id] });
    expect((await client.groups.get(group.id))?.STUDENTS).toEqual([b.id]);
  });

  it('creates tutors as externals and links them to a learner', async () => {
    const { client } = await setup();
    const tutor = await client.externals.create({
      FIRSTNAME: 'T',
      LASTNAME: 'Petit',
      EMAIL: 't@example.org',
      API_ID: 'PRO-1',
    });
    expect(await client.externals.getIdByApiId('PRO-1')).toBe(tutor.id);
    expect((await client.externals.getByEmail('T@example.org'))?.ID).toBe(tutor.id);
    await client.externals.update({ ID: tutor.id, LASTNAME: 'Grand' });
    expect(await client.externals.get(tutor.id)).toMatchObject({ LASTNAME: 'Grand', API_ID: 'PRO-1' });

    const student = await client.students.create(learner(1, 'APP-1'));
    await client.students.update({
      ID: student.id,
      FIRSTNAME: 'Learner1',
      LASTNAME: 'Martin',
      STUDENT_FOLLOWER_ID: [tutor.id],
    });
    expect((await client.students.get(student.id))?.STUDENT_FOLLOWER_ID).toEqual([tutor.id]);
  });

  it('creates a sheet from groups and reads its attendance back once locked', async () => {
    const { client, sim } = await setup();
    const profId = await facilitator(client);
    const a = await client.students.create(learner(1, 'APP-1'));
    const b = await client.students.create(learner(2, 'APP-2'));
    const c = await client.students.create(learner(3, 'APP-3'));
    const group = await client.groups.create({ NAME: 'BTS 1', STUDENTS: [a.id, b.id], API_ID: 'GRP-1' });
    const sheet = await client.courses.create({
      NAME: 'Maths',
      START: '2026-01-05T08:00:00Z',
      END: '2026-01-05T12:00:00Z',
      PROFESSOR: profId,
      NEED_STUDENTS_SIGNATURE: true,
      CLASSROOM: 'B12',
      SCHOOL_GROUP: [group.id],
      API_ID: 'PLA-1',
      API_TYPE: 'aimaira',
    });
    await client.courses.addStudent(sheet.id, c.id);
    expect(await client.courses.getIdByApiId('PLA-1')).toBe(sheet.id);

    // People in the web app: a signs late and leaves early, b never signs, c is excluded.
    const web = sim.school(apiKey);
    web.sign(sheet.id, a.id, '2026-01-05T08:10:00Z');
    web.setDelay(sheet.id, a.id, 10);
    web.setEarlyDeparture(sheet.id, a.id, '2026-01-05T11:00:00+01:00');
    web.exclude(sheet.id, c.id, '2026-01-05T09:00:00Z');
    const lock = await client.courses.lock(sheet.id);
    expect(lock.link).toMatch(/\.pdf$/);

    const locked = await collectPages(
      client.courses.list({ start: '2026-01-05', end: '2026-01-05', filters: ['locked'] }),
    );
    expect(locked.map((course) => course.ID)).toEqual([sheet.id]);
    const [course] = locked;
    expect(course?.LOCKED).toBe(true);
    expect(course?.ATTENDANCE_LIST_GENERATED).toBe(lock.link);
    const rows = new Map(course?.STUDENTS.map((row) => [row.studentId, row]));
    expect(rows.get(a.id)).toMatchObject({
      state: true,
      timestamp: '2026-01-05T08:10:00.000Z',
      delay: 10,
      earlyDeparture: '2026-01-05T10:00:00.000Z',
      excluded: undefined,
    });
    expect(rows.get(b.id)).toMatchObject({ state: false, delay: 0, timestamp: undefined });
    // Edusign leaves the key out when the learner did not leave early: read as none.
    expect(rows.get(b.id)?.earlyDeparture).toBeUndefined();
    expect(rows.get(c.id)?.excluded).toBe('2026-01-05T09:00:00.000Z');
    expect(
      await collectPages(client.courses.list({ start: '2026-01-05', end: '2026-01-05', filters: ['unlocked'] })),
    ).toEqual([]);

    await client.courses.unlock(sheet.id);
    await client.courses.update({ ID: sheet.id, NEED_STUDENTS_SIGNATURE: true, CLASSROOM: 'C3' });
    expect((await client.courses.get(sheet.id))?.CLASSROOM).toBe('C3');
    await client.courses.delete(sheet.id);
    expect(await client.courses.get(sheet.id)).toBeUndefined();
  });
});

describe('business errors at HTTP 200', () => {
  it('says a facilitator e-mail is already used as PROFESSOR_EXISTS', async () => {
    const { client } = await setup();
    await facilitator(client, 1);
    const error: unknown = await client.professors
      .create({ FIRSTNAME: 'Other', LASTNAME: 'Name', EMAIL: 'PROF1@example.org', API_ID: 'ENS-9' })
      .catch((e: unknown) => e);
    expect(isEdusignBusinessError(error, 'PROFESSOR_EXISTS')).toBe(true);
  });

  it('says a learner e-mail is already used as STUDENT_EXISTS', async () => {
    const { client } = await setup();
    await client.students.create(learner(1, 'APP-1'));
    await expect(client.students.create(learner(1, 'APP-9'))).rejects.toMatchObject({ code: 'STUDENT_EXISTS' });
  });

  it('says a learner already on the sheet as STUDENT_ALREADY_IN_LIST, and one not on it as STUDENT_NOT_IN_LIST', async () => {
    const { client } = await setup();
    const profId = await facilitator(client);
    const a = await client.students.create(learner(1, 'APP-1'));
    const sheet = await client.courses.create({
      NAME: 'Maths',
      START: '2026-01-05T08:00:00Z',
      END: '2026-01-05T10:00:00Z',
      PROFESSOR: profId,
      NEED_STUDENTS_SIGNATURE: true,
      API_ID: 'PLA-1',
    });
    await client.courses.addStudent(sheet.id, a.id);
    await expect(client.courses.addStudent(sheet.id, a.id)).rejects.toMatchObject({ code: 'STUDENT_ALREADY_IN_LIST' });
    await client.courses.removeStudent(sheet.id, a.id);
    await expect(client.courses.removeStudent(sheet.id, a.id)).rejects.toMatchObject({ code: 'STUDENT_NOT_IN_LIST' });
  });

  it('says a change to a locked sheet is COURSE_LOCKED and a second lock COURSE_ALREADY_LOCKED', async () => {
    const { client, sim } = await setup();
    const profId = await facilitator(client);
    const sheet = await client.courses.create({
      NAME: 'Maths',
      START: '2026-01-05T08:00:00Z',
      END: '2026-01-05T10:00:00Z',
      PROFESSOR: profId,
      NEED_STUDENTS_SIGNATURE: true,
      API_ID: 'PLA-1',
    });
    sim.school(apiKey).lock(sheet.id);
    const error: unknown = await client.courses
      .update({ ID: sheet.id, NEED_STUDENTS_SIGNATURE: true, NAME: 'Physics' })
      .catch((e: unknown) => e);
    expect(isEdusignBusinessError(error, 'COURSE_LOCKED')).toBe(true);
    expect(String(error)).toContain('course locked');
    await expect(client.courses.lock(sheet.id)).rejects.toMatchObject({ code: 'COURSE_ALREADY_LOCKED' });
  });

  it('answers undefined, not an error, for every look-up of something that does not exist', async () => {
    const { client } = await setup();
    expect(await client.students.get('nope')).toBeUndefined();
    expect(await client.students.getByEmail('nobody@example.org')).toBeUndefined();
    expect(await client.students.getIdByApiId('APP-404')).toBeUndefined();
    expect(await client.professors.get('nope')).toBeUndefined();
    expect(await client.professors.getByEmail('nobody@example.org')).toBeUndefined();
    expect(await client.professors.getIdByApiId('ENS-404')).toBeUndefined();
    expect(await client.groups.get('nope')).toBeUndefined();
    expect(await client.courses.get('nope')).toBeUndefined();
    expect(await client.courses.getIdByApiId('PLA-404')).toBeUndefined();
    expect(await client.externals.get('nope')).toBeUndefined();
    expect(await client.externals.getByEmail('nobody@example.org')).toBeUndefined();
    expect(await client.externals.getIdByApiId('PRO-404')).toBeUndefined();
    expect(await client.groups.getIdByApiId('GRP-404')).toBeUndefined();
  });

  it('keeps not-found a typed error for writes', async () => {
    const { client } = await setup();
    await expect(client.courses.delete('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(client.students.archive('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('reads a list of validation messages as VALIDATION', async () => {
    const { client } = await setup();
    const error: unknown = await client.students
      .create({ FIRSTNAME: 'A', LASTNAME: 'B', EMAIL: 'not-an-email', API_ID: 'APP-1' })
      .catch((e: unknown) => e);
    expect(isEdusignBusinessError(error, 'VALIDATION')).toBe(true);
    expect(String(error)).toContain('EMAIL');
  });
});

describe('paging', () => {
  it('reads 250 learners once each, from pages 0, 1 and 2 of 100 asked with limit, until the empty page 3', async () => {
    const { client, sim } = await setup();
    const web = sim.school(apiKey);
    for (let n = 1; n <= 250; n++) web.createStudent(learner(n));
    const pages: number[] = [];
    for await (const page of client.students.list()) pages.push(page.length);
    expect(pages).toEqual([100, 100, 50]);
    const all = await collectPages(client.students.list());
    expect(new Set(all.map((s) => s.ID)).size).toBe(250);
    const pass = ['?limit=100&page=0', '?limit=100&page=1', '?limit=100&page=2', '?limit=100&page=3'];
    expect(requestsTo(sim, 'GET', '/v1/student').map((r) => r.search)).toEqual([...pass, ...pass]);
  });

  it('reads 85 sheets in pages of 40 (0, 1, 2) and stops on the empty page 3, also at an exact multiple', async () => {
    const { client, sim } = await setup();
    const web = sim.school(apiKey);
    const prof = web.createProfessor({ FIRSTNAME: 'P', LASTNAME: 'Q', EMAIL: 'p@example.org' });
    for (let n = 0; n < 85; n++) {
      const start = new Date(Date.UTC(2026, 0, 5 + (n % 20), 8 + (n % 8)));
      web.createCourse({
        NAME: `Course ${n}`,
        START: start.toISOString(),
        END: new Date(start.getTime() + 3_600_000).toISOString(),
        PROFESSOR: prof.ID,
      });
    }
    const all = await collectPages(client.courses.list({ start: '2026-01-01', end: '2026-03-31' }));
    expect(all).toHaveLength(85);
    expect(new Set(all.map((c) => c.ID)).size).toBe(85);
    expect(requestsTo(sim, 'GET', '/v1/course').map((r) => new URLSearchParams(r.search).get('page'))).toEqual([
      '0',
      '1',
      '2',
      '3',
    ]);

    for (let n = 85; n < 120; n++) {
      web.createCourse({
        NAME: `Extra ${n}`,
        START: '2026-02-02T08:00:00Z',
        END: '2026-02-02T09:00:00Z',
        PROFESSOR: prof.ID,
      });
    }
    sim.requests.length = 0;
    expect(await collectPages(client.courses.list({ start: '2026-01-01', end: '2026-03-31' }))).toHaveLength(120);
    expect(requestsTo(sim, 'GET', '/v1/course')).toHaveLength(4);
  });

  it('reads professors and groups the same way', async () => {
    const { client, sim } = await setup();
    const web = sim.school(apiKey);
    for (let n = 1; n <= 101; n++) {
      web.createProfessor({ FIRSTNAME: 'P', LASTNAME: `${n}`, EMAIL: `p${n}@example.org` });
    }
    for (let n = 1; n <= 3; n++) web.createGroup({ NAME: `G${n}` });
    expect(await collectPages(client.professors.list())).toHaveLength(101);
    expect(await collectPages(client.groups.list())).toHaveLength(3);
  });
});

describe('faults', () => {
  it('honours a 429 Retry-After given in seconds', async () => {
    const { client, sim, clock } = await setup();
    const created = await client.students.create(learner(1, 'APP-1'));
    sim.faults.add({ kind: 'rate-limit', method: 'GET', path: '/v1/student/', times: 1, retryAfter: '3' });
    expect(await client.students.get(created.id)).toMatchObject({ ID: created.id });
    expect(clock.sleeps).toEqual([3_000]);
    expect(requestsTo(sim, 'GET', `/v1/student/${created.id}`).map((r) => r.status)).toEqual([429, 200]);
  });

  it('honours a 429 Retry-After given as an HTTP date', async () => {
    const { client, sim, clock } = await setup();
    sim.faults.add({
      kind: 'rate-limit',
      method: 'GET',
      path: '/v1/course',
      times: 1,
      retryAfter: new Date(T0 + 7_000).toUTCString(),
    });
    expect(await collectPages(client.courses.list({ start: '2026-01-01', end: '2026-01-31' }))).toEqual([]);
    expect(clock.sleeps).toHaveLength(1);
    expect(clock.sleeps[0]).toBeGreaterThanOrEqual(7_000);
  });

  it('lets a 429 create through the transport retry: nothing was written, so no look-up is needed', async () => {
    const { client, sim } = await setup();
    sim.faults.add({ kind: 'rate-limit', method: 'POST', path: '/v1/student', times: 1, retryAfter: '1' });
    const created = await client.students.create(learner(1, 'APP-1'));
    expect(created.recovered).toBe(false);
    expect(requestsTo(sim, 'POST', '/v1/student').map((r) => r.status)).toEqual([429, 200]);
    expect(requestsTo(sim, 'GET', /get-id/)).toHaveLength(0);
  });

  it('retries a 5xx on a GET with backoff', async () => {
    const { client, sim, clock } = await setup();
    const created = await client.students.create(learner(1, 'APP-1'));
    sim.faults.add({ kind: 'server-error', method: 'GET', path: '/v1/student/', times: 2, status: 503 });
    expect(await client.students.get(created.id)).toMatchObject({ ID: created.id });
    expect(requestsTo(sim, 'GET', `/v1/student/${created.id}`).map((r) => r.status)).toEqual([503, 503, 200]);
    // Full jitter with random() = 0.5: half of 500 ms, then half of 1 s.
    expect(clock.sleeps).toEqual([250, 500]);
  });

  it('turns an HTML 502 page into an HTTP error with a readable excerpt', async () => {
    const { client, sim } = await setup({ maxAttempts: 2 });
    sim.faults.add({ kind: 'html-error', method: 'GET', path: '/v1/group' });
    const error: unknown = await collectPages(client.groups.list()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpStatusError);
    const http = error as HttpStatusError;
    expect(http.status).toBe(502);
    expect(http.bodyExcerpt).toBe('502 Bad Gateway nginx');
    expect(http.message).toBe(`edusign GET ${sim.url}/v1/group?page failed with HTTP 502: 502 Bad Gateway nginx`);
    expect(requestsTo(sim, 'GET', '/v1/group')).toHaveLength(2);
  });

  it('cuts a hung request with the timeout and tries again', async () => {
    const { client, sim } = await setup({ timeoutMs: 200 });
    const created = await client.students.create(learner(1, 'APP-1'));
    sim.faults.add({ kind: 'hang', method: 'GET', path: '/v1/student/', times: 1 });
    expect(await client.students.get(created.id)).toMatchObject({ ID: created.id });
    expect(requestsTo(sim, 'GET', `/v1/student/${created.id}`)).toHaveLength(2);
  });

  it('gives up on a server that always hangs with a timeout error', async () => {
    const { client, sim } = await setup({ timeoutMs: 200, maxAttempts: 2 });
    sim.faults.add({ kind: 'hang', method: 'GET', path: '/v1/professor' });
    const error: unknown = await collectPages(client.professors.list()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).reason).toBe('timeout');
  });

  it('retries a GET whose JSON answer was cut short', async () => {
    const { client, sim } = await setup();
    const created = await client.students.create(learner(1, 'APP-1'));
    sim.faults.add({ kind: 'truncated-json', method: 'GET', path: '/v1/student/', times: 1 });
    expect(await client.students.get(created.id)).toMatchObject({ ID: created.id });
    expect(requestsTo(sim, 'GET', `/v1/student/${created.id}`)).toHaveLength(2);
  });

  it('answers 401 with a typed error that does not show the key', async () => {
    const { sim } = await setup();
    const stranger = createEdusignClient({ baseUrl: sim.url, apiKey: 'wrong-key-42', clock: createManualClock(T0) });
    const error: unknown = await stranger.students.get('x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpStatusError);
    expect((error as HttpStatusError).status).toBe(401);
    expect(String(error)).toContain('failed with HTTP 401: Unauthorized');
    expect(String(error)).not.toContain('wrong-key-42');
    expect(String(error)).not.toContain(apiKey);
    // Not retried: a bad key stays bad.
    expect(sim.requests).toHaveLength(1);
  });

  it('reads an unknown route as an HTTP 404 with the text of the page', async () => {
    const { sim } = await setup();
    const client = createEdusignClient({ baseUrl: `${sim.url}/v9`, apiKey, clock: createManualClock(T0) });
    const error: unknown = await client.students.get('x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpStatusError);
    expect((error as HttpStatusError).status).toBe(404);
    expect((error as HttpStatusError).bodyExcerpt).toBe('Cannot GET /v9/v1/student/x');
  });
});

describe('creates after an ambiguous failure', () => {
  it('does not make a second learner when the connection was reset after the write', async () => {
    const { client, sim } = await setup();
    sim.faults.add({ kind: 'reset-after-write', method: 'POST', path: '/v1/student', times: 1 });
    const created = await client.students.create(learner(1, 'APP-1'));

    const withApiId = sim
      .school(apiKey)
      .students()
      .filter((s) => s.API_ID === 'APP-1');
    expect(withApiId).toHaveLength(1);
    expect(created).toEqual({ id: withApiId[0]?.ID, recovered: true });
    expect(requestsTo(sim, 'POST', '/v1/student')).toHaveLength(1);
    expect(requestsTo(sim, 'GET', '/v1/student/get-id/APP-1')).toHaveLength(1);
  });

  it('looks a sheet up after a 5xx on its create, finds nothing, and creates it once', async () => {
    const { client, sim, clock } = await setup();
    const profId = await facilitator(client);
    sim.faults.add({ kind: 'server-error', method: 'POST', path: '/v1/course', times: 1, status: 500 });
    const created = await client.courses.create({
      NAME: 'Maths',
      START: '2026-01-05T08:00:00Z',
      END: '2026-01-05T10:00:00Z',
      PROFESSOR: profId,
      NEED_STUDENTS_SIGNATURE: true,
      API_ID: 'PLA-1',
    });
    expect(created.recovered).toBe(false);
    expect(
      sim
        .school(apiKey)
        .courses()
        .filter((c) => c.API_ID === 'PLA-1'),
    ).toHaveLength(1);
    expect(
      sim.requests.filter((r) => r.path.startsWith('/v1/course')).map((r) => `${r.method} ${r.path} ${r.status}`),
    ).toEqual(['POST /v1/course 500', 'GET /v1/course/get-id/PLA-1 200', 'POST /v1/course 200']);
    // One backoff before the look-up.
    expect(clock.sleeps).toEqual([250]);
  });

  it('recovers a facilitator whose answer was cut short', async () => {
    const { client, sim } = await setup();
    sim.faults.add({ kind: 'truncated-json', method: 'POST', path: '/v1/professor', times: 1 });
    const created = await client.professors.create({
      FIRSTNAME: 'P',
      LASTNAME: 'Q',
      EMAIL: 'p@example.org',
      API_ID: 'ENS-1',
    });
    expect(created.recovered).toBe(true);
    expect(sim.school(apiKey).professors()).toHaveLength(1);
    expect(requestsTo(sim, 'POST', '/v1/professor')).toHaveLength(1);
  });

  it('recovers a group by its get-id route', async () => {
    const { client, sim } = await setup();
    sim.faults.add({ kind: 'reset-after-write', method: 'POST', path: '/v1/group', times: 1 });
    const created = await client.groups.create({ NAME: 'BTS 1', API_ID: 'GRP-1' });
    expect(created.recovered).toBe(true);
    expect(
      sim
        .school(apiKey)
        .groups()
        .map((g) => g.ID),
    ).toEqual([created.id]);
    expect(requestsTo(sim, 'GET', '/v1/group/get-id/GRP-1')).toHaveLength(1);
    expect(requestsTo(sim, 'GET', '/v1/group')).toHaveLength(0);
  });

  it('recovers a group through the list when the server has no group get-id', async () => {
    const { client, sim } = await setup();
    sim.setRoutePresent('group-get-id', false);
    sim.faults.add({ kind: 'reset-after-write', method: 'POST', path: '/v1/group', times: 1 });
    const created = await client.groups.create({ NAME: 'BTS 1', API_ID: 'GRP-1' });
    expect(created.recovered).toBe(true);
    expect(sim.school(apiKey).groups()).toHaveLength(1);
    expect(requestsTo(sim, 'GET', '/v1/group')).toHaveLength(1);
  });

  it('recovers a tutor after a reset', async () => {
    const { client, sim } = await setup();
    sim.faults.add({ kind: 'reset-after-write', method: 'POST', path: '/v1/externals', times: 1 });
    const created = await client.externals.create({
      FIRSTNAME: 'T',
      LASTNAME: 'U',
      EMAIL: 't@example.org',
      API_ID: 'PRO-1',
    });
    expect(created.recovered).toBe(true);
    expect(sim.school(apiKey).externals()).toHaveLength(1);
  });

  it('creates again after a hung create that never reached the state', async () => {
    const { client, sim } = await setup({ timeoutMs: 200 });
    sim.faults.add({ kind: 'hang', method: 'POST', path: '/v1/student', times: 1 });
    const created = await client.students.create(learner(1, 'APP-1'));
    expect(created.recovered).toBe(false);
    expect(sim.school(apiKey).students()).toHaveLength(1);
    expect(requestsTo(sim, 'POST', '/v1/student')).toHaveLength(2);
  });

  it('gives up after a bounded number of rounds', async () => {
    const { client, sim } = await setup();
    sim.faults.add({ kind: 'server-error', method: 'POST', path: '/v1/student', status: 503 });
    const error: unknown = await client.students.create(learner(1, 'APP-1')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpStatusError);
    expect(requestsTo(sim, 'POST', '/v1/student')).toHaveLength(3);
    expect(requestsTo(sim, 'GET', /get-id/)).toHaveLength(2);
    expect(sim.school(apiKey).students()).toHaveLength(0);
  });

  it('does not send a create without API_ID again after an ambiguous failure', async () => {
    const { client, sim } = await setup();
    sim.faults.add({ kind: 'reset-after-write', method: 'POST', path: '/v1/student', times: 1 });
    const error: unknown = await client.students.create(learner(1)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).ambiguous).toBe(true);
    expect(requestsTo(sim, 'POST', '/v1/student')).toHaveLength(1);
    expect(requestsTo(sim, 'GET', /get-id/)).toHaveLength(0);
    // The write did happen: telling that apart is the caller's business (by e-mail, say).
    expect(sim.school(apiKey).students()).toHaveLength(1);
  });
});

describe('rate limiting', () => {
  it('keeps requests under the limit, waiting on the clock', async () => {
    const clock = createManualClock(T0);
    const limiter = createRateLimiter({ limit: 5, windowMs: 1_000, clock });
    const sim = await startEdusignSimulator({ schools: [{ apiKey }], now: () => new Date(clock.now()) });
    onTestFinished(() => sim.close());
    const starts: number[] = [];
    const client = createEdusignClient({
      baseUrl: sim.url,
      apiKey,
      clock,
      limiter,
      onExchange: () => starts.push(clock.now()),
    });
    for (let n = 0; n < 12; n++) await client.students.getIdByApiId(`APP-${n}`);

    expect(starts).toHaveLength(12);
    for (let i = 5; i < starts.length; i++) {
      expect((starts[i] ?? 0) - (starts[i - 5] ?? 0)).toBeGreaterThanOrEqual(1_000);
    }
    expect(clock.sleeps).toEqual([1_000, 1_000]);
    const at = (offsetMs: number, count: number): number[] => Array.from({ length: count }, () => T0 + offsetMs);
    expect(starts).toEqual([...at(0, 5), ...at(1_000, 5), ...at(2_000, 2)]);
  });

  it('shares one limiter between every client of a school', async () => {
    const clock = createManualClock(T0);
    const limiter = createRateLimiter({ limit: 5, windowMs: 1_000, clock });
    const sim = await startEdusignSimulator({ schools: [{ apiKey }], now: () => new Date(clock.now()) });
    onTestFinished(() => sim.close());
    const one = createEdusignClient({ baseUrl: sim.url, apiKey, clock, limiter });
    const two = createEdusignClient({ baseUrl: sim.url, apiKey, clock, limiter });
    await Promise.all(
      Array.from({ length: 10 }, (_, n) => (n % 2 === 0 ? one : two).students.getIdByApiId(`APP-${n}`)),
    );
    expect(clock.sleeps).toEqual([1_000]);
  });

  it('uses a limiter of its own at Edusign’s per-minute rate by default', async () => {
    const { client, clock } = await setup();
    for (let n = 0; n < 20; n++) await client.students.getIdByApiId(`APP-${n}`);
    expect(clock.sleeps).toEqual([]);
  });
});
