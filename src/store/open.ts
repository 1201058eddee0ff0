/**
 * One way to open the stores, whatever the database: `openStore(url)`. Nothing outside src/store/ needs to know
 * which adapter it got.
 *
 * - `sqlite:PATH` (`sqlite:///abs/path` too) or a plain PATH: the SQLite file at PATH; a PATH that is an existing
 *   folder means the `state.sqlite` in it (the data folder). `sqlite::memory:` is a private in-memory database.
 * - `postgres://…` or `postgresql://…`: PostgreSQL, optionally in a schema of its own, named by the URL's
 *   `schema` query parameter (`postgres://host/db?schema=tenant_a`) or by `options.schema`.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

import type { Stores } from './port.js';
import { checkSchema, isPostgresUrl, openPostgresStore, redactUrl } from './postgres.js';
import type { PostgresStores } from './postgres.js';
import { StateStoreError } from './schema.js';
import { openSqliteStore, sqliteFileName } from './sqlite.js';
import type { SqliteStateStore } from './sqlite.js';

/** The accepted forms of a store URL, for messages. */
export const storeUrlForms = 'sqlite:PATH, a plain file path, postgres://… or postgresql://… (?schema=NAME)';

export interface OpenStoreOptions {
  /** PostgreSQL only: the schema of the tables (`search_path`), created if missing; or `?schema=` in the URL. */
  schema?: string;
  /** PostgreSQL only: most connections in the pool. */
  poolSize?: number;
  /**
   * SQLite only, true by default. False for a command that writes nothing: a file that does not exist is not
   * created, an empty in-memory store answers instead (which is what a new file would hold).
   */
  createMissing?: boolean;
}

/** Where a store URL points. */
export type StoreLocation =
  | { kind: 'sqlite'; options: { file: string } | { dataDir: string } }
  /** `url` without its `schema` parameter, which is the store's and not a connection parameter of pg. */
  | { kind: 'postgres'; url: string; schema?: string };

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

/** A query component as URLSearchParams reads it ("+" is a space); undecodable text is kept as it is. */
function decodeQueryComponent(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/**
 * Takes the `schema` parameter out of a PostgreSQL URL; the other parameters stay as written, for pg. The query
 * starts at the first "?", as pg's own (WHATWG) parsing has it.
 */
function postgresLocation(url: string): StoreLocation {
  const queryStart = url.indexOf('?');
  if (queryStart < 0) return { kind: 'postgres', url };
  const fragmentStart = url.indexOf('#', queryStart);
  const queryEnd = fragmentStart < 0 ? url.length : fragmentStart;
  const kept: string[] = [];
  const schemas: string[] = [];
  for (const pair of url.slice(queryStart + 1, queryEnd).split('&')) {
    const equals = pair.indexOf('=');
    const key = decodeQueryComponent(equals < 0 ? pair : pair.slice(0, equals));
    if (key === 'schema') schemas.push(decodeQueryComponent(equals < 0 ? '' : pair.slice(equals + 1)));
    else if (pair !== '') kept.push(pair);
  }
  const rest = `${url.slice(0, queryStart)}${kept.length > 0 ? `?${kept.join('&')}` : ''}${url.slice(queryEnd)}`;
  if (schemas.length === 0) return { kind: 'postgres', url: rest };
  if (schemas.length > 1) throw new StateStoreError(`The store URL ${redactUrl(url)} names its schema twice`);
  return { kind: 'postgres', url: rest, schema: checkSchema(schemas[0] ?? '') };
}

/** Reads a store URL without opening anything; a URL of no accepted form is a `StateStoreError`. */
export function parseStoreUrl(url: string): StoreLocation {
  const trimmed = url.trim();
  if (trimmed === '') throw new StateStoreError(`No store URL given; accepted: ${storeUrlForms}`);
  if (isPostgresUrl(trimmed)) return postgresLocation(trimmed);
  const scheme = schemePattern.exec(trimmed)?.[1];
  if (scheme === undefined) return sqliteLocation(trimmed);
  if (scheme.toLowerCase() === 'sqlite') {
    const rest = trimmed.slice(scheme.length + 1);
    // sqlite:///abs/path is the URL spelling of /abs/path; sqlite:relative/path and sqlite:/abs/path are kept.
    return sqliteLocation(rest.startsWith('//') ? rest.slice(2) : rest);
  }
  throw new StateStoreError(`Unknown store URL ${redactUrl(trimmed)}; accepted: ${storeUrlForms}`);
}

/** The store URL of a data folder: its `state.sqlite`, whether the folder exists yet or not. */
export function dataDirStoreUrl(dataDir: string): string {
  return `sqlite:${resolve(join(dataDir, sqliteFileName))}`;
}

function sqliteFile(options: { file: string } | { dataDir: string }): string {
  return 'file' in options ? options.file : join(options.dataDir, sqliteFileName);
}

/**
 * The store fit to print (summaries, messages): the absolute file of SQLite, the URL of PostgreSQL without user,
 * password or connection parameters, with its schema.
 */
export function describeStoreLocation(location: StoreLocation): string {
  if (location.kind === 'postgres') {
    return `${redactUrl(location.url)}${location.schema === undefined ? '' : `?schema=${location.schema}`}`;
  }
  const file = sqliteFile(location.options);
  return file === ':memory:' ? 'sqlite::memory:' : resolve(file);
}

/** The adapter itself, with its Kysely instance: for src/store/ only (migrate.ts); others take `Stores`. */
export async function openStoreAdapter(
  location: StoreLocation,
  options: OpenStoreOptions = {},
): Promise<SqliteStateStore | PostgresStores> {
  if (location.kind === 'sqlite') {
    const file = sqliteFile(location.options);
    if (options.createMissing === false && file !== ':memory:' && !existsSync(file)) {
      return openSqliteStore({ file: ':memory:' });
    }
    return openSqliteStore(location.options);
  }
  if (location.schema !== undefined && options.schema !== undefined && location.schema !== options.schema) {
    throw new StateStoreError(
      `Two schemas for one store: "${location.schema}" in its URL, "${options.schema}" in its options`,
    );
  }
  const schema = location.schema ?? options.schema;
  return openPostgresStore({
    url: location.url,
    ...(schema !== undefined && { schema }),
    ...(options.poolSize !== undefined && { poolSize: options.poolSize }),
  });
}

/** Opens (and creates or migrates if needed) the stores at `location`, as `parseStoreUrl` read it. */
export async function openStoreAt(location: StoreLocation, options: OpenStoreOptions = {}): Promise<Stores> {
  return openStoreAdapter(location, options);
}

/** Opens (and creates or migrates if needed) the stores named by `url`. */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<Stores> {
  return openStoreAt(parseStoreUrl(url), options);
}
