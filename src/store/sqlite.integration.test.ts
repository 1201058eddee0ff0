import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';

import { describeAccountStoreContract } from './account-store.contract.js';
import { describeDashboardSessionStoreContract } from './dashboard-session-store.contract.js';
import { InMemoryMigrationProvider, migrateToLatest, storeMigrations } from './migrations.js';
import { openSqliteStore, sqliteFileName } from './sqlite.js';
import { describeScheduleStoreContract } from './schedule-store.contract.js';
import { describeStoreContract } from './store.contract.js';
import { describeTenantStoreContract } from './tenant-store.contract.js';
import { describeWebhookStoreContract } from './webhook-store.contract.js';

const tempDirs: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'state-store-'));
  tempDirs.push(dir);
  return dir;
}

afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describeStoreContract('SQLite file', async () => openSqliteStore({ dataDir: await tempDir() }));
describeStoreContract('SQLite :memory:', () => openSqliteStore({ file: ':memory:' }));
describeScheduleStoreContract('SQLite file', async () => openSqliteStore({ dataDir: await tempDir() }));
describeTenantStoreContract('SQLite file', async () => openSqliteStore({ dataDir: await tempDir() }));
describeTenantStoreContract('SQLite :memory:', () => openSqliteStore({ file: ':memory:' }));
describeDashboardSessionStoreContract('SQLite file', async () => openSqliteStore({ dataDir: await tempDir() }));
describeAccountStoreContract('SQLite file', async () => openSqliteStore({ dataDir: await tempDir() }));
describeAccountStoreContract('SQLite :memory:', () => openSqliteStore({ file: ':memory:' }));
describeWebhookStoreContract('SQLite file', async () => openSqliteStore({ dataDir: await tempDir() }));
describeWebhookStoreContract('SQLite :memory:', () => openSqliteStore({ file: ':memory:' }));

