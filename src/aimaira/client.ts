/**
 * The Aimaira GraphV1 client: reads entity sets page by page, reads records by id, and writes one record back
 * with GET-modify-PUT.
 *
 * It is a plain object made by a factory (no singleton), on top of the shared transport, which owns timeouts,
 * retries and typed errors. This file adds what is Aimaira's own: authentication, OData paging through
 * `@odata.nextLink`, `in` lists that fit the 2,048-character query limit, validation of every answer, and the
 * fact that a PUT replaces the whole record (a field not sent is reset), so a write always sends the complete
 * record it has just read.
 *
 * Where no document settles how a tenant's server behaves, the client holds a strategy (`AimairaStrategies`):
 * `in` lists or `or` chains, `Object` read as a collection or one id at a time, `Mail` expanded or read by
 * `MailId`. A strategy given by the caller (from the preflight) is used as is; an unknown one is found out at its
 * first use, from how the server answers, and kept for the client's life.
 */
import type { z } from 'zod';

import { systemClock } from '../clock.js';
import type { Clock } from '../clock.js';
import { ConfigError, ConnectorError, HttpStatusError, ResponseShapeError } from '../errors.js';
import type { RateLimiter } from '../http/rate-limiter.js';
import { backoffDelay, defaultRetryPolicy } from '../http/retry.js';
import type { RetryPolicy } from '../http/retry.js';
import { createHttpTransport, isAmbiguousFailure } from '../http/transport.js';
import type { Exchange, HttpTransport, TransportResponse } from '../http/transport.js';
import { parseMetadata } from './metadata.js';
import type { AimairaMetadata } from './metadata.js';
import {
  aimairaMaxQueryLength,
  and,
  chunkInList,
  filterNodeCount,
  filterToString,
  hasInList,
  nextOrChunk,
} from './query.js';
import type { Filter, FilterMode, ODataValue, QueryParams } from './query.js';
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
  /** How this tenant's server is read where documents are silent (from the preflight); the rest is found out. */
  strategies?: AimairaStrategyHints;
  /**
   * Keep to the strategies given, with no fallback when the server refuses one: for the preflight's probes, which
   * must see a refusal rather than have it worked around. Without it (runs), a given `in`, `$expand=Mail` or
   * `Object` collection is only the first thing tried.
   */
  strictStrategies?: boolean;
}

/** The person sets whose e-mail is a `Mail` record behind `MailId`. */
export const personSets = ['Apprenant', 'Enseignant', 'Professionnel'] as const;
export type PersonSet = (typeof personSets)[number];

/** How to read a tenant's server where no document settles its behaviour. */
export interface AimairaStrategies {
  /** OData 4.01 `in`, or `or` chains for older ASP.NET Web API OData servers. */
  filter: 'in' | 'or';
  /** The most nodes a $filter may have in `or` mode (100 on Web API OData by default). */
  maxFilterNodes: number;
  /** `Object` filtered by ids as a collection, or one read per id (only `/Object/{id}` is documented). */
  objects: 'collection' | 'per-id';
  /** Per person kind: `$expand=Mail`, or `Mail` read by `MailId`. */
  mail: Record<PersonSet, 'expand' | 'by-id'>;
}

/** Strategies as a caller may give them: any of them, and for `mail` any of the person kinds. */
export type AimairaStrategyHints = Partial<Omit<AimairaStrategies, 'mail'>> & {
  mail?: Partial<AimairaStrategies['mail']>;
};

/** The node limit assumed in `or` mode when none is given: ASP.NET Web API OData's default `MaxNodeCount`. */
export const defaultMaxFilterNodes = 100;

export type { AimairaMetadata, ProvenancePresenceType } from './metadata.js';

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
  /**
   * The records whose `field` is one of `ids`, and only those, in as many requests as the query length limit
   * (and in `or` mode the filter node limit) needs. `Object` by `Id` is read one id at a time where the server
   * has no `Object` collection.
   */
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
  /**
   * What the client knows of the server's behaviour: the strategies it was given and those it found out since.
   * `mail` appears once all three person kinds are known.
   */
  strategies(): Partial<AimairaStrategies>;
  /** What `$metadata` says about the fields the connector writes; `undefined` when it cannot be read. */
  metadata(): Promise<AimairaMetadata | undefined>;
}

/**
 * Room left under the 2,048-character limit for what the server adds to our query in `@odata.nextLink`
 * (a `$skip` or `$skiptoken`), so the following pages of a long `in` query are not refused either.
 */
