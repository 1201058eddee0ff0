/**
 * The stores on PostgreSQL, through node-postgres (`pg`): the same Kysely adapter and the same migrations as the
 * SQLite file, for several processes (or hosts) sharing one database.
 *
 * Opening migrates the schema under a session-level advisory lock taken on one dedicated connection, so that any
 * number of processes opening at once migrate once: the first applies the migrations, the others wait for the lock
 * and then find nothing to do.
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';

import { migrateToLatest } from './migrations.js';
import type { Stores } from './port.js';
import type { Database } from './schema.js';
import { StateStoreError } from './schema.js';
import { createAccountStore } from './account-store.js';
import { createKyselyStore } from './kysely-store.js';
import { createScheduleStore } from './schedule-store.js';
import { createTenantStore } from './tenant-store.js';
import { createWebhookStore } from './webhook-store.js';

/**
 * The key of the advisory lock held while migrating: fixed, the same for every process of the connector (the ASCII
 * of "AimEduMg" as a 64-bit number). Another application of the database is unlikely to use it; if one did, the
 * two would only wait for each other.
 */
export const migrationLockKey = 0x41_69_6d_45_64_75_4d_67n;

/** How many connections one process opens at most, unless told otherwise. */
export const defaultPostgresPoolSize = 10;

export interface PostgresStoreOptions {
  /**
   * `postgres://user:password@host:port/database` (or `postgresql://`), with pg's connection parameters if any; a
   * `?schema=` is read by `openStore` (src/store/open.ts), not here.
   */
  url: string;
  /**
   * The schema the tables live in (PostgreSQL `search_path`), created if missing; by default the server's
   * `search_path` (normally `public`). Lower-case letters, digits and `_`, starting with a letter or `_`.
   */
  schema?: string;
  /** Most connections in the pool; `defaultPostgresPoolSize` by default. */
  poolSize?: number;
}

/** `Stores` on PostgreSQL, with what only PostgreSQL has. */
export interface PostgresStores extends Stores {
  /** The URL opened, without its password. */
  readonly url: string;
  /** The schema of the tables, when one was asked for. */
  readonly schema: string | undefined;
  /** The Kysely instance under the store, for tests and maintenance; `close()` destroys it and its pool. */
  readonly db: Kysely<Database>;
}

const schemaName = /^[a-z_][a-z0-9_]{0,62}$/;

/** Whether `url` names a PostgreSQL database (`postgres://` or `postgresql://`). */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/**
 * `url` fit to print: no password, no user name, no query (which may hold `password=` or a key file). Everything
 * up to the last "@" goes, so a password with unescaped "@", "/" or "?" in it goes too; of the rest only what
 * looks like host, port and database name is kept.
 */
export function redactUrl(url: string): string {
  const match = /^([a-z][a-z0-9+.-]*:)(\/\/)?(.*)$/is.exec(url.trim());
  if (match === null) return '(not a URL)';
  const [, scheme = '', slashes, rest = ''] = match;
  if (slashes === undefined) return `${scheme}…`;
  const at = rest.lastIndexOf('@');
  // Only what looks like host, port and database name: a query, or what may be one, is left out.
  const hostAndPath = /^[a-z0-9.:%[\]-]*(\/[a-z0-9._-]*)?/i.exec(rest.slice(at + 1))?.[0] ?? '';
  return `${scheme}//${at >= 0 ? '***@' : ''}${hostAndPath}`;
}

/** `schema` when it is a name the store can use unquoted (its own or a URL's `?schema=`); a `StateStoreError` else. */
export function checkSchema(schema: string): string {
  if (!schemaName.test(schema)) {
    throw new StateStoreError(
      `A PostgreSQL schema name is lower-case letters, digits and "_", starting with a letter or "_" (at most 63): "${schema}"`,
    );
  }
  return schema;
}

/** Creates the schema if asked, then applies the migrations not applied yet, holding the migration lock. */
async function migrateUnderLock(pool: pg.Pool, db: Kysely<Database>, schema: string | undefined): Promise<void> {
  // One dedicated connection holds the session-level lock from acquisition to release.
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('select pg_advisory_lock($1)', [migrationLockKey.toString()]);
    try {
      // Under the lock: `create schema if not exists` of two sessions at once may still collide.
      if (schema !== undefined) await client.query(`create schema if not exists "${schema}"`);
      // Kysely's migration tables go where the store's tables go: the first schema of the search path.
      const { rows } = await client.query<{ schema: string | null }>('select current_schema() as schema');
      const current = rows[0]?.schema ?? null;
      if (current === null) {
        throw new StateStoreError('The PostgreSQL search_path names no existing schema: give the store a schema');
      }
      await migrateToLatest(db, 'postgres', { migrationTableSchema: current });
    } finally {
      try {
        await client.query('select pg_advisory_unlock($1)', [migrationLockKey.toString()]);
      } catch {
        // A connection that cannot unlock is dropped below: closing the session releases its locks.
        broken = true;
      }
    }
  } finally {
    client.release(broken);
  }
}

/** Opens the stores on PostgreSQL, brings the schema up to date (once, whoever opens at the same time), returns them. */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStores> {
  const printable = redactUrl(options.url);
  if (!isPostgresUrl(options.url)) {
    throw new StateStoreError(`Not a PostgreSQL URL (postgres://… or postgresql://…): ${printable}`);
  }
  const schema = options.schema === undefined ? undefined : checkSchema(options.schema);
  const poolSize = options.poolSize ?? defaultPostgresPoolSize;
  if (!Number.isInteger(poolSize) || poolSize < 1) {
    throw new RangeError(`A pool size is a whole number ≥ 1: ${poolSize}`);
  }

  const pool = new pg.Pool({
    connectionString: options.url,
    max: poolSize,
    // Every connection of the pool, the migration lock's included, looks up tables in the schema (checked above,
    // so it needs no quoting beyond the double quotes).
    ...(schema === undefined ? {} : { options: `-c search_path="${schema}"` }),
  });
  // An idle connection the server drops (restart, idle timeout) must not crash the process: the pool replaces it.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await migrateUnderLock(pool, db, schema);
  } catch (error) {
    await db.destroy();
    if (error instanceof StateStoreError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new StateStoreError(`Cannot open the PostgreSQL store at ${printable}: ${reason}`, { cause: error });
  }
  return {
    ...createKyselyStore(db),
    url: printable,
    schema,
    db,
    tenants: createTenantStore(db),
    schedule: createScheduleStore(db),
    accounts: createAccountStore(db),
    webhooks: createWebhookStore(db),
  };
}
