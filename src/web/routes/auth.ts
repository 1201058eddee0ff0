/**
 * Signing in and out, the set-up of the first operator, and the one-time links of invitations and password resets.
 */
import { createHash } from 'node:crypto';

import { z } from 'zod';

import type { User } from '../../store/port.js';
import type { Web, WebContext } from '../env.js';
import {
  audit,
  needsSetup,
  pageContext,
  readForm,
  seeOther,
  sendPage,
  sendText,
  sessionCookie,
  setWebCookie,
} from '../env.js';
import { invitationPage } from '../pages-people.js';
import { setupPage, signInPage } from '../pages.js';
import type { Routes } from '../routing.js';
import { hashPassword, isPasswordHash, sameSecret, verifyPassword } from '../security.js';

/** The sign-in name of the first operator made from the environment's password (or an older install's file). */
export const firstOperatorLogin = 'admin';
export const minPasswordLength = 12;

const SignInForm = z.object({
  email: z.string().trim().max(320),
  password: z.string().max(1000),
  next: z.string().max(2000).optional(),
});
const SetupForm = z.object({
  token: z.string().max(1000),
  email: z.string().trim().max(320),
  password: z.string().max(1000),
  confirm: z.string().max(1000),
});
const PasswordForm = z.object({ password: z.string().max(1000), confirm: z.string().max(1000) });

/** What `email` fields accept: an address, or the first operator's `admin`. */
export const EmailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(320)
  .refine((text) => text === firstOperatorLogin || /^[^\s@<>"',;:]+@[^\s@<>"',;:]+\.[^\s@<>"',;:]+$/.test(text));

/** SHA-256 (hex) of a one-time link's token: what the store keeps. */
export function hashLinkToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A hash to check a password against when the account does not exist: the answer takes as long either way. */
const decoyHash = hashPassword('not a password of anyone');

/**
 * The first operator from the environment's password (or an older install's hash file): the account `admin`, made at
 * start when missing. The environment's plaintext stays the source of truth: a changed one replaces the hash.
 */
export async function readyFirstOperator(web: Web): Promise<void> {
  const admin = web.deps.adminPassword;
  if ('setupToken' in admin) return;
  if ('hash' in admin && !isPasswordHash(admin.hash)) {
    throw new Error('adminPassword.hash is not a hash made by hashPassword');
  }
  if ('plaintext' in admin && admin.plaintext.length < minPasswordLength) {
    throw new Error(`the administrator password needs at least ${minPasswordLength} characters`);
  }
  const at = new Date(web.now()).toISOString();
  const existing = await web.deps.accounts.getUserByEmail(firstOperatorLogin);
  if (!existing) {
    const passwordHash = 'hash' in admin ? admin.hash : await hashPassword(admin.plaintext);
    await web.deps.accounts.createUser({ email: firstOperatorLogin, operator: true, grants: [], passwordHash }, at);
    return;
  }
  if ('plaintext' in admin) {
    const same = existing.passwordHash !== null && (await verifyPassword(admin.plaintext, existing.passwordHash));
    if (!same) {
      await web.deps.accounts.updateUser(existing.id, { passwordHash: await hashPassword(admin.plaintext) }, at);
    }
  }
}

/**
 * A local path under the dashboard to go back to after sign-in; anything else goes to the tenants. Browsers drop
 * tabs and line breaks from a URL (`/\t/evil.example` becomes `//evil.example`) and read `\` as `/`: a `next` with
 * any of them, or that resolves to another origin, is refused.
 */
export function safeNext(base: string, next: string | undefined): string {
  const home = `${base}/`;
  const unsafe = [...(next ?? '')].some((char) => char <= ' ' || char === '\u007f' || char === '\\');
  if (!next || unsafe || !next.startsWith(home) || next.startsWith('//')) return home;
  const resolved = new URL(next, 'http://dashboard.invalid');
  if (resolved.origin !== 'http://dashboard.invalid' || !resolved.pathname.startsWith(home)) return home;
  return `${resolved.pathname}${resolved.search}${resolved.hash}`;
}