const nextLinkAllowance = 128;
const loopbackHosts = new Set(['127.0.0.1', '[::1]', 'localhost']);

/**
 * Ranges in `or` mode (`Id ge a and Id le b` for a run of ids): a range steps over at most this many ids in a row
 * that were not asked for, and the ranges of one request over at most `rangeMaxSpan` in all.
 */
const rangeMaxGap = 32;
const rangeMaxSpan = 4_000;
/** `Object` read one id at a time: this many requests in flight. */
const perIdConcurrency = 4;
/** Statuses with which a server says it has no `Object` collection (or will not filter it). */
const objectCollectionRefusals = new Set([400, 404, 405, 501]);

/** A query of any set, as the client handles it inside (the public methods keep the typed forms). */
type AnyQuery = ListQuery<AimairaEntitySet>;

/** The shape of one read: how `in` lists are written, and whether `Mail` is expanded. */
interface Variant {
  filter: FilterMode;
  expandMail: boolean;
}

/** The variants to try for one read, in order, and what a success of each teaches. */
interface ReadPlan {
  variants: Variant[];
  learn(variant: Variant): void;
}

/**
 * The transport of a client and its checked root (with a trailing slash): what `createAimairaClient` builds on,
 * and what the preflight uses for the few reads it must see raw (a next link as the server wrote it).
 */
export function createAimairaTransport(options: AimairaClientOptions): { transport: HttpTransport; baseUrl: URL } {
  const { baseUrl, headers } = checkOptions(options);
  const transport = createHttpTransport({
    system: 'aimaira',
    baseUrl: baseUrl.href,
    headers,
    ...(options.fetch && { fetch: options.fetch }),
    clock: options.clock ?? systemClock,
    random: options.random ?? Math.random,
    ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
    ...(options.retry && { retry: options.retry }),
    ...(options.limiter && { limiter: options.limiter }),
    ...(options.onExchange && { onExchange: options.onExchange }),
  });
  return { transport, baseUrl };
}

