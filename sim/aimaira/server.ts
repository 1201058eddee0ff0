/**
 * The Aimaira GraphV1 simulator: the OData v4 API the connector reads planning from and writes attendance to,
 * served under `/GraphV1` by the shared simulator shell (which adds recording and fault injection).
 *
 * It is as strict as the real API wherever the contract lets us know it, and stricter where the contract is silent:
 * a lenient simulator would let a client bug reach production. The choices made where the contract is silent are
 * listed in docs/contracts/aimaira.md (section "Simulator").
 */
import { Buffer } from 'node:buffer';
import { timingSafeEqual } from 'node:crypto';

import type { SimProfile } from '../shared/profile.js';
import { startSimServer } from '../shared/http-server.js';
import type { SimHandler, SimRequest, SimResponse, SimServer, SimServerOptions } from '../shared/http-server.js';
import { entityFields, entitySetNames, navigations } from './entities.js';
import type { EntitySetName, FieldKind } from './entities.js';
import {
  harshDataset,
  harshInternalOrigin,
  harshMaxFilterNodes,
  harshProvenanceDefault,
  harshProvenanceMembers,
  harshSetsWithoutMail,
  isProvenanceMember,
  roundToSqlDatetime,
} from './harsh.js';
import {
  ODataQueryError,
  compileFilter,
  decodeQueryComponent,
  edmTypeOf,
  fieldKindOf,
  filterNodeCount,
  inPosition,
  indexableConditions,
  navigationOf,
  parseDateTimeOffset,
  parseQueryOptions,
  parseQueryString,
  sortRecords,
} from './odata.js';
import type { EntityRecord, IndexableCondition, QueryOptions, RelatedLookup } from './odata.js';
import { EntityNotFoundError, InvalidEntityError, createAimairaStore } from './store.js';
import type { AimairaDataset, AimairaStore } from './store.js';
import { createAimairaAdminHandler, createAimairaWebhooks } from './webhooks.js';
import type {
  AimairaWebhookOptions,
  AimairaWebhookRegistration,
  AimairaWebhookSubscription,
  AimairaWebhooks,
} from './webhooks.js';

export type { AimairaDataset, AimairaStore };
export type {
  AimairaWebhookAuth,
  AimairaWebhookDelivery,
  AimairaWebhookMessage,
  AimairaWebhookOptions,
  AimairaWebhookRegistration,
  AimairaWebhookSubscription,
  AimairaWebhooks,
} from './webhooks.js';

export interface AimairaCredentials {
  /** Sent exactly, e.g. `ACME\api@aimaira.fr` with a single backslash. */
  username: string;
  password: string;
  /** When set, `X-ApiKey: <apiKey>` is accepted too. */
  apiKey?: string;
}

export interface AimairaHandlerOptions {
  credentials: AimairaCredentials;
  /** `harsh`: the behaviours of older or stricter servers (docs/contracts/aimaira.md, "Harsh profile"). */
  profile?: SimProfile;
  /** Entities per page when the client states no `Prefer: odata.maxpagesize` (100). */
  defaultPageSize?: number;
  /** The most entities one answer holds, whatever the client prefers (200). */
  maxPageSize?: number;
}

export interface AimairaSimulatorOptions {
  /** Seed records (may be partial; missing fields take their empty value). */
  data?: AimairaDataset;
  credentials: AimairaCredentials;
  profile?: SimProfile;
  defaultPageSize?: number;
  maxPageSize?: number;
  latencyMs?: number;
  port?: number;
  host?: string;
  /** The clock for the `Object` metadata dates (and the webhooks' `Date`). */
  now?: () => Date;
  /** Retry delays, timeouts and seed of the webhook deliveries (sim/aimaira/webhooks.ts). */
  webhooks?: AimairaWebhookOptions;
}

export interface AimairaSimulator extends SimServer {
  /** `url + '/GraphV1'`, the root a tenant is configured with. */
  readonly rootUrl: string;
  readonly store: AimairaStore;
  /** The webhook subscriptions and their delivery log. */
  readonly webhooks: AimairaWebhooks;
  /** Subscribes a loopback receiver to the changes (as `POST /__sim/webhooks` does). */
  registerWebhook(registration: AimairaWebhookRegistration): AimairaWebhookSubscription;
}

