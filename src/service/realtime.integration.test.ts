/**
 * The near-real-time runner over a real SQLite inbox and the store's tenant locks: messages wait until they
 * settle, become one targeted run per tenant, are marked processed only once acted on, wait for a run already
 * holding the tenant, and stay pending after a failure.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { createManualClock } from '../clock.js';
import type { Clock, ManualClock } from '../clock.js';
import type { WebhookMessage } from '../store/port.js';
import { openSqliteStore } from '../store/sqlite.js';
import type { SqliteStateStore } from '../store/sqlite.js';
import { createRealtimeRunner, defaultMaxWaitMs, defaultQuietMs } from './realtime.js';
import type { RealtimeRunnerOptions, RealtimeTargets } from './realtime.js';
import { acquireTenantLock } from './tenant-lock.js';

let store: SqliteStateStore;
let clock: ManualClock;
let runs: { tenantId: string; sessionIds: readonly number[]; sheetIds: readonly string[] }[];
let resolved: number[];
let outcome: 'success' | 'failed';

/** Sessions are the messages' object ids; Edusign messages are sheets; `ignore` needs nothing. */
function resolve(_tenantId: string, messages: readonly WebhookMessage[]): Promise<RealtimeTargets> {
  resolved.push(messages.length);
  const sessionIds = [...new Set(messages.filter((m) => m.source === 'aimaira').map((m) => Number(m.objectId)))];
  const sheetIds = [...new Set(messages.filter((m) => m.source === 'edusign').map((m) => m.objectId ?? ''))];
  return Promise.resolve({ sessionIds: sessionIds.filter((id) => id > 0), sheetIds, ignored: [] });
}

/**
 * The manual clock's time, with sleeps that wait until aborted: the tenant lock's heartbeats sleep on it, and a
 * manual clock's sleep would move time forward under the test's feet.
 */
const lockFriendly = (): Clock => ({
  now: () => clock.now(),
  sleep: (_ms, signal) =>
    new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(new Error('aborted')))),
});

function runner(overrides: Partial<RealtimeRunnerOptions> = {}) {
  return createRealtimeRunner({
    inbox: store.webhooks,
    locks: store.schedule,
    clock: lockFriendly(),
    active: () => Promise.resolve(true),
    resolve,
    run: (tenantId, targets) => {
      runs.push({ tenantId, sessionIds: targets.sessionIds, sheetIds: targets.sheetIds });
      return Promise.resolve(outcome);
    },
    ...overrides,
  });
}

async function receive(tenantId: string, objectId: string, source: 'aimaira' | 'edusign' = 'aimaira') {
  await store.webhooks.recordWebhookMessage({
    tenantId,
    source,
    receivedAt: new Date(clock.now()).toISOString(),
    event: source === 'aimaira' ? 'Modification' : 'on_course_locked',
    objectType: source === 'aimaira' ? 'planification.T_PLANIFICATION' : null,
    objectId,
    hashOk: source === 'aimaira' ? true : null,
  });
}

beforeEach(async () => {
  store = await openSqliteStore({ file: ':memory:' });
  clock = createManualClock(Date.parse('2026-12-03T09:00:00Z'));
  runs = [];
  resolved = [];
  outcome = 'success';
});

afterEach(async () => {
  await store.close();
});

describe('the near-real-time runner', () => {
  it('waits for the messages to settle, then makes one run of them and marks them processed', async () => {
    const realtime = runner();
    await receive('acme', '101');
    clock.advance(1_000);
    await receive('acme', '102');
    expect(await realtime.tick()).toEqual([]);
    clock.advance(defaultQuietMs);
    const [batch] = await realtime.tick();
    expect(runs).toEqual([{ tenantId: 'acme', sessionIds: [101, 102], sheetIds: [] }]);
    expect(batch).toMatchObject({ tenantId: 'acme', messages: 2, sessions: 2, status: 'success' });
    expect(batch?.latencyMs).toBe(1_000 + defaultQuietMs);
    expect(await store.webhooks.pendingWebhookMessages('acme', 10)).toEqual([]);
    expect(await realtime.tick()).toEqual([]);
  });

  it('coalesces a burst of 1,000 changes to 40 sessions into one run of 40 sessions', async () => {
    const realtime = runner();
    for (let index = 0; index < 1_000; index++) await receive('acme', String(1 + (index % 40)));
    clock.advance(defaultQuietMs);
    await realtime.tick();
    expect(resolved).toEqual([1_000]);
    expect(runs).toHaveLength(1);
    expect(runs[0]?.sessionIds).toHaveLength(40);
  });

  it('does not wait forever behind a steady stream: a batch goes after the longest wait', async () => {
    const realtime = runner();
    let ran = false;
    for (let second = 0; second <= defaultMaxWaitMs / 1000 && !ran; second++) {
      await receive('acme', String(second + 1));
      ran = (await realtime.tick()).length > 0;
      clock.advance(1_000);
    }
    expect(ran).toBe(true);
    expect(runs).toHaveLength(1);
  });

  it('waits for a run that holds the tenant, then runs with what arrived meanwhile', async () => {
    const realtime = runner();
    const held = await acquireTenantLock(store.schedule, 'acme', {
      holder: 'scheduler:elsewhere:1:abcd',
      clock: lockFriendly(),
    });
    if (!held.acquired) throw new Error('the test could not take the lock');
    await receive('acme', '7');
    clock.advance(defaultQuietMs);
    expect(await realtime.tick()).toEqual([]);
    await receive('acme', '8');
    await held.lock.release();
    clock.advance(defaultQuietMs);
    await realtime.tick();
    expect(runs).toEqual([{ tenantId: 'acme', sessionIds: [7, 8], sheetIds: [] }]);
  });

  it('keeps the messages of a failed run pending and tries them again later, not at every tick', async () => {
    const realtime = runner();
    outcome = 'failed';
    await receive('acme', '5');
    clock.advance(defaultQuietMs);
    await realtime.tick();
    expect(await store.webhooks.pendingWebhookMessages('acme', 10)).toHaveLength(1);
    clock.advance(1_000);
    await realtime.tick();
    expect(runs).toHaveLength(1);
    outcome = 'success';
    clock.advance(60_000);
    await realtime.tick();
    expect(runs).toHaveLength(2);
    expect(await store.webhooks.pendingWebhookMessages('acme', 10)).toEqual([]);
  });

  it('runs each tenant on its own, and nothing for a tenant that does not act on its webhooks', async () => {
    const realtime = runner({ active: (tenantId) => Promise.resolve(tenantId !== 'paused') });
    await receive('acme', '1');
    await receive('beta', 'sheet-9', 'edusign');
    await receive('paused', '3');
    clock.advance(defaultQuietMs);
    await realtime.tick();
    expect(runs).toEqual([
      { tenantId: 'acme', sessionIds: [1], sheetIds: [] },
      { tenantId: 'beta', sessionIds: [], sheetIds: ['sheet-9'] },
    ]);
    expect(await store.webhooks.pendingWebhookMessages('paused', 10)).toHaveLength(1);
  });

  it('marks messages that need no run processed without running anything', async () => {
    const realtime = runner({ resolve: () => Promise.resolve({ sessionIds: [], sheetIds: [], ignored: [] }) });
    await receive('acme', '1');
    clock.advance(defaultQuietMs);
    const [batch] = await realtime.tick();
    expect(batch?.status).toBe('nothing-to-do');
    expect(runs).toEqual([]);
    expect(await store.webhooks.pendingWebhookMessages('acme', 10)).toEqual([]);
  });
});
