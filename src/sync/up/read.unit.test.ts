import { describe, expect, it } from 'vitest';

import { listRanges, lookback } from './read.js';

describe('lookback', () => {
  it('runs from the start of the Paris day `today - lookbackDays` to the end of the window', () => {
    // Monday 30 November 2026, 11:30 in Paris (UTC+1).
    expect(lookback(new Date('2026-11-30T10:30:00Z'), 30, 14)).toEqual({
      start: '2026-10-30T23:00:00.000Z',
      end: '2026-12-14T23:00:00.000Z',
    });
  });

  it('follows Paris across a daylight-saving change', () => {
    // 23 October is still summer time (UTC+2): clocks go back on 25 October 2026.
    expect(lookback(new Date('2026-11-02T09:00:00Z'), 10, 0).start).toBe('2026-10-22T22:00:00.000Z');
  });
});

describe('listRanges', () => {
  it('covers the look-back with UTC dates, in one range when it spans 90 days or less', () => {
    expect(listRanges({ start: '2026-10-30T23:00:00.000Z', end: '2026-12-14T23:00:00.000Z' })).toEqual([
      { start: '2026-10-30', end: '2026-12-14' },
    ]);
  });

  it('splits a longer look-back into ranges of at most 90 days that neither overlap nor leave gaps', () => {
    const ranges = listRanges({ start: '2026-01-01T00:00:00.000Z', end: '2026-12-31T12:00:00.000Z' });
    expect(ranges[0]).toEqual({ start: '2026-01-01', end: '2026-04-01' });
    expect(ranges.at(-1)?.end).toBe('2026-12-31');
    for (const [index, range] of ranges.entries()) {
      const days = (Date.parse(range.end) - Date.parse(range.start)) / 86_400_000;
      expect(days).toBeLessThanOrEqual(90);
      const next = ranges[index + 1];
      if (next) expect(Date.parse(next.start) - Date.parse(range.end)).toBe(86_400_000);
    }
  });
});