export const rootPath = '/GraphV1';

/**
 * The longest query string accepted, in characters as received (encoded, without `?`). The real API runs on
 * IIS/.NET, whose request filtering refuses longer ones by default (`maxQueryString` = 2048): a client must split
 * long `in` lists over several requests.
 */
export const maxQueryStringLength = 2048;

const odataJson =
  'application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8';

/** Documented as mandatory when creating an event (doc page "Événement du calendrier"). */
const requiredOnCreate: Partial<Record<EntitySetName, string[]>> = {
  Planification: ['EntiteJuridiqueId', 'TypePlanificationId', 'Debut', 'Fin'],
};

class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string>;

  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

const notFound = (message: string): HttpError => new HttpError(404, 'NotFound', message);
const badRequest = (message: string): HttpError => new HttpError(400, 'BadRequest', message);
/** ASP.NET Web API OData's refusal of a query option: an empty code and this opening sentence. */
const harshQueryError = (detail: string): HttpError =>
  new HttpError(400, '', `The query specified in the URI is not valid. ${detail}`);
const methodNotAllowed = (method: string, what: string, allow: string, why = ''): HttpError =>
  new HttpError(405, 'MethodNotAllowed', `${method} is not allowed on ${what}${why}`, { allow });

/** The GraphV1 API as a plain request -> response function over `store`. */
export function createAimairaHandler(store: AimairaStore, options: AimairaHandlerOptions): SimHandler {
  const harsh = options.profile === 'harsh';
  const maxPageSize = options.maxPageSize ?? 200;
  const defaultPageSize = Math.min(options.defaultPageSize ?? 100, maxPageSize);
  const expectedBasic = Buffer.from(`${options.credentials.username}:${options.credentials.password}`, 'utf8');
  const apiKey = options.credentials.apiKey;
  const lookup: RelatedLookup = (set, id) => store.get(set, id);

  const authorised = (headers: SimRequest['headers']): boolean => {
    const key = headers['x-apikey'];
    if (
      apiKey !== undefined &&
      apiKey !== '' &&
      typeof key === 'string' &&
      sameBytes(Buffer.from(key), Buffer.from(apiKey))
    ) {
      return true;
    }
    const match = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(headers.authorization ?? '');
    return match?.[1] !== undefined && sameBytes(Buffer.from(match[1], 'base64'), expectedBasic);
  };

  const route = (request: SimRequest): SimResponse => {
    const { pathname, search } = request.url;
    // IIS refuses an over-long query string before the application (and its authentication) sees the request.
    if (search.length - 1 > maxQueryStringLength) {
      throw new HttpError(
        414,
        'QueryStringTooLong',
        `The query string is ${search.length - 1} characters long; at most ${maxQueryStringLength} are accepted. ` +
          `Split long 'in' lists over several requests.`,
      );
    }
    if (pathname !== rootPath && !pathname.startsWith(`${rootPath}/`)) {
      throw notFound(`No resource at ${pathname}; the API root is ${rootPath}`);
    }
    if (!authorised(request.headers)) {
      throw new HttpError(401, 'Unauthorized', 'Authorization has been denied for this request.', {
        'www-authenticate': `Basic realm="GraphV1"`,
      });
    }
    const host = request.headers.host ?? request.url.host;
    // Behind its TLS proxy, a harsh server names itself by its internal origin in the links it writes.
    const root = harsh ? `${harshInternalOrigin}${rootPath}` : `http://${host}${rootPath}`;
    const segments = pathname
      .slice(rootPath.length)
      .split('/')
      .filter((segment) => segment !== '')
      .map((segment) => decodeSegment(segment));

    const [first, ...rest] = segments;
    if (first === undefined) {
      requireGet(request, 'the service document');
      return odata(200, {
        '@odata.context': `${root}/$metadata`,
        value: entitySetNames.map((name) => ({ name, kind: 'EntitySet', url: name })),
      });
    }
    if (first === '$metadata' && rest.length === 0) {
      requireGet(request, '$metadata');
      return {
        status: 200,
        headers: { 'content-type': 'application/xml; charset=utf-8', 'odata-version': '4.0' },
        body: metadataDocument(harsh),
      };
    }
    const head = /^([A-Za-z_]\w*)(?:\(([^()]*)\))?$/.exec(first);
    const set =
      head?.[1] !== undefined && (entitySetNames as string[]).includes(head[1])
        ? (head[1] as EntitySetName)
        : undefined;
    if (head === null || set === undefined) throw notFound(`Resource not found for the segment '${first}'`);

    let keyText = head[2];
    let after = rest;
    if (keyText === undefined && after.length > 0) [keyText, ...after] = after;
    if (keyText === undefined) {
      // A server without the `Object` collection route: only `/Object/{id}` is documented.
      if (harsh && set === 'Object') {
        throw notFound(`No HTTP resource was found that matches the request URI '${root}/Object'.`);
      }
      return collection(request, set, root);
    }
    if (keyText.startsWith('$')) throw notFound(`The segment '${keyText}' is not supported`);
    const id = parseKey(keyText);
    const [navigationName, ...beyond] = after;
    if (navigationName === undefined) return entity(request, set, id, root);
    if (beyond.length > 0) throw notFound(`Resource not found for the segment '${beyond.join('/')}'`);
    return navigation(request, set, id, navigationName, root);
  };

  /** The query options, with what a harsh server refuses on top of the common checks. */
  const readQuery = (request: SimRequest, set: EntitySetName, target: 'collection' | 'entity'): QueryOptions => {
    const query = parseQueryOptions(parseQueryString(request.url.search), set, target);
    if (!harsh) return query;
    if (query.filter !== undefined) {
      const at = inPosition(query.filter.expression);
      if (at !== undefined) {
        throw harshQueryError(
          `Syntax error at position ${at} in '${query.filter.text}': this server does not know the 'in' operator ` +
            `of OData 4.01; write the list as 'eq' comparisons joined by 'or'.`,
        );
      }
      const nodes = filterNodeCount(query.filter.expression);
      if (nodes > harshMaxFilterNodes) {
        throw harshQueryError(
          `The $filter has ${nodes} nodes, over the limit of ${harshMaxFilterNodes} (MaxNodeCount): split it.`,
        );
      }
    }
    if (query.expand.includes('Mail') && harshSetsWithoutMail.has(set)) {
      throw harshQueryError(`Could not find a property named 'Mail' on type 'GraphV1.${set}'.`);
    }
    return query;
  };

  /**
   * A written body as a harsh server stores it: date-times rounded to SQL Server's 1/300 s, and
   * `ProvenancePresence` an enumeration (a value that is no member is refused; left out, it is `None`).
   */
  const asStored = (set: EntitySetName, body: Record<string, unknown>): Record<string, unknown> => {
    if (!harsh) return body;
    const stored: Record<string, unknown> = { ...body };
    for (const [field, kind] of Object.entries(entityFields[set])) {
      const value = stored[field];
      if (kind !== 'datetime' || typeof value !== 'string') continue;
      const parsed = parseDateTimeOffset(value);
      // A bad date-time is left for the store to refuse, with its usual message.
      if ('instant' in parsed) stored[field] = new Date(roundToSqlDatetime(parsed.instant)).toISOString();
    }
    if (set === 'PlanificationRessource') {
      const provenance = stored['ProvenancePresence'];
      if (provenance === undefined) {
        stored['ProvenancePresence'] = harshProvenanceDefault;
      } else if (!isProvenanceMember(provenance)) {
        throw new HttpError(
          400,
          '',
          `The request is invalid. The value ${JSON.stringify(provenance)} of ProvenancePresence is not a member ` +
            `of GraphV1.ProvenancePresence (${harshProvenanceMembers.join(', ')}).`,
        );
      }
    }
    return stored;
  };

  const collection = (request: SimRequest, set: EntitySetName, root: string): SimResponse => {
    switch (request.method) {
      case 'GET': {
        const query = readQuery(request, set, 'collection');
        const plans = query.filter ? indexableConditions(query.filter.expression) : [];
        return page(request, set, candidatesOf(set, plans), query, root);
      }
      case 'POST': {
        if (set === 'Object') {
          throw methodNotAllowed('POST', 'Object', 'GET', ': object metadata is maintained by Aimaira');
        }
        const body = asStored(set, readEntityBody(request, set));
        const missing = (requiredOnCreate[set] ?? []).filter((field) => isEmpty(body[field]));
        if (missing.length > 0) throw badRequest(`A new ${set} needs ${missing.join(', ')}`);
        delete body['Id'];
        const created = store.insert(set, body);
        return odata(
          201,
          { '@odata.context': `${root}/$metadata#${set}/$entity`, ...created },
          { location: `${root}/${set}(${String(created['Id'])})` },
        );
      }
      default:
        throw methodNotAllowed(request.method, `the ${set} collection`, set === 'Object' ? 'GET' : 'GET, POST');
    }
  };

  const entity = (request: SimRequest, set: EntitySetName, id: number, root: string): SimResponse => {
    const readOnly = set === 'Object';
    const allow = readOnly ? 'GET' : 'GET, PUT, DELETE';
    switch (request.method) {
      case 'GET': {
        const query = readQuery(request, set, 'entity');
        const record = store.get(set, id);
        if (record === undefined) throw notFound(`No ${set} with Id ${id}`);
        return odata(200, { '@odata.context': `${contextOf(root, set, query)}/$entity`, ...shape(set, record, query) });
      }
      case 'PATCH':
      case 'MERGE':
        throw methodNotAllowed(
          request.method,
          `${set}(${id})`,
          allow,
          ': Aimaira has no partial update. GET the entity, change the fields and PUT the whole entity back',
        );
      case 'PUT':
      case 'DELETE': {
        if (readOnly) {
          throw methodNotAllowed(request.method, `Object(${id})`, allow, ': object metadata is maintained by Aimaira');
        }
        if (store.get(set, id) === undefined) throw notFound(`No ${set} with Id ${id}`);
        if (request.method === 'DELETE') {
          store.remove(set, id);
          return { status: 204, headers: { 'odata-version': '4.0' } };
        }
        const body = asStored(set, readEntityBody(request, set));
        const replaced = store.replace(set, id, body);
        return odata(200, { '@odata.context': `${root}/$metadata#${set}/$entity`, ...replaced });
      }
      default:
        throw methodNotAllowed(request.method, `${set}(${id})`, allow);
    }
  };

  const navigation = (request: SimRequest, set: EntitySetName, id: number, name: string, root: string): SimResponse => {
    const target = harsh && name === 'Mail' && harshSetsWithoutMail.has(set) ? undefined : navigationOf(set, name);
    if (target === undefined) throw notFound(`${set} has no navigation property '${name}'`);
    if (request.method !== 'GET') throw methodNotAllowed(request.method, `${set}(${id})/${name}`, 'GET');
    const parent = store.get(set, id);
    if (parent === undefined) throw notFound(`No ${set} with Id ${id}`);
    if (target.kind === 'many') {
      const query = readQuery(request, target.target, 'collection');
      return page(request, target.target, store.where(target.target, target.foreignKey, [id]), query, root);
    }
    const query = readQuery(request, target.target, 'entity');
    const foreignKey = parent[target.foreignKey];
    const related =
      typeof foreignKey === 'number' && foreignKey !== 0 ? store.get(target.target, foreignKey) : undefined;
    // OData: a single-valued navigation that points nowhere is "204 No Content".
    if (related === undefined) return { status: 204, headers: { 'odata-version': '4.0' } };
    return odata(200, {
      '@odata.context': `${contextOf(root, target.target, query)}/$entity`,
      ...shape(target.target, related, query),
    });
  };

  /**
   * The records a filter may match, in Id order, through an index when the filter allows: values of an integer
   * field, or ranges of `Id` (found by binary search in the Id-ordered set). Of several conditions, the one that
   * leaves the fewest records is used.
   */
  const candidatesOf = (set: EntitySetName, plans: readonly IndexableCondition[]): readonly EntityRecord[] => {
    const all = store.list(set);
    const firstAtLeast = (id: number) => {
      let low = 0;
      let high = all.length;
      while (low < high) {
        const middle = (low + high) >>> 1;
        if ((all[middle]?.['Id'] as number) < id) low = middle + 1;
        else high = middle;
      }
      return low;
    };
    const usable = plans.filter(
      (plan) => fieldKindOf(set, plan.field) === 'int' && (plan.ranges.length === 0 || plan.field === 'Id'),
    );
    const size = (plan: IndexableCondition) =>
      store.countWhere(set, plan.field, plan.values) +
      plan.ranges.reduce((sum, [low, high]) => sum + Math.max(0, firstAtLeast(high + 1) - firstAtLeast(low)), 0);
    let best: IndexableCondition | undefined;
    let bestSize = all.length;
    for (const plan of usable) {
      const count = size(plan);
      if (count <= bestSize) [best, bestSize] = [plan, count];
    }
    if (best === undefined) return all;
    if (best.ranges.length === 0) return store.where(set, best.field, best.values);
    const found = new Map<number, EntityRecord>();
    for (const record of store.where(set, 'Id', best.values)) found.set(record['Id'] as number, record);
    for (const [low, high] of best.ranges) {
      for (let at = firstAtLeast(low); at < all.length; at++) {
        const record = all[at] as EntityRecord;
        if ((record['Id'] as number) > high) break;
        found.set(record['Id'] as number, record);
      }
    }
    return [...found.values()].sort((a, b) => (a['Id'] as number) - (b['Id'] as number));
  };

  /** Filters, orders and cuts one page out of `candidates` (given in Id order), with a nextLink when more remain. */
  const page = (
    request: SimRequest,
    set: EntitySetName,
    candidates: readonly EntityRecord[],
    query: QueryOptions,
    root: string,
  ): SimResponse => {
    const predicate = query.filter ? compileFilter(query.filter.expression, set, lookup, query.filter.text) : undefined;
    const matching = predicate ? candidates.filter(predicate) : candidates;
    const ordered = query.orderBy.length > 0 ? sortRecords(matching, query.orderBy, set, lookup) : matching;

    const preferred = preferredPageSize(request.headers['prefer']);
    const pageSize = Math.min(preferred ?? defaultPageSize, maxPageSize);
    const start = Math.min(query.skip, ordered.length);
    const end = query.top === undefined ? ordered.length : Math.min(ordered.length, query.skip + query.top);
    const pageEnd = Math.min(end, start + pageSize);

    const body: Record<string, unknown> = { '@odata.context': contextOf(root, set, query) };
    if (query.count) body['@odata.count'] = ordered.length;
    body['value'] = ordered.slice(start, pageEnd).map((record) => shape(set, record, query));
    if (pageEnd < end) {
      const remainingTop = query.top === undefined ? undefined : query.top - (pageEnd - start);
      body['@odata.nextLink'] = nextLink(request, pageEnd, remainingTop, harsh ? harshInternalOrigin : undefined);
    }
    const headers: Record<string, string> = {};
    if (preferred !== undefined) headers['preference-applied'] = `odata.maxpagesize=${pageSize}`;
    return odata(200, body, headers);
  };

  /** The entity as answered: the `$select`ed fields (all by default), then the `$expand`ed navigations. */
  const shape = (set: EntitySetName, record: EntityRecord, query: QueryOptions): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const field of query.select ?? Object.keys(entityFields[set])) out[field] = record[field];
    for (const name of query.expand) {
      const target = navigations[set]?.[name];
      if (target === undefined) continue;
      if (target.kind === 'many') {
        out[name] = store.where(target.target, target.foreignKey, [record['Id'] as number]);
      } else {
        const foreignKey = record[target.foreignKey];
        out[name] =
          (typeof foreignKey === 'number' && foreignKey !== 0 && store.get(target.target, foreignKey)) || null;
      }
    }
    return out;
  };

  return (request) => {
    try {
      return route(request);
    } catch (error) {
      return errorResponse(error);
    }
  };
}

