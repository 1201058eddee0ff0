/**
 * When each tenant syncs, as pure functions of the windows, the tenant id and an instant: no clock, no store.
 *
 * A window is a span of Paris wall time (`11:00`–`14:00`), the same every day. Each tenant has a stable slot in it,
 * spread by a hash of its id so that 1,500 tenants do not all start at 11:00. One (tenant, window, Paris date) is
 * one occurrence: it runs at most once, from its slot until the window closes; if nobody ran it before the window
 * closed, it is a miss, recorded and not run.
 *
 * Wall times become instants with luxon in Europe/Paris, so a slot stays at its wall time across both
 * daylight-saving changes. Two wall times are not one instant each on change days:
 * - a time that does not exist (the last Sunday of March, 02:00–02:59) moves forward by the hour skipped, so a slot
 *   at 02:20 runs at 03:20; a slot pushed to or past its window's end runs in the window's last minute instead;
 * - a time that happens twice (the last Sunday of October, 02:00–02:59) is taken at its first occurrence (the
 *   earlier offset, as RFC 5545 and Temporal do). Either way an occurrence is keyed by its window and Paris date,
 *   never by its instant, so a repeated hour cannot run it twice.
 * A window may not start between 02:00 and 03:00 (that start would not exist one day a year); its end may.
 */
import { createHash } from 'node:crypto';

import { DateTime } from 'luxon';
import { z } from 'zod';

import { ConfigError } from '../errors.js';

/** The zone every window is read in. */
export const scheduleZone = 'Europe/Paris';

/** A span of Paris wall time, every day: `start` included, `end` excluded, both `HH:mm`, start before end. */
export interface ScheduleWindow {
  /** Names the window in the store and on the dashboard, e.g. `midday`. */
  readonly id: string;
  readonly start: string;
  readonly end: string;
}

/** Twice a day: around lunch and in the evening, when training organisations have updated their planning. */
export const defaultWindows: readonly ScheduleWindow[] = [
  { id: 'midday', start: '11:00', end: '14:00' },
  { id: 'evening', start: '18:00', end: '21:00' },
];

/** One (tenant, window, Paris date): the unit that runs at most once. Instants are ISO strings in UTC. */
export interface Occurrence {
  tenantId: string;
  windowId: string;
  /** The Paris calendar date of the window, `YYYY-MM-DD`. */
  parisDate: string;
  /** When the tenant's run is due. */
  slotAt: string;
  windowStart: string;
  /** The first instant after the window: a run not started before it is a miss. */
  windowEnd: string;
}

/** What to do with a due occurrence: run it now, or record that its window closed without a run. */
export const dueActions = ['run', 'missed'] as const;
export type DueAction = (typeof dueActions)[number];

export interface DueOccurrence extends Occurrence {
  action: DueAction;
}

export interface ScheduleOptions {
  /** The windows (`defaultWindows` by default), as checked by `parseScheduleWindows`. */
  windows?: readonly ScheduleWindow[];
  /**
   * Windows that closed before this instant are not looked at: neither run nor missed. The scheduler passes when
   * it started watching the tenant (a new tenant has missed nothing), bounded by a look-back. Default: the start
   * of the Paris day before `now`.
   */
  since?: Date | number;
}

const hhmm = /^([01]\d|2[0-3]):([0-5]\d)$/;
/** The hour that does not exist on the last Sunday of March, in minutes of the day. */
const springGap = { from: 2 * 60, to: 3 * 60 } as const;

function minuteOfDay(time: string): number {
  const match = hhmm.exec(time);
  if (!match) throw new RangeError(`not a time of day HH:mm: ${time}`);
  return Number(match[1]) * 60 + Number(match[2]);
}

const ScheduleWindowInput = z
  .object({
    id: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,31}$/, 'must be a short lowercase name (letters, digits, dashes), e.g. "midday"'),
    start: z.string().regex(hhmm, 'must be a time of day HH:mm, e.g. "11:00"'),
    end: z.string().regex(hhmm, 'must be a time of day HH:mm, e.g. "14:00"'),
  })
  .strict();

/**
 * Checks configured windows and returns them sorted by start. Refused with a ConfigError naming each problem: a
 * malformed id or time, an end not after the start (windows do not cross midnight), a start between 02:00 and
 * 03:00, two windows with one id, two windows that overlap (a tenant would run twice within minutes).
 */
