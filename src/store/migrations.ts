/**
 * The schema of the state store, as migrations in code: each one is applied once, in name order, and recorded in
 * Kysely's migration table. The schema never changes in place: every change, from the first table on, is a new
 * migration appended here.
 *
 * The same migrations run on SQLite and PostgreSQL: portable column types only (text, integer, bigint), JSON and
 * instants stored as text. Generated ids are the one thing the two spell differently, hence the dialect argument.
 *
 * Kysely runs SQLite migrations outside a transaction (its SQLite adapter does not claim transactional DDL), so a
 * process killed halfway through one leaves some of its tables behind; every statement uses `if not exists` so the
 * interrupted migration simply runs again at the next start.
 */
import { Migrator, sql } from 'kysely';
import type { ColumnDefinitionBuilder, Kysely, Migration, MigrationProvider } from 'kysely';

import { StateStoreError } from './schema.js';

export const sqlDialects = ['sqlite', 'postgres'] as const;
export type SqlDialect = (typeof sqlDialects)[number];

/** Serves migrations from memory, so the store needs no migration folder next to the compiled code. */
export class InMemoryMigrationProvider implements MigrationProvider {
  readonly #migrations: Record<string, Migration>;

  constructor(migrations: Record<string, Migration>) {
    this.#migrations = migrations;
  }

