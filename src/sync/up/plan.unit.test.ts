import { createHash } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import type { AttendanceRecord, LockedSheetRecord } from '../../store/port.js';
import {
  attendanceHash,
  attendanceValues,
  countPlan,
  legacyAttendanceHash,
  observeAttendance,
  planUp,
  sessionsToRead,
  withAttendance,
} from './plan.js';
import type { AttendanceOptions, ObserveInput, RowConflict, SessionRows } from './plan.js';
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
    provenance: null,
    ...overrides,
  };
}

/** Learner rows by session: learner id → row id (each row names its learner both ways), and conflicting rows. */
const rowsOf = (entries: Record<number, Record<number, number>>, conflicts: Record<number, RowConflict[]> = {}) =>
  new Map<number, SessionRows>(
    Object.entries(entries).map(([session, rows]) => [
      Number(session),
      {
        learners: new Map(
          Object.entries(rows).map(([learner, rowId]) => [
            Number(learner),
            { rowId, Reference: Number(learner), Code: `A${learner.padStart(5, '0')}` },
          ]),
        ),
        conflicts: conflicts[Number(session)] ?? [],
      },
    ]),
  );

/** The sheet's end, 12:00 UTC, as written to Aimaira: Paris time, whole seconds. */
const sheetEndInParis = '2026-11-20T13:00:00+01:00';

