/**
 * The alerter: turns what the scheduler tells (a run finished, a tenant paused or resumed) and the pauses made by
 * a person into the tenant's facts, decides (decide.ts) against what was last told, and tells the people who
 * chose that kind of alert (e-mail, in their language) and the tenant's webhook (in the tenant's language).
 *
 * The new state is saved BEFORE anything is sent. An alert must not repeat at every run: had the send come first,
 * a store that fails to save (or a crash in between) would send it again at the next run, and the next. The price
 * is at most once: a process that dies between the save and the sends loses that alert. A send that fails is
 * reported (`onError`) and not retried; the state change stands. A save that fails sends nothing (it would repeat).
 *
 * Observations of one tenant are handled one after the other (the scheduler emits `paused` then `run-finished` for
 * the same run, synchronously): each reads the state the previous one saved.
 */
import { z } from 'zod';

import type { Clock } from '../clock.js';
import type { Logger } from '../service/logging.js';
import { createLogScrubber } from '../service/logging.js';
import type { RunOutcome, SchedulerEvent } from '../service/scheduler.js';
import type { AccountStore, TenantHealth, User } from '../store/port.js';
import type { Lang } from '../web/i18n.js';
import { decide } from './decide.js';
import type { Alert, TenantFacts } from './decide.js';
import type { Mailer } from './mailer.js';
import { alertMessage, tenantPageUrl } from './messages.js';
import type { SendWebhook } from './webhook.js';

/** Where a failure happened, for the caller's logs: ids only, never an address. */
export interface AlertErrorContext {
  tenantId: string;
  step: 'state' | 'recipients' | 'email' | 'webhook';
  kind?: Alert['kind'];
  userId?: number;
}

export interface AlerterOptions {
  accounts: Pick<AccountStore, 'getAlertState' | 'saveAlertState' | 'listTenantUsers' | 'getTenantAlertSettings'>;
  /** No mailer: no e-mail (the service has no SMTP settings). */
  mailer?: Mailer;
  /** No sender: no webhook. */
  sendWebhook?: SendWebhook;
  /** The dashboard's public URL: messages link to the tenant's page. */
  publicUrl?: string;
  /** For people without a language of their own. */
  defaultLang: Lang;
  clock: Clock;
  logger?: Logger;
  /** Told of every failure (a send, the store); by default logged as a warning. */
  onError?: (error: Error, context: AlertErrorContext) => void;
  /** Failed runs in a row that make a tenant `failing` (decide.ts's default: 2). */
  failingAfter?: number;
  /**
   * The scheduler's health of the tenant (`stores.schedule.getHealth`), read after a run: its failure streak and
   * pause as the scheduler counts them, across processes and restarts. Without it, failed runs are counted here,
   * in memory.
   */
  healthOf?: (tenantId: string) => Promise<Pick<TenantHealth, 'paused' | 'failureStreak'> | undefined>;
  /**
   * The reason codes left by the finished run (any; only those needing a person count): the scheduler's event does
   * not carry them. E.g. `attentionFromEvents(store, tenantId, outcome.runIds)`, or the down direction's
   * `skipReasons` through `attentionOfSkipReasons`. Undefined: unknown, the stored set stands.
   */
  attentionOf?: (tenantId: string, outcome: RunOutcome) => Promise<readonly string[] | undefined>;
  /** Scrubs an error text before it goes into a message (the service's log scrubber knows the tenants' secrets). */
  scrubText?: (text: string) => string;
}

export interface Alerter {
  /** The scheduler's `onEvent`: `run-finished`, `paused` and `resumed` are observed, the rest ignored. */
  onSchedulerEvent(event: SchedulerEvent): void;
  /** A person paused the tenant (the dashboard, the command line). */
  tenantPaused(tenantId: string, reason: string): Promise<Alert[]>;
  /** A person resumed it (or a passing connection check did). */
  tenantResumed(tenantId: string): Promise<Alert[]>;
  /** Observes facts directly; resolves with the alerts sent (or attempted). */
  observe(facts: TenantFacts): Promise<Alert[]>;
  /** Resolves once every observation queued so far is done (tests, a graceful stop). */
  idle(): Promise<void>;
}

const emailSchema = z.email();

/** An error text in a message: scrubbed and short. */
const maxDetailLength = 400;

