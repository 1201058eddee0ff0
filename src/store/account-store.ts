/**
 * The people of the dashboard in the store: the Kysely adapter of the port's `AccountStore` (src/store/port.ts),
 * next to the state store, over the same Kysely database. Passwords, invitation links and API tokens reach it only
 * as hashes made by the caller: the store never sees one in clear.
 */
import type { Kysely, Transaction, Updateable } from 'kysely';

import { maxBoundValues } from './kysely-store.js';
import type { AccountStore, AuditFilter, TenantGrant, User, UserChange } from './port.js';
import {
  DbAlertState,
  DbApiToken,
  DbAuditEntry,
  DbInvitation,
  DbTenantAlertSettings,
  DbUser,
  DbUserGrant,
  DuplicateAccountError,
} from './schema.js';
import type { Database, UsersTable } from './schema.js';

type Executor = Kysely<Database> | Transaction<Database>;

/** Between two recorded uses of one API token: a use a minute is enough to tell whether a token still serves. */
export const apiTokenTouchIntervalMs = 60_000;

/**
 * Whether `error` is the violation of the unique e-mail of `users` (migration 0012 names the constraint), as
 * better-sqlite3 (`SQLITE_CONSTRAINT_UNIQUE`, naming the column) or node-postgres (SQLSTATE 23505, naming the
 * constraint) reports it.
 */
function isDuplicateEmail(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, constraint, message } = error as { code?: unknown; constraint?: unknown; message?: unknown };
  if (code === '23505') return constraint === 'users_email_key';
  return code === 'SQLITE_CONSTRAINT_UNIQUE' && typeof message === 'string' && message.includes('users.email');
}

/** One grant per tenant (the last given wins), by tenant id: the table's primary key allows no more. */
function uniqueGrants(grants: readonly TenantGrant[]): TenantGrant[] {
  const byTenant = new Map(grants.map((grant) => [grant.tenantId, grant]));
  return [...byTenant.values()].sort((a, b) => (a.tenantId < b.tenantId ? -1 : a.tenantId > b.tenantId ? 1 : 0));
}

function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`A list limit must be a whole number ≥ 0: ${limit}`);
  return limit;
}

function checkInstant(at: string): string {
  if (Number.isNaN(Date.parse(at))) throw new RangeError(`Not an ISO instant: ${at}`);
  return at;
}

/** The grants of these users, by user id (tenant id order within each). */
async function grantsOf(db: Executor, userIds: readonly number[]): Promise<Map<number, TenantGrant[]>> {
  const grants = new Map<number, TenantGrant[]>();
  for (let index = 0; index < userIds.length; index += maxBoundValues - 1) {
    const ids = userIds.slice(index, index + maxBoundValues - 1);
    const rows = await db
      .selectFrom('user_grants')
      .selectAll()
      .where('user_id', 'in', ids)
      .orderBy('user_id')
      .orderBy('tenant_id')
      .execute();
    for (const row of rows) {
      const id = Number(row.user_id);
      const list = grants.get(id) ?? [];
      list.push(DbUserGrant.from(row));
      grants.set(id, list);
    }
  }
  return grants;
}

/** Users with their grants, in the order of `rows`. */
async function withGrants(db: Executor, rows: readonly DbUser[]): Promise<User[]> {
  const grants = await grantsOf(
    db,
    rows.map((row) => Number(row.id)),
  );
  return rows.map((row) => DbUser.from(row, grants.get(Number(row.id)) ?? []));
}

async function readUser(db: Executor, id: number): Promise<User | undefined> {
  const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : (await withGrants(db, [row]))[0];
}

async function replaceGrants(trx: Transaction<Database>, userId: number, grants: readonly TenantGrant[]) {
  await trx.deleteFrom('user_grants').where('user_id', '=', userId).execute();
  const rows = uniqueGrants(grants).map((grant) => DbUserGrant.to(userId, grant));
  if (rows.length > 0) await trx.insertInto('user_grants').values(rows).execute();
}

