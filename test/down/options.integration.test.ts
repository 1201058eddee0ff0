/**
 * The tenant's options, each against the simulators: sendCredentials, importStudentTutors, importEvenementsCommuns
 * with defaultProfsForEvenementsCommun, structures and horizonDays.
 */
import { afterEach, describe, expect, it } from 'vitest';

import type { TenantOptions } from '../../src/config/config.js';
import { syncWindow } from '../../src/sync/down/rules.js';
import {
  addSessionRow,
  aimairaEmail,
  courseOf,
  edusignStateByApiId,
  setAimairaEmail,
  startDownHarness,
  studentOf,
} from '../helpers.js';
import type { DownHarness } from '../helpers.js';

// Monday 30 November 2026, 11:30 in Paris.
const now = new Date('2026-11-30T10:30:00Z');

let harness: DownHarness;
const start = async (options: Partial<TenantOptions>, at = now) => {
  harness = await startDownHarness({ size: 'small', seed: 1, now: at }, options);
  return harness;
};
afterEach(() => harness.close());

const plausible = (email: string | undefined) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email?.trim() ?? '');

describe('sendCredentials', () => {
  it('has Edusign e-mail their identifiers to each learner and facilitator it creates, and only then', async () => {
    await start({ sendCredentials: true });
    const first = await harness.sync();
    expect(first.status).toBe('success');
    const emailed = () =>
      harness.school
        .credentialEmails()
        .map(({ recipient, personId }) => `${recipient} ${personId}`)
        .sort();
    // Every learner and facilitator it created: all of the school's but what the simulator's profile seeded.
    const { seeded } = harness.school.snapshot();
    const created = [
      ...harness.school.students().map((student) => `student ${student.ID}`),
      ...harness.school
        .professors()
        .filter((professor) => !seeded.includes(professor.ID))
        .map((professor) => `professor ${professor.ID}`),
    ].sort();
    expect(emailed()).toEqual(created);

    // Updates (a name, an e-mail) send nothing; the one learner created later gets one e-mail.
    const state = edusignStateByApiId(harness.school);
    const learnerId = Number(Object.keys(state.students)[0]);
    const facilitatorId = Number(Object.keys(state.professors)[0]);
    harness.sandbox.aimaira.store.patch('Apprenant', learnerId, { PrenomUsage: 'Nouveau prénom' });
    setAimairaEmail(harness.sandbox, 'Enseignant', facilitatorId, 'nouvelle.adresse@ecole-exemple.fr');
    const badIds = new Set(harness.sandbox.scenario.manifest.badPeople.map((person) => person.id));
    const newcomer = harness.sandbox.aimaira.store
      .list('Apprenant')
      .map((record) => Number(record['Id']))
      .find((id) => !state.students[String(id)] && !badIds.has(id))!;
    addSessionRow(harness.sandbox, Number(Object.keys(state.courses)[0]), 'APPRENANT', newcomer, '');

    const second = await harness.sync();
    expect(second.counts).toMatchObject({ 'learner.updated': 1, 'facilitator.updated': 1, 'learner.created': 1 });
    expect(emailed()).toEqual([...created, `student ${studentOf(harness.school, newcomer)!.ID}`].sort());
  });

  it('e-mails nobody it adopts, and nobody at all when off', async () => {
    await start({});
    const learnerId = Number(harness.sandbox.aimaira.store.list('Apprenant')[0]?.['Id']);
    harness.school.createStudent({
      FIRSTNAME: 'Fait',
      LASTNAME: 'Main',
      EMAIL: aimairaEmail(harness.sandbox, 'Apprenant', learnerId)!,
    });
    const first = await harness.sync();
    expect(first.status).toBe('success');
    expect(first.counts['learner.adopted']).toBe(1);
    expect(harness.school.students().length).toBeGreaterThan(0);
    expect(harness.school.credentialEmails()).toEqual([]);

    const withCredentials = await harness.sync({ options: { sendCredentials: true } });
    expect(withCredentials.counts['learner.created'] ?? 0).toBe(0);
    expect(harness.school.credentialEmails()).toEqual([]);
  });
});

