/**
 * The dashboard's middleware, in the order `createDashboard` mounts it: the Host allow-list (DNS rebinding), the
 * secure headers, the client's address, the page language, the signed-in account, the cross-site refusal of
 * state-changing requests and the body limit. The CSRF token is checked by the route guard (src/web/routing.ts),
 * which knows which routes need a session.
 */
import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { secureHeaders } from 'hono/secure-headers';
import ipaddr from 'ipaddr.js';

import type { Principal } from './access.js';
import type { Web, WebEnv } from './env.js';
import { langCookie, sendText, sessionCookie, setWebCookie } from './env.js';
import { isLang } from './i18n.js';
import type { Lang } from './i18n.js';
import { crossSiteRefusal } from './security.js';

/**
 * Which `Host` headers the service answers. A DNS-rebinding page reaches the service under the attacker's own
 * name, so a name is accepted only when it is the public URL's; an IP literal or `localhost` cannot be rebound
 * and is always accepted (a scraper of `/metrics` or a probe of `/healthz` by address keeps working).
 */
export function hostAllowed(host: string | undefined, publicHost: string | undefined): boolean {
  if (host === undefined || host === '') return false;
  const lower = host.toLowerCase();
  if (publicHost !== undefined && lower === publicHost.toLowerCase()) return true;
  let name: string;
  try {
    name = new URL(`http://${lower}`).hostname;
  } catch {
    return false;
  }
  if (name === 'localhost') return true;
  return ipaddr.isValid(name.replace(/^\[|\]$/g, ''));
}

export function hostGuard(publicHost: string | undefined): MiddlewareHandler {
  return async (c, next) => {
    if (!hostAllowed(c.req.header('host'), publicHost)) {
      return c.text('Unknown host: this service answers only under its public URL (--public-url).\n', 421);
    }
    return next();
  };
}

const contentSecurityPolicy = {
  defaultSrc: ["'none'"],
  styleSrc: ["'self'"],
  scriptSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
};

export function headers(https: boolean): MiddlewareHandler {
  return secureHeaders({
    contentSecurityPolicy,
    xFrameOptions: 'DENY',
    referrerPolicy: 'same-origin',
    // Only meaningful (and only sent) when the service is reached over https.
    strictTransportSecurity: https ? 'max-age=31536000' : false,
    crossOriginEmbedderPolicy: false,
  });
}

/**
 * The client's address: the socket's peer, or, behind a proxy the operator trusts (`trustProxy`), the last address
 * of `X-Forwarded-For` (the one the proxy added; what the client wrote before it can be forged).
 */
export function clientAddress(trustProxy: boolean): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    const peer = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket
      ?.remoteAddress;
    let address = peer ?? 'unknown';
    if (trustProxy) {
      const forwarded = c.req.header('x-forwarded-for')?.split(',').at(-1)?.trim();
      if (forwarded && ipaddr.isValid(forwarded)) address = forwarded;
    }
    c.set('address', address);
    return next();
  };
}

/** The signed-in account, read again at every request: a disabled account or a role taken away counts at once. */
export function signedIn(web: Web): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    c.set('session', undefined);
    c.set('principal', undefined);
    const path = new URL(c.req.url).pathname;
    // The stylesheet needs no session, and the API takes none (a bearer token only): no look-up for them.
    if (!path.startsWith(`${web.base}/static/`) && !path.startsWith(`${web.base}/api/`)) {
      const session = await web.sessions.touch(getCookie(c, sessionCookie));
      const user = session?.userId == null ? undefined : await web.deps.accounts.getUser(session.userId);
      if (session && user && !user.disabled) {
        c.set('session', session);
        c.set('principal', { user, via: 'dashboard' } satisfies Principal);
      } else if (session) await web.sessions.end(session.id);
    }
    return next();
  };
}

/** The page language: asked in the query (and remembered), remembered in a cookie, the account's, the default. */
export function language(web: Web): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    const asked = c.req.query('lang');
    const remembered = getCookie(c, langCookie);
    const account = c.get('principal')?.user.lang ?? undefined;
    const lang: Lang = isLang(asked) ? asked : isLang(remembered) ? remembered : (account ?? web.defaultLang);
    if (isLang(asked)) setWebCookie(web, c, langCookie, asked, 365 * 24 * 3600);
    c.set('lang', lang);
    return next();
  };
}

/** Cross-site state-changing requests are refused before their body is read; other methods than GET and POST too. */
export function sameSiteWrites(web: Web, publicHost: string | undefined): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    const method = c.req.method;
    // The API takes no cookie (a bearer token only): a page of another site cannot act through it.
    if (method === 'GET' || method === 'HEAD' || new URL(c.req.url).pathname.startsWith(`${web.base}/api/`)) {
      return next();
    }
    if (method !== 'POST') return sendText(c, 405, 'Method not allowed\n', { allow: 'GET, POST' });
    const refusal = crossSiteRefusal((name) => c.req.header(name), publicHost);
    if (refusal) return sendText(c, 403, `Refused: ${refusal}.\n`);
    return next();
  };
}
