/**
 * The contract of the schedule store (occurrences, tenant locks, tenant health), run by each adapter's test file
 * against a real database, like `describeStoreContract`. Each test gets a fresh, empty, migrated store.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { OccurrenceRef, ScheduleStore, TenantHealth } from './schedule-store.js';

const t0 = '2027-03-28T09:00:00.000Z';
const t1 = '2027-03-28T09:00:30.000Z';
const t2 = '2027-03-28T09:05:00.000Z';
const minute = 60_000;

const occurrence = (overrides: Partial<OccurrenceRef> = {}): OccurrenceRef => ({
  tenantId: 'tenant-a',
  windowId: 'midday',
  parisDate: '2027-03-28',
  slotAt: '2027-03-28T09:00:00.000Z',
  ...overrides,
});

const result = (state: 'done' | 'failed' | 'interrupted', runIds: number[] = []) => ({
  state,
  at: t2,
  outcome:
    state === 'done' ? ('success' as const) : state === 'failed' ? ('failed' as const) : ('interrupted' as const),
  reason: state === 'failed' ? ('edusign-down' as const) : null,
  error: state === 'done' ? null : 'it went wrong',
  runIds,
});

export interface ScheduleStoreHandle {
  schedule: ScheduleStore;
  close(): Promise<void>;
}

export function describeScheduleStoreContract(name: string, makeStore: () => Promise<ScheduleStoreHandle>): void {
  describe(`${name}: schedule store contract`, () => {
    let handle: ScheduleStoreHandle;
    let store: ScheduleStore;

    beforeEach(async () => {
      handle = await makeStore();
      store = handle.schedule;
    });

    afterEach(async () => {
      await handle.close();
    });

    describe('occurrences', () => {
      it('are claimed once: a second claim, by anyone, is refused', async () => {
        expect(await store.claimOccurrence(occurrence(), 'one', t0)).toBe(true);
        expect(await store.claimOccurrence(occurrence(), 'two', t1)).toBe(false);
        expect(await store.claimOccurrence(occurrence(), 'one', t1)).toBe(false);
        // Another window, day or tenant is another occurrence.
        expect(await store.claimOccurrence(occurrence({ windowId: 'evening' }), 'two', t1)).toBe(true);
        expect(await store.claimOccurrence(occurrence({ parisDate: '2027-03-29' }), 'two', t1)).toBe(true);
        expect(await store.claimOccurrence(occurrence({ tenantId: 'tenant-b' }), 'two', t1)).toBe(true);
        expect(
          await store.listScheduledRuns({ tenantId: 'tenant-a', fromDate: '2027-03-28', toDate: '2027-03-28' }),
        ).toMatchObject([
          { windowId: 'evening', state: 'claimed', holder: 'two' },
          { windowId: 'midday', state: 'claimed', holder: 'one', claimedAt: t0, attempts: 1, runIds: [] },
        ]);
      });

      it('end done or failed for good, by their holder only, keeping every run id', async () => {
        await store.claimOccurrence(occurrence(), 'one', t0);
        expect(await store.finishOccurrence(occurrence(), 'two', result('done', [1]))).toBe(false);
        expect(await store.finishOccurrence(occurrence(), 'one', result('done', [7, 8]))).toBe(true);
        expect(await store.finishOccurrence(occurrence(), 'one', result('failed'))).toBe(false);
        expect(await store.listScheduledRuns()).toEqual([
          {
            ...occurrence(),
            state: 'done',
            holder: 'one',
            claimedAt: t0,
            finishedAt: t2,
            attempts: 1,
            runIds: [7, 8],
            outcome: 'success',
            reason: null,
            error: null,
          },
        ]);
        expect(await store.claimOccurrence(occurrence(), 'one', t2)).toBe(false);

        await store.claimOccurrence(occurrence({ windowId: 'evening' }), 'one', t0);
        await store.finishOccurrence(occurrence({ windowId: 'evening' }), 'one', result('failed', [9]));
        expect(await store.claimOccurrence(occurrence({ windowId: 'evening' }), 'two', t2)).toBe(false);
        expect(await store.listScheduledRuns({ states: ['failed'] })).toMatchObject([
          { windowId: 'evening', outcome: 'failed', reason: 'edusign-down', error: 'it went wrong', runIds: [9] },
        ]);
      });

      it('interrupted, are claimed again, attempts counted and run ids kept', async () => {
        await store.claimOccurrence(occurrence(), 'one', t0);
        await store.finishOccurrence(occurrence(), 'one', result('interrupted', [3]));
        expect(await store.claimOccurrence(occurrence(), 'two', t2)).toBe(true);
        expect(await store.claimOccurrence(occurrence(), 'three', t2)).toBe(false);
        expect(await store.listScheduledRuns()).toMatchObject([
          { state: 'claimed', holder: 'two', claimedAt: t2, finishedAt: null, attempts: 2, runIds: [3], error: null },
        ]);
        await store.finishOccurrence(occurrence(), 'two', result('done', [3, 4]));
        expect(await store.listScheduledRuns()).toMatchObject([{ state: 'done', runIds: [3, 4] }]);
      });

      it('are recorded missed once, and a missed one is never claimed', async () => {
        expect(await store.recordMissed(occurrence(), t2)).toBe(true);
        expect(await store.recordMissed(occurrence(), t2)).toBe(false);
        expect(await store.claimOccurrence(occurrence(), 'one', t2)).toBe(false);
        await store.claimOccurrence(occurrence({ windowId: 'evening' }), 'one', t0);
        expect(await store.recordMissed(occurrence({ windowId: 'evening' }), t2)).toBe(false);
        expect(await store.listScheduledRuns({ states: ['missed'] })).toEqual([
          {
            ...occurrence(),
            state: 'missed',
            holder: null,
            claimedAt: null,
            finishedAt: t2,
            attempts: 0,
            runIds: [],
            outcome: null,
            reason: null,
            error: null,
          },
        ]);
      });

      it('list newest day first, filtered by tenant, state, dates and limit', async () => {
        await store.recordMissed(occurrence({ parisDate: '2027-03-26' }), t2);
        await store.claimOccurrence(occurrence({ parisDate: '2027-03-27' }), 'one', t0);
        await store.claimOccurrence(occurrence({ parisDate: '2027-03-28', tenantId: 'tenant-b' }), 'one', t0);
        const dates = async (filter: Parameters<ScheduleStore['listScheduledRuns']>[0]) =>
          (await store.listScheduledRuns(filter)).map((run) => `${run.tenantId} ${run.parisDate}`);
        expect(await dates({})).toEqual(['tenant-b 2027-03-28', 'tenant-a 2027-03-27', 'tenant-a 2027-03-26']);
        expect(await dates({ tenantId: 'tenant-a' })).toEqual(['tenant-a 2027-03-27', 'tenant-a 2027-03-26']);
        expect(await dates({ states: ['claimed'] })).toEqual(['tenant-b 2027-03-28', 'tenant-a 2027-03-27']);
        expect(await dates({ states: [] })).toEqual([]);
        expect(await dates({ fromDate: '2027-03-27', toDate: '2027-03-27' })).toEqual(['tenant-a 2027-03-27']);
        expect(await dates({ limit: 1 })).toEqual(['tenant-b 2027-03-28']);
      });

      it('claimed by a process that died are found abandoned, not those whose lock lives or that are recent', async () => {
        await store.claimOccurrence(occurrence({ tenantId: 'dead' }), 'gone', t0);
        await store.claimOccurrence(occurrence({ tenantId: 'alive' }), 'here', t0);
        await store.acquireLock('alive', 'here', t0, 10 * minute);
        await store.claimOccurrence(occurrence({ tenantId: 'recent' }), 'new', t2);

        const abandoned = await store.interruptAbandonedClaims(t2, t1, 'the process stopped');
        expect(abandoned).toMatchObject([
          {
            tenantId: 'dead',
            state: 'interrupted',
            outcome: 'interrupted',
            error: 'the process stopped',
            finishedAt: t2,
          },
        ]);
        expect(await store.interruptAbandonedClaims(t2, t1, 'again')).toEqual([]);
        // Once interrupted, the occurrence can be claimed again.
        expect(await store.claimOccurrence(occurrence({ tenantId: 'dead' }), 'next', t2)).toBe(true);
      });
    });

    describe('tenant locks', () => {
      it('are taken when free, refused while held (saying by whom and since when), released by their holder', async () => {
        const taken = await store.acquireLock('tenant-a', 'one', t0, minute);
        expect(taken).toEqual({
          acquired: true,
          lock: {
            tenantId: 'tenant-a',
            holder: 'one',
            acquiredAt: t0,
            heartbeatAt: t0,
            expiresAt: '2027-03-28T09:01:00.000Z',
          },
        });
        expect(await store.acquireLock('tenant-a', 'two', t1, minute)).toEqual({ acquired: false, lock: taken.lock });
        // Not re-entrant: a second run by the same holder is a second run.
        expect((await store.acquireLock('tenant-a', 'one', t1, minute)).acquired).toBe(false);
        expect((await store.acquireLock('tenant-b', 'two', t1, minute)).acquired).toBe(true);

        expect(await store.releaseLock('tenant-a', 'two')).toBe(false);
        expect(await store.getLock('tenant-a')).toEqual(taken.lock);
        expect(await store.releaseLock('tenant-a', 'one')).toBe(true);
        expect(await store.getLock('tenant-a')).toBeUndefined();
        expect((await store.acquireLock('tenant-a', 'two', t1, minute)).acquired).toBe(true);
        expect((await store.listLocks()).map((lock) => `${lock.tenantId} ${lock.holder}`)).toEqual([
          'tenant-a two',
          'tenant-b two',
        ]);
      });

      it('live as long as they are renewed, and are taken over once expired', async () => {
        await store.acquireLock('tenant-a', 'one', t0, minute);
        expect(await store.renewLock('tenant-a', 'one', '2027-03-28T09:00:50.000Z', minute)).toBe(true);
        expect(await store.renewLock('tenant-a', 'two', '2027-03-28T09:00:50.000Z', minute)).toBe(false);
        expect(await store.getLock('tenant-a')).toMatchObject({
          acquiredAt: t0,
          heartbeatAt: '2027-03-28T09:00:50.000Z',
          expiresAt: '2027-03-28T09:01:50.000Z',
        });
        // Renewed: still held after the first lease.
        expect((await store.acquireLock('tenant-a', 'two', '2027-03-28T09:01:10.000Z', minute)).acquired).toBe(false);
        // Not renewed any more (its holder died): taken over at expiry.
        const takeover = await store.acquireLock('tenant-a', 'two', '2027-03-28T09:01:50.000Z', minute);
        expect(takeover).toMatchObject({
          acquired: true,
          lock: { holder: 'two', acquiredAt: '2027-03-28T09:01:50.000Z' },
        });
        // The old holder has lost it: it can neither renew nor release it.
        expect(await store.renewLock('tenant-a', 'one', '2027-03-28T09:02:00.000Z', minute)).toBe(false);
        expect(await store.releaseLock('tenant-a', 'one')).toBe(false);
        expect(await store.getLock('tenant-a')).toMatchObject({ holder: 'two' });
      });

      it('go to one holder only when many try at once', async () => {
        const attempts = await Promise.all(
          Array.from({ length: 10 }, (_, index) => store.acquireLock('tenant-a', `holder-${index}`, t0, minute)),
        );
        expect(attempts.filter((attempt) => attempt.acquired)).toHaveLength(1);
      });
    });

    describe('tenant health', () => {
      const healthy: TenantHealth = {
        tenantId: 'tenant-a',
        scheduledSince: t0,
        paused: null,
        failureStreak: null,
        lastRun: null,
      };
      const paused: TenantHealth = {
        tenantId: 'tenant-b',
        scheduledSince: t0,
        paused: { at: t2, reason: 'bad-credentials', message: 'paused after 3 runs' },
        failureStreak: { reason: 'bad-credentials', signature: 'bad-credentials', count: 3 },
        lastRun: {
          trigger: 'on-demand',
          status: 'failed',
          reason: 'bad-credentials',
          error: 'edusign GET /v1/course failed with HTTP 401',
          startedAt: t1,
          finishedAt: t2,
        },
      };

      it('is saved, replaced and read back as it was', async () => {
        expect(await store.getHealth('tenant-a')).toBeUndefined();
        await store.saveHealth(paused);
        await store.saveHealth(healthy);
        expect(await store.getHealth('tenant-a')).toEqual(healthy);
        expect(await store.listHealth()).toEqual([healthy, paused]);
        await store.saveHealth({ ...paused, paused: null, failureStreak: null });
        expect(await store.getHealth('tenant-b')).toEqual({ ...paused, paused: null, failureStreak: null });
      });
    });
  });
}
