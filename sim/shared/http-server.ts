/**
 * The HTTP shell both simulators run in: a real `node:http` server on loopback that records every API request,
 * applies fault rules, and serves the `/__sim/faults` and `/__sim/requests` admin routes.
 *
 * The simulator itself is a plain function from a parsed request to a response, so its logic stays testable
 * without sockets; the shell owns everything that only exists on a real connection (hangs, resets, truncation).
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import { createFaultInjector } from './faults.js';
import type { FaultInjector, FaultKind, FaultRuleInput } from './faults.js';

export interface SimRequest {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  /** The raw body; `''` when there is none. */
  body: string;
}

export interface SimResponse {
  status: number;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON. */
  body?: unknown;
  /** Extra time before answering, on top of the shell's latency (the Edusign simulator's slowing). */
  delayMs?: number;
}

export type SimHandler = (request: SimRequest) => SimResponse | Promise<SimResponse>;

/** One API request as the simulator saw it (admin `/__sim/` routes are not recorded). */
export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  /** The query string with its `?`, or `''`. */
  search: string;
  status: number;
  /** The fault that replaced or followed the normal answer, if any. */
  fault?: FaultKind;
  /** Epoch milliseconds when the request arrived. */
  at: number;
}

export interface SimServerOptions {
  handler: SimHandler;
  /** Latency added to every API request, as a slow network or a busy server would. */
  latencyMs?: number;
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Admin routes the simulator serves itself under `/__sim/` (besides faults and requests). */
  adminHandler?: SimHandler;
}

export interface SimServer {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  readonly url: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  readonly faults: FaultInjector;
  /** Latency added to every API request from now on. */
  setLatency(ms: number): void;
  close(): Promise<void>;
}

const htmlErrorPage =
  '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>' +
  '<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>';

export async function startSimServer(options: SimServerOptions): Promise<SimServer> {
  const faults = createFaultInjector();
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let latencyMs = options.latencyMs ?? 0;
  const closing = new AbortController();

  const readBody = async (req: IncomingMessage): Promise<string> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };

  const send = (res: ServerResponse, response: SimResponse): void => {
    const isText = typeof response.body === 'string';
    const payload =
      response.body === undefined ? '' : isText ? (response.body as string) : JSON.stringify(response.body);
    const headers: Record<string, string> = {
      'content-type': isText ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
      ...response.headers,
    };
    headers['content-length'] = String(Buffer.byteLength(payload));
    res.writeHead(response.status, headers);
    res.end(payload);
  };

  const handleAdmin = async (request: SimRequest): Promise<SimResponse> => {
    const path = request.url.pathname;
    if (path === '/__sim/faults') {
      if (request.method === 'GET') return { status: 200, body: faults.list() };
      if (request.method === 'DELETE') {
        faults.clear();
        return { status: 200, body: { cleared: true } };
      }
      if (request.method === 'POST') {
        const id = faults.add(JSON.parse(request.body) as FaultRuleInput);
        return { status: 200, body: { id } };
      }
    }
    if (path === '/__sim/requests') {
      // DELETE answers the requests it clears, so a reader can take them without losing any in between.
      if (request.method === 'DELETE') return { status: 200, body: requests.splice(0, requests.length) };
      return { status: 200, body: requests };
    }
    if (options.adminHandler) return options.adminHandler(request);
    return { status: 404, body: { error: `no simulator admin route ${request.method} ${path}` } };
  };

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const method = (req.method ?? 'GET').toUpperCase();
      const body = await readBody(req);
      const request: SimRequest = { method, url, headers: req.headers, body };

      if (url.pathname.startsWith('/__sim/')) {
        try {
          send(res, await handleAdmin(request));
        } catch (error) {
          send(res, { status: 400, body: { error: error instanceof Error ? error.message : String(error) } });
        }
        return;
      }

      const record: RecordedRequest = { method, path: url.pathname, search: url.search, status: 0, at: Date.now() };
      requests.push(record);
      const fault = faults.take(method, url.pathname + url.search);
      if (fault) record.fault = fault.kind;

      const wait = latencyMs + (fault?.kind === 'latency' ? (fault.latencyMs ?? 1000) : 0);
      if (wait > 0) await sleep(wait, undefined, { signal: closing.signal }).catch(() => undefined);

      switch (fault?.kind) {
        case 'hang':
          // Keep the socket open with no answer; close() destroys it.
          return;
        case 'rate-limit':
          record.status = 429;
          send(res, {
            status: 429,
            headers: { 'retry-after': fault.retryAfter ?? '1' },
            body: { error: { code: 'TooManyRequests', message: 'Rate limit exceeded' } },
          });
          return;
        case 'server-error':
          record.status = fault.status ?? 503;
          send(res, {
            status: record.status,
            body: { error: { code: 'ServiceUnavailable', message: 'The service is temporarily unavailable' } },
          });
          return;
        case 'html-error':
          record.status = 502;
          send(res, { status: 502, headers: { 'content-type': 'text/html; charset=utf-8' }, body: htmlErrorPage });
          return;
        default:
          break;
      }

      let response: SimResponse;
      try {
        response = await options.handler(request);
      } catch (error) {
        response = {
          status: 500,
          body: { error: { code: 'InternalError', message: error instanceof Error ? error.message : String(error) } },
        };
      }
      if (response.delayMs) await sleep(response.delayMs, undefined, { signal: closing.signal }).catch(() => undefined);
      record.status = response.status;

      if (fault?.kind === 'reset-after-write') {
        // The request was applied; the client never learns it.
        req.socket.resetAndDestroy();
        return;
      }
      if (fault?.kind === 'truncated-json') {
        const payload = JSON.stringify(response.body ?? {});
        res.writeHead(response.status, {
          'content-type': 'application/json; charset=utf-8',
          'content-length': String(Buffer.byteLength(payload)),
        });
        res.write(payload.slice(0, Math.floor(payload.length / 2)));
        req.socket.destroy();
        return;
      }
      send(res, response);
    })().catch((error: unknown) => {
      if (!res.headersSent) send(res, { status: 500, body: { error: String(error) } });
    });
  });

  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('simulator did not get a TCP port');
  const host = options.host ?? '127.0.0.1';

  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    requests,
    faults,
    setLatency(ms) {
      latencyMs = ms;
    },
    async close() {
      closing.abort();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