/** Starts the simulator on loopback, seeded with `options.data`. */
export async function startAimairaSimulator(options: AimairaSimulatorOptions): Promise<AimairaSimulator> {
  const data = options.profile === 'harsh' ? harshDataset(options.data ?? {}) : options.data;
  const store = createAimairaStore({
    ...(data !== undefined && { data }),
    ...(options.now !== undefined && { now: options.now }),
  });
  const handler = createAimairaHandler(store, {
    credentials: options.credentials,
    ...(options.profile !== undefined && { profile: options.profile }),
    ...(options.defaultPageSize !== undefined && { defaultPageSize: options.defaultPageSize }),
    ...(options.maxPageSize !== undefined && { maxPageSize: options.maxPageSize }),
  });
  const webhooks = createAimairaWebhooks(store, {
    ...(options.now !== undefined && { now: options.now }),
    ...options.webhooks,
  });
  const serverOptions: SimServerOptions = { handler, adminHandler: createAimairaAdminHandler(store, webhooks) };
  if (options.latencyMs !== undefined) serverOptions.latencyMs = options.latencyMs;
  if (options.port !== undefined) serverOptions.port = options.port;
  if (options.host !== undefined) serverOptions.host = options.host;
  let server: SimServer;
  try {
    server = await startSimServer(serverOptions);
  } catch (error) {
    webhooks.close();
    throw error;
  }
  return {
    ...server,
    rootUrl: `${server.url}${rootPath}`,
    store,
    webhooks,
    registerWebhook: (registration) => webhooks.register(registration),
    async close() {
      webhooks.close();
      await server.close();
    },
  };
}

