/**
 * The state store over any Kysely database that has the store's tables. Every query is written with Kysely's
 * builder and portable SQL (`on conflict ... do update`, `returning`, `limit`), so the same code serves the
 * SQLite file today and PostgreSQL later; only opening the connection and the migrations' id columns differ.
 */
import type { Kysely } from 'kysely';

import type { PreflightReport } from '../domain/preflight.js';
import type { RecordKind } from '../domain/types.js';
import type {
  AttendanceRecord,
  DashboardSession,
  DashboardSessionLimits,
  EventFilter,
  HistoryDeleted,
  Link,
  LiveRun,
  LockedSheetRecord,
  PersonForgotten,
  PersonKind,
  Run,
  RunCounts,
  RunDirection,
  RunEnd,
  RunProgress,
  RunStatus,
  StateStore,
  SyncEvent,
} from './port.js';
import { runDirections } from './port.js';
import {
  DbAttendance,
  DbDashboardSession,
  DbEvent,
  DbLink,
  DbLiveRun,
  DbLockedSheet,
  DbPreflight,
  DbRun,
  DbSessionCreation,
  StateStoreError,
  dashboardSessionKey,
} from './schema.js';
import type { Database } from './schema.js';

/** How many runs `listRuns` returns when no limit is given. */
export const defaultRunLimit = 50;
/** How many events `listEvents` returns when no limit is given. */
export const defaultEventLimit = 100;
/**
 * Runs deleted per transaction by `deleteHistoryBefore`: a run holds up to a few thousand events, and a short
 * transaction keeps the syncs' writes (SQLite has one writer at a time) from waiting long.
 */
export const defaultHistoryBatchSize = 100;

/**
 * Most values bound in one statement. 999 is the lowest limit of any SQLite build (before 3.32); recent SQLite
 * allows 32,766 and PostgreSQL 65,535, so chunks of this size are safe everywhere and still few.
 */
export const maxBoundValues = 999;

/** Columns written per event and per session creation: sizes the chunks of multi-row inserts. */
const eventColumns = 10;
const sessionCreationColumns = 3;
const attendanceColumns = 8;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let index = 0; index < items.length; index += size) result.push(items.slice(index, index + size));
  return result;
}

/**
 * The oldest `last_seen_at` and `created_at` a session may have and still be live at `at`. Instants are ISO text
 * written by toISOString, so comparing them as text is comparing them in time, on both databases.
 */
function sessionCutoffs(at: string, limits: DashboardSessionLimits): { seenSince: string; createdSince: string } {
  const now = Date.parse(at);
  if (Number.isNaN(now)) throw new RangeError(`Not an ISO instant: ${at}`);
  for (const [name, ms] of Object.entries(limits)) {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`A session limit must be a duration ≥ 0: ${name} = ${ms}`);
  }
  return {
    seenSince: new Date(now - limits.idleMs).toISOString(),
    createdSince: new Date(now - limits.maxAgeMs).toISOString(),
  };
}

function checkInstant(at: string): string {
  if (Number.isNaN(Date.parse(at))) throw new RangeError(`Not an ISO instant: ${at}`);
  return at;
}

/** The list of numbers under `key` of a link's data without `id`; undefined when it does not hold `id`. */
function withoutId(data: Record<string, unknown>, key: string, id: number): Record<string, unknown> | undefined {
  const list = data[key];
  if (!Array.isArray(list) || !list.includes(id)) return undefined;
  return { ...data, [key]: list.filter((item) => item !== id) };
}

/** Where each kind of person is remembered in other links' data: by (link kind, data key). */
const personMentions: Record<PersonKind, readonly { kind: 'sheet' | 'group'; key: string }[]> = {
  learner: [
    { kind: 'sheet', key: 'learnerIds' },
    { kind: 'group', key: 'memberIds' },
  ],
  facilitator: [{ kind: 'sheet', key: 'facilitatorIds' }],
  // A learner's link keeps no tutor: tutors are in the learners' written payload, found again by API_ID.
  tutor: [],
};

