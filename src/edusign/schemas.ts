/**
 * What Edusign's v1 API answers, checked at the boundary.
 *
 * Wire names are kept (UPPER_SNAKE on records, camelCase inside a course's `STUDENTS` rows) so that a record
 * reads like the contract in docs/contracts/edusign.md; mapping to the connector's own words lives elsewhere.
 * The schemas tolerate fields they do not know (they are dropped) and normalise the loose parts of the wire:
 * flags sent as 0/1 or booleans become booleans, ids sent as numbers become strings, a record's id is read from
 * `ID` or `id` (Edusign sends both), `null` and `''` in optional text become `undefined`, missing lists become
 * `[]`, and an error `message` that is sometimes a string and sometimes an array becomes a list of strings.
 * `HIDDEN` keeps its meaning rather than its shape: a professor's is a list of school ids, so whether a record is
 * archived in this school is decided by `isArchived`, the one place that reads it.
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

const flagValue = z.union([z.boolean(), z.literal(0), z.literal(1), z.literal('0'), z.literal('1')]);
const isSet = (value: z.output<typeof flagValue> | null | undefined): boolean =>
  value === true || value === 1 || value === '1';

/** A flag sent as a boolean, 0/1 or "0"/"1"; absent or `null` means false. */
export const EdusignFlag = flagValue.nullish().transform(isSet);

/**
 * `HIDDEN` as sent: a flag (students, groups: 0/1), or for a professor, who can belong to several schools, the
 * ids of the schools where it is archived. Read it with `isArchived`: `false` (archived nowhere, an empty list
 * included), `true`, or the non-empty list of school ids. Any shape is accepted on any record kind.
 */
export type EdusignHidden = boolean | readonly [string, ...string[]];
export const EdusignHidden = z
  .union([z.array(z.union([z.string(), z.number()]).transform(String)), flagValue])
  .nullish()
  .transform((value): EdusignHidden => {
    if (!Array.isArray(value)) return isSet(value);
    const [first, ...rest] = value;
    return first === undefined ? false : [first, ...rest];
  });

/**
 * Whether a record is archived in this school: a flag says so itself; a list of school ids (a professor's) says
 * so when it holds `schoolId`, or, when this school's id is not known, when it is not empty (the safe reading:
 * a professor archived somewhere is not put on a sheet). Every consumer of `HIDDEN` goes through here.
 */
export function isArchived(record: { readonly HIDDEN: EdusignHidden }, schoolId: string | undefined): boolean {
  const hidden = record.HIDDEN;
  if (typeof hidden === 'boolean') return hidden;
  return schoolId === undefined ? hidden.length > 0 : hidden.includes(schoolId);
}

/** Whether a `HIDDEN` needs this school's id to be read (a non-empty list of school ids). */
export const needsSchoolId = (record: { readonly HIDDEN: EdusignHidden }): boolean => Array.isArray(record.HIDDEN);

/** Edusign sends a record's id as both `ID` and `id`; clients read either. `ID` wins when both are there. */
function withUpperCaseId(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const record = value as Record<string, unknown>;
  return record['ID'] === undefined && record['id'] !== undefined ? { ...record, ID: record['id'] } : value;
}

/** A record whose id may come as `ID` or `id`. */
const record = <Shape extends z.ZodRawShape>(shape: Shape) => z.preprocess(withUpperCaseId, z.object(shape));

/**
 * A look-up's "found nothing" when it comes as a success: `null`, `{}` or `[]` (public clients guard against all
 * three besides the business error).
 */
export function isEmptyResult(result: unknown): boolean {
  if (result === null || result === undefined) return true;
  if (Array.isArray(result)) return result.length === 0;
  return typeof result === 'object' && Object.keys(result).length === 0;
}

const idList = z
  .array(EdusignId)
  .nullish()
  .transform((value) => value ?? []);

/** A learner (`student`). */
export const EdusignStudent = record({
  ID: EdusignId,
  FIRSTNAME: text,
  LASTNAME: text,
  EMAIL: text,
  API_ID: optionalText,
  API_TYPE: optionalText,
  GROUPS: idList,
  /** The learner's tutors: ids of externals. */
  STUDENT_FOLLOWER_ID: idList,
  /** Read with `isArchived`. */
  HIDDEN: EdusignHidden,
  DATE_CREATED: optionalText,
  DATE_UPDATED: optionalText,
});
export type EdusignStudent = z.output<typeof EdusignStudent>;

/** A facilitator (`professor`). */
export const EdusignProfessor = record({
  ID: EdusignId,
  FIRSTNAME: text,
  LASTNAME: text,
  EMAIL: text,
  API_ID: optionalText,
  API_TYPE: optionalText,
  /** The ids of the schools where the professor is archived (or a flag): read with `isArchived`. */
  HIDDEN: EdusignHidden,
  DATE_CREATED: optionalText,
  DATE_UPDATED: optionalText,
});
export type EdusignProfessor = z.output<typeof EdusignProfessor>;

/** A group of learners; `STUDENTS` holds student ids. */
export const EdusignGroup = record({
  ID: EdusignId,
  NAME: text,
  STUDENTS: idList,
  API_ID: optionalText,
  API_TYPE: optionalText,
  HIDDEN: EdusignHidden,
  DATE_UPDATED: optionalText,
});
export type EdusignGroup = z.output<typeof EdusignGroup>;

/** Someone outside the school (`external`): a learner's tutor or apprenticeship master. */
export const EdusignExternal = record({
  ID: EdusignId,
  FIRSTNAME: text,
  LASTNAME: text,
  EMAIL: text,
  COMPANY: optionalText,
  TYPE: optionalText,
  API_ID: optionalText,
  API_TYPE: optionalText,
  HIDDEN: EdusignHidden,
  DATE_UPDATED: optionalText,
});
export type EdusignExternal = z.output<typeof EdusignExternal>;

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
  /** When the learner left early (UTC ISO); Edusign leaves the key out when they did not. */
  earlyDeparture: optionalText,
  absenceId: optionalText,
  comment: optionalText,
});
export type EdusignAttendanceRow = z.output<typeof EdusignAttendanceRow>;

/** A sheet (`course`), with its attendance rows. */
export const EdusignCourse = record({
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

/** The answer to a create (and to `get-id`): the record's id, as `ID` or `id`. */
export const EdusignIdResult = record({ ID: EdusignId });
export type EdusignIdResult = z.output<typeof EdusignIdResult>;

/** What `GET /v1/school` answers: the school the key belongs to (a list of one is taken too). */
export const EdusignSchool = z.preprocess(
  (value: unknown): unknown => (Array.isArray(value) && value.length === 1 ? (value as unknown[])[0] : value),
  record({ ID: EdusignId, NAME: optionalText }),
);
export type EdusignSchool = z.output<typeof EdusignSchool>;

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
