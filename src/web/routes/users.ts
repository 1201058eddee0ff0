/**
 * The accounts, for operators: invitations by one-time link (72 h, single use, shown once, mailed when the service
 * can), roles per tenant, password resets and disabling. An operator cannot disable their own account or drop their
 * own operator role: the service would be left without one.
 */
import { z } from 'zod';

import { tenantRoles } from '../../store/port.js';
import type { TenantGrant, User } from '../../store/port.js';
import type { Web, WebContext } from '../env.js';
import { audit, describeGrants, pageContext, readForm, sendMessage, sendPage } from '../env.js';
import { userPage, usersPage } from '../pages-people.js';
import type { ShownOnce } from '../pages-people.js';
import type { Routes } from '../routing.js';
import { randomToken } from '../security.js';
import { EmailSchema, hashLinkToken } from './auth.js';

/** How long a one-time link (invitation, reset) is good for. */
export const linkLifetimeMs = 72 * 3_600_000;

const InviteForm = z.object({
  email: EmailSchema,
  tenant: z.string().max(100).default(''),
  role: z.enum(['', ...tenantRoles]).default(''),
  operator: z.literal('on').optional(),
});

export function userRoutes(routes: Routes, web: Web): void {
  const { accounts } = web.deps;
  const tenantIds = async () => (await web.deps.tenants.list()).map((tenant) => tenant.id);

  const listPage = async (
    c: WebContext,
    status = 200,
    extra: { notice?: { kind: 'ok' | 'error' | 'info'; text: string }; secret?: ShownOnce } = {},
  ) =>
    sendPage(
      c,
      status,
      usersPage(pageContext(web, c), {
        users: await accounts.listUsers(),
        invitations: await accounts.listOpenInvitations(new Date(web.now()).toISOString()),
        tenantIds: await tenantIds(),
        ...extra,
      }),
    );

  /** A one-time link for `email`: stored hashed, returned in clear to show once (and mail). */
  const makeLink = async (c: WebContext, email: string, operator: boolean, grants: TenantGrant[]) => {
    const token = randomToken(24);
    const now = web.now();
    await accounts.createInvitation({
      tokenHash: hashLinkToken(token),
      email,
      operator,
      grants,
      createdBy: c.get('principal')!.user.id,
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + linkLifetimeMs).toISOString(),
    });
    const origin = web.publicUrl ?? new URL(c.req.url).origin + web.base;
    return `${origin}/invitations/${token}`;
  };

  /** Mails the link when the service can; says whether it went. A failed mail is logged, the link still shown. */
  const mailLink = async (c: WebContext, to: string, link: string, kind: 'invite' | 'reset') => {
    if (!web.deps.mailer) return false;
    const t = pageContext(web, c).t;
    try {
      await web.deps.mailer.send({
        to,
        subject: t(kind === 'invite' ? 'inviteMailSubject' : 'resetMailSubject'),
        text: t(kind === 'invite' ? 'inviteMailText' : 'resetMailText', { link }),
      });
      return true;
    } catch (error) {
      web.deps.onError?.(error, { path: c.req.path });
      return false;
    }
  };

  routes.get('/users', 'operator', (c) => listPage(c));

  routes.post('/users/invite', 'operator', async (c) => {
    const t = pageContext(web, c).t;
    const parsed = InviteForm.safeParse((await readForm(c)) ?? {});
    if (!parsed.success) return listPage(c, 400, { notice: { kind: 'error', text: t('emailInvalid') } });
    const { email, tenant, role, operator } = parsed.data;
    if (await accounts.getUserByEmail(email)) {
      return listPage(c, 409, { notice: { kind: 'error', text: t('accountExists') } });
    }
    const known = await tenantIds();
    const grants: TenantGrant[] =
      tenant !== '' && role !== '' && known.includes(tenant) ? [{ tenantId: tenant, role }] : [];
    const link = await makeLink(c, email, operator === 'on', grants);
    await audit(
      web,
      c,
      'user.invite',
      { email, operator: operator === 'on', grants: describeGrants(grants) },
      grants[0]?.tenantId ?? null,
    );
    const mailed = await mailLink(c, email, link, 'invite');
    return listPage(c, 200, {
      notice: { kind: 'ok', text: t(mailed ? 'inviteMailed' : 'inviteMade', { email }) },
      secret: { label: t('inviteLink'), value: link },
    });
  });

  const target = async (c: WebContext): Promise<User | undefined> => {
    const id = Number(c.req.param('user'));
    return Number.isSafeInteger(id) && id > 0 ? accounts.getUser(id) : undefined;
  };
  const showUser = async (
    c: WebContext,
    user: User,
    status = 200,
    extra: { notice?: { kind: 'ok' | 'error' | 'info'; text: string }; secret?: ShownOnce } = {},
  ) =>
    sendPage(
      c,
      status,
      userPage(pageContext(web, c), {
        user,
        tenantIds: await tenantIds(),
        self: user.id === c.get('principal')!.user.id,
        ...extra,
      }),
    );

  routes.get('/users/:user{[0-9]+}', 'operator', async (c) => {
    const user = await target(c);
    return user ? showUser(c, user) : sendMessage(web, c, 404, 'notFoundTitle', 'notFound');
  });

  routes.post('/users/:user{[0-9]+}', 'operator', async (c) => {
    const user = await target(c);
    if (!user) return sendMessage(web, c, 404, 'notFoundTitle', 'notFound');
    const form = (await readForm(c)) ?? {};
    const grants: TenantGrant[] = [];
    for (const tenantId of await tenantIds()) {
      const role = form[`grant-${tenantId}`];
      if (role === 'manager' || role === 'viewer') grants.push({ tenantId, role });
    }
    const self = user.id === c.get('principal')!.user.id;
    const operator = self ? user.operator : form['operator'] === 'on';
    const updated =
      (await accounts.updateUser(user.id, { operator, grants }, new Date(web.now()).toISOString())) ?? user;
    await audit(web, c, 'user.update', {
      email: user.email,
      operator: [user.operator, operator],
      grants: [describeGrants(user.grants), describeGrants(grants)],
    });
    return showUser(c, updated, 200, { notice: { kind: 'ok', text: pageContext(web, c).t('rolesSaved') } });
  });

  for (const [action, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    routes.post(`/users/:user{[0-9]+}/${action}`, 'operator', async (c) => {
      const user = await target(c);
      if (!user) return sendMessage(web, c, 404, 'notFoundTitle', 'notFound');
      if (user.id === c.get('principal')!.user.id) return sendMessage(web, c, 403, 'refusedTitle', 'notYourself');
      const updated = (await accounts.updateUser(user.id, { disabled }, new Date(web.now()).toISOString())) ?? user;
      // Its sessions end now, not at their idle timeout; its tokens stop at their next use (the owner is disabled).
      if (disabled) await web.deps.store.deleteUserDashboardSessions(user.id);
      await audit(web, c, disabled ? 'user.disable' : 'user.enable', { email: user.email });
      return showUser(c, updated);
    });
  }

  routes.post('/users/:user{[0-9]+}/reset', 'operator', async (c) => {
    const user = await target(c);
    if (!user) return sendMessage(web, c, 404, 'notFoundTitle', 'notFound');
    const t = pageContext(web, c).t;
    // The old password stops working at once, and so do its sessions: the link sets a new one.
    const updated =
      (await accounts.updateUser(user.id, { passwordHash: null }, new Date(web.now()).toISOString())) ?? user;
    await web.deps.store.deleteUserDashboardSessions(user.id);
    const link = await makeLink(c, user.email, user.operator, user.grants);
    await audit(web, c, 'user.password-reset', { email: user.email });
    const mailed = await mailLink(c, user.email, link, 'reset');
    return showUser(c, updated, 200, {
      notice: { kind: 'ok', text: t(mailed ? 'resetMailed' : 'resetMade') },
      secret: { label: t('resetLink'), value: link },
    });
  });
}
