/**
 * Reads what an upward run needs: the locked sheets of the look-back from Edusign (their attendance rows come with
 * the list), and the learner rows of the sessions that have something to write, from Aimaira in batches.
 *
 * An attendance row's `earlyDeparture` is a date-time that Edusign leaves out (or empty) when the learner did not
 * leave early: absent reads as "stayed to the end" (`attendanceValues`).
 */
import { DateTime } from 'luxon';

import type { AimairaClient } from '../../aimaira/client.js';
import { idsByCode } from '../../aimaira/client.js';
import { matchLearnerRow } from '../../aimaira/mapping.js';
import type { LearnerDirectory } from '../../aimaira/mapping.js';
import { eq, or } from '../../aimaira/query.js';
import type { EdusignClient } from '../../edusign/client.js';
import type { EdusignAttendanceRow, EdusignCourse } from '../../edusign/schemas.js';
import { resolveRowLearners } from '../learner-rows.js';
import type { LearnerRow, RowConflict, SessionRows } from './plan.js';

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
 * A targeted run's sheets (Edusign course ids), each read on its own: those that are locked and start within the
 * look-back, as `readLockedSheets` would list them; any other (not locked, outside the look-back, gone) is left out.
 */
export async function readSheetsById(
  edusign: EdusignClient,
  span: Lookback,
  sheetIds: readonly string[],
  signal?: AbortSignal,
): Promise<LockedSheet[]> {
  const sheets: LockedSheet[] = [];
  for (const id of new Set(sheetIds)) {
    const course = await edusign.courses.get(id, signal ? { signal } : undefined);
    if (course?.LOCKED && startsWithin(course, span)) sheets.push(toLockedSheet(course));
  }
  return sheets;
}

/** A learner row as read: what names its learner. */
export interface LearnerRowRecord {
  Id: number;
  PlanificationId: number;
  Reference: number | null;
  Code: string | null;
}

/**
 * The learner rows (type `APPRENANT`, every id of the code) of these sessions, matched to learners by
 * `matchLearnerRow`: `Reference` when it names a learner, else `Code`. Three batched reads (the rows, the learners
 * their `Reference` names, and only when needed the learners of the codes left unexplained), plus the types.
 */
export async function readLearnerRows(
  aimaira: AimairaClient,
  planificationIds: readonly number[],
): Promise<Map<number, SessionRows>> {
  if (planificationIds.length === 0) return new Map();
  const types = await aimaira.listAll('TypeRessource', { select: ['Code'] });
  const learnerTypes = idsByCode(types)['APPRENANT'] ?? [];
  if (learnerTypes.length === 0) {
    throw new Error('Aimaira has no resource type APPRENANT: learner rows cannot be found');
  }
  const rows: LearnerRowRecord[] = await aimaira.listByIds(
    'PlanificationRessource',
    'PlanificationId',
    planificationIds,
    {
      // An `or` of the few type ids: any OData server takes it.
      filter: or(...learnerTypes.map((id) => eq('TypeRessourceId', id))),
      select: ['PlanificationId', 'Reference', 'Code'],
    },
  );
  const { directory } = await resolveRowLearners(rows, {
    byId: (ids) => aimaira.listByIds('Apprenant', 'Id', ids, { select: ['Code'] }),
    byCode: (codes) => aimaira.listByIds('Apprenant', 'Code', codes, { select: ['Code'] }),
  });
  return sessionRowsOf(planificationIds, rows, directory);
}

/**
 * Per session, each learner's row (the lowest row id when they have two) and the rows that name two learners.
 * Every session asked for is in the answer, with no rows when Aimaira has none.
 */
export function sessionRowsOf(
  planificationIds: readonly number[],
  rows: readonly LearnerRowRecord[],
  learners: LearnerDirectory,
): Map<number, SessionRows> {
  const bySession = new Map<number, { learners: Map<number, LearnerRow>; conflicts: RowConflict[] }>();
  for (const id of planificationIds) bySession.set(id, { learners: new Map(), conflicts: [] });
  for (const row of [...rows].sort((a, b) => a.Id - b.Id)) {
    const session = bySession.get(row.PlanificationId);
    if (!session) continue;
    const match = matchLearnerRow(row, learners);
    switch (match.kind) {
      case 'both':
      case 'reference':
      case 'code':
        if (!session.learners.has(match.learnerId)) {
          session.learners.set(match.learnerId, { rowId: row.Id, Reference: row.Reference, Code: row.Code });
        }
        break;
      case 'conflict':
        session.conflicts.push({
          rowId: row.Id,
          referenceLearnerId: match.referenceLearnerId,
          codeLearnerId: match.codeLearnerId,
        });
        break;
      case 'none':
        break;
    }
  }
  return bySession;
}
