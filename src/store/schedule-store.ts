/**
 * What the scheduler keeps in the state store: the Kysely adapter of the port's `ScheduleStore`
 * (src/store/port.ts), next to the sync's `StateStore`, over the same Kysely database (migration 0007).
 *
 * - `scheduled_runs`: one row per (tenant, window, Paris date) acted on. Its primary key is what makes an
 *   occurrence run at most once across restarts and processes: claiming is an insert, and a conflict means that
 *   someone else has it.
 * - `tenant_locks`: one live run per tenant, whoever starts it (scheduler, on-demand, `sync`). A lease: taken if
 *   free or expired in one statement, renewed by heartbeats, released at the end; a holder that died stops
 *   renewing and its lock can be taken over once expired.
 * - `tenant_health`: the failure streak and the pause of each tenant.
 *
 * Portable SQL only (`on conflict ... do update ... where`, `returning`, `not exists`): the same code will run on
 * PostgreSQL. Instants are ISO strings from `toISOString()`, which compare correctly as text.
 */
import type { Insertable, Kysely, Selectable } from 'kysely';

import { failureReasons, outcomeStatuses, runTriggers, scheduledRunStates } from './port.js';
import type { LockAttempt, ScheduledRun, ScheduleStore, TenantHealth, TenantLock } from './port.js';
import { StateStoreError } from './schema.js';
import type { Database, ScheduledRunsTable, TenantHealthTable, TenantLocksTable } from './schema.js';

// The port's types, re-exported so that imports of them from here keep working.
export { failureReasons, outcomeStatuses, runTriggers, scheduledRunStates } from './port.js';
export type {
  FailureReason,
  FailureStreak,
  FinishedRunState,
  LastRun,
  LockAttempt,
  OccurrenceRef,
  OccurrenceResult,
  OutcomeStatus,
  RunTrigger,
  ScheduledRun,
  ScheduledRunFilter,
  ScheduledRunState,
  ScheduleStore,
  TenantHealth,
  TenantLock,
  TenantPause,
} from './port.js';

function corrupt(table: string, column: string, problem: string): StateStoreError {
  return new StateStoreError(`State store row of ${table} has ${problem} in ${column}`);
}

function readOneOf<T extends string>(values: readonly T[], value: string, table: string, column: string): T {
  const found = values.find((candidate) => candidate === value);
  if (found === undefined) throw corrupt(table, column, `the unknown value "${value}"`);
  return found;
}

function readNullableOneOf<T extends string>(
  values: readonly T[],
  value: string | null,
  table: string,
  column: string,
): T | null {
  return value === null ? null : readOneOf(values, value, table, column);
}

function readRunIds(text: string): number[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw corrupt('scheduled_runs', 'run_ids', 'text that is not JSON');
  }
  if (!Array.isArray(value) || !value.every((id) => Number.isSafeInteger(id))) {
    throw corrupt('scheduled_runs', 'run_ids', 'JSON that is not a list of ids');
  }
  return value as number[];
}

/** Instants as the store writes them: `toISOString()`, so that text order is time order on every database. */
function instant(at: string): string {
  const millis = Date.parse(at);
  if (Number.isNaN(millis)) throw new RangeError(`not an instant: ${at}`);
  return new Date(millis).toISOString();
}

function later(at: string, ms: number): string {
  return new Date(Date.parse(at) + ms).toISOString();
}

export type DbScheduledRun = Selectable<ScheduledRunsTable>;
export const DbScheduledRun = {
  from(row: DbScheduledRun): ScheduledRun {
    return {
      tenantId: row.tenant_id,
      windowId: row.window_id,
      parisDate: row.paris_date,
      slotAt: row.slot_at,
      state: readOneOf(scheduledRunStates, row.state, 'scheduled_runs', 'state'),
      holder: row.holder,
      claimedAt: row.claimed_at,
      finishedAt: row.finished_at,
      attempts: Number(row.attempts),
      runIds: readRunIds(row.run_ids),
      outcome: readNullableOneOf(outcomeStatuses, row.outcome, 'scheduled_runs', 'outcome'),
      reason: readNullableOneOf(failureReasons, row.reason, 'scheduled_runs', 'reason'),
      error: row.error,
    };
  },
};

export type DbTenantLock = Selectable<TenantLocksTable>;
export const DbTenantLock = {
  from(row: DbTenantLock): TenantLock {
    return {
      tenantId: row.tenant_id,
      holder: row.holder,
      acquiredAt: row.acquired_at,
      heartbeatAt: row.heartbeat_at,
      expiresAt: row.expires_at,
    };
  },
};

