/**
 * The Edusign v1 API client: learners (students), facilitators (professors), groups, sheets (courses), tutors
 * (externals), the school itself, and the attendance of locked sheets.
 *
 * A thin layer over the shared HTTP transport: it adds the bearer key and the tenant's rate limiter, unwraps
 * Edusign's `{status, result}` envelope (business errors come at HTTP 200), checks every answer with zod, pages
 * through lists, and makes creates safe to repeat by looking records up by `API_ID` after an ambiguous failure.
 * A look-up that finds nothing answers `undefined`, whether Edusign said so with a business error or with an
 * empty success (`null`, `{}`, `[]`).
 */
import { z } from 'zod';

import { systemClock } from '../clock.js';
import type { Clock } from '../clock.js';
import { ConfigError, excerpt, HttpStatusError, ResponseShapeError } from '../errors.js';
import { createRateLimiter, edusignRequestsPerMinute } from '../http/rate-limiter.js';
import type { RateLimiter } from '../http/rate-limiter.js';
import { backoffDelay, defaultRetryPolicy } from '../http/retry.js';
import type { RetryPolicy } from '../http/retry.js';
import { createHttpTransport, describeUrl, isAmbiguousFailure } from '../http/transport.js';
import type { Exchange, TransportOptions, TransportRequest } from '../http/transport.js';
import {
  classifyEdusignMessages,
  EdusignBusinessError,
  EdusignNotEnvelopeError,
  isEdusignBusinessError,
  isRouteMissing,
} from './errors.js';
import type { EdusignErrorCode } from './errors.js';
import {
  EdusignCourse,
  EdusignEnvelope,
  EdusignExternal,
  EdusignGroup,
  EdusignIdResult,
  EdusignLockResult,
  EdusignProfessor,
  EdusignSchool,
  EdusignStudent,
  isArchived,
  isEmptyResult,
  needsSchoolId,
} from './schemas.js';

export const defaultEdusignBaseUrl = 'https://ext.edusign.fr';

/**
 * Records a list page is expected to hold, for estimating how many requests a list costs. Only an empty page
 * ends a list: a server may serve fewer than these (or than the `limit` asked) on a page that is not the last.
 */
export const edusignPageSizes = { students: 100, professors: 100, groups: 100, courses: 40 } as const;

/**
 * The `limit` sent with the student list (the only list known to take one). 100 is the page size Edusign serves
 * professors and groups, so a page stays a few tens of kilobytes, and one request brings as many learners as one
 * of those lists brings people; a server that caps the page lower still works, since only an empty page ends.
 */
export const edusignStudentPageLimit = 100;

/** Longest span `courses.list` accepts between `start` and `end`. */
export const edusignCourseListMaxDays = 90;

/** Look-up-then-create rounds for one create before its last failure is thrown. */
const maxCreateRounds = 3;

export interface EdusignClientOptions {
  /** Defaults to `https://ext.edusign.fr`. Must be https, except on loopback (the simulator). */
  baseUrl?: string;
  /** The school's API key, sent as a bearer token and never shown in errors. */
  apiKey: string;
  fetch?: typeof fetch;
  clock?: Clock;
  /** Budget for one attempt. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  random?: () => number;
  /**
   * Shared by every client of one school, so that together they stay under Edusign's per-minute limit.
   * Defaults to a limiter of this client's own at `edusignRequestsPerMinute`.
   */
  limiter?: RateLimiter;
  onExchange?: (exchange: Exchange) => void;
}

/** Per-call options. */
export interface CallOptions {
  signal?: AbortSignal;
}

/** Options of `students.restore`. */
export interface StudentRestoreOptions extends CallOptions {
  /**
   * The learner's names, sent with `HIDDEN: 0` by the fallback PATCH on a server without the restore route
   * (Edusign may want the names on every update, see `StudentUpdate`).
   */
  names?: { FIRSTNAME: string; LASTNAME: string };
}

/** Options of `groups.getIdByApiId`. */
export interface GroupIdLookupOptions extends CallOptions {
  /**
   * false: on a server without the get-id route, throw its route-missing error (the client still remembers it)
   * instead of reading the group list. For a caller that reads the list itself, once for many groups.
   */
  listFallback?: boolean;
}

/** The id of a created record; `recovered` is true when an earlier attempt had written it and a look-up found it. */
export interface CreateOutcome {
  id: string;
  recovered: boolean;
}

