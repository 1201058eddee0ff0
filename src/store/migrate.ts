/**
 * `migrate`: opens a store, which brings its schema up to date (on PostgreSQL under the migration lock, so any
 * number of processes may do it at once), and says where it stands: the newest migration applied, which is the
 * schema version, and the migrations applied by this call.
 */
import { sql } from 'kysely';

import { describeStoreLocation, openStoreAdapter } from './open.js';
import type { OpenStoreOptions, StoreLocation } from './open.js';

export interface MigrationReport {
  /** The store, fit to print (no credentials). */
  store: string;
  /** The newest migration applied, e.g. `0009_tutors_as_externals`: the store's schema version. */
  version: string | null;
  /** How many migrations the store has had applied, this call's included. */
  applied: number;
  /** The migrations this call applied, oldest first; empty when the store was up to date. */
  appliedNow: string[];
}

/** Opens (so migrates) the store at `location`, closes it, and reports its schema version. */
export async function migrateStore(
  location: StoreLocation,
  options: Pick<OpenStoreOptions, 'schema' | 'poolSize'> = {},
): Promise<MigrationReport> {
  // Kysely dates each migration it applies with this process's clock: those dated from now on are this call's.
  // (A process migrating the same PostgreSQL schema at the very same moment would have its own counted too.)
  const startedAt = new Date().toISOString();
  const store = await openStoreAdapter(location, options);
  try {
    // Unqualified: Kysely's table is in the store's schema, first on the search path of every connection.
    const { rows } = await sql<{ name: string; timestamp: string }>`
      select "name", "timestamp" from kysely_migration order by "name"`.execute(store.db);
    return {
      store: describeStoreLocation(location),
      version: rows.at(-1)?.name ?? null,
      applied: rows.length,
      appliedNow: rows.filter((row) => row.timestamp >= startedAt).map((row) => row.name),
    };
  } finally {
    await store.close();
  }
}