describe('importStudentTutors', () => {
  /** The ids of the COMPLET agreement state (a harsh Aimaira lists the code twice, under two ids). */
  const completedIds = () => {
    const code = harness.sandbox.scenario.manifest.etatConventionIds.COMPLET;
    const states = harness.sandbox.aimaira.store.list('EtatConvention');
    const name = states.find((state) => state['Id'] === code)?.['Code'];
    return new Set(states.filter((state) => state['Code'] === name).map((state) => state['Id']));
  };

  /** The valid tutors of a learner's COMPLET conventions, as Aimaira holds them. */
  const expectedTutors = (learnerId: number) => {
    const { store } = harness.sandbox.aimaira;
    const completed = completedIds();
    const ids = store
      .where('Convention', 'ApprenantId', [learnerId])
      .filter((convention) => completed.has(convention['EtatConventionId']))
      .flatMap((convention) => [Number(convention['MaitreId']), Number(convention['MaitreBisId'])])
      .filter((id) => id > 0 && plausible(aimairaEmail(harness.sandbox, 'Professionnel', id)));
    return [...new Set(ids)].map(String).sort();
  };

  it("makes the tutors of COMPLET conventions the learner's followers, and those of other states none", async () => {
    await start({ importStudentTutors: true });
    const result = await harness.sync();
    expect(result.status).toBe('success');
    const state = edusignStateByApiId(harness.school);
    const { conventions } = harness.sandbox.scenario.manifest;
    const withCompleted = conventions.learnersWithCompleted.filter((id) => state.students[String(id)]);
    const withoutCompleted = conventions.learnersWithoutCompleted.filter((id) => state.students[String(id)]);
    expect(withCompleted.length).toBeGreaterThan(0);
    expect(withoutCompleted.length).toBeGreaterThan(0);
    for (const [apiId, student] of Object.entries(state.students)) {
      expect(student.followers, `learner ${apiId}`).toEqual(expectedTutors(Number(apiId)));
    }
    for (const id of withoutCompleted) expect(state.students[String(id)]?.followers).toEqual([]);
    // Only tutors some learner needs are created, each once, with Aimaira's names.
    const needed = new Set(Object.values(state.students).flatMap((student) => student.followers));
    expect(new Set(Object.keys(state.followers))).toEqual(needed);
    // A tutor without e-mail is left out and reported; their learner comes down without them.
    const events = await harness.events(result.runId);
    const invalid = events.filter((event) => event.recordKind === 'tutor' && event.action === 'skipped');
    expect(invalid.length).toBeGreaterThan(0);
    for (const event of invalid) {
      expect(event.reason).toBe('INVALID_TUTOR');
      expect(state.followers[String(event.aimairaId)]).toBeUndefined();
    }
  });

  it('follows a convention leaving COMPLET and a tutor renamed in Aimaira', async () => {
    await start({ importStudentTutors: true });
    await harness.sync();
    const state = edusignStateByApiId(harness.school);
    const { store } = harness.sandbox.aimaira;
    const completed = completedIds();
    const [broken, renamed] = Object.entries(state.students)
      .filter(([, student]) => student.followers.length === 1)
      .map(([apiId]) => Number(apiId));
    for (const convention of store.where('Convention', 'ApprenantId', [broken!])) {
      if (completed.has(convention['EtatConventionId'])) {
        store.patch('Convention', Number(convention['Id']), {
          EtatConventionId: harness.sandbox.scenario.manifest.etatConventionIds.RUPTURE,
        });
      }
    }
    const tutorId = Number(state.students[String(renamed)]!.followers[0]);
    store.patch('Professionnel', tutorId, { PrenomUsage: 'Tuteur', NomUsage: 'Renommé' });

    const result = await harness.sync();
    expect(result.status).toBe('success');
    const after = edusignStateByApiId(harness.school);
    expect(after.students[String(broken)]?.followers).toEqual([]);
    expect(after.followers[String(tutorId)]).toMatchObject({ firstName: 'Tuteur', lastName: 'Renommé' });
    expect(Object.keys(after.followers)).toHaveLength(Object.keys(state.followers).length);
  });

  it('brings no tutor when off', async () => {
    await start({});
    const off = await harness.sync();
    expect(off.status).toBe('success');
    // Sheets and learners came down, among them learners with a completed convention (whose tutors would come).
    expect(harness.school.courses().length).toBeGreaterThan(5);
    const withConvention = new Set(harness.sandbox.scenario.manifest.conventions.learnersWithCompleted);
    const students = harness.school.students();
    expect(students.filter((student) => withConvention.has(Number(student.API_ID))).length).toBeGreaterThan(0);
    expect(harness.school.externals()).toEqual([]);
    expect(students.every((student) => student.STUDENT_FOLLOWER_ID.length === 0)).toBe(true);

    // The same school with the option on: the tutors do come, so "none" above was the option's doing.
    const on = await harness.sync({ options: { importStudentTutors: true } });
    expect(on.status).toBe('success');
    expect(harness.school.externals().length).toBeGreaterThan(0);
    expect(harness.school.students().some((student) => student.STUDENT_FOLLOWER_ID.length > 0)).toBe(true);
  });

  it('adopts a tutor made by hand in Edusign with the same e-mail, rather than making a second external', async () => {
    await start({ importStudentTutors: true });
    const dry = await harness.sync({ dryRun: true });
    const tutor = dry.evaluation!.desired.tutors[0]!;
    const byHand = harness.school.createExternal({
      FIRSTNAME: 'Fait',
      LASTNAME: 'Main',
      EMAIL: tutor.email.toUpperCase(),
    });

    const result = await harness.sync();
    expect(result.status).toBe('success');
    expect(result.counts['tutor.adopted']).toBe(1);
    expect(harness.school.external(byHand.ID)).toMatchObject({ API_ID: String(tutor.aimairaId), API_TYPE: 'AIMAIRA' });
    expect(harness.school.externals().filter((e) => e.EMAIL.toLowerCase() === tutor.email)).toHaveLength(1);
  });

  it('leaves tutors out with one event when Edusign has no externals routes, and brings learners and sheets down', async () => {
    await start({ importStudentTutors: true });
    const reference = await startDownHarness({ size: 'small', seed: 1, now }, { importStudentTutors: false });
    try {
      expect((await reference.sync()).status).toBe('success');
      const withoutTutors = edusignStateByApiId(reference.school);

      harness.sandbox.edusign.setRoutePresent('externals', false);
      const result = await harness.sync();
      expect(result.status).toBe('success');
      const events = await harness.events(result.runId);
      const unavailable = events.filter((event) => event.reason === 'TUTORS_UNAVAILABLE');
      expect(unavailable).toHaveLength(1);
      expect(unavailable[0]).toMatchObject({
        level: 'warning',
        action: 'skipped',
        recordKind: 'tutor',
        aimairaId: null,
      });
      expect(events.filter((event) => event.recordKind === 'tutor' && event.action === 'error')).toEqual([]);
      // The same learners and sheets as a tenant without the option; no tutor anywhere.
      const state = edusignStateByApiId(harness.school);
      expect(state.courses).toEqual(withoutTutors.courses);
      expect(Object.keys(state.students).sort()).toEqual(Object.keys(withoutTutors.students).sort());
      expect(harness.school.externals()).toEqual([]);
      expect(result.plan?.tutors).toEqual([]);

      // A second run with the routes still missing writes nothing.
      harness.resetRequests();
      const again = await harness.sync();
      expect(again.status).toBe('success');
      expect(harness.edusignWrites()).toBe(0);

      // Once the routes answer, the tutors come down and are linked to their learners.
      harness.sandbox.edusign.setRoutePresent('externals', true);
      const back = await harness.sync();
      expect(back.status).toBe('success');
      expect(back.counts['tutor.created']).toBeGreaterThan(0);
      const linked = edusignStateByApiId(harness.school);
      for (const [apiId, student] of Object.entries(linked.students)) {
        expect(student.followers, `learner ${apiId}`).toEqual(expectedTutors(Number(apiId)));
      }
    } finally {
      await reference.close();
    }
  });
});

