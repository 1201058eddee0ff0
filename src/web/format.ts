/** Times, durations and counts as the dashboard shows them: Paris time, in the page's language. */
import { DateTime } from 'luxon';

import type { RunCounts, RunDirection } from '../store/port.js';
import type { Lang, Translate } from './i18n.js';
import { actionLabel, kindLabel } from './i18n.js';

export const parisZone = 'Europe/Paris';

const locales: Record<Lang, string> = { fr: 'fr-FR', en: 'en-GB' };

/** `lun. 30 nov. 2026, 11:30` / `Mon 30 Nov 2026, 11:30`, Paris time. */
export function formatInstant(iso: string, lang: Lang): string {
  const time = DateTime.fromISO(iso, { zone: 'utc' }).setZone(parisZone);
  if (!time.isValid) return iso;
  return time.setLocale(locales[lang]).toLocaleString({
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });
}

/** `30 nov.` / `30 Nov`: a Paris day for the chart's axis. */
export function formatDay(parisDate: string, lang: Lang): string {
  const day = DateTime.fromISO(parisDate, { zone: parisZone });
  return day.isValid ? day.setLocale(locales[lang]).toLocaleString({ day: 'numeric', month: 'short' }) : parisDate;
}

/** The Paris calendar day (`2026-11-30`) of an instant. */
export function parisDate(instant: number | string): string {
  const time =
    typeof instant === 'number'
      ? DateTime.fromMillis(instant, { zone: parisZone })
      : DateTime.fromISO(instant, { zone: 'utc' }).setZone(parisZone);
  return time.toISODate() ?? '';
}

/** `2 min 05 s`, `45 s`, `1 h 02 min`. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${String(seconds % 60).padStart(2, '0')} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** Record kinds in the order a run writes them. */
const countKinds = ['facilitator', 'tutor', 'learner', 'group', 'sheet', 'attendance'] as const;

/** One line per kind: `sheets: created 24, skipped 6` (as the command line says it). */
export function formatCounts(counts: RunCounts, t: Translate): string[] {
  const lines: string[] = [];
  const known = new Set<string>();
  for (const kind of countKinds) {
    const actions = Object.entries(counts)
      .filter(([key, value]) => key.startsWith(`${kind}.`) && value > 0)
      .map(([key, value]) => {
        known.add(key);
        return `${actionLabel(key.slice(kind.length + 1), t)} ${value}`;
      });
    if (actions.length > 0) lines.push(t('countsLine', { kind: kindLabel(kind, t), actions: actions.join(', ') }));
  }
  const other = Object.entries(counts).filter(([key, value]) => !known.has(key) && value > 0);
  if (other.length > 0) lines.push(other.map(([key, value]) => `${key} ${value}`).join(', '));
  return lines;
}

/** Actions that change a record on the other side: what the chart counts as written. */
const writeActions = new Set(['created', 'updated', 'deleted', 'adopted', 'recovered', 'realised']);

export function recordsWritten(counts: RunCounts): number {
  return Object.entries(counts).reduce((sum, [key, value]) => {
    const action = key.slice(key.indexOf('.') + 1);
    return writeActions.has(action) ? sum + value : sum;
  }, 0);
}

export function errorCount(counts: RunCounts): number {
  return Object.entries(counts).reduce((sum, [key, value]) => (key.endsWith('.error') ? sum + value : sum), 0);
}

export function directionLabel(direction: RunDirection, t: Translate): string {
  return direction === 'down' ? t('directionDown') : t('directionUp');
}
