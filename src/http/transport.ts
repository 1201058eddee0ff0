/**
 * The HTTP exchange both API clients share: a timeout on every call, the tenant's rate limiter, retries of
 * transient failures, and typed errors that never carry credentials or personal data.
 *
 * Writes that are not idempotent (creates) are never retried after an ambiguous failure, one where the server
 * may have applied the request without the answer reaching us: the caller must look the record up first.
 *
 * Every connection goes through the URL policy's guard (src/http/connect-guard.ts), and no redirect is followed:
 * its target would be reached past the policy and its answer would end up in errors shown on the dashboard.
 */
import { fetch as undiciFetch } from 'undici';
import type { Dispatcher } from 'undici';

import { systemClock } from '../clock.js';
import type { Clock } from '../clock.js';
import { HttpStatusError, NetworkError } from '../errors.js';
import type { RequestContext, SystemName } from '../errors.js';
import { classifyAddress } from '../service/url-policy.js';
import { AddressRefusedError, sharedGuardedAgent } from './connect-guard.js';
import type { RateLimiter } from './rate-limiter.js';
import { backoffDelay, defaultRetryPolicy, isRetryableStatus, parseRetryAfter } from './retry.js';
import type { RetryPolicy } from './retry.js';

export interface TransportOptions {
  system: SystemName;
  /** Root every relative path is resolved against, e.g. `https://graphacme.aimaira.net/GraphV1`. */
  baseUrl: string;
  /** Authentication and other headers sent with every request. */
  headers: Readonly<Record<string, string>>;
  /**
   * Replaces the whole HTTP exchange, connection included (unit tests): it is handed `redirect: 'manual'`, and a
   * dispatcher only when one is given below.
   */
  fetch?: typeof fetch;
  /**
   * The connection pool every request goes through: the URL policy's guard with the system resolver by default
   * (tests inject one with their own resolver and connect step).
   */
  dispatcher?: Dispatcher;
  /**
   * Whether the default guard lets loopback addresses through. By default only when the base URL itself is on
   * loopback (an IP literal or `localhost`), which the URL policy admits only when the simulators are allowed
   * (`--allow-loopback-http`): a name never comes to resolve to loopback.
   */
  allowLoopback?: boolean;
  clock?: Clock;
  random?: () => number;
  /** Budget for one attempt, answer body included. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  limiter?: RateLimiter;
  /** Called after every attempt (metrics, benchmarks). */
  onExchange?: (exchange: Exchange) => void;
}

/** What the transport hands `fetch`: the standard init, with undici's dispatcher when there is one. */
type TransportFetchInit = Omit<RequestInit, 'dispatcher'> & { dispatcher?: Dispatcher };
type TransportFetch = (url: URL, init: TransportFetchInit) => Promise<Response>;

/**
 * A 3xx answer: redirects are not followed. The message names the status and the host of the Location only
 * (its path and query can hold anything, and the body is not read).
 */
export class RedirectRefusedError extends HttpStatusError {
  override name = 'RedirectRefusedError';
  /** The host the Location header names; null when there is none or it does not parse. */
  readonly locationHost: string | null;
  constructor(context: RequestContext, status: number, location: string | null) {
    super(context, status, '');
    this.locationHost = hostOf(location, context.url);
    this.message =
      `${context.system} ${context.method} ${context.url} answered HTTP ${status}, a redirect ` +
      `${this.locationHost === null ? 'without a usable Location' : `to ${this.locationHost}`}, which is not followed`;
  }
}

function hostOf(location: string | null, base: string): string | null {
  if (location === null) return null;
  try {
    return new URL(location, base).host;
  } catch {
    return null;
  }
}

/** The base URL is itself on loopback: the simulators, admitted by the URL policy only when allowed. */
function isLoopbackBase(baseUrl: string): boolean {
  let hostname: string;
  try {
    hostname = new URL(baseUrl).hostname.toLowerCase();
  } catch {
    return false;
  }
  return (
    hostname === 'localhost' || hostname.endsWith('.localhost') || classifyAddress(hostname)?.refusal === 'loopback'
  );
}

export interface Exchange {
  system: SystemName;
  method: string;
  url: string;
  /** Undefined when no answer came back. */
  status: number | undefined;
  durationMs: number;
  attempt: number;
}

export interface TransportRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** A path relative to the base URL (`Planification`, `/v1/course`) or an absolute URL (`@odata.nextLink`). */
  path: string;
  query?: Readonly<Record<string, string | number | boolean | undefined>>;
  /** Sent as JSON. */
  body?: unknown;
  /** Safe to send twice. Defaults to true for everything but POST. */
  idempotent?: boolean;
  /** Statuses returned to the caller instead of thrown (e.g. 404 when absence is an expected outcome). */
  acceptStatuses?: readonly number[];
  extraHeaders?: Readonly<Record<string, string>>;
  signal?: AbortSignal;
}

export interface TransportResponse {
  status: number;
  headers: Headers;
  /** The raw body. */
  text: string;
  /** The parsed body when the answer is JSON, else undefined. */
  json: unknown;
  url: string;
}

export interface HttpTransport {
  readonly system: SystemName;
  readonly baseUrl: string;
  request(request: TransportRequest): Promise<TransportResponse>;
  /** The URL a request would use, as shown in errors and logs. */
  describe(url: URL): string;
}

const defaultTimeoutMs = 30_000;

/**
 * The URL as errors and logs show it: no user info, no query values (an OData filter can hold an e-mail),
 * and no path segment that looks like an e-mail (Edusign's `by-email/:email`).
 */