function odata(status: number, body: unknown, headers: Record<string, string> = {}): SimResponse {
  return { status, headers: { 'content-type': odataJson, 'odata-version': '4.0', ...headers }, body };
}

function errorResponse(error: unknown): SimResponse {
  const send = (status: number, code: string, message: string, headers: Record<string, string> = {}): SimResponse => ({
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'odata-version': '4.0', ...headers },
    body: { error: { code, message } },
  });
  if (error instanceof HttpError) return send(error.status, error.code, error.message, error.headers);
  if (error instanceof ODataQueryError || error instanceof InvalidEntityError) {
    return send(400, 'BadRequest', error.message);
  }
  if (error instanceof EntityNotFoundError) return send(404, 'NotFound', error.message);
  throw error;
}

function requireGet(request: SimRequest, what: string): void {
  if (request.method !== 'GET') throw methodNotAllowed(request.method, what, 'GET');
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest(`The path segment '${segment}' is not correctly percent-encoded`);
  }
}

function parseKey(text: string): number {
  const id = Number(text);
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(id)) {
    throw badRequest(`The key '${text}' is not a valid Edm.Int32 id`);
  }
  return id;
}

function contextOf(root: string, set: EntitySetName, query: QueryOptions): string {
  return `${root}/$metadata#${set}${query.select ? `(${query.select.join(',')})` : ''}`;
}

