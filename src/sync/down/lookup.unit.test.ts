import { describe, expect, it } from 'vitest';

import { courseListRanges } from './lookup.js';
import { syncWindow } from './rules.js';

describe('the course list ranges of a window', () => {
  it('start the UTC day before the sync instant, so a session just after Paris midnight is listed', () => {
    // Tuesday 1 December 2026, 00:10 in Paris; Edusign lists a course under the UTC date of its START.
    expect(courseListRanges(syncWindow(new Date('2026-11-30T23:10:00Z'), 14))).toEqual([
      { start: '2026-11-29', end: '2026-12-15' },
    ]);
  });

  it('split a 90-day horizon into spans of at most 90 days', () => {
    const ranges = courseListRanges(syncWindow(new Date('2026-11-30T10:30:00Z'), 90));
    expect(ranges).toEqual([
      { start: '2026-11-29', end: '2027-02-27' },
      { start: '2027-02-28', end: '2027-02-28' },
    ]);
    for (const { start, end } of ranges) {
      expect((Date.parse(end) - Date.parse(start)) / 86_400_000).toBeLessThanOrEqual(90);
    }
  });
});