export function parseScheduleWindows(input: unknown): ScheduleWindow[] {
  const parsed = z.array(ScheduleWindowInput).min(1, 'needs at least one window').safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map(
        (issue) => `schedule.windows${issue.path.map((part) => `[${String(part)}]`).join('')}: ${issue.message}`,
      ),
    );
  }
  const issues: string[] = [];
  const windows = [...parsed.data].sort((a, b) => minuteOfDay(a.start) - minuteOfDay(b.start));
  const ids = new Set<string>();
  windows.forEach((window, index) => {
    const start = minuteOfDay(window.start);
    const end = minuteOfDay(window.end);
    if (ids.has(window.id)) issues.push(`schedule.windows: two windows are named "${window.id}"`);
    ids.add(window.id);
    if (end <= start) {
      issues.push(`schedule.windows ${window.id}: ends at ${window.end}, not after its start ${window.start}`);
    }
    if (start >= springGap.from && start < springGap.to) {
      issues.push(
        `schedule.windows ${window.id}: starts at ${window.start}, a time that does not exist in Paris on the last ` +
          'Sunday of March; start it before 02:00 or from 03:00',
      );
    }
    const previous = windows[index - 1];
    if (previous && minuteOfDay(previous.end) > start) {
      issues.push(`schedule.windows: ${previous.id} (${previous.start}-${previous.end}) overlaps ${window.id}`);
    }
  });
  if (issues.length > 0) throw new ConfigError(issues);
  return windows.map(({ id, start, end }) => ({ id, start, end }));
}

/*
 * The scheduler asks for every tenant's occurrences at every tick: hashes and wall-time conversions are cached.
 * Tenants, and dates × minutes, stay few; the cap only guards a long-lived process.
 */
const cacheLimit = 50_000;
const fractionCache = new Map<string, number>();
const instantCache = new Map<string, number>();

/**
 * Where a tenant's slot falls in any window, as a fraction in [0, 1): the first 4 bytes of the SHA-256 of its id.
 * The same tenant is at the same place in every window and every day; different ids spread evenly.
 */
export function tenantSlotFraction(tenantId: string): number {
  let fraction = fractionCache.get(tenantId);
  if (fraction === undefined) {
    fraction = createHash('sha256').update(tenantId, 'utf8').digest().readUInt32BE(0) / 2 ** 32;
    if (fractionCache.size >= cacheLimit) fractionCache.clear();
    fractionCache.set(tenantId, fraction);
  }
  return fraction;
}

/** The tenant's slot, in whole minutes after the window's start (0 to length − 1). */
export function slotOffsetMinutes(tenantId: string, window: ScheduleWindow): number {
  const length = minuteOfDay(window.end) - minuteOfDay(window.start);
  return Math.floor(tenantSlotFraction(tenantId) * length);
}

/** The instant (epoch ms) of a Paris wall time on a Paris date, with the policy of the module comment. */
function parisInstant(parisDate: string, minute: number): number {
  const key = `${parisDate} ${minute}`;
  const cached = instantCache.get(key);
  if (cached !== undefined) return cached;
  const [year, month, day] = parisDate.split('-').map(Number);
  const hour = Math.floor(minute / 60);
  const wall = { year, month, day, hour, minute: minute % 60 };
  // luxon moves a skipped time forward (what we want) and takes the later offset of a repeated one (we want the
  // earlier): an hour before, the same wall time means it happened twice.
  const dateTime = DateTime.fromObject(wall, { zone: scheduleZone });
  if (!dateTime.isValid) throw new RangeError(`not a Paris date: ${parisDate}`);
  const earlier = dateTime.minus({ hours: 1 });
  const instant =
    earlier.hour === dateTime.hour && earlier.minute === dateTime.minute ? earlier.toMillis() : dateTime.toMillis();
  if (instantCache.size >= cacheLimit) instantCache.clear();
  instantCache.set(key, instant);
  return instant;
}

function toMillis(instant: Date | number): number {
  return typeof instant === 'number' ? instant : instant.getTime();
}

