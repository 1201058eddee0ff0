/**
 * The Edusign v1 API simulator: a `SimHandler` for the shared HTTP shell that answers like the real API (status
 * envelope with business errors at HTTP 200, plain-text 401/402/403, Express-style HTML 404, 0-based pages,
 * records with both `ID` and `id`, slowing above the per-minute limit), plus `/__sim/` routes that act as a
 * person in the Edusign web app.
 *
 * Each API key is one school with its own state. Where the real API is unknown the simulator takes the stricter
 * reading, so that a connector passing here does not rely on leniency; the `harsh` profile adds, at once, every
 * other behaviour public clients show (not-found as an empty success, short student pages, no group `get-id`).
 * Every choice is listed in docs/contracts/edusign.md.
 */
import { z } from 'zod';

import type { SimProfile } from '../shared/profile.js';
import { startSimServer } from '../shared/http-server.js';
import type { SimHandler, SimRequest, SimResponse, SimServer } from '../shared/http-server.js';
import {
  EdusignBusinessError,
  EdusignSchoolState,
  businessMessages,
  createIdGenerator,
  createSchoolHandle,
  schoolSeed,
} from './state.js';
import type { EdusignSchoolHandle, Flag, LockState, SchoolIds } from './state.js';
import { WebhookTargetError } from '../shared/webhook-target.js';
import { createEdusignWebhooks } from './webhooks.js';
import type {
  EdusignWebhookOptions,
  EdusignWebhookRegistration,
  EdusignWebhookSubscription,
  EdusignWebhooks,
} from './webhooks.js';

export type {
  AttendanceRow,
  CourseRecord,
  CredentialEmail,
  EdusignSchoolHandle,
  ExternalRecord,
  GroupRecord,
  ProfessorRecord,
  SchoolSnapshot,
  StudentRecord,
} from './state.js';
export { anotherSchoolId, businessMessages } from './state.js';
export type {
  EdusignWebhookBody,
  EdusignWebhookDelivery,
  EdusignWebhookEventType,
  EdusignWebhookOptions,
  EdusignWebhookRegistration,
  EdusignWebhookSubscription,
  EdusignWebhooks,
} from './webhooks.js';

export interface EdusignSchoolOptions {
  apiKey: string;
  name?: string;
  /** false: the school has no subscription or no API option, every API request answers 402. */
  subscription?: boolean;
  /** The key's permission scopes (`Students`, `Professors`, `Groups`, `Courses`); absent = all. */
  scopes?: string[];
}

export interface EdusignRateLimit {
  /** Requests per school in a sliding minute before slowing starts (Edusign: 480). */
  perMinute: number;
  /** Extra delay per request over the limit (Edusign: about 100 ms). */
  slowdownStepMs: number;
}

/**
 * Routes a school may lack: `externals` (every `/v1/externals` route; present by default), `group-get-id`
 * (`GET /v1/group/get-id/:apiId`; present in the default profile, missing in the harsh one), `student-restore`
 * (`GET /v1/student/restore/:id`) and `school` (`GET /v1/school`), both present by default. A missing route
 * answers Express's HTML 404, as any unknown route.
 */
export const optionalRoutes = ['externals', 'group-get-id', 'student-restore', 'school'] as const;
export type OptionalRoute = (typeof optionalRoutes)[number];

export interface EdusignSimulatorOptions {
  schools: EdusignSchoolOptions[];
  /** `harsh`: every behaviour public clients show at once (docs/contracts/edusign.md, "Harsh profile"). */
  profile?: SimProfile;
  /** false: the externals routes are missing (HTML 404), as on a server without them. True by default. */
  externals?: boolean;
  /** Whether `GET /v1/group/get-id/:apiId` exists; by default yes, except in the harsh profile. */
  groupGetId?: boolean;
  rateLimit?: EdusignRateLimit;
  latencyMs?: number;
  port?: number;
  host?: string;
  /** Seeds the id generators (1 by default). */
  seed?: number;
  now?: () => Date;
  /** The webhooks' wait for an answer (15 s) and drop seed (sim/edusign/webhooks.ts). */
  webhooks?: EdusignWebhookOptions;
}

export interface EdusignSimulator extends SimServer {
  school(apiKey: string): EdusignSchoolHandle;
  /** Adds or removes an optional route for every school, from the next request on. */
  setRoutePresent(route: OptionalRoute, present: boolean): void;
  /** The webhook registrations of every school and their delivery log. */
  readonly webhooks: EdusignWebhooks;
  /** Registers a loopback receiver for a school's events (`schoolId`: `school(apiKey).id`). */
  registerWebhook(registration: EdusignWebhookRegistration): EdusignWebhookSubscription;
}

export type EdusignHandlerOptions = Pick<
  EdusignSimulatorOptions,
  'schools' | 'rateLimit' | 'seed' | 'now' | 'profile' | 'externals' | 'groupGetId' | 'webhooks'
>;