export type DbTenantHealth = Selectable<TenantHealthTable>;
export const DbTenantHealth = {
  to(health: TenantHealth): Insertable<TenantHealthTable> {
    const { paused, failureStreak: streak, lastRun } = health;
    return {
      tenant_id: health.tenantId,
      scheduled_since: instant(health.scheduledSince),
      paused_at: paused ? instant(paused.at) : null,
      pause_reason: paused?.reason ?? null,
      pause_message: paused?.message ?? null,
      failure_reason: streak?.reason ?? null,
      failure_signature: streak?.signature ?? null,
      failure_count: streak?.count ?? 0,
      last_trigger: lastRun?.trigger ?? null,
      last_status: lastRun?.status ?? null,
      last_reason: lastRun?.reason ?? null,
      last_error: lastRun?.error ?? null,
      last_started_at: lastRun ? instant(lastRun.startedAt) : null,
      last_finished_at: lastRun ? instant(lastRun.finishedAt) : null,
    };
  },
  from(row: DbTenantHealth): TenantHealth {
    const table = 'tenant_health';
    const paused =
      row.paused_at === null
        ? null
        : {
            at: row.paused_at,
            reason: readOneOf(failureReasons, row.pause_reason ?? '', table, 'pause_reason'),
            message: row.pause_message ?? '',
          };
    const failureStreak =
      row.failure_signature === null || Number(row.failure_count) === 0
        ? null
        : {
            reason: readOneOf(failureReasons, row.failure_reason ?? '', table, 'failure_reason'),
            signature: row.failure_signature,
            count: Number(row.failure_count),
          };
    const lastRun =
      row.last_status === null
        ? null
        : {
            trigger: readOneOf(runTriggers, row.last_trigger ?? '', table, 'last_trigger'),
            status: readOneOf(outcomeStatuses, row.last_status, table, 'last_status'),
            reason: readNullableOneOf(failureReasons, row.last_reason, table, 'last_reason'),
            error: row.last_error,
            startedAt: row.last_started_at ?? '',
            finishedAt: row.last_finished_at ?? '',
          };
    return { tenantId: row.tenant_id, scheduledSince: row.scheduled_since, paused, failureStreak, lastRun };
  },
};

