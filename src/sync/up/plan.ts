/**
 * The upward plan: what the locked sheets say of each learner, in Aimaira's fields, compared with what was already
 * sent. Pure: the same plan is printed by a dry run and carried out by `apply`.
 *
 * Two steps, so that an unchanged run asks Aimaira nothing: `observeAttendance` computes the values and their hashes
 * from the sheets and the store alone, and says which sessions have something to write (`sessionsToRead`); only the
 * learner rows of those sessions are read, and `planUp` turns the whole into row writes.
 */
import { createHash } from 'node:crypto';

import { DateTime } from 'luxon';

import type { TenantOptions } from '../../config/config.js';
import type { AttendanceRecord, LockedSheetRecord } from '../../store/port.js';
import type { AttendanceMark, LockedSheet } from './read.js';

/**
 * `ProvenancePresence` as versions before the `provenancePresence` option wrote it on every row. Only used to
 * recognise the hashes they stored (see `observeAttendance`); nothing writes it unless a tenant names it.
 */
export const legacyProvenance = 'Edusign';

export type AttendanceOptions = Pick<TenantOptions, 'studentDelay' | 'studentEarlyDeparture' | 'studentExclusion'>;

/**
 * The fields written to a learner's `PlanificationRessource` row. An optional field is absent when it is not
 * written: the row keeps whatever Aimaira has there.
 */
export interface AttendanceValues {
  /** Signed the sheet. */
  Presence: boolean;
  /**
   * When the signature (or the mark) was made; the sheet's end for a learner who never signed. Whole seconds, in
   * Paris time with its offset (`2026-11-20T09:03:00+01:00`), as Aimaira answers and as the only public client
   * writing it sends it: a `datetime` column would round milliseconds to 1/300 s anyway.
   */
  ControlePresence: string;
  /** Only when the tenant names a value Aimaira accepts (`provenancePresence`); else the row keeps its own. */
  ProvenancePresence?: string;
  /** Late (`studentDelay`). */
  Retard?: boolean;
  /** Left early (`studentEarlyDeparture`). */
  Depart?: boolean;
  /** Excluded (`studentExclusion`). */
  Exclusion?: boolean;
}

/** One learner of a locked sheet, with the values the sheet gives them and where Aimaira stands. */
export interface LearnerAttendance {
  /** The Edusign student on the sheet. */
  studentId: string;
  /** The Aimaira learner linked to that student; undefined when none is (someone added by hand on Edusign). */
  learnerId: number | undefined;
  values: AttendanceValues;
  hash: string;
  /** What the store says was sent or is being sent for this (session, learner). */
  previous: AttendanceRecord | undefined;
  /** Aimaira has these values already: sent, with this hash. */
  upToDate: boolean;
}

/** A locked sheet the connector created or adopted, with its session and its learners. */
export interface SheetAttendance {
  sheet: LockedSheet;
  planificationId: number;
  learners: LearnerAttendance[];
  /** The session was already marked done (`Realise`) by an earlier run. */
  realised: boolean;
}

export interface ObservedAttendance {
  sheets: SheetAttendance[];
  /** Locked sheets without a link (made by hand) not reported yet; those reported before are left out. */
  notLinked: LockedSheet[];
}

export interface ObserveInput {
  sheets: readonly LockedSheet[];
  /** The session (Planification id) of each linked sheet, by Edusign id. */
  sessionBySheet: ReadonlyMap<string, number>;
  /** The Aimaira learner of each linked Edusign student. */
  learnerByStudent: ReadonlyMap<string, number>;
  /** Attendance records of the linked sheets' sessions. */
  sent: readonly AttendanceRecord[];
  /** What is remembered of these sheets. */
  lockedSheets: ReadonlyMap<string, LockedSheetRecord>;
  options: AttendanceOptions;
  /** The `ProvenancePresence` to write (`provenancePresence`, once checked); null: each row keeps its own. */
  provenance: string | null;
}