export function createAimairaClient(options: AimairaClientOptions): AimairaClient {
  const { transport, baseUrl } = createAimairaTransport(options);
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const policy: RetryPolicy = { ...defaultRetryPolicy, ...options.retry };
  const pageSize = options.pageSize ?? 200;
  const maxQueryLength = options.maxQueryLength ?? aimairaMaxQueryLength - nextLinkAllowance;
  const collectionHeaders = { prefer: `odata.maxpagesize=${pageSize}` };

  const given = options.strategies ?? {};
  const strict = options.strictStrategies === true;
  const known: {
    filter?: FilterMode | undefined;
    maxFilterNodes?: number | undefined;
    objects?: AimairaStrategies['objects'] | undefined;
    mail: Partial<AimairaStrategies['mail']>;
  } = {
    filter: given.filter,
    maxFilterNodes: given.maxFilterNodes,
    objects: given.objects,
    mail: { ...given.mail },
  };
  const maxFilterNodes = () => known.maxFilterNodes ?? defaultMaxFilterNodes;

  const describe = (url: string): string => transport.describe(new URL(url));

  const validate = <T>(schema: z.ZodType<T>, response: TransportResponse): T => {
    if (response.json === undefined) {
      throw new ResponseShapeError('aimaira', describe(response.url), ['(body): not a JSON document']);
    }
    const parsed = schema.safeParse(response.json);
    if (parsed.success) return parsed.data;
    throw new ResponseShapeError('aimaira', describe(response.url), parsed.error.issues.map(describeIssue));
  };

  /**
   * A next page link, with its path and query put on the configured origin: behind a TLS proxy the server may
   * name `http://` or an internal host, and the credentials go with every request, so they only ever go to the
   * configured origin. A link whose path leaves the API root is refused.
   */
  const checkNextLink = (link: string, from: string): string => {
    const next = rebaseNextLink(link, from, baseUrl);
    if ('problem' in next) {
      throw new ResponseShapeError('aimaira', describe(from), [`@odata.nextLink: ${next.problem}`]);
    }
    return next.url;
  };

  /** The first page of a collection (a 404 is returned when `allowMissing`: an unknown parent record). */
  const openPage = (path: string, params: QueryParams, allowMissing: boolean) =>
    transport.request({
      method: 'GET',
      path,
      query: params,
      extraHeaders: collectionHeaders,
      ...(allowMissing && { acceptStatuses: [404] }),
    });

  /** Follows a collection from its first page, validating each page; `'missing'` when that page was a 404. */
  async function* follow(
    first: TransportResponse,
    entity: z.ZodType,
  ): AsyncGenerator<unknown[], 'missing' | undefined, undefined> {
    const envelope = collectionOf(entity);
    const seen = new Set<string>();
    let response = first;
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

  /** Every record of `follow`, or `undefined` when the parent record is unknown. */
  const collect = async (iterator: ReturnType<typeof follow>): Promise<unknown[] | undefined> => {
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

  /**
   * The variants of a read, in the order they are tried: what is known first, then, for each strategy the read
   * depends on that a server may still refuse, the other way. `in` and `$expand=Mail` stay open even when given
   * (a preflight's finding): a server upgraded or moved since may refuse them, and a run must not stop for that.
   * `or` and Mail by id work on every server, so once chosen they are kept. A success teaches what it used. With
   * `strictStrategies`, only unknown strategies are found out.
   */
  const planRead = (set: AimairaEntitySet, query: AnyQuery | undefined, withIn: boolean) => {
    const filterUnknown = withIn && (strict ? known.filter === undefined : known.filter !== 'or');
    const person = isPersonSet(set) ? set : undefined;
    const wantsMail = person !== undefined && (query?.expand as readonly string[] | undefined)?.includes('Mail');
    const mailKnown = person === undefined ? undefined : known.mail[person];
    const mailUnknown = wantsMail === true && (strict ? mailKnown === undefined : mailKnown !== 'by-id');
    const base: Variant = { filter: known.filter ?? 'in', expandMail: wantsMail === true && mailKnown !== 'by-id' };
    const variants: Variant[] = [base];
    if (mailUnknown) variants.push({ ...base, expandMail: false });
    if (filterUnknown) {
      variants.push({ ...base, filter: 'or' });
      if (mailUnknown) variants.push({ filter: 'or', expandMail: false });
    }
    const plan: ReadPlan = {
      variants,
      learn(variant) {
        if (filterUnknown) known.filter = variant.filter;
        if (mailUnknown && person !== undefined) known.mail[person] = variant.expandMail ? 'expand' : 'by-id';
      },
    };
    return plan;
  };

  /**
   * Runs `send` with each variant in turn while the server answers 400, which a later variant may avoid (an
   * `in` it does not parse, a `$expand` it refuses). When every variant fails, the first failure is thrown.
   */
  const tryVariants = async <T>(
    plan: ReadPlan,
    send: (variant: Variant) => Promise<T>,
  ): Promise<{ value: T; variant: Variant }> => {
    let first: unknown;
    for (const variant of plan.variants) {
      try {
        return { value: await send(variant), variant };
      } catch (error) {
        first ??= error;
        if (!(error instanceof HttpStatusError && error.status === 400)) break;
      }
    }
    throw first;
  };

  /** The query as one variant sends it: without `$expand=Mail` (and with `MailId`) when Mail is read by id. */
  const shapeQuery = <Q extends AnyQuery>(query: Q | undefined, variant: Variant): Q | undefined => {
    if (query?.expand === undefined || variant.expandMail) return query;
    const expand = (query.expand as readonly string[]).filter((name) => name !== 'Mail');
    const select =
      query.select === undefined ? undefined : [...new Set([...(query.select as readonly string[]), 'MailId'])];
    return { ...query, expand, ...(select && { select }) };
  };

  const wantsMail = (set: AimairaEntitySet, query: AnyQuery | undefined): boolean =>
    isPersonSet(set) && ((query?.expand as readonly string[] | undefined)?.includes('Mail') ?? false);

  /**
   * Gives every person that has a `MailId` but no expanded `Mail` its `Mail`, read by id: the same shape whether
   * the server expanded it, refused to, or expanded it empty.
   */
  const attachMail = async (records: unknown[]): Promise<unknown[]> => {
    const people = records as { MailId?: unknown; Mail?: unknown }[];
    const missing = people.filter(
      (person) =>
        typeof person.MailId === 'number' && person.MailId !== 0 && (person.Mail === undefined || person.Mail === null),
    );
    if (missing.length === 0) return records;
    const mails = await client.listByIds('Mail', 'Id', [...new Set(missing.map((person) => person.MailId as number))], {
      select: ['Id', 'Adresse', 'IsDuplicate'],
    });
    const byId = new Map(mails.map((mail) => [mail.Id, mail]));
    for (const person of missing) person.Mail = byId.get(person.MailId as number) ?? null;
    return records;
  };

  /** Opens a collection read: the first page with the variants tried, the strategies it taught learned. */
  const openCollection = async (
    path: string,
    set: AimairaEntitySet,
    query: AnyQuery | undefined,
    allowMissing: boolean,
  ) => {
    const plan = planRead(set, query, query?.filter !== undefined && hasInList(query.filter));
    const { value: response, variant } = await tryVariants(plan, (v) =>
      openPage(path, toParams(set, shapeQuery(query, v), v.filter), allowMissing),
    );
    if (response.status !== 404) plan.learn(variant);
    const sent = shapeQuery(query, variant);
    return { response, entity: entitySchemaFor(set, sent?.select) };
  };

  /**
   * The ids of one `listByIds` read in one variant, request by request: `in` lists cut to the query length
   * limit, or `or` chains within the node limit too, where runs of integer ids become ranges.
   */
  const idReader = (
    set: AimairaEntitySet,
    field: string,
    ids: readonly (number | string)[],
    query: AnyQuery | undefined,
    variant: Variant,
  ) => {
    const sent = shapeQuery(query, variant);
    const entity = entitySchemaFor(set, sent?.select);
    const withChunk = (chunk: Filter) => toParams(set, { ...sent, filter: and(sent?.filter, chunk) }, variant.filter);
    const records: unknown[] = [];
    const read = async (chunk: Filter) =>
      (await collect(follow(await openPage(set, withChunk(chunk), false), entity))) ?? [];

    if (variant.filter === 'in') {
      const chunks = chunkInList(field, ids, maxQueryLength, withChunk);
      let next = 0;
      return {
        records,
        done: () => next >= chunks.length,
        async step() {
          records.push(...(await read(chunks[next] as Filter)));
          next += 1;
        },
      };
    }

    // Ranges only on the key: one record at most per id, so the ids a range spans bound what it may bring.
    const rangeable = field === 'Id' && ids.every((id) => typeof id === 'number' && Number.isSafeInteger(id));
    const unique: ODataValue[] = rangeable
      ? [...new Set(ids as number[])].sort((a, b) => a - b)
      : [...new Map(ids.map((id) => [typeof id === 'string' ? `s${id}` : `n${id}`, id] as const)).values()];
    const asked = new Set<unknown>(unique);
    // Records not asked for that ranges may bring, in all: once spent, the remaining ids go one term each.
    let allowance = rangeable ? Math.max(pageSize, unique.length) : 0;
    const fixedNodes = sent?.filter === undefined ? 0 : filterNodeCount(sent.filter, 'or') + 1;
    let next = 0;
    return {
      records,
      done: () => next >= unique.length,
      async step() {
        const ranges = allowance > 0;
        const chunk = nextOrChunk(
          field,
          unique,
          next,
          {
            maxQueryLength,
            maxNodes: maxFilterNodes(),
            fixedNodes,
            maxGap: ranges ? rangeMaxGap : 0,
            maxSpan: ranges ? Math.min(rangeMaxSpan, allowance) : 0,
          },
          withChunk,
        );
        const page = await read(chunk.filter);
        if (chunk.ranged) {
          const kept = page.filter((record) => asked.has((record as Record<string, unknown>)[field]));
          allowance -= page.length - kept.length;
          records.push(...kept);
        } else {
          records.push(...page);
        }
        next += chunk.count;
      },
    };
  };

  /** `Object` records one GET each (`/Object/{id}`), a few at a time; an unknown id is skipped. */
  const readObjectsById = async (ids: readonly (number | string)[], query: ListQuery<'Object'> | undefined) => {
    if (query?.filter !== undefined) {
      throw new ConnectorError('Object is read one id at a time on this server: it cannot take a filter as well');
    }
    const unique = [...new Set(ids)].map((id) => {
      if (typeof id !== 'number') throw new RangeError(`not an Aimaira record id: ${id}`);
      return checkId(id);
    });
    const params = toParams('Object', { ...(query?.select && { select: query.select }) });
    const entity = entitySchemaFor('Object', query?.select);
    const found: unknown[] = new Array<unknown>(unique.length);
    let next = 0;
    const worker = async () => {
      for (let index = next++; index < unique.length; index = next++) {
        found[index] = await readOne('Object', unique[index] as number, params, entity);
      }
    };
    await Promise.all(Array.from({ length: Math.min(perIdConcurrency, unique.length) }, worker));
    return found.filter((record) => record !== undefined);
  };

  const client: AimairaClient = {
    async *list<S extends AimairaEntitySet, K extends FieldOf<S>>(set: S, query?: ListQuery<S, K>) {
      const { response, entity } = await openCollection(set, set, query as AnyQuery | undefined, false);
      for await (const page of follow(response, entity)) {
        yield (wantsMail(set, query as AnyQuery | undefined) ? await attachMail(page) : page) as Selected<S, K>[];
      }
    },

    async listAll<S extends AimairaEntitySet, K extends FieldOf<S>>(set: S, query?: ListQuery<S, K>) {
      const { response, entity } = await openCollection(set, set, query as AnyQuery | undefined, false);
      const records = (await collect(follow(response, entity))) ?? [];
      return (wantsMail(set, query as AnyQuery | undefined) ? await attachMail(records) : records) as Selected<S, K>[];
    },

    async get<S extends AimairaEntitySet, K extends FieldOf<S>>(set: S, id: number, query?: GetQuery<S, K>) {
      const asked = query as AnyQuery | undefined;
      const anySet: AimairaEntitySet = set;
      const plan = planRead(set, asked, false);
      const { value: response, variant } = await tryVariants(plan, (v) =>
        transport.request({
          method: 'GET',
          path: `${set}/${checkId(id)}`,
          query: toParams(anySet, shapeQuery(asked, v), v.filter),
          acceptStatuses: [404],
        }),
      );
      if (response.status === 404) return undefined;
      plan.learn(variant);
      const record = validate(entitySchemaFor(set, shapeQuery(asked, variant)?.select), response);
      if (wantsMail(set, asked)) await attachMail([record]);
      return record as Selected<S, K>;
    },

    async listByIds<S extends AimairaEntitySet, K extends FieldOf<S>>(
      set: S,
      field: FieldOf<S>,
      ids: readonly (number | string)[],
      query?: ListQuery<S, K>,
    ) {
      if (ids.length === 0) return [];
      const asked = query as AnyQuery | undefined;
      const byObjectId = set === 'Object' && field === 'Id';
      if (set === 'Object' && known.objects === 'per-id') {
        if (!byObjectId) throw new ConnectorError('Object is read one id at a time on this server: only by Id');
        return (await readObjectsById(ids, asked)) as Selected<S, K>[];
      }
      const plan = planRead(set, asked, true);
      let reader: ReturnType<typeof idReader>;
      try {
        const opened = await tryVariants(plan, async (variant) => {
          const attempt = idReader(set, field, ids, asked, variant);
          await attempt.step();
          return attempt;
        });
        plan.learn(opened.variant);
        reader = opened.value;
      } catch (error) {
        // Refused although given as `collection`: the server changed since its preflight; per id works anywhere.
        if (
          byObjectId &&
          (strict ? known.objects === undefined : known.objects !== 'per-id') &&
          error instanceof HttpStatusError &&
          objectCollectionRefusals.has(error.status)
        ) {
          known.objects = 'per-id';
          return (await readObjectsById(ids, asked)) as Selected<S, K>[];
        }
        throw error;
      }
      if (set === 'Object') known.objects ??= 'collection';
      while (!reader.done()) await reader.step();
      const records = uniqueById(reader.records);
      return (wantsMail(set, asked) ? await attachMail(records) : records) as Selected<S, K>[];
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
      const { response, entity } = await openCollection(path, target, query as AnyQuery | undefined, true);
      const records = await collect(follow(response, entity));
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

    strategies() {
      const { filter, maxFilterNodes: nodes, objects, mail } = known;
      const complete = personSets.every((set) => mail[set] !== undefined);
      return {
        ...(filter !== undefined && { filter }),
        ...(nodes !== undefined && { maxFilterNodes: nodes }),
        ...(objects !== undefined && { objects }),
        ...(complete && { mail: { ...mail } as AimairaStrategies['mail'] }),
      };
    },

    async metadata() {
      let response: TransportResponse;
      try {
        response = await transport.request({
          method: 'GET',
          path: '$metadata',
          extraHeaders: { accept: 'application/xml' },
        });
      } catch (error) {
        if (error instanceof HttpStatusError) return undefined;
        throw error;
      }
      return parseMetadata(response.text);
    },
  };
  return client;
}

/** Where a next link leads once rebased, or why it is refused. */
export type RebasedNextLink = { url: string; linkOrigin: string } | { problem: string; linkOrigin?: string };

/**
 * A `@odata.nextLink` taken onto the configured root: its path and query on the configured origin, whatever origin
 * it names (behind a TLS proxy the server may write `http://` or an internal host), so that credentials only ever go
 * to the configured host; refused when its path leaves the API root. The client and the preflight both use it.
 */
export function rebaseNextLink(link: string, from: string, root: URL): RebasedNextLink {
  let next: URL;
  try {
    next = new URL(link, from);
  } catch {
    return { problem: 'not a URL' };
  }
  if (next.protocol !== 'https:' && next.protocol !== 'http:') {
    return { problem: 'not an http(s) URL', linkOrigin: next.origin };
  }
  const rebased = new URL(`${next.pathname}${next.search}`, root.origin);
  // IIS compares paths without regard to case, and the origin is ours whatever the case: `/graphv1/` is the root.
  if (!rebased.pathname.toLowerCase().startsWith(root.pathname.toLowerCase())) {
    return { problem: 'points outside the API root', linkOrigin: next.origin };
  }
  return { url: rebased.href, linkOrigin: next.origin };
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
  issues.push(...checkStrategies(options.strategies));
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

/**
 * Strategies may come from a stored preflight report: each is checked. The node limit must leave room for a
 * caller's conditions and at least one range (seven nodes).
 */
function checkStrategies(strategies: AimairaStrategyHints | undefined): string[] {
  if (strategies === undefined) return [];
  const issues: string[] = [];
  const { filter, maxFilterNodes, objects, mail } = strategies as Record<string, unknown>;
  if (filter !== undefined && filter !== 'in' && filter !== 'or') issues.push('strategies.filter: must be in or or');
  if (maxFilterNodes !== undefined && !(Number.isInteger(maxFilterNodes) && (maxFilterNodes as number) >= 16)) {
    issues.push('strategies.maxFilterNodes: must be an integer of at least 16');
  }
  if (objects !== undefined && objects !== 'collection' && objects !== 'per-id') {
    issues.push('strategies.objects: must be collection or per-id');
  }
  if (mail !== undefined) {
    for (const [set, how] of Object.entries(mail as Record<string, unknown>)) {
      if (!isPersonSet(set as AimairaEntitySet) || (how !== 'expand' && how !== 'by-id' && how !== undefined)) {
        issues.push(`strategies.mail.${set}: must be expand or by-id, for Apprenant, Enseignant or Professionnel`);
      }
    }
  }
  return issues;
}

const orderByPattern = /^[A-Za-z_][A-Za-z0-9_]*( (asc|desc))?$/;

/** The OData system query options of a query, its `in` lists written as `mode` says. */
function toParams<S extends AimairaEntitySet>(
  set: S,
  query: ListQuery<S, FieldOf<S>> | undefined,
  mode: FilterMode = 'in',
): QueryParams {
  const params: Record<string, string> = {};
  if (query === undefined) return params;
  if (query.filter !== undefined) params['$filter'] = filterToString(query.filter, mode);
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

function isPersonSet(set: AimairaEntitySet): set is PersonSet {
  return (personSets as readonly string[]).includes(set);
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
 * SQL Server's `datetime` keeps 1/300 s, so `.999` may come back as the next second's `.000`: two instants this
 * close are the same value even across a second boundary.
 */
const datetimeRoundingMs = 2;

/**
 * Deep equality of JSON values, where two date-times are equal when they name the same instant to the second:
 * Aimaira answers in Europe/Paris time whatever offset was sent (`09:00:00Z` comes back as `10:00:00+01:00`), and
 * a server that stores `datetime` rounds milliseconds to 1/300 s (`08:03:00.004` comes back as `08:03:00.003`).
 * The connector writes whole seconds.
 */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'string' && typeof b === 'string') {
    if (!isoDateTime.test(a) || !isoDateTime.test(b)) return false;
    const left = Date.parse(a);
    const right = Date.parse(b);
    if (Number.isNaN(left) || Number.isNaN(right)) return false;
    return Math.floor(left / 1000) === Math.floor(right / 1000) || Math.abs(left - right) <= datetimeRoundingMs;
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