/** The columns of `users` a change sets (grants are another table). */
function userColumns(change: UserChange, at: string): Updateable<UsersTable> {
  return {
    ...(change.operator === undefined ? {} : { operator: change.operator ? 1 : 0 }),
    ...(change.disabled === undefined ? {} : { disabled: change.disabled ? 1 : 0 }),
    ...(change.passwordHash === undefined ? {} : { password_hash: change.passwordHash }),
    ...(change.lang === undefined ? {} : { lang: change.lang }),
    ...(change.alerts === undefined ? {} : { alerts: JSON.stringify(change.alerts) }),
    updated_at: at,
  };
}

/** The account store over a migrated database (see `migrateToLatest`); it does not own `db`. */
export function createAccountStore(db: Kysely<Database>): AccountStore {
  return {
    async countUsers() {
      const row = await db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll().as('count'))
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },

    async createUser(user, at) {
      try {
        const id = await db.transaction().execute(async (trx) => {
          const row = await trx
            .insertInto('users')
            .values(
              DbUser.to({
                email: user.email,
                operator: user.operator,
                disabled: false,
                passwordHash: user.passwordHash ?? null,
                lang: user.lang ?? null,
                alerts: user.alerts ?? [],
                createdAt: at,
                updatedAt: at,
              }),
            )
            .returning('id')
            .executeTakeFirstOrThrow();
          const userId = Number(row.id);
          await replaceGrants(trx, userId, user.grants);
          return userId;
        });
        const created = await readUser(db, id);
        if (created === undefined) throw new Error(`users.id ${id} vanished right after its creation`);
        return created;
      } catch (error) {
        if (isDuplicateEmail(error)) throw new DuplicateAccountError({ cause: error });
        throw error;
      }
    },

    async getUser(id) {
      return readUser(db, id);
    },

    async getUserByEmail(email) {
      const row = await db.selectFrom('users').selectAll().where('email', '=', email.toLowerCase()).executeTakeFirst();
      return row === undefined ? undefined : (await withGrants(db, [row]))[0];
    },

    async listUsers() {
      const rows = await db.selectFrom('users').selectAll().orderBy('email').execute();
      return withGrants(db, rows);
    },

    async listTenantUsers(tenantId) {
      const rows = await db
        .selectFrom('users')
        .selectAll()
        .where((eb) =>
          eb.or([
            eb('operator', '=', 1),
            eb('id', 'in', eb.selectFrom('user_grants').select('user_id').where('tenant_id', '=', tenantId)),
          ]),
        )
        .orderBy('email')
        .execute();
      return withGrants(db, rows);
    },

    async updateUser(id, change, at) {
      const found = await db.transaction().execute(async (trx) => {
        const result = await trx
          .updateTable('users')
          .set(userColumns(change, at))
          .where('id', '=', id)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) === 0) return false;
        if (change.grants !== undefined) await replaceGrants(trx, id, change.grants);
        return true;
      });
      return found ? readUser(db, id) : undefined;
    },

    async createInvitation(invitation) {
      await db
        .insertInto('invitations')
        .values(DbInvitation.to({ ...invitation, usedAt: null }))
        .execute();
    },

    async takeInvitation(tokenHash, at) {
      checkInstant(at);
      // One statement: of two takes at once, the database lets one set used_at and the other then finds it set.
      const row = await db
        .updateTable('invitations')
        .set({ used_at: at })
        .where('token_hash', '=', tokenHash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', at)
        .returningAll()
        .executeTakeFirst();
      return row === undefined ? undefined : DbInvitation.from(row);
    },

    async listOpenInvitations(at) {
      checkInstant(at);
      const rows = await db
        .selectFrom('invitations')
        .selectAll()
        .where('used_at', 'is', null)
        .where('expires_at', '>', at)
        .orderBy('created_at', 'desc')
        .orderBy('token_hash')
        .execute();
      return rows.map((row) => DbInvitation.from(row));
    },

    async createApiToken(token) {
      const row = await db
        .insertInto('api_tokens')
        .values(DbApiToken.to({ ...token, lastUsedAt: null, revokedAt: null }))
        .returningAll()
        .executeTakeFirstOrThrow();
      return DbApiToken.from(row);
    },

    async findApiToken(tokenHash) {
      const row = await db
        .selectFrom('api_tokens')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (row === undefined) return undefined;
      const token = DbApiToken.from(row);
      const user = await readUser(db, token.userId);
      return user === undefined ? undefined : { token, user };
    },

    async touchApiToken(id, at) {
      const cutoff = new Date(Date.parse(checkInstant(at)) - apiTokenTouchIntervalMs).toISOString();
      // Written at most once a minute (and never backwards): a token used at every request costs no write each.
      await db
        .updateTable('api_tokens')
        .set({ last_used_at: at })
        .where('id', '=', id)
        .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<=', cutoff)]))
        .execute();
    },

    async revokeApiToken(id, userId, at) {
      const result = await db
        .updateTable('api_tokens')
        .set({ revoked_at: at })
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async listApiTokens(userId) {
      const rows = await db
        .selectFrom('api_tokens')
        .selectAll()
        .where('user_id', '=', userId)
        .orderBy('id', 'desc')
        .execute();
      return rows.map((row) => DbApiToken.from(row));
    },

    async addAudit(entry) {
      const row = await db.insertInto('audit').values(DbAuditEntry.to(entry)).returningAll().executeTakeFirstOrThrow();
      return DbAuditEntry.from(row);
    },

    async listAudit(filter: AuditFilter) {
      let query = db.selectFrom('audit').selectAll();
      if (filter.tenantId !== undefined) query = query.where('tenant_id', '=', filter.tenantId);
      if (filter.actorId !== undefined) query = query.where('actor_id', '=', filter.actorId);
      if (filter.action !== undefined) query = query.where('action', '=', filter.action);
      // Instants are ISO text: comparing them as text is comparing them in time.
      if (filter.since !== undefined) query = query.where('at', '>=', checkInstant(filter.since));
      if (filter.until !== undefined) query = query.where('at', '<', checkInstant(filter.until));
      if (filter.beforeId !== undefined) query = query.where('id', '<', filter.beforeId);
      const rows = await query.orderBy('id', 'desc').limit(checkLimit(filter.limit)).execute();
      return rows.map((row) => DbAuditEntry.from(row));
    },

    async getAlertState(tenantId) {
      const row = await db.selectFrom('alert_states').selectAll().where('tenant_id', '=', tenantId).executeTakeFirst();
      return row === undefined ? undefined : DbAlertState.from(row);
    },

    async saveAlertState(state) {
      await db
        .insertInto('alert_states')
        .values(DbAlertState.to(state))
        .onConflict((conflict) =>
          conflict.column('tenant_id').doUpdateSet((eb) => ({
            state: eb.ref('excluded.state'),
            attention: eb.ref('excluded.attention'),
            changed_at: eb.ref('excluded.changed_at'),
          })),
        )
        .execute();
    },

    async getTenantAlertSettings(tenantId) {
      const row = await db
        .selectFrom('tenant_alert_settings')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .executeTakeFirst();
      return row === undefined ? undefined : DbTenantAlertSettings.from(row);
    },

    async saveTenantAlertSettings(settings) {
      await db
        .insertInto('tenant_alert_settings')
        .values(DbTenantAlertSettings.to(settings))
        .onConflict((conflict) =>
          conflict.column('tenant_id').doUpdateSet((eb) => ({
            webhook_url: eb.ref('excluded.webhook_url'),
            lang: eb.ref('excluded.lang'),
          })),
        )
        .execute();
    },
  };
}