// ---- Inputs, in wire names -------------------------------------------------------------------------------

export interface StudentInput {
  FIRSTNAME: string;
  LASTNAME: string;
  EMAIL: string;
  /** The connector's id for the record; creates are only recoverable with it. */
  API_ID?: string;
  API_TYPE?: string;
  GROUPS?: readonly string[];
  STUDENT_FOLLOWER_ID?: readonly string[];
  PHONE?: string;
  FILE_NUMBER?: string;
  COMPANY?: string;
  TRAINING_NAME?: string;
  TAGS?: readonly string[];
  /** Whether Edusign e-mails login details to the learner; false unless asked. */
  SEND_EMAIL_CREDENTIALS?: boolean;
}
/**
 * Edusign may want the names on every update (the research saw them required), so they are required here too.
 * An archived learner is brought back with `students.restore`, not with this.
 */
export type StudentUpdate = { ID: string; FIRSTNAME: string; LASTNAME: string } & Partial<
  Omit<StudentInput, 'SEND_EMAIL_CREDENTIALS' | 'FIRSTNAME' | 'LASTNAME'>
>;

export interface ProfessorInput {
  FIRSTNAME: string;
  LASTNAME: string;
  EMAIL: string;
  API_ID?: string;
  API_TYPE?: string;
  PHONE?: string;
  SPECIALITY?: string;
  TAGS?: readonly string[];
}
/**
 * Edusign's reference marks the names and the e-mail required on a facilitator update. `HIDDEN: false` restores a
 * facilitator archived here (sent as 0: no restore route for professors is known; the project's decision).
 */
export type ProfessorUpdate = { ID: string; FIRSTNAME: string; LASTNAME: string; EMAIL: string } & Partial<
  Omit<ProfessorInput, 'FIRSTNAME' | 'LASTNAME' | 'EMAIL'>
> & { HIDDEN?: boolean };
export interface ProfessorCreateOptions extends CallOptions {
  /** Whether Edusign e-mails login details to the facilitator; false unless asked. */
  sendCredentials?: boolean;
}

export interface GroupInput {
  NAME: string;
  /** Student ids; on update the list replaces the members. */
  STUDENTS?: readonly string[];
  API_ID?: string;
  API_TYPE?: string;
  DESCRIPTION?: string;
}
/** Edusign wants `NAME` on every group update. */
export type GroupUpdate = { ID: string; NAME: string } & Partial<Omit<GroupInput, 'NAME'>>;

export interface CourseInput {
  NAME: string;
  /** UTC ISO 8601 with `Z`. */
  START: string;
  END: string;
  /** The first facilitator's id; a sheet has at most three. */
  PROFESSOR: string;
  PROFESSOR_2?: string;
  PROFESSOR_3?: string;
  NEED_STUDENTS_SIGNATURE: boolean;
  /** The room's name. */
  CLASSROOM?: string;
  /** Group ids; their learners are enrolled. */
  SCHOOL_GROUP?: readonly string[];
  DESCRIPTION?: string;
  API_ID?: string;
  API_TYPE?: string;
}
/** `''` clears an optional text field (a second facilitator, the room). `NEED_STUDENTS_SIGNATURE` goes on every update. */
export type CourseUpdate = { ID: string; NEED_STUDENTS_SIGNATURE: boolean } & Partial<
  Omit<CourseInput, 'NEED_STUDENTS_SIGNATURE'>
>;

/** The sheet states a list can be narrowed to (Edusign has more filters; the connector needs these). */
export const courseListFilters = ['locked', 'unlocked'] as const;
export type CourseListFilter = (typeof courseListFilters)[number];
export interface CourseListQuery extends CallOptions {
  /** `YYYY-MM-DD`; at most 90 days before `end`. */
  start: string;
  end: string;
  filters?: readonly CourseListFilter[];
}

/** A tutor, apprenticeship master or other person outside the school. */
export interface ExternalInput {
  FIRSTNAME: string;
  LASTNAME: string;
  EMAIL: string;
  COMPANY?: string;
  /** Edusign's kind of external (free text as far as is known). */
  TYPE?: string;
  API_ID?: string;
  API_TYPE?: string;
}
export type ExternalUpdate = { ID: string } & Partial<ExternalInput>;