/** A learner's row on a session, with what named the learner on it (checked again just before the write). */
export interface LearnerRow {
  rowId: number;
  Reference: number | null;
  Code: string | null;
}

/** A row whose `Reference` names one learner and whose `Code` is another's (`matchLearnerRow`). */
export interface RowConflict {
  rowId: number;
  referenceLearnerId: number;
  codeLearnerId: number;
}

/** The learner rows of a session, as matched by `matchLearnerRow`. */
export interface SessionRows {
  /** Learner id → their row (the lowest row id when a learner has two). */
  learners: ReadonlyMap<number, LearnerRow>;
  /** Rows that name two learners: not written. */
  conflicts: readonly RowConflict[];
}

/** One row to write: GET-modify-PUT of a `PlanificationRessource`. */
export interface RowWrite {
  planificationId: number;
  learnerId: number;
  rowId: number;
  /** `Reference` and `Code` of the row when it was matched: the write is refused if they changed since. */
  rowKey: { Reference: number | null; Code: string | null };
  /** The sheet, for events. */
  edusignId: string;
  values: AttendanceValues;
  hash: string;
  /** When Aimaira first had values for this row (a correction keeps it); null for a first write. */
  firstSentAt: string | null;
}

/**
 * Whether to mark the session done: `off` (planifRealise off), `done` (already marked), `blocked` (a learner's row
 * cannot be written), `ready` (once this run's writes of the sheet all succeed; at once when there are none).
 */
export type RealiseStep = 'off' | 'done' | 'blocked' | 'ready';

export interface SheetPlan {
  sheet: LockedSheet;
  planificationId: number;
  writes: RowWrite[];
  /** Learners whose values Aimaira already has. */
  unchanged: number;
  /** Linked learners with no learner row on the session in Aimaira. */
  missingRows: number[];
  /** Linked learners whose only row on the session also names another learner: not written. */
  conflicts: (RowConflict & { learnerId: number })[];
  /** Students on the sheet that are linked to no Aimaira learner. */
  unlinkedStudents: string[];
  /** Learners with a row on the session in Aimaira who are not on the sheet (only known when the rows were read). */
  notOnSheet: number[];
  realise: RealiseStep;
}

export interface UpPlan {
  sheets: SheetPlan[];
  notLinked: LockedSheet[];
}

const parisZone = 'Europe/Paris';

/**
 * The values a sheet's attendance row gives a learner. Values only (`set`, never `toggle`): `aimaira.update` may
 * apply them twice. `provenance` null leaves `ProvenancePresence` out: the row keeps what it has.
 */
export function attendanceValues(
  mark: AttendanceMark,
  sheetEnd: string,
  options: AttendanceOptions,
  provenance: string | null = null,
): AttendanceValues {
  const values: AttendanceValues = {
    Presence: mark.state,
    ControlePresence: wholeSecondsInParis(instantOrElse(mark.timestamp, sheetEnd)),
  };
  if (provenance !== null) values.ProvenancePresence = provenance;
  if (options.studentDelay) values.Retard = mark.delay > 0;
  if (options.studentEarlyDeparture) values.Depart = isSet(mark.earlyDeparture);
  if (options.studentExclusion) values.Exclusion = isSet(mark.excluded);
  return values;
}

/** Set, as Edusign sends these fields: absent, null or empty when it did not happen. */
function isSet(text: string | undefined): boolean {
  return text !== undefined && text.trim() !== '';
}

/** An ISO UTC instant from whatever date-time Edusign sent, or `fallback` when there is none or it does not parse. */
function instantOrElse(text: string | undefined, fallback: string): string {
  const parsed = text === undefined ? Number.NaN : Date.parse(text);
  if (!Number.isNaN(parsed)) return new Date(parsed).toISOString();
  const end = Date.parse(fallback);
  return Number.isNaN(end) ? fallback : new Date(end).toISOString();
}

