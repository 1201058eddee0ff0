/**
 * Aimaira's webhooks, as its documentation describes them ("Mise en place d'un webhook"): after every creation,
 * change or deletion of a watched entity, one message per record, `{CustomerName, Date, Hash, ObjectId,
 * ObjectType, TriggerName}` without the data, POSTed with Basic or OAuth 2 client-credentials authentication.
 * Messages are neither deduplicated nor aggregated; a delivery answered with anything but 2xx (or not answered)
 * is tried again later, a few times, with growing delays.
 *
 * Delivery never slows the API: a write queues its messages and answers; the queue is worked off afterwards.
 * Every message (dropped, pending, delivered or given up) is in the delivery log tests read.
 */
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';

import type { SimHandler, SimRequest, SimResponse } from '../shared/http-server.js';
import {
  WebhookTargetError,
  createDropper,
  describeFailure,
  requireLoopbackUrl,
  requireShare,
} from '../shared/webhook-target.js';
import { aimairaTableNames, entitySetNames } from './entities.js';
import type { EntitySetName } from './entities.js';
import { EntityNotFoundError, InvalidEntityError } from './store.js';
import type { AimairaStore, StoreChange, StoreChangeKind } from './store.js';

/** The `TriggerName` of each kind of change (the real names are not published; these are the simulator's). */
export const aimairaTriggerNames = {
  created: 'Creation',
  modified: 'Modification',
  deleted: 'Suppression',
} as const satisfies Record<StoreChangeKind, string>;

export type AimairaTriggerName = (typeof aimairaTriggerNames)[StoreChangeKind];

export type AimairaWebhookAuth =
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'oauth'; tokenUrl: string; clientId: string; clientSecret: string };

export interface AimairaWebhookRegistration {
  /** Where messages go: loopback only. */
  url: string;
  /** `CustomerName` of every message (and part of its hash). */
  customerName: string;
  auth: AimairaWebhookAuth;
  /** The share of messages never sent (0..1), drawn from a seeded stream; 0 by default. */
  dropShare?: number;
  /** Entity sets (`Planification`) or table names (`planification.T_PLANIFICATION`); every set but `Object` by default. */
  entities?: string[];
  /** Seeds the drop decisions of this subscription (the simulator's webhook seed by default). */
  seed?: number;
}

/** A subscription as listed: the secrets are not repeated. */
export interface AimairaWebhookSubscription {
  readonly id: string;
  readonly url: string;
  readonly customerName: string;
  readonly authKind: AimairaWebhookAuth['kind'];
  readonly entities: readonly EntitySetName[];
  readonly dropShare: number;
}

export interface AimairaWebhookMessage {
  CustomerName: string;
  /** ISO 8601, UTC. */
  Date: string;
  /** base64(MD5(ASCII(TriggerName + ObjectId + ObjectType + Date + TriggerName + CustomerName))). */
  Hash: string;
  ObjectId: number;
  ObjectType: string;
  TriggerName: AimairaTriggerName;
}

export interface AimairaWebhookAttempt {
  /** ISO instant the attempt started. */
  at: string;
  /** The receiver's HTTP status, when it answered. */
  status?: number;
  /** Why there was no usable answer (network failure, timeout, token failure). */
  error?: string;
  durationMs: number;
}

export type AimairaDeliveryState = 'pending' | 'delivered' | 'failed' | 'dropped';

export interface AimairaWebhookDelivery {
  /** 1, 2, ... in the order the messages were made. */
  id: number;
  subscriptionId: string;
  set: EntitySetName;
  message: AimairaWebhookMessage;
  /** `pending` until delivered (2xx) or given up after the last retry; `dropped` ones are never sent. */
  state: AimairaDeliveryState;
  attempts: AimairaWebhookAttempt[];
}

/** One request to an OAuth token URL. */
export interface AimairaTokenRequest {
  subscriptionId: string;
  at: string;
  status?: number;
  error?: string;
}

