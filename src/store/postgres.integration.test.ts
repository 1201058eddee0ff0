/**
 * The store contracts on PostgreSQL (127.0.0.1:5432, database `test` unless AIMAIRA_EDUSIGN_TEST_POSTGRES_URL
 * says otherwise). Each run of this file works in schemas of its own, with random names, dropped at the end: one
 * schema migrated once and emptied before each contract test (one pool for the whole file), and a fresh one for
 * each test of opening.
 */
import { randomBytes } from 'node:crypto';

import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openStore } from './open.js';
import { migrationLockKey, openPostgresStore } from './postgres.js';
import type { PostgresStores } from './postgres.js';
import { storeMigrations } from './migrations.js';
import type { Database } from './schema.js';
import { describeAccountStoreContract } from './account-store.contract.js';
import { describeDashboardSessionStoreContract } from './dashboard-session-store.contract.js';
import { describeScheduleStoreContract } from './schedule-store.contract.js';
import { describeStoreContract } from './store.contract.js';
import { describeTenantStoreContract } from './tenant-store.contract.js';
import { describeWebhookStoreContract } from './webhook-store.contract.js';

const url = process.env['AIMAIRA_EDUSIGN_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const migrationNames = Object.keys(storeMigrations('postgres'));
const tables: (keyof Database)[] = [
  'links',
  'runs',
  'events',
  'session_creations',
  'attendance',
  'locked_sheets',
  'tenants',
  'scheduled_runs',
  'tenant_locks',
  'tenant_health',
  'preflights',
  'dashboard_sessions',
  'users',
  'user_grants',
  'invitations',
  'api_tokens',
  'audit',
  'alert_states',
  'tenant_alert_settings',
  'webhook_endpoints',
  'webhook_messages',
];

const schemas: string[] = [];
function newSchema(): string {
  const schema = `store_test_${randomBytes(6).toString('hex')}`;
  schemas.push(schema);
  return schema;
}

/** A connection of the test's own, outside any store: creates nothing, drops the schemas at the end. */
const admin = new pg.Pool({ connectionString: url, max: 2 });
admin.on('error', () => {});

let shared: PostgresStores | undefined;

/** The file's store, emptied: what each contract test starts from. Its `close()` leaves the pool open. */
async function emptyStore(): Promise<PostgresStores> {
  shared ??= await openPostgresStore({ url, schema: newSchema(), poolSize: 4 });
  await sql`truncate table ${sql.join(tables.map((table) => sql.table(table)))} restart identity cascade`.execute(
    shared.db,
  );
  return { ...shared, close: () => Promise.resolve() };
}

beforeAll(async () => {
  try {
    await admin.query('select 1');
  } catch (error) {
    throw new Error(`PostgreSQL is not reachable at ${url} (start it, see .ci/run)`, { cause: error });
  }
});

afterAll(async () => {
  await shared?.close();
  for (const schema of schemas) await admin.query(`drop schema if exists "${schema}" cascade`);
  await admin.end();
});

describeStoreContract('PostgreSQL', emptyStore);
describeScheduleStoreContract('PostgreSQL', emptyStore);
describeTenantStoreContract('PostgreSQL', emptyStore);
describeDashboardSessionStoreContract('PostgreSQL', emptyStore);
describeAccountStoreContract('PostgreSQL', emptyStore);
describeWebhookStoreContract('PostgreSQL', emptyStore);

async function appliedMigrations(schema: string): Promise<string[]> {
  const { rows } = await admin.query<{ name: string }>(`select name from "${schema}".kysely_migration order by name`);
  return rows.map((row) => row.name);
}

describe('openPostgresStore', () => {
  it('creates the schema and applies every migration once, in order, and none when opened again', async () => {
    const schema = newSchema();
    const first = await openStore(url, { schema, poolSize: 2 });
    const second = await openStore(url, { schema, poolSize: 2 });
    try {
      expect(await appliedMigrations(schema)).toEqual(migrationNames);
      const run = await first.startRun('t', 'down', '2026-01-01T00:00:00.000Z');
      expect(run.id).toBe(1);
      // Both see the same tables, and 64-bit columns come back as numbers.
      expect(await second.getRun(run.id)).toMatchObject({ id: 1, status: 'running' });
      const { rows } = await admin.query<{ n: string }>(
        `select count(*) as n from information_schema.tables where table_schema = $1`,
        [schema],
      );
      expect(Number(rows[0]?.n)).toBe(tables.length + 2); // and kysely_migration, kysely_migration_lock
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('migrates once when ten processes open an empty schema together', async () => {
    const schema = newSchema();
    const opens = await Promise.allSettled(
      Array.from({ length: 10 }, () => openPostgresStore({ url, schema, poolSize: 2 })),
    );
    try {
      expect(opens.filter((open) => open.status === 'rejected')).toEqual([]);
      expect(await appliedMigrations(schema)).toEqual(migrationNames);
      // Every one of them works on the migrated tables.
      for (const open of opens) {
        if (open.status === 'fulfilled') expect(await open.value.listRuns('t')).toEqual([]);
      }
    } finally {
      for (const open of opens) if (open.status === 'fulfilled') await open.value.close();
    }
    // And the migration lock is free again.
    const { rows } = await admin.query<{ n: string }>(
      `select count(*) as n from pg_locks where locktype = 'advisory' and objid = ($1::bigint & 4294967295)`,
      [migrationLockKey.toString()],
    );
    expect(Number(rows[0]?.n)).toBe(0);
  });

  it('waits for a migration lock held elsewhere, then opens', async () => {
    const schema = newSchema();
    const holder = await admin.connect();
    try {
      await holder.query('select pg_advisory_lock($1)', [migrationLockKey.toString()]);
      let opened = false;
      const opening = openPostgresStore({ url, schema, poolSize: 2 }).then((store) => {
        opened = true;
        return store;
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(opened).toBe(false);
      await holder.query('select pg_advisory_unlock($1)', [migrationLockKey.toString()]);
      const store = await opening;
      await store.close();
      expect(await appliedMigrations(schema)).toEqual(migrationNames);
    } finally {
      holder.release();
    }
  });

  it('never shows the password of a database it cannot reach', async () => {
    const error: unknown = await openStore('postgres://someone:s3cret-pw@127.0.0.1:1/test').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(
      /Cannot open the PostgreSQL store at postgres:\/\/\*\*\*@127\.0\.0\.1:1\/test/,
    );
    expect((error as Error).message).not.toContain('s3cret-pw');
  });

  it('refuses a schema name it would have to quote', async () => {
    await expect(openPostgresStore({ url, schema: 'Bad"; drop schema public; --' })).rejects.toThrow(/schema name/);
  });
});
