/**
 * The upward sync on the simulators: attendance of locked sheets goes to the learners' rows in Aimaira, whole rows
 * kept, each option on and off, exactly once.
 */
import { afterEach, describe, expect, it } from 'vitest';

import { appliedPuts, expectOnlyChanged, markSheet, recordPath, signAllAndLock, startUpHarness } from './helpers.js';
import type { MarkedSheet, Row, UpHarness } from './helpers.js';

// Monday 30 November 2026, 11:30 in Paris.
const now = new Date('2026-11-30T10:30:00Z');

const allOptions = { studentDelay: true, studentEarlyDeparture: true, studentExclusion: true, planifRealise: true };

let harness: UpHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function start(options: Parameters<typeof startUpHarness>[1] = {}): Promise<UpHarness> {
  harness = await startUpHarness({ size: 'small', seed: 1, now }, options);
  return harness;
}

/** Every learner row of a sheet's session, by Edusign student id. */
function rowsOf(h: UpHarness, sheet: { sessionId: number; course: { STUDENTS: { studentId: string }[] } }) {
  return new Map(
    sheet.course.STUDENTS.map((row) => [row.studentId, h.learnerRow(sheet.sessionId, h.learnerOf(row.studentId))]),
  );
}

function signatureTime(h: UpHarness, sheet: MarkedSheet, studentId: string): string {
  const row = h.school.course(sheet.edusignId)?.STUDENTS.find((r) => r.studentId === studentId);
  return row?.timestamp ?? sheet.course.END;
}