export function describeUrl(url: URL): string {
  const path = url.pathname
    .split('/')
    .map((segment) => (decodeURIComponent(segment).includes('@') ? '[email]' : segment))
    .join('/');
  const keys = [...new Set(url.searchParams.keys())];
  return `${url.origin}${path}${keys.length > 0 ? `?${keys.join('&')}` : ''}`;
}

export function createHttpTransport(options: TransportOptions): HttpTransport {
  const injected = options.fetch;
  // Undici's own fetch, the one that matches its dispatcher: Node's built-in fetch is another undici build, and
  // the dispatcher interface differs between undici majors (Node 20 ships 6, this package is 7).
  const fetchImpl: TransportFetch = injected
    ? (url, init) => injected(url, init as unknown as RequestInit)
    : (url, init) => undiciFetch(url, init as Parameters<typeof undiciFetch>[1]);
  const dispatcher =
    options.dispatcher ??
    (injected ? undefined : sharedGuardedAgent(options.allowLoopback ?? isLoopbackBase(options.baseUrl)));
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  const policy: RetryPolicy = { ...defaultRetryPolicy, ...options.retry };
  const base = options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`;

  const resolve = (request: TransportRequest): URL => {
    const url = /^https?:\/\//.test(request.path)
      ? new URL(request.path)
      : new URL(request.path.replace(/^\//, ''), base);
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url;
  };

  /** One attempt: an answer (any status) or a NetworkError. */
  const attemptOnce = async (request: TransportRequest, url: URL, context: RequestContext, attempt: number) => {
    const started = clock.now();
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = request.signal ? AbortSignal.any([timeout, request.signal]) : timeout;
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers, ...request.extraHeaders };
    let body: string | undefined;
    if (request.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(request.body);
    }
    let status: number | undefined;
    try {
      let response: Response;
      try {
        response = await fetchImpl(url, {
          method: request.method,
          headers,
          body: body ?? null,
          signal,
          redirect: 'manual',
          ...(dispatcher && { dispatcher }),
        });
      } catch (error) {
        request.signal?.throwIfAborted();
        // Refused before any socket opened: nothing was sent, and trying again would meet the same refusal.
        const cause = error instanceof Error ? error.cause : undefined;
        if (cause instanceof AddressRefusedError) throw cause.inRequest(context);
        if (timeout.aborted) throw new NetworkError(context, 'timeout', true, { cause: error });
        // A refused connection never reached the server; anything else may have.
        throw new NetworkError(context, 'connection', !isConnectionRefused(error), { cause: error });
      }
      status = response.status;
      if (status >= 300 && status < 400 && !request.acceptStatuses?.includes(status)) {
        await response.body?.cancel().catch(() => undefined);
        throw new RedirectRefusedError(context, status, response.headers.get('location'));
      }
      let text: string;
      try {
        text = await response.text();
      } catch (error) {
        request.signal?.throwIfAborted();
        if (timeout.aborted) throw new NetworkError(context, 'timeout', true, { cause: error });
        throw new NetworkError(context, 'truncated', true, { cause: error });
      }
      let json: unknown;
      if ((response.headers.get('content-type') ?? '').includes('json') && text.length > 0) {
        try {
          json = JSON.parse(text) as unknown;
        } catch (error) {
          // A JSON answer that does not parse was cut short on the way.
          throw new NetworkError(context, 'truncated', true, { cause: error });
        }
      }
      return { status: response.status, headers: response.headers, text, json, url: url.href };
    } finally {
      options.onExchange?.({
        system: options.system,
        method: request.method,
        url: context.url,
        status,
        durationMs: clock.now() - started,
        attempt,
      });
    }
  };

  return {
    system: options.system,
    baseUrl: options.baseUrl,
    describe: describeUrl,
    async request(request) {
      const url = resolve(request);
      const context: RequestContext = { system: options.system, method: request.method, url: describeUrl(url) };
      const idempotent = request.idempotent ?? request.method !== 'POST';
      for (let attempt = 1; ; attempt++) {
        await options.limiter?.acquire(request.signal);
        let failure: HttpStatusError | NetworkError;
        let waitMs: number | undefined;
        try {
          const response = await attemptOnce(request, url, context, attempt);
          if ((response.status >= 200 && response.status < 300) || request.acceptStatuses?.includes(response.status)) {
            return response;
          }
          failure = new HttpStatusError(context, response.status, response.text);
          if (!isRetryableStatus(response.status)) throw failure;
          // A 5xx to a create may come after the record was written: only 408 and 429 say nothing happened.
          if (!idempotent && response.status >= 500) throw failure;
          waitMs = parseRetryAfter(response.headers.get('retry-after'), clock.now());
          if (waitMs !== undefined && waitMs > policy.maxRetryAfterMs) throw failure;
        } catch (error) {
          if (!(error instanceof NetworkError)) throw error;
          if (!idempotent && error.ambiguous) throw error;
          failure = error;
        }
        if (attempt >= policy.maxAttempts) throw failure;
        await clock.sleep(waitMs ?? backoffDelay(attempt, policy, random), request.signal);
      }
    },
  };
}

function isConnectionRefused(error: unknown): boolean {
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  return cause?.code === 'ECONNREFUSED';
}

/**
 * True when a failed write may nonetheless have been applied: no answer came back after the request was sent,
 * or the server failed while handling it. Such a create must be looked up before it is sent again.
 */
export function isAmbiguousFailure(error: unknown): boolean {
  if (error instanceof NetworkError) return error.ambiguous;
  return error instanceof HttpStatusError && error.status >= 500;
}