export interface AimairaWebhookOptions {
  /**
   * The wait before each retry; its length is the number of retries. Aimaira's are not published: the default
   * (1 min, 5 min, 30 min) is the simulator's. Tests pass a few milliseconds.
   */
  retryDelaysMs?: readonly number[];
  /** How long one attempt waits for the answer (30 s). */
  timeoutMs?: number;
  /** Messages in flight at once, over all subscriptions (8). */
  concurrency?: number;
  /** Seeds the drop decisions (1). */
  seed?: number;
  /** The clock for `Date` and the log. */
  now?: () => Date;
}

export const defaultAimairaRetryDelaysMs: readonly number[] = [60_000, 300_000, 1_800_000];

/** The documented integrity hash. .NET's ASCII encoding turns each character outside ASCII into `?`. */
export function aimairaWebhookHash(message: Omit<AimairaWebhookMessage, 'Hash'>): string {
  const text =
    message.TriggerName +
    String(message.ObjectId) +
    message.ObjectType +
    message.Date +
    message.TriggerName +
    message.CustomerName;
  const bytes = Buffer.from(
    Array.from(text, (char) => {
      const code = char.codePointAt(0) ?? 0;
      return code > 0x7f ? 0x3f : code;
    }),
  );
  return createHash('md5').update(bytes).digest('base64');
}

interface Subscription {
  public: AimairaWebhookSubscription;
  url: URL;
  auth: AimairaWebhookAuth;
  tokenUrl: URL | undefined;
  watched: Set<EntitySetName>;
  drop: () => boolean;
  token: { value: string; expiresAt: number } | undefined;
  tokenPending: Promise<string> | undefined;
}

interface Job {
  delivery: AimairaWebhookDelivery;
  subscription: Subscription;
}

export interface AimairaWebhooks {
  /** Subscribes; throws `WebhookTargetError` for a URL off loopback or a malformed registration. */
  register(registration: AimairaWebhookRegistration): AimairaWebhookSubscription;
  unregister(id: string): boolean;
  /** Removes every subscription and forgets their pending messages (the log stays). */
  clear(): void;
  subscriptions(): AimairaWebhookSubscription[];
  /** The delivery log, oldest first (copies). */
  deliveries(): AimairaWebhookDelivery[];
  /** The log, emptied. */
  takeDeliveries(): AimairaWebhookDelivery[];
  tokenRequests(): AimairaTokenRequest[];
  /** Resolves when nothing is queued, in flight or waiting for a retry. */
  settled(): Promise<void>;
  /** Stops: pending messages are abandoned, requests in flight aborted. */
  close(): void;
}

