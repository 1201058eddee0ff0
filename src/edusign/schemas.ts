/**
 * What Edusign's v1 API answers, checked at the boundary.
 *
 * Wire names are kept (UPPER_SNAKE on records, camelCase inside a course's `STUDENTS` rows) so that a record
 * reads like the contract in docs/contracts/edusign.md; mapping to the connector's own words lives elsewhere.
 * The schemas tolerate fields they do not know (they are dropped) and normalise the loose parts of the wire:
 * flags sent as 0/1 or booleans become booleans, ids sent as numbers become strings, `null` and `''` in
 * optional text become `undefined`, missing lists become `[]`, and an error `message` that is sometimes a
 * string and sometimes an array becomes a list of strings.
 */
import { z } from 'zod';

/** An opaque Edusign id; numbers are accepted in case a route ever sends one. */
export const EdusignId = z.union([z.string().min(1), z.number()]).transform(String);

/** Optional text: absent, `null` and `''` all mean "none". */
const optionalText = z
  .string()
  .nullish()
  .transform((value) => (value === null || value === '' ? undefined : value));

/** Required text that may be `null` on records created by hand in the web app (no e-mail, for instance). */
const text = z
  .string()
  .nullish()
  .transform((value) => value ?? '');

/** A flag sent as a boolean, 0/1 or "0"/"1"; absent or `null` means false. */
export const EdusignFlag = z
  .union([z.boolean(), z.literal(0), z.literal(1), z.literal('0'), z.literal('1')])
  .nullish()
  .transform((value) => value === true || value === 1 || value === '1');

const idList = z
  .array(EdusignId)
  .nullish()
  .transform((value) => value ?? []);

/** A learner (`student`). */
export const EdusignStudent = z.object({
  ID: EdusignId,
  FIRSTNAME: text,
  LASTNAME: text,
  EMAIL: text,
  API_ID: optionalText,
  API_TYPE: optionalText,
  GROUPS: idList,
  STUDENT_FOLLOWER_ID: idList,
  /** True once the learner is archived. */
  HIDDEN: EdusignFlag,
  DATE_CREATED: optionalText,
  DATE_UPDATED: optionalText,
});
export type EdusignStudent = z.output<typeof EdusignStudent>;

/** A facilitator (`professor`). */
export const EdusignProfessor = z.object({
  ID: EdusignId,
  FIRSTNAME: text,
  LASTNAME: text,
  EMAIL: text,
  API_ID: optionalText,
  API_TYPE: optionalText,
  HIDDEN: EdusignFlag,
  DATE_CREATED: optionalText,
  DATE_UPDATED: optionalText,
});
export type EdusignProfessor = z.output<typeof EdusignProfessor>;

/** A group of learners; `STUDENTS` holds student ids. */
export const EdusignGroup = z.object({
  ID: EdusignId,
  NAME: text,
  STUDENTS: idList,
  API_ID: optionalText,
  API_TYPE: optionalText,
  HIDDEN: EdusignFlag,
  DATE_UPDATED: optionalText,
});
export type EdusignGroup = z.output<typeof EdusignGroup>;

/** A tutor (`student follower`). */
export const EdusignStudentFollower = z.object({
  ID: EdusignId,
  FIRSTNAME: text,
  LASTNAME: text,
  EMAIL: text,
  API_ID: optionalText,
  API_TYPE: optionalText,
  HIDDEN: EdusignFlag,
  DATE_UPDATED: optionalText,
});
export type EdusignStudentFollower = z.output<typeof EdusignStudentFollower>;

/** One learner's line on a sheet: what the connector reads back once the sheet is locked. */
export const EdusignAttendanceRow = z.object({
  studentId: EdusignId,
  /** True when the learner signed (present). */
  state: EdusignFlag,
  /** When the learner signed. */
  timestamp: optionalText,
  /** Minutes late; 0 when on time. */
  delay: z
    .number()
    .nullish()
    .transform((value) => value ?? 0),
  /** When the learner was excluded, if they were. */
  excluded: optionalText,
  /** When the learner left early, if they did. */
  earlyDeparture: optionalText,
  absenceId: optionalText,
  comment: optionalText,
});
export type EdusignAttendanceRow = z.output<typeof EdusignAttendanceRow>;

/** A sheet (`course`), with its attendance rows. */
export const EdusignCourse = z.object({
  ID: EdusignId,
  NAME: text,
  START: z.string(),
  END: z.string(),
  PROFESSOR: optionalText,
  PROFESSOR_2: optionalText,
  PROFESSOR_3: optionalText,
  NEED_STUDENTS_SIGNATURE: EdusignFlag,
  CLASSROOM: optionalText,
  SCHOOL_GROUP: idList,
  DESCRIPTION: optionalText,
  API_ID: optionalText,
  API_TYPE: optionalText,
  /** True once the sheet is locked (archived): attendance is final. */
  LOCKED: EdusignFlag,
  /** The generated PDF, once there is one. */
  ATTENDANCE_LIST_GENERATED: z
    .union([z.string(), z.boolean(), z.number(), z.null()])
    .optional()
    .transform((value) => (typeof value === 'string' && value !== '' ? value : undefined)),
  DATE_UPDATED: optionalText,
  STUDENTS: z
    .array(EdusignAttendanceRow)
    .nullish()
    .transform((value) => value ?? []),
});
export type EdusignCourse = z.output<typeof EdusignCourse>;

/** The answer to a create (and to `get-id`): the record's id. */
export const EdusignIdResult = z.object({ ID: EdusignId });
export type EdusignIdResult = z.output<typeof EdusignIdResult>;

/** What `GET /v1/course/lock/:id` answers: the link to the locked sheet's PDF, when there is one. */
export const EdusignLockResult = z
  .object({ link: optionalText })
  .nullish()
  .transform((value) => ({ link: value?.link }));
export type EdusignLockResult = z.output<typeof EdusignLockResult>;

/** One entry of an array `message`: a string, or an object whose text is in `message` or `constraints`. */
const messageEntry = z.unknown().transform((entry): string => {
  if (typeof entry === 'string') return entry;
  if (typeof entry === 'object' && entry !== null) {
    const record = entry as Record<string, unknown>;
    if (typeof record['message'] === 'string') return record['message'];
    const constraints = record['constraints'];
    if (typeof constraints === 'object' && constraints !== null) {
      return Object.values(constraints as Record<string, unknown>)
        .map(String)
        .join(', ');
    }
  }
  return JSON.stringify(entry);
});

/**
 * The v1 envelope. A business error comes at HTTP 200 too, so the status field, not the HTTP status, says
 * whether the request did what was asked. `messages` keeps every entry; `messageWasList` records that the
 * server sent a list, which is how it reports validation errors.
 */
export const EdusignEnvelope = z.discriminatedUnion('status', [
  z.object({ status: z.literal('success'), result: z.unknown() }),
  z
    .object({
      status: z.literal('error'),
      message: z.union([z.string(), z.array(messageEntry)]).nullish(),
    })
    .transform(({ status, message }) => ({
      status,
      messages: Array.isArray(message) ? message : message ? [message] : [],
      messageWasList: Array.isArray(message),
    })),
]);
export type EdusignEnvelope = z.output<typeof EdusignEnvelope>;