/** `Prefer: odata.maxpagesize=N` (or the 4.01 spelling `maxpagesize=N`); anything else is no preference. */
function preferredPageSize(header: string | string[] | undefined): number | undefined {
  const values = Array.isArray(header) ? header : header === undefined ? [] : [header];
  for (const preference of values.flatMap((value) => value.split(','))) {
    const match = /^\s*(?:odata\.)?maxpagesize\s*=\s*"?(\d+)"?\s*$/i.exec(preference);
    const size = Number(match?.[1]);
    if (match && Number.isSafeInteger(size) && size > 0) return size;
  }
  return undefined;
}

/**
 * The URL of the next page: the client's query string as it sent it, with `$skip` moved on and `$top` reduced by
 * what this page held, on the host the client used. Keeping the client's encoding keeps the link as short as the
 * request, so following it never crosses the query length limit the request itself respected.
 */
function nextLink(request: SimRequest, skip: number, top: number | undefined, origin?: string): string {
  const kept = request.url.search
    .slice(1)
    .split('&')
    .filter((part) => {
      if (part === '') return false;
      const key = decodeQueryComponent(part.split('=', 1)[0] ?? '');
      return key !== '$skip' && key !== '$top';
    });
  if (top !== undefined) kept.push(`$top=${top}`);
  kept.push(`$skip=${skip}`);
  const host = request.headers.host ?? request.url.host;
  return `${origin ?? `http://${host}`}${request.url.pathname}?${kept.join('&')}`;
}

