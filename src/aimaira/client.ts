/**
 * The Aimaira GraphV1 client: reads entity sets page by page, reads records by id, and writes one record back
 * with GET-modify-PUT.
 *
 * It is a plain object made by a factory (no singleton), on top of the shared transport, which owns timeouts,
 * retries and typed errors. This file adds what is Aimaira's own: authentication, OData paging through
 * `@odata.nextLink`, `in` lists that fit the 2,048-character query limit, validation of every answer, and the
 * fact that a PUT replaces the whole record (a field not sent is reset), so a write always sends the complete
 * record it has just read.
 */
import type { z } from 'zod';

import { systemClock } from '../clock.js';
import type { Clock } from '../clock.js';
import { ConfigError, ConnectorError, ResponseShapeError } from '../errors.js';
import type { RateLimiter } from '../http/rate-limiter.js';
import { backoffDelay, defaultRetryPolicy } from '../http/retry.js';
import type { RetryPolicy } from '../http/retry.js';
import { createHttpTransport, isAmbiguousFailure } from '../http/transport.js';
import type { Exchange, TransportResponse } from '../http/transport.js';
import { aimairaMaxQueryLength, and, chunkInList, filterToString } from './query.js';
import type { Filter, QueryParams } from './query.js';
import { collectionNavigations, collectionOf, entitySchemas, expandableNavigations } from './schemas.js';
import type {
  AimairaEntitySet,
  CollectionNavigationOf,
  CollectionNavigationSet,
  CollectionNavigationTarget,
  EntityOf,
  FieldOf,
  NavigationOf,
} from './schemas.js';

export interface AimairaClientOptions {
  /** The tenant's API root, e.g. `https://graphacme.aimaira.net/GraphV1`. HTTPS, or HTTP on a loopback host. */
  baseUrl: string;
  /** Basic authentication login, `ORG\api@aimaira.fr` (a doubled backslash is collapsed to one). */
  username?: string;
  password?: string;
  /** Sent as `X-ApiKey` instead of Basic authentication. */
  apiKey?: string;
  fetch?: typeof fetch;
  clock?: Clock;
  /** Budget for one attempt; the transport's default (30 s) when absent. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  random?: () => number;
  limiter?: RateLimiter;
  onExchange?: (exchange: Exchange) => void;
  /** Records per page asked of the server with `Prefer: odata.maxpagesize` (Aimaira's maximum, 200, by default). */
  pageSize?: number;
  /** Longest query string an `in` list request may have; leaves room for the paging options of `nextLink`. */
  maxQueryLength?: number;
}

/** `Field`, `Field asc` or `Field desc`. */
export type OrderBy<S extends AimairaEntitySet> = FieldOf<S> | `${FieldOf<S>} asc` | `${FieldOf<S>} desc`;

/** Query options for one record. `select` narrows the record to those fields (and `Id`). */
export interface GetQuery<S extends AimairaEntitySet, K extends FieldOf<S> = FieldOf<S>> {
  select?: readonly K[];
  expand?: readonly NavigationOf<S>[];
}

/** Query options for a collection. */
export interface ListQuery<S extends AimairaEntitySet, K extends FieldOf<S> = FieldOf<S>> extends GetQuery<S, K> {
  filter?: Filter;
  orderBy?: readonly OrderBy<S>[];
  /** At most this many records in all (the server still pages them). */
  top?: number;
}

/** A record as read: the whole entity, or only the selected fields (plus `Id` and any expanded navigation). */
export type Selected<S extends AimairaEntitySet, K extends FieldOf<S>> = [FieldOf<S>] extends [K]
  ? EntityOf<S>
  : Pick<EntityOf<S>, K | 'Id' | NavigationOf<S>>;

/** What a GET-modify-PUT did. `unchanged`: the change left the record as it was, so nothing was written. */
export type UpdateResult<E> =
  { outcome: 'updated'; before: E; after: E } | { outcome: 'unchanged'; before: E; after: E } | { outcome: 'missing' };

/**
 * Type ids by code, for this tenant (`planification.SEANCE`, `ressource.APPRENANT`...). A code may have several
 * ids (Aimaira's own example lists each `EtatConvention` code twice): every one of them counts.
 */
