/**
 * The one way to add a route to the API: `ApiRoutes.add(access, route, handler)`. The OpenAPI app is private to
 * `ApiRoutes`, so a route module (which receives only an `ApiRoutes`) cannot register a route that is not in the
 * table, has no access check, or is missing from the OpenAPI document.
 *
 * Each route gets, before zod's validators (a stranger learns nothing from a 400): the bearer token's account, the
 * access check of src/web/access.ts (`allows`, the same verdicts as the pages) and, for `{tenant}` routes, the
 * tenant, loaded and set on the context as src/web/routing.ts does.
 */
import type { MiddlewareHandler } from 'hono';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { RouteConfig, RouteHandler } from '@hono/zod-openapi';

import { tenantIdPattern } from '../../config/config.js';
import { allows } from '../access.js';
import type { Access, Principal } from '../access.js';
import type { Web, WebContext, WebEnv } from '../env.js';
import type { RouteSpec } from '../routing.js';
import { describeRefusal, isProblem, problem, problemResponse, refusedParameters } from './problem.js';
import { apiTokenPattern, bearerToken, hashApiToken } from './tokens.js';

/** Where the dashboard mounts the API (src/web/dashboard.ts). */
export const apiMount = '/api/v1';

/** The name of the bearer scheme in the OpenAPI document. */
export const securityScheme = 'bearerToken';

/** A token's use is recorded at most this often (`touchApiToken`). */
export const tokenTouchIntervalMs = 60_000;

const realm = 'Bearer realm="aimaira-edusign"';

/** `/tenants/{tenant}/runs` (OpenAPI) → `/tenants/:tenant/runs` (Hono). */
export function honoPath(openApiPath: string): string {
  return openApiPath.replaceAll(/\{([^}]+)\}/g, ':$1');
}

type Method = RouteSpec['method'];
const methods: Record<RouteConfig['method'], Method | undefined> = {
  get: 'GET',
  post: 'POST',
  put: 'PUT',
  patch: 'PATCH',
  delete: 'DELETE',
  head: undefined,
  options: undefined,
  trace: undefined,
  query: undefined,
};

export class ApiRoutes {
  /** Every route with its access, paths as the dashboard's table says them (`/dashboard/api/v1/tenants/:tenant`). */
  readonly table: RouteSpec[] = [];
  readonly #app: OpenAPIHono<WebEnv>;
  readonly #web: Web;
  /** Token id → when its use was last recorded (ms). */
  readonly #touched = new Map<number, number>();

