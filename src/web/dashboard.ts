/**
 * The web dashboard on Hono: the middleware (src/web/middleware.ts), then the route modules of src/web/routes/, each
 * route added with its access (src/web/routing.ts), and the API under `/api/v1` (src/web/api/). `createDashboard`
 * returns the app, which the service mounts next to `/metrics` and `/healthz` (src/service/http.ts) and the tests
 * call with `app.request()` or serve on a loopback port.
 *
 * Security, in order: the Host allow-list; secure headers; the signed-in account, read again at every request;
 * every POST refused when the browser says it is cross-site or the Origin is foreign; each route's access (role
 * and tenant) and, for a form of a signed-in session, its CSRF token.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';

import { createApi } from './api/index.js';
import type { DashboardDeps } from './deps.js';
import type { Web, WebEnv } from './env.js';
import { sendMessage } from './env.js';
import { clientAddress, headers, hostGuard, language, sameSiteWrites, signedIn } from './middleware.js';
import { accountRoutes } from './routes/account.js';
import { auditRoutes } from './routes/audit.js';
import { authRoutes, readyFirstOperator } from './routes/auth.js';
import { hookRoutes } from './routes/hooks.js';
import { settingsRoutes } from './routes/settings.js';
import { staticRoutes } from './routes/static.js';
import { syncRoutes } from './routes/sync.js';
import { tenantRoutes } from './routes/tenant.js';
import { userRoutes } from './routes/users.js';
import { Routes, refusePage } from './routing.js';
import type { RouteSpec } from './routing.js';
import { createSessionRegistry, createSignInThrottle } from './security.js';
import { createSyncJobs } from './sync-jobs.js';

export { langCookie, sessionCookie } from './env.js';
export { eventsPageSize } from './routes/tenant.js';

const maxBodyBytes = 64 * 1024;

export interface Dashboard {
  /** The dashboard's Hono app, routes under `basePath`. */
  readonly app: Hono<WebEnv>;
  /** Every route with its access: what the access test walks. */
  readonly routes: readonly RouteSpec[];
  /** Makes the first operator from the environment's password, when it has no account yet (see `AdminPassword`). */
  ready(): Promise<void>;
}

export function createDashboard(deps: DashboardDeps): Dashboard {
  const base = (deps.basePath ?? '').replace(/\/+$/, '');
  const publicUrl = deps.publicUrl === undefined ? undefined : new URL(deps.publicUrl);
  const now = () => deps.clock.now();
  const web: Web = {
    deps,
    base,
    defaultLang: deps.lang ?? 'fr',
    sessions: createSessionRegistry({
      store: deps.store,
      now,
      idleMs: (deps.sessionIdleMinutes ?? 30) * 60_000,
      maxAgeMs: 12 * 60 * 60_000,
    }),
    throttle: createSignInThrottle(now),
    jobs: createSyncJobs(now),
    secureCookies: publicUrl?.protocol === 'https:',
    ready: Promise.resolve(),
    accountsExist: false,
    publicUrl: publicUrl === undefined ? undefined : `${publicUrl.origin}${publicUrl.pathname}`.replace(/\/+$/, ''),
    now,
  };
  web.ready = readyFirstOperator(web);
  // Sign-in awaits it and reports; this keeps an unhandled rejection away meanwhile.
  web.ready.catch(() => undefined);

  const app = new Hono<WebEnv>().basePath(base || '/');
  app.use(hostGuard(publicUrl?.host));
  app.use(headers(web.secureCookies));
  app.use(clientAddress(deps.trustProxy ?? false));
  app.use(signedIn(web));
  app.use(language(web));
  app.use(sameSiteWrites(web, publicUrl?.host));
  app.use(
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: (c) => {
        // A webhook sender's oversized message is counted with the receivers' other refusals.
        const hook = /\/hooks\/(aimaira|edusign)\//.exec(c.req.path)?.[1];
        if (hook === 'aimaira' || hook === 'edusign') deps.webhooks?.count?.(hook, 'too-large');
        return c.text('The request is too large.\n', 413);
      },
    }),
  );

  const routes = new Routes(app, web, refusePage(web), base);
  for (const add of [
    staticRoutes,
    authRoutes,
    tenantRoutes,
    settingsRoutes,
    syncRoutes,
    userRoutes,
    accountRoutes,
    auditRoutes,
    hookRoutes,
  ]) {
    add(routes, web);
  }
  const api = createApi(web);
  app.route('/api/v1', api.app);

  app.notFound((c) => sendMessage(web, c, 404, 'notFoundTitle', 'notFound'));
  app.onError((error, c) => {
    deps.onError?.(error, { path: new URL(c.req.url).pathname });
    return sendMessage(web, c, 500, 'errorTitle', 'errorText');
  });

  return { app, routes: [...routes.table, ...api.routes], ready: () => web.ready };
}