/** Reads a write's body: JSON only, and a JSON object. */
function readEntityBody(request: SimRequest, set: EntitySetName): Record<string, unknown> {
  const type = request.headers['content-type'] ?? '';
  if (!/^\s*application\/json\s*(;|$)/i.test(type)) {
    throw new HttpError(
      415,
      'UnsupportedMediaType',
      `The request's media type '${type || '(none)'}' is not supported; send the entity as application/json`,
    );
  }
  if (request.body.trim() === '') throw badRequest(`The request body is empty; send the ${set} as a JSON object`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(request.body);
  } catch (error) {
    throw badRequest(`The request body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw badRequest(`The request body must be a JSON object (one ${set})`);
  }
  const body = parsed as Record<string, unknown>;
  const id = body['Id'];
  // The Id of a write comes from the URL (or is assigned), but a body Id of the wrong type is still malformed.
  if (id !== undefined && !(typeof id === 'number' && Number.isSafeInteger(id))) {
    throw badRequest(`Invalid value for ${set}.Id (Edm.Int32): expected an integer`);
  }
  return body;
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || value === 0 || value === '';
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * A small EDMX document generated from the field sets: every type derives from `Base` (Id, Nom, Code). A harsh
 * server declares `ProvenancePresence` as an enumeration, and no `Mail` navigation on facilitators and tutors.
 */
function metadataDocument(harsh: boolean): string {
  const base = ['Id', 'Nom', 'Code'];
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">',
    '  <edmx:DataServices>',
    '    <Schema Namespace="GraphV1" xmlns="http://docs.oasis-open.org/odata/ns/edm">',
    '      <EntityType Name="Base" Abstract="true">',
    '        <Key><PropertyRef Name="Id"/></Key>',
    '        <Property Name="Id" Type="Edm.Int32" Nullable="false"/>',
    '        <Property Name="Nom" Type="Edm.String"/>',
    '        <Property Name="Code" Type="Edm.String"/>',
    '      </EntityType>',
  ];
  if (harsh) {
    lines.push(
      '      <EnumType Name="ProvenancePresence">',
      ...harshProvenanceMembers.map((member, value) => `        <Member Name="${member}" Value="${value}"/>`),
      '      </EnumType>',
    );
  }
  const typeOf = (set: EntitySetName, field: string, kind: FieldKind): string =>
    harsh && set === 'PlanificationRessource' && field === 'ProvenancePresence'
      ? 'GraphV1.ProvenancePresence'
      : edmTypeOf(kind);
  const navigationsOf = (set: EntitySetName) =>
    Object.entries(navigations[set] ?? {}).filter(
      ([name]) => !(harsh && name === 'Mail' && harshSetsWithoutMail.has(set)),
    );
  for (const set of entitySetNames) {
    const members: string[] = [];
    for (const [field, kind] of Object.entries(entityFields[set])) {
      if (base.includes(field)) continue;
      const nullable = kind === 'int' || kind === 'decimal' || kind === 'bool' ? ' Nullable="false"' : '';
      members.push(`        <Property Name="${field}" Type="${typeOf(set, field, kind)}"${nullable}/>`);
    }
    for (const [name, target] of navigationsOf(set)) {
      const type = target.kind === 'many' ? `Collection(GraphV1.${target.target})` : `GraphV1.${target.target}`;
      members.push(`        <NavigationProperty Name="${name}" Type="${type}"/>`);
    }
    if (members.length === 0) {
      lines.push(`      <EntityType Name="${set}" BaseType="GraphV1.Base"/>`);
    } else {
      lines.push(`      <EntityType Name="${set}" BaseType="GraphV1.Base">`, ...members, '      </EntityType>');
    }
  }
  lines.push('      <EntityContainer Name="Container">');
  for (const set of entitySetNames) {
    const bindings = navigationsOf(set);
    if (bindings.length === 0) {
      lines.push(`        <EntitySet Name="${set}" EntityType="GraphV1.${set}"/>`);
      continue;
    }
    lines.push(`        <EntitySet Name="${set}" EntityType="GraphV1.${set}">`);
    for (const [name, target] of bindings) {
      lines.push(`          <NavigationPropertyBinding Path="${name}" Target="${target.target}"/>`);
    }
    lines.push('        </EntitySet>');
  }
  lines.push('      </EntityContainer>', '    </Schema>', '  </edmx:DataServices>', '</edmx:Edmx>', '');
  return lines.join('\n');
}