/** Builds the schedule store over `db`, whose schema is already migrated. It does not own `db`. */
export function createScheduleStore(db: Kysely<Database>): ScheduleStore {
  const getLock = async (tenantId: string): Promise<TenantLock | undefined> => {
    const row = await db.selectFrom('tenant_locks').selectAll().where('tenant_id', '=', tenantId).executeTakeFirst();
    return row === undefined ? undefined : DbTenantLock.from(row);
  };

  const acquireLock = async (tenantId: string, holder: string, at: string, leaseMs: number): Promise<LockAttempt> => {
    const now = instant(at);
    const expiresAt = later(now, leaseMs);
    // One statement: insert when free, take over when expired, leave alone otherwise (no row returned).
    const row = await db
      .insertInto('tenant_locks')
      .values({ tenant_id: tenantId, holder, acquired_at: now, heartbeat_at: now, expires_at: expiresAt })
      .onConflict((conflict) =>
        conflict
          .column('tenant_id')
          .doUpdateSet((eb) => ({
            holder: eb.ref('excluded.holder'),
            acquired_at: eb.ref('excluded.acquired_at'),
            heartbeat_at: eb.ref('excluded.heartbeat_at'),
            expires_at: eb.ref('excluded.expires_at'),
          }))
          .where('tenant_locks.expires_at', '<=', now),
      )
      .returningAll()
      .executeTakeFirst();
    if (row !== undefined) return { acquired: true, lock: DbTenantLock.from(row) };
    const held = await getLock(tenantId);
    if (held !== undefined) return { acquired: false, lock: held };
    // Released between the two statements: free now, so try again.
    return acquireLock(tenantId, holder, at, leaseMs);
  };

  return {
    async claimOccurrence(occurrence, holder, at) {
      const claimedAt = instant(at);
      const row = await db
        .insertInto('scheduled_runs')
        .values({
          tenant_id: occurrence.tenantId,
          window_id: occurrence.windowId,
          paris_date: occurrence.parisDate,
          state: 'claimed',
          slot_at: instant(occurrence.slotAt),
          holder,
          claimed_at: claimedAt,
          finished_at: null,
          attempts: 1,
          run_ids: '[]',
          outcome: null,
          reason: null,
          error: null,
        })
        // Only an interrupted occurrence is claimed again; any other row means "someone has it".
        .onConflict((conflict) =>
          conflict
            .columns(['tenant_id', 'window_id', 'paris_date'])
            .doUpdateSet((eb) => ({
              state: 'claimed',
              holder: eb.ref('excluded.holder'),
              claimed_at: eb.ref('excluded.claimed_at'),
              finished_at: null,
              attempts: eb('scheduled_runs.attempts', '+', 1),
              outcome: null,
              reason: null,
              error: null,
            }))
            .where('scheduled_runs.state', '=', 'interrupted'),
        )
        .returning('attempts')
        .executeTakeFirst();
      return row !== undefined;
    },

    async finishOccurrence(occurrence, holder, result) {
      return db.transaction().execute(async (trx) => {
        const row = await trx
          .selectFrom('scheduled_runs')
          .select('run_ids')
          .where('tenant_id', '=', occurrence.tenantId)
          .where('window_id', '=', occurrence.windowId)
          .where('paris_date', '=', occurrence.parisDate)
          .where('state', '=', 'claimed')
          .where('holder', '=', holder)
          .executeTakeFirst();
        if (row === undefined) return false;
        // Every attempt's runs stay listed: an interrupted attempt's runs are part of the occurrence's story.
        const runIds = [...new Set([...readRunIds(row.run_ids), ...result.runIds])];
        const updated = await trx
          .updateTable('scheduled_runs')
          .set({
            state: result.state,
            finished_at: instant(result.at),
            outcome: result.outcome,
            reason: result.reason,
            error: result.error,
            run_ids: JSON.stringify(runIds),
          })
          .where('tenant_id', '=', occurrence.tenantId)
          .where('window_id', '=', occurrence.windowId)
          .where('paris_date', '=', occurrence.parisDate)
          .where('state', '=', 'claimed')
          .where('holder', '=', holder)
          .executeTakeFirst();
        return Number(updated.numUpdatedRows) > 0;
      });
    },

    async recordMissed(occurrence, at) {
      const row = await db
        .insertInto('scheduled_runs')
        .values({
          tenant_id: occurrence.tenantId,
          window_id: occurrence.windowId,
          paris_date: occurrence.parisDate,
          state: 'missed',
          slot_at: instant(occurrence.slotAt),
          holder: null,
          claimed_at: null,
          finished_at: instant(at),
          attempts: 0,
          run_ids: '[]',
          outcome: null,
          reason: null,
          error: null,
        })
        .onConflict((conflict) => conflict.columns(['tenant_id', 'window_id', 'paris_date']).doNothing())
        .returning('state')
        .executeTakeFirst();
      return row !== undefined;
    },

    async listScheduledRuns(filter = {}) {
      let query = db.selectFrom('scheduled_runs').selectAll();
      if (filter.tenantId !== undefined) query = query.where('tenant_id', '=', filter.tenantId);
      if (filter.states !== undefined) {
        if (filter.states.length === 0) return [];
        query = query.where('state', 'in', [...filter.states]);
      }
      if (filter.fromDate !== undefined) query = query.where('paris_date', '>=', filter.fromDate);
      if (filter.toDate !== undefined) query = query.where('paris_date', '<=', filter.toDate);
      query = query.orderBy('paris_date', 'desc').orderBy('slot_at', 'desc').orderBy('tenant_id').orderBy('window_id');
      if (filter.limit !== undefined) query = query.limit(filter.limit);
      const rows = await query.execute();
      return rows.map((row) => DbScheduledRun.from(row));
    },

    async interruptAbandonedClaims(at, claimedBefore, error) {
      const now = instant(at);
      const rows = await db
        .updateTable('scheduled_runs')
        .set({ state: 'interrupted', finished_at: now, outcome: 'interrupted', error })
        .where('state', '=', 'claimed')
        .where('claimed_at', '<', instant(claimedBefore))
        .where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom('tenant_locks')
                .select('tenant_locks.tenant_id')
                .whereRef('tenant_locks.tenant_id', '=', 'scheduled_runs.tenant_id')
                .where('tenant_locks.expires_at', '>', now),
            ),
          ),
        )
        .returningAll()
        .execute();
      return rows.map((row) => DbScheduledRun.from(row));
    },

    acquireLock,

    async renewLock(tenantId, holder, at, leaseMs) {
      const now = instant(at);
      const result = await db
        .updateTable('tenant_locks')
        .set({ heartbeat_at: now, expires_at: later(now, leaseMs) })
        .where('tenant_id', '=', tenantId)
        .where('holder', '=', holder)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async releaseLock(tenantId, holder) {
      const result = await db
        .deleteFrom('tenant_locks')
        .where('tenant_id', '=', tenantId)
        .where('holder', '=', holder)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    getLock,

    async listLocks() {
      const rows = await db.selectFrom('tenant_locks').selectAll().orderBy('tenant_id').execute();
      return rows.map((row) => DbTenantLock.from(row));
    },

    async getHealth(tenantId) {
      const row = await db.selectFrom('tenant_health').selectAll().where('tenant_id', '=', tenantId).executeTakeFirst();
      return row === undefined ? undefined : DbTenantHealth.from(row);
    },

    async listHealth() {
      const rows = await db.selectFrom('tenant_health').selectAll().orderBy('tenant_id').execute();
      return rows.map((row) => DbTenantHealth.from(row));
    },

    async saveHealth(health) {
      const row = DbTenantHealth.to(health);
      const { tenant_id: _tenantId, ...columns } = row;
      await db
        .insertInto('tenant_health')
        .values(row)
        .onConflict((conflict) => conflict.column('tenant_id').doUpdateSet(columns))
        .execute();
    },
  };
}