export interface EdusignHandlers {
  /** The `/v1/...` API. */
  api: SimHandler;
  /** The simulator's own `/__sim/...` routes (besides the shell's faults and requests). */
  admin: SimHandler;
  school(apiKey: string): EdusignSchoolHandle;
  setRoutePresent(route: OptionalRoute, present: boolean): void;
  webhooks: EdusignWebhooks;
}

/** Records per page when the request sends no `limit` (students: see `studentPaging`). */
export const edusignPageSizes = { students: 100, professors: 100, groups: 100, courses: 40 } as const;

/**
 * The student list's page size without `limit`, and the largest `limit` it honours (a larger one is cut to it),
 * per profile. The harsh profile's maximum is below the 100 the connector asks for, so a page shorter than asked
 * is not the last one.
 */
export const studentPaging = {
  default: { size: edusignPageSizes.students, maxLimit: 100 },
  harsh: { size: 25, maxLimit: 50 },
} as const satisfies Record<SimProfile, { size: number; maxLimit: number }>;
export const defaultRateLimit: EdusignRateLimit = { perMinute: 480, slowdownStepMs: 100 };
/** The slowing never exceeds this, so a runaway client still gets answers. */
export const maxSlowdownMs = 10_000;
/** The widest `start`..`end` window the course list accepts. */
const maxCourseRangeDays = 90;

// ---------------------------------------------------------------------------------------------------------------
// Request validation: the real API answers validation failures with an array `message`

class ValidationFailure extends Error {
  constructor(readonly messages: string[]) {
    super(messages.join('; '));
    this.name = 'ValidationFailure';
  }
}