describe('upward sync: what goes up', () => {
  it('with the options off, writes Presence and ControlePresence only: every other field of each row stays, ProvenancePresence too', async () => {
    const h = await start();
    const [first] = h.sheets();
    const sheet = markSheet(h, first!);
    // Someone had already entered a delay and an early departure in Aimaira for the absent learner.
    const absentRow = h.learnerRow(sheet.sessionId, h.learnerOf(sheet.absent));
    h.sandbox.aimaira.store.patch('PlanificationRessource', absentRow['Id'] as number, { Retard: true, Depart: true });
    h.school.lock(sheet.edusignId);
    const before = rowsOf(h, sheet);
    const sessionBefore = h.sandbox.aimaira.store.get('Planification', sheet.sessionId);

    h.resetRequests();
    const result = await h.up();
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('success');

    const after = rowsOf(h, sheet);
    for (const [studentId, row] of before) {
      const signed = studentId !== sheet.absent;
      expectOnlyChanged(row, after.get(studentId) ?? {}, {
        Presence: signed,
        ControlePresence: signatureTime(h, sheet, studentId),
      });
    }
    expect(after.get(sheet.absent)).toMatchObject({ Presence: false, Retard: true, Depart: true });
    expect(after.get(sheet.late)).toMatchObject({ Presence: true, Retard: false });
    // planifRealise is off: the session is exactly as it was.
    expect(h.sandbox.aimaira.store.get('Planification', sheet.sessionId)).toEqual(sessionBefore);
    expect(appliedPuts(h.aimairaRequests(), 'Planification').size).toBe(0);
    // One GET and one PUT per row, plus the batched reads of the resource types, the rows and the learners their
    // Reference names (Reference and Code agree: nothing is read by Code).
    const rowCount = before.size;
    expect(appliedPuts(h.aimairaRequests(), 'PlanificationRessource').size).toBe(rowCount);
    expect(h.aimairaRequests().filter((r) => r.method === 'PUT')).toHaveLength(rowCount);
    // (A server that refuses `in` lists answers one of them 400 first: the client then knows to use `or`.)
    const answered = h.aimairaRequests().filter((r) => r.method === 'GET' && r.status === 200);
    expect(answered).toHaveLength(rowCount + 3);
    expect(h.edusignWrites()).toBe(0);
    expect(result.counts).toMatchObject({ 'attendance.created': rowCount, 'sheet.locked': 1 });

    const events = await h.events(result.runId);
    expect(events.filter((e) => e.action === 'created' && e.recordKind === 'attendance')).toHaveLength(rowCount);
    for (const event of events) expect(event.message).not.toMatch(/@/);
  });

  it('with every option on, also writes Retard, Depart and Exclusion, and marks the session done (whole rows checked)', async () => {
    const h = await start(allOptions);
    const [first] = h.sheets();
    const sheet = markSheet(h, first!);
    const absentRow = h.learnerRow(sheet.sessionId, h.learnerOf(sheet.absent));
    h.sandbox.aimaira.store.patch('PlanificationRessource', absentRow['Id'] as number, { Retard: true, Depart: true });
    h.school.lock(sheet.edusignId);
    const before = rowsOf(h, sheet);
    const sessionBefore = h.sandbox.aimaira.store.get('Planification', sheet.sessionId) as Row;
    expect(sessionBefore['Realise']).toBe(false);

    const result = await h.up();
    expect(result.status).toBe('success');

    const after = rowsOf(h, sheet);
    for (const [studentId, row] of before) {
      expectOnlyChanged(row, after.get(studentId) ?? {}, {
        Presence: studentId !== sheet.absent,
        ControlePresence: signatureTime(h, sheet, studentId),
        Retard: studentId === sheet.late,
        Depart: studentId === sheet.leftEarly,
        Exclusion: studentId === sheet.excluded,
      });
    }
    expectOnlyChanged(sessionBefore, h.sandbox.aimaira.store.get('Planification', sheet.sessionId) as Row, {
      Realise: true,
    });
    expect(result.counts).toMatchObject({ 'sheet.realised': 1 });
  });

  it('sets each option on its own: the others leave their field as Aimaira has it', async () => {
    const h = await start();
    const sheets = h.sheets();
    const marked = [0, 1, 2].map((index) => markSheet(h, sheets[index]!));
    for (const sheet of marked) {
      for (const studentId of [sheet.late, sheet.leftEarly, sheet.excluded]) {
        const row = h.learnerRow(sheet.sessionId, h.learnerOf(studentId));
        h.sandbox.aimaira.store.patch('PlanificationRessource', row['Id'] as number, {
          Retard: false,
          Depart: false,
          Exclusion: false,
        });
      }
    }
    const flags = (sheet: MarkedSheet, studentId: string) => {
      const row = h.learnerRow(sheet.sessionId, h.learnerOf(studentId));
      return [row['Retard'], row['Depart'], row['Exclusion']];
    };
    const [delays, departures, exclusions] = marked as [MarkedSheet, MarkedSheet, MarkedSheet];
    // One sheet locked per run, each run with one option: each run's sheet shows that option alone.
    h.school.lock(delays.edusignId);
    expect((await h.up({ options: { studentDelay: true } })).status).toBe('success');
    expect(flags(delays, delays.late)).toEqual([true, false, false]);
    expect(flags(delays, delays.leftEarly)).toEqual([false, false, false]);
    expect(flags(delays, delays.excluded)).toEqual([false, false, false]);

    h.school.lock(departures.edusignId);
    expect((await h.up({ options: { studentEarlyDeparture: true } })).status).toBe('success');
    expect(flags(departures, departures.leftEarly)).toEqual([false, true, false]);
    expect(flags(departures, departures.late)).toEqual([false, false, false]);
    expect(flags(departures, departures.excluded)).toEqual([false, false, false]);

    h.school.lock(exclusions.edusignId);
    expect((await h.up({ options: { studentExclusion: true } })).status).toBe('success');
    expect(flags(exclusions, exclusions.excluded)).toEqual([false, false, true]);
    expect(flags(exclusions, exclusions.late)).toEqual([false, false, false]);
    expect(flags(exclusions, exclusions.leftEarly)).toEqual([false, false, false]);
  });

  it('an option turned on later brings its field up for the sheets already sent, as corrections', async () => {
    const h = await start();
    const sheet = markSheet(h, h.sheets()[0]!);
    h.school.lock(sheet.edusignId);
    expect((await h.up()).counts).toMatchObject({ 'attendance.created': sheet.course.STUDENTS.length });
    const result = await h.up({ options: { studentDelay: true } });
    expect(result.counts).toMatchObject({ 'attendance.updated': sheet.course.STUDENTS.length });
    expect(h.learnerRow(sheet.sessionId, h.learnerOf(sheet.late))['Retard']).toBe(true);
  });

  it('with sendAttendance off, does nothing at all and says so', async () => {
    const h = await start({ sendAttendance: false, planifRealise: true });
    signAllAndLock(h, h.sheets()[0]!);
    h.resetRequests();
    const result = await h.up();
    expect(result).toMatchObject({ status: 'success', counts: {} });
    expect(h.aimairaRequests()).toHaveLength(0);
    expect(h.sandbox.edusign.requests).toHaveLength(0);
    expect(await h.events(result.runId)).toMatchObject([{ reason: 'ATTENDANCE_DISABLED', action: 'skipped' }]);
    expect((await h.store.getRun(result.runId ?? 0))?.direction).toBe('up');
  });

  it('leaves sheets that are not locked alone', async () => {
    const h = await start(allOptions);
    const [sheet] = h.sheets();
    for (const row of sheet!.course.STUDENTS) h.school.sign(sheet!.edusignId, row.studentId, sheet!.course.START);
    h.resetRequests();
    const result = await h.up();
    expect(result).toMatchObject({ status: 'success', counts: {} });
    expect(h.aimairaRequests()).toHaveLength(0);
  });

  it('a dry run plans the writes and writes nothing', async () => {
    const h = await start(allOptions);
    signAllAndLock(h, h.sheets()[0]!);
    h.resetRequests();
    const result = await h.up({ dryRun: true });
    expect(result.runId).toBeUndefined();
    expect(result.counts).toMatchObject({
      'attendance.write': h.sheets()[0]!.course.STUDENTS.length,
      'sheet.realise': 1,
    });
    expect(h.aimairaRequests().filter((r) => r.method !== 'GET')).toHaveLength(0);
    expect(await h.store.listRuns(h.tenant.id)).toHaveLength(1); // the downward run of the set-up
  });
});