function readRunId(id: number | string): number {
  const number = Number(id);
  if (!Number.isSafeInteger(number)) throw new StateStoreError(`runs.id: not a safe integer: ${String(id)}`);
  return number;
}

function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`A list limit must be a whole number ≥ 0: ${limit}`);
  return limit;
}

/**
 * Builds the store over `db`, whose schema is already migrated (see `migrateToLatest`). The store owns `db`:
 * `close()` destroys it.
 */
export function createKyselyStore(db: Kysely<Database>): StateStore {
  return {
    async getLink(tenantId: string, kind: RecordKind, aimairaId: number): Promise<Link | undefined> {
      const row = await db
        .selectFrom('links')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('kind', '=', kind)
        .where('aimaira_id', '=', aimairaId)
        .executeTakeFirst();
      return row === undefined ? undefined : DbLink.from(row);
    },

    async listLinks(tenantId: string, kind?: RecordKind): Promise<Link[]> {
      let query = db.selectFrom('links').selectAll().where('tenant_id', '=', tenantId);
      if (kind !== undefined) query = query.where('kind', '=', kind);
      const rows = await query.orderBy('kind').orderBy('aimaira_id').execute();
      return rows.map((row) => DbLink.from(row));
    },

    async findLinkByEdusignId(tenantId: string, kind: RecordKind, edusignId: string): Promise<Link | undefined> {
      // The index is not unique; should two links share an Edusign id, the oldest Aimaira id answers, always the same.
      const row = await db
        .selectFrom('links')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('kind', '=', kind)
        .where('edusign_id', '=', edusignId)
        .orderBy('aimaira_id')
        .limit(1)
        .executeTakeFirst();
      return row === undefined ? undefined : DbLink.from(row);
    },

    async saveLink(link: Omit<Link, 'createdAt' | 'updatedAt'>, at: string): Promise<void> {
      await db
        .insertInto('links')
        .values(DbLink.to({ ...link, createdAt: at, updatedAt: at }))
        .onConflict((conflict) =>
          // Everything but created_at: a link keeps the date it was first made.
          conflict.columns(['tenant_id', 'kind', 'aimaira_id']).doUpdateSet((eb) => ({
            edusign_id: eb.ref('excluded.edusign_id'),
            hash: eb.ref('excluded.hash'),
            data: eb.ref('excluded.data'),
            origin: eb.ref('excluded.origin'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .execute();
    },

    async deleteLink(tenantId: string, kind: RecordKind, aimairaId: number): Promise<void> {
      await db
        .deleteFrom('links')
        .where('tenant_id', '=', tenantId)
        .where('kind', '=', kind)
        .where('aimaira_id', '=', aimairaId)
        .execute();
    },

    async getSessionCreations(tenantId: string, aimairaIds: readonly number[]): Promise<Map<number, string>> {
      const creations = new Map<number, string>();
      // A window holds thousands of sessions: one `in (...)` per chunk keeps each statement under the bound limit.
      for (const ids of chunks([...new Set(aimairaIds)], maxBoundValues - 1)) {
        const rows = await db
          .selectFrom('session_creations')
          .selectAll()
          .where('tenant_id', '=', tenantId)
          .where('aimaira_id', 'in', ids)
          .execute();
        for (const row of rows) {
          const creation = DbSessionCreation.from(row);
          creations.set(creation.aimairaId, creation.createdAt);
        }
      }
      return creations;
    },

    async saveSessionCreations(tenantId: string, creations: ReadonlyMap<number, string>): Promise<void> {
      if (creations.size === 0) return;
      const rows = [...creations].map(([aimairaId, createdAt]) =>
        DbSessionCreation.to({ tenantId, aimairaId, createdAt }),
      );
      await db.transaction().execute(async (trx) => {
        for (const chunk of chunks(rows, Math.floor(maxBoundValues / sessionCreationColumns))) {
          await trx
            .insertInto('session_creations')
            .values(chunk)
            .onConflict((conflict) =>
              conflict
                .columns(['tenant_id', 'aimaira_id'])
                .doUpdateSet((eb) => ({ created_at: eb.ref('excluded.created_at') })),
            )
            .execute();
        }
      });
    },

    async listAttendance(tenantId: string, planificationIds: readonly number[]): Promise<AttendanceRecord[]> {
      const records: AttendanceRecord[] = [];
      for (const ids of chunks([...new Set(planificationIds)], maxBoundValues - 1)) {
        const rows = await db
          .selectFrom('attendance')
          .selectAll()
          .where('tenant_id', '=', tenantId)
          .where('planification_id', 'in', ids)
          .orderBy('planification_id')
          .orderBy('learner_id')
          .execute();
        for (const row of rows) records.push(DbAttendance.from(row));
      }
      return records;
    },

    async saveAttendance(records: readonly Omit<AttendanceRecord, 'updatedAt'>[], at: string): Promise<void> {
      if (records.length === 0) return;
      const rows = records.map((record) => DbAttendance.to({ ...record, updatedAt: at }));
      // One transaction: the intents of a sheet's rows are recorded together, and cost a single commit.
      await db.transaction().execute(async (trx) => {
        for (const chunk of chunks(rows, Math.floor(maxBoundValues / attendanceColumns))) {
          await trx
            .insertInto('attendance')
            .values(chunk)
            .onConflict((conflict) =>
              conflict.columns(['tenant_id', 'planification_id', 'learner_id']).doUpdateSet((eb) => ({
                row_id: eb.ref('excluded.row_id'),
                hash: eb.ref('excluded.hash'),
                state: eb.ref('excluded.state'),
                first_sent_at: eb.ref('excluded.first_sent_at'),
                updated_at: eb.ref('excluded.updated_at'),
              })),
            )
            .execute();
        }
      });
    },

    async getLockedSheets(tenantId: string, edusignIds: readonly string[]): Promise<Map<string, LockedSheetRecord>> {
      const found = new Map<string, LockedSheetRecord>();
      for (const ids of chunks([...new Set(edusignIds)], maxBoundValues - 1)) {
        const rows = await db
          .selectFrom('locked_sheets')
          .selectAll()
          .where('tenant_id', '=', tenantId)
          .where('edusign_id', 'in', ids)
          .execute();
        for (const row of rows) found.set(row.edusign_id, DbLockedSheet.from(row));
      }
      return found;
    },

    async saveLockedSheet(record: LockedSheetRecord): Promise<void> {
      await db
        .insertInto('locked_sheets')
        .values(DbLockedSheet.to(record))
        .onConflict((conflict) =>
          conflict.columns(['tenant_id', 'edusign_id']).doUpdateSet((eb) => ({
            planification_id: eb.ref('excluded.planification_id'),
            realised_at: eb.ref('excluded.realised_at'),
            not_linked_at: eb.ref('excluded.not_linked_at'),
          })),
        )
        .execute();
    },

    async getPreflight(tenantId: string): Promise<PreflightReport | undefined> {
      const row = await db.selectFrom('preflights').selectAll().where('tenant_id', '=', tenantId).executeTakeFirst();
      return row === undefined ? undefined : DbPreflight.from(row);
    },

    async savePreflight(report: PreflightReport): Promise<void> {
      await db
        .insertInto('preflights')
        .values(DbPreflight.to(report))
        .onConflict((conflict) =>
          conflict.column('tenant_id').doUpdateSet((eb) => ({
            ran_at: eb.ref('excluded.ran_at'),
            report: eb.ref('excluded.report'),
          })),
        )
        .execute();
    },

    async startRun(tenantId: string, direction: RunDirection, at: string): Promise<Run> {
      const row = await db
        .insertInto('runs')
        .values(
          DbRun.to({ tenantId, direction, startedAt: at, endedAt: null, status: 'running', counts: {}, error: null }),
        )
        .returningAll()
        .executeTakeFirstOrThrow();
      return DbRun.from(row);
    },

    async finishRun(
      runId: number,
      status: Exclude<RunStatus, 'running'>,
      counts: RunCounts,
      at: string,
      error?: string,
    ): Promise<void> {
      const result = await db
        .updateTable('runs')
        .set({ status, counts: JSON.stringify(counts), ended_at: at, error: error ?? null })
        .where('id', '=', runId)
        .executeTakeFirst();
      // A run that is not there means the caller lost track of its run: say so rather than record nothing.
      if (result.numUpdatedRows === 0n) throw new StateStoreError(`Cannot finish run ${runId}: no such run`);
    },

    async getRun(runId: number): Promise<Run | undefined> {
      const row = await db.selectFrom('runs').selectAll().where('id', '=', runId).executeTakeFirst();
      return row === undefined ? undefined : DbRun.from(row);
    },

    async listRuns(tenantId: string, limit = defaultRunLimit): Promise<Run[]> {
      // By id rather than started_at: ids only grow, and two runs may start within the same millisecond.
      const rows = await db
        .selectFrom('runs')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .orderBy('id', 'desc')
        .limit(checkLimit(limit))
        .execute();
      return rows.map((row) => DbRun.from(row));
    },

    async markRunningAsInterrupted(
      at: string,
      error: string,
      scope: { tenantIds?: readonly string[]; exceptTenantIds?: readonly string[] } = {},
    ): Promise<Run[]> {
      const { tenantIds } = scope;
      if (tenantIds !== undefined && tenantIds.length === 0) return [];
      const except = new Set(scope.exceptTenantIds ?? []);
      return db.transaction().execute(async (trx) => {
        let query = trx.selectFrom('runs').selectAll().where('status', '=', 'running');
        if (tenantIds !== undefined && tenantIds.length < maxBoundValues) {
          query = query.where('tenant_id', 'in', [...tenantIds]);
        }
        const wanted = tenantIds === undefined ? undefined : new Set(tenantIds);
        // Few runs are ever left running: the filtering by tenant is done here, free of any bound-values limit.
        const rows = (await query.orderBy('id').execute()).filter(
          (row) => !except.has(row.tenant_id) && (wanted === undefined || wanted.has(row.tenant_id)),
        );
        const ids = rows.map((row) => row.id);
        for (const chunk of chunks(ids, maxBoundValues - 1)) {
          await trx
            .updateTable('runs')
            .set({ status: 'interrupted', ended_at: at, error })
            .where('id', 'in', chunk)
            .where('status', '=', 'running')
            .execute();
        }
        return rows.map((row) => DbRun.from(row));
      });
    },

    async lastRunEnds(statuses: readonly Exclude<RunStatus, 'running'>[]): Promise<RunEnd[]> {
      if (statuses.length === 0) return [];
      // ISO instants written by toISOString sort as text, so max() is the newest.
      const rows = await db
        .selectFrom('runs')
        .select(['tenant_id', 'direction', (eb) => eb.fn.max('ended_at').as('ended_at')])
        .where('status', 'in', [...statuses])
        .where('ended_at', 'is not', null)
        .groupBy(['tenant_id', 'direction'])
        .orderBy('tenant_id')
        .orderBy('direction')
        .execute();
      return rows.flatMap((row) => {
        const direction = runDirections.find((known) => known === row.direction);
        if (direction === undefined) throw new StateStoreError(`runs.direction: unknown value "${row.direction}"`);
        return row.ended_at === null ? [] : [{ tenantId: row.tenant_id, direction, endedAt: row.ended_at }];
      });
    },

    async saveRunProgress(runId: number, progress: Omit<RunProgress, 'at'>, at: string): Promise<boolean> {
      const result = await db
        .updateTable('runs')
        .set({ progress_done: progress.done, progress_total: progress.total, progress_at: at })
        .where('id', '=', runId)
        // A late write (the run already finished) changes nothing: the run's end is what counts.
        .where('status', '=', 'running')
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async listLiveRuns(tenantId: string): Promise<LiveRun[]> {
      const rows = await db
        .selectFrom('runs')
        .select(['id', 'tenant_id', 'direction', 'started_at', 'progress_done', 'progress_total', 'progress_at'])
        .where('status', '=', 'running')
        .where('tenant_id', '=', tenantId)
        .orderBy('id')
        .execute();
      return rows.map((row) => DbLiveRun.from(row));
    },

    async createDashboardSession(sessionId: string, csrfToken: string, at: string, userId: number): Promise<void> {
      await db
        .insertInto('dashboard_sessions')
        .values(DbDashboardSession.to(sessionId, { csrfToken, userId, createdAt: at, lastSeenAt: at }))
        .execute();
    },

    async touchDashboardSession(
      sessionId: string,
      at: string,
      limits: DashboardSessionLimits,
    ): Promise<DashboardSession | undefined> {
      const key = dashboardSessionKey(sessionId);
      const { seenSince, createdSince } = sessionCutoffs(at, limits);
      // One statement: a session another process ends or purges meanwhile is either seen live or not at all.
      const row = await db
        .updateTable('dashboard_sessions')
        // Never backwards: two processes whose clocks differ a little may touch the same session.
        .set((eb) => ({
          last_seen_at: eb.case().when('last_seen_at', '<', at).then(at).else(eb.ref('last_seen_at')).end(),
        }))
        .where('id_hash', '=', key)
        .where('last_seen_at', '>=', seenSince)
        .where('created_at', '>=', createdSince)
        .returningAll()
        .executeTakeFirst();
      if (row !== undefined) return DbDashboardSession.from(row);
      // Unknown, or expired: an expired session goes now rather than at the next purge.
      await db.deleteFrom('dashboard_sessions').where('id_hash', '=', key).execute();
      return undefined;
    },

    async deleteDashboardSession(sessionId: string): Promise<boolean> {
      const result = await db
        .deleteFrom('dashboard_sessions')
        .where('id_hash', '=', dashboardSessionKey(sessionId))
        .executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    async deleteExpiredDashboardSessions(at: string, limits: DashboardSessionLimits): Promise<number> {
      const { seenSince, createdSince } = sessionCutoffs(at, limits);
      const result = await db
        .deleteFrom('dashboard_sessions')
        .where((eb) => eb.or([eb('last_seen_at', '<', seenSince), eb('created_at', '<', createdSince)]))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async deleteUserDashboardSessions(userId: number): Promise<number> {
      const result = await db.deleteFrom('dashboard_sessions').where('user_id', '=', userId).executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async deleteHistoryBefore(before: string, options: { batchSize?: number } = {}): Promise<HistoryDeleted> {
      checkInstant(before);
      const batchSize = options.batchSize ?? defaultHistoryBatchSize;
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize >= maxBoundValues) {
        throw new RangeError(`A batch size must be a whole number from 1 to ${maxBoundValues - 1}: ${batchSize}`);
      }
      const deleted: HistoryDeleted = { runs: 0, events: 0 };
      for (;;) {
        const batch = await db.transaction().execute(async (trx) => {
          const rows = await trx
            .selectFrom('runs')
            .select('id')
            // Text comparison of ISO instants is comparison in time; a running run has no end.
            .where('ended_at', '<', before)
            .where('status', '!=', 'running')
            // Ids only grow: the highest of a tenant and direction is its newest run.
            .where('id', 'not in', (eb) =>
              eb
                .selectFrom('runs')
                .select((inner) => inner.fn.max('id').as('id'))
                .where('status', '!=', 'running')
                .groupBy(['tenant_id', 'direction']),
            )
            .where('id', 'not in', (eb) =>
              eb
                .selectFrom('runs')
                .select((inner) => inner.fn.max('id').as('id'))
                .where('status', 'in', ['success', 'partial'])
                .groupBy(['tenant_id', 'direction']),
            )
            .orderBy('id')
            .limit(batchSize)
            .execute();
          const ids = rows.map((row) => readRunId(row.id));
          if (ids.length === 0) return { runs: 0, events: 0 };
          // The events first, by hand: the count is wanted, and SQLite cascades only with foreign keys on.
          const events = await trx.deleteFrom('events').where('run_id', 'in', ids).executeTakeFirst();
          const runs = await trx.deleteFrom('runs').where('id', 'in', ids).executeTakeFirst();
          return { runs: Number(runs.numDeletedRows), events: Number(events.numDeletedRows) };
        });
        deleted.runs += batch.runs;
        deleted.events += batch.events;
        if (batch.runs < batchSize) return deleted;
      }
    },

    async forgetPerson(tenantId: string, kind: PersonKind, aimairaId: number): Promise<PersonForgotten> {
      return db.transaction().execute(async (trx) => {
        const link = await trx
          .selectFrom('links')
          .select('edusign_id')
          .where('tenant_id', '=', tenantId)
          .where('kind', '=', kind)
          .where('aimaira_id', '=', aimairaId)
          .executeTakeFirst();
        const links = await trx
          .deleteFrom('links')
          .where('tenant_id', '=', tenantId)
          .where('kind', '=', kind)
          .where('aimaira_id', '=', aimairaId)
          .executeTakeFirst();

        // Events about the person: their own record's, by either id, and a learner's attendance ones (whose
        // Aimaira id is the learner's, and Edusign id the sheet's).
        const events = await trx
          .deleteFrom('events')
          .where('tenant_id', '=', tenantId)
          .where((eb) => {
            const own = [eb('aimaira_id', '=', aimairaId)];
            if (link !== undefined) own.push(eb('edusign_id', '=', link.edusign_id));
            const about = [eb.and([eb('record_kind', '=', kind), eb.or(own)])];
            if (kind === 'learner') {
              about.push(eb.and([eb('record_kind', '=', 'attendance'), eb('aimaira_id', '=', aimairaId)]));
            }
            return eb.or(about);
          })
          .executeTakeFirst();

        const attendance =
          kind === 'learner'
            ? await trx
                .deleteFrom('attendance')
                .where('tenant_id', '=', tenantId)
                .where('learner_id', '=', aimairaId)
                .executeTakeFirst()
            : { numDeletedRows: 0n };

        let rosters = 0;
        for (const mention of personMentions[kind]) {
          const rows = await trx
            .selectFrom('links')
            .selectAll()
            .where('tenant_id', '=', tenantId)
            .where('kind', '=', mention.kind)
            .execute();
          for (const row of rows) {
            const data = withoutId(DbLink.from(row).data, mention.key, aimairaId);
            if (data === undefined) continue;
            // The hash goes too: what Edusign holds is no longer what the link says, so the next run writes it.
            await trx
              .updateTable('links')
              .set({ data: JSON.stringify(data), hash: null })
              .where('tenant_id', '=', tenantId)
              .where('kind', '=', mention.kind)
              .where('aimaira_id', '=', row.aimaira_id)
              .execute();
            rosters++;
          }
        }
        return {
          links: Number(links.numDeletedRows),
          events: Number(events.numDeletedRows),
          attendance: Number(attendance.numDeletedRows),
          rosters,
        };
      });
    },

    async appendEvents(events: readonly SyncEvent[]): Promise<void> {
      if (events.length === 0) return;
      const rows = events.map((event) => DbEvent.to(event));
      // One transaction: a batch is recorded whole or not at all, and its chunks cost a single commit.
      await db.transaction().execute(async (trx) => {
        for (const chunk of chunks(rows, Math.floor(maxBoundValues / eventColumns))) {
          await trx.insertInto('events').values(chunk).execute();
        }
      });
    },

    async listEvents(filter: EventFilter): Promise<SyncEvent[]> {
      let query = db.selectFrom('events').selectAll().where('tenant_id', '=', filter.tenantId);
      if (filter.runId !== undefined) query = query.where('run_id', '=', filter.runId);
      if (filter.level !== undefined) query = query.where('level', '=', filter.level);
      if (filter.action !== undefined) query = query.where('action', '=', filter.action);
      if (filter.reason !== undefined) query = query.where('reason', '=', filter.reason);
      if (filter.aimairaId !== undefined) query = query.where('aimaira_id', '=', filter.aimairaId);
      if (filter.beforeId !== undefined) query = query.where('id', '<', filter.beforeId);
      const rows = await query
        .orderBy('id', 'desc')
        .limit(checkLimit(filter.limit ?? defaultEventLimit))
        .execute();
      return rows.map((row) => DbEvent.from(row));
    },

    async close(): Promise<void> {
      await db.destroy();
    },
  };
}
