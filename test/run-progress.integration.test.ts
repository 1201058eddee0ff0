/**
 * The runs' progress through the store, on the simulators: a downward and an upward run save how far they are as
 * they go, throttled, and another handle of the same SQLite file (another process) sees it while the run is live; a
 * store that cannot save progress fails nothing.
 */
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import type { LiveRun, RunProgress, StateStore } from '../src/store/port.js';
import { openSqliteStore, sqliteFileName } from '../src/store/sqlite.js';
import type { SqliteStateStore } from '../src/store/sqlite.js';
import { createTenantClients } from '../src/sync/clients.js';
import { runDown } from '../src/sync/down/run.js';
import { runProgressEveryMs } from '../src/sync/run-progress.js';
import { runUp } from '../src/sync/up/run.js';
import { createSkippingClock, startDownHarness } from './helpers.js';
import type { DownHarness } from './helpers.js';
import { signAllAndLock, startUpHarness } from './up/helpers.js';

// Monday 30 November 2026, 11:30 in Paris.
const now = new Date('2026-11-30T10:30:00Z');

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** What another process sees of the tenant's live runs, right after each progress the run saved. */
interface Sighting {
  saved: Omit<RunProgress, 'at'>;
  at: string;
  live: LiveRun[];
}

/** The harness's store, each progress saved being looked at through a second handle of the same file. */
async function watchedStore(
  harness: DownHarness,
): Promise<{ store: StateStore; other: SqliteStateStore; seen: Sighting[] }> {
  const other = await openSqliteStore({ file: join(harness.dataDir, sqliteFileName) });
  cleanups.push(() => other.close());
  const seen: Sighting[] = [];
  const store: StateStore = {
    ...harness.store,
    async saveRunProgress(runId, progress, at) {
      const saved = await harness.store.saveRunProgress(runId, progress, at);
      seen.push({ saved: progress, at, live: await other.listLiveRuns(harness.tenant.id) });
      return saved;
    },
  };
  return { store, other, seen };
}

/** Saved at least a second apart, but for the last one; the last one is the last record. */
function expectThrottled(seen: readonly Sighting[], reports: readonly [number, number][]) {
  const instants = seen.map((sighting) => Date.parse(sighting.at));
  for (let index = 1; index < instants.length - 1; index++) {
    expect((instants[index] ?? 0) - (instants[index - 1] ?? 0)).toBeGreaterThanOrEqual(runProgressEveryMs);
  }
  const [done, total] = reports.at(-1) ?? [0, 0];
  expect(seen.at(-1)?.saved).toEqual({ done, total });
  expect(done).toBe(total);
}

describe('run progress in the store', () => {
  it('a downward run saves its progress as it goes, seen live through another handle, throttled', async () => {
    const harness = await startDownHarness({ size: 'small', seed: 1, now });
    cleanups.push(() => harness.close());
    const { store, other, seen } = await watchedStore(harness);
    const clock = createSkippingClock();
    const reports: [number, number][] = [];

    const result = await runDown({
      tenant: harness.tenant,
      ...createTenantClients(harness.tenant, { clock }),
      store,
      clock,
      now,
      dryRun: false,
      onProgress: (done, total) => reports.push([done, total]),
    });

    expect(result.status).toBe('success');
    expect(reports.length).toBeGreaterThan(2);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.length).toBeLessThan(reports.length);
    for (const sighting of seen) {
      expect(sighting.live).toEqual([
        {
          runId: result.runId,
          tenantId: harness.tenant.id,
          direction: 'down',
          startedAt: expect.any(String) as string,
          progress: { ...sighting.saved, at: sighting.at },
        },
      ]);
    }
    expectThrottled(seen, reports);
    expect(await other.listLiveRuns(harness.tenant.id)).toEqual([]);
    expect(await other.getRun(result.runId ?? 0)).toMatchObject({ status: 'success' });
  });

  it('an upward run saves its progress too, and a store that refuses it fails nothing', async () => {
    const harness = await startUpHarness({ size: 'small', seed: 1, now });
    cleanups.push(() => harness.close());
    const [first, second, third] = harness.sheets();
    if (!first || !second || !third) throw new Error('the scenario has fewer than 3 sheets');
    signAllAndLock(harness, first);
    signAllAndLock(harness, second);
    const { store, seen } = await watchedStore(harness);
    const clock = createSkippingClock();
    const reports: [number, number][] = [];

    const before = await runUp({
      tenant: harness.tenant,
      ...createTenantClients(harness.tenant, { clock }),
      store,
      clock,
      now,
      onProgress: (done, total) => reports.push([done, total]),
    });
    expect(before.status).toBe('success');
    expect(reports).toEqual([
      [1, 2],
      [2, 2],
    ]);
    expect(seen.map((sighting) => sighting.live.map((live) => [live.direction, live.progress?.done]))).toEqual([
      [['up', 1]],
      [['up', 2]],
    ]);
    expectThrottled(seen, reports);

    // The store cannot save progress any more (locked, gone): the run writes its attendance all the same.
    signAllAndLock(harness, third);
    const refusing: StateStore = {
      ...harness.store,
      saveRunProgress: () => Promise.reject(new Error('database is locked')),
    };
    const after = await runUp({
      tenant: harness.tenant,
      ...createTenantClients(harness.tenant, { clock }),
      store: refusing,
      clock,
      now,
    });
    expect(after.status).toBe('success');
    expect(after.counts['attendance.created']).toBeGreaterThan(0);
  });
});