/**
 * A GET described rather than interpreted, for the preflight: what the server did, whatever it was.
 * `not-envelope`: an answer that is not the API's envelope (an HTML or plain 404: the route is missing).
 */
export type EdusignAnswer =
  | { kind: 'success'; result: unknown }
  | { kind: 'business-error'; code: EdusignErrorCode; message: string }
  | { kind: 'not-envelope'; status: number }
  | { kind: 'http-error'; status: number };

// ---- The client ------------------------------------------------------------------------------------------

/** Pages of records, in server order, each record once. */
export type Pages<T> = AsyncGenerator<T[], void, undefined>;

export interface EdusignStudents {
  create(input: StudentInput, options?: CallOptions): Promise<CreateOutcome>;
  update(input: StudentUpdate, options?: CallOptions): Promise<void>;
  get(id: string, options?: CallOptions): Promise<EdusignStudent | undefined>;
  getByEmail(email: string, options?: CallOptions): Promise<EdusignStudent | undefined>;
  getIdByApiId(apiId: string, options?: CallOptions): Promise<string | undefined>;
  /** Every learner, archived ones included; sends `limit` (edusignStudentPageLimit) and stops on an empty page. */
  list(options?: CallOptions): Pages<EdusignStudent>;
  /** Edusign archives (hides) the learner; there is no delete. */
  archive(id: string, options?: CallOptions): Promise<void>;
  /**
   * Brings an archived learner back (`GET /v1/student/restore/:id`); update it afterwards as usual. Where the
   * server lacks that route, a PATCH with `HIDDEN: 0` (and `names`) does it instead, and the client remembers the
   * missing route for its life.
   */
  restore(id: string, options?: StudentRestoreOptions): Promise<void>;
}

export interface EdusignProfessors {
  /** Throws `PROFESSOR_EXISTS` when the e-mail is already used in the school. */
  create(input: ProfessorInput, options?: ProfessorCreateOptions): Promise<CreateOutcome>;
  update(input: ProfessorUpdate, options?: CallOptions): Promise<void>;
  get(id: string, options?: CallOptions): Promise<EdusignProfessor | undefined>;
  getByEmail(email: string, options?: CallOptions): Promise<EdusignProfessor | undefined>;
  getIdByApiId(apiId: string, options?: CallOptions): Promise<string | undefined>;
  list(options?: CallOptions): Pages<EdusignProfessor>;
  archive(id: string, options?: CallOptions): Promise<void>;
}

export interface EdusignGroups {
  create(input: GroupInput, options?: CallOptions): Promise<CreateOutcome>;
  /** `STUDENTS`, when given, replaces the members. */
  update(input: GroupUpdate, options?: CallOptions): Promise<void>;
  get(id: string, options?: CallOptions): Promise<EdusignGroup | undefined>;
  /**
   * `GET /v1/group/get-id/:apiId` (one public client uses it). Where the server lacks that route, the whole list
   * is read instead (preferring a group that is not archived), and the client remembers it for its life; with
   * `listFallback: false`, the route-missing error is thrown instead of reading the list.
   */
  getIdByApiId(apiId: string, options?: GroupIdLookupOptions): Promise<string | undefined>;
  /** True once this client found that the server has no group get-id route. */
  getIdRouteMissing(): boolean;
  list(options?: CallOptions): Pages<EdusignGroup>;
  archive(id: string, options?: CallOptions): Promise<void>;
}

export interface EdusignCourses {
  create(input: CourseInput, options?: CallOptions): Promise<CreateOutcome>;
  /** Sends `editSurveys: false` so surveys are left alone. Throws `COURSE_LOCKED` on a locked sheet. */
  update(input: CourseUpdate, options?: CallOptions): Promise<void>;
  get(id: string, options?: CallOptions): Promise<EdusignCourse | undefined>;
  getIdByApiId(apiId: string, options?: CallOptions): Promise<string | undefined>;
  list(query: CourseListQuery): Pages<EdusignCourse>;
  /** Deletes the sheet (courses are not archived). */
  delete(id: string, options?: CallOptions): Promise<void>;
  /** Throws `COURSE_ALREADY_LOCKED` when it is (also when a retried attempt finds the first one's work done). */
  lock(id: string, options?: CallOptions): Promise<EdusignLockResult>;
  unlock(id: string, options?: CallOptions): Promise<void>;
  /** Throws `STUDENT_ALREADY_IN_LIST` when the learner is on the sheet already. */
  addStudent(courseId: string, studentId: string, options?: CallOptions): Promise<void>;
  removeStudent(courseId: string, studentId: string, options?: CallOptions): Promise<void>;
}