describe('openSqliteStore', () => {
  const migrationNames = Object.keys(storeMigrations('sqlite'));

  it('creates the data folder and state.sqlite in it', async () => {
    const dataDir = join(await tempDir(), 'nested', 'data');
    const store = await openSqliteStore({ dataDir });
    try {
      expect(store.file).toBe(join(dataDir, sqliteFileName));
      expect(existsSync(store.file)).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('sets WAL, synchronous NORMAL, foreign keys and a busy timeout', async () => {
    const store = await openSqliteStore({ dataDir: await tempDir() });
    try {
      const pragma = async (name: string) => {
        const { rows } = await sql<Record<string, unknown>>`pragma ${sql.raw(name)}`.execute(store.db);
        return Object.values(rows[0] ?? {})[0];
      };
      expect(await pragma('journal_mode')).toBe('wal');
      expect(await pragma('synchronous')).toBe(1); // NORMAL
      expect(await pragma('foreign_keys')).toBe(1);
      expect(await pragma('busy_timeout')).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  });

  it('applies every migration once, in order, and none when opened again', async () => {
    const dataDir = await tempDir();
    const first = await openSqliteStore({ dataDir });
    const second = await openSqliteStore({ dataDir });
    try {
      expect(await migrateToLatest(first.db, 'sqlite')).toEqual([]);
      const applied = await second.db
        .selectFrom(sql<{ name: string }>`kysely_migration`.as('m'))
        .select('name')
        .orderBy('name')
        .execute();
      expect(applied.map((row) => row.name)).toEqual(migrationNames);

      // Both connections see the same file.
      await first.saveLink(
        {
          tenantId: 't',
          kind: 'learner',
          aimairaId: 1,
          edusignId: 'e1',
          hash: 'h',
          data: {},
          origin: 'created',
        },
        '2026-01-01T00:00:00.000Z',
      );
      expect((await second.getLink('t', 'learner', 1))?.edusignId).toBe('e1');
    } finally {
      await first.close();
      await second.close();
    }
    const third = await openSqliteStore({ dataDir });
    await third.close();
  });

  it('adds the attendance tables (0005) to a store made before them, keeping what it held', async () => {
    const file = join(await tempDir(), 'before-0005.sqlite');
    const old = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new BetterSqlite3(file) }) });
    const migrator = new Migrator({ db: old, provider: new InMemoryMigrationProvider(storeMigrations('sqlite')) });
    expect((await migrator.migrateTo('0004_session_creations')).error).toBeUndefined();
    await sql`insert into session_creations (tenant_id, aimaira_id, created_at) values ('t', 7, 'x')`.execute(old);
    await old.destroy();

    const store = await openSqliteStore({ file });
    try {
      expect(await store.getSessionCreations('t', [7])).toEqual(new Map([[7, 'x']]));
      await store.saveAttendance(
        [{ tenantId: 't', planificationId: 7, learnerId: 1, rowId: 2, hash: 'h', state: 'sent', firstSentAt: 'x' }],
        'y',
      );
      expect(await store.listAttendance('t', [7])).toHaveLength(1);
    } finally {
      await store.close();
    }
  });

  it('forgets tutor links made before tutors were externals (0009), and has those tenants’ learners written again', async () => {
    const file = join(await tempDir(), 'before-0009.sqlite');
    const old = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new BetterSqlite3(file) }) });
    const migrator = new Migrator({ db: old, provider: new InMemoryMigrationProvider(storeMigrations('sqlite')) });
    expect((await migrator.migrateTo('0008_preflights')).error).toBeUndefined();
    const at = '2026-01-01T00:00:00.000Z';
    for (const [tenant, kind, id] of [
      ['with-tutors', 'tutor', 1],
      ['with-tutors', 'learner', 2],
      ['with-tutors', 'group', 3],
      ['without', 'learner', 2],
    ] as const) {
      await sql`insert into links (tenant_id, kind, aimaira_id, edusign_id, hash, data, origin, created_at, updated_at)
        values (${tenant}, ${kind}, ${id}, ${`e${id}`}, 'h', '{}', 'created', ${at}, ${at})`.execute(old);
    }
    await old.destroy();

    const store = await openSqliteStore({ file });
    try {
      expect(await store.listLinks('with-tutors', 'tutor')).toEqual([]);
      expect((await store.getLink('with-tutors', 'learner', 2))?.hash).toBeNull();
      expect((await store.getLink('with-tutors', 'group', 3))?.hash).toBe('h');
      expect((await store.getLink('without', 'learner', 2))?.hash).toBe('h');
    } finally {
      await store.close();
    }
  });

  it('keeps links, runs, events and session creations across close and reopen', async () => {
    const file = join(await tempDir(), 'kept.sqlite');
    const at = '2026-04-01T06:00:00.000Z';
    const link = {
      tenantId: 'tenant-x',
      kind: 'sheet' as const,
      aimairaId: 77,
      edusignId: 'course-77',
      hash: 'abc',
      data: { start: at, roster: [1, 2], note: 'Journée « portes ouvertes » ✓' },
      origin: 'adopted' as const,
    };

    const writer = await openSqliteStore({ file });
    const run = await writer.startRun('tenant-x', 'down', at);
    await writer.saveLink(link, at);
    await writer.saveSessionCreations('tenant-x', new Map([[77, '2026-03-01T10:00:00.000Z']]));
    await writer.appendEvents([
      {
        runId: run.id,
        tenantId: 'tenant-x',
        at,
        level: 'info',
        action: 'adopted',
        recordKind: 'sheet',
        aimairaId: 77,
        edusignId: 'course-77',
        reason: 'ADOPTED_BY_EMAIL',
        message: 'Sheet adopted',
      },
    ]);
    await writer.finishRun(run.id, 'partial', { 'sheet.adopted': 1 }, at, 'one learner left out');
    await writer.close();

    const reader = await openSqliteStore({ file });
    try {
      expect(await reader.getLink('tenant-x', 'sheet', 77)).toEqual({ ...link, createdAt: at, updatedAt: at });
      expect(await reader.getRun(run.id)).toMatchObject({
        status: 'partial',
        counts: { 'sheet.adopted': 1 },
        endedAt: at,
        error: 'one learner left out',
      });
      expect(await reader.getSessionCreations('tenant-x', [77])).toEqual(new Map([[77, '2026-03-01T10:00:00.000Z']]));
      expect(await reader.listEvents({ tenantId: 'tenant-x' })).toMatchObject([
        { runId: run.id, reason: 'ADOPTED_BY_EMAIL', message: 'Sheet adopted' },
      ]);
    } finally {
      await reader.close();
    }
  });

  it('reports a row it cannot read instead of returning a wrongly typed value', async () => {
    const store = await openSqliteStore({ file: ':memory:' });
    try {
      await store.db
        .insertInto('links')
        .values({
          tenant_id: 't',
          kind: 'teacher',
          aimaira_id: 1,
          edusign_id: 'e',
          hash: null,
          data: '{}',
          origin: 'created',
          created_at: 'x',
          updated_at: 'x',
        })
        .execute();
      await expect(store.getLink('t', 'teacher' as 'learner', 1)).rejects.toThrow(/kind/);
      await store.db
        .insertInto('attendance')
        .values({
          tenant_id: 't',
          planification_id: 1,
          learner_id: 2,
          row_id: 3,
          hash: 'h',
          state: 'written',
          first_sent_at: null,
          updated_at: 'x',
        })
        .execute();
      await expect(store.listAttendance('t', [1])).rejects.toThrow(/state/);
    } finally {
      await store.close();
    }
  });
});
