/**
 * The service's HTTP endpoint: `/metrics` for Prometheus and `/healthz` for whatever watches the process (both
 * read-only, no sign-in), then the web dashboard (src/web/dashboard.ts) for every path it answers, `/` included;
 * anything else is a 404.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { toError } from '../errors.js';
import type { DashboardHandler } from '../web/dashboard.js';
import type { Logger } from './logging.js';
import type { ServiceMetrics } from './metrics.js';

export interface Health {
  /** `ok` while the service runs; `stopping` once a stop was asked (a load balancer stops sending). */
  status: 'ok' | 'stopping';
  mode: 'tenants' | 'sandbox';
  /** What this process does (see serve.ts `ServiceRole`). */
  role?: string;
  /** Scaled mode, scheduler roles: whether this process's scheduler leads now. */
  leader?: boolean;
  startedAt: string;
  tenants: number;
  /** Syncs in progress. */
  running: number;
}

export interface ServiceHttpOptions {
  host: string;
  /** 0: any free port. */
  port: number;
  metrics: ServiceMetrics;
  health: () => Promise<Health>;
  /** Answers its own paths (true) and leaves the others (false); `/metrics` and `/healthz` never reach it. */
  dashboard?: DashboardHandler;
  logger: Logger;
}

export interface ServiceHttp {
  /** `http://host:port`, with the port actually bound. */
  readonly url: string;
  close(): Promise<void>;
}

function send(response: ServerResponse, status: number, contentType: string, body: string): void {
  response.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  response.end(body);
}

async function handle(options: ServiceHttpOptions, request: IncomingMessage, response: ServerResponse) {
  const path = new URL(request.url ?? '/', 'http://service').pathname;
  const routes: Record<string, () => Promise<void>> = {
    '/metrics': async () => send(response, 200, options.metrics.contentType, await options.metrics.render()),
    '/healthz': async () => {
      const health = await options.health();
      send(response, health.status === 'ok' ? 200 : 503, 'application/json', `${JSON.stringify(health)}\n`);
    },
  };
  const route = Object.hasOwn(routes, path) ? routes[path] : undefined;
  if (!route) {
    if (options.dashboard && (await options.dashboard(request, response))) return;
    return send(response, 404, 'text/plain; charset=utf-8', `Not found: ${path}\n`);
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('allow', 'GET, HEAD');
    return send(response, 405, 'text/plain; charset=utf-8', 'Only GET here.\n');
  }
  await route();
}

export async function startServiceHttp(options: ServiceHttpOptions): Promise<ServiceHttp> {
  const server: Server = createServer((request, response) => {
    handle(options, request, response).catch((error: unknown) => {
      options.logger.error({ err: toError(error), path: request.url }, 'HTTP request failed');
      if (!response.headersSent) send(response, 500, 'text/plain; charset=utf-8', 'Internal error\n');
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        // Scrapers keep connections alive: close them, or close() would wait for them.
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