/** Watches `store` and sends the messages of its changes to the subscriptions. */
export function createAimairaWebhooks(store: AimairaStore, options: AimairaWebhookOptions = {}): AimairaWebhooks {
  const now = options.now ?? (() => new Date());
  const retryDelays = options.retryDelaysMs ?? defaultAimairaRetryDelaysMs;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const concurrency = Math.max(1, options.concurrency ?? 8);
  const seed = options.seed ?? 1;

  const subscriptions = new Map<string, Subscription>();
  let log: AimairaWebhookDelivery[] = [];
  const tokens: AimairaTokenRequest[] = [];
  const queue: Job[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const inflight = new Set<AbortController>();
  let active = 0;
  let pumpScheduled = false;
  let nextSubscription = 1;
  let nextDelivery = 1;
  let closed = false;
  let waiters: (() => void)[] = [];

  const idle = () => queue.length === 0 && active === 0 && timers.size === 0 && !pumpScheduled;
  const checkIdle = () => {
    if (!idle()) return;
    const done = waiters;
    waiters = [];
    for (const resolve of done) resolve();
  };

  const schedulePump = () => {
    if (pumpScheduled || closed) return;
    pumpScheduled = true;
    // After the current request's answer is on its way.
    setImmediate(() => {
      pumpScheduled = false;
      pump();
    });
  };

  const pump = () => {
    while (!closed && active < concurrency && queue.length > 0) {
      const job = queue.shift() as Job;
      if (!subscriptions.has(job.subscription.public.id)) continue;
      active++;
      void attempt(job).finally(() => {
        active--;
        pump();
        checkIdle();
      });
    }
    checkIdle();
  };

  const timed = async (url: URL, init: RequestInit): Promise<Response> => {
    const controller = new AbortController();
    inflight.add(controller);
    const timer = setTimeout(() => controller.abort(new DOMException('timed out', 'TimeoutError')), timeoutMs);
    try {
      const response = await fetch(url, { ...init, redirect: 'manual', signal: controller.signal });
      await response.arrayBuffer().catch(() => undefined);
      return response;
    } finally {
      clearTimeout(timer);
      inflight.delete(controller);
    }
  };

  const fetchToken = async (subscription: Subscription): Promise<string> => {
    const auth = subscription.auth;
    if (auth.kind !== 'oauth' || subscription.tokenUrl === undefined) throw new Error('not an OAuth subscription');
    const entry: AimairaTokenRequest = { subscriptionId: subscription.public.id, at: now().toISOString() };
    tokens.push(entry);
    const basic = Buffer.from(`${formEncode(auth.clientId)}:${formEncode(auth.clientSecret)}`, 'utf8').toString(
      'base64',
    );
    const controller = new AbortController();
    inflight.add(controller);
    const timer = setTimeout(() => controller.abort(new DOMException('timed out', 'TimeoutError')), timeoutMs);
    try {
      const response = await fetch(subscription.tokenUrl, {
        method: 'POST',
        redirect: 'manual',
        signal: controller.signal,
        headers: {
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: 'grant_type=client_credentials',
      });
      entry.status = response.status;
      const text = await response.text();
      if (response.status < 200 || response.status > 299) throw new Error(`token URL answered ${response.status}`);
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new Error('token answer is not JSON');
      }
      const body = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
      const token = body['access_token'];
      if (typeof token !== 'string' || token === '') throw new Error('token answer has no access_token');
      const expiresIn = body['expires_in'];
      const seconds = typeof expiresIn === 'number' && Number.isFinite(expiresIn) ? expiresIn : 3600;
      // Reused until shortly before it expires.
      subscription.token = { value: token, expiresAt: Date.now() + Math.max(0, seconds * 1000 - 5_000) };
      return token;
    } catch (error) {
      entry.error ??= describeFailure(error);
      throw error;
    } finally {
      clearTimeout(timer);
      inflight.delete(controller);
    }
  };

  const authorization = async (subscription: Subscription): Promise<string> => {
    const auth = subscription.auth;
    if (auth.kind === 'basic') {
      return `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`;
    }
    const cached = subscription.token;
    if (cached !== undefined && cached.expiresAt > Date.now()) return `Bearer ${cached.value}`;
    subscription.token = undefined;
    subscription.tokenPending ??= fetchToken(subscription).finally(() => {
      subscription.tokenPending = undefined;
    });
    return `Bearer ${await subscription.tokenPending}`;
  };

  const attempt = async (job: Job): Promise<void> => {
    const { delivery, subscription } = job;
    const started = Date.now();
    const record: AimairaWebhookAttempt = { at: now().toISOString(), durationMs: 0 };
    delivery.attempts.push(record);
    let ok = false;
    try {
      const header = await authorization(subscription);
      const response = await timed(subscription.url, {
        method: 'POST',
        headers: { authorization: header, 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(delivery.message),
      });
      record.status = response.status;
      ok = response.status >= 200 && response.status <= 299;
      // A refused token is fetched again for the retry.
      if (response.status === 401 && subscription.auth.kind === 'oauth') subscription.token = undefined;
    } catch (error) {
      record.error = describeFailure(error);
    }
    record.durationMs = Date.now() - started;
    if (ok) {
      delivery.state = 'delivered';
      return;
    }
    const retry = delivery.attempts.length - 1;
    const delay = retryDelays[retry];
    if (closed || delay === undefined || !subscriptions.has(subscription.public.id)) {
      delivery.state = 'failed';
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      queue.push(job);
      pump();
    }, delay);
    timers.add(timer);
  };

  const onChange = (change: StoreChange) => {
    if (closed || subscriptions.size === 0) return;
    const date = now().toISOString();
    for (const subscription of subscriptions.values()) {
      if (!subscription.watched.has(change.set)) continue;
      const unsigned = {
        CustomerName: subscription.public.customerName,
        Date: date,
        ObjectId: change.id,
        ObjectType: aimairaTableNames[change.set],
        TriggerName: aimairaTriggerNames[change.kind],
      };
      const message: AimairaWebhookMessage = {
        CustomerName: unsigned.CustomerName,
        Date: unsigned.Date,
        Hash: aimairaWebhookHash(unsigned),
        ObjectId: unsigned.ObjectId,
        ObjectType: unsigned.ObjectType,
        TriggerName: unsigned.TriggerName,
      };
      const dropped = subscription.drop();
      const delivery: AimairaWebhookDelivery = {
        id: nextDelivery++,
        subscriptionId: subscription.public.id,
        set: change.set,
        message,
        state: dropped ? 'dropped' : 'pending',
        attempts: [],
      };
      log.push(delivery);
      if (!dropped) queue.push({ delivery, subscription });
    }
    schedulePump();
  };
  const unsubscribe = store.onChange(onChange);

  return {
    register(registration) {
      const subscription = parseRegistration(registration, `wh-${nextSubscription}`, seed);
      nextSubscription++;
      subscriptions.set(subscription.public.id, subscription);
      return subscription.public;
    },
    unregister(id) {
      return subscriptions.delete(id);
    },
    clear() {
      subscriptions.clear();
      queue.length = 0;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const delivery of log) if (delivery.state === 'pending') delivery.state = 'failed';
      checkIdle();
    },
    subscriptions: () => [...subscriptions.values()].map((s) => s.public),
    deliveries: () => structuredClone(log),
    takeDeliveries() {
      const taken = log;
      log = [];
      return structuredClone(taken);
    },
    tokenRequests: () => structuredClone(tokens),
    settled() {
      if (idle()) return Promise.resolve();
      return new Promise((resolve) => waiters.push(resolve));
    },
    close() {
      if (closed) return;
      closed = true;
      unsubscribe();
      queue.length = 0;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const controller of inflight) controller.abort();
      checkIdle();
    },
  };
}