describe('importEvenementsCommuns and defaultProfsForEvenementsCommun', () => {
  const commonEventsInWindow = () => {
    const window = syncWindow(now, 14);
    return harness.sandbox.scenario.manifest.sessions.commonEvents.filter((id) => {
      const debut = Date.parse(String(harness.sandbox.aimaira.store.get('Planification', id)?.['Debut']));
      return debut > Date.parse(window.start) && debut < Date.parse(window.end);
    });
  };

  it('brings common events down with the default professor, which it does not take over', async () => {
    await start({});
    const professor = harness.school.createProfessor({
      FIRSTNAME: 'Vie',
      LASTNAME: 'Scolaire',
      EMAIL: 'vie.scolaire@example.org',
    });
    const result = await harness.sync({
      options: { importEvenementsCommuns: true, defaultProfsForEvenementsCommun: professor.ID },
    });
    expect(result.status).toBe('success');
    const events = commonEventsInWindow();
    expect(events.length).toBeGreaterThan(0);
    for (const id of events) {
      const course = courseOf(harness.school, id);
      expect(course, `common event ${id}`).toMatchObject({ PROFESSOR: professor.ID, PROFESSOR_2: '' });
      expect(course!.STUDENTS.length).toBeGreaterThan(0);
    }
    expect(harness.school.professor(professor.ID)).toEqual(professor);
  });

  it('gives a common event that has a facilitator that facilitator, not the default professor', async () => {
    await start({ importEvenementsCommuns: true });
    const [event] = commonEventsInWindow();
    const facilitatorId = harness.sandbox.scenario.manifest.sessions.withMoreThanThreeFacilitators
      .flatMap((id) => harness.sandbox.aimaira.store.where('PlanificationRessource', 'PlanificationId', [id]))
      .find((row) => row['TypeRessourceId'] === harness.sandbox.scenario.manifest.typeRessourceIds.PROF)?.['Reference'];
    addSessionRow(harness.sandbox, event!, 'PROF', Number(facilitatorId), '');
    const result = await harness.sync();
    expect(result.status).toBe('success');
    expect(edusignStateByApiId(harness.school).courses[String(event)]?.professors).toEqual([String(facilitatorId)]);
  });

  it('makes no sheet of common events when the default professor is archived on Edusign', async () => {
    await start({});
    const professor = harness.school.createProfessor({
      FIRSTNAME: 'Ancien',
      LASTNAME: 'Prof',
      EMAIL: 'ancien@example.org',
    });
    harness.school.archiveProfessor(professor.ID);
    const result = await harness.sync({
      options: { importEvenementsCommuns: true, defaultProfsForEvenementsCommun: professor.ID },
    });
    expect(result.status).toBe('success');
    for (const id of commonEventsInWindow()) expect(courseOf(harness.school, id)).toBeUndefined();
    expect(result.plan?.skips.filter((skip) => skip.reasons[0] === 'DEFAULT_PROFESSOR_MISSING').length).toBe(
      commonEventsInWindow().length,
    );
  });
});

