/**
 * Eligibility on the simulators: every special case the scenario's manifest names, and the ones the tenant's
 * options or an edit in Aimaira bring, end as a skipped sheet or a person left out, with its reason code.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import type { ReasonCode } from '../../src/domain/reasons.js';
import type { SyncEvent } from '../../src/store/port.js';
import { syncWindow } from '../../src/sync/down/rules.js';
import {
  addSessionRow,
  aimairaEmail,
  courseOf,
  edusignStateByApiId,
  insertSession,
  isOfCode,
  professorOf,
  sessionRowsOfType,
  startDownHarness,
  studentOf,
} from '../helpers.js';
import type { DownHarness } from '../helpers.js';

// Monday 30 November 2026, 11:30 in Paris.
const now = new Date('2026-11-30T10:30:00Z');
const window = syncWindow(now, 14);

const skippedSheets = (events: readonly SyncEvent[]) =>
  new Map(
    events
      .filter((event) => event.action === 'skipped' && event.recordKind === 'sheet')
      .map((event) => [event.aimairaId, event.reason]),
  );

const leftOut = (events: readonly SyncEvent[], kind: SyncEvent['recordKind']) =>
  new Set(
    events
      .filter((event) => event.action === 'skipped' && event.recordKind === kind)
      .map((event) => `${event.aimairaId} ${event.reason}`),
  );

describe('the scenario special cases on a first run', () => {
  let harness: DownHarness;
  let events: SyncEvent[];
  let sessionsInWindow: (ids: readonly number[]) => number[];

  beforeAll(async () => {
    harness = await startDownHarness({ size: 'small', seed: 1, now });
    const result = await harness.sync();
    expect(result.status).toBe('success');
    events = await harness.events(result.runId);
    sessionsInWindow = (ids) =>
      ids.filter((id) => {
        const start = Date.parse(String(harness.sandbox.aimaira.store.get('Planification', id)?.['Debut']));
        return start > Date.parse(window.start) && start < Date.parse(window.end);
      });
  });
  afterAll(() => harness.close());

  it('reports each special session of the window as skipped with its reason code, and no other session', () => {
    const { sessions } = harness.sandbox.scenario.manifest;
    const expected = new Map<number, ReasonCode>();
    const expect_ = (ids: readonly number[], reason: ReasonCode) => {
      for (const id of sessionsInWindow(ids)) expected.set(id, reason);
    };
    expect_(sessions.createdToday, 'CREATED_TODAY');
    expect_(sessions.cancelled, 'CANCELLED');
    expect_(sessions.commonEvents, 'COMMON_EVENTS_DISABLED');
    expect_(sessions.withoutFacilitator, 'NO_FACILITATOR');
    expect_(
      sessions.withoutValidFacilitator.filter((id) => !sessions.withoutFacilitator.includes(id)),
      'INVALID_FACILITATOR',
    );
    expect_(sessions.withoutValidLearner, 'NO_VALID_LEARNER');
    // The small scenario puts at least one of each in the window.
    expect(new Set(expected.values())).toEqual(
      new Set([
        'CREATED_TODAY',
        'CANCELLED',
        'COMMON_EVENTS_DISABLED',
        'NO_FACILITATOR',
        'INVALID_FACILITATOR',
        'NO_VALID_LEARNER',
      ]),
    );
    expect(skippedSheets(events)).toEqual(expected);
    for (const id of expected.keys()) expect(courseOf(harness.school, id), `session ${id}`).toBeUndefined();
  });

  it('brings down the session created the evening before, which is not created today in Paris', () => {
    const eveningSessions = harness.sandbox.scenario.manifest.sessions.createdYesterdayEvening;
    // The scenario makes exactly one, in the window: without it this test would check nothing.
    expect(eveningSessions).toHaveLength(1);
    expect(sessionsInWindow(eveningSessions)).toEqual(eveningSessions);
    for (const id of eveningSessions) {
      expect(courseOf(harness.school, id), `session ${id}`).toBeDefined();
    }
  });

  it('leaves out invalid learners (INVALID_LEARNER) and the second of two sharing an e-mail (DUPLICATE_EMAIL)', () => {
    const { badPeople } = harness.sandbox.scenario.manifest;
    const onSheets = new Set(
      harness.school
        .courses()
        .flatMap((course) =>
          sessionRowsOfType(harness.sandbox, Number(course.API_ID), 'APPRENANT').map((row) => row['Reference']),
        ),
    );
    const expected = new Set<string>();
    for (const person of badPeople) {
      if (person.set !== 'Apprenant' || !onSheets.has(person.id)) continue;
      if (person.problem === 'SHARED_EMAIL') {
        if (person.id > (person.sharedWith ?? 0)) expected.add(`${person.id} DUPLICATE_EMAIL`);
      } else expected.add(`${person.id} INVALID_LEARNER`);
    }
    expect([...expected].some((entry) => entry.endsWith('DUPLICATE_EMAIL'))).toBe(true);
    expect([...expected].some((entry) => entry.endsWith('INVALID_LEARNER'))).toBe(true);
    expect(leftOut(events, 'learner')).toEqual(expected);
    for (const entry of expected) {
      expect(studentOf(harness.school, Number(entry.split(' ')[0])), entry).toBeUndefined();
    }
  });

  it('lets the first of two learners sharing an e-mail keep it', () => {
    const pairs = harness.sandbox.scenario.manifest.badPeople.filter(
      (person) => person.problem === 'SHARED_EMAIL' && person.id < (person.sharedWith ?? 0),
    );
    const kept = pairs.flatMap((person) => studentOf(harness.school, person.id) ?? []);
    expect(kept.length).toBeGreaterThan(0);
    for (const student of kept) {
      const address = aimairaEmail(harness.sandbox, 'Apprenant', Number(student.API_ID)) ?? '';
      expect(student.EMAIL).toBe(address.trim().toLowerCase());
    }
  });

  it('sends e-mails written with capitals or spaces trimmed and in lower case', () => {
    const untidy = harness.sandbox.scenario.manifest.untidyEmails.filter((entry) => entry.set === 'Apprenant');
    const students = untidy.flatMap((entry) => studentOf(harness.school, entry.id) ?? []);
    expect(students.length).toBeGreaterThan(0);
    for (const student of students) {
      const entry = untidy.find((candidate) => String(candidate.id) === student.API_ID);
      expect(student.EMAIL).toBe(entry?.address.trim().toLowerCase());
    }
  });

  it('keeps the first three facilitators of a session with four and reports TOO_MANY_FACILITATORS', () => {
    const ids = sessionsInWindow(harness.sandbox.scenario.manifest.sessions.withMoreThanThreeFacilitators);
    expect(ids.length).toBeGreaterThan(0);
    const state = edusignStateByApiId(harness.school);
    for (const id of ids) {
      const facilitatorIds = sessionRowsOfType(harness.sandbox, id, 'PROF').map((row) => String(row['Reference']));
      expect(facilitatorIds.length).toBeGreaterThan(3);
      expect(state.courses[String(id)]?.professors).toEqual(facilitatorIds.slice(0, 3));
      expect(events).toContainEqual(
        expect.objectContaining({
          action: 'warning',
          recordKind: 'sheet',
          aimairaId: id,
          reason: 'TOO_MANY_FACILITATORS',
        }),
      );
    }
  });

  it('makes no sheet of exams and room bookings, and does not report them', () => {
    const { exams, reservations } = harness.sandbox.scenario.manifest.sessions;
    for (const id of [...exams, ...reservations]) {
      expect(courseOf(harness.school, id)).toBeUndefined();
      expect(events.filter((event) => event.aimairaId === id)).toEqual([]);
    }
  });

  it('creates only the people of the sheets it creates', () => {
    const state = edusignStateByApiId(harness.school);
    const students = new Set(Object.values(state.courses).flatMap((course) => course.students));
    const professors = new Set(Object.values(state.courses).flatMap((course) => course.professors));
    expect(new Set(Object.keys(state.students))).toEqual(students);
    expect(new Set(Object.keys(state.professors))).toEqual(professors);
  });
});

describe('the window bounds', () => {
  let harness: DownHarness;
  beforeAll(async () => {
    harness = await startDownHarness({ size: 'small', seed: 1, now });
  });
  afterAll(() => harness.close());

  it('takes sessions starting after the sync instant and before the end of the Paris day today + 14, and no other', async () => {
    const { sandbox } = harness;
    const programmeId = Number(sandbox.aimaira.store.list('Programme')[0]?.['Id']);
    const learnerId = Number(sandbox.aimaira.store.list('Apprenant')[0]?.['Id']);
    const facilitatorId = sandbox.scenario.manifest.sessions.withMoreThanThreeFacilitators
      .flatMap((id) => sessionRowsOfType(sandbox, id, 'PROF').map((row) => Number(row['Reference'])))
      .at(0);
    const at = (debut: string, fin: string, name: string) =>
      insertSession(sandbox, {
        name,
        debut,
        fin,
        programmeId,
        facilitatorIds: facilitatorId === undefined ? [] : [facilitatorId],
        learnerIds: [learnerId],
      });
    const started = at('2026-11-30T11:29:00+01:00', '2026-11-30T12:30:00+01:00', 'started a minute ago');
    const soon = at('2026-11-30T11:31:00+01:00', '2026-11-30T12:30:00+01:00', 'starts in a minute');
    const lastDay = at('2026-12-14T23:59:00+01:00', '2026-12-15T01:00:00+01:00', 'last minute of the last day');
    const dayAfter = at('2026-12-15T00:00:00+01:00', '2026-12-15T01:00:00+01:00', 'first minute after');

    const result = await harness.sync();
    expect(result.status).toBe('success');
    expect(result.evaluation?.window).toEqual({ start: now.toISOString(), end: '2026-12-14T23:00:00.000Z' });
    expect(courseOf(harness.school, soon)).toBeDefined();
    expect(courseOf(harness.school, lastDay)).toBeDefined();
    // Outside the window a session is not even read: no sheet and nothing to report.
    expect(courseOf(harness.school, started)).toBeUndefined();
    expect(courseOf(harness.school, dayAfter)).toBeUndefined();
    const events = await harness.events(result.runId);
    expect(events.filter((event) => event.aimairaId === started || event.aimairaId === dayAfter)).toEqual([]);
  });
});

describe('reason codes that an edit in Aimaira brings', () => {
  // Tuesday 1 December 2026, 00:30 in Paris: the first sync of the next day.
  const tomorrow = new Date('2026-11-30T23:30:00Z');
  let harness: DownHarness;
  beforeAll(async () => {
    harness = await startDownHarness({ size: 'small', seed: 1, now });
  });
  afterAll(() => harness.close());

  it('brings a session created today down at the first sync of a later day (CREATED_TODAY until then)', async () => {
    const [createdToday] = harness.sandbox.scenario.manifest.sessions.createdToday;
    expect(createdToday).toBeDefined();
    const today = await harness.sync();
    expect(skippedSheets(await harness.events(today.runId)).get(createdToday!)).toBe('CREATED_TODAY');
    // A second sync the same day still leaves it out.
    const tonight = await harness.sync({ now: new Date('2026-11-30T22:30:00Z') });
    expect(skippedSheets(await harness.events(tonight.runId)).get(createdToday!)).toBe('CREATED_TODAY');
    expect(courseOf(harness.school, createdToday!)).toBeUndefined();

    const nextDay = await harness.sync({ now: tomorrow });
    expect(nextDay.status).toBe('success');
    expect(courseOf(harness.school, createdToday!)).toBeDefined();
    expect(await harness.events(nextDay.runId)).toContainEqual(
      expect.objectContaining({ action: 'created', recordKind: 'sheet', aimairaId: createdToday }),
    );
  });

  it('leaves out a facilitator without e-mail (INVALID_FACILITATOR) and keeps the sheet with the valid one', async () => {
    const { sandbox } = harness;
    const invalid = sandbox.scenario.manifest.badPeople.find(
      (person) => person.problem === 'FACILITATOR_WITHOUT_EMAIL',
    );
    const course = harness.school.courses().find((candidate) => candidate.PROFESSOR_2 === '');
    expect(invalid && course).toBeTruthy();
    addSessionRow(sandbox, Number(course!.API_ID), 'PROF', invalid!.id, 'Sans Mail');

    const result = await harness.sync({ now: tomorrow });
    expect(result.status).toBe('success');
    expect(await harness.events(result.runId)).toContainEqual(
      expect.objectContaining({
        action: 'skipped',
        recordKind: 'facilitator',
        aimairaId: invalid!.id,
        reason: 'INVALID_FACILITATOR',
      }),
    );
    expect(professorOf(harness.school, invalid!.id)).toBeUndefined();
    expect(harness.school.course(course!.ID)).toMatchObject({ PROFESSOR: course!.PROFESSOR, PROFESSOR_2: '' });
  });
});

describe('an e-mail already held on Edusign', () => {
  let harness: DownHarness;
  beforeAll(async () => {
    harness = await startDownHarness({ size: 'small', seed: 1, now });
  });
  afterAll(() => harness.close());

  it('leaves out with DUPLICATE_EMAIL a learner whose e-mail a linked learner holds, even when that one has no session left', async () => {
    const first = await harness.sync();
    expect(first.status).toBe('success');
    const { sandbox } = harness;
    const pair = sandbox.scenario.manifest.badPeople.find(
      (person) =>
        person.problem === 'SHARED_EMAIL' &&
        person.id < (person.sharedWith ?? 0) &&
        studentOf(harness.school, person.id) !== undefined,
    );
    expect(pair).toBeDefined();
    const holder = studentOf(harness.school, pair!.id)!;
    const other = pair!.sharedWith!;
    // The holder leaves every session; the other learner is still listed on sessions of the window.
    for (const row of sandbox.aimaira.store.where('PlanificationRessource', 'Reference', [pair!.id])) {
      sandbox.aimaira.store.remove('PlanificationRessource', Number(row['Id']));
    }

    const result = await harness.sync();
    expect(result.status).toBe('success');
    expect(leftOut(await harness.events(result.runId), 'learner')).toContain(`${other} DUPLICATE_EMAIL`);
    expect(studentOf(harness.school, other)).toBeUndefined();
    // The holder keeps the e-mail and was not written to (its group memberships aside).
    const { EMAIL, FIRSTNAME, LASTNAME, DATE_UPDATED } = holder;
    expect(harness.school.student(holder.ID)).toMatchObject({ EMAIL, FIRSTNAME, LASTNAME, DATE_UPDATED });
  });
});

describe('reason codes that an option brings', () => {
  let harness: DownHarness;
  beforeEach(async () => {
    harness = await startDownHarness({ size: 'small', seed: 1, now });
  });
  afterEach(() => harness.close());

  it('skips every course session of another brand with WRONG_STRUCTURE when structures names one brand', async () => {
    const { store } = harness.sandbox.aimaira;
    const { manifest } = harness.sandbox.scenario;
    const brandId = Number(store.list('Programme')[0]?.['EcoleId']);
    const otherBrand = new Set(
      store.list('Programme').flatMap((programme) => (programme['EcoleId'] === brandId ? [] : [programme['Id']])),
    );
    const special = new Set([...manifest.sessions.createdToday, ...manifest.sessions.cancelled]);
    const expected = new Set(
      store
        .list('Planification')
        .filter((session) => {
          const start = Date.parse(String(session['Debut']));
          return (
            isOfCode(harness.sandbox, 'TypePlanification', 'SEANCE', session['TypePlanificationId']) &&
            start > Date.parse(window.start) &&
            start < Date.parse(window.end) &&
            otherBrand.has(session['ProgrammeId']) &&
            !special.has(Number(session['Id']))
          );
        })
        .map((session) => Number(session['Id'])),
    );
    expect(expected.size).toBeGreaterThan(0);

    const result = await harness.sync({ options: { structures: [brandId] } });
    expect(result.status).toBe('success');
    const skipped = skippedSheets(await harness.events(result.runId));
    expect(new Set([...skipped].flatMap(([id, reason]) => (reason === 'WRONG_STRUCTURE' ? [id] : [])))).toEqual(
      expected,
    );
    for (const id of expected) expect(courseOf(harness.school, id)).toBeUndefined();
  });

  it('skips common events without facilitator with DEFAULT_PROFESSOR_MISSING when the default professor does not exist', async () => {
    const result = await harness.sync({
      options: { importEvenementsCommuns: true, defaultProfsForEvenementsCommun: 'nosuchprofessor1' },
    });
    expect(result.status).toBe('success');
    const skipped = skippedSheets(await harness.events(result.runId));
    const inWindow = harness.sandbox.scenario.manifest.sessions.commonEvents.filter((id) => {
      const start = Date.parse(String(harness.sandbox.aimaira.store.get('Planification', id)?.['Debut']));
      return start > Date.parse(window.start) && start < Date.parse(window.end);
    });
    expect(inWindow.length).toBeGreaterThan(0);
    expect(inWindow.map((id) => skipped.get(id))).toEqual(inWindow.map(() => 'DEFAULT_PROFESSOR_MISSING'));
  });
});
