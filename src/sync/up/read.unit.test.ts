import { describe, expect, it } from 'vitest';

import { learnerDirectory } from '../../aimaira/mapping.js';
import { listRanges, lookback, sessionRowsOf } from './read.js';

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

describe('sessionRowsOf', () => {
  /** Learners 1 (A00001), 2 (A00002), 3 (A00003). */
  const learners = learnerDirectory([
    { Id: 1, Code: 'A00001' },
    { Id: 2, Code: 'A00002' },
    { Id: 3, Code: 'A00003' },
  ]);
  const row = (Id: number, PlanificationId: number, Reference: number | null, Code: string | null) => ({
    Id,
    PlanificationId,
    Reference,
    Code,
  });

  it('finds each learner’s row by Reference, or by Code when Reference names nobody, and keeps how it was named', () => {
    const rows = sessionRowsOf([100], [row(501, 100, 1, 'A00001'), row(502, 100, 88_000, 'A00002')], learners);
    expect([...(rows.get(100)?.learners ?? [])]).toEqual([
      [1, { rowId: 501, Reference: 1, Code: 'A00001' }],
      [2, { rowId: 502, Reference: 88_000, Code: 'A00002' }],
    ]);
    expect(rows.get(100)?.conflicts).toEqual([]);
  });

  it('sets aside a row that names one learner by Reference and another by Code', () => {
    const rows = sessionRowsOf([100], [row(501, 100, 1, 'A00003')], learners);
    expect(rows.get(100)).toEqual({
      learners: new Map(),
      conflicts: [{ rowId: 501, referenceLearnerId: 1, codeLearnerId: 3 }],
    });
  });

  it('keeps the lowest row id of a learner listed twice, and lists every session asked for', () => {
    const rows = sessionRowsOf([100, 200], [row(509, 100, 1, 'A00001'), row(503, 100, 0, 'A00001')], learners);
    expect(rows.get(100)?.learners.get(1)?.rowId).toBe(503);
    expect(rows.get(200)).toEqual({ learners: new Map(), conflicts: [] });
  });

  it('ignores a row that names nobody', () => {
    const rows = sessionRowsOf([100], [row(501, 100, 0, ''), row(502, 100, 77, 'Z0')], learners);
    expect(rows.get(100)).toEqual({ learners: new Map(), conflicts: [] });
  });
});
