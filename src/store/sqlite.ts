/**
 * The state store in one SQLite file, `<dataDir>/state.sqlite`, through better-sqlite3: embedded, nothing to
 * install, enough for one process serving many tenants.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';

import { createKyselyStore } from './kysely-store.js';
import { migrateToLatest } from './migrations.js';
import type { Stores } from './port.js';
import type { Database } from './schema.js';
import { createScheduleStore } from './schedule-store.js';
import { createTenantStore } from './tenant-store.js';

/** The file name of the store inside the data folder. */
export const sqliteFileName = 'state.sqlite';

/** How long a statement waits for a lock held by another connection before failing with SQLITE_BUSY. */
export const sqliteBusyTimeoutMs = 5_000;

/** A file path (`':memory:'` for a private in-memory database), or the data folder that holds `state.sqlite`. */
export type SqliteStoreOptions = { file: string } | { dataDir: string };

/** `Stores` on one SQLite file, with what only SQLite has. */
export interface SqliteStateStore extends Stores {
  /** The path opened, or `':memory:'`. */
  readonly file: string;
  /** The Kysely instance under the store, for tests and maintenance; `close()` destroys it. */
  readonly db: Kysely<Database>;
}

function isInMemory(file: string): boolean {
  return file === ':memory:' || file === '';
}

/** Opens (and creates if needed) the SQLite store, brings its schema up to date, and returns it. */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<SqliteStateStore> {
  const file = 'file' in options ? options.file : join(options.dataDir, sqliteFileName);
  if (!isInMemory(file)) await mkdir(dirname(file), { recursive: true });

  const sqlite = new BetterSqlite3(file);
  try {
    // WAL: readers (the dashboard) never block the writer, and a commit is one append to the log.
    sqlite.pragma('journal_mode = WAL');
    // NORMAL under WAL does not fsync at each commit. A killed process (kill -9, a crash) loses nothing that was
    // committed, because the log is already in the OS; only a power cut or OS crash can lose the last commits,
    // never corrupt the file, and the sync recovers those from Edusign (API_ID) at the next run.
    sqlite.pragma('synchronous = NORMAL');
    // SQLite leaves foreign keys off unless asked, per connection: events must belong to a run.
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma(`busy_timeout = ${sqliteBusyTimeoutMs}`);
  } catch (error) {
    sqlite.close();
    throw error;
  }

  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  try {
    await migrateToLatest(db, 'sqlite');
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return { ...createKyselyStore(db), file, db, tenants: createTenantStore(db), schedule: createScheduleStore(db) };
}
