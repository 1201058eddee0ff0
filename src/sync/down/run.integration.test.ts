import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { expectQuietRun, isOfCode, startDownHarness } from '../../../test/helpers.js';
import type { DownHarness } from '../../../test/helpers.js';

// Monday 30 November 2026, 11:30 in Paris.
const now = new Date('2026-11-30T10:30:00Z');
// The default 14 days: to the end of Monday 14 December in Paris, written out here rather than asked of the code.
const windowEnd = Date.parse('2026-12-15T00:00:00+01:00');

/**
 * The sessions that should come down, worked out from the scenario's records and manifest rather than from the
 * rules under test: courses (SEANCE) of the window, not cancelled, not created today, with a valid facilitator and
 * a valid learner. Common events, exams and reservations stay out with the default options.
 */
function expectedSheetIds(harness: DownHarness): string[] {
  const { sessions } = harness.sandbox.scenario.manifest;
  const excluded = new Set([
    ...sessions.createdToday,
    ...sessions.cancelled,
    ...sessions.withoutFacilitator,
    ...sessions.withoutValidFacilitator,
    ...sessions.withoutValidLearner,
  ]);
  return harness.sandbox.aimaira.store
    .list('Planification')
    .filter((record) => isOfCode(harness.sandbox, 'TypePlanification', 'SEANCE', record['TypePlanificationId']))
    .filter((record) => record['Annule'] !== true && !excluded.has(Number(record['Id'])))
    .filter((record) => {
      const start = Date.parse(String(record['Debut']));
      return start > now.getTime() && start < windowEnd;
    })
    .map((record) => String(record['Id']))
    .sort();
}

describe('downward sync on the small scenario', () => {
  let harness: DownHarness;
  beforeAll(async () => {
    harness = await startDownHarness({ size: 'small', seed: 1, now });
  });
  afterAll(() => harness.close());

  it('creates the sheets, people and groups of the window, then writes nothing on an unchanged second run', async () => {
    const first = await harness.sync();
    expect(first.error).toBeUndefined();
    expect(first.status).toBe('success');
    const school = harness.sandbox.edusign.school(harness.tenant.edusign.apiKey);
    const desired = first.evaluation!.desired;
    // The sheets Edusign holds are the ones the scenario calls for: a run that finds nothing eligible fails here.
    const expected = expectedSheetIds(harness);
    expect(expected.length).toBeGreaterThanOrEqual(10);
    expect(
      school
        .courses()
        .map((course) => course.API_ID)
        .sort(),
    ).toEqual(expected);
    expect(desired.sheets.length).toBe(expected.length);
    expect(school.students().length).toBeGreaterThan(expected.length);
    expect(school.professors().length).toBeGreaterThan(0);
    expect(school.groups().length).toBeGreaterThan(0);
    expect(school.courses()).toHaveLength(desired.sheets.length);
    expect(school.students()).toHaveLength(desired.learners.length);
    expect(school.professors()).toHaveLength(desired.facilitators.length);
    expect(school.groups()).toHaveLength(desired.groups.length);
    for (const sheet of desired.sheets) {
      const course = school.courses().find((c) => c.API_ID === String(sheet.aimairaId));
      expect(course, `sheet of session ${sheet.aimairaId}`).toBeDefined();
      const learnerIds = new Set(sheet.learnerIds.map(String));
      const onSheet = course!.STUDENTS.map((row) => school.student(row.studentId)?.API_ID);
      expect(new Set(onSheet)).toEqual(learnerIds);
    }

    // Unchanged: the second run reads and evaluates the same sheets again, and writes nothing.
    const second = await expectQuietRun(harness);
    expect(second.evaluation!.desired.sheets).toHaveLength(expected.length);
  });
});