export interface TypeCodes {
  planification: Readonly<Record<string, readonly number[]>>;
  ressource: Readonly<Record<string, readonly number[]>>;
}

/** The server accepted a PUT but answered with values other than those sent for the changed fields. */
export class WriteNotAppliedError extends ConnectorError {
  override name = 'WriteNotAppliedError';
  readonly set: string;
  readonly id: number;
  /** Names of the fields whose value did not stick (never their values: they may be personal data). */
  readonly fields: readonly string[];
  constructor(set: string, id: number, fields: readonly string[]) {
    super(`aimaira PUT ${set}/${id} was accepted but did not keep ${fields.join(', ')}`);
    this.set = set;
    this.id = id;
    this.fields = fields;
  }
}

export interface AimairaClient {
  /** The pages of a collection, each validated, following `@odata.nextLink` to the end. */
  list<S extends AimairaEntitySet, K extends FieldOf<S> = FieldOf<S>>(
    set: S,
    query?: ListQuery<S, K>,
  ): AsyncGenerator<Selected<S, K>[], void, undefined>;
  /** Every record of a collection; a record met twice while paging is kept once. */
  listAll<S extends AimairaEntitySet, K extends FieldOf<S> = FieldOf<S>>(
    set: S,
    query?: ListQuery<S, K>,
  ): Promise<Selected<S, K>[]>;
  /** One record, or `undefined` when the id is unknown. */
  get<S extends AimairaEntitySet, K extends FieldOf<S> = FieldOf<S>>(
    set: S,
    id: number,
    query?: GetQuery<S, K>,
  ): Promise<Selected<S, K> | undefined>;
  /** The records whose `field` is one of `ids`, in as many `in` queries as the query length limit needs. */
  listByIds<S extends AimairaEntitySet, K extends FieldOf<S> = FieldOf<S>>(
    set: S,
    field: FieldOf<S>,
    ids: readonly (number | string)[],
    query?: ListQuery<S, K>,
  ): Promise<Selected<S, K>[]>;
  /** A collection reached from one record (`/Planification/{id}/PlanificationsRessource`); `undefined` when the record is unknown. */
  navigation<
    S extends CollectionNavigationSet,
    N extends CollectionNavigationOf<S>,
    K extends FieldOf<CollectionNavigationTarget<S, N>> = FieldOf<CollectionNavigationTarget<S, N>>,
  >(
    set: S,
    id: number,
    nav: N,
    query?: ListQuery<CollectionNavigationTarget<S, N>, K>,
  ): Promise<Selected<CollectionNavigationTarget<S, N>, K>[] | undefined>;
  /**
   * GET-modify-PUT of one record: reads the complete record, applies `change` to a copy and PUTs every field back.
   * `change` must be a pure function of the record it gets: after a write whose outcome is unknown it is applied
   * again to a fresh read.
   */
  update<S extends AimairaEntitySet>(
    set: S,
    id: number,
    change: (current: EntityOf<S>) => EntityOf<S>,
  ): Promise<UpdateResult<EntityOf<S>>>;
  /** This tenant's ids of the `TypePlanification` and `TypeRessource` codes. */
  resolveTypeCodes(): Promise<TypeCodes>;
}

/**
 * Room left under the 2,048-character limit for what the server adds to our query in `@odata.nextLink`
 * (a `$skip` or `$skiptoken`), so the following pages of a long `in` query are not refused either.
 */
const nextLinkAllowance = 128;
const loopbackHosts = new Set(['127.0.0.1', '[::1]', 'localhost']);

