/**
 * Migration 0010 (dashboard sessions, run progress) on SQLite stores made before it: runs kept and shown live
 * without progress, and a migration stopped halfway (SQLite runs it outside a transaction) that runs again.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';

import { InMemoryMigrationProvider, storeMigrations } from './migrations.js';
import { openSqliteStore } from './sqlite.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A SQLite file migrated up to 0009, with one run left running, and the Kysely instance over it. */
async function storeBefore0010(): Promise<{ file: string; old: Kysely<unknown> }> {
  const dir = await mkdtemp(join(tmpdir(), 'migration-0010-'));
  dirs.push(dir);
  const file = join(dir, 'state.sqlite');
  const old = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new BetterSqlite3(file) }) });
  const migrator = new Migrator({ db: old, provider: new InMemoryMigrationProvider(storeMigrations('sqlite')) });
  expect((await migrator.migrateTo('0009_tutors_as_externals')).error).toBeUndefined();
  await sql`insert into runs (tenant_id, direction, started_at, ended_at, status, counts, error)
    values ('acme', 'up', '2026-01-01T00:00:00.000Z', null, 'running', '{}', null)`.execute(old);
  return { file, old };
}

describe('migration 0010', () => {
  it('keeps the runs made before it, live ones shown without progress until they save some', async () => {
    const { file, old } = await storeBefore0010();
    await old.destroy();
    const store = await openSqliteStore({ file });
    try {
      const [live] = await store.listLiveRuns('acme');
      expect(live).toEqual({
        runId: expect.any(Number) as number,
        tenantId: 'acme',
        direction: 'up',
        startedAt: '2026-01-01T00:00:00.000Z',
        progress: null,
      });
      expect(await store.saveRunProgress(live?.runId ?? 0, { done: 1, total: 3 }, '2026-01-01T00:01:00.000Z')).toBe(
        true,
      );
      expect((await store.listLiveRuns('acme'))[0]?.progress).toEqual({
        done: 1,
        total: 3,
        at: '2026-01-01T00:01:00.000Z',
      });
    } finally {
      await store.close();
    }
  });

  it('runs again after stopping halfway, its table and some columns already there', async () => {
    const { file, old } = await storeBefore0010();
    await sql`create table dashboard_sessions (id_hash text primary key, csrf_token text not null,
      created_at text not null, last_seen_at text not null)`.execute(old);
    await sql`alter table runs add column progress_done integer`.execute(old);
    await old.destroy();

    const store = await openSqliteStore({ file });
    try {
      const [live] = await store.listLiveRuns('acme');
      expect(await store.saveRunProgress(live?.runId ?? 0, { done: 2, total: 2 }, '2026-01-01T00:02:00.000Z')).toBe(
        true,
      );
      await store.createDashboardSession('id', 'csrf', '2026-01-01T00:00:00.000Z', 1);
      expect(
        await store.touchDashboardSession('id', '2026-01-01T00:01:00.000Z', { idleMs: 60_000, maxAgeMs: 60_000 }),
      ).toMatchObject({ csrfToken: 'csrf' });
    } finally {
      await store.close();
    }
  });
});