describe('upward sync: exactly once', () => {
  it('an unchanged second run sends nothing and asks Aimaira nothing', async () => {
    const h = await start(allOptions);
    const sheets = h.sheets().slice(0, 3);
    for (const sheet of sheets) signAllAndLock(h, sheet);
    const first = await h.up();
    expect(first.status).toBe('success');
    const rows = sheets.reduce((n, sheet) => n + sheet.course.STUDENTS.length, 0);
    expect(first.counts).toMatchObject({ 'attendance.created': rows, 'sheet.realised': 3 });

    h.resetRequests();
    const second = await h.up();
    expect(second.status).toBe('success');
    expect(second.counts).toMatchObject({ 'attendance.unchanged': rows, 'sheet.locked': 3 });
    expect(second.counts['attendance.created'] ?? 0).toBe(0);
    expect(h.aimairaRequests()).toHaveLength(0);
    expect(h.sandbox.edusign.requests.every((r) => r.method === 'GET')).toBe(true);
    expect(await h.events(second.runId)).toEqual([]);
  });

  it('a sheet unlocked and locked again: only the learners whose values changed are written again, as updates', async () => {
    const h = await start(allOptions);
    const sheet = markSheet(h, h.sheets()[0]!);
    h.school.lock(sheet.edusignId);
    expect((await h.up()).status).toBe('success');
    const realisePuts = appliedPuts(h.aimairaRequests(), 'Planification').get(sheet.sessionId);
    expect(realisePuts).toBe(1);

    // The facilitator reopens the sheet: the absent learner signs late, another one is now marked late.
    h.school.unlock(sheet.edusignId);
    h.school.sign(sheet.edusignId, sheet.absent, new Date(Date.parse(sheet.course.START) + 30 * 60_000));
    h.school.setDelay(sheet.edusignId, sheet.absent, 30);
    h.school.setDelay(sheet.edusignId, sheet.onTime[0]!, 5);
    h.school.lock(sheet.edusignId);
    const before = rowsOf(h, sheet);

    h.resetRequests();
    const result = await h.up();
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('success');
    const changed = [sheet.absent, sheet.onTime[0]!].map((id) => h.learnerOf(id));
    const puts = appliedPuts(h.aimairaRequests(), 'PlanificationRessource');
    expect([...puts.keys()].sort((a, b) => a - b)).toEqual(
      changed.map((learnerId) => h.learnerRow(sheet.sessionId, learnerId)['Id'] as number).sort((a, b) => a - b),
    );
    expect([...puts.values()]).toEqual([1, 1]);
    // Realise was set once, and is not written again.
    expect(appliedPuts(h.aimairaRequests(), 'Planification').size).toBe(0);

    const events = await h.events(result.runId);
    expect(events.filter((e) => e.level === 'error')).toEqual([]);
    expect(events.filter((e) => e.action === 'updated').map((e) => [e.action, e.recordKind, e.aimairaId])).toEqual(
      changed.map((id) => ['updated', 'attendance', id]).sort(),
    );
    // Besides, only the learners of the session who are not on the sheet (left out by the downward run).
    expect(events.filter((e) => e.action !== 'updated').every((e) => e.reason === 'NOT_ON_SHEET')).toBe(true);
    const after = rowsOf(h, sheet);
    expectOnlyChanged(before.get(sheet.absent)!, after.get(sheet.absent)!, {
      Presence: true,
      Retard: true,
      ControlePresence: signatureTime(h, sheet, sheet.absent),
    });
    expectOnlyChanged(before.get(sheet.onTime[0]!)!, after.get(sheet.onTime[0]!)!, { Retard: true });
    expect(result.counts).toMatchObject({ 'attendance.updated': 2 });
  });

  it('sheets made by hand in Edusign are not sent, and are reported once', async () => {
    const h = await start(allOptions);
    const [linked] = h.sheets();
    const students = linked!.course.STUDENTS.slice(0, 3).map((row) => row.studentId);
    const byHand = h.school.createCourse({
      NAME: 'Rattrapage organisé à la main',
      START: linked!.course.START,
      END: linked!.course.END,
      PROFESSOR: linked!.course.PROFESSOR,
      STUDENTS: students,
    });
    for (const studentId of students) h.school.sign(byHand.ID, studentId, linked!.course.START);
    h.school.lock(byHand.ID);
    const rowsBefore = new Map(students.map((id) => [id, h.learnerRow(linked!.sessionId, h.learnerOf(id))]));

    h.resetRequests();
    const first = await h.up();
    expect(first.status).toBe('success');
    expect(h.aimairaRequests()).toHaveLength(0);
    for (const [id, row] of rowsBefore) expect(h.learnerRow(linked!.sessionId, h.learnerOf(id))).toEqual(row);
    expect(await h.events(first.runId)).toMatchObject([
      { action: 'skipped', recordKind: 'sheet', edusignId: byHand.ID, reason: 'SHEET_NOT_LINKED', aimairaId: null },
    ]);

    const second = await h.up();
    expect(second.status).toBe('success');
    expect(await h.events(second.runId)).toEqual([]);
    expect(h.aimairaRequests()).toHaveLength(0);
  });
});