/** `YYYY-MM-DD` in Paris: the `en-CA` locale writes dates in ISO order. */
const parisDateFormat = new Intl.DateTimeFormat('en-CA', {
  timeZone: scheduleZone,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** The Paris calendar date of an instant, `YYYY-MM-DD`. */
export function parisDateOf(instant: Date | number): string {
  return parisDateFormat.format(toMillis(instant));
}

/** Calendar arithmetic on a `YYYY-MM-DD` date (no zone involved: a date is a date). */
function addDays(parisDate: string, days: number): string {
  const [year = 0, month = 1, day = 1] = parisDate.split('-').map(Number);
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}

/** Paris dates from `first` to `last`, both included. */
function parisDates(first: string, last: string): string[] {
  const dates: string[] = [];
  for (let date = first; date <= last; date = addDays(date, 1)) dates.push(date);
  return dates;
}

const iso = (millis: number) => new Date(millis).toISOString();

interface OccurrenceMillis {
  slotAt: number;
  windowStart: number;
  windowEnd: number;
}

function occurrenceMillis(tenantId: string, window: ScheduleWindow, parisDate: string): OccurrenceMillis {
  const startMinute = minuteOfDay(window.start);
  const windowStart = parisInstant(parisDate, startMinute);
  const windowEnd = parisInstant(parisDate, minuteOfDay(window.end));
  const slot = parisInstant(parisDate, startMinute + slotOffsetMinutes(tenantId, window));
  // Only a slot moved forward out of March's missing hour can reach the end; it runs in the last minute instead.
  const slotAt = Math.max(windowStart, Math.min(slot, windowEnd - 60_000));
  return { slotAt, windowStart, windowEnd };
}

function toOccurrence(tenantId: string, windowId: string, parisDate: string, at: OccurrenceMillis): Occurrence {
  return {
    tenantId,
    windowId,
    parisDate,
    slotAt: iso(at.slotAt),
    windowStart: iso(at.windowStart),
    windowEnd: iso(at.windowEnd),
  };
}

/** The occurrence of one tenant in one window on one Paris date. */
export function occurrenceOf(tenantId: string, window: ScheduleWindow, parisDate: string): Occurrence {
  return toOccurrence(tenantId, window.id, parisDate, occurrenceMillis(tenantId, window, parisDate));
}

/** What identifies an occurrence for one tenant (the `done` set of `dueRun` holds these). */
export function occurrenceKey(occurrence: Pick<Occurrence, 'windowId' | 'parisDate'>): string {
  return `${occurrence.parisDate}/${occurrence.windowId}`;
}

/** The tenant's occurrences whose slot is in [from, to), in time order: the dashboard's "next runs". */
export function occurrencesBetween(
  tenantId: string,
  from: Date | number,
  to: Date | number,
  windows: readonly ScheduleWindow[] = defaultWindows,
): Occurrence[] {
  const fromMs = toMillis(from);
  const toMs = toMillis(to);
  if (toMs <= fromMs) return [];
  const occurrences: Occurrence[] = [];
  for (const parisDate of parisDates(parisDateOf(fromMs), parisDateOf(toMs))) {
    for (const window of windows) {
      const at = occurrenceMillis(tenantId, window, parisDate);
      if (at.slotAt >= fromMs && at.slotAt < toMs) occurrences.push(toOccurrence(tenantId, window.id, parisDate, at));
    }
  }
  return occurrences.sort((a, b) => a.slotAt.localeCompare(b.slotAt));
}

/**
 * The occurrence to act on now, the oldest first, or undefined when nothing is due:
 * - `run`: its slot has passed and its window is still open, and it is not in `done` (this includes a slot that
 *   passed while the service was down: it runs as soon as the service is back, if the window is still open);
 * - `missed`: its window closed, after `since`, and it is not in `done`: to be recorded, not run.
 * `done` holds the `occurrenceKey`s already claimed, run or recorded missed. Call again after acting on the
 * answer (adding its key to `done`) until it returns undefined.
 */
export function dueRun(
  tenantId: string,
  now: Date | number,
  done: ReadonlySet<string>,
  options: ScheduleOptions = {},
): DueOccurrence | undefined {
  const windows = options.windows ?? defaultWindows;
  const nowMs = toMillis(now);
  const today = parisDateOf(nowMs);
  const sinceMs =
    options.since === undefined ? parisInstant(addDays(today, -1), 0) : Math.min(toMillis(options.since), nowMs);
  for (const parisDate of parisDates(parisDateOf(sinceMs), today)) {
    for (const window of windows) {
      if (done.has(occurrenceKey({ windowId: window.id, parisDate }))) continue;
      const at = occurrenceMillis(tenantId, window, parisDate);
      if (at.windowEnd <= sinceMs || at.slotAt > nowMs) continue;
      const action: DueAction = at.windowEnd <= nowMs ? 'missed' : 'run';
      return { ...toOccurrence(tenantId, window.id, parisDate, at), action };
    }
  }
  return undefined;
}