/**
 * Externals: a learner's `STUDENT_FOLLOWER_ID` holds their ids. `getByEmail` is the route public clients use;
 * the writes and `getIdByApiId` are the project's reading (docs/contracts/edusign.md). A server without these
 * routes answers an HTML 404: `isRouteMissing(error)` tells it.
 */
export interface EdusignExternals {
  /** Throws `EXTERNAL_EXISTS` when the e-mail is already used by an external of the school. */
  create(input: ExternalInput, options?: CallOptions): Promise<CreateOutcome>;
  update(input: ExternalUpdate, options?: CallOptions): Promise<void>;
  get(id: string, options?: CallOptions): Promise<EdusignExternal | undefined>;
  getByEmail(email: string, options?: CallOptions): Promise<EdusignExternal | undefined>;
  getIdByApiId(apiId: string, options?: CallOptions): Promise<string | undefined>;
}

export interface EdusignClient {
  readonly baseUrl: string;
  readonly students: EdusignStudents;
  readonly professors: EdusignProfessors;
  readonly groups: EdusignGroups;
  readonly courses: EdusignCourses;
  /** Tutors. */
  readonly externals: EdusignExternals;
  /**
   * This school's Edusign id (`GET /v1/school`), read once per client; `undefined` when the server does not say
   * (no such route, a refusal, an answer without an id). It tells whether a facilitator is archived here.
   */
  schoolId(options?: CallOptions): Promise<string | undefined>;
  /** `isArchived(record, this school's id)`, reading the school's id only when the record needs it. */
  isArchived(record: { readonly HIDDEN: EdusignStudent['HIDDEN'] }, options?: CallOptions): Promise<boolean>;
  /** A GET (never anything else) whose answer is described, not interpreted: for the preflight. */
  inspect(
    path: string,
    query?: Readonly<Record<string, string | number | undefined>>,
    options?: CallOptions,
  ): Promise<EdusignAnswer>;
}

/** Every record of every page, in order. */
export async function collectPages<T>(pages: AsyncIterable<readonly T[]>): Promise<T[]> {
  const all: T[] = [];
  for await (const page of pages) all.push(...page);
  return all;
}

/** The default limiter for one school: share it between every client of that school. */
export function createEdusignRateLimiter(clock: Clock = systemClock): RateLimiter {
  return createRateLimiter({ limit: edusignRequestsPerMinute, windowMs: 60_000, clock });
}

