import { describe, expect, it } from 'vitest';

import type { AttendanceRecord, LockedSheetRecord } from '../../store/port.js';
import {
  attendanceHash,
  attendanceValues,
  countPlan,
  observeAttendance,
  planUp,
  sessionsToRead,
  withAttendance,
} from './plan.js';
import type { AttendanceOptions, ObserveInput } from './plan.js';
import type { AttendanceMark, LockedSheet } from './read.js';

const allOff: AttendanceOptions = { studentDelay: false, studentEarlyDeparture: false, studentExclusion: false };
const allOn: AttendanceOptions = { studentDelay: true, studentEarlyDeparture: true, studentExclusion: true };

const sheetEnd = '2026-11-20T12:00:00.000Z';

function mark(studentId: string, overrides: Partial<AttendanceMark> = {}): AttendanceMark {
  return {
    studentId,
    state: false,
    timestamp: undefined,
    delay: 0,
    excluded: undefined,
    earlyDeparture: undefined,
    ...overrides,
  };
}

const signed = (studentId: string, overrides: Partial<AttendanceMark> = {}) =>
  mark(studentId, { state: true, timestamp: '2026-11-20T08:03:00.000Z', ...overrides });

function sheet(edusignId: string, marks: AttendanceMark[]): LockedSheet {
  return { edusignId, name: `Sheet ${edusignId}`, start: '2026-11-20T08:00:00.000Z', end: sheetEnd, marks };
}

function record(
  planificationId: number,
  learnerId: number,
  overrides: Partial<AttendanceRecord> = {},
): AttendanceRecord {
  return {
    tenantId: 't',
    planificationId,
    learnerId,
    rowId: 9_000 + learnerId,
    hash: 'old',
    state: 'sent',
    firstSentAt: '2026-11-21T06:00:00.000Z',
    updatedAt: '2026-11-21T06:00:00.000Z',
    ...overrides,
  };
}

/** Sheet `c1` is session 100, `c2` session 200; students `s1`..`s4` are learners 1..4. */
function input(overrides: Partial<ObserveInput> = {}): ObserveInput {
  return {
    sheets: [sheet('c1', [signed('s1'), mark('s2')])],
    sessionBySheet: new Map([
      ['c1', 100],
      ['c2', 200],
    ]),
    learnerByStudent: new Map([
      ['s1', 1],
      ['s2', 2],
      ['s3', 3],
      ['s4', 4],
    ]),
    sent: [],
    lockedSheets: new Map(),
    options: allOff,
    ...overrides,
  };
}

const rowsOf = (entries: Record<number, Record<number, number>>) =>
  new Map(
    Object.entries(entries).map(([session, rows]) => [
      Number(session),
      new Map(Object.entries(rows).map(([learner, row]) => [Number(learner), row])),
    ]),
  );

describe('attendanceValues', () => {
  it('marks a signed learner present at the signature time, from Edusign', () => {
    expect(attendanceValues(signed('s1'), sheetEnd, allOff)).toEqual({
      Presence: true,
      ControlePresence: '2026-11-20T08:03:00.000Z',
      ProvenancePresence: 'Edusign',
    });
  });

  it('marks a learner who never signed absent, checked at the end of the sheet', () => {
    expect(attendanceValues(mark('s2'), sheetEnd, allOff)).toEqual({
      Presence: false,
      ControlePresence: sheetEnd,
      ProvenancePresence: 'Edusign',
    });
  });

  it('uses a marking time even without a signature, and reads any offset as an instant', () => {
    const values = attendanceValues(mark('s2', { timestamp: '2026-11-20T10:15:00+01:00' }), sheetEnd, allOff);
    expect(values.ControlePresence).toBe('2026-11-20T09:15:00.000Z');
    expect(attendanceValues(mark('s2', { timestamp: 'not a date' }), sheetEnd, allOff).ControlePresence).toBe(sheetEnd);
  });

  it('leaves Retard, Depart and Exclusion out when their options are off, whatever the sheet says', () => {
    const late = signed('s1', { delay: 12, earlyDeparture: '2026-11-20T11:00:00Z', excluded: '2026-11-20T11:30:00Z' });
    const values = attendanceValues(late, sheetEnd, allOff);
    expect(Object.keys(values).sort()).toEqual(['ControlePresence', 'Presence', 'ProvenancePresence']);
  });

  it('sets each of them with its own option', () => {
    const late = signed('s1', { delay: 12, earlyDeparture: '2026-11-20T11:00:00Z', excluded: '2026-11-20T11:30:00Z' });
    expect(attendanceValues(late, sheetEnd, { ...allOff, studentDelay: true })).toMatchObject({ Retard: true });
    expect(attendanceValues(late, sheetEnd, { ...allOff, studentEarlyDeparture: true })).toMatchObject({
      Depart: true,
    });
    expect(attendanceValues(late, sheetEnd, { ...allOff, studentExclusion: true })).toMatchObject({ Exclusion: true });
    expect(attendanceValues(late, sheetEnd, { ...allOff, studentDelay: true })).not.toHaveProperty('Depart');
  });

  it('writes false for a learner on time, still there at the end and not excluded, with the options on', () => {
    expect(attendanceValues(signed('s1', { excluded: ' ' }), sheetEnd, allOn)).toMatchObject({
      Retard: false,
      Depart: false,
      Exclusion: false,
    });
  });
});

