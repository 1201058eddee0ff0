/** Parsers for command-line option values (a bad value is a ConfigError naming the option), and shared help. */
import { ConfigError } from '../errors.js';
import { parseScheduleWindows } from '../service/schedule.js';
import type { ScheduleWindow } from '../service/schedule.js';
import { storeEnvVar } from './env.js';

/** `--store URL`, the same on every command that opens the store. */
export const storeOptionHelp =
  'the store: sqlite:PATH, a file path, or postgres://USER@HOST:PORT/DB?schema=NAME (password better in ' +
  `$PGPASSWORD than on the command line); default: $${storeEnvVar}, else <data-dir>/state.sqlite`;

/** `--data-dir`, for the commands that read nothing else in it but the store. */
export const dataDirOptionHelp =
  'folder of the store (state.sqlite) when neither --store nor the environment names one';

export function parseNonNegativeInteger(option: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new ConfigError([`${option} must be a non-negative integer, got "${value}"`]);
    return Number(value);
  };
}

export function parseChoice<const T extends string>(option: string, choices: readonly T[]) {
  return (value: string): T => {
    const choice = choices.find((c) => c === value);
    if (choice === undefined) throw new ConfigError([`${option} must be one of ${choices.join(', ')}, got "${value}"`]);
    return choice;
  };
}

/** An instant with its offset, e.g. 2026-12-01T11:00:00+01:00. */
export function parseInstant(option: string) {
  return (value: string): Date => {
    const hasOffset = /(Z|[+-]\d\d:?\d\d)$/.test(value);
    const date = new Date(value);
    if (!hasOffset || Number.isNaN(date.getTime())) {
      throw new ConfigError([`${option} must be an ISO 8601 instant with its offset, got "${value}"`]);
    }
    return date;
  };
}

/** A positive integer, e.g. `--worker-concurrency 4`. */
export function parsePositiveInteger(option: string) {
  return (value: string): number => {
    if (!/^[1-9]\d*$/.test(value)) throw new ConfigError([`${option} must be a positive integer, got "${value}"`]);
    return Number(value);
  };
}

/** Windows in Paris time, e.g. `11:00-14:00,18:00-21:00`; each window is named by its hours (`w1100-1400`). */
export function parseWindows(option: string) {
  return (value: string): ScheduleWindow[] => {
    const windows = value.split(',').map((part) => {
      const match = /^\s*(\d\d:\d\d)-(\d\d:\d\d)\s*$/.exec(part);
      if (!match) {
        throw new ConfigError([`${option} must list HH:MM-HH:MM windows separated by commas, got "${value}"`]);
      }
      const [, start = '', end = ''] = match;
      return { id: `w${start.replace(':', '')}-${end.replace(':', '')}`, start, end };
    });
    try {
      return parseScheduleWindows(windows);
    } catch (error) {
      throw new ConfigError([`${option}: ${error instanceof Error ? error.message : String(error)}`]);
    }
  };
}
