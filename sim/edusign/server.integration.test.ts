import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { anotherSchoolId, createEdusignHandler, startEdusignSimulator } from './server.js';
import type { EdusignSimulator, EdusignSimulatorOptions } from './server.js';
import type { SimRequest } from '../shared/http-server.js';

const KEY = 'school-key';
const OTHER_KEY = 'other-school-key';

interface Answer {
  status: number;
  contentType: string;
  text: string;
  /** The parsed JSON body. */
  json: Record<string, unknown>;
}

/** A clock the test moves by hand. */
function manualClock(start = '2025-03-10T08:00:00.000Z') {
  let current = new Date(start);
  return {
    now: () => new Date(current),
    advance(ms: number) {
      current = new Date(current.getTime() + ms);
    },
  };
}

let sim: EdusignSimulator;

async function start(options: Partial<EdusignSimulatorOptions> = {}): Promise<void> {
  sim = await startEdusignSimulator({
    schools: [{ apiKey: KEY, name: 'Lycée Test' }, { apiKey: OTHER_KEY }],
    port: 0,
    now: manualClock().now,
    ...options,
  });
}

async function call(method: string, path: string, body?: unknown, key: string | null = KEY): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (key !== null) headers['authorization'] = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${sim.url}${path}`, {
    method,
    headers,
    ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  const contentType = response.headers.get('content-type') ?? '';
  const json = contentType.includes('json') ? (JSON.parse(text) as Record<string, unknown>) : {};
  return { status: response.status, contentType, text, json };
}

/** The `result` of a success envelope (fails the test otherwise). */
async function ok<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
  const answer = await call(method, path, body);
  expect(answer.status).toBe(200);
  expect(answer.json, answer.text).toMatchObject({ status: 'success' });
  return answer.json['result'] as T;
}

/** The `message` of an error envelope, which must come at HTTP 200. */
async function businessError(method: string, path: string, body?: unknown): Promise<unknown> {
  const answer = await call(method, path, body);
  expect(answer.status).toBe(200);
  expect(answer.json, answer.text).toMatchObject({ status: 'error' });
  expect(Object.keys(answer.json).sort()).toEqual(['message', 'status']);
  return answer.json['message'];
}

const ada = { FIRSTNAME: 'Ada', LASTNAME: 'Lovelace', EMAIL: 'ada@example.org' };
const alan = { FIRSTNAME: 'Alan', LASTNAME: 'Turing', EMAIL: 'alan@example.org' };
const grace = { FIRSTNAME: 'Grace', LASTNAME: 'Hopper', EMAIL: 'grace@example.org' };

async function createProfessor(professor = grace): Promise<string> {
  return (await ok<{ ID: string }>('POST', '/v1/professor', { professor, dontSendCredentials: true })).ID;
}

async function createStudent(student: Record<string, unknown> = ada): Promise<string> {
  return (await ok<{ ID: string }>('POST', '/v1/student', { student: { ...student, SEND_EMAIL_CREDENTIALS: false } }))
    .ID;
}

async function createCourse(fields: Record<string, unknown>): Promise<string> {
  const course = {
    NAME: 'Algebra',
    START: '2025-03-12T08:00:00Z',
    END: '2025-03-12T10:00:00Z',
    NEED_STUDENTS_SIGNATURE: true,
    ...fields,
  };
  return (await ok<{ ID: string }>('POST', '/v1/course', { course })).ID;
}

describe('Edusign simulator over HTTP', () => {
  beforeEach(async () => {
    await start();
  });
  afterEach(async () => {
    await sim.close();
  });

  describe('transport', () => {
    it('wraps results in the success envelope and business errors in an error envelope at HTTP 200', async () => {
      const id = await createStudent();
      expect(id).toMatch(/^[0-9a-z]{16}$/);
      const record = await ok('GET', `/v1/student/${id}`);
      expect(record).toMatchObject({ ID: id, FIRSTNAME: 'Ada', HIDDEN: 0, SCHOOL_ID: sim.school(KEY).id });
      expect(await businessError('GET', '/v1/student/nope')).toBe('No student with this ID found');
      expect(await businessError('GET', '/v1/course/nope')).toBe('No course with this ID found');
      expect(await businessError('GET', '/v1/professor/nope')).toBe('No professor with this ID found');
      expect(await businessError('GET', '/v1/group/nope')).toBe('No group with this ID found');
      expect(await businessError('GET', '/v1/externals/nope')).toBe('No external with this ID found');
    });

    it('answers validation failures with an array message', async () => {
      expect(await businessError('POST', '/v1/student', { student: { FIRSTNAME: 'Ada', EMAIL: 'not-mail' } })).toEqual([
        'student.LASTNAME is required',
        'student.EMAIL must be a valid email',
      ]);
      expect(await businessError('POST', '/v1/student', {})).toEqual(['student is required']);
      expect(
        await businessError('POST', '/v1/course', { course: { NAME: 'X', NEED_STUDENTS_SIGNATURE: 'yes' } }),
      ).toEqual([
        'course.START is required',
        'course.END is required',
        'course.PROFESSOR is required',
        'course.NEED_STUDENTS_SIGNATURE must be a boolean',
      ]);
      expect(await businessError('PUT', '/v1/course/attendance/abc', {})).toEqual(['studentId is required']);
    });

    it('tolerates unknown extra fields', async () => {
      const id = (await ok<{ ID: string }>('POST', '/v1/student', { student: { ...ada, ISIC_ID: 'x' }, extra: 1 })).ID;
      expect(sim.school(KEY).student(id)).not.toHaveProperty('ISIC_ID');
    });

    it('answers 401 in plain text without a key or with an unknown one', async () => {
      for (const key of [null, 'wrong-key']) {
        const answer = await call('GET', '/v1/student?page=0', undefined, key);
        expect(answer.status).toBe(401);
        expect(answer.contentType).toMatch(/^text\/plain/);
        expect(answer.text).toBe('Unauthorized');
      }
    });

    it('answers an unknown route with an Express-style HTML 404', async () => {
      const answer = await call('GET', '/v1/xyz');
      expect(answer.status).toBe(404);
      expect(answer.contentType).toMatch(/^text\/html/);
      expect(answer.text).toContain('<pre>Cannot GET /v1/xyz</pre>');
      expect((await call('POST', '/v1/student/abc', {})).text).toContain('Cannot POST /v1/student/abc');
    });

    it('answers malformed JSON with an HTML 400, as the body parser does', async () => {
      const answer = await call('POST', '/v1/student', '{"student":');
      expect(answer.status).toBe(400);
      expect(answer.contentType).toMatch(/^text\/html/);
    });

    it('ignores a body sent without a JSON content type', async () => {
      const response = await fetch(`${sim.url}/v1/student`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'text/plain' },
        body: JSON.stringify({ student: ada }),
      });
      expect(await response.json()).toEqual({ status: 'error', message: ['student is required'] });
    });

    it('keeps each school to its own key', async () => {
      const id = await createStudent();
      const other = await call('GET', `/v1/student/${id}`, undefined, OTHER_KEY);
      expect(other.json).toEqual({ status: 'error', message: 'No student with this ID found' });
      expect(sim.school(OTHER_KEY).students()).toEqual([]);
    });
  });

  describe('subscription and scopes', () => {
    beforeEach(async () => {
      await sim.close();
      await start({
        schools: [
          { apiKey: 'unpaid', subscription: false },
          { apiKey: 'students-only', scopes: ['Students'] },
        ],
      });
    });

    it('answers 402 in plain text when the school has no subscription', async () => {
      const answer = await call('GET', '/v1/student?page=0', undefined, 'unpaid');
      expect(answer.status).toBe(402);
      expect(answer.contentType).toMatch(/^text\/plain/);
    });

    it('answers 403 in plain text on a route outside the key scopes', async () => {
      expect((await call('GET', '/v1/student?page=0', undefined, 'students-only')).status).toBe(200);
      const answer = await call('GET', '/v1/course?page=0', undefined, 'students-only');
      expect(answer.status).toBe(403);
      expect(answer.contentType).toMatch(/^text\/plain/);
      expect(answer.text).toBe('Forbidden');
    });
  });

  describe('students, professors, groups', () => {
    it('pages are 0-based, 100 per page, in creation order with archived ones, until a short page', async () => {
      const school = sim.school(KEY);
      const ids = Array.from(
        { length: 230 },
        (_, i) => school.createStudent({ FIRSTNAME: `S${i}`, LASTNAME: 'X', EMAIL: `s${i}@example.org` }).ID,
      );
      school.archiveStudent(ids[5] ?? '');
      const seen: Array<{ ID: string; HIDDEN: number }> = [];
      for (let page = 0; ; page++) {
        const rows = await ok<Array<{ ID: string; HIDDEN: number }>>('GET', `/v1/student?page=${page}`);
        seen.push(...rows);
        if (rows.length < 100) {
          expect(page).toBe(2);
          expect(rows).toHaveLength(30);
          break;
        }
      }
      expect(seen.map((s) => s.ID)).toEqual(ids);
      expect(seen[5]?.HIDDEN).toBe(1);
      expect(await ok('GET', '/v1/student?page=3')).toEqual([]);
      expect(await businessError('GET', '/v1/student?page=-1')).toEqual(['page must be a non-negative integer']);
      expect(await businessError('GET', '/v1/student?page=0&updatedAfter=2025-01-01')).toEqual([
        'updatedAfter is not supported by the simulator',
      ]);
    });

    it('DELETE archives a student (HIDDEN 1) and the lookups still find it', async () => {
      const id = await createStudent({ ...ada, API_ID: 'erp-7', API_TYPE: 'aimaira' });
      expect(await ok('DELETE', `/v1/student/${id}`)).toEqual({ ID: id, id: id });
      expect(await ok('GET', `/v1/student/${id}`)).toMatchObject({ HIDDEN: 1 });
      expect(await ok('GET', `/v1/student/by-email/${encodeURIComponent('ADA@example.org')}`)).toMatchObject({
        ID: id,
      });
      expect(await ok('GET', '/v1/student/get-id/erp-7')).toEqual({ ID: id, id: id });
      expect(await businessError('GET', '/v1/student/by-email/nobody@example.org')).toBe(
        'No student with this email found',
      );
      expect(await businessError('GET', '/v1/student/get-id/none')).toBe('No student with this API_ID found');
    });

    it('PATCH changes only the fields sent', async () => {
      const id = await createStudent({ ...ada, PHONE: '0611', COMPANY: 'ACME', API_ID: 'erp-1' });
      const before = await ok('GET', `/v1/student/${id}`);
      expect(await ok('PATCH', '/v1/student', { student: { ID: id, FIRSTNAME: 'Augusta' } })).toEqual({
        ID: id,
        id: id,
      });
      expect(await ok('GET', `/v1/student/${id}`)).toEqual({ ...before, FIRSTNAME: 'Augusta' });
      await createStudent(alan);
      expect(await businessError('PATCH', '/v1/student', { student: { ID: id, EMAIL: 'Alan@example.org' } })).toBe(
        'Student already exists in this school',
      );
    });

    it('refuses a second student or professor with an e-mail already used', async () => {
      await createStudent();
      expect(await businessError('POST', '/v1/student', { student: { ...alan, EMAIL: ' ADA@example.org' } })).toBe(
        'Student already exists in this school',
      );
      const id = await createProfessor();
      await ok('DELETE', `/v1/professor/${id}`);
      expect(
        await businessError('POST', '/v1/professor', {
          professor: { ...alan, EMAIL: 'Grace@Example.org' },
          dontSendCredentials: true,
        }),
      ).toBe('Professor already exists in this school');
      expect(await ok('GET', '/v1/professor/by-email/grace@example.org')).toMatchObject({
        ID: id,
        HIDDEN: [sim.school(KEY).id],
      });
      expect(await businessError('GET', '/v1/professor/by-email/x@example.org')).toBe(
        'Error - cannot get professor by email',
      );
    });

    it('records credential e-mails unless told not to', async () => {
      const sent = (await ok<{ ID: string }>('POST', '/v1/student', { student: ada })).ID;
      await createStudent(alan);
      const professor = (
        await ok<{ ID: string }>('POST', '/v1/professor', { professor: grace, dontSendCredentials: false })
      ).ID;
      expect(
        await businessError('POST', '/v1/professor', { professor: { ...alan, dontSendCredentials: true } }),
      ).toEqual(['dontSendCredentials is required']);
      const emails = (await call('GET', '/__sim/emails')).json as unknown as Array<Record<string, unknown>>;
      expect(emails.map((e) => [e['recipient'], e['personId']])).toEqual([
        ['student', sent],
        ['professor', professor],
      ]);
    });

    it('groups: STUDENTS replaces the members, which must exist; DELETE archives', async () => {
      const a = await createStudent();
      const b = await createStudent(alan);
      const group = (await ok<{ ID: string }>('POST', '/v1/group', { group: { NAME: 'BTS', STUDENTS: [a] } })).ID;
      await ok('PATCH', '/v1/group', { group: { ID: group, NAME: 'BTS', STUDENTS: [b] } });
      expect(await ok('GET', `/v1/group/${group}`)).toMatchObject({ STUDENTS: [b], HIDDEN: 0 });
      expect(await ok('GET', `/v1/student/${b}`)).toMatchObject({ GROUPS: [group] });
      expect(await businessError('PATCH', '/v1/group', { group: { ID: group, NAME: 'BTS', STUDENTS: ['x'] } })).toBe(
        'No student with this ID found',
      );
      expect(await businessError('PATCH', '/v1/group', { group: { ID: group } })).toEqual(['group.NAME is required']);
      await ok('DELETE', `/v1/group/${group}`);
      expect(await ok<unknown[]>('GET', '/v1/group?page=0')).toMatchObject([{ ID: group, HIDDEN: 1 }]);
    });

    it('externals: create, patch, get, by-email, get-id, and link to a student as a tutor', async () => {
      const external = (
        await ok<{ ID: string }>('POST', '/v1/externals', {
          external: { FIRSTNAME: 'Anne', LASTNAME: 'Byron', EMAIL: 'anne@example.org', API_ID: 't-1', TYPE: 'TUTOR' },
        })
      ).ID;
      await ok('PATCH', '/v1/externals', { external: { ID: external, LASTNAME: 'Milbanke', COMPANY: 'ACME' } });
      expect(await ok('GET', `/v1/externals/${external}`)).toEqual({
        ID: external,
        id: external,
        SCHOOL_ID: sim.school(KEY).id,
        FIRSTNAME: 'Anne',
        LASTNAME: 'Milbanke',
        EMAIL: 'anne@example.org',
        COMPANY: 'ACME',
        PHONE: '',
        TYPE: 'TUTOR',
        API_ID: 't-1',
        API_TYPE: '',
        HIDDEN: 0,
        DATE_CREATED: '2025-03-10T08:00:00.000Z',
        DATE_UPDATED: '2025-03-10T08:00:00.000Z',
      });
      expect(await ok('GET', '/v1/externals/by-email/ANNE%40example.org')).toMatchObject({ ID: external });
      expect(await businessError('GET', '/v1/externals/by-email/nobody%40example.org')).toBe(
        'No external with this email found',
      );
      expect(await ok('GET', '/v1/externals/get-id/t-1')).toEqual({ ID: external, id: external });
      expect(await businessError('GET', '/v1/externals/get-id/t-2')).toBe('No external with this API_ID found');
      expect(
        await businessError('POST', '/v1/externals', {
          external: { FIRSTNAME: 'Other', LASTNAME: 'Person', EMAIL: ' Anne@Example.org' },
        }),
      ).toBe('External already exists in this school');
      const student = await createStudent();
      await ok('PATCH', '/v1/student', { student: { ID: student, STUDENT_FOLLOWER_ID: [external] } });
      expect(await ok('GET', `/v1/student/${student}`)).toMatchObject({ STUDENT_FOLLOWER_ID: [external] });
      expect(
        await businessError('PATCH', '/v1/student', { student: { ID: student, STUDENT_FOLLOWER_ID: ['x'] } }),
      ).toBe('No external with this ID found');
      // The routes the project does not use are not there.
      expect((await call('GET', '/v1/student-follower/get-id/t-1')).status).toBe(404);
    });

    it('restores an archived student with GET /v1/student/restore/:id, which changes nothing on an active one', async () => {
      const id = await createStudent();
      await ok('DELETE', `/v1/student/${id}`);
      expect(await ok('GET', `/v1/student/restore/${id}`)).toEqual({ ID: id, id });
      expect(await ok('GET', `/v1/student/${id}`)).toMatchObject({ HIDDEN: 0 });
      expect(await ok('GET', `/v1/student/restore/${id}`)).toEqual({ ID: id, id });
      expect(await businessError('GET', '/v1/student/restore/nope')).toBe('No student with this ID found');
    });

    it('lists learners 100 a page without limit, and honours limit up to 100', async () => {
      for (let n = 0; n < 130; n++) {
        await createStudent({ FIRSTNAME: `L${n}`, LASTNAME: 'X', EMAIL: `l${n}@example.org` });
      }
      expect(await ok<unknown[]>('GET', '/v1/student?page=0')).toHaveLength(100);
      expect(await ok<unknown[]>('GET', '/v1/student?page=1')).toHaveLength(30);
      expect(await ok<unknown[]>('GET', '/v1/student?page=0&limit=40')).toHaveLength(40);
      const third = await ok<Array<{ FIRSTNAME: string }>>('GET', '/v1/student?page=2&limit=40');
      expect(third.map((row) => row.FIRSTNAME)).toEqual(Array.from({ length: 40 }, (_, i) => `L${80 + i}`));
      expect(await ok<unknown[]>('GET', '/v1/student?page=0&limit=500')).toHaveLength(100);
      expect(await businessError('GET', '/v1/student?limit=0')).toEqual(['limit must be a positive integer']);
    });
  });

  describe('professors belong to schools: HIDDEN lists those where they are archived', () => {
    it('archive adds this school, PATCH HIDDEN 0 takes it away, and another school’s archive stays', async () => {
      const school = sim.school(KEY);
      const id = await createProfessor();
      expect(await ok('GET', `/v1/professor/${id}`)).toMatchObject({ HIDDEN: [] });
      school.archiveProfessorElsewhere(id);
      await ok('DELETE', `/v1/professor/${id}`);
      expect(await ok('GET', `/v1/professor/${id}`)).toMatchObject({ HIDDEN: [anotherSchoolId, school.id] });
      await ok('PATCH', '/v1/professor', { professor: { ID: id, HIDDEN: 0 } });
      expect(await ok('GET', `/v1/professor/${id}`)).toMatchObject({ HIDDEN: [anotherSchoolId] });
      await ok('PATCH', '/v1/professor', { professor: { ID: id, HIDDEN: [] } });
      expect(await ok('GET', `/v1/professor/${id}`)).toMatchObject({ HIDDEN: [] });
    });

    it('a professor archived only in another school can facilitate here; one archived here cannot', async () => {
      const elsewhere = await createProfessor();
      sim.school(KEY).archiveProfessorElsewhere(elsewhere, 'school-b');
      expect(await ok('GET', `/v1/professor/${elsewhere}`)).toMatchObject({ HIDDEN: ['school-b'] });
      await createCourse({ PROFESSOR: elsewhere });
      const here = await createProfessor(alan);
      expect((await call('POST', `/__sim/professors/${here}/archive`)).json).toMatchObject({
        HIDDEN: [sim.school(KEY).id],
      });
      expect(await businessError('POST', '/v1/course', { course: mkCourse(here) })).toBe('Professor is archived');
      expect(
        (await call('POST', `/__sim/professors/${here}/archive-elsewhere`, { schoolId: 'school-c' })).json,
      ).toMatchObject({
        HIDDEN: [sim.school(KEY).id, 'school-c'],
      });
    });
  });

  describe('the school and the optional routes', () => {
    it('answers GET /v1/school with the school of the key, whatever its scopes', async () => {
      expect(await ok('GET', '/v1/school')).toEqual({
        ID: sim.school(KEY).id,
        id: sim.school(KEY).id,
        NAME: 'Lycée Test',
      });
      await sim.close();
      await start({ schools: [{ apiKey: KEY, scopes: ['Courses'] }] });
      expect(await ok('GET', '/v1/school')).toMatchObject({ ID: sim.school(KEY).id });
    });

    it('looks groups up by API_ID, with an HTML 404 once the route is switched off', async () => {
      const group = (await ok<{ ID: string }>('POST', '/v1/group', { group: { NAME: 'G', API_ID: 'grp-1' } })).ID;
      expect(await ok('GET', '/v1/group/get-id/grp-1')).toEqual({ ID: group, id: group });
      expect(await businessError('GET', '/v1/group/get-id/grp-2')).toBe('No group with this API_ID found');
      sim.setRoutePresent('group-get-id', false);
      const missing = await call('GET', '/v1/group/get-id/grp-1');
      expect(missing.status).toBe(404);
      expect(missing.contentType).toContain('text/html');
      expect(missing.text).toContain('Cannot GET /v1/group/get-id/grp-1');
    });

    it('answers an HTML 404 on the student restore and school routes once they are switched off', async () => {
      const student = await createStudent();
      sim.setRoutePresent('student-restore', false);
      sim.setRoutePresent('school', false);
      for (const path of [`/v1/student/restore/${student}`, '/v1/school']) {
        const missing = await call('GET', path);
        expect(missing.status, path).toBe(404);
        expect(missing.contentType).toContain('text/html');
        expect(missing.text).toContain(`Cannot GET ${path}`);
      }
      sim.setRoutePresent('student-restore', true);
      sim.setRoutePresent('school', true);
      expect(await ok('GET', `/v1/student/restore/${student}`)).toMatchObject({ ID: student });
      expect(await ok('GET', '/v1/school')).toMatchObject({ ID: sim.school(KEY).id });
    });

    it('without externals, every externals route answers an HTML 404 and the rest works', async () => {
      await sim.close();
      await start({ externals: false });
      for (const [method, path] of [
        ['GET', '/v1/externals/by-email/probe%40invalid.example'],
        ['GET', '/v1/externals/get-id/t-1'],
        ['POST', '/v1/externals'],
        ['PATCH', '/v1/externals'],
      ] as const) {
        const answer = await call(method, path, method === 'GET' ? undefined : { external: {} });
        expect(answer.status, path).toBe(404);
        expect(answer.text).toContain(`Cannot ${method}`);
      }
      await createStudent();
      sim.setRoutePresent('externals', true);
      expect(await businessError('GET', '/v1/externals/by-email/probe%40invalid.example')).toBe(
        'No external with this email found',
      );
    });

    it('sends every record with ID and id, in lists too, and writes answer both', async () => {
      const id = await createStudent();
      expect(await ok('GET', `/v1/student/${id}`)).toMatchObject({ ID: id, id });
      expect(await ok('GET', '/v1/student?page=0')).toMatchObject([{ ID: id, id }]);
      expect(await ok('PATCH', '/v1/student', { student: { ID: id, LASTNAME: 'King' } })).toEqual({ ID: id, id });
    });
  });

  describe('courses', () => {
    it('creates with the groups’ students enrolled and answers the full record in UTC', async () => {
      const professor = await createProfessor();
      const a = await createStudent();
      const b = await createStudent(alan);
      const group = (await ok<{ ID: string }>('POST', '/v1/group', { group: { NAME: 'G', STUDENTS: [a, b] } })).ID;
      const id = await createCourse({
        PROFESSOR: professor,
        START: '2025-03-12T09:00:00+01:00',
        END: '2025-03-12T11:00:00+01:00',
        SCHOOL_GROUP: [group],
        API_ID: 'seance-1',
      });
      const course = await ok<Record<string, unknown>>('GET', `/v1/course/${id}`);
      expect(Object.keys(course)).toEqual([
        'ID',
        'NAME',
        'DESCRIPTION',
        'START',
        'END',
        'PROFESSOR',
        'PROFESSOR_2',
        'PROFESSOR_3',
        'NEED_STUDENTS_SIGNATURE',
        'CLASSROOM',
        'SCHOOL_GROUP',
        'MAX_STUDENTS',
        'API_ID',
        'API_TYPE',
        'LOCKED',
        'ATTENDANCE_LIST_GENERATED',
        'DATE_CREATED',
        'DATE_UPDATED',
        'STUDENTS',
        'id',
      ]);
      // No early departure: the row has no such key (Edusign leaves it out).
      expect(Object.keys((course['STUDENTS'] as object[])[0]!)).not.toContain('earlyDeparture');
      expect(course).toMatchObject({
        START: '2025-03-12T08:00:00.000Z',
        END: '2025-03-12T10:00:00.000Z',
        SCHOOL_GROUP: [group],
        LOCKED: 0,
        STUDENTS: [
          {
            studentId: a,
            state: false,
            timestamp: null,
            delay: 0,
            excluded: '',
            absenceId: null,
            comment: '',
          },
          { studentId: b },
        ],
      });
      expect(await ok('GET', '/v1/course/get-id/seance-1')).toEqual({ ID: id, id: id });
      expect(await businessError('GET', '/v1/course/get-id/none')).toBe('No course with this API_ID found');
    });

    it('refuses bad times and unknown or archived facilitators', async () => {
      const professor = await createProfessor();
      expect(
        await businessError('POST', '/v1/course', { course: mkCourse(professor, { START: '2025-03-12 09:00' }) }),
      ).toBe('START must be an ISO 8601 date-time with a time zone');
      expect(
        await businessError('POST', '/v1/course', {
          course: mkCourse(professor, { END: '2025-03-12T07:00:00Z' }),
        }),
      ).toBe('END must be after START');
      expect(await businessError('POST', '/v1/course', { course: mkCourse('nobody') })).toBe(
        'No professor with this ID found',
      );
      const gone = await createProfessor(alan);
      await ok('DELETE', `/v1/professor/${gone}`);
      expect(await businessError('POST', '/v1/course', { course: mkCourse(professor, { PROFESSOR_2: gone }) })).toBe(
        'Professor is archived',
      );
    });

    it('PATCH needs editSurveys and leaves unsent fields unchanged', async () => {
      const professor = await createProfessor();
      const second = await createProfessor(alan);
      const id = await createCourse({ PROFESSOR: professor, CLASSROOM: 'A1', DESCRIPTION: 'Intro' });
      const before = await ok<Record<string, unknown>>('GET', `/v1/course/${id}`);
      expect(await businessError('PATCH', '/v1/course', { course: { ID: id, NEED_STUDENTS_SIGNATURE: true } })).toEqual(
        ['editSurveys is required'],
      );
      await ok('PATCH', '/v1/course', {
        course: { ID: id, NEED_STUDENTS_SIGNATURE: true, PROFESSOR_2: second, NAME: 'Algebra II' },
        editSurveys: false,
      });
      expect(await ok('GET', `/v1/course/${id}`)).toEqual({ ...before, PROFESSOR_2: second, NAME: 'Algebra II' });
    });

    it('a changed SCHOOL_GROUP enrols the added group and keeps learners added one by one', async () => {
      const professor = await createProfessor();
      const a = await createStudent();
      const b = await createStudent(alan);
      const c = await createStudent({ ...grace, EMAIL: 'c@example.org' });
      const g1 = (await ok<{ ID: string }>('POST', '/v1/group', { group: { NAME: 'G1', STUDENTS: [a, c] } })).ID;
      const g2 = (await ok<{ ID: string }>('POST', '/v1/group', { group: { NAME: 'G2', STUDENTS: [b] } })).ID;
      const id = await createCourse({ PROFESSOR: professor, SCHOOL_GROUP: [g1] });
      await ok('DELETE', `/v1/course/attendance/${id}`, { studentId: c });
      await ok('PUT', `/v1/course/attendance/${id}`, { studentId: c });
      await ok('PATCH', '/v1/course', {
        course: { ID: id, NEED_STUDENTS_SIGNATURE: true, SCHOOL_GROUP: [g2] },
        editSurveys: false,
      });
      const course = await ok<{ STUDENTS: Array<{ studentId: string }> }>('GET', `/v1/course/${id}`);
      expect(course.STUDENTS.map((row) => row.studentId)).toEqual([c, b]);
    });

    it('the roster takes a learner once', async () => {
      const professor = await createProfessor();
      const a = await createStudent();
      const id = await createCourse({ PROFESSOR: professor });
      expect(await ok('PUT', `/v1/course/attendance/${id}`, { studentId: a })).toEqual({ ID: id, id: id });
      expect(await businessError('PUT', `/v1/course/attendance/${id}`, { studentId: a })).toBe(
        'Student already in the list',
      );
      expect(await businessError('PUT', `/v1/course/attendance/${id}`, { studentId: 'nobody' })).toBe(
        'No student with this ID found',
      );
      await ok('DELETE', `/v1/course/attendance/${id}`, { studentId: a });
      expect(await businessError('DELETE', `/v1/course/attendance/${id}`, { studentId: a })).toBe(
        'Student not in the list',
      );
    });

    it('a locked sheet refuses PATCH, DELETE and roster changes; lock twice is refused; unlock reopens', async () => {
      const professor = await createProfessor();
      const a = await createStudent();
      const id = await createCourse({ PROFESSOR: professor });
      const { link } = await ok<{ link: string }>('GET', `/v1/course/lock/${id}`);
      expect(link).toMatch(/\.pdf$/);
      expect(await ok('GET', `/v1/course/${id}`)).toMatchObject({ LOCKED: 1, ATTENDANCE_LIST_GENERATED: link });
      expect(await businessError('GET', `/v1/course/lock/${id}`)).toBe('Course already locked');
      const patch = { course: { ID: id, NEED_STUDENTS_SIGNATURE: true, NAME: 'x' }, editSurveys: false };
      expect(await businessError('PATCH', '/v1/course', patch)).toBe('course locked');
      expect(await businessError('DELETE', `/v1/course/${id}`)).toBe('course locked');
      expect(await businessError('PUT', `/v1/course/attendance/${id}`, { studentId: a })).toBe('course locked');
      expect(await ok('PATCH', `/v1/course/unlock/${id}`)).toEqual({ ID: id, id: id });
      await ok('PATCH', '/v1/course', patch);
      expect(await ok('DELETE', `/v1/course/${id}`)).toEqual({ ID: id, id: id });
      expect(await businessError('GET', `/v1/course/${id}`)).toBe('No course with this ID found');
    });

    it('lists 40 a page, by START date in UTC, at most 90 days, filtered by lock state', async () => {
      const professor = await createProfessor();
      const school = sim.school(KEY);
      const ids: string[] = [];
      for (let day = 1; day <= 45; day++) {
        const date = new Date(Date.UTC(2025, 3, day, 9)).toISOString();
        const end = new Date(Date.UTC(2025, 3, day, 10)).toISOString();
        ids.push(school.createCourse({ NAME: `C${day}`, START: date, END: end, PROFESSOR: professor }).ID);
      }
      school.lock(ids[0] ?? '');
      const first = await ok<Array<{ ID: string }>>('GET', '/v1/course?page=0&start=2025-04-01&end=2025-06-30');
      const second = await ok<Array<{ ID: string }>>('GET', '/v1/course?page=1&start=2025-04-01&end=2025-06-30');
      expect(first).toHaveLength(40);
      expect([...first, ...second].map((c) => c.ID)).toEqual(ids);
      expect(await ok<unknown[]>('GET', '/v1/course?page=0&start=2025-04-10&end=2025-04-11')).toHaveLength(2);
      expect(await ok('GET', '/v1/course?page=0&filters=locked')).toMatchObject([{ ID: ids[0] }]);
      expect(await ok<unknown[]>('GET', '/v1/course?page=0&filters=unlocked')).toHaveLength(40);
      expect(await businessError('GET', '/v1/course?page=0&start=2025-04-01&end=2025-07-01')).toBe(
        'The period between start and end cannot exceed 90 days',
      );
      expect(await businessError('GET', '/v1/course?start=2025-04-02&end=2025-04-01')).toBe(
        'The end date must not be before the start date',
      );
      expect(await businessError('GET', '/v1/course?start=01/04/2025')).toEqual([
        'start must be a date formatted YYYY-MM-DD',
      ]);
      expect(await businessError('GET', '/v1/course?filters=absencessent')).toEqual([
        'filters must be a comma list among locked, unlocked',
      ]);
    });
  });

  describe('slowing above the per-minute limit', () => {
    it('slows requests over the limit by one step each, within a sliding minute', () => {
      const clock = manualClock();
      const { api } = createEdusignHandler({
        schools: [{ apiKey: KEY }, { apiKey: OTHER_KEY }],
        rateLimit: { perMinute: 3, slowdownStepMs: 100 },
        now: clock.now,
      });
      const request = (key: string): SimRequest => ({
        method: 'GET',
        url: new URL('http://127.0.0.1/v1/student?page=0'),
        headers: { authorization: `Bearer ${key}` },
        body: '',
      });
      const delays = (key: string, count: number) =>
        Array.from({ length: count }, () => {
          const response = api(request(key));
          if (response instanceof Promise) throw new Error('the Edusign handler answers synchronously');
          expect(response.status).toBe(200);
          clock.advance(1000);
          return response.delayMs ?? 0;
        });
      expect(delays(KEY, 6)).toEqual([0, 0, 0, 100, 200, 300]);
      // Per school: the other key is not slowed.
      expect(delays(OTHER_KEY, 1)).toEqual([0]);
      // The window slides: at t=60 s only the request made at t=0 has left the minute (5 remain, plus this one).
      clock.advance(53_000);
      expect(delays(KEY, 1)).toEqual([300]);
      clock.advance(60_000);
      expect(delays(KEY, 1)).toEqual([0]);
    });

    it('caps the slowing at 10 s', () => {
      const { api } = createEdusignHandler({
        schools: [{ apiKey: KEY }],
        rateLimit: { perMinute: 1, slowdownStepMs: 5_000 },
        now: () => new Date('2025-03-10T08:00:00Z'),
      });
      const request: SimRequest = {
        method: 'GET',
        url: new URL('http://127.0.0.1/v1/nowhere'),
        headers: { authorization: `Bearer ${KEY}` },
        body: '',
      };
      const last = Array.from({ length: 5 }, () => api(request)).at(-1);
      expect(last).toMatchObject({ status: 404, delayMs: 10_000 });
    });

    it('really holds the answer back over HTTP', async () => {
      await sim.close();
      await start({ rateLimit: { perMinute: 1, slowdownStepMs: 150 } });
      await ok('GET', '/v1/student?page=0');
      const started = performance.now();
      await ok('GET', '/v1/student?page=0');
      expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    });
  });

  describe('/__sim/ routes (a person in the web app)', () => {
    it('create records by hand without API_ID and show the school state', async () => {
      const student = await call('POST', '/__sim/students', { ...ada, API_ID: 'ignored' });
      expect(student.status).toBe(200);
      expect(student.json).toMatchObject({ FIRSTNAME: 'Ada', API_ID: '' });
      const professor = (await call('POST', '/__sim/professors', grace)).json;
      const group = (await call('POST', '/__sim/groups', { NAME: 'G', STUDENTS: [student.json['ID']] })).json;
      const course = await call('POST', '/__sim/courses', {
        NAME: 'By hand',
        START: '2025-03-12T09:00:00Z',
        END: '2025-03-12T10:00:00Z',
        PROFESSOR: professor['ID'],
        SCHOOL_GROUP: [group['ID']],
      });
      expect(course.json).toMatchObject({ API_ID: '', STUDENTS: [{ studentId: student.json['ID'] }] });
      const state = (await call('GET', '/__sim/state')).json;
      expect(state).toMatchObject({
        NAME: 'Lycée Test',
        students: [{ ID: student.json['ID'] }],
        professors: [{ ID: professor['ID'] }],
        groups: [{ ID: group['ID'] }],
        courses: [{ ID: course.json['ID'] }],
        externals: [],
        credentialEmails: [],
        seeded: [],
      });
      const external = (await call('POST', '/__sim/externals', { ...grace, API_ID: 'ignored' })).json;
      expect(external).toMatchObject({ EMAIL: 'grace@example.org', API_ID: '', HIDDEN: 0 });
      expect((await call('POST', '/__sim/students', ada)).status).toBe(409);
      expect((await call('POST', '/__sim/students', {})).status).toBe(400);
      expect((await call('GET', '/__sim/state', undefined, 'wrong')).status).toBe(401);
      expect((await call('GET', '/__sim/nothing')).status).toBe(404);
    });

    it('sign, delay, early departure, exclusion, lock and unlock show up in the API record', async () => {
      const professor = await createProfessor();
      const a = await createStudent();
      const b = await createStudent(alan);
      const id = await createCourse({ PROFESSOR: professor });
      await ok('PUT', `/v1/course/attendance/${id}`, { studentId: a });
      await ok('PUT', `/v1/course/attendance/${id}`, { studentId: b });
      const base = `/__sim/courses/${id}`;
      expect((await call('POST', `${base}/sign`, { studentId: a, at: '2025-03-12T08:05:00Z' })).status).toBe(200);
      expect((await call('POST', `${base}/delay`, { studentId: a, minutes: 5 })).status).toBe(200);
      expect((await call('POST', `${base}/early-departure`, { studentId: a, at: '2025-03-12T09:30:00Z' })).status).toBe(
        200,
      );
      expect((await call('POST', `${base}/exclude`, { studentId: b, at: '2025-03-12T08:30:00+00:00' })).status).toBe(
        200,
      );
      const lock = await call('POST', `${base}/lock`);
      expect(lock.json['link']).toMatch(/\.pdf$/);
      const refused = await call('POST', `${base}/sign`, { studentId: b });
      expect(refused.status).toBe(409);
      expect(refused.json).toEqual({ error: 'course locked' });
      const course = await ok<{ LOCKED: number; STUDENTS: unknown[] }>('GET', `/v1/course/${id}`);
      expect(course.LOCKED).toBe(1);
      expect(course.STUDENTS).toEqual([
        {
          studentId: a,
          state: true,
          timestamp: '2025-03-12T08:05:00.000Z',
          delay: 5,
          excluded: '',
          absenceId: null,
          comment: '',
          earlyDeparture: '2025-03-12T09:30:00.000Z',
        },
        {
          studentId: b,
          state: false,
          timestamp: null,
          delay: 0,
          excluded: '2025-03-12T08:30:00.000Z',
          absenceId: null,
          comment: '',
        },
      ]);
      expect((await call('POST', `${base}/unlock`)).json).toMatchObject({ LOCKED: 0 });
      expect((await call('POST', `${base}/sign`, { studentId: b })).status).toBe(200);
      expect((await call('POST', `/__sim/courses/nope/sign`, { studentId: b })).status).toBe(404);
    });

    it('archive students and professors by hand', async () => {
      const a = await createStudent();
      const professor = await createProfessor();
      expect((await call('POST', `/__sim/students/${a}/archive`)).json).toMatchObject({ HIDDEN: 1 });
      expect((await call('POST', `/__sim/professors/${professor}/archive`)).json).toMatchObject({
        HIDDEN: [sim.school(KEY).id],
      });
      expect(await ok('GET', `/v1/student/${a}`)).toMatchObject({ HIDDEN: 1 });
      expect(sim.school(KEY).professor(professor)?.HIDDEN).toEqual([sim.school(KEY).id]);
    });

    it('leaves the shell’s request log to API calls only', async () => {
      await call('GET', '/__sim/state');
      await call('GET', '/v1/student?page=0');
      expect(sim.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(['GET /v1/student 200']);
    });
  });
});

describe('Edusign simulator, harsh profile', () => {
  beforeEach(async () => {
    await start({ profile: 'harsh' });
  });
  afterEach(async () => {
    await sim.close();
  });

  it('answers a look-up that finds nothing with an empty success, varied by route', async () => {
    const emptyResult = async (path: string) => {
      const answer = await call('GET', path);
      expect(answer.status).toBe(200);
      expect(answer.json).toMatchObject({ status: 'success' });
      return answer.json['result'];
    };
    expect(await emptyResult('/v1/student/nope')).toBeNull();
    expect(await emptyResult('/v1/student/by-email/nobody%40example.org')).toEqual({});
    expect(await emptyResult('/v1/student/get-id/none')).toEqual([]);
    expect(await emptyResult('/v1/professor/by-email/nobody%40example.org')).toEqual([]);
    expect(await emptyResult('/v1/professor/get-id/none')).toBeNull();
    expect(await emptyResult('/v1/professor/nope')).toEqual({});
    expect(await emptyResult('/v1/group/nope')).toBeNull();
    expect(await emptyResult('/v1/course/nope')).toBeNull();
    expect(await emptyResult('/v1/course/get-id/none')).toEqual({});
    expect(await emptyResult('/v1/externals/by-email/probe%40invalid.example')).toEqual({});
    expect(await emptyResult('/v1/externals/get-id/none')).toEqual([]);
    expect(await emptyResult('/v1/externals/nope')).toBeNull();
  });

  it('still refuses writes about what does not exist with the business error', async () => {
    expect(await businessError('PATCH', '/v1/student', { student: { ID: 'nope', FIRSTNAME: 'X' } })).toBe(
      'No student with this ID found',
    );
    expect(await businessError('DELETE', '/v1/course/nope')).toBe('No course with this ID found');
    expect(await businessError('GET', '/v1/student/restore/nope')).toBe('No student with this ID found');
  });

  it('serves 25 learners a page without limit, and honours limit only up to 50', async () => {
    for (let n = 0; n < 60; n++) await createStudent({ FIRSTNAME: `L${n}`, LASTNAME: 'X', EMAIL: `l${n}@example.org` });
    expect(await ok<unknown[]>('GET', '/v1/student?page=0')).toHaveLength(25);
    expect(await ok<unknown[]>('GET', '/v1/student?page=2')).toHaveLength(10);
    expect(await ok<unknown[]>('GET', '/v1/student?page=0&limit=10')).toHaveLength(10);
    expect(await ok<unknown[]>('GET', '/v1/student?page=0&limit=100')).toHaveLength(50);
    expect(await ok<unknown[]>('GET', '/v1/student?page=1&limit=100')).toHaveLength(10);
    expect(await ok<unknown[]>('GET', '/v1/student?page=2&limit=100')).toEqual([]);
  });

  it('has no group get-id route (HTML 404), and has the externals routes', async () => {
    await ok('POST', '/v1/group', { group: { NAME: 'G', API_ID: 'grp-1' } });
    const missing = await call('GET', '/v1/group/get-id/grp-1');
    expect(missing.status).toBe(404);
    expect(missing.contentType).toContain('text/html');
    expect((await call('GET', '/v1/externals/by-email/a%40b.example')).json).toMatchObject({ status: 'success' });
  });

  it('holds a professor made by hand who is archived in another school only', async () => {
    const school = sim.school(KEY);
    const professors = await ok<Array<{ ID: string; HIDDEN: string[]; API_ID: string }>>('GET', '/v1/professor?page=0');
    expect(professors).toHaveLength(1);
    const [shared] = professors;
    expect(shared?.HIDDEN).toEqual([anotherSchoolId]);
    expect(shared?.HIDDEN).not.toContain(school.id);
    expect(shared?.API_ID).toBe('');
    expect(school.snapshot().seeded).toEqual([shared?.ID]);
    // Active here: it can facilitate a sheet.
    await createCourse({ PROFESSOR: shared?.ID });
    // Every professor's HIDDEN is a list, as in the default profile.
    const id = await createProfessor();
    expect(await ok('GET', `/v1/professor/${id}`)).toMatchObject({ HIDDEN: [] });
  });

  it('sends records with ID and id, and leaves earlyDeparture out of rows without one', async () => {
    const professor = await createProfessor();
    const a = await createStudent();
    const id = await createCourse({ PROFESSOR: professor });
    await ok('PUT', `/v1/course/attendance/${id}`, { studentId: a });
    const course = await ok<{ ID: string; id: string; STUDENTS: object[] }>('GET', `/v1/course/${id}`);
    expect(course.id).toBe(course.ID);
    expect(Object.keys(course.STUDENTS[0]!)).not.toContain('earlyDeparture');
  });
});

function mkCourse(professor: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    NAME: 'Algebra',
    START: '2025-03-12T08:00:00Z',
    END: '2025-03-12T10:00:00Z',
    PROFESSOR: professor,
    NEED_STUDENTS_SIGNATURE: true,
    ...fields,
  };
}
