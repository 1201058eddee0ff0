/**
 * The reason codes that need a person: a sheet or a person left out that no later run will bring in on its own,
 * because data in Aimaira (or a tenant option) must be corrected first. The other codes are either normal (a past
 * session, a cancelled one) or retried by the next run (an API that failed): telling managers about them would
 * be noise. Declared as data.
 */
import type { ReasonCode } from '../domain/reasons.js';
import type { EventFilter, Run, SyncEvent } from '../store/port.js';

export const attentionReasonCodes = [
  // A common event without a facilitator, and no usable default professor (option or Edusign account).
  'DEFAULT_PROFESSOR_MISSING',
  // A session whose facilitators all lack a name or a valid e-mail.
  'INVALID_FACILITATOR',
  // A session with no facilitator at all in Aimaira.
  'NO_FACILITATOR',
  // Two people of the same kind with one e-mail: the second is left out.
  'DUPLICATE_EMAIL',
  // An Edusign record with the e-mail belongs to another Aimaira record.
  'EMAIL_TAKEN',
] as const satisfies readonly ReasonCode[];

export type AttentionReason = (typeof attentionReasonCodes)[number];

const attentionSet: ReadonlySet<string> = new Set(attentionReasonCodes);

export function isAttentionReason(code: string): code is AttentionReason {
  return attentionSet.has(code);
}

/** The attention reasons among `codes`, once each, sorted (as `AlertState.attention` keeps them, for comparing). */
export function attentionReasons(codes: Iterable<string>): AttentionReason[] {
  const found = new Set<AttentionReason>();
  for (const code of codes) if (isAttentionReason(code)) found.add(code);
  return [...found].sort();
}

/** From a downward run's skipped sessions by reason (`DirectionOutcome.skipReasons` of src/service/tenant-sync.ts). */
export function attentionOfSkipReasons(skipReasons: Partial<Record<ReasonCode, number>>): AttentionReason[] {
  return attentionReasons(Object.keys(skipReasons).filter((code) => (skipReasons[code as ReasonCode] ?? 0) > 0));
}

/** What `attentionFromEvents` reads of the state store. */
export interface RunEventsReader {
  getRun(runId: number): Promise<Run | undefined>;
  listEvents(filter: EventFilter): Promise<SyncEvent[]>;
}

/**
 * The attention reasons the downward run among `runIds` recorded as events (one look-up per code, `limit: 1`).
 * Undefined when there is no finished downward run among them (failed or interrupted runs did not see the whole
 * window, so they say nothing of what is left out). A skipped session's event carries its first reason only.
 */
export async function attentionFromEvents(
  store: RunEventsReader,
  tenantId: string,
  runIds: readonly number[],
): Promise<AttentionReason[] | undefined> {
  for (const runId of runIds) {
    const run = await store.getRun(runId);
    if (run?.direction !== 'down' || (run.status !== 'success' && run.status !== 'partial')) continue;
    const found: AttentionReason[] = [];
    for (const reason of attentionReasonCodes) {
      const events = await store.listEvents({ tenantId, runId, reason, limit: 1 });
      if (events.length > 0) found.push(reason);
    }
    return found;
  }
  return undefined;
}