export function createEdusignClient(options: EdusignClientOptions): EdusignClient {
  const baseUrl = checkBaseUrl(options.baseUrl ?? defaultEdusignBaseUrl);
  checkApiKey(options.apiKey);
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const policy: RetryPolicy = { ...defaultRetryPolicy, ...options.retry };

  const transportOptions: TransportOptions = {
    system: 'edusign',
    baseUrl,
    headers: { authorization: `Bearer ${options.apiKey}` },
    clock,
    random,
    retry: policy,
    limiter: options.limiter ?? createEdusignRateLimiter(clock),
  };
  if (options.fetch) transportOptions.fetch = options.fetch;
  if (options.timeoutMs !== undefined) transportOptions.timeoutMs = options.timeoutMs;
  if (options.onExchange) transportOptions.onExchange = options.onExchange;
  const transport = createHttpTransport(transportOptions);
  /**
   * The route-missing error of the group get-id route, once the server answered it (the list is read instead
   * from then on); thrown again to a caller that asks for no list fallback.
   */
  let groupGetIdMissing: { error: unknown } | undefined;
  /** Set once the server answered that it has no student restore route: the PATCH is sent instead from then on. */
  let studentRestoreMissing = false;

  /** Sends one request and returns the envelope's `result`, or throws what went wrong as a typed error. */
  const send = async (request: TransportRequest): Promise<{ result: unknown; url: string }> => {
    // Edusign may report a business or validation error with a 4xx and the usual envelope: read it as such.
    const response = await transport.request({ ...request, acceptStatuses: envelopeErrorStatuses });
    const context = { method: request.method, url: describeUrl(new URL(response.url)) };
    const envelope = response.json === undefined ? undefined : EdusignEnvelope.safeParse(response.json);
    if (envelope === undefined || !envelope.success) {
      if (response.status >= 400) {
        throw new HttpStatusError({ system: 'edusign', ...context }, response.status, response.text);
      }
      const issues = envelope
        ? [`not the API envelope: ${zodIssues(envelope.error).join('; ')}`]
        : [`not a JSON answer: ${excerpt(response.text)}`];
      throw new EdusignNotEnvelopeError(context.url, response.status, issues);
    }
    const answer = envelope.data;
    if (answer.status === 'error') {
      const code = classifyEdusignMessages(answer.messages, answer.messageWasList);
      throw new EdusignBusinessError(context, code, answer.messages);
    }
    if (response.status >= 400) {
      throw new HttpStatusError({ system: 'edusign', ...context }, response.status, response.text);
    }
    return { result: answer.result, url: context.url };
  };

  const parse = <S extends z.ZodType>(schema: S, result: unknown, url: string): z.output<S> => {
    const parsed = schema.safeParse(result);
    if (!parsed.success) throw new ResponseShapeError('edusign', url, zodIssues(parsed.error));
    return parsed.data;
  };

  const call = async <S extends z.ZodType>(schema: S, request: TransportRequest): Promise<z.output<S>> => {
    const { result, url } = await send(request);
    return parse(schema, result, url);
  };

  const withSignal = (request: TransportRequest, callOptions: CallOptions | undefined): TransportRequest =>
    callOptions?.signal ? { ...request, signal: callOptions.signal } : request;

  /**
   * A look-up whose "not found" is an answer, not a failure: a `NOT_FOUND` business error, or a success whose
   * result is empty (`null`, `{}`, `[]`). A list of exactly one record is read as that record.
   */
  const lookUp = async <S extends z.ZodType>(
    schema: S,
    path: string,
    callOptions: CallOptions | undefined,
  ): Promise<z.output<S> | undefined> => {
    let answer: { result: unknown; url: string };
    try {
      answer = await send(withSignal({ method: 'GET', path }, callOptions));
    } catch (error) {
      if (isEdusignBusinessError(error, 'NOT_FOUND')) return undefined;
      throw error;
    }
    if (isEmptyResult(answer.result)) return undefined;
    const result: unknown = answer.result;
    const single: unknown = Array.isArray(result) && result.length === 1 ? (result as unknown[])[0] : result;
    return parse(schema, single, answer.url);
  };

  const getRecord = <S extends z.ZodType>(schema: S, path: string, callOptions?: CallOptions) =>
    lookUp(schema, path, callOptions);

  const getIdByApiId = async (resource: string, apiId: string, callOptions?: CallOptions) =>
    (await lookUp(EdusignIdResult, `/v1/${resource}/get-id/${segment(apiId, 'apiId')}`, callOptions))?.ID;

  const write = async (request: TransportRequest, callOptions?: CallOptions): Promise<void> => {
    await send(withSignal(request, callOptions));
  };

  /**
   * Reads a list page by page (0-based) until a page comes back empty. A short page does not end the list: page
   * sizes are not published and a server may cap them below what was asked, so only an empty page is proof.
   */
  async function* pages<S extends z.ZodType<{ ID: string }>>(
    schema: S,
    path: string,
    query: Readonly<Record<string, string | number | undefined>>,
    callOptions?: CallOptions,
  ): AsyncGenerator<z.output<S>[], void, undefined> {
    const pageSchema = z.array(schema);
    // A record can move to the next page while we read (one was added before it): keep it once.
    const seen = new Set<string>();
    for (let page = 0; ; page++) {
      const records = await call(
        pageSchema,
        withSignal({ method: 'GET', path, query: { ...query, page } }, callOptions),
      );
      const fresh = records.filter((record) => !seen.has(record.ID));
      for (const record of fresh) seen.add(record.ID);
      if (fresh.length > 0) yield fresh;
      // A page of records all seen already means the server ignores `page`: stop rather than loop forever.
      if (records.length === 0 || fresh.length === 0) return;
    }
  }

  /**
   * A create that is safe to repeat. After an ambiguous failure (no answer, or a 5xx: the record may exist),
   * it waits a backoff, looks the record up by `API_ID`, and returns it when found; else it creates again.
   * Without an `API_ID` there is no way to tell, so the failure is thrown as is. A later round refused because
   * the e-mail is taken may mean an earlier round's write landed after its look-up: one more look-up settles it.
   */
  const create = async (
    path: string,
    body: unknown,
    apiId: string | undefined,
    findId: (apiId: string) => Promise<string | undefined>,
    callOptions: CallOptions | undefined,
  ): Promise<CreateOutcome> => {
    for (let round = 1; ; round++) {
      try {
        const result = await call(EdusignIdResult, withSignal({ method: 'POST', path, body }, callOptions));
        return { id: result.ID, recovered: false };
      } catch (error) {
        if (apiId !== undefined && round > 1 && isDuplicateRefusal(error)) {
          const found = await findId(apiId);
          if (found !== undefined) return { id: found, recovered: true };
          throw error;
        }
        if (!isAmbiguousFailure(error) || apiId === undefined || round >= maxCreateRounds) throw error;
        await clock.sleep(backoffDelay(round, policy, random), callOptions?.signal);
        const found = await findId(apiId);
        if (found !== undefined) return { id: found, recovered: true };
      }
    }
  };

  const students: EdusignStudents = {
    create: async (input, callOptions) =>
      create(
        '/v1/student',
        { student: { ...input, SEND_EMAIL_CREDENTIALS: input.SEND_EMAIL_CREDENTIALS ?? false } },
        input.API_ID,
        (apiId) => students.getIdByApiId(apiId, callOptions),
        callOptions,
      ),
    update: async (input, callOptions) =>
      write({ method: 'PATCH', path: '/v1/student', body: { student: input } }, callOptions),
    get: async (id, callOptions) => getRecord(EdusignStudent, `/v1/student/${segment(id, 'id')}`, callOptions),
    getByEmail: async (email, callOptions) =>
      getRecord(EdusignStudent, `/v1/student/by-email/${segment(email, 'email')}`, callOptions),
    getIdByApiId: async (apiId, callOptions) => getIdByApiId('student', apiId, callOptions),
    list: (callOptions) => pages(EdusignStudent, '/v1/student', { limit: edusignStudentPageLimit }, callOptions),
    archive: async (id, callOptions) =>
      write({ method: 'DELETE', path: `/v1/student/${segment(id, 'id')}` }, callOptions),
    async restore(id, restoreOptions) {
      const path = `/v1/student/restore/${segment(id, 'id')}`;
      if (!studentRestoreMissing) {
        try {
          return await write({ method: 'GET', path }, restoreOptions);
        } catch (error) {
          if (!isRouteMissing(error)) throw error;
          studentRestoreMissing = true;
        }
      }
      // What the connector sent before it knew the restore route: PATCH works on an archived learner too.
      const student = { ID: id, ...restoreOptions?.names, HIDDEN: 0 };
      return write({ method: 'PATCH', path: '/v1/student', body: { student } }, restoreOptions);
    },
  };

  const professors: EdusignProfessors = {
    create: async (input, createOptions) =>
      create(
        '/v1/professor',
        { professor: input, dontSendCredentials: !(createOptions?.sendCredentials ?? false) },
        input.API_ID,
        (apiId) => professors.getIdByApiId(apiId, createOptions),
        createOptions,
      ),
    update: async (input, callOptions) =>
      write({ method: 'PATCH', path: '/v1/professor', body: { professor: withWireFlags(input) } }, callOptions),
    get: async (id, callOptions) => getRecord(EdusignProfessor, `/v1/professor/${segment(id, 'id')}`, callOptions),
    getByEmail: async (email, callOptions) =>
      getRecord(EdusignProfessor, `/v1/professor/by-email/${segment(email, 'email')}`, callOptions),
    getIdByApiId: async (apiId, callOptions) => getIdByApiId('professor', apiId, callOptions),
    list: (callOptions) => pages(EdusignProfessor, '/v1/professor', {}, callOptions),
    archive: async (id, callOptions) =>
      write({ method: 'DELETE', path: `/v1/professor/${segment(id, 'id')}` }, callOptions),
  };

  const groups: EdusignGroups = {
    create: async (input, callOptions) =>
      create(
        '/v1/group',
        { group: input },
        input.API_ID,
        (apiId) => groups.getIdByApiId(apiId, callOptions),
        callOptions,
      ),
    update: async (input, callOptions) =>
      write({ method: 'PATCH', path: '/v1/group', body: { group: input } }, callOptions),
    get: async (id, callOptions) => getRecord(EdusignGroup, `/v1/group/${segment(id, 'id')}`, callOptions),
    async getIdByApiId(apiId, lookupOptions) {
      if (!groupGetIdMissing) {
        try {
          return await getIdByApiId('group', apiId, lookupOptions);
        } catch (error) {
          if (!isRouteMissing(error)) throw error;
          groupGetIdMissing = { error };
        }
      }
      if (lookupOptions?.listFallback === false) throw groupGetIdMissing.error;
      let archived: string | undefined;
      for await (const page of groups.list(lookupOptions)) {
        for (const group of page) {
          if (group.API_ID !== apiId) continue;
          if (!isArchived(group, undefined)) return group.ID;
          archived ??= group.ID;
        }
      }
      return archived;
    },
    getIdRouteMissing: () => groupGetIdMissing !== undefined,
    list: (callOptions) => pages(EdusignGroup, '/v1/group', {}, callOptions),
    archive: async (id, callOptions) =>
      write({ method: 'DELETE', path: `/v1/group/${segment(id, 'id')}` }, callOptions),
  };

  const courses: EdusignCourses = {
    create: async (input, callOptions) =>
      create(
        '/v1/course',
        { course: input },
        input.API_ID,
        (apiId) => courses.getIdByApiId(apiId, callOptions),
        callOptions,
      ),
    update: async (input, callOptions) => {
      // Both are required by Edusign; `editSurveys: true` would erase and recreate the sheet's surveys.
      if (typeof input.NEED_STUDENTS_SIGNATURE !== 'boolean') {
        throw new TypeError('edusign courses.update: NEED_STUDENTS_SIGNATURE must be sent on every update');
      }
      return write({ method: 'PATCH', path: '/v1/course', body: { course: input, editSurveys: false } }, callOptions);
    },
    get: async (id, callOptions) => getRecord(EdusignCourse, `/v1/course/${segment(id, 'id')}`, callOptions),
    getIdByApiId: async (apiId, callOptions) => getIdByApiId('course', apiId, callOptions),
    list: (query) =>
      pages(EdusignCourse, '/v1/course', courseListQuery(query), query.signal ? { signal: query.signal } : undefined),
    delete: async (id, callOptions) =>
      write({ method: 'DELETE', path: `/v1/course/${segment(id, 'id')}` }, callOptions),
    lock: async (id, callOptions) =>
      call(EdusignLockResult, withSignal({ method: 'GET', path: `/v1/course/lock/${segment(id, 'id')}` }, callOptions)),
    unlock: async (id, callOptions) =>
      write({ method: 'PATCH', path: `/v1/course/unlock/${segment(id, 'id')}` }, callOptions),
    addStudent: async (courseId, studentId, callOptions) =>
      write(
        { method: 'PUT', path: `/v1/course/attendance/${segment(courseId, 'courseId')}`, body: { studentId } },
        callOptions,
      ),
    removeStudent: async (courseId, studentId, callOptions) =>
      write(
        { method: 'DELETE', path: `/v1/course/attendance/${segment(courseId, 'courseId')}`, body: { studentId } },
        callOptions,
      ),
  };

  const externals: EdusignExternals = {
    create: async (input, callOptions) =>
      create(
        '/v1/externals',
        { external: input },
        input.API_ID,
        (apiId) => externals.getIdByApiId(apiId, callOptions),
        callOptions,
      ),
    update: async (input, callOptions) =>
      write({ method: 'PATCH', path: '/v1/externals', body: { external: input } }, callOptions),
    get: async (id, callOptions) => getRecord(EdusignExternal, `/v1/externals/${segment(id, 'id')}`, callOptions),
    getByEmail: async (email, callOptions) =>
      getRecord(EdusignExternal, `/v1/externals/by-email/${segment(email, 'email')}`, callOptions),
    getIdByApiId: async (apiId, callOptions) => getIdByApiId('externals', apiId, callOptions),
  };

  /** Read once per client: a failure that says nothing about the school (the network) is not remembered. */
  let schoolIdRead: Promise<string | undefined> | undefined;
  const readSchoolId = async (callOptions?: CallOptions): Promise<string | undefined> => {
    try {
      const { result } = await send(withSignal({ method: 'GET', path: '/v1/school' }, callOptions));
      const school = EdusignSchool.safeParse(result);
      return school.success ? school.data.ID : undefined;
    } catch (error) {
      if (isEdusignBusinessError(error) || isRouteMissing(error)) return undefined;
      if (error instanceof HttpStatusError && error.status === 403) return undefined;
      throw error;
    }
  };
  const schoolId = (callOptions?: CallOptions): Promise<string | undefined> => {
    schoolIdRead ??= readSchoolId(callOptions).catch((error: unknown) => {
      schoolIdRead = undefined;
      throw error;
    });
    return schoolIdRead;
  };

  const inspect: EdusignClient['inspect'] = async (path, query, callOptions) => {
    try {
      const { result } = await send(withSignal({ method: 'GET', path, ...(query && { query }) }, callOptions));
      return { kind: 'success', result };
    } catch (error) {
      if (isEdusignBusinessError(error)) {
        return { kind: 'business-error', code: error.code, message: error.serverMessage };
      }
      if (error instanceof EdusignNotEnvelopeError) return { kind: 'not-envelope', status: error.status };
      if (error instanceof HttpStatusError) {
        return { kind: isRouteMissing(error) ? 'not-envelope' : 'http-error', status: error.status };
      }
      throw error;
    }
  };

  return {
    baseUrl,
    students,
    professors,
    groups,
    courses,
    externals,
    schoolId,
    isArchived: async (record, callOptions) =>
      isArchived(record, needsSchoolId(record) ? await schoolId(callOptions) : undefined),
    inspect,
  };
}