  getMigrations(): Promise<Record<string, Migration>> {
    return Promise.resolve(this.#migrations);
  }
}

/**
 * The type of a generated id column. SQLite: `integer primary key autoincrement`, the rowid itself, never reused
 * even after the newest rows are deleted (paging by `beforeId` relies on ids only growing). PostgreSQL: a bigint
 * identity column.
 */
function idType(dialect: SqlDialect): 'integer' | 'bigint' {
  return dialect === 'sqlite' ? 'integer' : 'bigint';
}

function generatedId(dialect: SqlDialect) {
  return (column: ColumnDefinitionBuilder) =>
    dialect === 'sqlite' ? column.primaryKey().autoIncrement() : column.primaryKey().generatedByDefaultAsIdentity();
}

const notNull = (column: ColumnDefinitionBuilder) => column.notNull();

/*
 * Migrations take `Kysely<unknown>`: they describe the schema as it was when they were written, not the current
 * `Database` interface.
 */
export function storeMigrations(dialect: SqlDialect): Record<string, Migration> {
  return {
    '0001_links': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('links')
          .ifNotExists()
          .addColumn('tenant_id', 'text', notNull)
          .addColumn('kind', 'text', notNull)
          .addColumn('aimaira_id', 'bigint', notNull)
          .addColumn('edusign_id', 'text', notNull)
          .addColumn('hash', 'text')
          .addColumn('data', 'text', notNull)
          .addColumn('origin', 'text', notNull)
          .addColumn('created_at', 'text', notNull)
          .addColumn('updated_at', 'text', notNull)
          .addPrimaryKeyConstraint('links_pkey', ['tenant_id', 'kind', 'aimaira_id'])
          .execute();
        // Not unique: two Aimaira records pointing at one Edusign record is a state the sync must be able to see.
        await db.schema
          .createIndex('links_edusign_id_idx')
          .ifNotExists()
          .on('links')
          .columns(['tenant_id', 'kind', 'edusign_id'])
          .execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable('links').ifExists().execute();
      },
    },
    '0002_runs': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('runs')
          .ifNotExists()
          .addColumn('id', idType(dialect), generatedId(dialect))
          .addColumn('tenant_id', 'text', notNull)
          .addColumn('direction', 'text', notNull)
          .addColumn('started_at', 'text', notNull)
          .addColumn('ended_at', 'text')
          .addColumn('status', 'text', notNull)
          .addColumn('counts', 'text', notNull)
          .addColumn('error', 'text')
          .execute();
        // A tenant's runs, newest first.
        await db.schema
          .createIndex('runs_tenant_id_idx')
          .ifNotExists()
          .on('runs')
          .columns(['tenant_id', 'id'])
          .execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable('runs').ifExists().execute();
      },
    },
    '0003_events': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('events')
          .ifNotExists()
          .addColumn('id', idType(dialect), generatedId(dialect))
          // Pruning old runs takes their events along.
          .addColumn('run_id', 'bigint', (column) => column.notNull().references('runs.id').onDelete('cascade'))
          .addColumn('tenant_id', 'text', notNull)
          .addColumn('at', 'text', notNull)
          .addColumn('level', 'text', notNull)
          .addColumn('action', 'text', notNull)
          .addColumn('record_kind', 'text', notNull)
          .addColumn('aimaira_id', 'bigint')
          .addColumn('edusign_id', 'text')
          .addColumn('reason', 'text')
          .addColumn('message', 'text', notNull)
          .execute();
        await db.schema
          .createIndex('events_tenant_id_idx')
          .ifNotExists()
          .on('events')
          .columns(['tenant_id', 'id'])
          .execute();
        await db.schema
          .createIndex('events_reason_idx')
          .ifNotExists()
          .on('events')
          .columns(['tenant_id', 'reason'])
          .execute();
        await db.schema.createIndex('events_run_id_idx').ifNotExists().on('events').column('run_id').execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable('events').ifExists().execute();
      },
    },
    '0004_session_creations': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('session_creations')
          .ifNotExists()
          .addColumn('tenant_id', 'text', notNull)
          .addColumn('aimaira_id', 'bigint', notNull)
          .addColumn('created_at', 'text', notNull)
          .addPrimaryKeyConstraint('session_creations_pkey', ['tenant_id', 'aimaira_id'])
          .execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable('session_creations').ifExists().execute();
      },
    },
    '0005_attendance': {
      async up(db: Kysely<unknown>) {
        // One row per (session, learner) the upward run wrote or is writing: the memory of "exactly once".
        await db.schema
          .createTable('attendance')
          .ifNotExists()
          .addColumn('tenant_id', 'text', notNull)
          .addColumn('planification_id', 'bigint', notNull)
          .addColumn('learner_id', 'bigint', notNull)
          .addColumn('row_id', 'bigint', notNull)
          .addColumn('hash', 'text', notNull)
          .addColumn('state', 'text', notNull)
          .addColumn('first_sent_at', 'text')
          .addColumn('updated_at', 'text', notNull)
          .addPrimaryKeyConstraint('attendance_pkey', ['tenant_id', 'planification_id', 'learner_id'])
          .execute();
        // Per locked sheet: the session marked done, or the hand-made sheet already reported.
        await db.schema
          .createTable('locked_sheets')
          .ifNotExists()
          .addColumn('tenant_id', 'text', notNull)
          .addColumn('edusign_id', 'text', notNull)
          .addColumn('planification_id', 'bigint')
          .addColumn('realised_at', 'text')
          .addColumn('not_linked_at', 'text')
          .addPrimaryKeyConstraint('locked_sheets_pkey', ['tenant_id', 'edusign_id'])
          .execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable('locked_sheets').ifExists().execute();
        await db.schema.dropTable('attendance').ifExists().execute();
      },
    },
    '0006_tenants': {
      async up(db: Kysely<unknown>) {
        // The tenants the service runs; secrets are stored sealed (AES-256-GCM), never in plaintext.
        await db.schema
          .createTable('tenants')
          .ifNotExists()
          .addColumn('id', 'text', (column) => column.primaryKey())
          .addColumn('aimaira_url', 'text', notNull)
          .addColumn('aimaira_username', 'text')
          .addColumn('aimaira_password', 'text')
          .addColumn('aimaira_api_key', 'text')
          .addColumn('edusign_url', 'text', notNull)
          .addColumn('edusign_api_key', 'text', notNull)
          .addColumn('options', 'text', notNull)
          .addColumn('status', 'text', notNull)
          .addColumn('paused_reason', 'text')
          .addColumn('paused_at', 'text')
          .addColumn('created_at', 'text', notNull)
          .addColumn('updated_at', 'text', notNull)
          .execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable('tenants').ifExists().execute();
      },
    },
    '0007_schedule': {
      async up(db: Kysely<unknown>) {
        // The primary key is the "at most once" of each (tenant, window, Paris date): a claim is an insert.
        await db.schema
          .createTable('scheduled_runs')
          .ifNotExists()
          .addColumn('tenant_id', 'text', notNull)
          .addColumn('window_id', 'text', notNull)
          .addColumn('paris_date', 'text', notNull)
          .addColumn('state', 'text', notNull)
          .addColumn('slot_at', 'text', notNull)
          .addColumn('holder', 'text')
          .addColumn('claimed_at', 'text')
          .addColumn('finished_at', 'text')
          .addColumn('attempts', 'integer', notNull)
          .addColumn('run_ids', 'text', notNull)
          .addColumn('outcome', 'text')
          .addColumn('reason', 'text')
          .addColumn('error', 'text')
          .addPrimaryKeyConstraint('scheduled_runs_pkey', ['tenant_id', 'window_id', 'paris_date'])
          .execute();
        // The dashboard lists recent days; the scheduler looks for claims left behind by a dead process.
        await db.schema
          .createIndex('scheduled_runs_date_idx')
          .ifNotExists()
          .on('scheduled_runs')
          .columns(['paris_date', 'state'])
          .execute();
        await db.schema
          .createIndex('scheduled_runs_state_idx')
          .ifNotExists()
          .on('scheduled_runs')
          .columns(['state', 'claimed_at'])
          .execute();
        await db.schema
          .createTable('tenant_locks')
          .ifNotExists()
          .addColumn('tenant_id', 'text', (column) => column.primaryKey())
          .addColumn('holder', 'text', notNull)
          .addColumn('acquired_at', 'text', notNull)
          .addColumn('heartbeat_at', 'text', notNull)
          .addColumn('expires_at', 'text', notNull)
          .execute();
        await db.schema
          .createTable('tenant_health')
          .ifNotExists()
          .addColumn('tenant_id', 'text', (column) => column.primaryKey())
          .addColumn('scheduled_since', 'text', notNull)
          .addColumn('paused_at', 'text')
          .addColumn('pause_reason', 'text')
          .addColumn('pause_message', 'text')
          .addColumn('failure_reason', 'text')
          .addColumn('failure_signature', 'text')
          .addColumn('failure_count', 'integer', notNull)
          .addColumn('last_trigger', 'text')
          .addColumn('last_status', 'text')
          .addColumn('last_reason', 'text')
          .addColumn('last_error', 'text')
          .addColumn('last_started_at', 'text')
          .addColumn('last_finished_at', 'text')
          .execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable('tenant_health').ifExists().execute();
        await db.schema.dropTable('tenant_locks').ifExists().execute();
        await db.schema.dropTable('scheduled_runs').ifExists().execute();
      },
    },
    '0008_preflights': {
      async up(db: Kysely<unknown>) {
        // One row per tenant: its last preflight, whose strategies its runs use (src/domain/preflight.ts).
        await db.schema
          .createTable('preflights')
          .ifNotExists()
          .addColumn('tenant_id', 'text', (column) => column.primaryKey())
          .addColumn('ran_at', 'text', notNull)
          .addColumn('report', 'text', notNull)
          .execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable('preflights').ifExists().execute();
      },
    },
    '0009_tutors_as_externals': {
      async up(db: Kysely<unknown>) {
        // Tutors were written through a `student-follower` route no Edusign has; they are externals now. Links
        // made before hold ids of that route: forget them, so tutors are looked up again (by e-mail, then API_ID),
        // and make the learners of those tenants be written once more with their tutors' externals ids.
        await sql`update links set hash = null where kind = 'learner'
          and tenant_id in (select distinct tenant_id from links where kind = 'tutor')`.execute(db);
        await sql`delete from links where kind = 'tutor'`.execute(db);
      },
      async down() {
        // Nothing to undo: the forgotten links are found again by the next run.
      },
    },
    '0010_dashboard_sessions_and_run_progress': {
      async up(db: Kysely<unknown>) {
        // The dashboard's sign-in sessions, shared by every process serving it. The key is the SHA-256 of the
        // session id, never the id itself: a copy of the database (a backup, a dump) signs nobody in.
        await db.schema
          .createTable('dashboard_sessions')
          .ifNotExists()
          .addColumn('id_hash', 'text', (column) => column.primaryKey())
          .addColumn('csrf_token', 'text', notNull)
          .addColumn('created_at', 'text', notNull)
          .addColumn('last_seen_at', 'text', notNull)
          .execute();
        // The progress of a run on its own row rather than in a table of its own: it is a fact of that one run,
        // written only by the process running it, read with it in one query and pruned with it, and the last value
        // stays, telling how far an interrupted run got. Null until the run saves some.
        await addColumnOnce(db, dialect, 'runs', 'progress_done', 'integer');
        await addColumnOnce(db, dialect, 'runs', 'progress_total', 'integer');
        await addColumnOnce(db, dialect, 'runs', 'progress_at', 'text');
        // The dashboard reads a tenant's running runs.
        await db.schema
          .createIndex('runs_status_idx')
          .ifNotExists()
          .on('runs')
          .columns(['status', 'tenant_id'])
          .execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropIndex('runs_status_idx').ifExists().execute();
        for (const column of ['progress_at', 'progress_total', 'progress_done']) {
          await db.schema.alterTable('runs').dropColumn(column).execute();
        }
        await db.schema.dropTable('dashboard_sessions').ifExists().execute();
      },
    },
    '0011_runs_ended_at': {
      async up(db: Kysely<unknown>) {
        // Retention deletes the runs that ended before a cutoff, daily: without it, a scan of every run.
        await db.schema.createIndex('runs_ended_at_idx').ifNotExists().on('runs').column('ended_at').execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropIndex('runs_ended_at_idx').ifExists().execute();
      },
    },
    '0012_accounts': {
      async up(db: Kysely<unknown>) {
        // The people of the dashboard. E-mails are stored lower case, so a plain unique constraint is a
        // case-insensitive one on both databases (named, so that a violation of it can be told from any other).
        await db.schema
          .createTable('users')
          .ifNotExists()
          .addColumn('id', idType(dialect), generatedId(dialect))
          .addColumn('email', 'text', notNull)
          .addColumn('operator', 'integer', notNull)
          .addColumn('disabled', 'integer', notNull)
          // A scrypt hash made by the caller, never a password; null until an invitation is accepted.
          .addColumn('password_hash', 'text')
          .addColumn('lang', 'text')
          // JSON array of alert kinds.
          .addColumn('alerts', 'text', notNull)
          .addColumn('created_at', 'text', notNull)
          .addColumn('updated_at', 'text', notNull)
          .addUniqueConstraint('users_email_key', ['email'])
          .execute();
        await db.schema
          .createTable('user_grants')
          .ifNotExists()
          .addColumn('user_id', 'bigint', (column) => column.notNull().references('users.id').onDelete('cascade'))
          .addColumn('tenant_id', 'text', notNull)
          .addColumn('role', 'text', notNull)
          .addPrimaryKeyConstraint('user_grants_pkey', ['user_id', 'tenant_id'])
          .execute();
        // Who may see a tenant (its alerts, its page of people).
        await db.schema
          .createIndex('user_grants_tenant_id_idx')
          .ifNotExists()
          .on('user_grants')
          .column('tenant_id')
          .execute();
        // Keyed by the SHA-256 of the link's token, never the token: a copy of the database accepts no invitation.
        await db.schema
          .createTable('invitations')
          .ifNotExists()
          .addColumn('token_hash', 'text', (column) => column.primaryKey())
          .addColumn('email', 'text', notNull)
          .addColumn('operator', 'integer', notNull)
          // JSON array of { tenantId, role }: the grants the account gets when the invitation is taken.
          .addColumn('grants', 'text', notNull)
          // No foreign key: an invitation outlives nothing, but its author's row is not its business.
          .addColumn('created_by', 'bigint')
          .addColumn('created_at', 'text', notNull)
          .addColumn('expires_at', 'text', notNull)
          .addColumn('used_at', 'text')
          .execute();
        // Personal API tokens, by the SHA-256 of the token (shown once, never stored): unique, the lookup key.
        await db.schema
          .createTable('api_tokens')
          .ifNotExists()
          .addColumn('id', idType(dialect), generatedId(dialect))
          .addColumn('user_id', 'bigint', (column) => column.notNull().references('users.id').onDelete('cascade'))
          .addColumn('name', 'text', notNull)
          .addColumn('token_hash', 'text', notNull)
          .addColumn('created_at', 'text', notNull)
          .addColumn('last_used_at', 'text')
          .addColumn('revoked_at', 'text')
          .addUniqueConstraint('api_tokens_token_hash_key', ['token_hash'])
          .execute();
        await db.schema
          .createIndex('api_tokens_user_id_idx')
          .ifNotExists()
          .on('api_tokens')
          .column('user_id')
          .execute();
        // The audit trail. The actor's e-mail is copied at the time (and no foreign key to users): an entry must
        // still say who did it once the account has changed.
        await db.schema
          .createTable('audit')
          .ifNotExists()
          .addColumn('id', idType(dialect), generatedId(dialect))
          .addColumn('at', 'text', notNull)
          .addColumn('actor_id', 'bigint')
          .addColumn('actor_email', 'text')
          .addColumn('via', 'text', notNull)
          .addColumn('address', 'text')
          .addColumn('tenant_id', 'text')
          .addColumn('action', 'text', notNull)
          // JSON object of what changed, never a secret's value.
          .addColumn('detail', 'text', notNull)
          .execute();
        // A tenant's entries newest first; every entry in a period (the CSV export).
        await db.schema
          .createIndex('audit_tenant_id_idx')
          .ifNotExists()
          .on('audit')
          .columns(['tenant_id', 'id'])
          .execute();
        await db.schema.createIndex('audit_at_idx').ifNotExists().on('audit').column('at').execute();
        // What the alerts last told about each tenant: an alert goes out only on a change.
        await db.schema
          .createTable('alert_states')
          .ifNotExists()
          .addColumn('tenant_id', 'text', (column) => column.primaryKey())
          .addColumn('state', 'text', notNull)
          .addColumn('attention', 'text', notNull)
          .addColumn('changed_at', 'text', notNull)
          .execute();
        await db.schema
          .createTable('tenant_alert_settings')
          .ifNotExists()
          .addColumn('tenant_id', 'text', (column) => column.primaryKey())
          .addColumn('webhook_url', 'text')
          .addColumn('lang', 'text', notNull)
          .execute();
        // The account a session signs in; null for the sessions made before accounts (they sign nobody in). No
        // foreign key: SQLite cannot add one to an existing table, and sessions of an account are ended by the
        // store (deleteUserDashboardSessions) rather than by a cascade.
        await addColumnOnce(db, dialect, 'dashboard_sessions', 'user_id', 'bigint');
        await db.schema
          .createIndex('dashboard_sessions_user_id_idx')
          .ifNotExists()
          .on('dashboard_sessions')
          .column('user_id')
          .execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropIndex('dashboard_sessions_user_id_idx').ifExists().execute();
        await db.schema.alterTable('dashboard_sessions').dropColumn('user_id').execute();
        for (const table of [
          'tenant_alert_settings',
          'alert_states',
          'audit',
          'api_tokens',
          'invitations',
          'user_grants',
          'users',
        ]) {
          await db.schema.dropTable(table).ifExists().execute();
        }
      },
    },
    '0013_webhooks': {
      async up(db: Kysely<unknown>) {
        // What each tenant's two receivers accept. The secret columns hold sealed values (`v1:<keyId>:...`, see
        // src/service/secrets.ts), as `tenants` does: a copy of the database opens no receiver without the master
        // key, and a key rotation reseals them with the tenants' own (reencryptWebhookSecrets).
        await db.schema
          .createTable('webhook_endpoints')
          .ifNotExists()
          .addColumn('tenant_id', 'text', (column) => column.primaryKey())
          // 0 or 1 (SQLite has no boolean).
          .addColumn('enabled', 'integer', notNull)
          // Null: not learned yet (the first check sets it).
          .addColumn('aimaira_customer_name', 'text')
          .addColumn('aimaira_client_id', 'text')
          .addColumn('aimaira_client_secret', 'text')
          .addColumn('edusign_school_id', 'text')
          .addColumn('edusign_client_secret', 'text')
          // JSON object: Aimaira's table name (`ObjectType`) of each entity, learned at the preflight.
          .addColumn('object_types', 'text', notNull)
          .addColumn('updated_at', 'text', notNull)
          .execute();
        // The inbox. A message is written here before its sender is answered: this row is the only durability an
        // accepted message has (neither service sends it again once answered), so it stays until a run has acted
        // on it (processed_at) and retention has passed. No foreign key to `tenants`: a tenant's messages are
        // kept, like its runs, whatever happens to its row, and retention removes them.
        await db.schema
          .createTable('webhook_messages')
          .ifNotExists()
          .addColumn('id', idType(dialect), generatedId(dialect))
          .addColumn('tenant_id', 'text', notNull)
          .addColumn('source', 'text', notNull)
          .addColumn('received_at', 'text', notNull)
          .addColumn('event', 'text', notNull)
          .addColumn('object_type', 'text')
          .addColumn('object_id', 'text')
          // 0 or 1; null: not checked (and always for Edusign, which signs the whole message instead).
          .addColumn('hash_ok', 'integer')
          // Null while pending.
          .addColumn('processed_at', 'text')
          .execute();
        // A tenant's pending messages oldest first, and the tenants having some: partial, so that it holds only
        // the few pending rows, not the processed ones retention keeps for days.
        await db.schema
          .createIndex('webhook_messages_pending_idx')
          .ifNotExists()
          .on('webhook_messages')
          .columns(['tenant_id', 'received_at', 'id'])
          .where(sql.ref('processed_at'), 'is', null)
          .execute();
        // Retention deletes the processed messages received before a cutoff, daily: without it, a scan of them all.
        await db.schema
          .createIndex('webhook_messages_received_at_idx')
          .ifNotExists()
          .on('webhook_messages')
          .column('received_at')
          .execute();
        // The dashboard's "last message received" of a tenant, per source: one index step instead of a scan of
        // the tenant's messages.
        await db.schema
          .createIndex('webhook_messages_last_idx')
          .ifNotExists()
          .on('webhook_messages')
          .columns(['tenant_id', 'source', 'received_at'])
          .execute();
      },
      async down(db: Kysely<unknown>) {
        for (const index of [
          'webhook_messages_last_idx',
          'webhook_messages_received_at_idx',
          'webhook_messages_pending_idx',
        ]) {
          await db.schema.dropIndex(index).ifExists().execute();
        }
        await db.schema.dropTable('webhook_messages').ifExists().execute();
        await db.schema.dropTable('webhook_endpoints').ifExists().execute();
      },
    },
  };
}