export function createAimairaClient(options: AimairaClientOptions): AimairaClient {
  const { baseUrl, headers } = checkOptions(options);
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const policy: RetryPolicy = { ...defaultRetryPolicy, ...options.retry };
  const pageSize = options.pageSize ?? 200;
  const maxQueryLength = options.maxQueryLength ?? aimairaMaxQueryLength - nextLinkAllowance;
  const transport = createHttpTransport({
    system: 'aimaira',
    baseUrl: baseUrl.href,
    headers,
    ...(options.fetch && { fetch: options.fetch }),
    clock,
    random,
    ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
    ...(options.retry && { retry: options.retry }),
    ...(options.limiter && { limiter: options.limiter }),
    ...(options.onExchange && { onExchange: options.onExchange }),
  });
  const collectionHeaders = { prefer: `odata.maxpagesize=${pageSize}` };

  const describe = (url: string): string => transport.describe(new URL(url));

  const validate = <T>(schema: z.ZodType<T>, response: TransportResponse): T => {
    if (response.json === undefined) {
      throw new ResponseShapeError('aimaira', describe(response.url), ['(body): not a JSON document']);
    }
    const parsed = schema.safeParse(response.json);
    if (parsed.success) return parsed.data;
    throw new ResponseShapeError('aimaira', describe(response.url), parsed.error.issues.map(describeIssue));
  };

  /** A next page link, refused when it leaves the API root (credentials go with every request). */
  const checkNextLink = (link: string, from: string): string => {
    let next: URL;
    try {
      next = new URL(link, from);
    } catch {
      throw new ResponseShapeError('aimaira', describe(from), ['@odata.nextLink: not a URL']);
    }
    if (next.origin !== baseUrl.origin || !next.pathname.startsWith(baseUrl.pathname)) {
      throw new ResponseShapeError('aimaira', describe(from), ['@odata.nextLink: points outside the API root']);
    }
    return next.href;
  };

  /**
   * Reads a collection page by page. `path` is relative to the root; `allowMissing` turns a 404 on the first page
   * (an unknown parent record) into `undefined`.
   */
  async function* pages(
    path: string,
    params: QueryParams,
    entity: z.ZodType,
    allowMissing = false,
  ): AsyncGenerator<unknown[], 'missing' | undefined, undefined> {
    const envelope = collectionOf(entity);
    const seen = new Set<string>();
    let response = await transport.request({
      method: 'GET',
      path,
      query: params,
      extraHeaders: collectionHeaders,
      ...(allowMissing && { acceptStatuses: [404] }),
    });
    for (;;) {
      if (response.status === 404) return 'missing';
      const page = validate(envelope, response);
      yield page.value;
      const link = page['@odata.nextLink'];
      if (link === undefined) return undefined;
      const next = checkNextLink(link, response.url);
      if (seen.has(next)) throw new ResponseShapeError('aimaira', describe(next), ['@odata.nextLink: repeats a page']);
      seen.add(next);
      response = await transport.request({ method: 'GET', path: next, extraHeaders: collectionHeaders });
    }
  }

  /** Every record of `pages`, or `undefined` when the parent record is unknown. */
  const collect = async (iterator: ReturnType<typeof pages>): Promise<unknown[] | undefined> => {
    const records: unknown[] = [];
    for (;;) {
      const step = await iterator.next();
      if (step.done) return step.value === 'missing' ? undefined : uniqueById(records);
      records.push(...step.value);
    }
  };

  const readOne = async (set: AimairaEntitySet, id: number, params: QueryParams, entity: z.ZodType) => {
    const response = await transport.request({
      method: 'GET',
      path: `${set}/${checkId(id)}`,
      query: params,
      acceptStatuses: [404],
    });
    return response.status === 404 ? undefined : validate(entity, response);
  };

  const client: AimairaClient = {
    async *list<S extends AimairaEntitySet, K extends FieldOf<S>>(set: S, query?: ListQuery<S, K>) {
      for await (const page of pages(set, toParams(set, query), entitySchemaFor(set, query?.select))) {
        yield page as Selected<S, K>[];
      }
    },

    async listAll<S extends AimairaEntitySet, K extends FieldOf<S>>(set: S, query?: ListQuery<S, K>) {
      const records = await collect(pages(set, toParams(set, query), entitySchemaFor(set, query?.select)));
      return (records ?? []) as Selected<S, K>[];
    },

    async get<S extends AimairaEntitySet, K extends FieldOf<S>>(set: S, id: number, query?: GetQuery<S, K>) {
      const record = await readOne(set, id, toParams(set, query), entitySchemaFor(set, query?.select));
      return record as Selected<S, K> | undefined;
    },

    async listByIds<S extends AimairaEntitySet, K extends FieldOf<S>>(
      set: S,
      field: FieldOf<S>,
      ids: readonly (number | string)[],
      query?: ListQuery<S, K>,
    ) {
      if (ids.length === 0) return [];
      const entity = entitySchemaFor(set, query?.select);
      const withChunk = (chunk: Filter) => toParams(set, { ...query, filter: and(query?.filter, chunk) });
      const records: unknown[] = [];
      for (const chunk of chunkInList(field, ids, maxQueryLength, withChunk)) {
        records.push(...((await collect(pages(set, withChunk(chunk), entity))) ?? []));
      }
      return uniqueById(records) as Selected<S, K>[];
    },

    async navigation<
      S extends CollectionNavigationSet,
      N extends CollectionNavigationOf<S>,
      K extends FieldOf<CollectionNavigationTarget<S, N>>,
    >(set: S, id: number, nav: N, query?: ListQuery<CollectionNavigationTarget<S, N>, K>) {
      const target = (
        collectionNavigations[set] as unknown as Partial<Record<string, CollectionNavigationTarget<S, N>>>
      )[nav];
      if (target === undefined) throw new TypeError(`${set} has no collection navigation ${nav}`);
      const path = `${set}/${checkId(id)}/${nav}`;
      const records = await collect(pages(path, toParams(target, query), entitySchemaFor(target, query?.select), true));
      return records as Selected<CollectionNavigationTarget<S, N>, K>[] | undefined;
    },

    async update<S extends AimairaEntitySet>(
      set: S,
      id: number,
      change: (current: EntityOf<S>) => EntityOf<S>,
    ): Promise<UpdateResult<EntityOf<S>>> {
      const schema = entitySchemas[set] as unknown as z.ZodType<EntityOf<S>>;
      const path = `${set}/${checkId(id)}`;
      // The complete record: no $select, no $expand. Anything missing here would be reset by the PUT.
      const read = async () => (await readOne(set, id, {}, schema)) as EntityOf<S> | undefined;

      let current = await read();
      if (current === undefined) return { outcome: 'missing' };
      const before = current;
      let lastFailure: unknown;
      for (let attempt = 1; ; attempt++) {
        const next = change(structuredClone(current));
        checkChangedRecord(set, id, schema, current, next);
        const changed = changedFields(current, next);
        if (changed.length === 0) {
          // After a failed attempt this means the write whose answer was lost had been applied after all.
          return { outcome: attempt === 1 ? 'unchanged' : 'updated', before, after: current };
        }
        if (attempt > policy.maxAttempts) throw lastFailure;
        let response: TransportResponse;
        try {
          // Not `idempotent`: the transport then resends only what surely was not applied (429, 408, a refused
          // connection). After an ambiguous failure, a blind resend of the whole record read earlier would
          // overwrite a change someone made since; reading back and applying `change` again does not.
          response = await transport.request({ method: 'PUT', path, body: writableFields(next), idempotent: false });
        } catch (error) {
          if (!isAmbiguousFailure(error)) throw error;
          lastFailure = error;
          if (attempt < policy.maxAttempts) await clock.sleep(backoffDelay(attempt, policy, random));
          // Read back even after the last attempt: it may have been applied.
          const fresh = await read();
          if (fresh === undefined) return { outcome: 'missing' };
          current = fresh;
          continue;
        }
        const after = response.json === undefined ? await read() : validate(schema, response);
        if (after === undefined) return { outcome: 'missing' };
        const notKept = changed.filter((field) => !sameValue(after[field], next[field]));
        if (notKept.length > 0) throw new WriteNotAppliedError(set, id, notKept);
        return { outcome: 'updated', before, after };
      }
    },

    async resolveTypeCodes() {
      const [planification, ressource] = await Promise.all([
        client.listAll('TypePlanification'),
        client.listAll('TypeRessource'),
      ]);
      return {
        planification: idsByCode(planification),
        ressource: idsByCode(ressource),
      };
    },
  };
  return client;
}

