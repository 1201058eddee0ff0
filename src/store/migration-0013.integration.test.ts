/**
 * Migration 0013 (webhooks) on stores made before it, SQLite and PostgreSQL: what they held is kept, the new tables
 * work, a migration stopped halfway (SQLite runs it outside a transaction) runs again, and down goes back to 0012.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';

import { InMemoryMigrationProvider, storeMigrations } from './migrations.js';
import { openPostgresStore } from './postgres.js';
import { openSqliteStore } from './sqlite.js';

const url = process.env['AIMAIRA_EDUSIGN_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const at = '2026-01-01T00:00:00.000Z';
const before = '0012_accounts';

const dirs: string[] = [];
const schemas: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  if (schemas.length === 0) return;
  const admin = new pg.Pool({ connectionString: url, max: 1 });
  try {
    for (const schema of schemas) await admin.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await admin.end();
  }
});

/** An account made before webhooks, as 0012 stored it. */
async function insertOldUser(db: Kysely<unknown>): Promise<void> {
  await sql`insert into users (email, operator, disabled, alerts, created_at, updated_at)
    values ('a@example.org', 1, 0, '[]', ${at}, ${at})`.execute(db);
}

/** A SQLite file migrated up to 0012, with an account made then, and the Kysely instance over it. */
async function sqliteBefore0013(): Promise<{ file: string; old: Kysely<unknown> }> {
  const dir = await mkdtemp(join(tmpdir(), 'migration-0013-'));
  dirs.push(dir);
  const file = join(dir, 'state.sqlite');
  const old = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new BetterSqlite3(file) }) });
  const migrator = new Migrator({ db: old, provider: new InMemoryMigrationProvider(storeMigrations('sqlite')) });
  expect((await migrator.migrateTo(before)).error).toBeUndefined();
  await insertOldUser(old);
  return { file, old };
}

const webhookMessage = {
  tenantId: 't',
  source: 'aimaira',
  receivedAt: at,
  event: 'Planification_Update',
  objectType: 'T_PLANIFICATION',
  objectId: '7',
  hashOk: true,
} as const;

describe('migration 0013', () => {
  it('adds the webhook tables to a SQLite store at 0012, keeping what it held', async () => {
    const { file, old } = await sqliteBefore0013();
    await old.destroy();
    const store = await openSqliteStore({ file });
    try {
      expect((await store.accounts.getUserByEmail('a@example.org'))?.operator).toBe(true);
      const message = await store.webhooks.recordWebhookMessage(webhookMessage);
      expect(message.id).toBe(1);
      expect(await store.webhooks.tenantsWithPendingWebhookMessages()).toEqual([{ tenantId: 't', oldest: at }]);
    } finally {
      await store.close();
    }
  });

  it('runs again on SQLite after stopping halfway, one table already there', async () => {
    const { file, old } = await sqliteBefore0013();
    await sql`create table webhook_endpoints (tenant_id text primary key, enabled integer not null,
      aimaira_customer_name text, aimaira_client_id text, aimaira_client_secret text, edusign_school_id text,
      edusign_client_secret text, object_types text not null, updated_at text not null)`.execute(old);
    await old.destroy();
    const store = await openSqliteStore({ file });
    try {
      const endpoint = {
        tenantId: 't',
        enabled: true,
        aimaira: { customerName: null, clientId: 'c', clientSecret: 'v1:k:s' },
        edusign: { schoolId: null, clientSecret: null },
        objectTypes: {},
        updatedAt: at,
      };
      await store.webhooks.saveWebhookEndpoint(endpoint);
      expect(await store.webhooks.getWebhookEndpoint('t')).toEqual(endpoint);
      expect(await store.webhooks.pendingWebhookMessages('t', 10)).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('goes back down to 0012 on SQLite, without its tables and indexes, the accounts kept', async () => {
    const { old } = await sqliteBefore0013();
    const migrator = new Migrator({ db: old, provider: new InMemoryMigrationProvider(storeMigrations('sqlite')) });
    try {
      expect((await migrator.migrateToLatest()).error).toBeUndefined();
      expect((await migrator.migrateTo(before)).error).toBeUndefined();
      const { rows } = await sql<{ name: string }>`select name from sqlite_master
        where name like 'webhook%'`.execute(old);
      expect(rows).toEqual([]);
      const { rows: users } = await sql<{ email: string }>`select email from users`.execute(old);
      expect(users).toEqual([{ email: 'a@example.org' }]);
      // And up again.
      expect((await migrator.migrateToLatest()).error).toBeUndefined();
    } finally {
      await old.destroy();
    }
  });

  it('adds the webhook tables to a PostgreSQL store at 0012, and goes back down', async () => {
    const schema = `store_test_${randomBytes(6).toString('hex')}`;
    schemas.push(schema);
    const pool = new pg.Pool({ connectionString: url, max: 1, options: `-c search_path="${schema}"` });
    const old = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
    const migrator = new Migrator({
      db: old,
      provider: new InMemoryMigrationProvider(storeMigrations('postgres')),
      migrationTableSchema: schema,
    });
    try {
      await sql`create schema ${sql.id(schema)}`.execute(old);
      expect((await migrator.migrateTo(before)).error).toBeUndefined();
      await insertOldUser(old);
    } catch (error) {
      await old.destroy();
      throw error;
    }

    const store = await openPostgresStore({ url, schema, poolSize: 2 });
    try {
      expect((await store.accounts.getUserByEmail('a@example.org'))?.id).toBe(1);
      const message = await store.webhooks.recordWebhookMessage(webhookMessage);
      expect(await store.webhooks.markWebhookMessagesProcessed([message.id], at)).toBe(1);
    } finally {
      await store.close();
    }

    try {
      expect((await migrator.migrateTo(before)).error).toBeUndefined();
      const { rows } = await sql<{ name: string }>`select tablename as name from pg_tables
        where schemaname = ${schema} and tablename like 'webhook%'
        union all select indexname from pg_indexes where schemaname = ${schema} and indexname like 'webhook%'`.execute(
        old,
      );
      expect(rows).toEqual([]);
      expect((await migrator.migrateToLatest()).error).toBeUndefined();
    } finally {
      await old.destroy();
    }
  });
});
