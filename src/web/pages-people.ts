/**
 * The pages about people: the accounts (operators), one account, the signed-in person's own account (password,
 * alerts, API tokens), the audit, and a one-time link's page. Pure functions from plain data to HTML, like
 * pages.ts; the e-mails shown are the staff's accounts, never a learner's.
 */
import type { ApiToken, AuditEntry, Invitation, TenantGrant, User } from '../store/port.js';
import { alertKinds, auditActions } from '../store/port.js';
import { formatInstant } from './format.js';
import { html } from './html.js';
import type { SafeHtml } from './html.js';
import { auditTable, csrfField, layout, notice } from './pages.js';
import type { PageContext } from './pages.js';
import type { LabelKey } from './i18n.js';

type Notice = { kind: 'info' | 'ok' | 'error'; text: string };

/** A secret shown once, right after it was made (an invitation link, an API token). */
export interface ShownOnce {
  label: string;
  value: string;
}

function shownOnce(ctx: PageContext, secret: ShownOnce | undefined): SafeHtml | '' {
  if (!secret) return '';
  return html`<div class="notice ok" role="status">
    <p>${secret.label}</p>
    <p><code class="secret" id="shown-once">${secret.value}</code></p>
    <p><small>${ctx.t('shownOnce')}</small></p>
  </div>`;
}

const alertKindLabel = {
  failing: 'alertFailing',
  paused: 'alertPaused',
  recovered: 'alertRecovered',
  attention: 'alertAttention',
} as const satisfies Record<(typeof alertKinds)[number], LabelKey>;

function grantsText(ctx: PageContext, user: Pick<User, 'operator' | 'grants'>): string {
  if (user.operator) return ctx.t('roleOperator');
  if (user.grants.length === 0) return ctx.t('noRole');
  return user.grants
    .map((grant) => `${grant.tenantId} (${ctx.t(grant.role === 'manager' ? 'roleManager' : 'roleViewer')})`)
    .join(', ');
}

function roleSelect(ctx: PageContext, name: string, selected: TenantGrant['role'] | undefined): SafeHtml {
  const option = (value: string, label: LabelKey) =>
    html`<option value="${value}" ${(selected ?? '') === value ? 'selected' : ''}>${ctx.t(label)}</option>`;
  return html`<select name="${name}" id="${name}">
    ${option('', 'noRole')}${option('viewer', 'roleViewer')}${option('manager', 'roleManager')}
  </select>`;
}

// ---- The accounts (operators) ------------------------------------------------------------------------------------

export interface UsersPageData {
  users: User[];
  invitations: Invitation[];
  tenantIds: string[];
  notice?: Notice;
  secret?: ShownOnce;
}

