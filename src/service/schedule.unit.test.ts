import { describe, expect, it } from 'vitest';

import { ConfigError } from '../errors.js';
import {
  defaultWindows,
  dueRun,
  occurrenceKey,
  occurrenceOf,
  occurrencesBetween,
  parseScheduleWindows,
  parisDateOf,
  slotOffsetMinutes,
  tenantSlotFraction,
} from './schedule.js';
import type { ScheduleWindow } from './schedule.js';

const midday: ScheduleWindow = { id: 'midday', start: '11:00', end: '14:00' };
const evening: ScheduleWindow = { id: 'evening', start: '18:00', end: '21:00' };
/** A window across the hour that March skips and October repeats. */
const night: ScheduleWindow = { id: 'night', start: '01:30', end: '03:30' };
const withNight = [night, midday, evening];

const slotsOf = (tenantId: string, from: string, to: string, windows = withNight) =>
  occurrencesBetween(tenantId, new Date(from), new Date(to), windows).map(
    (occurrence) => `${occurrence.parisDate} ${occurrence.windowId} ${occurrence.slotAt}`,
  );

describe('slots', () => {
  it('are stable per tenant, whole minutes inside the window, at the same place in every window', () => {
    // Frozen on purpose: a slot must not move when the service is upgraded.
    expect(slotOffsetMinutes('acme', midday)).toBe(91);
    expect(slotOffsetMinutes('acme', evening)).toBe(91);
    expect(tenantSlotFraction('acme')).toBe(tenantSlotFraction('acme'));
    const occurrence = occurrenceOf('acme', midday, '2027-06-15');
    expect(occurrence).toEqual({
      tenantId: 'acme',
      windowId: 'midday',
      parisDate: '2027-06-15',
      slotAt: '2027-06-15T10:31:00.000Z', // 12:31 in Paris (CEST)
      windowStart: '2027-06-15T09:00:00.000Z',
      windowEnd: '2027-06-15T12:00:00.000Z',
    });
    expect(occurrenceOf('acme', midday, '2027-06-15')).toEqual(occurrence);
    expect(occurrenceOf('acme', evening, '2027-12-15').slotAt).toBe('2027-12-15T18:31:00.000Z'); // 19:31 CET
  });

  it('spread 1,500 tenants evenly over the window: no minute crowded, every quarter hour near the mean', () => {
    const perMinute = new Array<number>(180).fill(0);
    for (let index = 1; index <= 1_500; index++) {
      const offset = slotOffsetMinutes(`tenant-${String(index).padStart(4, '0')}`, midday);
      expect(offset).toBeGreaterThanOrEqual(0);
      expect(offset).toBeLessThan(180);
      perMinute[offset] = (perMinute[offset] ?? 0) + 1;
    }
    // 8.3 a minute on average; all at 11:00 would be 1,500.
    expect(Math.max(...perMinute)).toBeLessThanOrEqual(20);
    expect(perMinute.filter((count) => count === 0).length).toBeLessThanOrEqual(2);
    const perQuarter = Array.from({ length: 12 }, (_, quarter) =>
      perMinute.slice(quarter * 15, quarter * 15 + 15).reduce((sum, count) => sum + count, 0),
    );
    for (const count of perQuarter) {
      expect(count).toBeGreaterThanOrEqual(100); // mean 125
      expect(count).toBeLessThanOrEqual(150);
    }
  });
});

describe('the daylight-saving changes of 2027', () => {
  it('28 March: midday and evening slots keep their Paris time, one hour earlier in UTC, none skipped', () => {
    expect(slotsOf('acme', '2027-03-27T00:00:00+01:00', '2027-03-29T00:00:00+02:00', [midday, evening])).toEqual([
      '2027-03-27 midday 2027-03-27T11:31:00.000Z',
      '2027-03-27 evening 2027-03-27T18:31:00.000Z',
      '2027-03-28 midday 2027-03-28T10:31:00.000Z',
      '2027-03-28 evening 2027-03-28T17:31:00.000Z',
    ]);
  });

  it('31 October: one hour later in UTC, and each window once', () => {
    expect(slotsOf('acme', '2027-10-30T00:00:00+02:00', '2027-11-01T00:00:00+01:00', [midday, evening])).toEqual([
      '2027-10-30 midday 2027-10-30T10:31:00.000Z',
      '2027-10-30 evening 2027-10-30T17:31:00.000Z',
      '2027-10-31 midday 2027-10-31T11:31:00.000Z',
      '2027-10-31 evening 2027-10-31T18:31:00.000Z',
    ]);
  });

  it('a slot in the hour March skips runs an hour later (wall time), or in the last minute of its window', () => {
    // globex: 02:13 in the night window, acme: 02:31, umbrella: 01:49, hooli: 03:05.
    const night28 = (tenantId: string) => occurrenceOf(tenantId, night, '2027-03-28');
    expect(night28('globex').slotAt).toBe('2027-03-28T01:13:00.000Z'); // 03:13 CEST
    expect(night28('umbrella').slotAt).toBe('2027-03-28T00:49:00.000Z'); // 01:49 CET
    expect(night28('hooli').slotAt).toBe('2027-03-28T01:05:00.000Z'); // 03:05 CEST
    // 02:31 would be 03:31 CEST, past the window's end (03:30 CEST): its last minute instead.
    expect(night28('acme')).toMatchObject({
      slotAt: '2027-03-28T01:29:00.000Z',
      windowStart: '2027-03-28T00:30:00.000Z',
      windowEnd: '2027-03-28T01:30:00.000Z',
    });
    expect(occurrenceOf('globex', night, '2027-03-27').slotAt).toBe('2027-03-27T01:13:00.000Z'); // 02:13 CET
  });

  it('a slot in the hour October repeats runs at its first occurrence, once', () => {
    expect(occurrenceOf('globex', night, '2027-10-31')).toMatchObject({
      slotAt: '2027-10-31T00:13:00.000Z', // 02:13 CEST, not 02:13 CET an hour later
      windowStart: '2027-10-30T23:30:00.000Z',
      windowEnd: '2027-10-31T02:30:00.000Z',
    });
    expect(slotsOf('globex', '2027-10-30T12:00:00Z', '2027-10-31T12:00:00Z', [night])).toEqual([
      '2027-10-31 night 2027-10-31T00:13:00.000Z',
    ]);
  });

  it('gives exactly one occurrence per window and day around both changes, for many tenants', () => {
    for (const [from, to] of [
      ['2027-03-26T00:00:00+01:00', '2027-03-31T00:00:00+02:00'],
      ['2027-10-29T00:00:00+02:00', '2027-11-03T00:00:00+01:00'],
    ] as const) {
      for (let index = 0; index < 200; index++) {
        const occurrences = occurrencesBetween(`tenant-${index}`, new Date(from), new Date(to), withNight);
        const keys = occurrences.map((occurrence) => occurrenceKey(occurrence));
        expect(new Set(keys).size).toBe(keys.length);
        expect(keys.length).toBe(5 * 3);
        for (const occurrence of occurrences) {
          expect(occurrence.slotAt >= occurrence.windowStart && occurrence.slotAt < occurrence.windowEnd).toBe(true);
          expect(parisDateOf(new Date(occurrence.slotAt))).toBe(occurrence.parisDate);
        }
      }
    }
  });
});

