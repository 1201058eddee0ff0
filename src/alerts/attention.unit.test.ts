import { describe, expect, it } from 'vitest';

import type { EventFilter, Run, SyncEvent } from '../store/port.js';
import { attentionFromEvents } from './attention.js';
import type { RunEventsReader } from './attention.js';

const run = (id: number, direction: Run['direction'], status: Run['status']): Run => ({
  id,
  tenantId: 'acme',
  direction,
  startedAt: '2026-11-28T10:00:00.000Z',
  endedAt: '2026-11-28T10:01:00.000Z',
  status,
  counts: {},
  error: null,
});

function reader(runs: Run[], reasons: Record<number, string[]>): RunEventsReader & { asked: EventFilter[] } {
  const asked: EventFilter[] = [];
  return {
    asked,
    getRun: (id) => Promise.resolve(runs.find((r) => r.id === id)),
    listEvents: (filter) => {
      asked.push(filter);
      const found = (reasons[filter.runId ?? -1] ?? []).includes(filter.reason ?? '');
      return Promise.resolve(found ? [{ runId: filter.runId } as SyncEvent] : []);
    },
  };
}

describe('the reasons needing a person, read from a run’s events', () => {
  it('the finished downward run among the ids gives the codes its events carry, one look-up per code', async () => {
    const store = reader([run(1, 'down', 'partial'), run(2, 'up', 'success')], {
      1: ['DUPLICATE_EMAIL', 'PAST'],
      2: ['INVALID_FACILITATOR'],
    });
    expect(await attentionFromEvents(store, 'acme', [1, 2])).toEqual(['DUPLICATE_EMAIL']);
    expect(store.asked.every((filter) => filter.limit === 1 && filter.runId === 1)).toBe(true);
  });

  it('no finished downward run: unknown, not empty', async () => {
    const store = reader([run(1, 'down', 'failed'), run(2, 'up', 'success')], {});
    expect(await attentionFromEvents(store, 'acme', [1, 2])).toBeUndefined();
  });
});