const article = (expected: string): string => (/^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`);

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.length > 0 ? issue.path.map(String).join('.') : 'body';
  if (issue.code === 'invalid_type') {
    return issue.input === undefined ? `${where} is required` : `${where} must be ${article(issue.expected)}`;
  }
  return `${where} ${issue.message}`;
}

function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value, { reportInput: true });
  if (!parsed.success) throw new ValidationFailure(parsed.error.issues.map(describeIssue));
  return parsed.data;
}

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const requiredText = z.string().refine((value) => value.trim() !== '', 'must not be empty');
const optionalText = z.string().optional();
const emailText = z.string().refine((value) => emailPattern.test(value.trim()), 'must be a valid email');
const idList = z.array(requiredText);
const textList = z.array(z.string());
const variables = z.array(z.unknown());
/** HIDDEN is 0/1 on the wire; a boolean is taken too. */
const hiddenFlag = z
  .union([z.literal(0), z.literal(1), z.boolean()], { error: 'must be 0 or 1' })
  .transform((value): Flag => (value === 1 || value === true ? 1 : 0));
/** A professor's HIDDEN: 0/1 (archive or restore here) or the list of school ids where it is archived. */
const professorHidden = z
  .union([z.array(requiredText), hiddenFlag], { error: 'must be 0, 1 or a list of school ids' })
  .transform((value): Flag | SchoolIds => value);

const studentFields = {
  FIRSTNAME: requiredText.optional(),
  LASTNAME: requiredText.optional(),
  EMAIL: emailText.optional(),
  API_ID: optionalText,
  API_TYPE: optionalText,
  GROUPS: idList.optional(),
  FILE_NUMBER: optionalText,
  PHOTO: optionalText,
  PHONE: optionalText,
  TRAINING_NAME: optionalText,
  COMPANY: optionalText,
  TAGS: textList.optional(),
  BADGE_ID: optionalText,
  STUDENT_FOLLOWER_ID: idList.optional(),
  NEW_PASSWORD_NEEDED: z.boolean().optional(),
  LANGUAGE: optionalText,
  VARIABLES: variables.optional(),
  HIDDEN: hiddenFlag.optional(),
};
const NewStudentFields = z.object({
  ...studentFields,
  FIRSTNAME: requiredText,
  LASTNAME: requiredText,
  EMAIL: emailText,
});
const PostStudentBody = z.object({
  student: NewStudentFields.extend({ SEND_EMAIL_CREDENTIALS: z.boolean().optional() }),
});
const PatchStudentBody = z.object({ student: z.object({ ...studentFields, ID: requiredText }) });

const professorFields = {
  FIRSTNAME: requiredText.optional(),
  LASTNAME: requiredText.optional(),
  EMAIL: emailText.optional(),
  SPECIALITY: optionalText,
  PHONE: optionalText,
  TAGS: textList.optional(),
  API_ID: optionalText,
  API_TYPE: optionalText,
  VARIABLES: variables.optional(),
  HIDDEN: professorHidden.optional(),
};
const NewProfessorFields = z.object({
  ...professorFields,
  FIRSTNAME: requiredText,
  LASTNAME: requiredText,
  EMAIL: emailText,
});
/** `dontSendCredentials` sits next to `professor`, and is required (a copy inside `professor` is ignored). */
const PostProfessorBody = z.object({ professor: NewProfessorFields, dontSendCredentials: z.boolean() });
const PatchProfessorBody = z.object({ professor: z.object({ ...professorFields, ID: requiredText }) });

const groupFields = {
  NAME: requiredText,
  DESCRIPTION: optionalText,
  STUDENTS: idList.optional(),
  PARENT: optionalText,
  LOGO: optionalText,
  API_ID: optionalText,
  API_TYPE: optionalText,
  VARIABLES: variables.optional(),
  HIDDEN: hiddenFlag.optional(),
};
const NewGroupFields = z.object(groupFields);
const PostGroupBody = z.object({ group: NewGroupFields });
/** The contract marks NAME required on PATCH too. */
const PatchGroupBody = z.object({ group: z.object({ ...groupFields, ID: requiredText }) });

const externalFields = {
  FIRSTNAME: requiredText.optional(),
  LASTNAME: requiredText.optional(),
  EMAIL: emailText.optional(),
  COMPANY: optionalText,
  PHONE: optionalText,
  TYPE: optionalText,
  API_ID: optionalText,
  API_TYPE: optionalText,
  HIDDEN: hiddenFlag.optional(),
};
const NewExternalFields = z.object({
  ...externalFields,
  FIRSTNAME: requiredText,
  LASTNAME: requiredText,
  EMAIL: emailText,
});
const PostExternalBody = z.object({ external: NewExternalFields });
const PatchExternalBody = z.object({ external: z.object({ ...externalFields, ID: requiredText }) });

const courseFields = {
  NAME: requiredText.optional(),
  DESCRIPTION: optionalText,
  START: requiredText.optional(),
  END: requiredText.optional(),
  PROFESSOR: requiredText.optional(),
  PROFESSOR_2: optionalText,
  PROFESSOR_3: optionalText,
  NEED_STUDENTS_SIGNATURE: z.boolean().optional(),
  CLASSROOM: optionalText,
  SCHOOL_GROUP: idList.optional(),
  MAX_STUDENTS: z.number().int('must be an integer').nonnegative('must not be negative').optional(),
  API_ID: optionalText,
  API_TYPE: optionalText,
};
const NewCourseFields = z.object({
  ...courseFields,
  NAME: requiredText,
  START: requiredText,
  END: requiredText,
  PROFESSOR: requiredText,
  NEED_STUDENTS_SIGNATURE: z.boolean(),
});
const PostCourseBody = z.object({ course: NewCourseFields });
const PatchCourseBody = z.object({
  course: z.object({ ...courseFields, ID: requiredText, NEED_STUDENTS_SIGNATURE: z.boolean() }),
  editSurveys: z.boolean(),
});
const RosterBody = z.object({ studentId: requiredText });

// The web app's forms: the same fields, never an external id.
const externalId = { API_ID: true, API_TYPE: true } as const;
const ManualStudentBody = NewStudentFields.omit(externalId);
const ManualProfessorBody = NewProfessorFields.omit(externalId);
const ManualGroupBody = NewGroupFields.omit(externalId);
const ManualExternalBody = NewExternalFields.omit(externalId);
const ElsewhereBody = z.object({ schoolId: requiredText.optional() });
const ManualCourseBody = NewCourseFields.omit(externalId).extend({
  NEED_STUDENTS_SIGNATURE: z.boolean().optional(),
  STUDENTS: idList.optional(),
});
const SignBody = z.object({ studentId: requiredText, at: requiredText.optional() });
const DelayBody = z.object({
  studentId: requiredText,
  minutes: z.number().int('must be an integer').nonnegative('must not be negative'),
});
const InstantBody = z.object({ studentId: requiredText, at: requiredText });

// ---------------------------------------------------------------------------------------------------------------
// Query strings

/** `page` is 0-based; absent or empty means the first page. */
function pageNumber(query: URLSearchParams): number {
  const raw = query.get('page');
  if (raw === null || raw === '') return 0;
  if (!/^\d+$/.test(raw)) throw new ValidationFailure(['page must be a non-negative integer']);
  return Number(raw);
}

const pageOf = <T>(records: readonly T[], page: number, size: number): T[] =>
  records.slice(page * size, (page + 1) * size);

/** The student list's page size: `limit` when sent (a positive integer), cut to the profile's maximum. */
function studentPageSize(query: URLSearchParams, profile: SimProfile): number {
  const paging = studentPaging[profile];
  const raw = query.get('limit');
  if (raw === null || raw === '') return paging.size;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new ValidationFailure(['limit must be a positive integer']);
  return Math.min(Number(raw), paging.maxLimit);
}

/** A `YYYY-MM-DD` calendar date, or undefined when the parameter is absent or empty. */
function calendarDay(query: URLSearchParams, name: string): string | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  const valid = /^\d{4}-\d{2}-\d{2}$/.test(raw) && new Date(`${raw}T00:00:00Z`).toISOString().slice(0, 10) === raw;
  if (!valid) throw new ValidationFailure([`${name} must be a date formatted YYYY-MM-DD`]);
  return raw;
}

const lockStates: readonly LockState[] = ['locked', 'unlocked'];

function lockFilter(query: URLSearchParams): Set<LockState> {
  const raw = query.get('filters') ?? '';
  const wanted = new Set<LockState>();
  for (const entry of raw.split(',').map((part) => part.trim())) {
    if (entry === '') continue;
    const state = lockStates.find((s) => s === entry);
    if (!state) throw new ValidationFailure([`filters must be a comma list among ${lockStates.join(', ')}`]);
    wanted.add(state);
  }
  return wanted;
}

/**
 * Filters the real API has but the simulator does not model: refused rather than ignored, so a client that
 * starts relying on one finds out here instead of reading unfiltered lists in tests.
 */
function refuseUnmodelled(query: URLSearchParams, names: readonly string[]): void {
  const used = names.filter((name) => query.has(name));
  if (used.length > 0) throw new ValidationFailure(used.map((name) => `${name} is not supported by the simulator`));
}

const unmodelledStudentFilters = ['updatedAfter', 'search'];
const unmodelledCourseFilters = [
  'groupId',
  'studentId',
  'professorId',
  'trainingId',
  'classroom',
  'creatorId',
  'courseName',
  'dateCreated',
  'dateUpdated',
  'infoStudents',
  'professorSignature',
];

// ---------------------------------------------------------------------------------------------------------------
// Routes

/** The key's permission a route needs; `School` routes need none. */
type Scope = 'Students' | 'Professors' | 'Groups' | 'Courses' | 'School';

interface RouteContext {
  school: EdusignSchoolState;
  params: Readonly<Record<string, string>>;
  query: URLSearchParams;
  body: unknown;
  profile: SimProfile;
}

/**
 * What a look-up answers in the harsh profile when it finds nothing: a success whose result is empty, varied by
 * route as public clients guard against all three.
 */
type EmptyResult = null | Record<string, never> | never[];

interface Route {
  method: string;
  /** Path segments after `/v1`; `:name` captures one. */
  segments: string[];
  scope: Scope;
  /** Returns the envelope's `result`; throws business or validation errors. */
  run(context: RouteContext): unknown;
  /** A route a school may lack (see `optionalRoutes`). */
  optional?: OptionalRoute;
  /** A look-up: in the harsh profile, "not found" is this empty success instead of the business error. */
  empty?: EmptyResult;
}

const route = (
  method: string,
  path: string,
  scope: Scope,
  run: Route['run'],
  extra: Pick<Route, 'optional' | 'empty'> = {},
): Route => ({
  method,
  segments: path.split('/').filter((s) => s !== ''),
  scope,
  run,
  ...extra,
});

const emptyObject = (): Record<string, never> => ({});

const param = (context: RouteContext, name: string): string => context.params[name] ?? '';
const idResult = (ID: string): { ID: string } => ({ ID });

const routes: readonly Route[] = [
  // Students
  route('POST', 'student', 'Students', ({ school, body }) => {
    const { student } = parse(PostStudentBody, body);
    const { SEND_EMAIL_CREDENTIALS, ...fields } = student;
    // Edusign e-mails credentials unless told not to, so only an explicit false keeps the learner's inbox quiet.
    return idResult(school.createStudent(fields, { sendCredentials: SEND_EMAIL_CREDENTIALS ?? true }).ID);
  }),
  route('PATCH', 'student', 'Students', ({ school, body }) =>
    idResult(school.updateStudent(parse(PatchStudentBody, body).student).ID),
  ),
  route('GET', 'student', 'Students', ({ school, query, profile }) => {
    refuseUnmodelled(query, unmodelledStudentFilters);
    return pageOf(school.listStudents(), pageNumber(query), studentPageSize(query, profile));
  }),
  route('GET', 'student/by-email/:email', 'Students', (c) => c.school.studentByEmail(param(c, 'email')), {
    empty: emptyObject(),
  }),
  route('GET', 'student/get-id/:apiId', 'Students', (c) => idResult(c.school.studentIdByApiId(param(c, 'apiId'))), {
    empty: [],
  }),
  route('GET', 'student/restore/:id', 'Students', (c) => idResult(c.school.restoreStudent(param(c, 'id')).ID), {
    optional: 'student-restore',
  }),
  route('GET', 'student/:id', 'Students', (c) => c.school.getStudent(param(c, 'id')), { empty: null }),
  route('DELETE', 'student/:id', 'Students', (c) => idResult(c.school.archiveStudent(param(c, 'id')).ID)),

  // Professors
  route('POST', 'professor', 'Professors', ({ school, body }) => {
    const { professor, dontSendCredentials } = parse(PostProfessorBody, body);
    return idResult(school.createProfessor(professor, { sendCredentials: !dontSendCredentials }).ID);
  }),
  route('PATCH', 'professor', 'Professors', ({ school, body }) =>
    idResult(school.updateProfessor(parse(PatchProfessorBody, body).professor).ID),
  ),
  route('GET', 'professor', 'Professors', ({ school, query }) =>
    pageOf(school.listProfessors(), pageNumber(query), edusignPageSizes.professors),
  ),
  route('GET', 'professor/by-email/:email', 'Professors', (c) => c.school.professorByEmail(param(c, 'email')), {
    empty: [],
  }),
  route(
    'GET',
    'professor/get-id/:apiId',
    'Professors',
    (c) => idResult(c.school.professorIdByApiId(param(c, 'apiId'))),
    {
      empty: null,
    },
  ),
  route('GET', 'professor/:id', 'Professors', (c) => c.school.getProfessor(param(c, 'id')), { empty: emptyObject() }),
  route('DELETE', 'professor/:id', 'Professors', (c) => idResult(c.school.archiveProfessor(param(c, 'id')).ID)),

  // Groups
  route('POST', 'group', 'Groups', ({ school, body }) =>
    idResult(school.createGroup(parse(PostGroupBody, body).group).ID),
  ),
  route('PATCH', 'group', 'Groups', ({ school, body }) =>
    idResult(school.updateGroup(parse(PatchGroupBody, body).group).ID),
  ),
  route('GET', 'group', 'Groups', ({ school, query }) =>
    pageOf(school.listGroups(), pageNumber(query), edusignPageSizes.groups),
  ),
  route('GET', 'group/get-id/:apiId', 'Groups', (c) => idResult(c.school.groupIdByApiId(param(c, 'apiId'))), {
    optional: 'group-get-id',
    empty: emptyObject(),
  }),
  route('GET', 'group/:id', 'Groups', (c) => c.school.getGroup(param(c, 'id')), { empty: null }),
  route('DELETE', 'group/:id', 'Groups', (c) => idResult(c.school.archiveGroup(param(c, 'id')).ID)),

  // Externals (tutors): by-email is what public clients use; the writes and get-id are the project's decision.
  route(
    'POST',
    'externals',
    'Students',
    ({ school, body }) => idResult(school.createExternal(parse(PostExternalBody, body).external).ID),
    { optional: 'externals' },
  ),
  route(
    'PATCH',
    'externals',
    'Students',
    ({ school, body }) => idResult(school.updateExternal(parse(PatchExternalBody, body).external).ID),
    { optional: 'externals' },
  ),
  route('GET', 'externals/by-email/:email', 'Students', (c) => c.school.externalByEmail(param(c, 'email')), {
    optional: 'externals',
    empty: emptyObject(),
  }),
  route('GET', 'externals/get-id/:apiId', 'Students', (c) => idResult(c.school.externalIdByApiId(param(c, 'apiId'))), {
    optional: 'externals',
    empty: [],
  }),
  route('GET', 'externals/:id', 'Students', (c) => c.school.getExternal(param(c, 'id')), {
    optional: 'externals',
    empty: null,
  }),

  // The school the key belongs to
  route('GET', 'school', 'School', ({ school }) => ({ ID: school.id, NAME: school.name }), { optional: 'school' }),

  // Courses (attendance sheets)
  route('POST', 'course', 'Courses', ({ school, body }) =>
    idResult(school.createCourse(parse(PostCourseBody, body).course).ID),
  ),
  route('PATCH', 'course', 'Courses', ({ school, body }) =>
    idResult(school.updateCourse(parse(PatchCourseBody, body).course).ID),
  ),
  route('GET', 'course', 'Courses', ({ school, query }) => {
    refuseUnmodelled(query, unmodelledCourseFilters);
    const page = pageNumber(query);
    const from = calendarDay(query, 'start');
    const to = calendarDay(query, 'end');
    const states = lockFilter(query);
    if (from !== undefined && to !== undefined) {
      const days = (Date.parse(to) - Date.parse(from)) / 86_400_000;
      if (days < 0) throw new EdusignBusinessError(businessMessages.dateRangeReversed, 'invalid');
      if (days > maxCourseRangeDays) throw new EdusignBusinessError(businessMessages.dateRangeTooLong, 'invalid');
    }
    return pageOf(school.queryCourses({ from, to, lockStates: states }), page, edusignPageSizes.courses);
  }),
  route('GET', 'course/get-id/:apiId', 'Courses', (c) => idResult(c.school.courseIdByApiId(param(c, 'apiId'))), {
    empty: emptyObject(),
  }),
  route('GET', 'course/lock/:id', 'Courses', (c) => ({ link: c.school.lockCourse(param(c, 'id')) })),
  route('PATCH', 'course/unlock/:id', 'Courses', (c) => idResult(c.school.unlockCourse(param(c, 'id')).ID)),
  route('PUT', 'course/attendance/:courseId', 'Courses', (c) =>
    idResult(c.school.addToRoster(param(c, 'courseId'), parse(RosterBody, c.body).studentId).ID),
  ),
  route('DELETE', 'course/attendance/:courseId', 'Courses', (c) =>
    idResult(c.school.removeFromRoster(param(c, 'courseId'), parse(RosterBody, c.body).studentId).ID),
  ),
  route('GET', 'course/:id', 'Courses', (c) => c.school.getCourse(param(c, 'id')), { empty: null }),
  route('DELETE', 'course/:id', 'Courses', (c) => {
    const id = param(c, 'id');
    c.school.deleteCourse(id);
    return idResult(id);
  }),
];

type Match = { route: Route; params: Record<string, string> } | 'bad-encoding' | undefined;

function matchRoute(method: string, segments: readonly string[], present: (route: Route) => boolean): Match {
  for (const candidate of routes) {
    if (candidate.method !== method || candidate.segments.length !== segments.length) continue;
    if (!present(candidate)) continue;
    const params: Record<string, string> = {};
    let matched = true;
    for (const [index, expected] of candidate.segments.entries()) {
      const actual = segments[index] ?? '';
      if (expected.startsWith(':')) {
        if (actual === '') {
          matched = false;
          break;
        }
        try {
          params[expected.slice(1)] = decodeURIComponent(actual);
        } catch {
          return 'bad-encoding';
        }
      } else if (expected !== actual) {
        matched = false;
        break;
      }
    }
    if (matched) return { route: candidate, params };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Responses

const success = (result: unknown): SimResponse => ({
  status: 200,
  body: { status: 'success', result: withLowerCaseId(result) },
});

/** Records carry their id twice, as `ID` and `id` (public clients read either); lists of records too. */
function withLowerCaseId(result: unknown): unknown {
  if (Array.isArray(result)) return result.map(withLowerCaseId);
  if (typeof result === 'object' && result !== null && 'ID' in result) {
    const record = result as Record<string, unknown>;
    return { ...record, id: record['ID'] };
  }
  return result;
}
const businessError = (message: string | string[]): SimResponse => ({
  status: 200,
  body: { status: 'error', message },
});
const plainText = (status: number, text: string): SimResponse => ({ status, body: text });

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

/** Express's default page (production mode): what the real API answers for a route it does not have. */
function expressPage(status: number, text: string): SimResponse {
  return {
    status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': "default-src 'none'",
      'x-content-type-options': 'nosniff',
    },
    body: `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n</head>\n<body>\n<pre>${escapeHtml(text)}</pre>\n</body>\n</html>\n`,
  };
}

/** What Express's JSON body parser leaves: `{}` without a JSON content type, 400 on malformed JSON. */
function jsonBody(request: SimRequest): { ok: true; value: unknown } | { ok: false } {
  const type = (request.headers['content-type'] ?? '').toLowerCase();
  if (!/application\/([\w.+-]+\+)?json/.test(type) || request.body.trim() === '') return { ok: true, value: {} };
  try {
    const value: unknown = JSON.parse(request.body);
    // body-parser's strict mode takes only objects and arrays.
    return typeof value === 'object' && value !== null ? { ok: true, value } : { ok: false };
  } catch {
    return { ok: false };
  }
}

function bearerKey(request: SimRequest): string | undefined {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

// ---------------------------------------------------------------------------------------------------------------
// Slowing above the per-minute limit

/** Per school: requests in the last 60 s (sliding); each one over the limit waits one more step. */
function createSlowdown(limit: EdusignRateLimit, now: () => Date): () => number {
  const arrivals: number[] = [];
  return () => {
    const at = now().getTime();
    while (arrivals.length > 0 && (arrivals[0] ?? at) <= at - 60_000) arrivals.shift();
    arrivals.push(at);
    const over = arrivals.length - limit.perMinute;
    return over > 0 ? Math.min(maxSlowdownMs, over * limit.slowdownStepMs) : 0;
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The handlers

interface SchoolRuntime {
  options: EdusignSchoolOptions;
  state: EdusignSchoolState;
  handle: EdusignSchoolHandle;
  /** Lower-cased scope names, or undefined for all. */
  scopes: Set<string> | undefined;
  slowdown: () => number;
}

/**
 * What the harsh profile puts in every school: a professor made by hand who is archived in another school it also
 * belongs to, and not here (its HIDDEN is not empty, yet it may facilitate sheets here).
 */
function seedHarshSchool(state: EdusignSchoolState): void {
  const professor = state.createProfessor(
    { FIRSTNAME: 'Partagé', LASTNAME: 'Entre-Écoles', EMAIL: 'shared.professor@sim.invalid' },
    { sendCredentials: false },
  );
  state.archiveProfessorElsewhere(professor.ID);
  state.markSeeded(professor.ID);
}

export function createEdusignHandler(options: EdusignHandlerOptions): EdusignHandlers {
  const now = options.now ?? (() => new Date());
  const seed = options.seed ?? 1;
  const limit = options.rateLimit ?? defaultRateLimit;
  const profile = options.profile ?? 'default';
  const present: Record<OptionalRoute, boolean> = {
    externals: options.externals ?? true,
    'group-get-id': options.groupGetId ?? profile !== 'harsh',
    'student-restore': true,
    school: true,
  };
  const routePresent = (candidate: Route) => candidate.optional === undefined || present[candidate.optional];
  const schools = new Map<string, SchoolRuntime>();
  const webhooks = createEdusignWebhooks({
    now,
    seed,
    ...options.webhooks,
    isSchool: (schoolId) => [...schools.values()].some((school) => school.state.id === schoolId),
  });
  for (const [index, school] of options.schools.entries()) {
    if (schools.has(school.apiKey)) throw new Error(`Edusign simulator: API key configured twice (${school.apiKey})`);
    const state = new EdusignSchoolState({
      name: school.name ?? `School ${index + 1}`,
      ids: createIdGenerator(schoolSeed(seed, school.apiKey)),
      now,
    });
    if (profile === 'harsh') seedHarshSchool(state);
    state.onEvent((event) => webhooks.emit(state.id, event));
    schools.set(school.apiKey, {
      options: school,
      state,
      handle: createSchoolHandle(state),
      scopes: school.scopes && new Set(school.scopes.map((s) => s.toLowerCase())),
      slowdown: createSlowdown(limit, now),
    });
  }

  const answer = (school: SchoolRuntime, request: SimRequest): SimResponse => {
    if (school.options.subscription === false) return plainText(402, 'Payment Required');
    const path = request.url.pathname.replace(/\/$/, '');
    const match = matchRoute(request.method, path.split('/').slice(2), routePresent);
    if (match === 'bad-encoding') return expressPage(400, 'Bad Request');
    if (!match) return expressPage(404, `Cannot ${request.method} ${request.url.pathname}`);
    const { scope } = match.route;
    if (school.scopes && scope !== 'School' && !school.scopes.has(scope.toLowerCase())) {
      return plainText(403, 'Forbidden');
    }
    const body = jsonBody(request);
    if (!body.ok) return expressPage(400, 'Bad Request');
    try {
      return success(
        match.route.run({
          school: school.state,
          params: match.params,
          query: request.url.searchParams,
          body: body.value,
          profile,
        }),
      );
    } catch (error) {
      // Harsh: a look-up that finds nothing answers an empty success, not the business error.
      const empty = match.route.empty;
      if (error instanceof EdusignBusinessError && error.kind === 'not-found' && empty !== undefined) {
        if (profile === 'harsh') return success(structuredClone(empty));
      }
      if (error instanceof EdusignBusinessError) return businessError(error.message);
      if (error instanceof ValidationFailure) return businessError(error.messages);
      throw error;
    }
  };

  const api: SimHandler = (request) => {
    const path = request.url.pathname;
    if (path !== '/v1' && !path.startsWith('/v1/')) return expressPage(404, `Cannot ${request.method} ${path}`);
    const key = bearerKey(request);
    const school = key === undefined ? undefined : schools.get(key);
    if (!school) return plainText(401, 'Unauthorized');
    const delayMs = school.slowdown();
    const response = answer(school, request);
    return delayMs > 0 ? { ...response, delayMs } : response;
  };

  const admin: SimHandler = (request) => {
    const key = bearerKey(request);
    const school = key === undefined ? undefined : schools.get(key);
    if (!school) return { status: 401, body: { error: 'unknown or missing Bearer API key' } };
    let body: unknown = {};
    if (request.body.trim() !== '') {
      try {
        body = JSON.parse(request.body);
      } catch {
        return { status: 400, body: { error: 'malformed JSON body' } };
      }
    }
    if (request.url.pathname === '/__sim/webhooks' || request.url.pathname.startsWith('/__sim/webhooks/')) {
      return webhookAdmin(webhooks, school.state.id, request.method, request.url.pathname, body);
    }
    try {
      const result = runAdmin(school.handle, request.method, request.url.pathname, body);
      return result === undefined
        ? { status: 404, body: { error: `no simulator admin route ${request.method} ${request.url.pathname}` } }
        : { status: 200, body: result.value };
    } catch (error) {
      if (error instanceof ValidationFailure) return { status: 400, body: { error: error.messages } };
      if (error instanceof EdusignBusinessError) {
        const status = error.kind === 'not-found' ? 404 : error.kind === 'conflict' ? 409 : 400;
        return { status, body: { error: error.message } };
      }
      throw error;
    }
  };

  return {
    api,
    admin,
    webhooks,
    school(apiKey) {
      const school = schools.get(apiKey);
      if (!school) throw new Error(`Edusign simulator: no school with API key ${apiKey}`);
      return school.handle;
    },
    setRoutePresent(route, value) {
      present[route] = value;
    },
  };
}

/**
 * `/__sim/webhooks` for the school of the Bearer key: `POST` registers (`schoolId` defaults to the school's, and
 * may not name another), `GET` lists, `DELETE` removes the school's registrations; `GET|DELETE
 * /__sim/webhooks/deliveries` reads the school's delivery log (DELETE answers what it empties).
 */
function webhookAdmin(
  webhooks: EdusignWebhooks,
  schoolId: string,
  method: string,
  pathname: string,
  body: unknown,
): SimResponse {
  const rest = pathname.slice('/__sim/webhooks'.length).replace(/\/$/, '');
  try {
    if (rest === '') {
      if (method === 'GET') return { status: 200, body: webhooks.subscriptions(schoolId) };
      if (method === 'DELETE') {
        webhooks.clear(schoolId);
        return { status: 200, body: { cleared: true } };
      }
      if (method === 'POST') {
        const input = (typeof body === 'object' && body !== null ? body : {}) as Partial<EdusignWebhookRegistration>;
        if (input.schoolId !== undefined && input.schoolId !== schoolId) {
          return { status: 400, body: { error: `schoolId ${String(input.schoolId)} is not this key's school` } };
        }
        return { status: 201, body: webhooks.register({ ...input, schoolId } as EdusignWebhookRegistration) };
      }
    }
    if (rest === '/deliveries') {
      if (method === 'GET') return { status: 200, body: webhooks.deliveries(schoolId) };
      if (method === 'DELETE') return { status: 200, body: webhooks.takeDeliveries(schoolId) };
    }
  } catch (error) {
    if (error instanceof WebhookTargetError) {
      return { status: 400, body: { error: error.message } };
    }
    throw error;
  }
  return { status: 404, body: { error: `no simulator admin route ${method} ${pathname}` } };
}