export function createAlerter(options: AlerterOptions): Alerter {
  const scrubber = createLogScrubber();
  const { accounts, clock } = options;
  const scrub = options.scrubText ?? ((text: string) => scrubber.scrubText(text));
  const onError =
    options.onError ??
    ((error: Error, context: AlertErrorContext) =>
      options.logger?.warn({ ...context, err: error }, `alert ${context.step} failed: ${error.message}`));
  const report = (error: unknown, context: AlertErrorContext) => {
    try {
      onError(error instanceof Error ? error : new Error(String(error)), context);
    } catch {
      // A reporter's failure is not the alerter's.
    }
  };
  const detailOf = (text: string | undefined) => {
    if (!text) return undefined;
    const clean = scrub(text);
    return clean.length > maxDetailLength ? `${clean.slice(0, maxDetailLength - 1)}…` : clean;
  };
  /** Failed runs in a row, per tenant, when the scheduler's health is not given. */
  const streaks = new Map<string, number>();
  const queues = new Map<string, Promise<unknown>>();

  const queued = <T>(tenantId: string, work: () => Promise<T>): Promise<T> => {
    const previous = queues.get(tenantId) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch(() => undefined);
    queues.set(tenantId, settled);
    void settled.then(() => {
      if (queues.get(tenantId) === settled) queues.delete(tenantId);
    });
    return next;
  };

  // The first operator may be named `admin`, which is no address: skipped rather than an error at every alert.
  const recipients = (users: readonly User[], kind: Alert['kind']) =>
    users.filter((user) => !user.disabled && user.alerts.includes(kind) && emailSchema.safeParse(user.email).success);

  const send = async (alerts: readonly Alert[], tenantId: string) => {
    if (alerts.length === 0) return;
    let users: User[] = [];
    if (options.mailer) {
      try {
        users = await accounts.listTenantUsers(tenantId);
      } catch (error) {
        report(error, { tenantId, step: 'recipients' });
      }
    }
    let webhook: { url: string; lang: Lang } | undefined;
    if (options.sendWebhook) {
      try {
        const settings = await accounts.getTenantAlertSettings(tenantId);
        if (settings?.webhookUrl) webhook = { url: settings.webhookUrl, lang: settings.lang };
      } catch (error) {
        report(error, { tenantId, step: 'recipients' });
      }
    }
    for (const alert of alerts) {
      const { mailer, sendWebhook } = options;
      if (mailer) {
        for (const user of recipients(users, alert.kind)) {
          const message = alertMessage(alert, user.lang ?? options.defaultLang, options.publicUrl);
          try {
            await mailer.send({ to: user.email, ...message });
          } catch (error) {
            report(error, { tenantId, step: 'email', kind: alert.kind, userId: user.id });
          }
        }
      }
      if (sendWebhook && webhook) {
        const message = alertMessage(alert, webhook.lang, options.publicUrl);
        try {
          await sendWebhook(webhook.url, {
            text: `${message.subject}\n\n${message.text}`,
            tenant: tenantId,
            kind: alert.kind,
            subject: message.subject,
            at: alert.at,
            ...(alert.reasons && { reasons: alert.reasons }),
            ...(options.publicUrl && { url: tenantPageUrl(options.publicUrl, tenantId) }),
          });
        } catch (error) {
          report(error, { tenantId, step: 'webhook', kind: alert.kind });
        }
      }
    }
  };

  const observeNow = async (facts: TenantFacts): Promise<Alert[]> => {
    const { tenantId } = facts;
    let decision: ReturnType<typeof decide>;
    try {
      const previous = await accounts.getAlertState(tenantId);
      decision = decide(
        previous,
        facts,
        options.failingAfter !== undefined ? { failingAfter: options.failingAfter } : {},
      );
      if (decision.next) await accounts.saveAlertState(decision.next);
    } catch (error) {
      report(error, { tenantId, step: 'state' });
      return [];
    }
    await send(decision.alerts, tenantId);
    return decision.alerts;
  };

  const observe = (facts: TenantFacts) => queued(facts.tenantId, () => observeNow(facts));

  /** The facts a finished run gives: evidence of failing or not, and of what it left out. */
  const runFacts = async (tenantId: string, at: string, outcome: RunOutcome): Promise<TenantFacts> => {
    if (outcome.status === 'interrupted') return { tenantId, at };
    const failed = outcome.status === 'failed';
    const streak = failed ? (streaks.get(tenantId) ?? 0) + 1 : 0;
    streaks.set(tenantId, streak);
    const facts: TenantFacts = { tenantId, at, failedRuns: streak };
    // A run that passed shows the tenant runs; a failed one says nothing of a pause (the `paused` event does).
    if (!failed) facts.paused = false;
    if (options.healthOf) {
      try {
        const health = await options.healthOf(tenantId);
        if (health) {
          facts.failedRuns = health.failureStreak?.count ?? 0;
          facts.paused = health.paused !== null;
        }
      } catch (error) {
        report(error, { tenantId, step: 'state' });
      }
    }
    if (failed) {
      const detail = detailOf(outcome.error);
      if (detail) facts.detail = detail;
    } else if (options.attentionOf) {
      try {
        const attention = await options.attentionOf(tenantId, outcome);
        if (attention) facts.attention = attention;
      } catch (error) {
        report(error, { tenantId, step: 'state' });
      }
    }
    return facts;
  };

  const at = () => new Date(clock.now()).toISOString();

  return {
    onSchedulerEvent(event) {
      switch (event.type) {
        case 'run-finished': {
          const { tenantId, outcome } = event;
          void queued(tenantId, async () => observeNow(await runFacts(tenantId, event.at, outcome)));
          return;
        }
        case 'paused': {
          const detail = detailOf(event.pause.message);
          void observe({ tenantId: event.tenantId, at: event.at, paused: true, ...(detail && { detail }) });
          return;
        }
        case 'resumed':
          streaks.delete(event.tenantId);
          void observe({ tenantId: event.tenantId, at: event.at, paused: false, failedRuns: 0 });
          return;
        default:
          return;
      }
    },
    tenantPaused(tenantId, reason) {
      const detail = detailOf(reason);
      return observe({ tenantId, at: at(), paused: true, ...(detail && { detail }) });
    },
    tenantResumed(tenantId) {
      streaks.delete(tenantId);
      return observe({ tenantId, at: at(), paused: false, failedRuns: 0 });
    },
    observe,
    async idle() {
      while (queues.size > 0) await Promise.all([...queues.values()]);
    },
  };
}
