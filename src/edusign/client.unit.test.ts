import { describe, expect, it } from 'vitest';

import { createManualClock } from '../clock.js';
import { ConfigError, HttpStatusError, ResponseShapeError } from '../errors.js';
import { htmlToText } from '../errors.js';
import { createEdusignClient } from './client.js';
import { EdusignNotEnvelopeError, isEdusignBusinessError, isRouteMissing } from './errors.js';

const T0 = Date.parse('2026-01-05T08:00:00Z');

interface SentRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

/** A fetch that answers from a list and records what it was sent. */
function scriptedFetch(answers: Array<() => Response>) {
  const sent: SentRequest[] = [];
  const fetchImpl: typeof fetch = (input, init) => {
    const headers = Object.fromEntries(new Headers(init?.headers).entries());
    const raw = init?.body;
    sent.push({
      method: init?.method ?? 'GET',
      url: input instanceof URL ? input.href : typeof input === 'string' ? input : input.url,
      headers,
      body: typeof raw === 'string' ? (JSON.parse(raw) as unknown) : undefined,
    });
    const next = answers.shift();
    if (!next) return Promise.reject(new Error('no scripted answer left'));
    return Promise.resolve(next());
  };
  return { fetchImpl, sent };
}

const json =
  (body: unknown, status = 200) =>
  () =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const text =
  (body: string, status: number, type = 'text/plain') =>
  () =>
    new Response(body, { status, headers: { 'content-type': type } });

function clientWith(answers: Array<() => Response>) {
  const { fetchImpl, sent } = scriptedFetch(answers);
  const client = createEdusignClient({
    apiKey: 'key-123',
    fetch: fetchImpl,
    clock: createManualClock(T0),
    random: () => 0.5,
  });
  return { client, sent };
}