// ---- Helpers ---------------------------------------------------------------------------------------------

/** Statuses whose body is read for an envelope instead of being thrown by the transport at once. */
const envelopeErrorStatuses = [400, 404, 409, 422] as const;

/** `HIDDEN` as Edusign writes it on a write: 0 or 1. */
function withWireFlags<T extends { HIDDEN?: boolean }>(input: T): Omit<T, 'HIDDEN'> & { HIDDEN?: 0 | 1 } {
  const { HIDDEN, ...rest } = input;
  return HIDDEN === undefined ? rest : { ...rest, HIDDEN: HIDDEN ? 1 : 0 };
}

const isDuplicateRefusal = (error: unknown): boolean =>
  isEdusignBusinessError(error, 'STUDENT_EXISTS') ||
  isEdusignBusinessError(error, 'PROFESSOR_EXISTS') ||
  isEdusignBusinessError(error, 'EXTERNAL_EXISTS');

function checkBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(['edusign baseUrl: not a valid URL']);
  }
  if (url.username !== '' || url.password !== '') {
    throw new ConfigError(['edusign baseUrl: must not carry credentials (the API key is sent as a bearer token)']);
  }
  const loopback = isLoopbackHost(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new ConfigError([
      `edusign baseUrl: must use https (plain http only on loopback), got ${url.protocol}//${url.host}`,
    ]);
  }
  return url.href.replace(/\/+$/, '');
}

