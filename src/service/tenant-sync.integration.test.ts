/**
 * `syncTenant`, the one function that runs a tenant, as the command line uses it (no logger, no metrics): the
 * directions asked for, a dry run that writes nothing and gives its plan back, the preflight told once, each
 * direction told as it ends; and a run that cannot start. Against the simulators (small scenario), on an in-memory
 * store.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { startSandbox } from '../../sim/sandbox.js';
import type { Sandbox } from '../../sim/sandbox.js';
import { createSkippingClock, tenantFor, writeMethods } from '../../test/helpers.js';
import type { PreflightReport } from '../domain/preflight.js';
import { openStore } from '../store/open.js';
import type { Stores } from '../store/port.js';
import { syncTenant } from './tenant-sync.js';
import type { DirectionOutcome, TenantSyncProgress } from './tenant-sync.js';

// Monday 30 November 2026, 11:30 in Paris.
const now = new Date('2026-11-30T11:30:00+01:00');

describe('syncTenant', { timeout: 60_000 }, () => {
  let sandbox: Sandbox;
  let store: Stores;
  const signal = new AbortController().signal;
  const edusignWrites = () => sandbox.edusign.requests.filter((request) => writeMethods.has(request.method)).length;

  beforeAll(async () => {
    sandbox = await startSandbox({ size: 'small', seed: 2, now, edusignPerMinute: 6_000 });
  });
  afterAll(async () => {
    await sandbox.close();
  });
  beforeEach(async () => {
    store = await openStore('sqlite::memory:');
  });
  afterEach(async () => {
    await store.close();
  });

  it('in a dry run, plans both directions, tells the preflight once and writes nothing anywhere', async () => {
    const preflights: PreflightReport[] = [];
    const told: DirectionOutcome[] = [];
    const progress: TenantSyncProgress[] = [];
    let afterDown = 0;
    const outcome = await syncTenant(
      { store, clock: createSkippingClock(), edusignRequestsPerMinute: 6_000 },
      {
        tenant: tenantFor(sandbox),
        reason: 'test',
        signal,
        dryRun: true,
        now,
        onPreflight: (report) => preflights.push(report),
        onDirection: (direction) => told.push(direction),
        onProgress: (step) => progress.push(step),
        afterDown: () => Promise.resolve(void afterDown++),
      },
    );
    expect(outcome.status).toBe('success');
    expect(outcome.directions.map((direction) => [direction.direction, direction.runId])).toEqual([
      ['down', null],
      ['up', null],
    ]);
    expect(told).toEqual(outcome.directions);
    const [down, up] = outcome.directions;
    expect(down?.plan?.sheets.length).toBeGreaterThan(0);
    expect(down?.evaluation?.window).toBeDefined();
    expect(down?.counts['sheet.created']).toBe(down?.plan?.sheets.filter((sheet) => sheet.op === 'create').length);
    expect(Object.values(down?.skipReasons ?? {}).reduce((sum, count) => sum + count, 0)).toBeGreaterThan(0);
    expect(up?.plan).toBeUndefined();
    expect(preflights).toHaveLength(1);
    expect(progress.filter((step) => step.stage !== 'writing')).toEqual([
      { direction: 'down', stage: 'started', done: 0, total: 0 },
      { direction: 'down', stage: 'finished', done: 0, total: 0, status: 'success' },
      { direction: 'up', stage: 'started', done: 0, total: 0 },
      { direction: 'up', stage: 'finished', done: 0, total: 0, status: 'success' },
    ]);
    expect(afterDown).toBe(0);
    expect(edusignWrites()).toBe(0);
    expect(await store.listRuns('demo')).toEqual([]);
    expect(await store.getPreflight('demo')).toBeUndefined();
  });

  it('runs only the direction asked for, recorded, and keeps no plan of a real run', async () => {
    const outcome = await syncTenant(
      { store, clock: createSkippingClock(), edusignRequestsPerMinute: 6_000 },
      { tenant: tenantFor(sandbox), reason: 'test', signal, directions: 'down', now },
    );
    expect(outcome.directions).toHaveLength(1);
    const [down] = outcome.directions;
    expect(down).toMatchObject({ direction: 'down', status: 'success', runId: 1, error: null });
    expect(down?.plan).toBeUndefined();
    expect(down?.evaluation).toBeUndefined();
    expect(down?.skipReasons).toBeDefined();
    expect((await store.listRuns('demo')).map((run) => [run.direction, run.status])).toEqual([['down', 'success']]);
    expect(await store.getPreflight('demo')).toBeDefined();
  });

  it('reports the first direction asked for as failed when the run cannot start', async () => {
    const broken: Stores = {
      ...store,
      getPreflight: () => Promise.reject(new Error('the store is gone')),
    };
    const told: DirectionOutcome[] = [];
    const outcome = await syncTenant(
      { store: broken, clock: createSkippingClock() },
      { tenant: tenantFor(sandbox), reason: 'test', signal, directions: 'up', onDirection: (d) => told.push(d) },
    );
    expect(outcome).toEqual({
      tenantId: 'demo',
      status: 'failed',
      directions: [
        { direction: 'up', status: 'failed', runId: null, counts: {}, error: 'the store is gone', durationMs: 0 },
      ],
    });
    expect(told).toEqual(outcome.directions);
  });
});
