/**
 * The dashboard's pages, rendered on the server: pure functions from plain data to HTML, every value escaped by
 * `html`. People appear by kind and Aimaira id only; event messages go through `redactEmails`.
 */
import { TenantOptions } from '../config/config.js';
import type { ReasonCode } from '../domain/reasons.js';
import { reasonCodes } from '../domain/reasons.js';
import { eventActions, eventLevels } from '../store/port.js';
import type {
  AuditEntry,
  LiveRun,
  Run,
  SyncEvent,
  TenantAlertSettings,
  WebhookEndpoint,
  WebhookMessage,
  WebhookSource,
} from '../store/port.js';
import type { SessionExplanation } from '../sync/down/explain.js';
import { renderRunsChart } from './chart.js';
import type { CheckResult, PersonMatch, SessionMatch, SyncSummary, TenantDetails, TenantSchedule } from './deps.js';
import type { PreflightReport } from '../domain/preflight.js';
import { directionLabel, formatCounts, formatDuration, formatInstant } from './format.js';
import { html, raw, redactEmails } from './html.js';
import type { HtmlValue, SafeHtml } from './html.js';
import { kindLabel, langs, optionText, reasonText, statusLabel } from './i18n.js';
import type { Lang, Translate } from './i18n.js';

export interface PageContext {
  lang: Lang;
  t: Translate;
  /** Where the dashboard is mounted (`` or `/dashboard`). */
  base: string;
  /** The page's path, for the language links. */
  path: string;
  /** The signed-in session's token, for every form that changes something; undefined when signed out. */
  csrfToken: string | undefined;
  /** Epoch ms. */
  now: number;
  /** The signed-in account, for the navigation; undefined when signed out. */
  account?: { email: string; operator: boolean };
  /** On a tenant's pages: whether the account may change the tenant (a manager or an operator). */
  canManage?: boolean;
}

export type TenantHealth = 'healthy' | 'partial' | 'failing' | 'paused' | 'new';

// ---- Layout -----------------------------------------------------------------------------------------------------

export function csrfField(ctx: PageContext): SafeHtml {
  return html`<input type="hidden" name="csrf" value="${ctx.csrfToken ?? ''}" />`;
}

export function layout(ctx: PageContext, title: string, body: SafeHtml, crumbs: [string, string][] = []): SafeHtml {
  const { t, base } = ctx;
  const other = langs.filter((lang) => lang !== ctx.lang);
  return html`<!doctype html>
    <html lang="${ctx.lang}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        <title>${title} · ${t('appName')}</title>
        <link rel="stylesheet" href="${base}/static/dashboard.css" />
        <script src="${base}/static/dashboard.js" defer></script>
      </head>
      <body>
        <a class="skip" href="#main">${t('skipToContent')}</a>
        <header class="top">
          <nav aria-label="${t('navMain')}">
            <a class="brand" href="${base}/">${t('appName')}</a>
            ${ctx.csrfToken ? html`<a href="${base}/">${t('navTenants')}</a>` : ''}
            ${ctx.account?.operator ? html`<a href="${base}/users">${t('usersTitle')}</a><a href="${base}/audit">${t('auditTitle')}</a>` : ''}
            ${ctx.account ? html`<a href="${base}/account" id="nav-account">${t('accountTitle')}</a>` : ''}
            <span class="spacer"></span>
            ${other.map((lang) => html`<a href="${ctx.path}?lang=${lang}" lang="${lang}" hreflang="${lang}">${t(lang === 'fr' ? 'langFr' : 'langEn')}</a>`)}
            ${
              ctx.csrfToken
                ? html`<form method="post" action="${base}/sign-out" class="inline">
                    ${csrfField(ctx)}<button type="submit" class="link">${t('signOut')}</button>
                  </form>`
                : ''
            }
          </nav>
        </header>
        ${
          crumbs.length > 0
            ? html`<nav class="crumbs" aria-label="${t('navBreadcrumb')}">
                <ol>
                  ${crumbs.map(([label, href], index) =>
                    index === crumbs.length - 1
                      ? html`<li><a href="${href}" aria-current="page">${label}</a></li>`
                      : html`<li><a href="${href}">${label}</a></li>`,
                  )}
                </ol>
              </nav>`
            : ''
        }
        <main id="main" tabindex="-1">
          <h1>${title}</h1>
          ${body}
        </main>
        <footer class="foot"><p>${t('footer')}</p></footer>
      </body>
    </html> `;
}

export function notice(kind: 'info' | 'ok' | 'error', text: HtmlValue): SafeHtml {
  return html`<p class="notice ${kind}" role="${kind === 'error' ? 'alert' : 'status'}">${text}</p>`;
}

export function messagePage(ctx: PageContext, title: string, message: string): SafeHtml {
  return layout(
    ctx,
    title,
    html`<p>${message}</p>
      <p><a href="${ctx.base}/">${ctx.t('backToTenants')}</a></p>`,
  );
}

// ---- Sign-in and set-up -----------------------------------------------------------------------------------------

export function signInPage(ctx: PageContext, state: { error?: string; next?: string; email?: string }): SafeHtml {
  const { t, base } = ctx;
  return layout(
    ctx,
    t('signInTitle'),
    html`${state.error ? notice('error', state.error) : ''}
      <form method="post" action="${base}/sign-in" class="card narrow">
        <input type="hidden" name="next" value="${state.next ?? ''}" />
        <label for="email">${t('email')}</label>
        <input
          id="email"
          name="email"
          type="text"
          autocomplete="username"
          value="${state.email ?? ''}"
          required
          autofocus
          aria-describedby="email-help"
        />
        <p id="email-help" class="help">${t('emailHelp')}</p>
        <label for="password">${t('password')}</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required />
        <button type="submit">${t('signIn')}</button>
      </form>`,
  );
}

export function setupPage(ctx: PageContext, state: { error?: string; token?: string }): SafeHtml {
  const { t, base } = ctx;
  return layout(
    ctx,
    t('setupTitle'),
    html`<p>${t('setupIntro')}</p>
      ${state.error ? notice('error', state.error) : ''}
      <form method="post" action="${base}/setup" class="card narrow">
        <label for="token">${t('setupToken')}</label>
        <input id="token" name="token" type="password" autocomplete="off" value="${state.token ?? ''}" required />
        <label for="email">${t('email')}</label>
        <input id="email" name="email" type="email" autocomplete="username" required />
        <label for="password">${t('newPassword')}</label>
        <input
          id="password"
          name="password"
          type="password"
          autocomplete="new-password"
          minlength="12"
          required
          aria-describedby="password-help"
        />
        <p id="password-help" class="help">${t('passwordRule')}</p>
        <label for="confirm">${t('confirmPassword')}</label>
        <input id="confirm" name="confirm" type="password" autocomplete="new-password" minlength="12" required />
        <button type="submit">${t('setupSubmit')}</button>
      </form>`,
  );
}