describe('upward sync: failures', () => {
  it('a learner without a row in Aimaira: an error for them, the rest goes up, the session is not marked done', async () => {
    const h = await start(allOptions);
    const sheet = h.sheets()[0]!;
    signAllAndLock(h, sheet);
    const [missingStudent, ...others] = sheet.course.STUDENTS.map((row) => row.studentId);
    const missingLearner = h.learnerOf(missingStudent!);
    const removed = h.learnerRow(sheet.sessionId, missingLearner);
    h.sandbox.aimaira.store.remove('PlanificationRessource', removed['Id'] as number);

    const first = await h.up();
    expect(first.status).toBe('partial');
    const errors = (await h.events(first.runId)).filter((e) => e.level === 'error');
    expect(errors).toMatchObject([
      { aimairaId: missingLearner, reason: 'NO_ATTENDANCE_ROW', recordKind: 'attendance' },
    ]);
    for (const id of others) expect(h.learnerRow(sheet.sessionId, h.learnerOf(id))['Presence']).toBe(true);
    expect(h.sandbox.aimaira.store.get('Planification', sheet.sessionId)?.['Realise']).toBe(false);

    // A planner puts the learner back on the session: the next run writes their row, then marks the session done.
    const { Id: _removedId, ...fields } = removed;
    h.sandbox.aimaira.store.insert('PlanificationRessource', fields);
    h.resetRequests();
    const second = await h.up();
    expect(second.status).toBe('success');
    expect(h.learnerRow(sheet.sessionId, missingLearner)['Presence']).toBe(true);
    expect(appliedPuts(h.aimairaRequests(), 'PlanificationRessource').size).toBe(1);
    expect(h.sandbox.aimaira.store.get('Planification', sheet.sessionId)?.['Realise']).toBe(true);
  });

  it('rows Aimaira refuses or cannot take (5xx, 429): errors for them, the others written, retried at the next run', async () => {
    const h = await start(allOptions);
    const sheet = h.sheets()[0]!;
    signAllAndLock(h, sheet);
    const other = h.sheets()[1]!;
    signAllAndLock(h, other);
    const [failingStudent, throttledStudent] = sheet.course.STUDENTS.map((row) => row.studentId);
    const failingRow = h.learnerRow(sheet.sessionId, h.learnerOf(failingStudent!))['Id'] as number;
    const throttledRow = h.learnerRow(sheet.sessionId, h.learnerOf(throttledStudent!))['Id'] as number;
    const failing = h.sandbox.aimaira.faults.add({
      kind: 'server-error',
      status: 500,
      method: 'PUT',
      path: recordPath('PlanificationRessource', failingRow),
    });
    // A Retry-After beyond what the client waits: the write fails at once and is left to the next run.
    const throttled = h.sandbox.aimaira.faults.add({
      kind: 'rate-limit',
      retryAfter: '3600',
      method: 'PUT',
      path: recordPath('PlanificationRessource', throttledRow),
    });

    const first = await h.up();
    expect(first.status).toBe('partial');
    const errors = (await h.events(first.runId)).filter((e) => e.level === 'error');
    expect(errors.map((e) => [e.aimairaId, e.reason]).sort()).toEqual(
      [
        [h.learnerOf(failingStudent!), 'AIMAIRA_UNAVAILABLE'],
        [h.learnerOf(throttledStudent!), 'AIMAIRA_UNAVAILABLE'],
      ].sort(),
    );
    const rowsWritten = sheet.course.STUDENTS.length - 2 + other.course.STUDENTS.length;
    expect(first.counts).toMatchObject({
      'attendance.created': rowsWritten,
      'attendance.error': 2,
      'sheet.realised': 1,
    });
    expect(h.sandbox.aimaira.store.get('PlanificationRessource', failingRow)?.['Presence']).toBe(false);
    expect(h.sandbox.aimaira.store.get('Planification', sheet.sessionId)?.['Realise']).toBe(false);
    expect(h.sandbox.aimaira.store.get('Planification', other.sessionId)?.['Realise']).toBe(true);

    h.sandbox.aimaira.faults.remove(failing);
    h.sandbox.aimaira.faults.remove(throttled);
    h.resetRequests();
    const second = await h.up();
    expect(second.status).toBe('success');
    expect([...appliedPuts(h.aimairaRequests(), 'PlanificationRessource').keys()].sort()).toEqual(
      [failingRow, throttledRow].sort(),
    );
    expect(h.sandbox.aimaira.store.get('PlanificationRessource', failingRow)?.['Presence']).toBe(true);
    expect(h.sandbox.aimaira.store.get('Planification', sheet.sessionId)?.['Realise']).toBe(true);
    expect(second.counts).toMatchObject({ 'attendance.created': 2, 'sheet.realised': 1 });
  });

  it('a row whose writes time out: an error for it, the others written, written at the next run', async () => {
    const h = await start(allOptions);
    const sheet = h.sheets()[0]!;
    signAllAndLock(h, sheet);
    const rowId = h.learnerRow(sheet.sessionId, h.learnerOf(sheet.course.STUDENTS[0]!.studentId))['Id'] as number;
    const hang = h.sandbox.aimaira.faults.add({
      kind: 'hang',
      method: 'PUT',
      path: recordPath('PlanificationRessource', rowId),
    });
    const first = await h.up({ aimairaTimeoutMs: 300 });
    expect(first.status).toBe('partial');
    const errors = (await h.events(first.runId)).filter((e) => e.level === 'error');
    expect(errors).toMatchObject([{ reason: 'AIMAIRA_UNAVAILABLE', recordKind: 'attendance' }]);
    expect(errors[0]?.message).toMatch(/timed out/);
    expect(first.counts).toMatchObject({ 'attendance.created': sheet.course.STUDENTS.length - 1 });
    expect(h.sandbox.aimaira.store.get('Planification', sheet.sessionId)?.['Realise']).toBe(false);

    h.sandbox.aimaira.faults.remove(hang);
    const second = await h.up();
    expect(second.status).toBe('success');
    expect(h.sandbox.aimaira.store.get('PlanificationRessource', rowId)?.['Presence']).toBe(true);
    expect(h.sandbox.aimaira.store.get('Planification', sheet.sessionId)?.['Realise']).toBe(true);
  });

  it('a write whose answer is lost is read back, not sent twice', async () => {
    const h = await start(allOptions);
    const sheet = h.sheets()[0]!;
    signAllAndLock(h, sheet);
    const rowId = h.learnerRow(sheet.sessionId, h.learnerOf(sheet.course.STUDENTS[0]!.studentId))['Id'] as number;
    h.sandbox.aimaira.faults.add({
      kind: 'reset-after-write',
      method: 'PUT',
      path: recordPath('PlanificationRessource', rowId),
      times: 1,
    });
    h.resetRequests();
    const result = await h.up();
    expect(result.status).toBe('success');
    expect(appliedPuts(h.aimairaRequests(), 'PlanificationRessource').get(rowId)).toBe(1);
    expect(h.aimairaRequests().filter((r) => r.method === 'PUT' && r.path.endsWith(`/${rowId}`))).toHaveLength(1);
    expect(h.sandbox.aimaira.store.get('PlanificationRessource', rowId)?.['Presence']).toBe(true);
  });
});
