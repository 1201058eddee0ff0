/**
 * Edusign's business errors: answers with `status: "error"` (at HTTP 200) turned into one error class with a
 * `code`. The server's wording is matched here, in one table, so that the rest of the connector branches on
 * codes and never on message text.
 */
import { ConnectorError, excerpt, HttpStatusError, ResponseShapeError } from '../errors.js';

/** Every business outcome the connector tells apart. */
export const edusignErrorCodes = [
  'PROFESSOR_EXISTS',
  'STUDENT_EXISTS',
  'EXTERNAL_EXISTS',
  'STUDENT_ALREADY_IN_LIST',
  'COURSE_LOCKED',
  'COURSE_ALREADY_LOCKED',
  'COURSE_NOT_LOCKED',
  'STUDENT_NOT_IN_LIST',
  'ARCHIVED',
  'NOT_FOUND',
  'VALIDATION',
  'UNKNOWN',
] as const;
export type EdusignErrorCode = (typeof edusignErrorCodes)[number];

/**
 * Server messages and the code each one means, tried in order (the first match wins, so "Course already locked"
 * comes before the shorter "course locked"). Matching ignores case and surrounding text.
 */
const messageTable: ReadonlyArray<{ readonly pattern: RegExp; readonly code: EdusignErrorCode }> = [
  { pattern: /professor already exists/i, code: 'PROFESSOR_EXISTS' },
  { pattern: /student already exists/i, code: 'STUDENT_EXISTS' },
  { pattern: /external already exists/i, code: 'EXTERNAL_EXISTS' },
  { pattern: /student already in the list/i, code: 'STUDENT_ALREADY_IN_LIST' },
  { pattern: /course already locked/i, code: 'COURSE_ALREADY_LOCKED' },
  { pattern: /course not locked/i, code: 'COURSE_NOT_LOCKED' },
  { pattern: /course (is )?locked/i, code: 'COURSE_LOCKED' },
  { pattern: /student not in the list/i, code: 'STUDENT_NOT_IN_LIST' },
  // "Student is archived", "Professor is archived", "Group is archived": the record exists but is hidden.
  { pattern: /\bis archived\b/i, code: 'ARCHIVED' },
  // "No course with this ID found", "No student with this email found", "No course with this API_ID found"…
  { pattern: /\bno [\w -]+ with this [\w-]+ found/i, code: 'NOT_FOUND' },
  // "Error - cannot get professor by email" (since 2023), "professor not found" (before): matched as substrings.
  { pattern: /cannot get [\w -]+ by (e-?mail|id|api_id)/i, code: 'NOT_FOUND' },
  { pattern: /\bnot found\b/i, code: 'NOT_FOUND' },
  // An error code rather than a sentence, as one client's mock of the externals look-up shows.
  { pattern: /\berr_unknown_\w+/i, code: 'NOT_FOUND' },
  // Input refused as such: a bad date-time, END before START, a professor twice, a group cycle, a long range.
  { pattern: /\bmust (not )?be\b|\bcannot (be set twice|exceed)\b|\binvalid\b|\brequired\b/i, code: 'VALIDATION' },
];

/**
 * The code for the messages of one error answer. A list of messages that matches no known wording is how
 * Edusign reports invalid input, hence `VALIDATION`.
 */
export function classifyEdusignMessages(messages: readonly string[], messageWasList = false): EdusignErrorCode {
  for (const { pattern, code } of messageTable) {
    if (messages.some((message) => pattern.test(message))) return code;
  }
  return messageWasList ? 'VALIDATION' : 'UNKNOWN';
}

/** Where a business error came from. */
export interface EdusignErrorContext {
  method: string;
  /** The URL as `describeUrl` shows it: no query values, no e-mail in the path. */
  url: string;
}

/** Edusign refused a request with a business error (`status: "error"`). */
export class EdusignBusinessError extends ConnectorError {
  override name = 'EdusignBusinessError';
  readonly system = 'edusign' as const;
  readonly code: EdusignErrorCode;
  readonly method: string;
  readonly url: string;
  /** The server's message(s), joined and cut to a short excerpt. */
  readonly serverMessage: string;

  constructor(context: EdusignErrorContext, code: EdusignErrorCode, messages: readonly string[]) {
    const serverMessage = excerpt(messages.join('; ')) || '(no message)';
    super(`edusign ${context.method} ${context.url} refused (${code}): ${serverMessage}`);
    this.code = code;
    this.method = context.method;
    this.url = context.url;
    this.serverMessage = serverMessage;
  }
}

/** True when `error` is an Edusign business error, with the given code when one is passed. */
export function isEdusignBusinessError(error: unknown, code?: EdusignErrorCode): error is EdusignBusinessError {
  return error instanceof EdusignBusinessError && (code === undefined || error.code === code);
}

/**
 * A 2xx answer that is not Edusign's `{status, result}` envelope: an HTML or plain-text page (a proxy, a web
 * app's fallback page) or JSON of another shape. Still a `ResponseShapeError`; the subclass lets a caller tell
 * "this route is not there" from "this route answered a record of an unexpected shape".
 */
export class EdusignNotEnvelopeError extends ResponseShapeError {
  override name = 'EdusignNotEnvelopeError';
  readonly status: number;
  constructor(url: string, status: number, issues: readonly string[]) {
    super('edusign', url, issues);
    this.status = status;
  }
}

/** Statuses that, without Edusign's envelope, mean the server has no such route (or not for that method). */
const missingRouteStatuses: ReadonlySet<number> = new Set([404, 405, 501]);

/**
 * True when `error` says the route does not exist on this server: a 404 (405, 501) page without the envelope
 * (Express's HTML `Cannot GET ...`, a plain `Not Found`), or a success status whose body is not the envelope.
 * A business error ("No student with this ID found") is an answer of the API, never a missing route.
 */
export function isRouteMissing(error: unknown): boolean {
  if (error instanceof EdusignNotEnvelopeError) return true;
  return error instanceof HttpStatusError && error.system === 'edusign' && missingRouteStatuses.has(error.status);
}