describe('attendanceHash', () => {
  it('is equal for equal values and differs when a value or the set of fields changes', () => {
    const values = attendanceValues(signed('s1'), sheetEnd, allOff);
    expect(attendanceHash(values)).toBe(attendanceHash({ ...values }));
    expect(attendanceHash({ ...values, Presence: false })).not.toBe(attendanceHash(values));
    expect(attendanceHash({ ...values, Retard: false })).not.toBe(attendanceHash(values));
  });
});

describe('withAttendance', () => {
  it('sets the values and keeps every other field of the row as read', () => {
    const row = { Id: 5, Nom: 'Dupont Jean', Presence: false, Retard: true, Detail: 'x', MotifId: 3 };
    const values = attendanceValues(signed('s1'), sheetEnd, allOff);
    expect(withAttendance(row, values)).toEqual({ ...row, ...values, Retard: true });
  });
});

describe('observeAttendance', () => {
  it('gives each learner of a linked sheet their values and hash, nothing yet up to date', () => {
    const observed = observeAttendance(input());
    expect(observed.notLinked).toEqual([]);
    expect(observed.sheets).toHaveLength(1);
    const [entry] = observed.sheets;
    expect(entry?.planificationId).toBe(100);
    expect(entry?.learners.map((l) => [l.studentId, l.learnerId, l.values.Presence, l.upToDate])).toEqual([
      ['s1', 1, true, false],
      ['s2', 2, false, false],
    ]);
    expect(sessionsToRead(observed)).toEqual([100]);
  });

  it('is up to date only for a sent record with the same hash; pending or different values are written', () => {
    const base = observeAttendance(input());
    const hashOf = (learnerId: number) => base.sheets[0]?.learners.find((l) => l.learnerId === learnerId)?.hash ?? '';
    const observed = observeAttendance(
      input({
        sheets: [sheet('c1', [signed('s1'), mark('s2'), mark('s3')])],
        sent: [
          record(100, 1, { hash: hashOf(1) }),
          record(100, 2, { hash: hashOf(2), state: 'pending' }),
          record(100, 3, { hash: 'values-before-relock' }),
        ],
      }),
    );
    expect(observed.sheets[0]?.learners.map((l) => [l.learnerId, l.upToDate])).toEqual([
      [1, true],
      [2, false],
      [3, false],
    ]);
  });

  it('needs no Aimaira read when every learner is up to date', () => {
    const base = observeAttendance(input());
    const sent = (base.sheets[0]?.learners ?? []).map((l) => record(100, l.learnerId ?? 0, { hash: l.hash }));
    const observed = observeAttendance(input({ sent }));
    expect(sessionsToRead(observed)).toEqual([]);
    const plan = planUp(observed, new Map(), { planifRealise: false });
    expect(plan.sheets[0]).toMatchObject({ writes: [], unchanged: 2, missingRows: [], realise: 'off' });
  });

  it('reports a locked sheet without a link once: not again once remembered', () => {
    const byHand = sheet('hand', [signed('s1')]);
    expect(observeAttendance(input({ sheets: [byHand] })).notLinked).toEqual([byHand]);
    const remembered: LockedSheetRecord = {
      tenantId: 't',
      edusignId: 'hand',
      planificationId: null,
      realisedAt: null,
      notLinkedAt: '2026-11-21T06:00:00.000Z',
    };
    const again = observeAttendance(input({ sheets: [byHand], lockedSheets: new Map([['hand', remembered]]) }));
    expect(again).toEqual({ sheets: [], notLinked: [] });
  });

  it('keeps a student twice on a sheet once, and a student linked to no learner apart', () => {
    const observed = observeAttendance(
      input({ sheets: [sheet('c1', [signed('s1'), mark('s1'), signed('stranger')])] }),
    );
    expect(observed.sheets[0]?.learners.map((l) => [l.studentId, l.learnerId])).toEqual([
      ['s1', 1],
      ['stranger', undefined],
    ]);
  });
});

