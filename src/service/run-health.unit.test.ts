import { describe, expect, it } from 'vitest';

import { HttpStatusError, NetworkError } from '../errors.js';
import type { TenantHealth } from '../store/schedule-store.js';
import {
  classifyFailure,
  classifyFailureMessage,
  newHealth,
  recordOutcome,
  resumedHealth,
  runOutcomeOf,
} from './run-health.js';
import type { RunOutcome } from './run-health.js';

const edusign = { system: 'edusign' as const, method: 'GET', url: 'https://ext.edusign.fr/v1/course' };
const aimaira = { system: 'aimaira' as const, method: 'POST', url: 'https://erp.example/odata/Planification' };

describe('classifying a failure', () => {
  it.each([
    [new HttpStatusError(edusign, 401, 'Unauthorized'), 'bad-credentials'],
    [new HttpStatusError(aimaira, 403, 'Forbidden'), 'bad-credentials'],
    [new HttpStatusError(edusign, 503, '<html><body>Service Unavailable</body></html>'), 'edusign-down'],
    [new HttpStatusError(aimaira, 500, 'oops'), 'aimaira-down'],
    [new HttpStatusError(edusign, 429, 'slow down'), 'edusign-down'],
    [new NetworkError(aimaira, 'timeout', false), 'aimaira-down'],
    [new NetworkError(edusign, 'connection', true), 'edusign-down'],
    [new HttpStatusError(edusign, 400, 'bad request'), 'other'],
    [new Error('wrapped', { cause: new HttpStatusError(aimaira, 401, 'no') }), 'bad-credentials'],
    [new TypeError('Cannot read properties of undefined'), 'other'],
    ['a string', 'other'],
  ] as const)('%s → %s', (error, reason) => {
    expect(classifyFailure(error)).toBe(reason);
  });

  it('reads the same reasons from the error text a run keeps', () => {
    const text = (error: Error) => error.message;
    expect(classifyFailureMessage(text(new HttpStatusError(edusign, 401, 'x')))).toBe('bad-credentials');
    expect(
      classifyFailureMessage(`Edusign refused the tenant's access: ${text(new HttpStatusError(edusign, 403, 'x'))}`),
    ).toBe('bad-credentials');
    expect(classifyFailureMessage(text(new HttpStatusError(aimaira, 502, 'x')))).toBe('aimaira-down');
    expect(classifyFailureMessage(text(new NetworkError(edusign, 'truncated', true)))).toBe('edusign-down');
    expect(classifyFailureMessage(text(new HttpStatusError(aimaira, 404, 'x')))).toBe('other');
    expect(classifyFailureMessage('the store is locked')).toBe('other');
  });
});

describe('runOutcomeOf', () => {
  it('takes the worst status of down and up, the error of that run, its reason and every run id', () => {
    expect(
      runOutcomeOf([
        { status: 'success', runId: 1 },
        { status: 'partial', runId: 2, error: null },
      ]),
    ).toEqual({
      status: 'partial',
      runIds: [1, 2],
    });
    const refused = new HttpStatusError(edusign, 401, 'x').message;
    expect(
      runOutcomeOf([
        { status: 'failed', runId: 3, error: refused },
        { status: 'interrupted', runId: null, error: 'stopped' },
      ]),
    ).toEqual({ status: 'failed', runIds: [3], error: refused, reason: 'bad-credentials' });
    expect(runOutcomeOf([])).toEqual({ status: 'success', runIds: [] });
  });
});

describe('the failure streak and the pause', () => {
  const at = (minute: number) => `2027-06-15T10:${String(minute).padStart(2, '0')}:00.000Z`;
  const apply = (outcomes: RunOutcome[]): TenantHealth =>
    outcomes.reduce(
      (health, outcome, index) =>
        recordOutcome(health, outcome, {
          trigger: 'scheduled',
          startedAt: at(index * 2),
          finishedAt: at(index * 2 + 1),
        }),
      newHealth('acme', at(0)),
    );
  const failed = (reason: RunOutcome['reason'], error = 'it failed'): RunOutcome => ({
    status: 'failed',
    error,
    ...(reason && { reason }),
  });

  it('pauses at the third failure in a row for the same reason', () => {
    const twice = apply([failed('edusign-down'), failed('edusign-down')]);
    expect(twice.paused).toBeNull();
    expect(twice.failureStreak).toEqual({ reason: 'edusign-down', signature: 'edusign-down', count: 2 });
    const thrice = apply([failed('edusign-down'), failed('edusign-down'), failed('edusign-down', 'HTTP 503')]);
    expect(thrice.paused).toEqual({
      at: at(5),
      reason: 'edusign-down',
      message:
        'paused after 3 runs in a row failed: Edusign does not answer (HTTP 503). A passing connection check ' +
        '(tenant check) resumes it.',
    });
    expect(thrice.lastRun).toEqual({
      trigger: 'scheduled',
      status: 'failed',
      reason: 'edusign-down',
      error: 'HTTP 503',
      startedAt: at(4),
      finishedAt: at(5),
    });
  });

  it('starts over on another reason or a success, and ignores an interruption', () => {
    expect(apply([failed('edusign-down'), failed('aimaira-down'), failed('edusign-down')]).paused).toBeNull();
    expect(apply([failed('edusign-down'), failed('edusign-down'), { status: 'partial' }]).failureStreak).toBeNull();
    expect(
      apply([
        failed('bad-credentials'),
        failed('bad-credentials'),
        { status: 'interrupted' },
        failed('bad-credentials'),
      ]).paused?.reason,
    ).toBe('bad-credentials');
  });

  it('counts unknown failures as the same only with the same error text, and classifies a missing reason', () => {
    expect(apply([failed('other', 'a'), failed('other', 'b'), failed('other', 'a')]).paused).toBeNull();
    expect(apply([failed('other', 'a'), failed('other', 'a'), failed('other', 'a')]).paused?.reason).toBe('other');
    const refused = new HttpStatusError(aimaira, 401, 'x').message;
    expect(apply([failed(undefined, refused)]).failureStreak?.reason).toBe('bad-credentials');
  });

  it('is cleared by a resume, which also restarts the watch (the paused windows are not misses)', () => {
    const paused = apply([failed('edusign-down'), failed('edusign-down'), failed('edusign-down')]);
    expect(resumedHealth(paused, at(30))).toEqual({
      ...paused,
      scheduledSince: at(30),
      paused: null,
      failureStreak: null,
    });
  });
});
