/**
 * Paris daylight-saving changes: Aimaira writes local times with their offset, Edusign stores instants. A session
 * spanning the change, a session moved across it and the end of the window on the far side of it all keep their
 * true instants.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  courseOf,
  edusignStateByApiId,
  expectQuietRun,
  insertSession,
  sessionRowsOfType,
  startDownHarness,
} from '../helpers.js';
import type { DownHarness } from '../helpers.js';

const minutesBetween = (start: string, end: string) => (Date.parse(end) - Date.parse(start)) / 60_000;

/** A session like the scenario's, at other times: same programme, facilitators and learners. */
function copySession(harness: DownHarness, from: number, name: string, debut: string, fin: string) {
  const { store } = harness.sandbox.aimaira;
  return insertSession(harness.sandbox, {
    name,
    debut,
    fin,
    programmeId: Number(store.get('Planification', from)?.['ProgrammeId']),
    facilitatorIds: sessionRowsOfType(harness.sandbox, from, 'PROF').map((row) => Number(row['Reference'])),
    learnerIds: sessionRowsOfType(harness.sandbox, from, 'APPRENANT').map((row) => Number(row['Reference'])),
  });
}

describe('the change back to winter time (25 October 2026)', () => {
  // Tuesday 20 October 2026, 10:00 in Paris (summer time).
  const now = new Date('2026-10-20T08:00:00Z');
  let harness: DownHarness;
  let model: number;
  let endOfWindow: number;
  let afterEnd: number;
  beforeAll(async () => {
    harness = await startDownHarness({ size: 'small', seed: 1, now });
    model = harness.sandbox.scenario.manifest.sessions.daylightSaving.id;
    // The window ends at midnight of 3 November in Paris, in winter time: 23:00 UTC.
    endOfWindow = copySession(
      harness,
      model,
      'Last of the window',
      '2026-11-03T23:30:00+01:00',
      '2026-11-03T23:55:00+01:00',
    );
    afterEnd = copySession(
      harness,
      model,
      'After the window',
      '2026-11-04T00:30:00+01:00',
      '2026-11-04T01:30:00+01:00',
    );
    expect((await harness.sync()).status).toBe('success');
  });
  afterAll(() => harness.close());

  it('keeps the four real hours of a night session from 01:00 to 04:00 on the night of the change', () => {
    const dst = harness.sandbox.scenario.manifest.sessions.daylightSaving;
    expect(dst.kind).toBe('FALL_BACK');
    const course = edusignStateByApiId(harness.school).courses[String(dst.id)];
    expect(course).toMatchObject({ start: '2026-10-24T23:00:00.000Z', end: '2026-10-25T03:00:00.000Z' });
    expect(minutesBetween(course!.start, course!.end)).toBe(dst.durationMinutes);
  });

  it('ends the window at midnight winter time when the horizon crosses the change', () => {
    expect(courseOf(harness.school, endOfWindow)).toMatchObject({ START: '2026-11-03T22:30:00.000Z' });
    expect(courseOf(harness.school, afterEnd)).toBeUndefined();
  });

  it('moves a sheet across the change to the instant of the new local time, and then writes nothing more', async () => {
    const moved = copySession(harness, model, 'Moved', '2026-10-23T09:00:00+02:00', '2026-10-23T12:00:00+02:00');
    await harness.sync();
    expect(courseOf(harness.school, moved)).toMatchObject({
      START: '2026-10-23T07:00:00.000Z',
      END: '2026-10-23T10:00:00.000Z',
    });
    // Same local hours the week after the change: one hour later in UTC.
    harness.sandbox.aimaira.store.patch('Planification', moved, {
      Debut: '2026-10-27T09:00:00+01:00',
      Fin: '2026-10-27T12:00:00+01:00',
    });
    const result = await harness.sync();
    expect(result.counts['sheet.updated']).toBe(1);
    expect(harness.school.courses().filter((course) => course.API_ID === String(moved))).toEqual([
      expect.objectContaining({ START: '2026-10-27T08:00:00.000Z', END: '2026-10-27T11:00:00.000Z' }),
    ]);
    await expectQuietRun(harness);
  });
});

describe('the change to summer time (28 March 2027)', () => {
  // Monday 22 March 2027, 09:00 in Paris (winter time).
  const now = new Date('2027-03-22T08:00:00Z');
  let harness: DownHarness;
  beforeAll(async () => {
    harness = await startDownHarness({ size: 'small', seed: 1, now });
  });
  afterAll(() => harness.close());

  it('keeps the two real hours of a night session from 01:00 to 04:00, and ends the window in summer time', async () => {
    const dst = harness.sandbox.scenario.manifest.sessions.daylightSaving;
    expect(dst.kind).toBe('SPRING_FORWARD');
    // The window ends at midnight of 5 April in Paris, in summer time: 22:00 UTC.
    const lastMinutes = copySession(harness, dst.id, 'Late', '2027-04-05T23:30:00+02:00', '2027-04-05T23:59:00+02:00');
    const tooLate = copySession(harness, dst.id, 'Too late', '2027-04-06T00:10:00+02:00', '2027-04-06T01:00:00+02:00');

    const result = await harness.sync();
    expect(result.status).toBe('success');
    expect(result.evaluation?.window.end).toBe('2027-04-05T22:00:00.000Z');
    const course = edusignStateByApiId(harness.school).courses[String(dst.id)];
    expect(course).toMatchObject({ start: '2027-03-28T00:00:00.000Z', end: '2027-03-28T02:00:00.000Z' });
    expect(minutesBetween(course!.start, course!.end)).toBe(dst.durationMinutes);
    expect(courseOf(harness.school, lastMinutes)).toMatchObject({ START: '2027-04-05T21:30:00.000Z' });
    expect(courseOf(harness.school, tooLate)).toBeUndefined();
  });
});