// ---- Shared bits ----------------------------------------------------------------------------------------------

function healthBadge(health: TenantHealth, t: Translate): SafeHtml {
  return html`<span class="badge ${health}">${statusLabel(health, t)}</span>`;
}

function runStatusBadge(status: Run['status'], t: Translate): SafeHtml {
  const tone =
    status === 'success' ? 'healthy' : status === 'partial' ? 'partial' : status === 'running' ? 'new' : 'failing';
  return html`<span class="badge ${tone}">${statusLabel(status, t)}</span>`;
}

function countLines(counts: Run['counts'], t: Translate): SafeHtml {
  const lines = formatCounts(counts, t);
  return lines.length === 0
    ? html`<span class="muted">${t('nothingWritten')}</span>`
    : html`${lines.map((line, i) => html`${i > 0 ? raw('<br>') : ''}${line}`)}`;
}

function tenantPath(ctx: PageContext, tenantId: string, rest = ''): string {
  return `${ctx.base}/tenants/${encodeURIComponent(tenantId)}${rest}`;
}

function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

// ---- Tenants ----------------------------------------------------------------------------------------------------

export interface TenantRow {
  id: string;
  health: TenantHealth;
  pausedReason: string | null;
  lastRun: Run | undefined;
  schedule: TenantSchedule | undefined;
  links: { sheet: number; learner: number; facilitator: number };
}