/** The `/__sim/` routes: a person in the web app. Undefined when no route matches. */
function runAdmin(
  school: EdusignSchoolHandle,
  method: string,
  pathname: string,
  body: unknown,
): { value: unknown } | undefined {
  const segments = pathname
    .split('/')
    .filter((s) => s !== '')
    .slice(1)
    .map((s) => decodeURIComponent(s));
  const [resource, id, action] = segments;
  const key = `${method} ${resource ?? ''}${id === undefined ? '' : '/:id'}${action === undefined ? '' : `/${action}`}`;
  if (segments.length > 3 || id === '') return undefined;
  const target = id ?? '';
  switch (key) {
    case 'GET state':
      return { value: school.snapshot() };
    case 'GET emails':
      return { value: school.credentialEmails() };
    case 'POST students':
      return { value: school.createStudent(parse(ManualStudentBody, body)) };
    case 'POST professors':
      return { value: school.createProfessor(parse(ManualProfessorBody, body)) };
    case 'POST groups':
      return { value: school.createGroup(parse(ManualGroupBody, body)) };
    case 'POST externals':
      return { value: school.createExternal(parse(ManualExternalBody, body)) };
    case 'POST courses':
      return { value: school.createCourse(parse(ManualCourseBody, body)) };
    case 'POST students/:id/archive':
      return { value: school.archiveStudent(target) };
    case 'POST professors/:id/archive':
      return { value: school.archiveProfessor(target) };
    case 'POST professors/:id/archive-elsewhere':
      return { value: school.archiveProfessorElsewhere(target, parse(ElsewhereBody, body).schoolId) };
    case 'POST groups/:id/archive':
      return { value: school.archiveGroup(target) };
    case 'POST courses/:id/sign': {
      const { studentId, at } = parse(SignBody, body);
      return { value: school.sign(target, studentId, at) };
    }
    case 'POST courses/:id/delay': {
      const { studentId, minutes } = parse(DelayBody, body);
      return { value: school.setDelay(target, studentId, minutes) };
    }
    case 'POST courses/:id/early-departure': {
      const { studentId, at } = parse(InstantBody, body);
      return { value: school.setEarlyDeparture(target, studentId, at) };
    }
    case 'POST courses/:id/exclude': {
      const { studentId, at } = parse(InstantBody, body);
      return { value: school.exclude(target, studentId, at) };
    }
    case 'POST courses/:id/lock':
      return { value: { link: school.lock(target) } };
    case 'POST courses/:id/unlock':
      return { value: school.unlock(target) };
    default:
      return undefined;
  }
}

export async function startEdusignSimulator(options: EdusignSimulatorOptions): Promise<EdusignSimulator> {
  const handlers = createEdusignHandler(options);
  const server = await startSimServer({
    handler: handlers.api,
    adminHandler: handlers.admin,
    ...(options.latencyMs !== undefined && { latencyMs: options.latencyMs }),
    ...(options.port !== undefined && { port: options.port }),
    ...(options.host !== undefined && { host: options.host }),
  }).catch((error: unknown) => {
    handlers.webhooks.close();
    throw error;
  });
  const closeServer = server.close.bind(server);
  return Object.assign(server, {
    school: (apiKey: string) => handlers.school(apiKey),
    setRoutePresent: (route: OptionalRoute, present: boolean) => handlers.setRoutePresent(route, present),
    webhooks: handlers.webhooks,
    registerWebhook: (registration: EdusignWebhookRegistration) => handlers.webhooks.register(registration),
    async close() {
      handlers.webhooks.close();
      await closeServer();
    },
  });
}