/** Checks the options and builds the authentication headers; every problem is named by its option. */
function checkOptions(options: AimairaClientOptions): { baseUrl: URL; headers: Record<string, string> } {
  const issues: string[] = [];
  let baseUrl: URL | undefined;
  try {
    baseUrl = new URL(options.baseUrl);
  } catch {
    issues.push('baseUrl: not a valid URL');
  }
  if (baseUrl) {
    if (baseUrl.protocol === 'http:' && !loopbackHosts.has(baseUrl.hostname)) {
      issues.push(
        `baseUrl: must use https (plain http is accepted only on a loopback host), got http://${baseUrl.host}`,
      );
    } else if (baseUrl.protocol !== 'https:' && baseUrl.protocol !== 'http:') {
      issues.push(`baseUrl: must use https, got ${baseUrl.protocol}`);
    }
    if (baseUrl.username !== '' || baseUrl.password !== '') {
      issues.push('baseUrl: must not hold credentials (use username and password)');
    }
    if (baseUrl.search !== '' || baseUrl.hash !== '') issues.push('baseUrl: must not have a query or a fragment');
  }

  const headers: Record<string, string> = {};
  const { username, password, apiKey } = options;
  const basic = username !== undefined || password !== undefined;
  if (apiKey !== undefined && basic) {
    issues.push('apiKey: give either apiKey or username and password, not both');
  } else if (apiKey !== undefined) {
    if (apiKey.trim() === '') issues.push('apiKey: is empty');
    headers['x-apikey'] = apiKey;
  } else if (username === undefined || username === '') {
    issues.push('username: is required (or give apiKey)');
  } else if (password === undefined || password === '') {
    issues.push('password: is required with username');
  } else {
    // `ORG\\api` typed in a configuration file means `ORG\api`: Aimaira logins hold one backslash.
    const login = username.replace(/\\{2,}/g, '\\');
    if (login.includes(':')) issues.push('username: must not contain ":" (Basic authentication cannot carry it)');
    headers['authorization'] = `Basic ${Buffer.from(`${login}:${password}`, 'utf8').toString('base64')}`;
  }

  if (options.pageSize !== undefined && !(Number.isInteger(options.pageSize) && options.pageSize > 0)) {
    issues.push('pageSize: must be a positive integer');
  }
  if (
    options.maxQueryLength !== undefined &&
    !(
      Number.isInteger(options.maxQueryLength) &&
      options.maxQueryLength > 0 &&
      options.maxQueryLength <= aimairaMaxQueryLength
    )
  ) {
    issues.push(`maxQueryLength: must be an integer between 1 and ${aimairaMaxQueryLength}`);
  }
  if (issues.length > 0 || baseUrl === undefined) throw new ConfigError(issues.map((issue) => `aimaira.${issue}`));
  // A root without its trailing slash, so that `pathname.startsWith` checks next links on whole segments.
  if (!baseUrl.pathname.endsWith('/')) baseUrl.pathname = `${baseUrl.pathname}/`;
  return { baseUrl, headers };
}

