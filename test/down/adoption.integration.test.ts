/**
 * Records made by hand in Edusign: one with the e-mail of a person the sync needs is adopted (linked, API_ID set,
 * reported), never duplicated; every other one is left exactly as it is.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { anotherSchoolId } from '../../sim/edusign/server.js';
import { createEdusignClient } from '../../src/edusign/client.js';
import {
  addSessionRow,
  aimairaEmail,
  courseOf,
  edusignStateByApiId,
  expectQuietRun,
  isOfCode,
  setAimairaEmail,
  startDownHarness,
  studentOf,
} from '../helpers.js';
import type { DownHarness } from '../helpers.js';

// Monday 30 November 2026, 11:30 in Paris.
const now = new Date('2026-11-30T10:30:00Z');

/** E-mail as a person might type it in the web app: capitals and surrounding spaces. */
const untidy = (email: string) => `  ${email.toUpperCase()} `;

describe('records made by hand in Edusign', () => {
  let harness: DownHarness;

  beforeEach(async () => {
    harness = await startDownHarness({ size: 'small', seed: 1, now });
  });
  afterEach(() => harness.close());

  /** What a first run creates on an empty school of the same scenario, keyed by API_ID. */
  const referenceState = async () => {
    const other = await startDownHarness({ size: 'small', seed: 1, now });
    try {
      await other.sync();
      return edusignStateByApiId(other.school);
    } finally {
      await other.close();
    }
  };

  it('adopts a student and a professor made by hand with the same e-mail, in another case and with spaces', async () => {
    const reference = await referenceState();
    const learnerId = Number(Object.keys(reference.students)[0]);
    const facilitatorId = Number(Object.keys(reference.professors)[0]);
    const learnerEmail = aimairaEmail(harness.sandbox, 'Apprenant', learnerId)!;
    const facilitatorEmail = aimairaEmail(harness.sandbox, 'Enseignant', facilitatorId)!;
    const student = harness.school.createStudent({
      FIRSTNAME: 'Prénom',
      LASTNAME: 'Saisi',
      EMAIL: untidy(learnerEmail),
    });
    const professor = harness.school.createProfessor({
      FIRSTNAME: 'Prof',
      LASTNAME: 'Saisi',
      EMAIL: untidy(facilitatorEmail),
    });

    const result = await harness.sync();
    expect(result.status).toBe('success');
    // The same records, now carrying the connector's API_ID and Aimaira's names and e-mail.
    expect(harness.school.student(student.ID)).toMatchObject({
      API_ID: String(learnerId),
      API_TYPE: 'AIMAIRA',
      FIRSTNAME: reference.students[String(learnerId)]!.firstName,
      LASTNAME: reference.students[String(learnerId)]!.lastName,
      EMAIL: learnerEmail.trim().toLowerCase(),
    });
    expect(harness.school.professor(professor.ID)).toMatchObject({
      API_ID: String(facilitatorId),
      API_TYPE: 'AIMAIRA',
      EMAIL: facilitatorEmail.trim().toLowerCase(),
    });
    // Nothing twice: the school ends exactly as an empty one would after the same run.
    expect(edusignStateByApiId(harness.school)).toEqual(reference);
    const adopted = (await harness.events(result.runId)).filter((event) => event.action === 'adopted');
    expect(
      adopted.map(({ recordKind, aimairaId, edusignId, reason }) => ({ recordKind, aimairaId, edusignId, reason })),
    ).toEqual(
      expect.arrayContaining([
        { recordKind: 'learner', aimairaId: learnerId, edusignId: student.ID, reason: 'ADOPTED_BY_EMAIL' },
        { recordKind: 'facilitator', aimairaId: facilitatorId, edusignId: professor.ID, reason: 'ADOPTED_BY_EMAIL' },
      ]),
    );
    expect(adopted).toHaveLength(2);
    expect(result.counts).toMatchObject({ 'learner.adopted': 1, 'facilitator.adopted': 1 });

    await expectQuietRun(harness);
  });

  it('adopts a student made by hand when a later run needs that learner (looked up one by one)', async () => {
    await harness.sync();
    const before = edusignStateByApiId(harness.school);
    const badIds = new Set(harness.sandbox.scenario.manifest.badPeople.map((person) => person.id));
    const newcomer = harness.sandbox.aimaira.store
      .list('Apprenant')
      .map((record) => Number(record['Id']))
      .find((id) => !before.students[String(id)] && !badIds.has(id))!;
    const student = harness.school.createStudent({
      FIRSTNAME: 'Nouveau',
      LASTNAME: 'Venu',
      EMAIL: untidy(aimairaEmail(harness.sandbox, 'Apprenant', newcomer)!),
    });
    const sessionId = Number(Object.keys(before.courses)[0]);
    addSessionRow(harness.sandbox, sessionId, 'APPRENANT', newcomer, '');

    const result = await harness.sync();
    expect(result.status).toBe('success');
    expect(studentOf(harness.school, newcomer)?.ID).toBe(student.ID);
    expect(harness.school.students()).toHaveLength(Object.keys(before.students).length + 1);
    expect(courseOf(harness.school, sessionId)?.STUDENTS.map((row) => row.studentId)).toContain(student.ID);
    expect(await harness.events(result.runId)).toContainEqual(
      expect.objectContaining({ action: 'adopted', recordKind: 'learner', aimairaId: newcomer, edusignId: student.ID }),
    );
  });

  it('restores an archived professor made by hand when adopting it, so that its sheets can be made', async () => {
    const reference = await referenceState();
    const facilitatorId = Number(Object.keys(reference.professors)[0]);
    const professor = harness.school.createProfessor({
      FIRSTNAME: 'Prof',
      LASTNAME: 'Archivé',
      EMAIL: aimairaEmail(harness.sandbox, 'Enseignant', facilitatorId)!,
    });
    harness.school.archiveProfessor(professor.ID);

    const result = await harness.sync();
    expect(result.status).toBe('success');
    expect(harness.school.professor(professor.ID)).toMatchObject({ API_ID: String(facilitatorId), HIDDEN: [] });
    expect(edusignStateByApiId(harness.school)).toEqual(reference);
  });

  it("adopts a professor archived somewhere without touching its HIDDEN when this school's id cannot be read", async () => {
    const reference = await referenceState();
    const facilitatorId = Number(Object.keys(reference.professors)[0]);
    const professor = harness.school.createProfessor({
      FIRSTNAME: 'Prof',
      LASTNAME: 'Partagé',
      EMAIL: aimairaEmail(harness.sandbox, 'Enseignant', facilitatorId)!,
    });
    // Archived in another school and here: a HIDDEN: 0 would take this school out of the list.
    harness.school.archiveProfessorElsewhere(professor.ID);
    harness.school.archiveProfessor(professor.ID);
    const hidden = harness.school.professor(professor.ID)!.HIDDEN;
    expect(hidden).toEqual([anotherSchoolId, harness.school.id]);
    // A server that does not say which school the key is of: a non-empty HIDDEN may be about another school.
    harness.sandbox.edusign.setRoutePresent('school', false);

    const result = await harness.sync();
    expect(harness.school.professor(professor.ID)).toMatchObject({ API_ID: String(facilitatorId), HIDDEN: hidden });
    const events = await harness.events(result.runId);
    expect(events).toContainEqual(
      expect.objectContaining({ action: 'adopted', recordKind: 'facilitator', edusignId: professor.ID }),
    );
    const warnings = events.filter((event) => event.recordKind === 'facilitator' && event.action === 'warning');
    expect(warnings.map(({ level, aimairaId, edusignId }) => ({ level, aimairaId, edusignId }))).toEqual([
      { level: 'warning', aimairaId: facilitatorId, edusignId: professor.ID },
    ]);
    expect(warnings[0]!.message).toMatch(/adopted without restoring it.*school's Edusign id could not be read/);
    expect(warnings[0]!.message).not.toMatch(/@|Prof|Partagé/);
  });

  it('restores archived students with a PATCH on a server without the restore route, asking for that route once', async () => {
    const reference = await referenceState();
    const learnerIds = Object.keys(reference.students).slice(0, 2).map(Number);
    const students = learnerIds.map((learnerId) => {
      const student = harness.school.createStudent({
        FIRSTNAME: 'Prénom',
        LASTNAME: 'Archivé',
        EMAIL: aimairaEmail(harness.sandbox, 'Apprenant', learnerId)!,
      });
      harness.school.archiveStudent(student.ID);
      return student;
    });
    harness.sandbox.edusign.setRoutePresent('student-restore', false);

    const result = await harness.sync();
    expect(result.status).toBe('success');
    for (const [index, student] of students.entries()) {
      expect(harness.school.student(student.ID)).toMatchObject({ API_ID: String(learnerIds[index]), HIDDEN: 0 });
    }
    expect(edusignStateByApiId(harness.school)).toEqual(reference);
    const restores = harness.sandbox.edusign.requests.filter((r) => r.path.startsWith('/v1/student/restore/'));
    expect(restores.map((r) => r.status)).toEqual([404]);
    expect(result.counts).toMatchObject({ 'learner.adopted': 2 });
  });

  it('never changes a student, professor, group or sheet made by hand that it did not adopt', async () => {
    const stranger = harness.school.createStudent({
      FIRSTNAME: 'Sans',
      LASTNAME: 'Rapport',
      EMAIL: 'personne.inconnue@example.org',
    });
    const professor = harness.school.createProfessor({
      FIRSTNAME: 'Prof',
      LASTNAME: 'Externe',
      EMAIL: 'prof.externe@example.org',
    });
    const group = harness.school.createGroup({ NAME: 'Groupe fait à la main', STUDENTS: [stranger.ID] });
    const course = harness.school.createCourse({
      NAME: 'Réunion faite à la main',
      START: '2026-12-02T09:00:00+01:00',
      END: '2026-12-02T10:00:00+01:00',
      PROFESSOR: professor.ID,
      STUDENTS: [stranger.ID],
    });
    const handMade = () => [
      harness.school.student(stranger.ID),
      harness.school.professor(professor.ID),
      harness.school.group(group.ID),
      harness.school.course(course.ID),
    ];
    const before = handMade();

    await harness.sync();
    // Someone puts the stranger on a sheet the connector made; a later run changes that sheet's roster and name.
    const sessionId = Number(Object.keys(edusignStateByApiId(harness.school).courses)[0]);
    const connectorCourse = courseOf(harness.school, sessionId)!;
    const client = createEdusignClient({ baseUrl: harness.sandbox.edusign.url, apiKey: harness.tenant.edusign.apiKey });
    await client.courses.addStudent(connectorCourse.ID, stranger.ID);
    const [leaving] = harness.sandbox.aimaira.store
      .where('PlanificationRessource', 'PlanificationId', [sessionId])
      .filter(
        (row) =>
          isOfCode(harness.sandbox, 'TypeRessource', 'APPRENANT', row['TypeRessourceId']) &&
          studentOf(harness.school, Number(row['Reference'])) !== undefined,
      );
    harness.sandbox.aimaira.store.remove('PlanificationRessource', Number(leaving!['Id']));
    harness.sandbox.aimaira.store.patch('Planification', sessionId, { Nom: 'Renommée' });
    const result = await harness.sync();
    expect(result.status).toBe('success');

    expect(handMade()).toEqual(before);
    const renamed = harness.school.course(connectorCourse.ID);
    expect(renamed?.NAME).toBe('Renommée');
    expect(renamed?.STUDENTS.map((row) => row.studentId)).toContain(stranger.ID);
    expect(renamed?.STUDENTS).toHaveLength(connectorCourse.STUDENTS.length);
    expect(edusignStateByApiId(harness.school).byHand).toEqual({ courses: 1, students: 1, professors: 1, groups: 1 });
  });

  it('does not adopt a record carrying another API_ID: EMAIL_TAKEN, and that record is left as it is', async () => {
    const reference = await referenceState();
    const learnerId = Number(Object.keys(reference.students)[0]);
    // Another integration made this student through the API, with its own external id.
    const client = createEdusignClient({ baseUrl: harness.sandbox.edusign.url, apiKey: harness.tenant.edusign.apiKey });
    const { id } = await client.students.create({
      FIRSTNAME: 'Autre',
      LASTNAME: 'Outil',
      EMAIL: aimairaEmail(harness.sandbox, 'Apprenant', learnerId)!,
      API_ID: 'other-tool-42',
      API_TYPE: 'OTHER',
    });
    const before = harness.school.student(id);

    const result = await harness.sync();
    expect(result.status).toBe('partial');
    expect(harness.school.student(id)).toEqual(before);
    expect(studentOf(harness.school, learnerId)).toBeUndefined();
    expect(await harness.events(result.runId)).toContainEqual(
      expect.objectContaining({
        action: 'error',
        recordKind: 'learner',
        aimairaId: learnerId,
        edusignId: id,
        reason: 'EMAIL_TAKEN',
      }),
    );
  });

  it("reports Edusign's refusal when a learner's new e-mail is taken by a student made by hand, and changes neither", async () => {
    await harness.sync();
    const learnerId = Number(Object.keys(edusignStateByApiId(harness.school).students)[0]);
    const ours = studentOf(harness.school, learnerId)!;
    const theirs = harness.school.createStudent({
      FIRSTNAME: 'Main',
      LASTNAME: 'Levée',
      EMAIL: 'deja.pris@example.org',
    });
    setAimairaEmail(harness.sandbox, 'Apprenant', learnerId, 'Deja.Pris@example.org');

    const result = await harness.sync();
    expect(result.status).toBe('partial');
    expect(harness.school.student(theirs.ID)).toEqual(theirs);
    expect(harness.school.student(ours.ID)).toMatchObject({ EMAIL: ours.EMAIL, API_ID: String(learnerId) });
    expect(await harness.events(result.runId)).toContainEqual(
      expect.objectContaining({
        action: 'error',
        recordKind: 'learner',
        aimairaId: learnerId,
        reason: 'EDUSIGN_REJECTED',
      }),
    );
  });
});
