/**
 * What every route module of the dashboard shares: the Hono environment (what the middleware puts on a request) and
 * the `Web` object (the deps and the few things made once per dashboard: sessions, throttle, "sync now" jobs), with
 * the helpers that answer a page.
 */
import type { Context } from 'hono';
import { setCookie } from 'hono/cookie';

import type { AuditAction, TenantGrant, User } from '../store/port.js';
import type { Principal } from './access.js';
import { roleOn } from './access.js';
import type { DashboardDeps, TenantDetails } from './deps.js';
import type { SafeHtml } from './html.js';
import { translator } from './i18n.js';
import type { LabelKey, Lang } from './i18n.js';
import { messagePage } from './pages.js';
import type { PageContext } from './pages.js';
import type { SignInThrottle, SessionRegistry, SignInSession } from './security.js';
import type { SyncJobs } from './sync-jobs.js';

export interface WebVariables {
  lang: Lang;
  /** The signed-in session of the pages; undefined for a visitor and for the API. */
  session: SignInSession | undefined;
  /** The account behind the request; undefined when nobody is signed in. */
  principal: Principal | undefined;
  /** The client's address (the proxy's forwarded one with `trustProxy`), for the throttle and the audit. */
  address: string;
  /** The tenant of a `/tenants/:tenant/...` route, once its access is checked. */
  tenant: TenantDetails;
}

export interface WebEnv {
  Variables: WebVariables;
}

export type WebContext = Context<WebEnv>;

export const sessionCookie = 'aes_session';
export const langCookie = 'aes_lang';

/** The dashboard's parts made once, shared by its route modules. */
export interface Web {
  deps: DashboardDeps;
  /** Where the dashboard is mounted, `` or `/dashboard`. */
  base: string;
  defaultLang: Lang;
  sessions: SessionRegistry;
  throttle: SignInThrottle;
  jobs: SyncJobs;
  secureCookies: boolean;
  /** The first operator from the environment is made (see `readyFirstOperator`); sign-in waits for it. */
  ready: Promise<void>;
  /** Some account exists: the set-up page is closed for good (remembered once true). */
  accountsExist: boolean;
  /** The public URL without a trailing slash, for links in mails; undefined when not given. */
  publicUrl: string | undefined;
  now(): number;
}

/** While no account exists and the service printed a set-up token: the set-up page only. */
export async function needsSetup(web: Web): Promise<boolean> {
  if (!('setupToken' in web.deps.adminPassword) || web.accountsExist) return false;
  web.accountsExist = (await web.deps.accounts.countUsers()) > 0;
  return !web.accountsExist;
}

export function pageContext(web: Web, c: WebContext, extra: Partial<PageContext> = {}): PageContext {
  const lang = c.get('lang');
  const user = c.get('principal')?.user;
  return {
    lang,
    t: translator(lang),
    base: web.base,
    path: new URL(c.req.url).pathname,
    csrfToken: c.get('session')?.csrfToken,
    now: web.now(),
    ...(user && { account: { email: user.email, operator: user.operator } }),
    ...extra,
  };
}

/** A tenant page's context: whether the account may change the tenant decides which forms it shows. */
export function tenantPageContext(web: Web, c: WebContext): PageContext {
  const user = c.get('principal')?.user;
  return pageContext(web, c, { canManage: user !== undefined && roleOn(user, c.get('tenant').id) === 'manager' });
}

export function sendPage(c: WebContext, status: number, page: SafeHtml, headers: Record<string, string> = {}) {
  for (const [name, value] of Object.entries(headers)) c.header(name, value);
  c.header('cache-control', 'no-store');
  return c.html(page.toString(), status as 200);
}

export function sendMessage(web: Web, c: WebContext, status: number, title: LabelKey, text: LabelKey) {
  const ctx = pageContext(web, c);
  return sendPage(c, status, messagePage(ctx, ctx.t(title), ctx.t(text)));
}

export function sendText(c: WebContext, status: number, text: string, headers: Record<string, string> = {}) {
  for (const [name, value] of Object.entries(headers)) c.header(name, value);
  c.header('cache-control', 'no-store');
  return c.text(text, status as 200);
}

/** 303 See Other: the answer to a form, and to a page that needs a sign-in. */
export function seeOther(c: WebContext, location: string) {
  c.header('cache-control', 'no-store');
  return c.redirect(location, 303);
}

export function setWebCookie(web: Web, c: WebContext, name: string, value: string, maxAgeSeconds?: number): void {
  setCookie(c, name, value, {
    path: web.base || '/',
    httpOnly: true,
    secure: web.secureCookies,
    sameSite: 'Strict',
    ...(maxAgeSeconds !== undefined && { maxAge: maxAgeSeconds }),
  });
}

/** The urlencoded fields of a form (the first value of each); undefined when the body is not a form. */
export async function readForm(c: WebContext): Promise<Record<string, string> | undefined> {
  const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') return undefined;
  const form: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(await c.req.text())) {
    if (!Object.hasOwn(form, key)) form[key] = value;
  }
  return form;
}

/** Records a change in the audit: who (the request's account), from where, on which tenant, what. */
export async function audit(
  web: Web,
  c: WebContext,
  action: AuditAction,
  detail: Record<string, unknown> = {},
  tenantId: string | null = null,
  /** Who, when the request has no signed-in account yet (the set-up, a one-time link): the account just made. */
  actor?: Pick<User, 'id' | 'email'>,
): Promise<void> {
  const principal = c.get('principal');
  const who = actor ?? principal?.user;
  await web.deps.accounts.addAudit({
    at: new Date(web.now()).toISOString(),
    actorId: who?.id ?? null,
    actorEmail: who?.email ?? null,
    via: principal?.via ?? 'dashboard',
    address: c.get('address'),
    tenantId,
    action,
    detail,
  });
}

/** `manager:acme, viewer:beta`: grants as the audit and the users page say them. */
export function describeGrants(grants: readonly TenantGrant[]): string {
  return grants.map((grant) => `${grant.role}:${grant.tenantId}`).join(', ');
}

export function accountLabel(user: Pick<User, 'email' | 'operator'>): string {
  return user.operator ? `${user.email} (operator)` : user.email;
}