  constructor(web: Web) {
    this.#web = web;
    this.#app = new OpenAPIHono<WebEnv>({
      defaultHook: (result, c) => {
        if (result.success) return undefined;
        const errors = refusedParameters(result.target, result.error);
        return problem(c, 400, describeRefusal(errors), { errors });
      },
    });
    this.#app.openAPIRegistry.registerComponent('securitySchemes', securityScheme, {
      type: 'http',
      scheme: 'bearer',
      description: 'A personal API token (`aes_…`), made on the account page of the dashboard.',
    });
    // The API never acts on the pages' cookie: whatever the dashboard's middleware found is forgotten here, and
    // only a bearer token (checked by each route's guard) makes a principal.
    this.#app.use('*', async (c, next) => {
      c.set('principal', undefined);
      c.set('session', undefined);
      await next();
      // No route of the API matched: the dashboard's 404 is a page; the API's is a problem.
      if (c.res.status === 404 && !isProblem(c.res)) c.res = problem(c, 404, 'No such route in the API.');
      c.res.headers.set('cache-control', 'no-store');
    });
    this.#app.onError((error, c) => {
      web.deps.onError?.(error, { path: new URL(c.req.url).pathname });
      return problem(c, 500, 'The service failed to answer; the details are in its logs.');
    });
  }

  /** The app to mount at `/api/v1`. */
  get app(): OpenAPIHono<WebEnv> {
    return this.#app;
  }

  /**
   * Adds a route with its access. Its OpenAPI description gets the security requirement and the refusals its access
   * may answer (401, 403, 404, 400 when it takes parameters), next to the answers the route declares itself.
   */
  add<R extends RouteConfig>(access: Access, route: R, handler: RouteHandler<R, WebEnv>): this {
    const method = methods[route.method];
    if (method === undefined) throw new Error(`The API does not serve ${route.method.toUpperCase()} routes`);
    const path = honoPath(route.path);
    const tenantRoute = path.includes('/:tenant');
    if (!tenantRoute && (access === 'tenant:view' || access === 'tenant:manage')) {
      throw new Error(`${route.path}: a tenant's access needs a {tenant} in the path`);
    }
    this.table.push({ method, path: `${this.#web.base}${apiMount}${path}`, access });
    const refusals = {
      ...(takesParameters(route) && { 400: problemResponse('A parameter is invalid: the problem names it.') }),
      ...(access !== 'public' && {
        401: problemResponse('No token, or a token unknown, revoked or of a disabled account.'),
      }),
      ...((access === 'tenant:manage' || access === 'operator') && {
        403: problemResponse('The account may not do this (a viewer of the tenant, or not an operator).'),
      }),
      ...(tenantRoute && { 404: problemResponse('No such tenant, or the account has no role on it.') }),
      500: problemResponse('The service failed; the details are in its logs.'),
    };
    const config = {
      ...route,
      security: access === 'public' ? [] : [{ [securityScheme]: [] }],
      responses: { ...refusals, ...route.responses },
      middleware: [this.#guard(access, tenantRoute)],
    };
    this.#app.openapi(config, handler);
    return this;
  }

  /** The OpenAPI 3.1 document of every route added. */
  document(info: { title: string; version: string; description: string }, serverUrl: string) {
    return this.#app.getOpenAPI31Document({ openapi: '3.1.0', info, servers: [{ url: serverUrl }] });
  }

  #guard(access: Access, tenantRoute: boolean): MiddlewareHandler<WebEnv> {
    return async (c, next) => {
      if (access !== 'public') {
        const principal = await this.#authenticate(c);
        if (typeof principal === 'string') {
          return problem(c, 401, principal, {
            headers: {
              'WWW-Authenticate': c.req.header('authorization') ? `${realm}, error="invalid_token"` : realm,
            },
          });
        }
        c.set('principal', principal);
      }
      const tenantId = tenantRoute ? c.req.param('tenant') : undefined;
      const verdict = allows(access, c.get('principal'), tenantId);
      switch (verdict) {
        case 'allowed':
          break;
        case 'sign-in':
          return problem(c, 401, 'Send a personal API token: Authorization: Bearer <token>.', {
            headers: { 'WWW-Authenticate': realm },
          });
        case 'forbidden':
          return problem(c, 403, forbiddenDetail(access));
        case 'not-found':
          return problem(c, 404, notFoundDetail(tenantId));
      }
      if (tenantId !== undefined) {
        const tenant = tenantIdPattern.test(tenantId) ? await this.#web.deps.tenants.get(tenantId) : undefined;
        if (!tenant) return problem(c, 404, notFoundDetail(tenantId));
        c.set('tenant', tenant);
      }
      await next();
      return undefined;
    };
  }

  /** The token's account, or why there is none (the 401's detail). */
  async #authenticate(c: WebContext): Promise<Principal | string> {
    const header = c.req.header('authorization');
    if (header === undefined) return 'Send a personal API token: Authorization: Bearer <token>.';
    const token = bearerToken(header);
    if (token === undefined) return 'The Authorization header is not "Bearer <token>".';
    const found = apiTokenPattern.test(token)
      ? await this.#web.deps.accounts.findApiToken(hashApiToken(token))
      : undefined;
    if (!found || found.token.revokedAt !== null || found.user.disabled || found.token.userId !== found.user.id) {
      return 'The token is unknown or revoked, or its account is disabled.';
    }
    await this.#touch(found.token.id);
    return { user: found.user, via: 'api' };
  }

  /** Records the token's use, at most once a minute; a failure to record it does not refuse the request. */
  async #touch(tokenId: number): Promise<void> {
    const now = this.#web.now();
    const last = this.#touched.get(tokenId);
    if (last !== undefined && now - last < tokenTouchIntervalMs) return;
    this.#touched.set(tokenId, now);
    if (this.#touched.size > 10_000) {
      for (const [id, at] of this.#touched) if (now - at >= tokenTouchIntervalMs) this.#touched.delete(id);
    }
    try {
      await this.#web.deps.accounts.touchApiToken(tokenId, new Date(now).toISOString());
    } catch (error) {
      this.#web.deps.onError?.(error, { path: 'api token use' });
    }
  }
}

/** Whether zod may refuse a parameter of the route: `{tenant}` alone is checked by the guard (404) first. */
function takesParameters(route: RouteConfig): boolean {
  const { params, query, body } = route.request ?? {};
  const shape = (params as { shape?: Record<string, unknown> } | undefined)?.shape ?? {};
  return query !== undefined || body !== undefined || Object.keys(shape).some((name) => name !== 'tenant');
}

function forbiddenDetail(access: Access): string {
  return access === 'operator'
    ? 'Only an operator may do this.'
    : "Only a manager of the tenant (or an operator) may do this; the token's account is a viewer.";
}

function notFoundDetail(tenantId: string | undefined): string {
  return tenantId === undefined ? 'Not found.' : `No tenant "${tenantId.slice(0, 64)}" for this account.`;
}