describe('attendanceValues', () => {
  it('marks a signed learner present at the signature time, and leaves ProvenancePresence as the row has it', () => {
    expect(attendanceValues(signed('s1'), sheetEnd, allOff)).toEqual({
      Presence: true,
      ControlePresence: '2026-11-20T09:03:00+01:00',
    });
  });

  it('marks a learner who never signed absent, checked at the end of the sheet', () => {
    expect(attendanceValues(mark('s2'), sheetEnd, allOff)).toEqual({
      Presence: false,
      ControlePresence: sheetEndInParis,
    });
  });

  it('writes ControlePresence in whole seconds, Paris time with its offset, cutting the milliseconds off', () => {
    const values = attendanceValues(signed('s1', { timestamp: '2026-11-20T08:03:07.999Z' }), sheetEnd, allOff);
    expect(values.ControlePresence).toBe('2026-11-20T09:03:07+01:00');
    // Summer time: +02:00.
    const june = attendanceValues(signed('s1', { timestamp: '2026-06-02T08:03:07.250Z' }), sheetEnd, allOff);
    expect(june.ControlePresence).toBe('2026-06-02T10:03:07+02:00');
  });

  it('uses a marking time even without a signature, and reads any offset as an instant', () => {
    const values = attendanceValues(mark('s2', { timestamp: '2026-11-20T10:15:00+01:00' }), sheetEnd, allOff);
    expect(values.ControlePresence).toBe('2026-11-20T10:15:00+01:00');
    const utc = attendanceValues(mark('s2', { timestamp: '2026-11-20T09:15:00Z' }), sheetEnd, allOff);
    expect(utc.ControlePresence).toBe('2026-11-20T10:15:00+01:00');
    expect(attendanceValues(mark('s2', { timestamp: 'not a date' }), sheetEnd, allOff).ControlePresence).toBe(
      sheetEndInParis,
    );
  });

  it('writes the ProvenancePresence it is given, and none when given none', () => {
    expect(attendanceValues(signed('s1'), sheetEnd, allOff, 'Badge')).toMatchObject({ ProvenancePresence: 'Badge' });
    expect(attendanceValues(signed('s1'), sheetEnd, allOff, null)).not.toHaveProperty('ProvenancePresence');
  });

  it('leaves Retard, Depart and Exclusion out when their options are off, whatever the sheet says', () => {
    const late = signed('s1', { delay: 12, earlyDeparture: '2026-11-20T11:00:00Z', excluded: '2026-11-20T11:30:00Z' });
    const values = attendanceValues(late, sheetEnd, allOff);
    expect(Object.keys(values).sort()).toEqual(['ControlePresence', 'Presence']);
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

  it('reads an early departure that Edusign leaves out, null or empty as no early departure', () => {
    for (const earlyDeparture of [undefined, '', '  ']) {
      expect(attendanceValues(signed('s1', { earlyDeparture }), sheetEnd, allOn).Depart).toBe(false);
    }
    expect(attendanceValues(signed('s1', { earlyDeparture: '2026-11-20T11:10:00Z' }), sheetEnd, allOn).Depart).toBe(
      true,
    );
  });
});

describe('attendanceHash', () => {
  it('is equal for equal values and differs when a value or the set of fields changes', () => {
    const values = attendanceValues(signed('s1'), sheetEnd, allOff);
    expect(attendanceHash(values)).toBe(attendanceHash({ ...values }));
    expect(attendanceHash({ ...values, Presence: false })).not.toBe(attendanceHash(values));
    expect(attendanceHash({ ...values, Retard: false })).not.toBe(attendanceHash(values));
    expect(attendanceHash({ ...values, ProvenancePresence: 'Badge' })).not.toBe(attendanceHash(values));
  });

  it('sees ControlePresence as an instant: the same instant with another offset has the same hash', () => {
    const values = attendanceValues(signed('s1'), sheetEnd, allOff);
    expect(attendanceHash({ ...values, ControlePresence: '2026-11-20T08:03:00.000Z' })).toBe(attendanceHash(values));
  });

  it('gives a row sent by an earlier version (Edusign as provenance, UTC instants) the hash that version stored', () => {
    // The formula of that version, written out: its hashes are in the stores of tenants that upgrade.
    const before = createHash('sha256')
      .update(JSON.stringify([true, '2026-11-20T08:03:00.000Z', 'Edusign', true, null, null]))
      .digest('base64url')
      .slice(0, 22);
    const options = { ...allOff, studentDelay: true };
    expect(legacyAttendanceHash(signed('s1', { delay: 5 }), sheetEnd, options)).toBe(before);
    expect(attendanceHash(attendanceValues(signed('s1', { delay: 5 }), sheetEnd, options, 'Edusign'))).toBe(before);
  });
});

describe('withAttendance', () => {
  it('sets the values and keeps every other field of the row as read, ProvenancePresence included', () => {
    const row = { Id: 5, Nom: 'Dupont Jean', Presence: false, Retard: true, Detail: 'x', MotifId: 3 };
    const values = attendanceValues(signed('s1'), sheetEnd, allOff);
    expect(withAttendance({ ...row, ProvenancePresence: 'None' }, values)).toEqual({
      ...row,
      ...values,
      Retard: true,
      ProvenancePresence: 'None',
    });
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

  it('takes a row sent by an earlier version as up to date while each row keeps its ProvenancePresence', () => {
    const legacy = (learnerId: number, m: AttendanceMark) =>
      record(100, learnerId, { hash: legacyAttendanceHash(m, sheetEnd, allOff) });
    const sent = [legacy(1, signed('s1')), legacy(2, mark('s2'))];
    expect(sessionsToRead(observeAttendance(input({ sent })))).toEqual([]);
    expect(sessionsToRead(observeAttendance(input({ sent, provenance: 'Edusign' })))).toEqual([]);
    // Asking for another value is a change of values: those rows are corrected once.
    expect(sessionsToRead(observeAttendance(input({ sent, provenance: 'Badge' })))).toEqual([100]);
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

  it('does not write a learner whose only row also carries another learner’s code: a conflict, and Realise waits', () => {
    const observed = observeAttendance(input());
    const conflict = { rowId: 502, referenceLearnerId: 2, codeLearnerId: 9 };
    const plan = planUp(observed, rowsOf({ 100: { 1: 501 } }, { 100: [conflict] }), { planifRealise: true });
    expect(plan.sheets[0]?.writes.map((w) => w.learnerId)).toEqual([1]);
    expect(plan.sheets[0]).toMatchObject({
      conflicts: [{ ...conflict, learnerId: 2 }],
      missingRows: [],
      realise: 'blocked',
    });
    expect(countPlan(plan)).toMatchObject({ 'attendance.write': 1, 'attendance.error': 1, 'sheet.realise': 0 });
  });

  it('the learner a conflicting row names by its code is not written there either', () => {
    const observed = observeAttendance(input());
    const conflict = { rowId: 502, referenceLearnerId: 9, codeLearnerId: 2 };
    const plan = planUp(observed, rowsOf({ 100: { 1: 501 } }, { 100: [conflict] }), { planifRealise: false });
    expect(plan.sheets[0]?.conflicts).toEqual([{ ...conflict, learnerId: 2 }]);
  });

  it('writes a learner’s own row even when another row names them in a conflict', () => {
    const observed = observeAttendance(input());
    const conflict = { rowId: 777, referenceLearnerId: 2, codeLearnerId: 9 };
    const plan = planUp(observed, rowsOf({ 100: { 1: 501, 2: 502 } }, { 100: [conflict] }), { planifRealise: true });
    expect(plan.sheets[0]?.writes.map((w) => [w.learnerId, w.rowId])).toEqual([
      [1, 501],
      [2, 502],
    ]);
    expect(plan.sheets[0]).toMatchObject({ conflicts: [], realise: 'ready' });
  });

  it('remembers how the row named its learner, for the check made just before the write', () => {
    const plan = planUp(observeAttendance(input()), rowsOf({ 100: { 1: 501, 2: 502 } }), { planifRealise: false });
    expect(plan.sheets[0]?.writes[0]?.rowKey).toEqual({ Reference: 1, Code: 'A00001' });
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
