/**
 * When to tell a tenant's people, decided from what was last told (the stored `AlertState`) and the tenant's facts
 * now. Pure. An alert goes out on a change of state only, never once per run: a tenant that fails ten runs in a
 * row is told `failing` once, and `recovered` once when a run passes again.
 *
 * States: `healthy`, `failing` (its last runs failed), `paused` (the scheduler stopped running it, or a person
 * did). Attention (sheets left out for a reason needing a person) is a second dimension: the set of codes left by
 * the last finished downward run, told when it is new or changed, not when the same set comes back.
 */
import type { AlertKind, AlertState } from '../store/port.js';
import { attentionReasons } from './attention.js';
import type { AttentionReason } from './attention.js';

export const tenantAlertStates = ['healthy', 'failing', 'paused'] as const;
export type TenantAlertState = (typeof tenantAlertStates)[number];

/** Failed runs in a row that make a tenant `failing`: one failure that the next run mends is no news. */
export const defaultFailingAfter = 2;

/** What is known of a tenant now. `undefined` means "no evidence": the stored value stands. */
export interface TenantFacts {
  tenantId: string;
  /** ISO instant of the observation (saved as `changedAt` when something changes). */
  at: string;
  paused?: boolean | undefined;
  /** Failed runs in a row now (0 after a passing or partial run); undefined after an interrupted run. */
  failedRuns?: number | undefined;
  /** Attention reasons of the last finished downward run; undefined when this observation has no such run. */
  attention?: readonly string[] | undefined;
  /** Why it is paused or failing, in plain words (no secret, no e-mail): carried into the alert. */
  detail?: string | undefined;
}

/** One alert to send: its kind and the facts its message needs. */
export interface Alert {
  kind: AlertKind;
  tenantId: string;
  at: string;
  /** The state left, for `recovered` (from `failing` or `paused`). */
  from?: TenantAlertState;
  /** For `attention`: every reason now (not only the new ones). */
  reasons?: AttentionReason[];
  detail?: string;
}

export interface Decision {
  /** The state to save; undefined when nothing changed (nothing to write). */
  next: AlertState | undefined;
  alerts: Alert[];
}

export interface DecideOptions {
  failingAfter?: number;
}

function storedState(state: AlertState | undefined): TenantAlertState | undefined {
  const value = state?.state;
  return (tenantAlertStates as readonly string[]).includes(value ?? '') ? (value as TenantAlertState) : undefined;
}

function splitAttention(attention: string | undefined): string[] {
  return attention ? attention.split(',').filter((code) => code !== '') : [];
}

export function decide(previous: AlertState | undefined, facts: TenantFacts, options: DecideOptions = {}): Decision {
  const failingAfter = options.failingAfter ?? defaultFailingAfter;
  const before = storedState(previous);
  const paused = facts.paused ?? before === 'paused';
  const failing = facts.failedRuns === undefined ? before === 'failing' : facts.failedRuns >= failingAfter;
  const state: TenantAlertState = paused ? 'paused' : failing ? 'failing' : 'healthy';

  const alerts: Alert[] = [];
  const base = { tenantId: facts.tenantId, at: facts.at, ...(facts.detail !== undefined && { detail: facts.detail }) };
  // A first observation starts from healthy: a healthy tenant seen for the first time is no news.
  const from = before ?? 'healthy';
  if (state !== from) {
    if (state === 'healthy') alerts.push({ kind: 'recovered', from, ...base });
    else alerts.push({ kind: state, ...base });
  }

  const storedAttention = attentionReasons(splitAttention(previous?.attention));
  const attention = facts.attention === undefined ? storedAttention : attentionReasons(facts.attention);
  const attentionText = attention.join(',');
  // Told when the set is new or changed and not empty; a set that empties is saved silently (nothing to do).
  if (attentionText !== storedAttention.join(',') && attention.length > 0) {
    alerts.push({ kind: 'attention', tenantId: facts.tenantId, at: facts.at, reasons: attention });
  }

  const changed = previous === undefined || state !== before || attentionText !== (previous.attention ?? '');
  return {
    next: changed ? { tenantId: facts.tenantId, state, attention: attentionText, changedAt: facts.at } : undefined,
    alerts,
  };
}
