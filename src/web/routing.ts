/**
 * The one way to add a route: with its access (src/web/access.ts). Every route lands in `table`, which the access
 * test walks as every role; a route added to the Hono app any other way is not in the table, and that test fails.
 */
import type { Handler, Hono, MiddlewareHandler } from 'hono';

import type { Access } from './access.js';
import { allows } from './access.js';
import type { Verdict } from './access.js';
import type { Web, WebContext, WebEnv } from './env.js';
import { needsSetup, readForm, sendMessage, sendText, seeOther } from './env.js';
import { validCsrfToken } from './security.js';
import { tenantIdPattern } from '../config/config.js';

export interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Hono's pattern, with the mount's prefix: `/tenants/:tenant/settings`. */
  path: string;
  access: Access;
}

/** How a refusal is answered: pages and the API answer differently (HTML or sign-in redirect, problem details). */
export type Refuse = (c: WebContext, verdict: Exclude<Verdict, 'allowed'>) => Response | Promise<Response>;

export class Routes {
  readonly table: RouteSpec[] = [];

  constructor(
    private readonly app: Hono<WebEnv>,
    private readonly web: Web,
    private readonly refuse: Refuse,
    /** The prefix under which `app` is mounted in the dashboard (`/api/v1`), for the table. */
    private readonly prefix = '',
  ) {}

  get(path: string, access: Access, handler: Handler<WebEnv>): this {
    return this.add('GET', path, access, handler);
  }

  post(path: string, access: Access, handler: Handler<WebEnv>): this {
    return this.add('POST', path, access, handler);
  }

  add(method: RouteSpec['method'], path: string, access: Access, handler: Handler<WebEnv>): this {
    this.table.push({ method, path: `${this.prefix}${path}`, access });
    this.app.on(method, path, this.guard(access), handler);
    return this;
  }

  /** Checks the access, and loads the tenant of a tenant route (an unknown tenant is a 404, like a foreign one). */
  private guard(access: Access): MiddlewareHandler<WebEnv> {
    return async (c, next) => {
      const tenantId = c.req.param('tenant');
      const verdict = allows(access, c.get('principal'), tenantId);
      if (verdict !== 'allowed') return this.refuse(c, verdict);
      if (tenantId !== undefined) {
        const tenant = tenantIdPattern.test(tenantId) ? await this.web.deps.tenants.get(tenantId) : undefined;
        if (!tenant) return this.refuse(c, 'not-found');
        c.set('tenant', tenant);
      }
      if (c.req.method === 'POST' && c.get('principal')?.via === 'dashboard' && access !== 'public') {
        // A form of a signed-in session carries the session's CSRF token (the API takes no cookie: no token).
        const form = await readForm(c);
        const session = c.get('session');
        if (!form || !session || !validCsrfToken(session, form['csrf'])) {
          return sendMessage(this.web, c, 403, 'refusedTitle', 'csrfRefused');
        }
      }
      return next();
    };
  }
}

/** The pages' answer to a refusal: sign-in for a visitor (HTML) or 401 (a script), 403 and 404 pages. */
export function refusePage(web: Web): Refuse {
  return async (c, verdict) => {
    switch (verdict) {
      case 'sign-in': {
        // Nobody can sign in yet: straight to the set-up page.
        if (c.req.method === 'GET' && (await needsSetup(web))) return seeOther(c, `${web.base}/setup`);
        const wantsHtml = c.req.method === 'GET' && (c.req.header('accept') ?? 'text/html').includes('text/html');
        if (!wantsHtml) return sendText(c, 401, 'Sign in first.\n', { 'www-authenticate': 'Cookie' });
        const here = new URL(c.req.url);
        return seeOther(c, `${web.base}/sign-in?next=${encodeURIComponent(here.pathname + here.search)}`);
      }
      case 'forbidden':
        return sendMessage(web, c, 403, 'refusedTitle', 'forbidden');
      case 'not-found':
        return sendMessage(web, c, 404, 'notFoundTitle', c.req.param('tenant') ? 'tenantNotFound' : 'notFound');
    }
  };
}