export function authRoutes(routes: Routes, web: Web): void {
  const { base } = web;

  routes.get('/sign-in', 'public', async (c) => {
    if (await needsSetup(web)) return seeOther(c, `${base}/setup`);
    const next = c.req.query('next');
    return sendPage(c, 200, signInPage(pageContext(web, c), next ? { next: safeNext(base, next) } : {}));
  });

  routes.post('/sign-in', 'public', async (c) => {
    await web.ready;
    const form = await readForm(c);
    if (!form) return sendText(c, 400, 'Expected a form.\n');
    const ctx = pageContext(web, c);
    const parsed = SignInForm.safeParse(form);
    const next = parsed.success ? parsed.data.next : undefined;
    const login = parsed.success ? parsed.data.email.toLowerCase() : '';
    const wait = Math.ceil(web.throttle.begin(login, c.get('address')) / 1000);
    if (wait > 0) {
      return sendPage(c, 429, signInPage(ctx, { error: ctx.t('signInWait', { seconds: wait }), email: login }), {
        'retry-after': String(wait),
      });
    }
    const user = login === '' ? undefined : await web.deps.accounts.getUserByEmail(login);
    const hash = user && !user.disabled && user.passwordHash !== null ? user.passwordHash : await decoyHash;
    const verified = parsed.success && (await verifyPassword(parsed.data.password, hash));
    if (!verified || !user || user.disabled || user.passwordHash === null) {
      return sendPage(c, 401, signInPage(ctx, { error: ctx.t('signInWrong'), email: login, ...(next && { next }) }));
    }
    web.throttle.succeeded(login, c.get('address'));
    return startSession(web, c, user, safeNext(base, next));
  });

  routes.get('/setup', 'public', async (c) => {
    if (!(await needsSetup(web))) return seeOther(c, `${base}/sign-in`);
    // The link the service logs carries the one-time token: fill it in. Anything that does not look like one is
    // ignored.
    const token = c.req.query('token') ?? '';
    return sendPage(c, 200, setupPage(pageContext(web, c), /^[A-Za-z0-9_-]{16,100}$/.test(token) ? { token } : {}));
  });

  routes.post('/setup', 'public', async (c) => {
    const admin = web.deps.adminPassword;
    if (!('setupToken' in admin) || !(await needsSetup(web))) return seeOther(c, `${base}/sign-in`);
    const form = await readForm(c);
    if (!form) return sendText(c, 400, 'Expected a form.\n');
    const ctx = pageContext(web, c);
    const parsed = SetupForm.safeParse(form);
    const wait = Math.ceil(web.throttle.begin('setup', c.get('address')) / 1000);
    if (wait > 0) {
      return sendPage(c, 429, setupPage(ctx, { error: ctx.t('signInWait', { seconds: wait }) }), {
        'retry-after': String(wait),
      });
    }
    if (!parsed.success || !sameSecret(parsed.data.token, admin.setupToken)) {
      return sendPage(c, 403, setupPage(ctx, { error: ctx.t('setupBadToken') }));
    }
    web.throttle.succeeded('setup', c.get('address'));
    const email = EmailSchema.safeParse(parsed.data.email);
    const problem = !email.success ? 'emailInvalid' : passwordProblem(parsed.data.password, parsed.data.confirm);
    if (problem || !email.success) {
      return sendPage(c, 400, setupPage(ctx, { error: ctx.t(problem ?? 'emailInvalid'), token: parsed.data.token }));
    }
    const at = new Date(web.now()).toISOString();
    const passwordHash = await hashPassword(parsed.data.password);
    if (!(await needsSetup(web))) return seeOther(c, `${base}/sign-in`);
    const user = await web.deps.accounts.createUser(
      { email: email.data, operator: true, grants: [], passwordHash },
      at,
    );
    web.accountsExist = true;
    await audit(web, c, 'user.create', { email: user.email, operator: true, how: 'set-up' }, null, user);
    return sendPage(c, 200, signInPage(ctx, { error: ctx.t('setupDone'), email: user.email }));
  });

  routes.post('/sign-out', 'signed-in', async (c) => {
    const session = c.get('session');
    if (session) await web.sessions.end(session.id);
    setWebCookie(web, c, sessionCookie, '', 0);
    return seeOther(c, `${base}/sign-in`);
  });

  // ---- One-time links: an invitation, or a password reset (an invitation for an existing account) ----------------

  const openLink = async (token: string) => {
    if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return undefined;
    const hash = hashLinkToken(token);
    const open = await web.deps.accounts.listOpenInvitations(new Date(web.now()).toISOString());
    return open.find((invitation) => invitation.tokenHash === hash);
  };

  routes.get('/invitations/:token', 'public', async (c) => {
    const invitation = await openLink(c.req.param('token') ?? '');
    const ctx = pageContext(web, c);
    if (!invitation) return sendPage(c, 404, invitationPage(ctx, { error: ctx.t('invitationGone') }));
    return sendPage(c, 200, invitationPage(ctx, { email: invitation.email }));
  });

  routes.post('/invitations/:token', 'public', async (c) => {
    const form = await readForm(c);
    if (!form) return sendText(c, 400, 'Expected a form.\n');
    const ctx = pageContext(web, c);
    const token = c.req.param('token') ?? '';
    const pending = await openLink(token);
    if (!pending) return sendPage(c, 404, invitationPage(ctx, { error: ctx.t('invitationGone') }));
    const parsed = PasswordForm.safeParse(form);
    const problem = parsed.success ? passwordProblem(parsed.data.password, parsed.data.confirm) : 'setupShort';
    if (problem || !parsed.success) {
      return sendPage(c, 400, invitationPage(ctx, { email: pending.email, error: ctx.t(problem ?? 'setupShort') }));
    }
    const passwordHash = await hashPassword(parsed.data.password);
    const at = new Date(web.now()).toISOString();
    // Taken in one statement: two submissions of the same link make one account.
    const invitation = await web.deps.accounts.takeInvitation(hashLinkToken(token), at);
    if (!invitation) return sendPage(c, 404, invitationPage(ctx, { error: ctx.t('invitationGone') }));
    const existing = await web.deps.accounts.getUserByEmail(invitation.email);
    const user = existing
      ? await web.deps.accounts.updateUser(existing.id, { passwordHash }, at)
      : await web.deps.accounts.createUser(
          { email: invitation.email, operator: invitation.operator, grants: invitation.grants, passwordHash },
          at,
        );
    if (!user) return sendPage(c, 404, invitationPage(ctx, { error: ctx.t('invitationGone') }));
    await audit(
      web,
      c,
      existing ? 'account.password' : 'user.create',
      existing ? { how: 'reset link' } : { how: 'invitation', invitedBy: invitation.createdBy },
      null,
      user,
    );
    return startSession(web, c, user, `${base}/`);
  });
}

function passwordProblem(password: string, confirm: string): 'setupShort' | 'setupMismatch' | undefined {
  if (password.length < minPasswordLength) return 'setupShort';
  if (password !== confirm) return 'setupMismatch';
  return undefined;
}

/** A new session id at each sign-in: an id planted before cannot be carried into a signed-in session. */
async function startSession(web: Web, c: WebContext, user: User, to: string) {
  const old = c.get('session');
  if (old) await web.sessions.end(old.id);
  const session = await web.sessions.create(user.id);
  setWebCookie(web, c, sessionCookie, session.id);
  return seeOther(c, to);
}