describe('createEdusignClient configuration', () => {
  it('defaults to the production host', () => {
    expect(createEdusignClient({ apiKey: 'k' }).baseUrl).toBe('https://ext.edusign.fr');
  });

  it('accepts plain http on loopback only', () => {
    expect(createEdusignClient({ apiKey: 'k', baseUrl: 'http://127.0.0.1:4010/' }).baseUrl).toBe(
      'http://127.0.0.1:4010',
    );
    expect(createEdusignClient({ apiKey: 'k', baseUrl: 'http://localhost:4010' }).baseUrl).toBe(
      'http://localhost:4010',
    );
    expect(() => createEdusignClient({ apiKey: 'k', baseUrl: 'http://ext.edusign.fr' })).toThrow(ConfigError);
    expect(() => createEdusignClient({ apiKey: 'k', baseUrl: 'http://ext.edusign.fr' })).toThrow(/baseUrl.*https/);
  });

  it('refuses a base URL that is not a URL or carries credentials, naming the field', () => {
    expect(() => createEdusignClient({ apiKey: 'k', baseUrl: 'ext.edusign.fr' })).toThrow(/edusign baseUrl/);
    expect(() => createEdusignClient({ apiKey: 'k', baseUrl: 'https://u:p@ext.edusign.fr' })).toThrow(
      /edusign baseUrl/,
    );
  });

  it('refuses an empty key or one with a line break, without echoing it', () => {
    expect(() => createEdusignClient({ apiKey: ' ' })).toThrow(/edusign apiKey/);
    try {
      createEdusignClient({ apiKey: 'secret\nx-injected: 1' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect(String(error)).not.toContain('secret');
    }
  });
});

describe('the envelope', () => {
  it('sends the key as a bearer token and returns the result', async () => {
    const { client, sent } = clientWith([json({ status: 'success', result: { ID: 'st1' } })]);
    expect(await client.students.getIdByApiId('APP 1/2')).toBe('st1');
    expect(sent[0]?.headers['authorization']).toBe('Bearer key-123');
    expect(sent[0]?.url).toBe('https://ext.edusign.fr/v1/student/get-id/APP%201%2F2');
  });

  it('turns a business error at HTTP 200 into a typed error with its code', async () => {
    const { client } = clientWith([json({ status: 'error', message: 'course locked' })]);
    const error: unknown = await client.courses
      .update({ ID: 'c1', NEED_STUDENTS_SIGNATURE: true, NAME: 'x' })
      .catch((e: unknown) => e);
    expect(isEdusignBusinessError(error, 'COURSE_LOCKED')).toBe(true);
    expect(String(error)).toContain('PATCH https://ext.edusign.fr/v1/course');
  });

  it('reads an envelope sent with a 4xx status as a business error, an array message as validation', async () => {
    const { client } = clientWith([
      json({ status: 'error', message: ['student.EMAIL must be a valid email', 'student.LASTNAME is required'] }, 400),
    ]);
    const error: unknown = await client.students
      .create({ FIRSTNAME: 'A', LASTNAME: '', EMAIL: 'nope', API_ID: 'x' })
      .catch((e: unknown) => e);
    expect(isEdusignBusinessError(error, 'VALIDATION')).toBe(true);
  });

  it('keeps a 4xx without an envelope an HTTP error, with the HTML reduced to its text', async () => {
    const page =
      '<!DOCTYPE html>\n<html lang="en">\n<head>\n<title>Error</title>\n</head>\n<body>\n<pre>Cannot GET /v1/nope</pre>\n</body>\n</html>\n';
    const { client } = clientWith([text(page, 404, 'text/html')]);
    const error: unknown = await client.students.get('s1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpStatusError);
    expect((error as HttpStatusError).status).toBe(404);
    expect((error as HttpStatusError).bodyExcerpt).toBe('Cannot GET /v1/nope');
  });

  it('reports a success answer that is not JSON, or a result of the wrong shape', async () => {
    const { client } = clientWith([
      text('<html><body>Maintenance</body></html>', 200, 'text/html'),
      json({ status: 'success', result: { NAME: 'no id' } }),
    ]);
    await expect(client.students.get('s1')).rejects.toThrow(ResponseShapeError);
    await expect(client.students.get('s1')).rejects.toThrow(/ID/);
  });

  it('answers undefined for a look-up the server says found nothing', async () => {
    const { client } = clientWith([
      json({ status: 'error', message: 'No student with this ID found' }),
      json({ status: 'error', message: 'No student with this email found' }),
      json({ status: 'error', message: 'Error - cannot get professor by email' }),
      json({ status: 'error', message: 'No course with this API_ID found' }),
    ]);
    expect(await client.students.get('s1')).toBeUndefined();
    expect(await client.students.getByEmail('a@b.c')).toBeUndefined();
    expect(await client.professors.getByEmail('a@b.c')).toBeUndefined();
    expect(await client.courses.getIdByApiId('PLA-1')).toBeUndefined();
  });

  it('lets any other business error of a look-up through', async () => {
    const { client } = clientWith([json({ status: 'error', message: 'Something else' })]);
    await expect(client.students.get('s1')).rejects.toMatchObject({ code: 'UNKNOWN' });
  });
});

describe('request bodies', () => {
  it('wraps records and keeps credentials e-mails off unless asked', async () => {
    const ok = json({ status: 'success', result: { ID: 'x' } });
    const { client, sent } = clientWith([ok, ok, ok, ok]);
    await client.students.create({ FIRSTNAME: 'A', LASTNAME: 'B', EMAIL: 'a@b.c', API_ID: 'APP-1' });
    await client.professors.create({ FIRSTNAME: 'P', LASTNAME: 'Q', EMAIL: 'p@q.r', API_ID: 'ENS-1' });
    await client.professors.create({ FIRSTNAME: 'P', LASTNAME: 'Q', EMAIL: 'p2@q.r' }, { sendCredentials: true });
    await client.externals.create({ FIRSTNAME: 'T', LASTNAME: 'U', EMAIL: 't@u.v', COMPANY: 'ACME', TYPE: 'TUTOR' });
    expect(sent.map((r) => r.body)).toEqual([
      { student: { FIRSTNAME: 'A', LASTNAME: 'B', EMAIL: 'a@b.c', API_ID: 'APP-1', SEND_EMAIL_CREDENTIALS: false } },
      { professor: { FIRSTNAME: 'P', LASTNAME: 'Q', EMAIL: 'p@q.r', API_ID: 'ENS-1' }, dontSendCredentials: true },
      { professor: { FIRSTNAME: 'P', LASTNAME: 'Q', EMAIL: 'p2@q.r' }, dontSendCredentials: false },
      { external: { FIRSTNAME: 'T', LASTNAME: 'U', EMAIL: 't@u.v', COMPANY: 'ACME', TYPE: 'TUTOR' } },
    ]);
  });

  it('sends a facilitator HIDDEN as 0/1, and restores a learner through its own route', async () => {
    const ok = json({ status: 'success', result: { ID: 'x' } });
    const { client, sent } = clientWith([ok, ok, ok]);
    await client.professors.update({ ID: 'p1', FIRSTNAME: 'P', LASTNAME: 'Q', EMAIL: 'p@q.r', HIDDEN: false });
    await client.students.restore('s1');
    await client.students.update({ ID: 's1', FIRSTNAME: 'A', LASTNAME: 'B' });
    expect(sent.map((r) => `${r.method} ${new URL(r.url).pathname}`)).toEqual([
      'PATCH /v1/professor',
      'GET /v1/student/restore/s1',
      'PATCH /v1/student',
    ]);
    expect(sent.map((r) => r.body)).toEqual([
      { professor: { ID: 'p1', FIRSTNAME: 'P', LASTNAME: 'Q', EMAIL: 'p@q.r', HIDDEN: 0 } },
      undefined,
      { student: { ID: 's1', FIRSTNAME: 'A', LASTNAME: 'B' } },
    ]);
  });

  it('restores a learner with a PATCH of HIDDEN: 0 on a server without the restore route, remembered for its life', async () => {
    const ok = json({ status: 'success', result: { ID: 'x' } });
    const { client, sent } = clientWith([
      text('<!DOCTYPE html><html><body><pre>Cannot GET /v1/student/restore/s1</pre></body></html>', 404, 'text/html'),
      ok,
      ok,
    ]);
    await client.students.restore('s1', { names: { FIRSTNAME: 'A', LASTNAME: 'B' } });
    await client.students.restore('s2');
    expect(sent.map((r) => `${r.method} ${new URL(r.url).pathname}`)).toEqual([
      'GET /v1/student/restore/s1',
      'PATCH /v1/student',
      'PATCH /v1/student',
    ]);
    expect(sent.map((r) => r.body)).toEqual([
      undefined,
      { student: { ID: 's1', FIRSTNAME: 'A', LASTNAME: 'B', HIDDEN: 0 } },
      { student: { ID: 's2', HIDDEN: 0 } },
    ]);
  });

  it('keeps a restore refused by the API as an error, without a PATCH', async () => {
    const { client, sent } = clientWith([json({ status: 'error', message: 'No student with this ID found' })]);
    await expect(client.students.restore('s9')).rejects.toSatisfy((error) =>
      isEdusignBusinessError(error, 'NOT_FOUND'),
    );
    expect(sent).toHaveLength(1);
  });

  it('sends NEED_STUDENTS_SIGNATURE and editSurveys: false on every course update', async () => {
    const { client, sent } = clientWith([json({ status: 'success', result: { ID: 'c1' } })]);
    await client.courses.update({ ID: 'c1', NEED_STUDENTS_SIGNATURE: false, CLASSROOM: '' });
    expect(sent[0]?.body).toEqual({
      course: { ID: 'c1', NEED_STUDENTS_SIGNATURE: false, CLASSROOM: '' },
      editSurveys: false,
    });
  });

  it('refuses a course update without NEED_STUDENTS_SIGNATURE before sending anything', async () => {
    const { client, sent } = clientWith([]);
    const untyped = { ID: 'c1' } as unknown as Parameters<typeof client.courses.update>[0];
    await expect(client.courses.update(untyped)).rejects.toThrow(/NEED_STUDENTS_SIGNATURE/);
    expect(sent).toHaveLength(0);
  });

  it('puts the roster change in the body and the course in the path', async () => {
    const ok = json({ status: 'success', result: { ID: 'c1' } });
    const { client, sent } = clientWith([ok, ok]);
    await client.courses.addStudent('c1', 's1');
    await client.courses.removeStudent('c1', 's1');
    expect(sent.map((r) => `${r.method} ${new URL(r.url).pathname} ${JSON.stringify(r.body)}`)).toEqual([
      'PUT /v1/course/attendance/c1 {"studentId":"s1"}',
      'DELETE /v1/course/attendance/c1 {"studentId":"s1"}',
    ]);
  });

  it('refuses an empty id rather than reaching another route', async () => {
    const { client } = clientWith([]);
    await expect(client.students.get('')).rejects.toThrow(RangeError);
  });
});

describe('create recovery', () => {
  it('adopts the record when a later round is refused as a duplicate of its own earlier write', async () => {
    const { client, sent } = clientWith([
      json({ status: 'error', message: 'oops' }, 500),
      json({ status: 'error', message: 'No student with this API_ID found' }),
      json({ status: 'error', message: 'Student already exists in this school' }),
      json({ status: 'success', result: { ID: 'late' } }),
    ]);
    expect(await client.students.create({ FIRSTNAME: 'A', LASTNAME: 'B', EMAIL: 'a@b.c', API_ID: 'APP-1' })).toEqual({
      id: 'late',
      recovered: true,
    });
    expect(sent.map((r) => `${r.method} ${new URL(r.url).pathname}`)).toEqual([
      'POST /v1/student',
      'GET /v1/student/get-id/APP-1',
      'POST /v1/student',
      'GET /v1/student/get-id/APP-1',
    ]);
  });

  it('lets a first-round duplicate through: the e-mail belongs to someone else', async () => {
    const { client, sent } = clientWith([
      json({ status: 'error', message: 'Professor already exists in this school' }),
    ]);
    await expect(
      client.professors.create({ FIRSTNAME: 'A', LASTNAME: 'B', EMAIL: 'a@b.c', API_ID: 'ENS-1' }),
    ).rejects.toMatchObject({ code: 'PROFESSOR_EXISTS' });
    expect(sent).toHaveLength(1);
  });

  it('throws a 5xx on a create without API_ID at once', async () => {
    const { client, sent } = clientWith([json({ status: 'error', message: 'oops' }, 502)]);
    await expect(client.groups.create({ NAME: 'G' })).rejects.toBeInstanceOf(HttpStatusError);
    expect(sent).toHaveLength(1);
  });
});

describe('courses.list', () => {
  it('sends the range and the filters, and pages from 0', async () => {
    const { client, sent } = clientWith([json({ status: 'success', result: [] })]);
    const pages = client.courses.list({ start: '2026-01-01', end: '2026-03-31', filters: ['locked'] });
    for await (const _page of pages) expect.unreachable();
    expect(new URL(sent[0]?.url ?? '').search).toBe('?start=2026-01-01&end=2026-03-31&filters=locked&page=0');
  });

  it('refuses a range longer than 90 days, reversed, or not made of calendar days', () => {
    const { client } = clientWith([]);
    expect(() => client.courses.list({ start: '2026-01-01', end: '2026-04-02' })).toThrow(/0 to 90 days/);
    expect(() => client.courses.list({ start: '2026-02-01', end: '2026-01-01' })).toThrow(RangeError);
    expect(() => client.courses.list({ start: '2026-01-01T00:00', end: '2026-01-02' })).toThrow(/YYYY-MM-DD/);
  });

  it('reads past a short page and stops only on an empty one', async () => {
    const course = (i: number) => ({
      ID: `c${i}`,
      NAME: 'x',
      START: '2026-01-05T08:00:00.000Z',
      END: '2026-01-05T09:00:00.000Z',
    });
    const { client, sent } = clientWith([
      json({ status: 'success', result: [course(1), course(2)] }),
      json({ status: 'success', result: [course(3)] }),
      json({ status: 'success', result: [] }),
    ]);
    const seen: string[] = [];
    for await (const records of client.courses.list({ start: '2026-01-01', end: '2026-01-31' })) {
      seen.push(...records.map((r) => r.ID));
    }
    expect(seen).toEqual(['c1', 'c2', 'c3']);
    expect(sent.map((r) => new URL(r.url).searchParams.get('page'))).toEqual(['0', '1', '2']);
  });

  it('stops when a full page brings nothing new (a server that ignores the page)', async () => {
    const page = Array.from({ length: 40 }, (_, i) => ({
      ID: `c${i}`,
      NAME: 'x',
      START: '2026-01-05T08:00:00.000Z',
      END: '2026-01-05T09:00:00.000Z',
    }));
    const same = json({ status: 'success', result: page });
    const { client, sent } = clientWith([same, same, same]);
    const seen: string[] = [];
    for await (const records of client.courses.list({ start: '2026-01-01', end: '2026-01-31' })) {
      seen.push(...records.map((r) => r.ID));
    }
    expect(seen).toHaveLength(40);
    expect(sent).toHaveLength(2);
  });
});

describe('learners list', () => {
  it('sends limit=100 with every page, and goes on after a page shorter than that', async () => {
    const learners = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({ ID: `s${from + i}`, FIRSTNAME: 'A', LASTNAME: 'B', EMAIL: 'a@b.c' }));
    const { client, sent } = clientWith([
      json({ status: 'success', result: learners(0, 50) }),
      json({ status: 'success', result: learners(50, 50) }),
      json({ status: 'success', result: learners(100, 7) }),
      json({ status: 'success', result: [] }),
    ]);
    let count = 0;
    for await (const page of client.students.list()) count += page.length;
    expect(count).toBe(107);
    expect(sent.map((r) => new URL(r.url).search)).toEqual([
      '?limit=100&page=0',
      '?limit=100&page=1',
      '?limit=100&page=2',
      '?limit=100&page=3',
    ]);
  });
});

describe('not found', () => {
  it('reads null, {} and [] successes as "not found" on every look-up', async () => {
    const empty = [null, {}, []].map((result) => json({ status: 'success', result }));
    const { client } = clientWith([...empty, ...empty, ...empty, ...empty]);
    for (let i = 0; i < 3; i++) expect(await client.students.get('s1')).toBeUndefined();
    for (let i = 0; i < 3; i++) expect(await client.professors.getByEmail('a@b.c')).toBeUndefined();
    for (let i = 0; i < 3; i++) expect(await client.courses.getIdByApiId('42')).toBeUndefined();
    for (let i = 0; i < 3; i++) expect(await client.externals.getByEmail('t@u.v')).toBeUndefined();
  });

  it('reads both wordings of a professor not found by e-mail, and an error code, as not found', async () => {
    const { client } = clientWith([
      json({ status: 'error', message: 'Error - cannot get professor by email' }),
      json({ status: 'error', message: 'professor not found' }),
      json({ status: 'error', message: 'ERR_UNKNOWN_EXTERNAL_BY_EMAIL', errorCode: 404 }),
    ]);
    expect(await client.professors.getByEmail('a@b.c')).toBeUndefined();
    expect(await client.professors.getByEmail('a@b.c')).toBeUndefined();
    expect(await client.externals.getByEmail('a@b.c')).toBeUndefined();
  });
});

describe('ids', () => {
  it('takes a record id from ID or id, and a list of one record as the record', async () => {
    const { client } = clientWith([
      json({ status: 'success', result: { id: 's1', FIRSTNAME: 'A', LASTNAME: 'B', EMAIL: 'a@b.c' } }),
      json({ status: 'success', result: { id: 'c9' } }),
      json({ status: 'success', result: [{ ID: 'p1', id: 'p1', FIRSTNAME: 'P', LASTNAME: 'Q', EMAIL: 'p@q.r' }] }),
      json({ status: 'success', result: { id: 'new-1' } }),
    ]);
    expect((await client.students.get('s1'))?.ID).toBe('s1');
    expect(await client.courses.getIdByApiId('42')).toBe('c9');
    expect((await client.professors.getByEmail('p@q.r'))?.ID).toBe('p1');
    expect(await client.groups.create({ NAME: 'G', API_ID: 'G1' })).toEqual({ id: 'new-1', recovered: false });
  });
});

describe('missing routes', () => {
  const expressPage = (path: string) =>
    text(`<!DOCTYPE html><html><body><pre>Cannot GET ${path}</pre></body></html>`, 404, 'text/html');

  it('tells a missing route (HTML or plain 404, a page at 200) from a business error', async () => {
    const { client } = clientWith([
      expressPage('/v1/externals/by-email/a%40b.c'),
      text('Not Found', 404),
      text('<html><body>Welcome</body></html>', 200, 'text/html'),
      json({ status: 'error', message: 'No student with this ID found' }),
    ]);
    const html = await client.externals.getByEmail('a@b.c').catch((e: unknown) => e);
    const plain = await client.externals.getByEmail('a@b.c').catch((e: unknown) => e);
    const page = await client.externals.getByEmail('a@b.c').catch((e: unknown) => e);
    expect([html, plain, page].map(isRouteMissing)).toEqual([true, true, true]);
    expect(page).toBeInstanceOf(EdusignNotEnvelopeError);
    expect(page).toBeInstanceOf(ResponseShapeError);
    expect(await client.students.get('nope')).toBeUndefined();
  });

  it('looks a group up by get-id, and reads the list instead for the client’s life once that route is missing', async () => {
    const group = (id: string, apiId: string, hidden: number) => ({ ID: id, NAME: 'G', API_ID: apiId, HIDDEN: hidden });
    const list = json({
      status: 'success',
      result: [group('g0', 'G1', 1), group('g1', 'G1', 0), group('g2', 'G3', 1)],
    });
    const { client, sent } = clientWith([
      expressPage('/v1/group/get-id/G1'),
      list,
      list,
      json({ status: 'success', result: [] }),
    ]);
    expect(client.groups.getIdRouteMissing()).toBe(false);
    // The active one of two groups with that API_ID, found on the first page.
    expect(await client.groups.getIdByApiId('G1')).toBe('g1');
    expect(client.groups.getIdRouteMissing()).toBe(true);
    // Only an archived one: the whole list is read, and it is the answer.
    expect(await client.groups.getIdByApiId('G3')).toBe('g2');
    expect(sent.map((r) => new URL(r.url).pathname + new URL(r.url).search)).toEqual([
      '/v1/group/get-id/G1',
      '/v1/group?page=0',
      '/v1/group?page=0',
      '/v1/group?page=1',
    ]);
  });

  it('throws the missing get-id route instead of reading the group list when asked for no list fallback', async () => {
    const { client, sent } = clientWith([expressPage('/v1/group/get-id/G1')]);
    await expect(client.groups.getIdByApiId('G1', { listFallback: false })).rejects.toSatisfy(isRouteMissing);
    expect(client.groups.getIdRouteMissing()).toBe(true);
    // Known missing now: thrown again without a request.
    await expect(client.groups.getIdByApiId('G2', { listFallback: false })).rejects.toSatisfy(isRouteMissing);
    expect(sent.map((r) => new URL(r.url).pathname)).toEqual(['/v1/group/get-id/G1']);
  });

  it('uses the group get-id route when there is one', async () => {
    const { client, sent } = clientWith([
      json({ status: 'success', result: { ID: 'g7', id: 'g7' } }),
      json({ status: 'error', message: 'No group with this API_ID found' }),
    ]);
    expect(await client.groups.getIdByApiId('G7')).toBe('g7');
    expect(await client.groups.getIdByApiId('G8')).toBeUndefined();
    expect(sent).toHaveLength(2);
    expect(client.groups.getIdRouteMissing()).toBe(false);
  });
});

describe('school id and archived facilitators', () => {
  it('reads the school id once per client, and only when a HIDDEN list needs it', async () => {
    const { client, sent } = clientWith([json({ status: 'success', result: { ID: 'school-a', NAME: 'A' } })]);
    expect(await client.isArchived({ HIDDEN: true })).toBe(true);
    expect(sent).toHaveLength(0);
    expect(await client.isArchived({ HIDDEN: ['school-b'] })).toBe(false);
    expect(await client.isArchived({ HIDDEN: ['school-b', 'school-a'] })).toBe(true);
    expect(await client.schoolId()).toBe('school-a');
    expect(sent.map((r) => new URL(r.url).pathname)).toEqual(['/v1/school']);
  });

  it('takes any non-empty HIDDEN list as archived when the school id cannot be read', async () => {
    const { client, sent } = clientWith([
      text('<html><body><pre>Cannot GET /v1/school</pre></body></html>', 404, 'text/html'),
    ]);
    expect(await client.schoolId()).toBeUndefined();
    expect(await client.isArchived({ HIDDEN: ['school-b'] })).toBe(true);
    expect(await client.isArchived({ HIDDEN: false })).toBe(false);
    expect(sent).toHaveLength(1);
  });

  it('does not remember a school id read that failed on the network', async () => {
    const { fetchImpl } = scriptedFetch([
      () => {
        throw new TypeError('fetch failed');
      },
      json({ status: 'success', result: { id: 'school-a' } }),
    ]);
    const client = createEdusignClient({
      apiKey: 'key-123',
      fetch: fetchImpl,
      clock: createManualClock(T0),
      retry: { maxAttempts: 1 },
    });
    await expect(client.schoolId()).rejects.toThrow(/edusign GET/);
    expect(await client.schoolId()).toBe('school-a');
  });
});

describe('htmlToText', () => {
  it('keeps the visible text of an error page', () => {
    expect(
      htmlToText(
        '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>',
      ),
    ).toBe('502 Bad Gateway nginx');
  });

  it('copes with a page cut in the middle of a tag and with entities', () => {
    expect(htmlToText('<html><body><p>Tom &amp; Jerry &lt;3</p><div class="x')).toBe('Tom & Jerry <3');
  });

  it('leaves plain text alone', () => {
    expect(htmlToText('Internal Server Error')).toBe('Internal Server Error');
  });
});
