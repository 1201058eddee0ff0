import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startDownHarness } from '../../../test/helpers.js';
import type { DownHarness } from '../../../test/helpers.js';

// Monday 30 November 2026, 11:30 in Paris.
const now = new Date('2026-11-30T10:30:00Z');

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

    harness.resetRequests();
    const second = await harness.sync();
    expect(second.status).toBe('success');
    expect(harness.edusignWrites()).toBe(0);
  });
});