function parseRegistration(input: AimairaWebhookRegistration, id: string, defaultSeed: number): Subscription {
  if (typeof input !== 'object' || input === null) throw new WebhookTargetError('a webhook registration is an object');
  const url = requireLoopbackUrl(input.url, 'url');
  if (typeof input.customerName !== 'string') throw new WebhookTargetError('customerName must be a string');
  const auth = input.auth as Partial<AimairaWebhookAuth> | undefined;
  let tokenUrl: URL | undefined;
  let copy: AimairaWebhookAuth;
  if (auth?.kind === 'basic') {
    const { username, password } = auth as Partial<{ username: unknown; password: unknown }>;
    if (typeof username !== 'string' || typeof password !== 'string') {
      throw new WebhookTargetError('auth basic needs username and password strings');
    }
    copy = { kind: 'basic', username, password };
  } else if (auth?.kind === 'oauth') {
    const { clientId, clientSecret } = auth as Partial<{ clientId: unknown; clientSecret: unknown }>;
    tokenUrl = requireLoopbackUrl((auth as { tokenUrl?: unknown }).tokenUrl, 'auth.tokenUrl');
    if (typeof clientId !== 'string' || typeof clientSecret !== 'string') {
      throw new WebhookTargetError('auth oauth needs clientId and clientSecret strings');
    }
    copy = { kind: 'oauth', tokenUrl: tokenUrl.href, clientId, clientSecret };
  } else {
    throw new WebhookTargetError(`auth.kind must be 'basic' or 'oauth'`);
  }
  const dropShare = requireShare(input.dropShare, 'dropShare');
  const watched = new Set<EntitySetName>();
  if (input.entities === undefined) {
    for (const set of entitySetNames) if (set !== 'Object') watched.add(set);
  } else {
    if (!Array.isArray(input.entities)) throw new WebhookTargetError('entities must be a list of names');
    for (const name of input.entities) watched.add(entitySetOf(name));
  }
  const seed = input.seed ?? defaultSeed;
  if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new WebhookTargetError('seed must be a number');
  return {
    public: Object.freeze({
      id,
      url: url.href,
      customerName: input.customerName,
      authKind: copy.kind,
      entities: Object.freeze([...watched]),
      dropShare,
    }),
    url,
    auth: copy,
    tokenUrl,
    watched,
    // Its own seed makes a subscription's drops the same whatever its id; the default one varies by subscription.
    drop: createDropper(dropShare, seed, input.seed === undefined ? `aimaira-webhook:${id}` : 'aimaira-webhook'),
    token: undefined,
    tokenPending: undefined,
  };
}

