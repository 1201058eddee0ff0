/**
 * Migration 0012 (accounts) on stores made before it, SQLite and PostgreSQL: the sessions signed in then are kept,
 * belonging to no account, and a migration stopped halfway (SQLite runs it outside a transaction) runs again.
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
import { dashboardSessionKey } from './schema.js';
import { openSqliteStore } from './sqlite.js';

const url = process.env['AIMAIRA_EDUSIGN_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const createdAt = '2026-01-01T00:00:00.000Z';
const limits = { idleMs: 3_600_000, maxAgeMs: 3_600_000 };

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

const oldSessionKey = dashboardSessionKey('old-session');

/** A session signed in before accounts existed, as 0010 stored it. */
async function insertOldSession(db: Kysely<unknown>): Promise<void> {
  await sql`insert into dashboard_sessions (id_hash, csrf_token, created_at, last_seen_at)
    values (${oldSessionKey}, 'csrf', ${createdAt}, ${createdAt})`.execute(db);
}

/** A SQLite file migrated up to 0011, with a session signed in then, and the Kysely instance over it. */
async function sqliteBefore0012(): Promise<{ file: string; old: Kysely<unknown> }> {
  const dir = await mkdtemp(join(tmpdir(), 'migration-0012-'));
  dirs.push(dir);
  const file = join(dir, 'state.sqlite');
  const old = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new BetterSqlite3(file) }) });
  const migrator = new Migrator({ db: old, provider: new InMemoryMigrationProvider(storeMigrations('sqlite')) });
  expect((await migrator.migrateTo('0011_runs_ended_at')).error).toBeUndefined();
  await insertOldSession(old);
  return { file, old };
}

describe('migration 0012', () => {
  it('keeps a SQLite session signed in before accounts, belonging to no account', async () => {
    const { file, old } = await sqliteBefore0012();
    await old.destroy();
    const store = await openSqliteStore({ file });
    try {
      const rows = await store.db.selectFrom('dashboard_sessions').selectAll().execute();
      expect(rows).toEqual([
        { id_hash: oldSessionKey, csrf_token: 'csrf', created_at: createdAt, last_seen_at: createdAt, user_id: null },
      ]);
      // And the new tables work alongside it.
      const user = await store.accounts.createUser({ email: 'a@example.org', operator: true, grants: [] }, createdAt);
      await store.createDashboardSession('new-session', 'csrf2', createdAt, user.id);
      expect(await store.deleteUserDashboardSessions(user.id)).toBe(1);
      expect(await store.db.selectFrom('dashboard_sessions').select('id_hash').execute()).toHaveLength(1);
    } finally {
      await store.close();
    }
  });

  it('runs again on SQLite after stopping halfway, its column and some tables already there', async () => {
    const { file, old } = await sqliteBefore0012();
    await sql`alter table dashboard_sessions add column user_id bigint`.execute(old);
    await sql`create table alert_states (tenant_id text primary key, state text not null, attention text not null,
      changed_at text not null)`.execute(old);
    await old.destroy();
    const store = await openSqliteStore({ file });
    try {
      await store.accounts.saveAlertState({ tenantId: 't', state: 'healthy', attention: '', changedAt: createdAt });
      expect(await store.accounts.countUsers()).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('goes back down to 0011 on SQLite, leaving the sessions as 0010 made them', async () => {
    const { old } = await sqliteBefore0012();
    const migrator = new Migrator({ db: old, provider: new InMemoryMigrationProvider(storeMigrations('sqlite')) });
    try {
      expect((await migrator.migrateToLatest()).error).toBeUndefined();
      expect((await migrator.migrateTo('0011_runs_ended_at')).error).toBeUndefined();
      const { rows: tables } = await sql<{ name: string }>`select name from sqlite_master where type = 'table'
        and name in ('users', 'user_grants', 'invitations', 'api_tokens', 'audit', 'alert_states',
        'tenant_alert_settings')`.execute(old);
      expect(tables).toEqual([]);
      const { rows: columns } = await sql<{
        name: string;
      }>`select name from pragma_table_info('dashboard_sessions')`.execute(old);
      expect(columns.map((column) => column.name)).toEqual(['id_hash', 'csrf_token', 'created_at', 'last_seen_at']);
    } finally {
      await old.destroy();
    }
  });

  it('keeps a PostgreSQL session signed in before accounts, belonging to no account', async () => {
    const schema = `store_test_${randomBytes(6).toString('hex')}`;
    schemas.push(schema);
    const pool = new pg.Pool({ connectionString: url, max: 1, options: `-c search_path="${schema}"` });
    const old = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
    try {
      await sql`create schema ${sql.id(schema)}`.execute(old);
      const migrator = new Migrator({
        db: old,
        provider: new InMemoryMigrationProvider(storeMigrations('postgres')),
        migrationTableSchema: schema,
      });
      expect((await migrator.migrateTo('0011_runs_ended_at')).error).toBeUndefined();
      await insertOldSession(old);
    } finally {
      await old.destroy();
    }
    const store = await openPostgresStore({ url, schema, poolSize: 2 });
    try {
      expect(await store.touchDashboardSession('old-session', createdAt, limits)).toEqual({
        csrfToken: 'csrf',
        userId: null,
        createdAt,
        lastSeenAt: createdAt,
      });
      const user = await store.accounts.createUser({ email: 'a@example.org', operator: true, grants: [] }, createdAt);
      expect(user.id).toBe(1);
    } finally {
      await store.close();
    }
  });
});