const orderByPattern = /^[A-Za-z_][A-Za-z0-9_]*( (asc|desc))?$/;

/** The OData system query options of a query. */
function toParams<S extends AimairaEntitySet>(set: S, query: ListQuery<S, FieldOf<S>> | undefined): QueryParams {
  const params: Record<string, string> = {};
  if (query === undefined) return params;
  if (query.filter !== undefined) params['$filter'] = filterToString(query.filter);
  if (query.select !== undefined) params['$select'] = [...new Set(['Id', ...query.select])].join(',');
  if (query.expand !== undefined && query.expand.length > 0) {
    const known: readonly string[] = (expandableNavigations as Partial<Record<string, readonly string[]>>)[set] ?? [];
    for (const name of query.expand) if (!known.includes(name)) throw new TypeError(`${set} cannot expand ${name}`);
    params['$expand'] = query.expand.join(',');
  }
  if (query.orderBy !== undefined && query.orderBy.length > 0) {
    for (const term of query.orderBy) if (!orderByPattern.test(term)) throw new TypeError(`bad $orderby term ${term}`);
    params['$orderby'] = query.orderBy.join(',');
  }
  if (query.top !== undefined) {
    if (!Number.isSafeInteger(query.top) || query.top < 1) throw new RangeError(`$top must be a positive integer`);
    params['$top'] = String(query.top);
  }
  return params;
}

