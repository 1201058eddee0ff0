/**
 * The state store in one SQLite file, `<dataDir>/state.sqlite`, through better-sqlite3: embedded, nothing to
 * install, enough for one process serving many tenants.
 */
import { chmod, mkdir, open, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';

import { createKyselyStore } from './kysely-store.js';
import { migrateToLatest } from './migrations.js';
import type { Stores } from './port.js';
import type { Database } from './schema.js';
import { createAccountStore } from './account-store.js';
import { createScheduleStore } from './schedule-store.js';
import { createTenantStore } from './tenant-store.js';
import { createWebhookStore } from './webhook-store.js';

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
  /** What this open made private that an older install had left readable by others (folder, files). */
  readonly tightened: readonly string[];
}

/** The store holds learners' names and e-mails: its folder is the owner's alone, and so is every file in it. */
export const privateFolderMode = 0o700;
export const privateFileMode = 0o600;

/** The files SQLite keeps for one database: the database, then its write-ahead log and shared-memory index. */
export function sqliteFiles(file: string): string[] {
  return [file, `${file}-wal`, `${file}-shm`];
}

/** The permission bits of a path, or undefined when it does not exist. */
async function modeOf(path: string): Promise<{ mode: number; uid: number } | undefined> {
  try {
    const status = await stat(path);
    return { mode: status.mode & 0o777, uid: status.uid };
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Takes group and other bits away from `path` when it has any; true when it did. */
async function tighten(path: string, mode: number): Promise<boolean> {
  const current = await modeOf(path);
  if (current === undefined || (current.mode & 0o077) === 0) return false;
  // Someone else's folder (a shared parent, say) is not ours to change.
  if (current.uid !== process.getuid?.()) return false;
  await chmod(path, mode);
  return true;
}

/**
 * Makes the store's folder and files private before better-sqlite3 opens the database. The database file is
 * created here with 0600 whatever the umask, because SQLite gives its -wal and -shm files the mode of the database
 * file (os_unix.c, findCreateFileMode): so they are born private too, each time SQLite makes them again, without a
 * process-wide umask (which would race with every other file this process creates meanwhile) nor a chmod after the
 * fact (which would leave a moment when they are readable). An older install's folder and files are tightened.
 * The folder is tightened only when it is a data folder (it holds `state.sqlite`): a store file elsewhere may sit
 * in a folder shared with other things.
 */
async function prepareFiles(file: string): Promise<string[]> {
  if (process.platform === 'win32') {
    await mkdir(dirname(file), { recursive: true });
    return [];
  }
  const folder = dirname(file);
  const tightened: string[] = [];
  if ((await modeOf(folder)) === undefined) await mkdir(folder, { recursive: true, mode: privateFolderMode });
  else if (basename(file) === sqliteFileName && (await tighten(folder, privateFolderMode))) tightened.push(folder);
  for (const path of sqliteFiles(file)) if (await tighten(path, privateFileMode)) tightened.push(path);
  if ((await modeOf(file)) === undefined) {
    // 'a': creates the file empty if it is still missing and leaves one made meanwhile as it is.
    const handle = await open(file, 'a', privateFileMode);
    await handle.close();
    await chmod(file, privateFileMode); // the umask may have taken bits the owner needs
  }
  return tightened;
}

function isInMemory(file: string): boolean {
  return file === ':memory:' || file === '';
}

/** Opens (and creates if needed) the SQLite store, brings its schema up to date, and returns it. */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<SqliteStateStore> {
  const file = 'file' in options ? options.file : join(options.dataDir, sqliteFileName);
  const tightened = isInMemory(file) ? [] : await prepareFiles(file);
  if (tightened.length > 0) {
    // No logger down here: a process warning reaches the service's standard error once, at start.
    process.emitWarning(`Made private (owner only) what others could read: ${tightened.join(', ')}`, {
      code: 'AIMAIRA_EDUSIGN_STORE_MODES',
    });
  }

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
  return {
    ...createKyselyStore(db),
    file,
    db,
    tightened,
    tenants: createTenantStore(db),
    schedule: createScheduleStore(db),
    accounts: createAccountStore(db),
    webhooks: createWebhookStore(db),
  };
}
