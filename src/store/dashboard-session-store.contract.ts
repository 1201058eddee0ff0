/**
 * The contract of the dashboard's sign-in sessions in the store, run by each adapter's test file against a real
 * database (`describeDashboardSessionStoreContract('SQLite file', () => openSqliteStore(...))`). Each test gets a
 * fresh, empty, migrated store and closes it afterwards.
 */
import { createHash } from 'node:crypto';

import type { Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { DashboardSessionLimits, DashboardSessionStore } from './port.js';
import type { Database } from './schema.js';

const start = Date.parse('2026-03-02T08:00:00.000Z');
const minute = 60_000;
const limits: DashboardSessionLimits = { idleMs: 30 * minute, maxAgeMs: 12 * 60 * minute };
/** The instant `ms` after the start. */
const at = (ms: number) => new Date(start + ms).toISOString();

/** What the tests need: the sessions, closing, and (every adapter here has it) the database underneath. */
export interface DashboardSessionStoreHolder extends DashboardSessionStore {
  readonly db?: Kysely<Database>;
  close(): Promise<void>;
}

export function describeDashboardSessionStoreContract(
  name: string,
  makeStore: () => Promise<DashboardSessionStoreHolder>,
): void {
  describe(`${name}: dashboard session store contract`, () => {
    let store: DashboardSessionStoreHolder;

    beforeEach(async () => {
      store = await makeStore();
    });

    afterEach(async () => {
      await store.close();
    });

    it('knows a session it created, with its token and instants, and no other', async () => {
      await store.createDashboardSession('session-1', 'csrf-1', at(0), 7);
      expect(await store.touchDashboardSession('session-1', at(minute), limits)).toEqual({
        csrfToken: 'csrf-1',
        userId: 7,
        createdAt: at(0),
        lastSeenAt: at(minute),
      });
      expect(await store.touchDashboardSession('session-2', at(minute), limits)).toBeUndefined();
      expect(await store.touchDashboardSession('', at(minute), limits)).toBeUndefined();
    });

    it('stores the SHA-256 of the id, never the id itself', async () => {
      const id = 'the-secret-of-the-cookie';
      await store.createDashboardSession(id, 'csrf-1', at(0), 7);
      if (store.db === undefined) return;
      const rows = await store.db.selectFrom('dashboard_sessions').selectAll().execute();
      expect(rows.map((row) => row.id_hash)).toEqual([createHash('sha256').update(id).digest('hex')]);
      expect(JSON.stringify(rows)).not.toContain(id);
    });

    it('lives while seen within the idle timeout, each touch starting it over, and ends past it', async () => {
      await store.createDashboardSession('s', 'c', at(0), 7);
      expect(await store.touchDashboardSession('s', at(30 * minute), limits)).toMatchObject({
        lastSeenAt: at(30 * minute),
      });
      expect(await store.touchDashboardSession('s', at(60 * minute), limits)).toBeDefined();
      expect(await store.touchDashboardSession('s', at(90 * minute + 1), limits)).toBeUndefined();
      // Gone, not only refused: an earlier instant does not bring it back.
      expect(await store.touchDashboardSession('s', at(61 * minute), limits)).toBeUndefined();
    });

    it('ends at its maximum age however active', async () => {
      await store.createDashboardSession('s', 'c', at(0), 7);
      for (let step = 1; step <= 24; step++) {
        expect(await store.touchDashboardSession('s', at(step * 29 * minute), limits)).toBeDefined();
      }
      expect(await store.touchDashboardSession('s', at(12 * 60 * minute + 1), limits)).toBeUndefined();
    });

    it('never moves the last-seen instant backwards (processes whose clocks differ a little)', async () => {
      await store.createDashboardSession('s', 'c', at(0), 7);
      await store.touchDashboardSession('s', at(10 * minute), limits);
      expect(await store.touchDashboardSession('s', at(9 * minute), limits)).toMatchObject({
        lastSeenAt: at(10 * minute),
      });
    });

    it('ends a session on deletion, and says whether there was one', async () => {
      await store.createDashboardSession('s', 'c', at(0), 7);
      await store.createDashboardSession('other', 'c2', at(0), 7);
      expect(await store.deleteDashboardSession('s')).toBe(true);
      expect(await store.deleteDashboardSession('s')).toBe(false);
      expect(await store.touchDashboardSession('s', at(minute), limits)).toBeUndefined();
      expect(await store.touchDashboardSession('other', at(minute), limits)).toMatchObject({ csrfToken: 'c2' });
    });

    it('purges the sessions expired by idleness or by age, and only those', async () => {
      await store.createDashboardSession('idle', 'c', at(0), 7);
      await store.createDashboardSession('active', 'c', at(0), 7);
      await store.createDashboardSession('young', 'c', at(50 * minute), 7);
      await store.touchDashboardSession('active', at(25 * minute), limits);
      await store.touchDashboardSession('active', at(50 * minute), limits);

      expect(await store.deleteExpiredDashboardSessions(at(55 * minute), limits)).toBe(1);
      expect(await store.deleteExpiredDashboardSessions(at(55 * minute), limits)).toBe(0);
      // With a maximum age of 52 minutes, `active` (created at 0) is too old however recently seen.
      const shortLived = { ...limits, maxAgeMs: 52 * minute };
      expect(await store.deleteExpiredDashboardSessions(at(55 * minute), shortLived)).toBe(1);

      expect(await store.touchDashboardSession('young', at(55 * minute), limits)).toBeDefined();
      // Deleted, not only refused: an instant at which they would be live does not bring them back.
      expect(await store.touchDashboardSession('active', at(51 * minute), limits)).toBeUndefined();
      expect(await store.touchDashboardSession('idle', at(minute), limits)).toBeUndefined();
    });

    it('ends every session of one account, and only those, saying how many', async () => {
      await store.createDashboardSession('laptop', 'c1', at(0), 1);
      await store.createDashboardSession('phone', 'c2', at(0), 1);
      await store.createDashboardSession('colleague', 'c3', at(0), 2);
      expect(await store.deleteUserDashboardSessions(1)).toBe(2);
      expect(await store.deleteUserDashboardSessions(1)).toBe(0);
      expect(await store.touchDashboardSession('laptop', at(minute), limits)).toBeUndefined();
      expect(await store.touchDashboardSession('phone', at(minute), limits)).toBeUndefined();
      expect(await store.touchDashboardSession('colleague', at(minute), limits)).toMatchObject({ userId: 2 });
    });

    it('refuses an instant that is not one, or a negative limit', async () => {
      await expect(store.touchDashboardSession('s', 'yesterday', limits)).rejects.toThrow(RangeError);
      await expect(store.deleteExpiredDashboardSessions(at(0), { idleMs: -1, maxAgeMs: 1 })).rejects.toThrow(
        RangeError,
      );
    });
  });
}