describe('structures', () => {
  it('brings down only the sessions of the listed brands, and the common events that have no programme', async () => {
    const reference = await start({ importEvenementsCommuns: true, defaultProfsForEvenementsCommun: null });
    const { store } = reference.sandbox.aimaira;
    const programmes = store.list('Programme');
    const brandId = Number(programmes[0]?.['EcoleId']);
    const ofBrand = new Set(programmes.filter((p) => p['EcoleId'] === brandId).map((p) => p['Id']));
    const professor = harness.school.createProfessor({
      FIRSTNAME: 'Vie',
      LASTNAME: 'Scolaire',
      EMAIL: 'vs@example.org',
    });
    const all = await harness.sync({ dryRun: true, options: { defaultProfsForEvenementsCommun: professor.ID } });
    const kept = all.evaluation!.desired.sheets.filter((sheet) => {
      const programmeId = store.get('Planification', sheet.aimairaId)?.['ProgrammeId'];
      return programmeId === 0 || ofBrand.has(programmeId);
    });
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(all.evaluation!.desired.sheets.length);
    expect(kept.some((sheet) => store.get('Planification', sheet.aimairaId)?.['ProgrammeId'] === 0)).toBe(true);

    const result = await harness.sync({
      options: { structures: [brandId], defaultProfsForEvenementsCommun: professor.ID },
    });
    expect(result.status).toBe('success');
    const state = edusignStateByApiId(harness.school);
    expect(Object.keys(state.courses).sort()).toEqual(kept.map((sheet) => String(sheet.aimairaId)).sort());
    // People come down only with a sheet.
    expect(new Set(Object.keys(state.students))).toEqual(
      new Set(Object.values(state.courses).flatMap((course) => course.students)),
    );
  });
});