function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

function checkApiKey(apiKey: string): void {
  // A key with a line break would let a header be injected; one with spaces is a copy-paste accident.
  if (apiKey.trim() === '') throw new ConfigError(['edusign apiKey: must not be empty']);
  if (/\s/.test(apiKey)) throw new ConfigError(['edusign apiKey: must not contain spaces or line breaks']);
}

/** One path segment; an empty one would silently hit another route (`/v1/student/` is the list). */
function segment(value: string, what: string): string {
  if (value === '') throw new RangeError(`edusign: ${what} must not be empty`);
  return encodeURIComponent(value);
}

const isoDay = /^\d{4}-\d{2}-\d{2}$/;

function courseListQuery(query: CourseListQuery): Record<string, string | undefined> {
  const start = Date.parse(`${query.start}T00:00:00Z`);
  const end = Date.parse(`${query.end}T00:00:00Z`);
  if (!isoDay.test(query.start) || !isoDay.test(query.end) || Number.isNaN(start) || Number.isNaN(end)) {
    throw new RangeError(`edusign courses.list: start and end must be YYYY-MM-DD, got ${query.start} and ${query.end}`);
  }
  const days = (end - start) / 86_400_000;
  if (days < 0 || days > edusignCourseListMaxDays) {
    throw new RangeError(
      `edusign courses.list: end must be 0 to ${edusignCourseListMaxDays} days after start, got ${days} days`,
    );
  }
  const filters = query.filters && query.filters.length > 0 ? query.filters.join(',') : undefined;
  return { start: query.start, end: query.end, filters };
}

function zodIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
}