/** An entity set from its name or its table name. */
function entitySetOf(name: unknown): EntitySetName {
  const set = entitySetNames.find((candidate) => candidate === name || aimairaTableNames[candidate] === name);
  if (set === undefined || set === 'Object') {
    throw new WebhookTargetError(`entities: unknown entity ${JSON.stringify(name)} (an entity set or a table name)`);
  }
  return set;
}

/** RFC 6749 §2.3.1: the client id and secret are form-encoded before the Basic encoding. */
function formEncode(text: string): string {
  return encodeURIComponent(text).replace(/%20/g, '+');
}

/**
 * The Aimaira simulator's `/__sim/` routes for webhooks and for changing data as a person in Aimaira would
 * (each change sends its messages like an API write):
 * - `GET|POST|DELETE /__sim/webhooks`, `DELETE /__sim/webhooks/{id}`
 * - `GET|DELETE /__sim/webhooks/deliveries` (DELETE answers the log it empties), `GET /__sim/webhooks/tokens`
 * - `POST /__sim/records/{Set}` (create), `PATCH|DELETE /__sim/records/{Set}/{id}`
 */
export function createAimairaAdminHandler(store: AimairaStore, webhooks: AimairaWebhooks): SimHandler {
  return (request: SimRequest): SimResponse => {
    const segments = request.url.pathname
      .split('/')
      .filter((segment) => segment !== '')
      .slice(1)
      .map((segment) => decodeURIComponent(segment));
    const [resource, first, second] = segments;
    try {
      if (resource === 'webhooks' && segments.length <= 2) {
        if (first === undefined) {
          if (request.method === 'GET') return { status: 200, body: webhooks.subscriptions() };
          if (request.method === 'POST') {
            return { status: 201, body: webhooks.register(readJson(request) as AimairaWebhookRegistration) };
          }
          if (request.method === 'DELETE') {
            webhooks.clear();
            return { status: 200, body: { cleared: true } };
          }
        } else if (first === 'deliveries') {
          if (request.method === 'GET') return { status: 200, body: webhooks.deliveries() };
          if (request.method === 'DELETE') return { status: 200, body: webhooks.takeDeliveries() };
        } else if (first === 'tokens' && request.method === 'GET') {
          return { status: 200, body: webhooks.tokenRequests() };
        } else if (request.method === 'DELETE') {
          return webhooks.unregister(first)
            ? { status: 200, body: { removed: first } }
            : { status: 404, body: { error: `no webhook subscription ${first}` } };
        }
      }
      if (resource === 'records' && first !== undefined && segments.length <= 3) {
        const set = entitySetNames.find((candidate) => candidate === first);
        if (set === undefined || set === 'Object') {
          return { status: 404, body: { error: `no entity set ${first}` } };
        }
        if (second === undefined && request.method === 'POST') {
          return { status: 201, body: store.insert(set, readJson(request) as Record<string, unknown>) };
        }
        const id = Number(second);
        if (second !== undefined && Number.isSafeInteger(id)) {
          if (request.method === 'PATCH') {
            return { status: 200, body: store.patch(set, id, readJson(request) as Record<string, unknown>) };
          }
          if (request.method === 'DELETE') {
            store.remove(set, id);
            return { status: 200, body: { deleted: id } };
          }
        }
      }
    } catch (error) {
      if (error instanceof EntityNotFoundError) return { status: 404, body: { error: error.message } };
      if (error instanceof WebhookTargetError || error instanceof InvalidEntityError || error instanceof SyntaxError) {
        return { status: 400, body: { error: error.message } };
      }
      throw error;
    }
    return { status: 404, body: { error: `no simulator admin route ${request.method} ${request.url.pathname}` } };
  };
}

function readJson(request: SimRequest): unknown {
  const parsed: unknown = JSON.parse(request.body === '' ? '{}' : request.body);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new WebhookTargetError('the body must be a JSON object');
  }
  return parsed;
}