describe('parseScheduleWindows', () => {
  it('takes the default windows and sorts configured ones by start', () => {
    expect(parseScheduleWindows(defaultWindows)).toEqual(defaultWindows);
    expect(parseScheduleWindows([evening, night, midday]).map((window) => window.id)).toEqual([
      'night',
      'midday',
      'evening',
    ]);
  });

  it.each([
    [[{ id: 'midday', start: '14:00', end: '11:00' }], /ends at 11:00, not after its start/],
    [[{ id: 'late', start: '02:30', end: '04:00' }], /does not exist in Paris on the last Sunday of March/],
    [[midday, { id: 'lunch', start: '13:00', end: '15:00' }], /midday \(11:00-14:00\) overlaps lunch/],
    [[midday, { ...evening, id: 'midday' }], /two windows are named "midday"/],
    [[{ id: 'midday', start: '11h', end: '14:00' }], /time of day HH:mm/],
    [[{ id: 'Midday', start: '11:00', end: '14:00' }], /lowercase/],
    [[], /at least one window/],
  ])('refuses %j', (windows, message) => {
    expect(() => parseScheduleWindows(windows)).toThrow(ConfigError);
    expect(() => parseScheduleWindows(windows)).toThrow(message);
  });
});

describe('dueRun', () => {
  // acme: midday slot 12:31, evening 19:31 (Paris, CEST in June: 10:31Z and 17:31Z).
  const at = (time: string) => new Date(`2027-06-15T${time}+02:00`);
  const since = at('00:00');

  it('is nothing before the slot, the occurrence from the slot until the window closes', () => {
    expect(dueRun('acme', at('12:30'), new Set(), { since })).toBeUndefined();
    expect(dueRun('acme', at('12:31'), new Set(), { since })).toMatchObject({
      action: 'run',
      windowId: 'midday',
      parisDate: '2027-06-15',
      slotAt: '2027-06-15T10:31:00.000Z',
    });
    // Catch-up: the service was down at 12:31 and is back at 13:50, the window still open.
    expect(dueRun('acme', at('13:50'), new Set(), { since })).toMatchObject({ action: 'run', windowId: 'midday' });
    expect(dueRun('acme', at('13:50'), new Set(['2027-06-15/midday']), { since })).toBeUndefined();
  });

  it('is a miss once the window closed without a run, and the oldest comes first', () => {
    expect(dueRun('acme', at('14:00'), new Set(), { since })).toMatchObject({ action: 'missed', windowId: 'midday' });
    const done = new Set<string>();
    const seen: string[] = [];
    for (
      let due = dueRun('acme', at('20:00'), done, { since });
      due;
      due = dueRun('acme', at('20:00'), done, { since })
    ) {
      seen.push(`${due.action} ${due.windowId}`);
      done.add(occurrenceKey(due));
    }
    expect(seen).toEqual(['missed midday', 'run evening']);
  });

  it('does not count as missed the windows closed before `since` (a tenant added, a pause lifted)', () => {
    expect(dueRun('acme', at('15:00'), new Set(), { since: at('14:30') })).toBeUndefined();
    // Added at 13:00, after its 12:31 slot, the window still open: it runs now.
    expect(dueRun('acme', at('13:00'), new Set(), { since: at('13:00') })).toMatchObject({ action: 'run' });
    // By default, since the start of the day before: yesterday's evening is a miss, the day before is forgotten.
    expect(dueRun('acme', at('09:00'), new Set())).toMatchObject({
      action: 'missed',
      parisDate: '2027-06-14',
      windowId: 'midday',
    });
  });
});
