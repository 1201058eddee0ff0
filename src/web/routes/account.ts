/** One's own account: password, what alerts to receive and in which language, personal API tokens. */
import { z } from 'zod';

import { alertKinds } from '../../store/port.js';
import { hashApiToken, newApiToken } from '../api/index.js';
import type { Web, WebContext } from '../env.js';
import { audit, pageContext, readForm, sendMessage, sendPage } from '../env.js';
import { accountPage } from '../pages-people.js';
import type { ShownOnce } from '../pages-people.js';
import type { Routes } from '../routing.js';
import { hashPassword, verifyPassword } from '../security.js';
import { minPasswordLength } from './auth.js';

const PasswordForm = z.object({
  current: z.string().max(1000),
  password: z.string().max(1000),
  confirm: z.string().max(1000),
});
const TokenForm = z.object({ name: z.string().trim().min(1).max(100) });

type Extra = { notice?: { kind: 'ok' | 'error' | 'info'; text: string }; secret?: ShownOnce };

export function accountRoutes(routes: Routes, web: Web): void {
  const { accounts } = web.deps;
  const at = () => new Date(web.now()).toISOString();
  const me = (c: WebContext) => c.get('principal')!.user;
  const show = async (c: WebContext, status = 200, extra: Extra = {}) => {
    const user = (await accounts.getUser(me(c).id)) ?? me(c);
    return sendPage(
      c,
      status,
      accountPage(pageContext(web, c), { user, tokens: await accounts.listApiTokens(user.id), ...extra }),
    );
  };

  routes.get('/account', 'signed-in', (c) => show(c));

  routes.post('/account/password', 'signed-in', async (c) => {
    const t = pageContext(web, c).t;
    const parsed = PasswordForm.safeParse((await readForm(c)) ?? {});
    const user = me(c);
    if (
      !parsed.success ||
      user.passwordHash === null ||
      !(await verifyPassword(parsed.data.current, user.passwordHash))
    ) {
      return show(c, 400, { notice: { kind: 'error', text: t('currentPasswordWrong') } });
    }
    if (parsed.data.password.length < minPasswordLength) {
      return show(c, 400, { notice: { kind: 'error', text: t('setupShort') } });
    }
    if (parsed.data.password !== parsed.data.confirm) {
      return show(c, 400, { notice: { kind: 'error', text: t('setupMismatch') } });
    }
    await accounts.updateUser(user.id, { passwordHash: await hashPassword(parsed.data.password) }, at());
    await audit(web, c, 'account.password');
    return show(c, 200, { notice: { kind: 'ok', text: t('passwordChanged') } });
  });

  routes.post('/account/alerts', 'signed-in', async (c) => {
    const form = (await readForm(c)) ?? {};
    const alerts = alertKinds.filter((kind) => form[`alert-${kind}`] === 'on');
    const lang = form['lang'] === 'en' ? 'en' : 'fr';
    await accounts.updateUser(me(c).id, { alerts, lang }, at());
    await audit(web, c, 'account.alerts', { alerts, lang });
    return show(c, 200, { notice: { kind: 'ok', text: pageContext(web, c).t('alertsSaved') } });
  });

  routes.post('/account/tokens', 'signed-in', async (c) => {
    const t = pageContext(web, c).t;
    const parsed = TokenForm.safeParse((await readForm(c)) ?? {});
    if (!parsed.success) return show(c, 400, { notice: { kind: 'error', text: t('tokenNameNeeded') } });
    const token = newApiToken();
    const made = await accounts.createApiToken({
      userId: me(c).id,
      name: parsed.data.name,
      tokenHash: hashApiToken(token),
      createdAt: at(),
    });
    await audit(web, c, 'token.create', { token: made.id, name: made.name });
    return show(c, 200, { secret: { label: t('tokenMade', { name: made.name }), value: token } });
  });

  routes.post('/account/tokens/:token{[0-9]+}/revoke', 'signed-in', async (c) => {
    const id = Number(c.req.param('token'));
    // Only the owner's own tokens: another's id is not found.
    if (!(await accounts.revokeApiToken(id, me(c).id, at()))) {
      return sendMessage(web, c, 404, 'notFoundTitle', 'notFound');
    }
    await audit(web, c, 'token.revoke', { token: id });
    return show(c, 200, { notice: { kind: 'ok', text: pageContext(web, c).t('tokenRevokedNow') } });
  });
}
