import { describe, expect, it } from 'vitest';

import type { AlertState } from '../store/port.js';
import { attentionOfSkipReasons, attentionReasons } from './attention.js';
import { decide } from './decide.js';
import type { TenantFacts } from './decide.js';

const at = '2026-11-28T10:00:00.000Z';
const stored = (state: string, attention = ''): AlertState => ({
  tenantId: 'acme',
  state,
  attention,
  changedAt: '2026-11-27T10:00:00.000Z',
});
const facts = (more: Partial<TenantFacts>): TenantFacts => ({ tenantId: 'acme', at, ...more });
const kinds = (decision: ReturnType<typeof decide>) => decision.alerts.map((alert) => alert.kind);

describe('deciding when to tell a tenant’s people', () => {
  it('a healthy tenant seen for the first time sends nothing, and is remembered as healthy', () => {
    const decision = decide(undefined, facts({ paused: false, failedRuns: 0, attention: [] }));
    expect(decision.alerts).toEqual([]);
    expect(decision.next).toEqual({ tenantId: 'acme', state: 'healthy', attention: '', changedAt: at });
  });

  it('a tenant seen failing for the first time sends failing', () => {
    const decision = decide(undefined, facts({ failedRuns: 2, detail: 'Edusign does not answer' }));
    expect(decision.alerts).toEqual([{ kind: 'failing', tenantId: 'acme', at, detail: 'Edusign does not answer' }]);
    expect(decision.next?.state).toBe('failing');
  });

  it('one failed run is not yet failing; the second in a row is', () => {
    expect(kinds(decide(stored('healthy'), facts({ failedRuns: 1 })))).toEqual([]);
    expect(kinds(decide(stored('healthy'), facts({ failedRuns: 2 })))).toEqual(['failing']);
  });

  it('the threshold can be one failed run', () => {
    expect(kinds(decide(stored('healthy'), facts({ failedRuns: 1 }), { failingAfter: 1 }))).toEqual(['failing']);
  });

  it('a failing tenant that fails again sends nothing and writes nothing', () => {
    const decision = decide(stored('failing'), facts({ failedRuns: 5 }));
    expect(decision).toEqual({ next: undefined, alerts: [] });
  });

  it('a failing tenant whose run passes sends recovered, from failing', () => {
    const decision = decide(stored('failing'), facts({ failedRuns: 0 }));
    expect(decision.alerts).toEqual([{ kind: 'recovered', from: 'failing', tenantId: 'acme', at }]);
    expect(decision.next?.state).toBe('healthy');
  });

  it('a pause sends paused, from healthy or from failing, and a second pause nothing', () => {
    expect(kinds(decide(stored('healthy'), facts({ paused: true })))).toEqual(['paused']);
    expect(kinds(decide(stored('failing'), facts({ paused: true })))).toEqual(['paused']);
    expect(decide(stored('paused'), facts({ paused: true })).alerts).toEqual([]);
  });

  it('a paused tenant stays paused when a fact does not say otherwise (an interrupted run)', () => {
    expect(decide(stored('paused'), facts({})).next).toBeUndefined();
  });

  it('a resumed tenant sends recovered, from paused', () => {
    const decision = decide(stored('paused'), facts({ paused: false, failedRuns: 0 }));
    expect(decision.alerts).toEqual([{ kind: 'recovered', from: 'paused', tenantId: 'acme', at }]);
  });

  it('an interrupted run (no evidence) keeps a failing tenant failing and a healthy one healthy', () => {
    expect(decide(stored('failing'), facts({ failedRuns: undefined })).alerts).toEqual([]);
    expect(decide(stored('healthy'), facts({ failedRuns: undefined })).alerts).toEqual([]);
  });

  it('a new set of reasons needing a person sends attention with every reason, sorted', () => {
    const decision = decide(stored('healthy'), facts({ failedRuns: 0, attention: ['INVALID_FACILITATOR', 'PAST'] }));
    expect(decision.alerts).toEqual([{ kind: 'attention', tenantId: 'acme', at, reasons: ['INVALID_FACILITATOR'] }]);
    expect(decision.next?.attention).toBe('INVALID_FACILITATOR');
  });

  it('the same set again sends nothing, in whatever order it comes', () => {
    const previous = stored('healthy', 'DUPLICATE_EMAIL,INVALID_FACILITATOR');
    const decision = decide(previous, facts({ failedRuns: 0, attention: ['INVALID_FACILITATOR', 'DUPLICATE_EMAIL'] }));
    expect(decision).toEqual({ next: undefined, alerts: [] });
  });

  it('a changed set sends attention again, with the whole set', () => {
    const decision = decide(
      stored('healthy', 'INVALID_FACILITATOR'),
      facts({ attention: ['INVALID_FACILITATOR', 'DEFAULT_PROFESSOR_MISSING'] }),
    );
    expect(decision.alerts.map((alert) => alert.reasons)).toEqual([
      ['DEFAULT_PROFESSOR_MISSING', 'INVALID_FACILITATOR'],
    ]);
  });

  it('a set that empties is remembered without a message', () => {
    const decision = decide(stored('healthy', 'INVALID_FACILITATOR'), facts({ failedRuns: 0, attention: [] }));
    expect(decision.alerts).toEqual([]);
    expect(decision.next?.attention).toBe('');
  });

  it('a run that says nothing of attention (a failed one) keeps the stored set', () => {
    const decision = decide(stored('healthy', 'INVALID_FACILITATOR'), facts({ failedRuns: 2 }));
    expect(kinds(decision)).toEqual(['failing']);
    expect(decision.next?.attention).toBe('INVALID_FACILITATOR');
  });

  it('reasons that a later run retries on its own, or that are normal, never ask for attention', () => {
    expect(attentionReasons(['PAST', 'CANCELLED', 'EDUSIGN_UNAVAILABLE', 'LOCKED'])).toEqual([]);
    expect(decide(undefined, facts({ failedRuns: 0, attention: ['PAST'] })).alerts).toEqual([]);
  });

  it('a first observation with reasons needing a person sends attention', () => {
    expect(kinds(decide(undefined, facts({ failedRuns: 0, attention: ['DUPLICATE_EMAIL'] })))).toEqual(['attention']);
  });

  it('a change of state and a change of reasons in one observation send both', () => {
    expect(kinds(decide(stored('failing'), facts({ failedRuns: 0, attention: ['NO_FACILITATOR'] })))).toEqual([
      'recovered',
      'attention',
    ]);
  });

  it('a stored state it does not know is read as healthy', () => {
    expect(kinds(decide(stored('something-else'), facts({ failedRuns: 3 })))).toEqual(['failing']);
  });

  it('the skipped sessions of a downward run give their attention reasons, counted ones only', () => {
    expect(attentionOfSkipReasons({ PAST: 4, DEFAULT_PROFESSOR_MISSING: 1, INVALID_FACILITATOR: 0 })).toEqual([
      'DEFAULT_PROFESSOR_MISSING',
    ]);
  });
});