/** The instant cut to the whole second, in Paris time with its offset; text that is no instant is kept as is. */
function wholeSecondsInParis(instant: string): string {
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) return instant;
  return DateTime.fromMillis(Math.floor(ms / 1000) * 1000, { zone: parisZone }).toFormat("yyyy-MM-dd'T'HH:mm:ssZZ");
}

/** A date-time as the hash sees it: the UTC instant with milliseconds, whatever offset it is written with. */
function hashedInstant(text: string): string {
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? text : new Date(ms).toISOString();
}

/**
 * A hash of the values to write, fields in a fixed order: equal values, equal hash. `ControlePresence` counts as an
 * instant (its offset does not matter), so the hashes stored by earlier versions, which wrote UTC, still match.
 */
export function attendanceHash(values: AttendanceValues): string {
  const ordered = [
    values.Presence,
    hashedInstant(values.ControlePresence),
    values.ProvenancePresence ?? null,
    values.Retard ?? null,
    values.Depart ?? null,
    values.Exclusion ?? null,
  ];
  return createHash('sha256').update(JSON.stringify(ordered)).digest('base64url').slice(0, 22);
}

/**
 * The hash an earlier version stored for this mark: it wrote `ProvenancePresence` = `Edusign` on every row and
 * `ControlePresence` with its milliseconds. A row sent then is up to date as long as the sheet says the same and no
 * other `ProvenancePresence` is asked for (see `observeAttendance`).
 */
export function legacyAttendanceHash(mark: AttendanceMark, sheetEnd: string, options: AttendanceOptions): string {
  return attendanceHash({
    ...attendanceValues(mark, sheetEnd, options, legacyProvenance),
    ControlePresence: instantOrElse(mark.timestamp, sheetEnd),
  });
}

/** The row with the values set: every other field exactly as read. */
export function withAttendance<R extends Record<string, unknown>>(row: R, values: AttendanceValues): R {
  return { ...row, ...values };
}

const recordKey = (planificationId: number, learnerId: number) => `${planificationId}:${learnerId}`;

export function observeAttendance(input: ObserveInput): ObservedAttendance {
  const sent = new Map(input.sent.map((record) => [recordKey(record.planificationId, record.learnerId), record]));
  // Rows sent before the `provenancePresence` option carry a hash made with `Edusign`: while nothing else is asked
  // for, they need no rewrite (the value they hold is kept anyway).
  const legacyHolds = input.provenance === null || input.provenance === legacyProvenance;
  const sheets: SheetAttendance[] = [];
  const notLinked: LockedSheet[] = [];
  for (const sheet of input.sheets) {
    const planificationId = input.sessionBySheet.get(sheet.edusignId);
    const remembered = input.lockedSheets.get(sheet.edusignId);
    if (planificationId === undefined) {
      if (!remembered?.notLinkedAt) notLinked.push(sheet);
      continue;
    }
    const seenStudents = new Set<string>();
    const seenLearners = new Set<number>();
    const learners: LearnerAttendance[] = [];
    for (const mark of sheet.marks) {
      if (seenStudents.has(mark.studentId)) continue;
      seenStudents.add(mark.studentId);
      const learnerId = input.learnerByStudent.get(mark.studentId);
      // Two students linked to one learner cannot happen through the connector; the first one speaks.
      if (learnerId !== undefined && seenLearners.has(learnerId)) continue;
      if (learnerId !== undefined) seenLearners.add(learnerId);
      const values = attendanceValues(mark, sheet.end, input.options, input.provenance);
      const hash = attendanceHash(values);
      const previous = learnerId === undefined ? undefined : sent.get(recordKey(planificationId, learnerId));
      const sentHash = previous?.state === 'sent' ? previous.hash : undefined;
      learners.push({
        studentId: mark.studentId,
        learnerId,
        values,
        hash,
        previous,
        upToDate:
          sentHash !== undefined &&
          (sentHash === hash || (legacyHolds && sentHash === legacyAttendanceHash(mark, sheet.end, input.options))),
      });
    }
    sheets.push({
      sheet,
      planificationId,
      learners,
      realised: remembered?.realisedAt !== undefined && remembered.realisedAt !== null,
    });
  }
  return { sheets, notLinked };
}

