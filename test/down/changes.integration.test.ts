/**
 * Changes made in Aimaira after a first run: each one updates the Edusign records already made, never a second
 * copy; sessions that leave the window lose their sheet unless it is locked or signed. After each change, one more
 * run writes nothing: the change was fully applied.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { syncWindow } from '../../src/sync/down/rules.js';
import {
  addSessionRow,
  courseOf,
  edusignStateByApiId,
  expectQuietRun,
  professorOf,
  sessionRowsOfType,
  setAimairaEmail,
  startDownHarness,
  studentOf,
} from '../helpers.js';
import type { DownHarness, EdusignStateByApiId } from '../helpers.js';

// Monday 30 November 2026, 11:30 in Paris.
const now = new Date('2026-11-30T10:30:00Z');

describe('changes in Aimaira after a first run', () => {
  let harness: DownHarness;
  let before: EdusignStateByApiId;
  let sheetIds: number[];

  beforeEach(async () => {
    harness = await startDownHarness({ size: 'small', seed: 1, now });
    const first = await harness.sync();
    expect(first.status).toBe('success');
    before = edusignStateByApiId(harness.school);
    sheetIds = Object.keys(before.courses).map(Number);
    harness.resetRequests();
  });
  afterEach(() => harness.close());

  /** Runs once, checks the run and that nothing got a second copy; then checks that one more run writes nothing. */
  const syncAndSettle = async () => {
    const result = await harness.sync();
    expect(result.status).toBe('success');
    const after = edusignStateByApiId(harness.school);
    expect(after.duplicateApiIds).toEqual([]);
    const events = await harness.events(result.runId);
    await expectQuietRun(harness);
    return { result, after, events };
  };

  /** A sheet whose facilitators and groups fit what a test needs. */
  const sheetWhere = (test: (course: EdusignStateByApiId['courses'][string]) => boolean) => {
    const id = sheetIds.find((candidate) => test(before.courses[String(candidate)]!));
    expect(id).toBeDefined();
    return id!;
  };

  it('moves the sheet when the session moves within the window', async () => {
    const id = sheetIds[0]!;
    harness.sandbox.aimaira.store.patch('Planification', id, {
      Debut: '2026-12-04T14:00:00+01:00',
      Fin: '2026-12-04T17:15:00+01:00',
    });
    const { after, events } = await syncAndSettle();
    expect(after.courses[String(id)]).toEqual({
      ...before.courses[String(id)],
      start: '2026-12-04T13:00:00.000Z',
      end: '2026-12-04T16:15:00.000Z',
    });
    expect(Object.keys(after.courses)).toHaveLength(sheetIds.length);
    expect(events).toContainEqual(
      expect.objectContaining({ action: 'updated', recordKind: 'sheet', aimairaId: id, reason: null }),
    );
  });

  it('renames the sheet and changes its room', async () => {
    const id = sheetWhere((course) => course.classroom !== '');
    const { store } = harness.sandbox.aimaira;
    store.patch('Planification', id, { Nom: 'Atelier – nouveau nom' });
    const [room] = sessionRowsOfType(harness.sandbox, id, 'SALLE');
    store.patch('PlanificationRessource', Number(room!['Id']), { Nom: 'Amphi Pasteur' });
    const { after } = await syncAndSettle();
    expect(after.courses[String(id)]).toEqual({
      ...before.courses[String(id)],
      name: 'Atelier – nouveau nom',
      classroom: 'Amphi Pasteur',
    });
    expect(after.courses).toEqual({ ...before.courses, [String(id)]: after.courses[String(id)] });
  });

  it('replaces a facilitator, then adds and removes a second one', async () => {
    const id = sheetWhere((course) => course.professors.length === 1);
    const { store } = harness.sandbox.aimaira;
    const current = Number(before.courses[String(id)]!.professors[0]);
    // A facilitator already on Edusign and one who is not yet.
    const known = Object.keys(before.professors)
      .map(Number)
      .find((other) => other !== current)!;
    const badIds = new Set(harness.sandbox.scenario.manifest.badPeople.map((person) => person.id));
    const newcomer = store
      .list('Enseignant')
      .map((record) => Number(record['Id']))
      .find((other) => !before.professors[String(other)] && !badIds.has(other))!;

    const [row] = sessionRowsOfType(harness.sandbox, id, 'PROF');
    store.patch('PlanificationRessource', Number(row!['Id']), { Reference: newcomer });
    const replaced = await syncAndSettle();
    expect(replaced.after.courses[String(id)]?.professors).toEqual([String(newcomer)]);
    expect(replaced.after.professors[String(newcomer)]).toBeDefined();
    expect(replaced.events).toContainEqual(
      expect.objectContaining({ action: 'created', recordKind: 'facilitator', aimairaId: newcomer }),
    );

    const added = addSessionRow(harness.sandbox, id, 'PROF', known, '');
    expect((await syncAndSettle()).after.courses[String(id)]?.professors).toEqual([String(newcomer), String(known)]);

    store.remove('PlanificationRessource', Number(row!['Id']));
    const removed = await syncAndSettle();
    expect(removed.after.courses[String(id)]).toEqual({ ...before.courses[String(id)], professors: [String(known)] });
    expect(harness.school.course(courseOf(harness.school, id)!.ID)?.PROFESSOR_2).toBe('');
    expect(added['Id']).toBeDefined();
    // The facilitator who left every sheet stays on Edusign: people are never deleted.
    expect(professorOf(harness.school, newcomer)).toBeDefined();
  });

  it('adds a new learner to the roster and takes one off, with no second record of anyone', async () => {
    const id = sheetWhere((course) => course.groups.length === 1 && course.students.length > 3);
    const { store } = harness.sandbox.aimaira;
    const badIds = new Set(harness.sandbox.scenario.manifest.badPeople.map((person) => person.id));
    const newcomer = store
      .list('Apprenant')
      .map((record) => Number(record['Id']))
      .find((other) => !before.students[String(other)] && !badIds.has(other))!;
    const leaving = before.courses[String(id)]!.students[0]!;
    const leavingRow = sessionRowsOfType(harness.sandbox, id, 'APPRENANT').find(
      (row) => String(row['Reference']) === leaving,
    );
    store.remove('PlanificationRessource', Number(leavingRow!['Id']));
    addSessionRow(harness.sandbox, id, 'APPRENANT', newcomer, '');

    const { after, events } = await syncAndSettle();
    const expectedRoster = [...before.courses[String(id)]!.students.filter((s) => s !== leaving), String(newcomer)];
    expect(after.courses[String(id)]?.students).toEqual(expectedRoster.sort());
    expect(Object.keys(after.students).sort()).toEqual([...Object.keys(before.students), String(newcomer)].sort());
    expect(events).toContainEqual(
      expect.objectContaining({ action: 'created', recordKind: 'learner', aimairaId: newcomer }),
    );
    // The learner left this session, so the group (its members on every sheet carrying it) no longer has them.
    const [groupId] = before.courses[String(id)]!.groups;
    expect(after.groups[groupId!]?.students).not.toContain(leaving);
    // Nothing else moved.
    const others = (state: EdusignStateByApiId) =>
      Object.fromEntries(Object.entries(state.courses).filter(([apiId]) => apiId !== String(id)));
    expect(others(after)).toEqual(others(before));
  });

  it('moves the sheet to another group when the session changes groups', async () => {
    const id = sheetWhere((course) => course.groups.length === 1);
    const { store } = harness.sandbox.aimaira;
    const [groupRow] = sessionRowsOfType(harness.sandbox, id, 'GROUPE');
    const otherGroup = Object.keys(before.groups).find((group) => group !== before.courses[String(id)]!.groups[0])!;
    const otherMembers = before.groups[otherGroup]!.students;
    // The session now has the other group and its members instead.
    store.patch('PlanificationRessource', Number(groupRow!['Id']), { Reference: Number(otherGroup) });
    for (const row of sessionRowsOfType(harness.sandbox, id, 'APPRENANT')) {
      store.remove('PlanificationRessource', Number(row['Id']));
    }
    for (const member of otherMembers) addSessionRow(harness.sandbox, id, 'APPRENANT', Number(member), '');

    const { after } = await syncAndSettle();
    expect(after.courses[String(id)]).toMatchObject({ groups: [otherGroup], students: [...otherMembers].sort() });
  });

  it("updates a learner's name and a facilitator's e-mail on their existing records", async () => {
    const learnerId = Number(Object.keys(before.students)[0]);
    const facilitatorId = Number(Object.keys(before.professors)[0]);
    const { store } = harness.sandbox.aimaira;
    store.patch('Apprenant', learnerId, { PrenomUsage: 'Marie-Ange', NomUsage: 'Durand-Petit' });
    setAimairaEmail(harness.sandbox, 'Enseignant', facilitatorId, '  Nouvelle.Adresse@Ecole-Exemple.fr ');
    const studentId = studentOf(harness.school, learnerId)!.ID;
    const professorId = professorOf(harness.school, facilitatorId)!.ID;

    const { after, events } = await syncAndSettle();
    expect(after.students[String(learnerId)]).toEqual({
      ...before.students[String(learnerId)],
      firstName: 'Marie-Ange',
      lastName: 'Durand-Petit',
    });
    expect(after.professors[String(facilitatorId)]).toEqual({
      ...before.professors[String(facilitatorId)],
      email: 'nouvelle.adresse@ecole-exemple.fr',
    });
    // Same records, same ids, same numbers.
    expect(studentOf(harness.school, learnerId)?.ID).toBe(studentId);
    expect(professorOf(harness.school, facilitatorId)?.ID).toBe(professorId);
    expect(Object.keys(after.students)).toHaveLength(Object.keys(before.students).length);
    expect(Object.keys(after.professors)).toHaveLength(Object.keys(before.professors).length);
    expect(
      events
        .filter((event) => event.action === 'updated')
        .map((event) => event.recordKind)
        .sort(),
    ).toEqual(['facilitator', 'learner']);
  });

  it('deletes the sheets of sessions cancelled, deleted, moved beyond the horizon or into the past', async () => {
    const [cancelled, deleted, later, earlier] = sheetIds;
    const { store } = harness.sandbox.aimaira;
    store.patch('Planification', cancelled!, { Annule: true });
    store.remove('Planification', deleted!);
    store.patch('Planification', later!, { Debut: '2027-01-12T09:00:00+01:00', Fin: '2027-01-12T12:00:00+01:00' });
    store.patch('Planification', earlier!, { Debut: '2026-11-30T08:00:00+01:00', Fin: '2026-11-30T10:00:00+01:00' });

    const { result, after, events } = await syncAndSettle();
    const gone = [cancelled, deleted, later, earlier].map(String);
    expect(after.courses).toEqual(
      Object.fromEntries(Object.entries(before.courses).filter(([apiId]) => !gone.includes(apiId))),
    );
    const deletions = events
      .filter((event) => event.action === 'deleted')
      .map(({ recordKind, aimairaId, reason }) => ({ recordKind, aimairaId, reason }));
    expect(deletions.sort((a, b) => (a.aimairaId ?? 0) - (b.aimairaId ?? 0))).toEqual(
      [
        { recordKind: 'sheet', aimairaId: cancelled, reason: 'CANCELLED' },
        { recordKind: 'sheet', aimairaId: deleted, reason: 'SESSION_GONE' },
        { recordKind: 'sheet', aimairaId: later, reason: 'SESSION_GONE' },
        { recordKind: 'sheet', aimairaId: earlier, reason: 'SESSION_GONE' },
      ].sort((a, b) => (a.aimairaId ?? 0) - (b.aimairaId ?? 0)),
    );
    // The sessions that moved out are judged first by the window rules (their rows are not read out of the window).
    const verdictOf = (id: number) =>
      result.evaluation?.verdicts.find((verdict) => verdict.session.aimairaId === id)?.exclusions[0];
    expect(verdictOf(later!)).toBe('BEYOND_HORIZON');
    expect(verdictOf(earlier!)).toBe('PAST');
    expect(result.counts['sheet.deleted']).toBe(4);
  });

  it('deletes a sheet whose DELETE answer was lost: the DELETE sent again finds no sheet, and that is success', async () => {
    const [cancelled] = sheetIds;
    const course = courseOf(harness.school, cancelled!);
    harness.sandbox.aimaira.store.patch('Planification', cancelled!, { Annule: true });
    // The sheet is deleted, the answer never arrives: the transport sends the DELETE again.
    harness.sandbox.edusign.faults.add({
      kind: 'reset-after-write',
      method: 'DELETE',
      path: `/v1/course/${course!.ID}`,
      times: 1,
    });

    const result = await harness.sync();
    expect(result.status).toBe('success');
    expect(result.counts['sheet.deleted']).toBe(1);
    const deletes = harness.sandbox.edusign.requests.filter(
      (request) => request.method === 'DELETE' && request.path === `/v1/course/${course!.ID}`,
    );
    expect(deletes.map((request) => request.fault ?? 'answered')).toEqual(['reset-after-write', 'answered']);
    expect(harness.school.course(course!.ID)).toBeUndefined();
    await expectQuietRun(harness);
  });

  it('keeps the sheet of a session gone out of a shorter horizon, reporting BEYOND_HORIZON', async () => {
    const window = syncWindow(now, 3);
    const beyond = sheetIds.filter((id) => Date.parse(before.courses[String(id)]!.start) >= Date.parse(window.end));
    expect(beyond.length).toBeGreaterThan(0);
    const result = await harness.sync({ options: { horizonDays: 3 } });
    expect(result.status).toBe('success');
    expect(edusignStateByApiId(harness.school).courses).toEqual(before.courses);
    const kept = (await harness.events(result.runId)).filter((event) => event.action === 'kept');
    expect(kept.map((event) => [event.aimairaId, event.reason])).toEqual(
      expect.arrayContaining(beyond.map((id) => [id, 'BEYOND_HORIZON'])),
    );
    expect(kept).toHaveLength(beyond.length);
  });

  it('never modifies a locked sheet: changes and cancellation are reported LOCKED and nothing changes on Edusign', async () => {
    const [changed, cancelled] = sheetIds;
    const { store } = harness.sandbox.aimaira;
    for (const id of [changed!, cancelled!]) harness.school.lock(courseOf(harness.school, id)!.ID);
    const lockedBefore = [changed!, cancelled!].map((id) => harness.school.course(courseOf(harness.school, id)!.ID));
    store.patch('Planification', changed!, { Nom: 'Renamed while locked', Debut: '2026-12-04T14:00:00+01:00' });
    const [learnerRow] = sessionRowsOfType(harness.sandbox, changed!, 'APPRENANT');
    store.remove('PlanificationRessource', Number(learnerRow!['Id']));
    store.patch('Planification', cancelled!, { Annule: true });

    const result = await harness.sync();
    expect(result.status).toBe('success');
    expect([changed!, cancelled!].map((id) => harness.school.course(courseOf(harness.school, id)!.ID))).toEqual(
      lockedBefore,
    );
    const kept = (await harness.events(result.runId)).filter((event) => event.action === 'kept');
    expect(kept.map(({ aimairaId, reason }) => ({ aimairaId, reason }))).toEqual(
      expect.arrayContaining([
        { aimairaId: changed, reason: 'LOCKED' },
        { aimairaId: cancelled, reason: 'LOCKED' },
      ]),
    );
    expect(Object.keys(edusignStateByApiId(harness.school).courses)).toHaveLength(sheetIds.length);
  });

  it('checks a locked sheet with a read at the next runs, and applies the change once it is unlocked', async () => {
    const id = sheetIds[0]!;
    const course = courseOf(harness.school, id)!;
    harness.school.lock(course.ID);
    harness.sandbox.aimaira.store.patch('Planification', id, { Nom: 'Renamed while locked' });
    await harness.sync();

    const again = await expectQuietRun(harness);
    expect(await harness.events(again.runId)).toContainEqual(
      expect.objectContaining({ action: 'kept', aimairaId: id, reason: 'LOCKED' }),
    );

    harness.school.unlock(course.ID);
    const unlocked = await harness.sync();
    expect(unlocked.counts['sheet.updated']).toBe(1);
    expect(harness.school.course(course.ID)?.NAME).toBe('Renamed while locked');
    await expectQuietRun(harness);
  });

  it('keeps a signed sheet whose session was cancelled, with its signature, reporting SIGNED', async () => {
    const id = sheetIds[0]!;
    const course = courseOf(harness.school, id)!;
    const studentId = course.STUDENTS[0]!.studentId;
    harness.school.sign(course.ID, studentId, '2026-11-30T09:00:00Z');
    harness.sandbox.aimaira.store.patch('Planification', id, { Annule: true });

    const result = await harness.sync();
    expect(result.status).toBe('success');
    expect(harness.school.course(course.ID)?.STUDENTS.find((row) => row.studentId === studentId)?.state).toBe(true);
    expect(await harness.events(result.runId)).toContainEqual(
      expect.objectContaining({ action: 'kept', recordKind: 'sheet', aimairaId: id, reason: 'SIGNED' }),
    );
    expect(result.counts['sheet.deleted'] ?? 0).toBe(0);
  });

  it('keeps on the sheet a learner removed in Aimaira who already signed, so no attendance is lost', async () => {
    const id = sheetWhere((course) => course.students.length > 3);
    const course = courseOf(harness.school, id)!;
    const leaving = before.courses[String(id)]!.students[0]!;
    const studentId = studentOf(harness.school, Number(leaving))!.ID;
    harness.school.sign(course.ID, studentId, '2026-11-30T09:00:00Z');
    const row = sessionRowsOfType(harness.sandbox, id, 'APPRENANT').find((r) => String(r['Reference']) === leaving);
    harness.sandbox.aimaira.store.remove('PlanificationRessource', Number(row!['Id']));

    const { after, events } = await syncAndSettle();
    expect(after.courses[String(id)]?.students).toContain(leaving);
    expect(harness.school.course(course.ID)?.STUDENTS.find((r) => r.studentId === studentId)?.state).toBe(true);
    expect(events).toContainEqual(
      expect.objectContaining({
        action: 'kept',
        recordKind: 'learner',
        aimairaId: Number(leaving),
        reason: 'SIGNED_LEARNER_KEPT',
      }),
    );
  });
});
