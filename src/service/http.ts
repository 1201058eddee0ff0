/**
 * The service's HTTP endpoint, on Hono: `/metrics` for Prometheus and `/healthz` for whatever watches the process
 * (both read-only, no sign-in), then the web dashboard (src/web/dashboard.ts) for every path it answers, `/`
 * included. Every path is behind the Host allow-list (src/web/middleware.ts): a DNS-rebinding page reaches neither
 * the sign-in nor `/metrics`.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';

import { toError } from '../errors.js';
import type { Dashboard } from '../web/dashboard.js';
import { hostGuard } from '../web/middleware.js';
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
  /** Mounted after `/metrics` and `/healthz`. */
  dashboard?: Dashboard;
  /** The public URL (`--public-url`): its host is the one name the service answers under, besides IP literals. */
  publicUrl?: string;
  logger: Logger;
}

export interface ServiceHttp {
  /** `http://host:port`, with the port actually bound. */
  readonly url: string;
  close(): Promise<void>;
}

/** The service's app: `/metrics`, `/healthz`, and the dashboard mounted as it is. */
export function createServiceApp(options: Omit<ServiceHttpOptions, 'host' | 'port'>): Hono {
  const app = new Hono();
  app.use(hostGuard(options.publicUrl === undefined ? undefined : new URL(options.publicUrl).host));
  const readOnly = (handler: () => Promise<Response>) => async (c: { req: { method: string } }) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      return new Response('Only GET here.\n', {
        status: 405,
        headers: { allow: 'GET, HEAD', 'cache-control': 'no-store' },
      });
    }
    return handler();
  };
  app.all(
    '/metrics',
    readOnly(
      async () =>
        new Response(await options.metrics.render(), {
          headers: { 'content-type': options.metrics.contentType, 'cache-control': 'no-store' },
        }),
    ),
  );
  app.all(
    '/healthz',
    readOnly(async () => {
      const health = await options.health();
      return new Response(`${JSON.stringify(health)}\n`, {
        status: health.status === 'ok' ? 200 : 503,
        headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
      });
    }),
  );
  if (options.dashboard) app.route('/', options.dashboard.app);
  app.notFound((c) => c.text(`Not found: ${c.req.path}\n`, 404, { 'cache-control': 'no-store' }));
  app.onError((error, c) => {
    options.logger.error({ err: toError(error), path: c.req.path }, 'HTTP request failed');
    return c.text('Internal error\n', 500);
  });
  return app;
}

export async function startServiceHttp(options: ServiceHttpOptions): Promise<ServiceHttp> {
  const app = createServiceApp(options);
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
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