/** The sessions whose learner rows must be read from Aimaira: those with a linked learner not up to date. */
export function sessionsToRead(observed: ObservedAttendance): number[] {
  const ids = new Set<number>();
  for (const sheet of observed.sheets) {
    if (sheet.learners.some((learner) => learner.learnerId !== undefined && !learner.upToDate)) {
      ids.add(sheet.planificationId);
    }
  }
  return [...ids].sort((a, b) => a - b);
}

/**
 * The row writes. `rows` holds the learner rows of the sessions `sessionsToRead` named (a session missing from it
 * was not read: all its learners are up to date).
 */
export function planUp(
  observed: ObservedAttendance,
  rows: ReadonlyMap<number, SessionRows>,
  options: Pick<TenantOptions, 'planifRealise'>,
): UpPlan {
  const sheets = observed.sheets.map((entry): SheetPlan => {
    const sessionRows = rows.get(entry.planificationId);
    const writes: RowWrite[] = [];
    const missingRows: number[] = [];
    const conflicts: SheetPlan['conflicts'] = [];
    const unlinkedStudents: string[] = [];
    let unchanged = 0;
    for (const learner of entry.learners) {
      const { learnerId } = learner;
      if (learnerId === undefined) {
        unlinkedStudents.push(learner.studentId);
        continue;
      }
      if (learner.upToDate) {
        unchanged++;
        continue;
      }
      const row = sessionRows?.learners.get(learnerId);
      if (row === undefined) {
        // No row of their own: a row that names them and someone else is not guessed at.
        const conflict = sessionRows?.conflicts.find(
          (candidate) => candidate.referenceLearnerId === learnerId || candidate.codeLearnerId === learnerId,
        );
        if (conflict) conflicts.push({ ...conflict, learnerId });
        else missingRows.push(learnerId);
        continue;
      }
      writes.push({
        planificationId: entry.planificationId,
        learnerId,
        rowId: row.rowId,
        rowKey: { Reference: row.Reference, Code: row.Code },
        edusignId: entry.sheet.edusignId,
        values: learner.values,
        hash: learner.hash,
        firstSentAt: learner.previous?.firstSentAt ?? null,
      });
    }
    const onSheet = new Set(entry.learners.flatMap((learner) => learner.learnerId ?? []));
    const notOnSheet = sessionRows
      ? [...sessionRows.learners.keys()].filter((id) => !onSheet.has(id)).sort((a, b) => a - b)
      : [];
    let realise: RealiseStep = 'ready';
    if (!options.planifRealise) realise = 'off';
    else if (entry.realised) realise = 'done';
    else if (missingRows.length > 0 || conflicts.length > 0 || unlinkedStudents.length > 0) realise = 'blocked';
    return {
      sheet: entry.sheet,
      planificationId: entry.planificationId,
      writes,
      unchanged,
      missingRows,
      conflicts,
      unlinkedStudents,
      notOnSheet,
      realise,
    };
  });
  return { sheets, notLinked: observed.notLinked };
}

/** What the plan would do, by kind and action (a dry run's counts). */
export function countPlan(plan: UpPlan): Record<string, number> {
  const counts: Record<string, number> = {
    'sheet.locked': plan.sheets.length,
    'attendance.write': 0,
    'attendance.unchanged': 0,
    'attendance.error': 0,
    'sheet.realise': 0,
    'sheet.skipped': plan.notLinked.length,
  };
  const add = (key: string, n: number) => {
    counts[key] = (counts[key] ?? 0) + n;
  };
  for (const sheet of plan.sheets) {
    add('attendance.write', sheet.writes.length);
    add('attendance.unchanged', sheet.unchanged);
    add('attendance.error', sheet.missingRows.length + sheet.conflicts.length + sheet.unlinkedStudents.length);
    if (sheet.realise === 'ready') add('sheet.realise', 1);
  }
  return counts;
}