/**
 * `alter table ... add column`, skipped when the column is there: SQLite has no `add column if not exists`, and a
 * migration it ran halfway (outside a transaction, see above) must be able to run again.
 */
async function addColumnOnce(
  db: Kysely<unknown>,
  dialect: SqlDialect,
  table: string,
  column: string,
  type: 'integer' | 'bigint' | 'text',
): Promise<void> {
  if (dialect === 'postgres') {
    await sql`alter table ${sql.table(table)} add column if not exists ${sql.ref(column)} ${sql.raw(type)}`.execute(db);
    return;
  }
  const { rows } = await sql<{ name: string }>`select name from pragma_table_info(${table})`.execute(db);
  if (!rows.some((row) => row.name === column)) await db.schema.alterTable(table).addColumn(column, type).execute();
}

/**
 * Applies the migrations not applied yet and returns their names (empty when the schema is up to date). Safe to
 * call at every start.
 *
 * `migrationTableSchema` (PostgreSQL): the schema of Kysely's migration tables, which must be the schema of the
 * store's tables. Without it Kysely looks for them in every schema of the database, takes another schema's for
 * this one's, and fails.
 */
export async function migrateToLatest<DB>(
  db: Kysely<DB>,
  dialect: SqlDialect,
  options: { migrationTableSchema?: string } = {},
): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: new InMemoryMigrationProvider(storeMigrations(dialect)),
    ...(options.migrationTableSchema === undefined ? {} : { migrationTableSchema: options.migrationTableSchema }),
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  const failed = results.find((result) => result.status === 'Error');
  if (error !== undefined) {
    const which = failed === undefined ? '' : ` at ${failed.migrationName}`;
    throw new StateStoreError(`State store migration failed${which}`, { cause: error });
  }
  return results.filter((result) => result.status === 'Success').map((result) => result.migrationName);
}