describe('horizonDays', () => {
  const startsOf = () => Object.values(edusignStateByApiId(harness.school).courses).map((c) => Date.parse(c.start));

  it('brings down only the sessions up to the end of the Paris day today + horizonDays', async () => {
    await start({ horizonDays: 3 });
    const short = await harness.sync();
    expect(short.status).toBe('success');
    const shortEnd = Date.parse(syncWindow(now, 3).end);
    expect(startsOf().length).toBeGreaterThan(0);
    expect(startsOf().every((startAt) => startAt > now.getTime() && startAt < shortEnd)).toBe(true);
    const people = Object.keys(edusignStateByApiId(harness.school).students).length;

    const longer = await harness.sync({ options: { horizonDays: 14 } });
    expect(longer.status).toBe('success');
    expect(startsOf().some((startAt) => startAt >= shortEnd)).toBe(true);
    expect(Object.keys(edusignStateByApiId(harness.school).students).length).toBeGreaterThan(people);
  });

  it('with 0, brings down only the sessions later today', async () => {
    // Monday 30 November 2026, 07:00 in Paris: the morning sessions are still to come.
    await start({ horizonDays: 0 }, new Date('2026-11-30T06:00:00Z'));
    const result = await harness.sync();
    expect(result.status).toBe('success');
    expect(startsOf().length).toBeGreaterThan(0);
    expect(startsOf().every((startAt) => startAt < Date.parse('2026-11-30T23:00:00Z'))).toBe(true);
  });

  it('with 90, the longest allowed, lists existing sheets in spans Edusign accepts', async () => {
    await start({ horizonDays: 90 });
    const result = await harness.sync();
    expect(result.status).toBe('success');
    const sheets = result.evaluation!.desired.sheets.length;
    expect(startsOf()).toHaveLength(sheets);
    // Lose every sheet link, as a store restored from an old backup would: the sheets are found again, not doubled.
    for (const link of await harness.store.listLinks(harness.tenant.id, 'sheet')) {
      await harness.store.deleteLink(harness.tenant.id, 'sheet', link.aimairaId);
    }
    const again = await harness.sync();
    expect(again.status).toBe('success');
    expect(again.counts['sheet.recovered']).toBe(sheets);
    expect(edusignStateByApiId(harness.school).duplicateApiIds).toEqual([]);
  });
});