/** The schema a read is checked with: the whole entity, or its selected fields (plus `Id` and navigations). */
function entitySchemaFor(set: AimairaEntitySet, select: readonly string[] | undefined): z.ZodType {
  const schema = entitySchemas[set] as unknown as z.ZodObject;
  if (select === undefined) return schema;
  const keep = new Set([
    'Id',
    ...select,
    ...((expandableNavigations as Partial<Record<string, readonly string[]>>)[set] ?? []),
  ]);
  const fields = Object.keys(schema.shape).filter((key) => keep.has(key));
  return schema.pick(
    Object.fromEntries(fields.map((key) => [key, true])) as Record<string, true> & Record<number, never>,
  );
}

function checkId(id: number): number {
  if (!Number.isSafeInteger(id) || id < 0) throw new RangeError(`not an Aimaira record id: ${id}`);
  return id;
}

/** A zod issue as a path and a kind, without the value (it may be personal data). */
function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.length === 0 ? '(root)' : issue.path.map(String).join('.');
  switch (issue.code) {
    case 'invalid_type':
      return `${path}: expected ${issue.expected}`;
    case 'invalid_format':
      return `${path}: expected ${issue.format}`;
    case 'unrecognized_keys':
      return `${path}: unexpected keys ${issue.keys.join(', ')}`;
    default:
      return `${path}: ${issue.code}`;
  }
}

/** A record met twice (while paging or across `in` chunks) is kept once, first seen wins. */
function uniqueById(records: readonly unknown[]): unknown[] {
  const seen = new Set<unknown>();
  return records.filter((record) => {
    const id = (record as { Id?: unknown }).Id;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** The body of a PUT: every field but the OData annotations (`@odata.context`, `Mail@odata.navigationLink`). */
function writableFields(record: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([key]) => !key.includes('@')));
}

/** `change` may set fields, not drop them: a field left out of the PUT would be reset. */
function checkChangedRecord<E extends Readonly<Record<string, unknown>>>(
  set: string,
  id: number,
  schema: z.ZodType<E>,
  current: E,
  next: E,
): void {
  const dropped = Object.keys(current).filter((key) => !key.includes('@') && !(key in next));
  if (dropped.length > 0) {
    throw new ConnectorError(
      `update of ${set}/${id} must not drop fields (${dropped.join(', ')}): they would be reset`,
    );
  }
  const parsed = schema.safeParse(next);
  if (!parsed.success) {
    throw new ConnectorError(
      `update of ${set}/${id} made an invalid record: ${parsed.error.issues.map(describeIssue).join('; ')}`,
    );
  }
  if ((next as { Id?: unknown }).Id !== id) throw new ConnectorError(`update of ${set}/${id} must not change its Id`);
}

/** Names of the fields whose value differs between two versions of a record (annotations ignored). */
function changedFields(before: Readonly<Record<string, unknown>>, after: Readonly<Record<string, unknown>>): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((key) => !key.includes('@') && !sameValue(before[key], after[key]));
}

const isoDateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Deep equality of JSON values, where two date-times naming the same instant are equal: Aimaira answers in
 * Europe/Paris time whatever offset was sent, so `09:00:00Z` comes back as `10:00:00+01:00`.
 */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'string' && typeof b === 'string') {
    return isoDateTime.test(a) && isoDateTime.test(b) && Date.parse(a) === Date.parse(b);
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => sameValue(item, b[i]));
  }
  if (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null) {
    const left = a as Record<string, unknown>;
    const right = b as Record<string, unknown>;
    const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
    return [...keys].every((key) => sameValue(left[key], right[key]));
  }
  return false;
}

/** Every id of each code, in ascending order: a code listed twice (as Aimaira's examples show) keeps both ids. */
export function idsByCode(records: readonly { Id: number; Code: string | null }[]): Record<string, number[]> {
  const ids: Record<string, number[]> = {};
  for (const record of records) {
    // Codes are fixed-width in Aimaira's database: `SALLE` may come back padded with spaces.
    const code = record.Code?.trim();
    if (code === undefined || code === '') continue;
    const known = (ids[code] ??= []);
    if (!known.includes(record.Id)) known.push(record.Id);
  }
  for (const list of Object.values(ids)) list.sort((a, b) => a - b);
  return ids;
}
