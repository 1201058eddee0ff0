/**
 * Reads what an upward run needs: the locked sheets of the look-back from Edusign (their attendance rows come with
 * the list), and the learner rows of the sessions that have something to write, from Aimaira in batches.
 */
import { DateTime } from 'luxon';

import type { AimairaClient } from '../../aimaira/client.js';
import { eq } from '../../aimaira/query.js';
import type { EdusignClient } from '../../edusign/client.js';
import type { EdusignAttendanceRow, EdusignCourse } from '../../edusign/schemas.js';
import type { SessionRows } from './plan.js';

const parisZone = 'Europe/Paris';
/** The widest `start`..`end` span Edusign's course list accepts. */
const maxListDays = 90;

/** What a locked sheet says of one learner: the fields of an attendance row the upward run uses. */
export type AttendanceMark = Pick<
  EdusignAttendanceRow,
  'studentId' | 'state' | 'timestamp' | 'delay' | 'excluded' | 'earlyDeparture'
>;

/** A locked (archived) sheet, as plain data. */
export interface LockedSheet {
  edusignId: string;
  /** The sheet's name: for events about the connector's own sheets (named after Aimaira sessions) only. */
  name: string;
  /** Instants, as Edusign sent them. */
  start: string;
  end: string;
  marks: AttendanceMark[];
}

/** The sheets an upward run considers: from the start of the Paris day `today - lookbackDays` to the window's end. */
export interface Lookback {
  /** ISO instants; `start` included, `end` excluded. */
  start: string;
  end: string;
}

export function lookback(now: Date, lookbackDays: number, horizonDays: number): Lookback {
  const today = DateTime.fromJSDate(now, { zone: parisZone }).startOf('day');
  return {
    start: today.minus({ days: lookbackDays }).toUTC().toISO() ?? '',
    end:
      today
        .plus({ days: horizonDays + 1 })
        .toUTC()
        .toISO() ?? '',
  };
}

/**
 * The `start`..`end` day ranges (`YYYY-MM-DD`, both included) that cover the look-back within Edusign's 90-day
 * limit. Edusign compares them with the UTC date of a sheet's start, so UTC dates of the instants are used.
 */
export function listRanges(span: Lookback): { start: string; end: string }[] {
  const first = DateTime.fromISO(span.start, { zone: 'utc' }).startOf('day');
  const last = DateTime.fromISO(span.end, { zone: 'utc' }).startOf('day');
  const ranges: { start: string; end: string }[] = [];
  for (let from = first; from <= last; from = from.plus({ days: maxListDays + 1 })) {
    const to = DateTime.min(from.plus({ days: maxListDays }), last);
    ranges.push({ start: from.toISODate() ?? '', end: to.toISODate() ?? '' });
  }
  return ranges;
}

function toLockedSheet(course: EdusignCourse): LockedSheet {
  return {
    edusignId: course.ID,
    name: course.NAME,
    start: course.START,
    end: course.END,
    marks: course.STUDENTS.map(({ studentId, state, timestamp, delay, excluded, earlyDeparture }) => ({
      studentId,
      state,
      timestamp,
      delay,
      excluded,
      earlyDeparture,
    })),
  };
}

function startsWithin(course: EdusignCourse, span: Lookback): boolean {
  const start = Date.parse(course.START);
  return start >= Date.parse(span.start) && start < Date.parse(span.end);
}

/**
 * The locked sheets whose start falls in the look-back, each once. A linked sheet listed without attendance rows is
 * read on its own: should the list ever leave the rows out, a sheet would otherwise look empty and its session be
 * marked done with nobody's attendance written.
 */
export async function readLockedSheets(
  edusign: EdusignClient,
  span: Lookback,
  linkedSheets: ReadonlySet<string>,
  signal?: AbortSignal,
): Promise<LockedSheet[]> {
  const sheets = new Map<string, LockedSheet>();
  for (const range of listRanges(span)) {
    for await (const page of edusign.courses.list({ ...range, filters: ['locked'], ...(signal && { signal }) })) {
      for (const course of page) {
        // The filter is trusted no more than needed: a sheet that is not locked is not final.
        if (!course.LOCKED || !startsWithin(course, span) || sheets.has(course.ID)) continue;
        sheets.set(course.ID, toLockedSheet(course));
      }
    }
  }
  for (const [id, sheet] of sheets) {
    if (sheet.marks.length > 0 || !linkedSheets.has(id)) continue;
    const course = await edusign.courses.get(id, signal ? { signal } : undefined);
    if (course?.LOCKED) sheets.set(id, toLockedSheet(course));
    else sheets.delete(id);
  }
  return [...sheets.values()];
}

/**
 * The learner rows (type `APPRENANT`) of these sessions: per session, learner id → row id. A learner listed twice
 * on a session keeps the lower row id, always the same.
 */
export async function readLearnerRows(
  aimaira: AimairaClient,
  planificationIds: readonly number[],
): Promise<Map<number, SessionRows>> {
  const bySession = new Map<number, Map<number, number>>();
  if (planificationIds.length === 0) return bySession;
  const types = await aimaira.listAll('TypeRessource', { select: ['Code'] });
  // Codes may come back padded with spaces (fixed-width columns).
  const learnerType = types.find((type) => type.Code?.trim() === 'APPRENANT')?.Id;
  if (learnerType === undefined) {
    throw new Error('Aimaira has no resource type APPRENANT: learner rows cannot be found');
  }
  const rows = await aimaira.listByIds('PlanificationRessource', 'PlanificationId', planificationIds, {
    filter: eq('TypeRessourceId', learnerType),
    select: ['PlanificationId', 'Reference'],
  });
  for (const id of planificationIds) bySession.set(id, new Map());
  for (const row of rows) {
    if (!row.Reference) continue;
    const session = bySession.get(row.PlanificationId) ?? new Map<number, number>();
    bySession.set(row.PlanificationId, session);
    const known = session.get(row.Reference);
    if (known === undefined || row.Id < known) session.set(row.Reference, row.Id);
  }
  return bySession;
}