export function usersPage(ctx: PageContext, data: UsersPageData): SafeHtml {
  const { t, base } = ctx;
  const body = html`${data.notice ? notice(data.notice.kind, data.notice.text) : ''} ${shownOnce(ctx, data.secret)}
    <section class="card" aria-labelledby="invite-title">
      <h2 id="invite-title">${t('inviteTitle')}</h2>
      <p class="help">${t('inviteHelp')}</p>
      <form method="post" action="${base}/users/invite" class="stack">
        ${csrfField(ctx)}
        <label for="invite-email">${t('email')}</label>
        <input id="invite-email" name="email" type="email" required autocomplete="off" />
        <label for="invite-tenant">${t('tenant')}</label>
        <select id="invite-tenant" name="tenant">
          <option value="">—</option>
          ${data.tenantIds.map((id) => html`<option value="${id}">${id}</option>`)}
        </select>
        <label for="invite-role">${t('role')}</label>
        ${roleSelect(ctx, 'role', 'manager')}
        <label><input type="checkbox" name="operator" /> ${t('roleOperator')}</label>
        <button type="submit" id="invite-submit">${t('inviteSubmit')}</button>
      </form>
    </section>
    <section class="card" aria-labelledby="users-title">
      <h2 id="users-title">${t('usersTitle')}</h2>
      <div class="table-wrap" role="region" aria-labelledby="users-title" tabindex="0">
        <table>
          <thead>
            <tr>
              <th scope="col">${t('email')}</th>
              <th scope="col">${t('roles')}</th>
              <th scope="col">${t('status')}</th>
            </tr>
          </thead>
          <tbody>
            ${data.users.map(
              (user) =>
                html`<tr>
                  <th scope="row"><a href="${base}/users/${user.id}">${user.email}</a></th>
                  <td>${grantsText(ctx, user)}</td>
                  <td>
                    ${
                      user.disabled
                        ? html`<span class="badge failing">${t('accountDisabled')}</span>`
                        : user.passwordHash === null
                          ? html`<span class="badge new">${t('accountInvited')}</span>`
                          : html`<span class="badge healthy">${t('accountActive')}</span>`
                    }
                  </td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>
      ${
        data.invitations.length > 0
          ? html`<h3>${t('openInvitations')}</h3>
              <ul>
                ${data.invitations.map(
                  (invitation) =>
                    html`<li>
                      ${invitation.email} · ${grantsText(ctx, invitation)} ·
                      ${t('expires', { at: formatInstant(invitation.expiresAt, ctx.lang) })}
                    </li>`,
                )}
              </ul>`
          : ''
      }
    </section>`;
  return layout(ctx, t('usersTitle'), body, [
    [t('navTenants'), `${base}/`],
    [t('usersTitle'), `${base}/users`],
  ]);
}

export interface UserPageData {
  user: User;
  tenantIds: string[];
  /** Whether this is the signed-in operator's own account (which cannot disable itself or drop its role). */
  self: boolean;
  notice?: Notice;
  secret?: ShownOnce;
}

export function userPage(ctx: PageContext, data: UserPageData): SafeHtml {
  const { t, base } = ctx;
  const { user } = data;
  const here = `${base}/users/${user.id}`;
  const roleOf = (tenantId: string) => user.grants.find((grant) => grant.tenantId === tenantId)?.role;
  const body = html`${data.notice ? notice(data.notice.kind, data.notice.text) : ''} ${shownOnce(ctx, data.secret)}
    <section class="card" aria-labelledby="roles-title">
      <h2 id="roles-title">${t('roles')}</h2>
      <form method="post" action="${here}" class="stack">
        ${csrfField(ctx)}
        <label
          ><input type="checkbox" name="operator" ${user.operator ? 'checked' : ''} ${data.self ? 'disabled' : ''} />
          ${t('roleOperator')}</label
        >
        <table>
          <tbody>
            ${data.tenantIds.map(
              (id) =>
                html`<tr>
                  <th scope="row"><label for="grant-${id}">${id}</label></th>
                  <td>${roleSelect(ctx, `grant-${id}`, roleOf(id))}</td>
                </tr>`,
            )}
          </tbody>
        </table>
        <button type="submit" id="save-roles">${t('save')}</button>
      </form>
    </section>
    <section class="card" aria-labelledby="account-actions">
      <h2 id="account-actions">${t('accountActions')}</h2>
      <form method="post" action="${here}/reset" class="inline">
        ${csrfField(ctx)}<button type="submit" class="secondary">${t('resetPassword')}</button>
      </form>
      ${
        data.self
          ? ''
          : html`<form method="post" action="${here}/${user.disabled ? 'enable' : 'disable'}" class="inline">
              ${csrfField(ctx)}<button type="submit" class="secondary">
                ${t(user.disabled ? 'enableAccount' : 'disableAccount')}
              </button>
            </form>`
      }
    </section>`;
  return layout(ctx, user.email, body, [
    [t('navTenants'), `${base}/`],
    [t('usersTitle'), `${base}/users`],
    [user.email, here],
  ]);
}

// ---- One's own account ---------------------------------------------------------------------------------------------

export interface AccountPageData {
  user: User;
  tokens: ApiToken[];
  notice?: Notice;
  secret?: ShownOnce;
}

export function accountPage(ctx: PageContext, data: AccountPageData): SafeHtml {
  const { t, base } = ctx;
  const { user } = data;
  const body = html`${data.notice ? notice(data.notice.kind, data.notice.text) : ''} ${shownOnce(ctx, data.secret)}
    <section class="card" aria-labelledby="me-title">
      <h2 id="me-title">${t('yourRoles')}</h2>
      <p>${user.email} · ${grantsText(ctx, user)}</p>
    </section>
    <section class="card" aria-labelledby="alerts-title">
      <h2 id="alerts-title">${t('yourAlerts')}</h2>
      <p class="help">${t('yourAlertsHelp')}</p>
      <form method="post" action="${base}/account/alerts" class="stack">
        ${csrfField(ctx)}
        ${alertKinds.map(
          (kind) =>
            html`<label
              ><input type="checkbox" name="alert-${kind}" ${user.alerts.includes(kind) ? 'checked' : ''} />
              ${t(alertKindLabel[kind])}</label
            >`,
        )}
        <label for="account-lang">${t('language')}</label>
        <select id="account-lang" name="lang">
          <option value="fr" ${user.lang !== 'en' ? 'selected' : ''}>${t('langFr')}</option>
          <option value="en" ${user.lang === 'en' ? 'selected' : ''}>${t('langEn')}</option>
        </select>
        <button type="submit" id="save-alerts">${t('save')}</button>
      </form>
    </section>
    <section class="card" aria-labelledby="password-title">
      <h2 id="password-title">${t('changePassword')}</h2>
      <form method="post" action="${base}/account/password" class="stack">
        ${csrfField(ctx)}
        <label for="current">${t('currentPassword')}</label>
        <input id="current" name="current" type="password" autocomplete="current-password" required />
        <label for="password">${t('newPassword')}</label>
        <input id="password" name="password" type="password" autocomplete="new-password" minlength="12" required />
        <label for="confirm">${t('confirmPassword')}</label>
        <input id="confirm" name="confirm" type="password" autocomplete="new-password" minlength="12" required />
        <button type="submit">${t('changePassword')}</button>
      </form>
    </section>
    <section class="card" aria-labelledby="tokens-title">
      <h2 id="tokens-title">${t('apiTokens')}</h2>
      <p class="help">${t('apiTokensHelp')}</p>
      <form method="post" action="${base}/account/tokens" class="inline">
        ${csrfField(ctx)}
        <label for="token-name">${t('tokenName')}</label>
        <input id="token-name" name="name" maxlength="100" required />
        <button type="submit" id="create-token">${t('createToken')}</button>
      </form>
      <ul>
        ${data.tokens.map(
          (token) =>
            html`<li>
              ${token.name} · ${formatInstant(token.createdAt, ctx.lang)}
              ${
                token.revokedAt
                  ? html`· <span class="muted">${t('tokenRevoked')}</span>`
                  : html`<form method="post" action="${base}/account/tokens/${token.id}/revoke" class="inline">
                      ${csrfField(ctx)}<button type="submit" class="link">${t('revokeToken')}</button>
                    </form>`
              }
            </li>`,
        )}
      </ul>
    </section>`;
  return layout(ctx, t('accountTitle'), body, [
    [t('navTenants'), `${base}/`],
    [t('accountTitle'), `${base}/account`],
  ]);
}

// ---- The audit -------------------------------------------------------------------------------------------------

export interface AuditQuery {
  tenant?: string;
  actor?: string;
  action?: (typeof auditActions)[number];
  since?: string;
  until?: string;
  before?: number;
}

export interface AuditPageData {
  entries: AuditEntry[];
  query: AuditQuery;
  tenantIds: string[];
  olderBefore: number | undefined;
  csvHref: string;
}

export function auditPage(ctx: PageContext, data: AuditPageData): SafeHtml {
  const { t, base } = ctx;
  const q = data.query;
  const body = html`<form method="get" action="${base}/audit" class="filters" aria-label="${t('filterEvents')}">
      <div class="field">
        <label for="audit-tenant">${t('tenant')}</label>
        <select id="audit-tenant" name="tenant">
          <option value="">${t('all')}</option>
          ${data.tenantIds.map((id) => html`<option value="${id}" ${q.tenant === id ? 'selected' : ''}>${id}</option>`)}
        </select>
      </div>
      <div class="field">
        <label for="audit-actor">${t('who')}</label>
        <input id="audit-actor" name="actor" type="text" value="${q.actor ?? ''}" />
      </div>
      <div class="field">
        <label for="audit-action">${t('what')}</label>
        <select id="audit-action" name="action">
          <option value="">${t('all')}</option>
          ${auditActions.map(
            (action) => html`<option value="${action}" ${q.action === action ? 'selected' : ''}>${action}</option>`,
          )}
        </select>
      </div>
      <div class="field">
        <label for="audit-since">${t('since')}</label>
        <input id="audit-since" name="since" type="date" value="${q.since ?? ''}" />
      </div>
      <div class="field">
        <label for="audit-until">${t('until')}</label>
        <input id="audit-until" name="until" type="date" value="${q.until ?? ''}" />
      </div>
      <div class="field buttons"><button type="submit">${t('filter')}</button></div>
    </form>
    <p><a class="button secondary" href="${data.csvHref}" download>${t('downloadCsv')}</a></p>
    ${auditTable(ctx, data.entries, true)}
    ${
      data.olderBefore !== undefined
        ? html`<nav class="pager">
            <a href="${data.csvHref.replace('/audit.csv', '/audit')}&before=${data.olderBefore}" rel="next"
              >${t('olderEvents')}</a
            >
          </nav>`
        : ''
    }`;
  return layout(ctx, t('auditTitle'), body, [
    [t('navTenants'), `${base}/`],
    [t('auditTitle'), `${base}/audit`],
  ]);
}

// ---- A one-time link -------------------------------------------------------------------------------------------

export function invitationPage(ctx: PageContext, state: { email?: string; error?: string }): SafeHtml {
  const { t } = ctx;
  const form = state.email
    ? html`<form method="post" action="${ctx.path}" class="card narrow">
        <p>${t('invitationFor', { email: state.email })}</p>
        <label for="password">${t('newPassword')}</label>
        <input id="password" name="password" type="password" autocomplete="new-password" minlength="12" required />
        <p class="help">${t('passwordRule')}</p>
        <label for="confirm">${t('confirmPassword')}</label>
        <input id="confirm" name="confirm" type="password" autocomplete="new-password" minlength="12" required />
        <button type="submit" id="accept-invitation">${t('invitationAccept')}</button>
      </form>`
    : '';
  return layout(ctx, t('invitationTitle'), html`${state.error ? notice('error', state.error) : ''}${form}`);
}
