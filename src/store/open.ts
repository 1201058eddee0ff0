/**
 * One way to open the stores, whatever the database: `openStore(url)`. Nothing outside src/store/ needs to know
 * which adapter it got.
 *
 * - `sqlite:PATH` (`sqlite:///abs/path` too) or a plain PATH: the SQLite file at PATH; a PATH that is an existing
 *   folder means the `state.sqlite` in it (the data folder). `sqlite::memory:` is a private in-memory database.
 * - `postgres://…` or `postgresql://…`: PostgreSQL, optionally in the schema `options.schema`.
 */
import { statSync } from 'node:fs';

import type { Stores } from './port.js';
import { isPostgresUrl, openPostgresStore, redactUrl } from './postgres.js';
import { StateStoreError } from './schema.js';
import { openSqliteStore } from './sqlite.js';

/** The accepted forms of a store URL, for messages. */
export const storeUrlForms = 'sqlite:PATH, a plain file path, postgres://… or postgresql://…';

export interface OpenStoreOptions {
  /** PostgreSQL only: the schema of the tables (`search_path`), created if missing. */
  schema?: string;
  /** PostgreSQL only: most connections in the pool. */
  poolSize?: number;
}

/** Where a store URL points. */
export type StoreLocation =
  { kind: 'sqlite'; options: { file: string } | { dataDir: string } } | { kind: 'postgres'; url: string };

/** A scheme of two letters or more: one letter followed by ":" is a Windows drive, part of a plain path. */
const schemePattern = /^([a-z][a-z0-9+.-]+):/i;

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function sqliteLocation(path: string): StoreLocation {
  if (path === '') throw new StateStoreError('A SQLite store URL needs a path: sqlite:PATH');
  if (path === ':memory:') return { kind: 'sqlite', options: { file: ':memory:' } };
  return { kind: 'sqlite', options: isDirectory(path) ? { dataDir: path } : { file: path } };
}

/** Reads a store URL without opening anything; a URL of no accepted form is a `StateStoreError`. */
export function parseStoreUrl(url: string): StoreLocation {
  const trimmed = url.trim();
  if (trimmed === '') throw new StateStoreError(`No store URL given; accepted: ${storeUrlForms}`);
  if (isPostgresUrl(trimmed)) return { kind: 'postgres', url: trimmed };
  const scheme = schemePattern.exec(trimmed)?.[1];
  if (scheme === undefined) return sqliteLocation(trimmed);
  if (scheme.toLowerCase() === 'sqlite') {
    const rest = trimmed.slice(scheme.length + 1);
    // sqlite:///abs/path is the URL spelling of /abs/path; sqlite:relative/path and sqlite:/abs/path are kept.
    return sqliteLocation(rest.startsWith('//') ? rest.slice(2) : rest);
  }
  throw new StateStoreError(`Unknown store URL ${redactUrl(trimmed)}; accepted: ${storeUrlForms}`);
}

/** Opens (and creates or migrates if needed) the stores named by `url`. */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<Stores> {
  const location = parseStoreUrl(url);
  if (location.kind === 'sqlite') return openSqliteStore(location.options);
  return openPostgresStore({ url: location.url, ...options });
}
