/**
 * Retention: the service deletes the runs, and their events, that ended more than `months` months ago (13 by
 * default: a year of history, and the same month of the year before to compare with), once at start and then once
 * a day. The store keeps the running runs and each tenant's newest ones (`deleteHistoryBefore`).
 */
import type { Clock } from '../clock.js';
import type { HistoryDeleted, StateStore, WebhookStore } from '../store/port.js';
import { toError } from '../errors.js';
import type { Logger } from './logging.js';

export const defaultRetentionMonths = 13;
export const retentionIntervalMs = 24 * 60 * 60 * 1000;

/** What the service keeps, as the dashboard's settings page shows it. */
export interface RetentionSettings {
  /** Runs and events that ended more than this many months ago are deleted. */
  months: number;
}

export interface RetentionOptions {
  /** 13 by default. */
  months?: number;
  /** Between two passes; a day by default (tests make it short). */
  intervalMs?: number;
}

export interface Retention {
  readonly settings: RetentionSettings;
  /** Ends the daily passes, after the one in progress (the store may be closed next). */
  stop(): Promise<void>;
}

/** A whole number of months from 1 (a month of history at least: the dashboard and the runs' pages need some). */
export function checkRetentionMonths(months: number): number {
  if (!Number.isInteger(months) || months < 1 || months > 1200) {
    throw new RangeError(`The retention must be a whole number of months from 1 to 1200: ${months}`);
  }
  return months;
}

/**
 * The instant `months` calendar months before `now` (UTC): the same day of the month, or the month's last day
 * when it has fewer (31 March minus one month is 28 or 29 February, not 3 March).
 */
export function retentionCutoff(now: number, months: number): string {
  const date = new Date(now);
  const day = date.getUTCDate();
  date.setUTCDate(1);
  date.setUTCMonth(date.getUTCMonth() - months);
  const lastDay = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();
  date.setUTCDate(Math.min(day, lastDay));
  return date.toISOString();
}

/** Processed webhook messages are kept this long. */
export const webhookMessagesKeptMs = 31 * 24 * 3_600_000;

/** The settings `options` amount to (the dashboard shows them). */
export function retentionSettings(options: RetentionOptions | undefined): RetentionSettings {
  return { months: checkRetentionMonths(options?.months ?? defaultRetentionMonths) };
}

/** Starts the passes: the first one now, without delaying the service's start, then one per interval. */
export function startRetention(deps: {
  store: Pick<StateStore, 'deleteHistoryBefore'> & { webhooks?: Pick<WebhookStore, 'deleteProcessedWebhookMessages'> };
  clock: Clock;
  logger: Logger;
  options?: RetentionOptions | undefined;
}): Retention {
  const { store, clock, logger } = deps;
  const { months } = retentionSettings(deps.options);
  const intervalMs = deps.options?.intervalMs ?? retentionIntervalMs;
  const stopping = new AbortController();

  const pass = async (): Promise<HistoryDeleted | undefined> => {
    const before = retentionCutoff(clock.now(), months);
    try {
      const deleted = await store.deleteHistoryBefore(before);
      if (deleted.runs > 0) {
        logger.info({ before, ...deleted }, `retention: ${deleted.runs} run(s) older than ${months} months deleted`);
      }
      // Webhook messages acted on are ids and names only, kept a month for whoever checks what came; pending ones
      // stay whatever their age (a run has yet to act on them).
      const messagesBefore = new Date(clock.now() - webhookMessagesKeptMs).toISOString();
      const messages = (await store.webhooks?.deleteProcessedWebhookMessages(messagesBefore)) ?? 0;
      if (messages > 0) {
        logger.info({ before: messagesBefore, messages }, `retention: ${messages} webhook message(s) deleted`);
      }
      return deleted;
    } catch (error) {
      // A failed pass is tried again at the next one: the history only stays a day longer.
      logger.error({ err: toError(error), before }, 'retention: old runs could not be deleted');
      return undefined;
    }
  };

  const loop = (async () => {
    while (!stopping.signal.aborted) {
      await pass();
      try {
        await clock.sleep(intervalMs, stopping.signal);
      } catch {
        return;
      }
    }
  })();

  return {
    settings: { months },
    async stop() {
      stopping.abort();
      await loop;
    },
  };
}