export function tenantsPage(
  ctx: PageContext,
  rows: TenantRow[],
  paging: { page: number; pages: number; total: number },
): SafeHtml {
  const { t } = ctx;
  const body = html`<p>${t('tenantsIntro', { count: paging.total })}</p>
    ${rows.length === 0 ? notice('info', t('noTenants')) : ''}
    <div class="table-wrap" role="region" aria-labelledby="tenants-caption" tabindex="0">
      <table>
        <caption id="tenants-caption">
          ${t('tenantsCaption')}
        </caption>
        <thead>
          <tr>
            <th scope="col">${t('tenant')}</th>
            <th scope="col">${t('status')}</th>
            <th scope="col">${t('lastRun')}</th>
            <th scope="col">${t('nextRuns')}</th>
            <th scope="col" class="num">${t('sheetsInSync')}</th>
            <th scope="col" class="num">${t('learnersInSync')}</th>
            <th scope="col" class="num">${t('facilitatorsInSync')}</th>
          </tr>
        </thead>
        <tbody>
          ${rows.map(
            (row) =>
              html`<tr>
                <th scope="row"><a href="${tenantPath(ctx, row.id)}">${row.id}</a></th>
                <td>
                  ${healthBadge(row.health, t)}${row.schedule?.running ? html` <span class="badge new">${t('running')}</span>` : ''}${row.pausedReason ? html`<br /><small>${row.pausedReason}</small>` : ''}
                </td>
                <td>
                  ${row.lastRun ? html`${formatInstant(row.lastRun.startedAt, ctx.lang)}<br /><small>${directionLabel(row.lastRun.direction, t)} · ${statusLabel(row.lastRun.status, t)}</small>` : html`<span class="muted">${t('never')}</span>`}
                </td>
                <td>${nextRuns(ctx, row.schedule)}</td>
                <td class="num">${row.links.sheet}</td>
                <td class="num">${row.links.learner}</td>
                <td class="num">${row.links.facilitator}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
    ${
      paging.pages > 1
        ? html`<nav class="pager" aria-label="${t('pages')}">
            ${paging.page > 1 ? html`<a href="${ctx.base}/${query({ page: paging.page - 1 })}">${t('previousPage')}</a>` : ''}
            <span>${t('pageOf', { page: paging.page, pages: paging.pages })}</span>
            ${paging.page < paging.pages ? html`<a href="${ctx.base}/${query({ page: paging.page + 1 })}">${t('nextPage')}</a>` : ''}
          </nav>`
        : ''
    }`;
  return layout(ctx, t('tenantsTitle'), body);
}

function nextRuns(ctx: PageContext, schedule: TenantSchedule | undefined): SafeHtml {
  if (!schedule || schedule.nextRuns.length === 0) return html`<span class="muted">${ctx.t('noneScheduled')}</span>`;
  return html`${schedule.nextRuns.slice(0, 2).map((iso, i) => html`${i > 0 ? raw('<br>') : ''}${formatInstant(iso, ctx.lang)}`)}${
    schedule.missed.length > 0
      ? html`<br /><small class="warn">${ctx.t('missedRuns', { count: schedule.missed.length })}</small>`
      : ''
  }`;
}

// ---- A tenant ---------------------------------------------------------------------------------------------------

export interface EventQuery {
  level?: (typeof eventLevels)[number];
  action?: (typeof eventActions)[number];
  reason?: ReasonCode;
  /** A Paris day, `2026-11-30`. */
  date?: string;
  run?: number;
  aimairaId?: number;
  before?: number;
}

export interface TenantPageData {
  tenant: TenantDetails;
  health: TenantHealth;
  schedule: TenantSchedule | undefined;
  runs: Run[];
  /** Runs of the last 30 days, for the chart. */
  chartRuns: Run[];
  events: SyncEvent[];
  /** The id to page from for older events; undefined on the last page. */
  olderBefore: number | undefined;
  filter: EventQuery;
  notice?: { kind: 'info' | 'ok' | 'error'; text: string };
  /** Matches of a search with several answers. */
  matches?: { sessions: SessionMatch[]; people: PersonMatch[] };
  /** With a sync in progress: its run as the store has it (none yet before the first direction starts). */
  live?: { run: LiveRun | undefined };
  /** The tenant's latest audit entries, newest first. */
  audit?: AuditEntry[];
  /** Its webhooks, when its receivers are on: the last message from each side, and how long it took to act on it. */
  realtime?: { last: Partial<Record<WebhookSource, WebhookMessage>> };
}

export function tenantPage(ctx: PageContext, data: TenantPageData): SafeHtml {
  const { t } = ctx;
  const { tenant, filter } = data;
  const here = tenantPath(ctx, tenant.id);
  const eventsFiltered = Object.entries(filter).some(([key, value]) => key !== 'before' && value !== undefined);
  const body = html` ${data.notice ? notice(data.notice.kind, data.notice.text) : ''}
    <section aria-labelledby="overview" class="card">
      <h2 id="overview">${t('overview')}</h2>
      <p>
        ${healthBadge(data.health, t)}
        ${data.schedule?.running ? html`<span class="badge new">${t('running')}</span>` : ''}
        ${tenant.pausedReason ? html`<br />${tenant.pausedReason}` : ''}
      </p>
      ${data.live ? liveRun(ctx, here, data.schedule, data.live.run) : ''}
      <p><strong>${t('nextRuns')}</strong><br />${nextRuns(ctx, data.schedule)}</p>
      ${
        ctx.canManage
          ? html`<div class="actions">
              <form method="post" action="${here}/sync">
                ${csrfField(ctx)}<button type="submit" id="sync-now">${t('syncNow')}</button>
              </form>
              <a class="button secondary" href="${here}/explain">${t('explainLink')}</a>
              <a class="button secondary" href="${here}/settings">${t('settingsLink')}</a>
              ${
                data.health === 'paused'
                  ? html`<form method="post" action="${here}/resume">
                      ${csrfField(ctx)}<button type="submit" class="secondary" id="resume">${t('resumeTenant')}</button>
                    </form>`
                  : html`<form method="post" action="${here}/pause" class="pause">
                      ${csrfField(ctx)}<label for="pause-reason" class="sr-only">${t('pauseReason')}</label
                      ><input
                        id="pause-reason"
                        name="reason"
                        maxlength="300"
                        placeholder="${t('pauseReason')}"
                      /><button type="submit" class="secondary" id="pause">${t('pauseTenant')}</button>
                    </form>`
              }
            </div>`
          : html`<p class="muted">${t('readOnly')}</p>`
      }
    </section>

    ${data.realtime ? realtimeCard(ctx, data.realtime.last) : ''}
    <section aria-labelledby="chart-title" class="card">
      <h2 id="chart-title">${t('chartTitle')}</h2>
      ${renderRunsChart(data.chartRuns, { now: ctx.now, lang: ctx.lang, t })}
    </section>

    <section aria-labelledby="runs-title">
      <h2 id="runs-title">${t('runsTitle')}</h2>
      ${
        data.runs.length === 0
          ? html`<p class="muted">${t('noRuns')}</p>`
          : html`<div class="table-wrap" role="region" aria-labelledby="runs-title" tabindex="0">
              <table>
                <thead>
                  <tr>
                    <th scope="col">${t('when')}</th>
                    <th scope="col">${t('direction')}</th>
                    <th scope="col">${t('duration')}</th>
                    <th scope="col">${t('status')}</th>
                    <th scope="col">${t('counts')}</th>
                    <th scope="col"><span class="sr-only">${t('events')}</span></th>
                  </tr>
                </thead>
                <tbody>
                  ${data.runs.map(
                    (run) =>
                      html`<tr>
                        <td>${formatInstant(run.startedAt, ctx.lang)}</td>
                        <td>${directionLabel(run.direction, t)}</td>
                        <td>
                          ${run.endedAt ? formatDuration(Date.parse(run.endedAt) - Date.parse(run.startedAt)) : '—'}
                        </td>
                        <td>
                          ${runStatusBadge(run.status, t)}${run.error ? html`<br /><small>${redactEmails(run.error)}</small>` : ''}
                        </td>
                        <td>${countLines(run.counts, t)}</td>
                        <td>
                          <a href="${here}${query({ run: run.id })}#events-title">${t('runEvents', { id: run.id })}</a>
                        </td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </div>`
      }
    </section>

    <section aria-labelledby="events-title">
      <h2 id="events-title">${t('eventsTitle')}</h2>
      <form method="get" action="${here}" class="filters" aria-label="${t('filterEvents')}">
        ${select(
          'level',
          t('level'),
          filter.level,
          eventLevels.map((level) => [level, statusLabel(level, t)]),
          t,
        )}
        ${select(
          'action',
          t('eventKind'),
          filter.action,
          eventActions.map((action) => [action, statusLabel(action, t)]),
          t,
        )}
        ${select(
          'reason',
          t('reasonCode'),
          filter.reason,
          (Object.keys(reasonCodes) as ReasonCode[]).map((code) => [code, code]),
          t,
        )}
        <div class="field">
          <label for="date">${t('date')}</label><input id="date" name="date" type="date" value="${filter.date ?? ''}" />
        </div>
        <div class="field">
          <label for="aimairaId">${t('aimairaId')}</label
          ><input
            id="aimairaId"
            name="aimairaId"
            inputmode="numeric"
            pattern="[0-9]*"
            value="${filter.aimairaId ?? ''}"
          />
        </div>
        ${filter.run !== undefined ? html`<input type="hidden" name="run" value="${filter.run}" />` : ''}
        <div class="field buttons">
          <button type="submit">${t('filter')}</button
          >${eventsFiltered ? html` <a href="${here}#events-title">${t('clearFilters')}</a>` : ''}
        </div>
      </form>
      ${
        ctx.canManage
          ? html`<form
              method="post"
              action="${here}/search"
              class="filters search"
              role="search"
              aria-label="${t('searchEvents')}"
            >
              ${csrfField(ctx)}
              <div class="field grow">
                <label for="q">${t('searchLabel')}</label
                ><input id="q" name="q" type="search" autocomplete="off" required aria-describedby="q-help" />
                <p id="q-help" class="help">${t('searchHelp')}</p>
              </div>
              <div class="field buttons"><button type="submit">${t('search')}</button></div>
            </form>`
          : ''
      }
      ${data.matches ? matchesList(ctx, tenant.id, data.matches) : ''}
      ${filter.run !== undefined ? html`<p>${t('eventsOfRun', { id: filter.run })}</p>` : ''}
      ${
        data.events.length === 0
          ? html`<p class="muted" id="no-events">${t('noEvents')}</p>`
          : html`<div class="table-wrap" role="region" aria-labelledby="events-title" tabindex="0">
              <table class="events">
                <thead>
                  <tr>
                    <th scope="col">${t('when')}</th>
                    <th scope="col">${t('level')}</th>
                    <th scope="col">${t('eventKind')}</th>
                    <th scope="col">${t('record')}</th>
                    <th scope="col">${t('reasonCode')}</th>
                    <th scope="col">${t('message')}</th>
                  </tr>
                </thead>
                <tbody>
                  ${data.events.map((event) => eventRow(ctx, event))}
                </tbody>
              </table>
            </div>`
      }
      ${
        data.olderBefore !== undefined
          ? html`<nav class="pager" aria-label="${t('pages')}">
              <a href="${here}${query({ ...stringify(filter), before: data.olderBefore })}#events-title" rel="next"
                >${t('olderEvents')}</a
              >
            </nav>`
          : ''
      }
    </section>
    <section aria-labelledby="tenant-audit-title" class="card" id="tenant-audit">
      <h2 id="tenant-audit-title">${t('auditTitle')}</h2>
      ${auditTable(ctx, data.audit ?? [], false)}
    </section>`;
  return layout(ctx, t('tenantTitle', { id: tenant.id }), body, [
    [t('navTenants'), `${ctx.base}/`],
    [tenant.id, here],
  ]);
}

function stringify(filter: EventQuery): Record<string, string | number | undefined> {
  const { before: _before, ...rest } = filter;
  return rest;
}

function select(
  name: string,
  label: string,
  value: string | undefined,
  options: [string, string][],
  t: Translate,
): SafeHtml {
  return html`<div class="field">
    <label for="${name}">${label}</label
    ><select id="${name}" name="${name}">
      <option value="">${t('any')}</option>
      ${options.map(([key, text]) => html`<option value="${key}" ${key === value ? raw(' selected') : ''}>${text}</option>`)}
    </select>
  </div>`;
}

function eventRow(ctx: PageContext, event: SyncEvent): SafeHtml {
  const { t } = ctx;
  return html`<tr class="level-${event.level}">
    <td>${formatInstant(event.at, ctx.lang)}</td>
    <td>
      <span class="badge ${event.level === 'error' ? 'failing' : event.level === 'warning' ? 'partial' : 'info'}"
        >${statusLabel(event.level, t)}</span
      >
    </td>
    <td>${statusLabel(event.action, t)}</td>
    <td>
      ${kindLabel(event.recordKind, t, 1)}${event.aimairaId !== null ? html` <a href="${tenantPath(ctx, event.tenantId)}${query({ aimairaId: event.aimairaId })}#events-title">${event.aimairaId}</a>` : ''}${
        event.edusignId ? html`<br /><small>Edusign ${event.edusignId}</small>` : ''
      }
    </td>
    <td>${event.reason ? html`<abbr title="${reasonText(event.reason, ctx.lang)}">${event.reason}</abbr>` : ''}</td>
    <td>
      ${redactEmails(event.message)}${event.reason ? html`<br /><small>${reasonText(event.reason, ctx.lang)}</small>` : ''}
    </td>
  </tr>`;
}

function matchesList(
  ctx: PageContext,
  tenantId: string,
  matches: { sessions: SessionMatch[]; people: PersonMatch[] },
): SafeHtml {
  const { t } = ctx;
  const here = tenantPath(ctx, tenantId);
  return html`<div class="card" id="matches">
    <h3>${t('matchesTitle')}</h3>
    <ul>
      ${matches.sessions.map(
        (session) =>
          html`<li>
            <a href="${here}${query({ aimairaId: session.sessionId })}#events-title"
              >${t('sessionLabel', { id: session.sessionId })}</a
            >
            — ${session.name} (${formatInstant(session.start, ctx.lang)})
          </li>`,
      )}
      ${matches.people.map(
        (person) =>
          html`<li>
            <a href="${here}${query({ aimairaId: person.aimairaId })}#events-title"
              >${kindLabel(person.kind, t, 1)} ${person.aimairaId}</a
            >
          </li>`,
      )}
    </ul>
  </div>`;
}

// ---- "Why isn't this sheet on Edusign?" -------------------------------------------------------------------------

export interface ExplainPageData {
  tenantId: string;
  sessionInput: string;
  searchInput: string;
  explanation?: SessionExplanation;
  matches?: SessionMatch[];
  error?: string;
}

export function explainPage(ctx: PageContext, data: ExplainPageData): SafeHtml {
  const { t } = ctx;
  const here = tenantPath(ctx, data.tenantId, '/explain');
  const body = html`<p>${t('explainIntro')}</p>
    <div class="two">
      <form method="get" action="${here}" class="card">
        <label for="session">${t('sessionId')}</label>
        <input id="session" name="session" inputmode="numeric" pattern="[0-9]+" value="${data.sessionInput}" required />
        <button type="submit">${t('explainSubmit')}</button>
      </form>
      <form method="get" action="${here}" class="card" role="search" aria-label="${t('searchSessions')}">
        <label for="q">${t('sessionName')}</label>
        <input id="q" name="q" type="search" value="${data.searchInput}" required minlength="2" />
        <button type="submit" class="secondary">${t('searchSessions')}</button>
      </form>
    </div>
    ${data.error ? notice('error', data.error) : ''}
    ${
      data.matches
        ? data.matches.length === 0
          ? notice('info', t('noSessionFound'))
          : html`<section aria-labelledby="found" class="card">
              <h2 id="found">${t('sessionsFound', { count: data.matches.length })}</h2>
              <ul>
                ${data.matches.map(
                  (match) =>
                    html`<li>
                      <a href="${here}${query({ session: match.sessionId })}">${match.sessionId}</a> — ${match.name}
                      (${formatInstant(match.start, ctx.lang)})
                    </li>`,
                )}
              </ul>
            </section>`
        : ''
    }
    ${data.explanation ? explanationView(ctx, data.explanation) : ''}`;
  return layout(ctx, t('explainTitle'), body, [
    [t('navTenants'), `${ctx.base}/`],
    [data.tenantId, tenantPath(ctx, data.tenantId)],
    [t('explainLink'), here],
  ]);
}

function explanationView(ctx: PageContext, explanation: SessionExplanation): SafeHtml {
  const { t, lang } = ctx;
  const head = explanation.found
    ? html`<h2 id="answer">${t('sessionLabel', { id: explanation.sessionId })} « ${explanation.session.name} »</h2>
        <p>
          ${statusLabel(explanation.session.type, t)}${explanation.session.cancelled ? html`, ${t('cancelled')}` : ''} ·
          ${formatInstant(explanation.session.start, lang)} → ${formatInstant(explanation.session.end, lang)}
          ${explanation.session.rooms.length > 0 ? html` · ${t('room')} ${explanation.session.rooms.join(', ')}` : ''}
          ${explanation.session.createdAt ? html`<br />${t('createdInAimaira', { when: formatInstant(explanation.session.createdAt, lang) })}` : ''}
        </p>
        <p>
          ${t('listedKept', {
            listedFacilitators: explanation.session.listed.facilitators,
            listedLearners: explanation.session.listed.learners,
            listedGroups: explanation.session.listed.groups,
            keptFacilitators: explanation.session.kept.facilitators,
            keptLearners: explanation.session.kept.learners,
          })}${explanation.session.kept.defaultProfessor ? html` ${t('withDefaultProfessor')}` : ''}
        </p>`
    : html`<h2 id="answer">${t('sessionLabel', { id: explanation.sessionId })}</h2>
        <p>${t('sessionNotFound')}</p>`;
  const window = t('windowLine', {
    now: formatInstant(explanation.now, lang),
    start: formatInstant(explanation.window.start, lang),
    end: formatInstant(explanation.window.end, lang),
  });
  const verdict = explanation.found
    ? html`<p class="verdict ${explanation.eligible ? 'yes' : 'no'}">
          <strong>${explanation.eligible ? t('comesDownYes') : t('comesDownNo')}</strong>
        </p>
        ${
          explanation.exclusions.length > 0
            ? html`<h3>${t('rulesThatApply')}</h3>
                <ul class="reasons">
                  ${explanation.exclusions.map(
                    (reason) => html`<li><code>${reason.code}</code> ${reasonText(reason.code, lang)}</li>`,
                  )}
                </ul>`
            : ''
        }
        <h3>${t('peopleLeftOut', { count: explanation.leftOut.length })}</h3>
        ${
          explanation.leftOut.length === 0
            ? html`<p class="muted">${t('none')}</p>`
            : html`<ul class="reasons">
                ${explanation.leftOut.map(
                  (person) =>
                    html`<li>
                      ${kindLabel(person.kind, t, 1)}
                      ${person.aimairaId}${person.learnerIds ? html` (${t('tutorOf', { ids: person.learnerIds.join(', ') })})` : ''}
                      — <code>${person.reason}</code> ${reasonText(person.reason, lang)}${
                        person.problems.length > 0 ? html` <small>(${person.problems.join(', ')})</small>` : ''
                      }
                    </li>`,
                )}
              </ul>`
        }
        ${
          explanation.warnings.length > 0
            ? html`<h3>${t('warnings')}</h3>
                <ul class="reasons">
                  ${explanation.warnings.map(
                    (reason) => html`<li><code>${reason.code}</code> ${reasonText(reason.code, lang)}</li>`,
                  )}
                </ul>`
            : ''
        }`
    : '';
  const sheet = explanation.edusign;
  const onEdusign = sheet
    ? html`<p>
        ${t('sheetOnEdusign', { id: sheet.sheetId })}
        ${
          sheet.linked
            ? t('sheetLinked', { when: sheet.lastWrittenAt ? formatInstant(sheet.lastWrittenAt, lang) : '—' })
            : t('sheetFoundByApiId')
        }${sheet.incomplete ? html` ${t('sheetIncomplete')}` : ''}
        ${
          sheet.state === 'missing'
            ? t('sheetMissing')
            : html`${sheet.locked ? t('sheetLocked') : t('sheetNotLocked')}
              ${sheet.signed ? t('sheetSigned') : t('sheetNotSigned')}`
        }
      </p>`
    : html`<p>${t('noSheet')}</p>`;
  const next = explanation.nextSync;
  return html`<section aria-labelledby="answer" class="card explanation">
    ${head}
    <p class="muted">${window}</p>
    ${verdict}
    <h3>${t('onEdusign')}</h3>
    ${onEdusign}
    <h3>${t('nextSync')}</h3>
    <p>
      ${statusLabel(`next-${next.action}`, t)}${next.reason ? html` <code>${next.reason.code}</code> ${reasonText(next.reason.code, lang)}` : ''}${
        next.blockedBy
          ? html`<br />${t('butBlocked')} <code>${next.blockedBy.code}</code> ${reasonText(next.blockedBy.code, lang)}`
          : ''
      }
    </p>
  </section>`;
}

// ---- Settings -----------------------------------------------------------------------------------------------------

export interface SettingsPageData {
  tenant: TenantDetails;
  notice?: { kind: 'info' | 'ok' | 'error'; text: string };
  /** Problems of the options form, by field. */
  problems?: Record<string, string>;
  /** What was typed, when the form is shown again with problems. */
  typed?: Record<string, string | boolean>;
  check?: CheckResult;
  /** The tenant's last preflight; absent when it never ran. */
  preflight?: PreflightReport | undefined;
  /** Where the tenant's alerts go; undefined when never set. */
  alertSettings?: TenantAlertSettings | undefined;
  /** The webhook receivers, when the service serves them. */
  webhooks?: WebhookSection | undefined;
}

/** What the settings page shows of a tenant's webhook receivers: addresses, what is set (never a secret's value). */
export interface WebhookSection {
  endpoint: WebhookEndpoint | undefined;
  last: Partial<Record<WebhookSource, WebhookMessage>>;
  urls: { aimaira: string; aimairaToken: string; edusign: string };
  /** New Aimaira credentials, shown once. */
  credentials?: { clientId: string; clientSecret: string };
}

const optionNames = Object.keys(TenantOptions.shape) as (keyof TenantOptions)[];
const booleanOptions = new Set<keyof TenantOptions>([
  'sendCredentials',
  'sendAttendance',
  'importEvenementsCommuns',
  'importStudentTutors',
  'planifRealise',
  'studentExclusion',
  'studentDelay',
  'studentEarlyDeparture',
]);

export function settingsPage(ctx: PageContext, data: SettingsPageData): SafeHtml {
  const { t, lang } = ctx;
  const { tenant } = data;
  const here = tenantPath(ctx, tenant.id, '/settings');
  const value = (name: keyof TenantOptions): string | boolean => {
    const typed = data.typed?.[name];
    if (typed !== undefined) return typed;
    const current = tenant.options[name];
    if (Array.isArray(current)) return current.join(', ');
    if (typeof current === 'boolean') return current;
    return current === null ? '' : String(current);
  };
  const field = (name: keyof TenantOptions): SafeHtml => {
    const text = optionText(name, lang);
    const problem = data.problems?.[name];
    const help = html`<p id="${name}-help" class="help">${text.help}</p>
      ${problem ? html`<p id="${name}-problem" class="problem">${problem}</p>` : ''}`;
    const described = problem ? `${name}-help ${name}-problem` : `${name}-help`;
    if (booleanOptions.has(name)) {
      return html`<div class="option check">
        <input
          type="checkbox"
          id="${name}"
          name="${name}"
          value="on"
          ${value(name) === true ? raw(' checked') : ''}
          aria-describedby="${described}"
        />
        <label for="${name}">${text.label} <code>${name}</code></label
        >${help}
      </div>`;
    }
    const numeric = name === 'horizonDays' || name === 'attendanceLookbackDays';
    return html`<div class="option">
      <label for="${name}">${text.label} <code>${name}</code></label>
      <input
        id="${name}"
        name="${name}"
        ${numeric ? raw('type="number" min="0" step="1"') : raw('type="text"')}
        value="${String(value(name))}"
        aria-describedby="${described}"
        ${problem ? raw(' aria-invalid="true"') : ''}
      />${help}
    </div>`;
  };
  const body = html`${data.notice ? notice(data.notice.kind, data.notice.text) : ''}
    <section aria-labelledby="options-title" class="card">
      <h2 id="options-title">${t('optionsTitle')}</h2>
      <form method="post" action="${here}" class="options">
        ${csrfField(ctx)} ${optionNames.map(field)}
        <button type="submit" id="save-options">${t('saveOptions')}</button>
      </form>
    </section>

    <section aria-labelledby="credentials-title" class="card">
      <h2 id="credentials-title">${t('credentialsTitle')}</h2>
      <p>${t('credentialsIntro')}</p>
      <dl class="facts">
        <dt>${t('aimairaUrl')}</dt>
        <dd>${tenant.aimaira.url}</dd>
        <dt>${t('aimairaAccess')}</dt>
        <dd>${tenant.aimaira.access === 'password' ? t('accessPassword') : t('accessApiKey')}</dd>
        <dt>${t('edusignUrl')}</dt>
        <dd>${tenant.edusign.url}</dd>
      </dl>
      <form method="post" action="${tenantPath(ctx, tenant.id, '/credentials')}" class="options" autocomplete="off">
        ${csrfField(ctx)} ${credentialFields.map(([name, type]) => credentialInput(t, name, type))}
        <p id="keep-help" class="help">${t('credentialsKeep')}</p>
        <button type="submit">${t('saveCredentials')}</button>
      </form>
    </section>

    <section aria-labelledby="check-title" class="card">
      <h2 id="check-title">${t('checkTitle')}</h2>
      <p>${t('checkIntro')}</p>
      <form method="post" action="${tenantPath(ctx, tenant.id, '/check')}">
        ${csrfField(ctx)}<button type="submit" id="check-connection">${t('checkSubmit')}</button>
      </form>
      ${
        data.check
          ? html`<div id="check-result" role="status">
              ${notice(data.check.ok ? 'ok' : 'error', data.check.ok ? t('checkOk') : t('checkFailed'))}
              <ul class="checks">
                ${data.check.items.map(
                  (item) =>
                    html`<li class="${item.ok ? 'ok' : 'error'}">
                      <strong>${item.ok ? '✓' : '✗'} ${item.label}</strong> — ${redactEmails(item.detail)}
                    </li>`,
                )}
              </ul>
            </div>`
          : ''
      }
    </section>
    ${alertSettingsSection(ctx, tenant.id, data.alertSettings)}
    ${data.webhooks ? webhookSection(ctx, tenant.id, data.webhooks) : ''} ${preflightSection(ctx, data.preflight)}
    ${retentionSection(ctx, tenant.retention)}`;
  return layout(ctx, t('settingsTitle', { id: tenant.id }), body, [
    [t('navTenants'), `${ctx.base}/`],
    [tenant.id, tenantPath(ctx, tenant.id)],
    [t('settingsLink'), here],
  ]);
}

function alertSettingsSection(ctx: PageContext, tenantId: string, settings: TenantAlertSettings | undefined): SafeHtml {
  const { t } = ctx;
  const lang = settings?.lang ?? ctx.lang;
  return html`<section aria-labelledby="alert-settings-title" class="card" id="alert-settings">
    <h2 id="alert-settings-title">${t('alertSettingsTitle')}</h2>
    <p class="help">${t('alertSettingsHelp')}</p>
    <form method="post" action="${tenantPath(ctx, tenantId, '/alerts')}" class="stack">
      ${csrfField(ctx)}
      <label for="webhook-url">${t('webhookUrl')}</label>
      <input
        id="webhook-url"
        name="webhookUrl"
        type="url"
        maxlength="2000"
        value="${settings?.webhookUrl ?? ''}"
        autocomplete="off"
      />
      <label for="alert-lang">${t('language')}</label>
      <select id="alert-lang" name="lang">
        <option value="fr" ${lang === 'fr' ? 'selected' : ''}>${t('langFr')}</option>
        <option value="en" ${lang === 'en' ? 'selected' : ''}>${t('langEn')}</option>
      </select>
      <button type="submit" id="save-alert-settings">${t('save')}</button>
    </form>
  </section>`;
}

function realtimeCard(ctx: PageContext, last: Partial<Record<WebhookSource, WebhookMessage>>): SafeHtml {
  const { t } = ctx;
  const line = (source: WebhookSource, label: string) => {
    const message = last[source];
    if (!message) return html`<li>${label}: <span class="muted">${t('webhookNone')}</span></li>`;
    const acted =
      message.processedAt === null
        ? t('webhookPending')
        : t('webhookActedIn', {
            seconds: Math.max(0, Math.round((Date.parse(message.processedAt) - Date.parse(message.receivedAt)) / 1000)),
          });
    return html`<li>
      ${label}: ${formatInstant(message.receivedAt, ctx.lang)} · <code>${message.event}</code> · ${acted}
    </li>`;
  };
  return html`<section aria-labelledby="realtime-title" class="card" id="realtime">
    <h2 id="realtime-title">${t('webhooksTitle')}</h2>
    <ul>
      ${line('aimaira', 'Aimaira')} ${line('edusign', 'Edusign')}
    </ul>
  </section>`;
}

function webhookSection(ctx: PageContext, tenantId: string, data: WebhookSection): SafeHtml {
  const { t } = ctx;
  const endpoint = data.endpoint;
  const lastLine = (source: WebhookSource) => {
    const message = data.last[source];
    return message
      ? html`${formatInstant(message.receivedAt, ctx.lang)} · <code>${message.event}</code>`
      : html`<span class="muted">${t('webhookNone')}</span>`;
  };
  return html`<section aria-labelledby="webhooks-title" class="card" id="webhooks">
    <h2 id="webhooks-title">${t('webhooksTitle')}</h2>
    <p class="help">${t('webhooksHelp')}</p>
    ${
      data.credentials
        ? html`<div class="notice ok" role="status">
            <p>${t('webhookCredentialsMade')}</p>
            <p>
              ${t('webhookClientId')}: <code class="secret" id="webhook-client-id">${data.credentials.clientId}</code>
            </p>
            <p>
              ${t('webhookClientSecret')}:
              <code class="secret" id="webhook-client-secret">${data.credentials.clientSecret}</code>
            </p>
            <p><small>${t('shownOnce')}</small></p>
          </div>`
        : ''
    }
    <form method="post" action="${tenantPath(ctx, tenantId, '/webhooks')}" class="stack">
      ${csrfField(ctx)}
      <label
        ><input type="checkbox" name="enabled" id="webhooks-enabled" ${endpoint?.enabled ? 'checked' : ''} />
        ${t('webhooksEnabled')}</label
      >
      <h3>Aimaira</h3>
      <p>
        ${t('webhookReceiver')}: <code>${data.urls.aimaira}</code><br />${t('webhookTokenUrl')}:
        <code>${data.urls.aimairaToken}</code>
      </p>
      <p>
        ${t('webhookClientId')}:
        ${endpoint?.aimaira.clientId ? html`<code>${endpoint.aimaira.clientId}</code>` : html`<span class="muted">${t('webhookNoCredentials')}</span>`}
      </p>
      <label for="customer-name">${t('webhookCustomerName')}</label>
      <input id="customer-name" name="customerName" maxlength="200" value="${endpoint?.aimaira.customerName ?? ''}" />
      <p>${t('webhookLast')}: ${lastLine('aimaira')}</p>
      <h3>Edusign</h3>
      <p>${t('webhookReceiver')}: <code>${data.urls.edusign}</code></p>
      <label for="school-id">${t('webhookSchoolId')}</label>
      <input id="school-id" name="schoolId" maxlength="100" value="${endpoint?.edusign.schoolId ?? ''}" />
      <label for="edusign-secret">${t('webhookEdusignSecret')}</label>
      <input
        id="edusign-secret"
        name="edusignSecret"
        type="password"
        autocomplete="off"
        maxlength="500"
        placeholder="${endpoint?.edusign.clientSecret ? t('secretSet') : ''}"
      />
      <p>${t('webhookLast')}: ${lastLine('edusign')}</p>
      <button type="submit" id="save-webhooks">${t('save')}</button>
    </form>
    <form method="post" action="${tenantPath(ctx, tenantId, '/webhooks/credentials')}">
      ${csrfField(ctx)}<button type="submit" class="secondary" id="new-webhook-credentials">
        ${t('webhookNewCredentials')}
      </button>
    </form>
  </section>`;
}

function retentionSection(ctx: PageContext, retention: TenantDetails['retention']): SafeHtml {
  if (retention === undefined) return html``;
  const { t } = ctx;
  return html`<section aria-labelledby="retention-title" class="card" id="retention">
    <h2 id="retention-title">${t('retentionTitle')}</h2>
    <p>${t('retentionKept', { months: String(retention.months) })}</p>
    <p class="help">${t('retentionOption')}</p>
  </section>`;
}

function preflightSection(ctx: PageContext, report: PreflightReport | undefined): SafeHtml {
  const { t, lang } = ctx;
  const notes = report?.findings.filter((finding) => !finding.ok).length ?? 0;
  return html`<section aria-labelledby="preflight-title" class="card" id="preflight">
    <h2 id="preflight-title">${t('preflightTitle')}</h2>
    <p>${t('preflightIntro')}</p>
    ${
      report === undefined
        ? html`<p class="muted">${t('preflightNever')}</p>`
        : html`<p>
              ${t('preflightRanAt', { when: formatInstant(report.ranAt, lang) })}
              ${notes === 0 ? t('preflightOk') : t('preflightNotes', { count: String(notes) })}
            </p>
            <ul class="checks">
              ${report.findings.map(
                (finding) =>
                  html`<li class="${finding.ok ? 'ok' : 'error'}">
                    <strong>${finding.ok ? '✓' : '!'} <code>${finding.point}</code></strong> —
                    ${redactEmails(finding.found)}<br /><small>→ ${redactEmails(finding.strategy)}</small>
                  </li>`,
              )}
            </ul>`
    }
  </section>`;
}

/**
 * The sync in progress, as the store has it: the same markup as "sync now"'s progress, so that the dashboard's
 * script follows it live (`/live/events`); without the script, the page shows where it stood when served.
 */
function liveRun(ctx: PageContext, here: string, schedule: TenantSchedule | undefined, run: LiveRun | undefined) {
  const { t } = ctx;
  const down = run?.direction !== 'up';
  const done = run?.progress?.done ?? 0;
  const total = run?.progress?.total ?? 0;
  const status =
    run === undefined
      ? t('progressStarting')
      : total > 0
        ? t(down ? 'progressDown' : 'progressUp', { done, total })
        : t(down ? 'progressReading' : 'progressReadingUp');
  return html`<div
    class="live"
    data-sync-events="${here}/live/events"
    data-label-down="${t('progressDown')}"
    data-label-up="${t('progressUp')}"
    data-label-reading="${t('progressReading')}"
    data-label-reading-up="${t('progressReadingUp')}"
    data-label-down-done="${t('progressDownDone')}"
    data-label-up-done="${t('progressUpDone')}"
  >
    <h3 id="live-title">${t('syncRunning')}</h3>
    ${schedule?.runningIn === 'another-process' ? html`<p class="help" id="live-elsewhere">${t('liveElsewhere')}</p>` : ''}
    ${run ? html`<p class="help">${t('liveSince', { when: formatInstant(run.startedAt, ctx.lang) })}</p>` : ''}
    ${
      total > 0
        ? html`<progress id="sync-progress" max="${total}" value="${done}" aria-labelledby="live-title"></progress>`
        : html`<progress id="sync-progress" max="100" aria-labelledby="live-title"></progress>`
    }
    <p id="sync-status" role="status" aria-live="polite">${status}</p>
    <noscript
      ><p><a href="${here}">${t('reloadForSummary')}</a></p></noscript
    >
  </div>`;
}

// ---- Sync now -------------------------------------------------------------------------------------------------------

export interface SyncPageData {
  tenantId: string;
  jobId: string;
  summary: SyncSummary | undefined;
  /** A failure outside the runs (the scheduler threw). */
  error: string | undefined;
}

export function syncPage(ctx: PageContext, data: SyncPageData): SafeHtml {
  const { t } = ctx;
  const here = tenantPath(ctx, data.tenantId, `/sync/${data.jobId}`);
  const running = !data.summary && !data.error;
  const body = running
    ? html`<section class="card" aria-labelledby="progress-title">
        <h2 id="progress-title">${t('syncRunning')}</h2>
        <div
          data-sync-events="${here}/events"
          data-label-down="${t('progressDown')}"
          data-label-up="${t('progressUp')}"
          data-label-reading="${t('progressReading')}"
          data-label-reading-up="${t('progressReadingUp')}"
          data-label-down-done="${t('progressDownDone')}"
          data-label-up-done="${t('progressUpDone')}"
        >
          <progress id="sync-progress" max="100" aria-labelledby="progress-title"></progress>
          <p id="sync-status" role="status" aria-live="polite">${t('progressStarting')}</p>
        </div>
        <noscript
          ><p><a href="${here}">${t('reloadForSummary')}</a></p></noscript
        >
      </section>`
    : html`<section class="card" aria-labelledby="summary-title" id="sync-summary">
        <h2 id="summary-title">${t('syncDone')}</h2>
        ${data.error ? notice('error', redactEmails(data.error)) : ''}
        ${
          data.summary
            ? html`<p>${runStatusBadge(data.summary.status, t)}</p>
                <div class="table-wrap">
                  <table>
                    <thead>
                      <tr>
                        <th scope="col">${t('direction')}</th>
                        <th scope="col">${t('status')}</th>
                        <th scope="col">${t('duration')}</th>
                        <th scope="col">${t('counts')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      ${data.summary.directions.map(
                        (direction) =>
                          html`<tr>
                            <td>${directionLabel(direction.direction, t)}</td>
                            <td>
                              ${runStatusBadge(direction.status, t)}${
                                direction.error ? html`<br /><small>${redactEmails(direction.error)}</small>` : ''
                              }
                            </td>
                            <td>${formatDuration(direction.durationMs)}</td>
                            <td>
                              ${countLines(direction.counts, t)}${
                                direction.runId !== null
                                  ? html`<br /><a
                                        href="${tenantPath(ctx, data.tenantId)}${query({ run: direction.runId })}#events-title"
                                        >${t('runEvents', { id: direction.runId })}</a
                                      >`
                                  : ''
                              }
                            </td>
                          </tr>`,
                      )}
                    </tbody>
                  </table>
                </div>`
            : ''
        }
        <p><a href="${tenantPath(ctx, data.tenantId)}">${t('backToTenant')}</a></p>
      </section>`;
  return layout(ctx, t('syncTitle', { id: data.tenantId }), body, [
    [t('navTenants'), `${ctx.base}/`],
    [data.tenantId, tenantPath(ctx, data.tenantId)],
    [t('syncNow'), here],
  ]);
}

/** The write-only credential fields: an empty field keeps what is stored; stored values are never shown. */
const credentialFields = [
  ['aimairaUsername', 'text'],
  ['aimairaPassword', 'password'],
  ['aimairaApiKey', 'password'],
  ['edusignApiKey', 'password'],
] as const;

function credentialInput(
  t: Translate,
  name: (typeof credentialFields)[number][0],
  type: 'text' | 'password',
): SafeHtml {
  return html`<div class="option">
    <label for="${name}">${t(name)}</label
    ><input
      id="${name}"
      name="${name}"
      type="${type}"
      autocomplete="${type === 'text' ? 'off' : 'new-password'}"
      aria-describedby="keep-help"
    />
  </div>`;
}

// ---- The audit ------------------------------------------------------------------------------------------------

/** The audit entries as rows: the tenant page shows its own with the same table. */
export function auditTable(ctx: PageContext, entries: readonly AuditEntry[], withTenant: boolean): SafeHtml {
  const { t } = ctx;
  if (entries.length === 0) return html`<p class="muted">${t('auditNone')}</p>`;
  return html`<div class="table-wrap" role="region" aria-label="${t('auditTitle')}" tabindex="0">
    <table class="audit">
      <thead>
        <tr>
          <th scope="col">${t('when')}</th>
          <th scope="col">${t('who')}</th>
          ${withTenant ? html`<th scope="col">${t('tenant')}</th>` : ''}
          <th scope="col">${t('what')}</th>
          <th scope="col">${t('from')}</th>
        </tr>
      </thead>
      <tbody>
        ${entries.map(
          (entry) =>
            html`<tr>
              <td>${formatInstant(entry.at, ctx.lang)}</td>
              <td>${entry.actorEmail ?? t('theService')}${entry.via === 'api' ? html` <small>(API)</small>` : ''}</td>
              ${withTenant ? html`<td>${entry.tenantId ?? '—'}</td>` : ''}
              <td><code>${entry.action}</code> <small>${describeDetail(entry.detail)}</small></td>
              <td>${entry.address ?? '—'}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

/** `horizonDays: 14 → 7; fields: edusign.apiKey` */
export function describeDetail(detail: Record<string, unknown>): string {
  return Object.entries(detail)
    .map(([key, value]) => {
      if (key === 'changed' && value && typeof value === 'object') {
        return Object.entries(value as Record<string, unknown>)
          .map(([name, pair]) =>
            Array.isArray(pair) ? `${name}: ${JSON.stringify(pair[0])} → ${JSON.stringify(pair[1])}` : name,
          )
          .join('; ');
      }
      return `${key}: ${Array.isArray(value) ? value.join(', ') : JSON.stringify(value)}`;
    })
    .join('; ');
}