describe('planUp', () => {
  it('writes each changed learner to their row and marks the session done once all are written', () => {
    const observed = observeAttendance(input());
    const plan = planUp(observed, rowsOf({ 100: { 1: 501, 2: 502 } }), { planifRealise: true });
    expect(plan.sheets).toHaveLength(1);
    const [entry] = plan.sheets;
    expect(entry?.writes.map((w) => [w.learnerId, w.rowId, w.values.Presence, w.firstSentAt])).toEqual([
      [1, 501, true, null],
      [2, 502, false, null],
    ]);
    expect(entry).toMatchObject({ missingRows: [], unlinkedStudents: [], notOnSheet: [], realise: 'ready' });
    expect(countPlan(plan)).toMatchObject({ 'attendance.write': 2, 'sheet.realise': 1, 'sheet.locked': 1 });
  });

  it('rewrites only the learner whose values changed after a relock, as a correction', () => {
    const first = observeAttendance(input());
    const sent = (first.sheets[0]?.learners ?? []).map((l) => record(100, l.learnerId ?? 0, { hash: l.hash }));
    // Learner 2 signed after the sheet was unlocked.
    const relocked = observeAttendance(input({ sheets: [sheet('c1', [signed('s1'), signed('s2')])], sent }));
    const plan = planUp(relocked, rowsOf({ 100: { 1: 501, 2: 502 } }), { planifRealise: false });
    expect(plan.sheets[0]?.writes.map((w) => [w.learnerId, w.firstSentAt])).toEqual([[2, '2026-11-21T06:00:00.000Z']]);
    expect(plan.sheets[0]?.unchanged).toBe(1);
  });

  it('reports a learner with no row, writes the others, and holds Realise back', () => {
    const observed = observeAttendance(input());
    const plan = planUp(observed, rowsOf({ 100: { 1: 501, 7: 507 } }), { planifRealise: true });
    expect(plan.sheets[0]).toMatchObject({ missingRows: [2], notOnSheet: [7], realise: 'blocked' });
    expect(plan.sheets[0]?.writes.map((w) => w.learnerId)).toEqual([1]);
    expect(countPlan(plan)).toMatchObject({ 'attendance.error': 1, 'sheet.realise': 0 });
  });

  it('holds Realise back while a student on the sheet is linked to no learner', () => {
    const observed = observeAttendance(input({ sheets: [sheet('c1', [signed('s1'), signed('stranger')])] }));
    const plan = planUp(observed, rowsOf({ 100: { 1: 501 } }), { planifRealise: true });
    expect(plan.sheets[0]).toMatchObject({ unlinkedStudents: ['stranger'], realise: 'blocked' });
  });

  it('does not mark a session done again, nor at all with planifRealise off', () => {
    const realised: LockedSheetRecord = {
      tenantId: 't',
      edusignId: 'c1',
      planificationId: 100,
      realisedAt: '2026-11-21T06:00:00.000Z',
      notLinkedAt: null,
    };
    const rows = rowsOf({ 100: { 1: 501, 2: 502 } });
    const observed = observeAttendance(input({ lockedSheets: new Map([['c1', realised]]) }));
    expect(planUp(observed, rows, { planifRealise: true }).sheets[0]?.realise).toBe('done');
    expect(planUp(observeAttendance(input()), rows, { planifRealise: false }).sheets[0]?.realise).toBe('off');
  });
});
