/**
 * The web dashboard: a request handler to mount in the service's HTTP server. It answers its own routes (pages,
 * forms, server-sent events, /static) and returns false for any other path, so the host keeps `/metrics` and
 * `/healthz`. Everything it needs comes in through `DashboardDeps` (src/web/deps.ts).
 *
 * Security, in order: a set-up page while no password exists; then every route but sign-in and /static wants a
 * signed-in session (HTML → redirect to sign-in, anything else → 401); every POST is refused when the browser says
 * it is cross-site or the Origin is foreign, and, past sign-in, when its CSRF token is not the session's.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { z } from 'zod';

import { TenantOptions } from '../config/config.js';
import { credentialMaxLength, formatPath, tenantIdPattern } from '../config/config.js';
import { reasonCodes } from '../domain/reasons.js';
import type { ReasonCode } from '../domain/reasons.js';
import { eventActions, eventLevels } from '../store/port.js';
import type { LiveRun, Run, SyncEvent } from '../store/port.js';
import { dashboardCss, dashboardJs } from './assets.js';
import { chartDays } from './chart.js';
import type { CredentialsUpdate, DashboardDeps, SyncProgress, SyncSummary, TenantDetails } from './deps.js';
import { parisDate } from './format.js';
import type { SafeHtml } from './html.js';
import { isLang, translator } from './i18n.js';
import type { Lang, LabelKey } from './i18n.js';
import {
  explainPage,
  messagePage,
  settingsPage,
  setupPage,
  signInPage,
  syncPage,
  tenantPage,
  tenantsPage,
} from './pages.js';
import type { EventQuery, PageContext, SettingsPageData, TenantHealth, TenantPageData, TenantRow } from './pages.js';
import {
  createSessionRegistry,
  createSignInThrottle,
  crossSiteRefusal,
  hashAdminPassword,
  isAdminPasswordHash,
  parseCookies,
  randomToken,
  sameSecret,
  serializeCookie,
  validCsrfToken,
  verifyAdminPassword,
} from './security.js';
import type { SignInSession } from './security.js';

export type DashboardHandler = (request: IncomingMessage, response: ServerResponse) => Promise<boolean>;

export const sessionCookie = 'aes_session';
export const langCookie = 'aes_lang';
/** Events per page: enough to scan, few enough to page through hundreds of thousands by `beforeId`. */
export const eventsPageSize = 50;
const tenantsPageSize = 50;
const runsShown = 20;
/** Enough runs for 30 days at several runs a day, and for a date filter over the last months. */
const runsRead = 1000;
const maxBodyBytes = 64 * 1024;
const minPasswordLength = 12;
/** A finished "sync now" stays viewable this long. */
const jobRetentionMs = 60 * 60_000;
/** How often the stream of a live run reads the store: the runs save their progress about once a second. */
const livePollMs = 1_000;
/** A comment now and then keeps proxies from closing a quiet stream. */
const streamHeartbeatMs = 15_000;

const contentSecurityPolicy = [
  "default-src 'none'",
  "style-src 'self'",
  "script-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

// ---- Forms, parsed with zod ---------------------------------------------------------------------------------

const checkbox = z
  .literal('on')
  .optional()
  .transform((value) => value === 'on');
const wholeNumber = z
  .string()
  .trim()
  .regex(/^-?\d{1,6}$/, 'notAnInteger')
  .transform(Number);

/** A text option that may be unset: an empty field means null. */
const optionalText = z
  .string()
  .max(200)
  .trim()
  .default('')
  .transform((text) => (text === '' ? null : text));
const OptionsForm = z.object({
  sendCredentials: checkbox,
  sendAttendance: checkbox,
  structures: z
    .string()
    .max(2000)
    .trim()
    .regex(/^(\d+\s*(,\s*\d+\s*)*)?,?$/, 'notIdList')
    .default('')
    .transform((text) =>
      text
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part !== '')
        .map(Number),
    ),
  importEvenementsCommuns: checkbox,
  defaultProfsForEvenementsCommun: optionalText,
  importStudentTutors: checkbox,
  planifRealise: checkbox,
  studentExclusion: checkbox,
  studentDelay: checkbox,
  studentEarlyDeparture: checkbox,
  horizonDays: wholeNumber,
  attendanceLookbackDays: wholeNumber,
  provenancePresence: optionalText,
});

const secret = z.string().max(credentialMaxLength).optional();
const CredentialsForm = z.object({
  aimairaUsername: secret,
  aimairaPassword: secret,
  aimairaApiKey: secret,
  edusignApiKey: secret,
});

const SignInForm = z.object({ password: z.string().max(1000), next: z.string().max(2000).optional() });
const SetupForm = z.object({
  token: z.string().max(1000),
  password: z.string().max(1000),
  confirm: z.string().max(1000),
});
const SearchForm = z.object({ q: z.string().trim().min(1).max(200) });

/** Filters from the query string; a value that is not one of the known ones is ignored, not an error. */
const EventQuerySchema = z.object({
  level: z.enum(eventLevels).optional().catch(undefined),
  action: z.enum(eventActions).optional().catch(undefined),
  reason: z
    .enum(Object.keys(reasonCodes) as [ReasonCode, ...ReasonCode[]])
    .optional()
    .catch(undefined),
  date: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .optional()
    .catch(undefined),
  run: z.coerce.number().int().positive().optional().catch(undefined),
  aimairaId: z.coerce.number().int().positive().optional().catch(undefined),
  before: z.coerce.number().int().positive().optional().catch(undefined),
});

// ---- "Sync now" jobs ------------------------------------------------------------------------------------------

type JobEvent = { type: 'progress'; progress: SyncProgress } | { type: 'done' };

interface SyncJob {
  id: string;
  tenantId: string;
  last: SyncProgress | undefined;
  summary: SyncSummary | undefined;
  error: string | undefined;
  finishedAt: number | undefined;
  listeners: Set<(event: JobEvent) => void>;
}

// ---- The handler ------------------------------------------------------------------------------------------------

interface RequestState {
  request: IncomingMessage;
  response: ServerResponse;
  url: URL;
  /** The path under the dashboard's base, `/tenants/demo`. */
  path: string;
  lang: Lang;
  session: SignInSession | undefined;
}

export function createDashboard(deps: DashboardDeps): DashboardHandler {
  const base = (deps.basePath ?? '').replace(/\/+$/, '');
  const now = () => deps.clock.now();
  const sessions = createSessionRegistry({
    store: deps.store,
    now,
    idleMs: (deps.sessionIdleMinutes ?? 30) * 60_000,
    maxAgeMs: 12 * 60 * 60_000,
  });
  const throttle = createSignInThrottle(now);
  const jobs = new Map<string, SyncJob>();
  const defaultLang: Lang = deps.lang ?? 'fr';

  // The hash the password is checked against; undefined while the set-up page has not been used.
  const admin = deps.adminPassword;
  let passwordHash: Promise<string | undefined>;
  if ('hash' in admin) {
    if (!isAdminPasswordHash(admin.hash)) throw new Error('adminPassword.hash is not a hash made by hashAdminPassword');
    passwordHash = Promise.resolve(admin.hash);
  } else if ('plaintext' in admin) {
    if (admin.plaintext.length < minPasswordLength) {
      throw new Error(`the administrator password needs at least ${minPasswordLength} characters`);
    }
    passwordHash = hashAdminPassword(admin.plaintext);
  } else passwordHash = Promise.resolve(undefined);
  // Keeps an unhandled rejection away; the handler awaits it and reports.
  passwordHash.catch(() => undefined);

  const cookie = (name: string, value: string, maxAgeSeconds?: number) =>
    serializeCookie(name, value, {
      path: base || '/',
      httpOnly: true,
      secure: deps.secureCookies ?? false,
      ...(maxAgeSeconds !== undefined && { maxAgeSeconds }),
    });

  const context = (state: RequestState): PageContext => ({
    lang: state.lang,
    t: translator(state.lang),
    base,
    path: `${base}${state.path}`,
    csrfToken: state.session?.csrfToken,
    now: now(),
  });

  function sendHtml(state: RequestState, status: number, page: SafeHtml, headers: Record<string, string> = {}) {
    state.response.writeHead(status, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': contentSecurityPolicy,
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'same-origin',
      ...headers,
    });
    state.response.end(page.toString());
    return true;
  }

  function sendText(response: ServerResponse, status: number, text: string, headers: Record<string, string> = {}) {
    response.writeHead(status, {
      'content-type': 'text/plain; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      ...headers,
    });
    response.end(text);
    return true;
  }

  function redirect(response: ServerResponse, location: string, headers: Record<string, string | string[]> = {}) {
    response.writeHead(303, { location, 'cache-control': 'no-store', ...headers });
    response.end();
    return true;
  }

  const message = (state: RequestState, status: number, title: LabelKey, text: LabelKey) => {
    const ctx = context(state);
    return sendHtml(state, status, messagePage(ctx, ctx.t(title), ctx.t(text)));
  };

  async function readForm(request: IncomingMessage): Promise<Record<string, string> | undefined> {
    const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') return undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBodyBytes) return undefined;
      chunks.push(chunk);
    }
    const form: Record<string, string> = {};
    for (const [key, value] of new URLSearchParams(Buffer.concat(chunks).toString('utf8'))) {
      if (!Object.hasOwn(form, key)) form[key] = value;
    }
    return form;
  }

  /** A local path under the dashboard to go back to after sign-in; anything else goes to the tenants. */
  const safeNext = (next: string | undefined) =>
    next && next.startsWith(`${base}/`) && !next.startsWith('//') && !next.includes('\\') ? next : `${base}/`;

  // ---- Sign-in, set-up, sign-out -------------------------------------------------------------------------------

  async function signIn(state: RequestState, form: Record<string, string>) {
    const ctx = context(state);
    const parsed = SignInForm.safeParse(form);
    const next = parsed.success ? parsed.data.next : undefined;
    const key = state.request.socket.remoteAddress ?? 'unknown';
    const wait = throttle.waitMs(key);
    if (wait > 0) {
      return sendHtml(
        state,
        429,
        signInPage(ctx, { error: ctx.t('signInWait', { seconds: Math.ceil(wait / 1000) }) }),
        {
          'retry-after': String(Math.ceil(wait / 1000)),
        },
      );
    }
    const hash = await passwordHash;
    const ok = parsed.success && hash !== undefined && (await verifyAdminPassword(parsed.data.password, hash));
    if (!ok) {
      throttle.failed(key);
      return sendHtml(state, 401, signInPage(ctx, { error: ctx.t('signInWrong'), ...(next && { next }) }));
    }
    throttle.succeeded(key);
    // A new session id at each sign-in: an id planted before cannot be carried into a signed-in session.
    if (state.session) await sessions.end(state.session.id);
    const session = await sessions.create();
    return redirect(state.response, safeNext(next), { 'set-cookie': cookie(sessionCookie, session.id) });
  }

  async function setup(state: RequestState, form: Record<string, string>) {
    const ctx = context(state);
    if (!('setupToken' in admin) || (await passwordHash) !== undefined) {
      return redirect(state.response, `${base}/sign-in`);
    }
    const parsed = SetupForm.safeParse(form);
    const key = state.request.socket.remoteAddress ?? 'unknown';
    const wait = Math.ceil(throttle.waitMs(key) / 1000);
    if (wait > 0) {
      // The wait the throttle imposes, as sign-in says it: not a fixed figure that the next attempt contradicts.
      return sendHtml(state, 429, setupPage(ctx, { error: ctx.t('signInWait', { seconds: wait }) }), {
        'retry-after': String(wait),
      });
    }
    if (!parsed.success || !sameSecret(parsed.data.token, admin.setupToken)) {
      throttle.failed(key);
      return sendHtml(state, 403, setupPage(ctx, { error: ctx.t('setupBadToken') }));
    }
    if (parsed.data.password.length < minPasswordLength) {
      return sendHtml(state, 400, setupPage(ctx, { error: ctx.t('setupShort') }));
    }
    if (parsed.data.password !== parsed.data.confirm) {
      return sendHtml(state, 400, setupPage(ctx, { error: ctx.t('setupMismatch') }));
    }
    const hash = await hashAdminPassword(parsed.data.password);
    await admin.save(hash);
    passwordHash = Promise.resolve(hash);
    return sendHtml(state, 200, signInPage(ctx, { error: ctx.t('setupDone') }));
  }

  // ---- Tenants -------------------------------------------------------------------------------------------------

  function healthOf(tenant: { paused: boolean }, runs: readonly Run[]): TenantHealth {
    if (tenant.paused) return 'paused';
    const latest = ['down', 'up'].flatMap((direction) => {
      const run = runs.find((candidate) => candidate.direction === direction && candidate.status !== 'running');
      return run ? [run.status] : [];
    });
    if (latest.length === 0) return 'new';
    if (latest.some((status) => status === 'failed' || status === 'interrupted')) return 'failing';
    if (latest.includes('partial')) return 'partial';
    return 'healthy';
  }

  async function tenantsList(state: RequestState) {
    const all = await deps.tenants.list();
    const pages = Math.max(1, Math.ceil(all.length / tenantsPageSize));
    const page = Math.min(pages, Math.max(1, Number.parseInt(state.url.searchParams.get('page') ?? '1', 10) || 1));
    const shown = all.slice((page - 1) * tenantsPageSize, page * tenantsPageSize);
    const schedules = new Map((await deps.scheduler.status()).map((schedule) => [schedule.tenantId, schedule]));
    const rows: TenantRow[] = await Promise.all(
      shown.map(async (tenant) => {
        const runs = await deps.store.listRuns(tenant.id, 10);
        const [sheet, learner, facilitator] = await Promise.all(
          (['sheet', 'learner', 'facilitator'] as const).map(
            async (kind) => (await deps.store.listLinks(tenant.id, kind)).length,
          ),
        );
        return {
          id: tenant.id,
          health: healthOf(tenant, runs),
          pausedReason: tenant.pausedReason,
          lastRun: runs[0],
          schedule: schedules.get(tenant.id),
          links: { sheet: sheet ?? 0, learner: learner ?? 0, facilitator: facilitator ?? 0 },
        };
      }),
    );
    return sendHtml(state, 200, tenantsPage(context(state), rows, { page, pages, total: all.length }));
  }

  /** One page of events, newest first; with a day, only the events of the runs that started that (Paris) day. */
  async function eventsPage(tenantId: string, filter: EventQuery, runs: readonly Run[]) {
    const base = {
      tenantId,
      ...(filter.level && { level: filter.level }),
      ...(filter.action && { action: filter.action }),
      ...(filter.reason && { reason: filter.reason }),
      ...(filter.aimairaId !== undefined && { aimairaId: filter.aimairaId }),
      ...(filter.before !== undefined && { beforeId: filter.before }),
    };
    let events: SyncEvent[];
    if (filter.date === undefined) {
      events = await deps.store.listEvents({
        ...base,
        ...(filter.run !== undefined && { runId: filter.run }),
        limit: eventsPageSize + 1,
      });
    } else {
      // The store filters by run, not by time: a day is the runs that started on it, newest first. A tenant's runs
      // do not overlap, so their events come in id order run after run.
      const day = filter.date;
      const dayRuns = runs.filter(
        (run) => parisDate(run.startedAt) === day && (filter.run === undefined || run.id === filter.run),
      );
      events = [];
      for (const run of dayRuns) {
        if (events.length > eventsPageSize) break;
        events.push(
          ...(await deps.store.listEvents({ ...base, runId: run.id, limit: eventsPageSize + 1 - events.length })),
        );
      }
    }
    const more = events.length > eventsPageSize;
    const shown = events.slice(0, eventsPageSize);
    return { events: shown, olderBefore: more ? shown[shown.length - 1]?.id : undefined };
  }

  async function tenantView(
    state: RequestState,
    tenant: TenantDetails,
    extra: Pick<TenantPageData, 'notice' | 'matches'> = {},
    status = 200,
  ) {
    const filter = stripUndefined(EventQuerySchema.parse(Object.fromEntries(state.url.searchParams))) as EventQuery;
    const runs = await deps.store.listRuns(tenant.id, runsRead);
    const since = now() - (chartDays + 1) * 24 * 60 * 60_000;
    const [schedule] = await deps.scheduler.status(tenant.id);
    const { events, olderBefore } = await eventsPage(tenant.id, filter, runs);
    const data: TenantPageData = {
      tenant,
      health: healthOf(tenant, runs),
      schedule,
      // Read from the store: the run may be another process's, whose progress this one only knows from there.
      ...(schedule?.running && { live: { run: newestLive(await deps.store.listLiveRuns(tenant.id)) } }),
      runs: runs.slice(0, runsShown),
      chartRuns: runs.filter((run) => Date.parse(run.startedAt) >= since),
      events,
      olderBefore,
      filter,
      ...extra,
    };
    return sendHtml(state, status, tenantPage(context(state), data));
  }

  /** The search box of the events: a number is an Aimaira id; text is a session name, a person's name or e-mail. */
  async function search(state: RequestState, tenant: TenantDetails, form: Record<string, string>) {
    const ctx = context(state);
    const parsed = SearchForm.safeParse(form);
    const here = `${base}/tenants/${encodeURIComponent(tenant.id)}`;
    if (!parsed.success) return redirect(state.response, here);
    const text = parsed.data.q;
    if (/^\d{1,12}$/.test(text)) return redirect(state.response, `${here}?aimairaId=${Number(text)}#events-title`);
    try {
      const [sessions, people] = await Promise.all([
        deps.lookups.searchSessions(tenant.id, text),
        deps.lookups.findPeople(tenant.id, text),
      ]);
      const ids = [...sessions.map((session) => session.sessionId), ...people.map((person) => person.aimairaId)];
      // The typed text never goes into a URL (a name or an e-mail would end up in logs and history): only ids do.
      if (ids.length === 1) return redirect(state.response, `${here}?aimairaId=${ids[0]}#events-title`);
      if (ids.length === 0) {
        return tenantView(state, tenant, { notice: { kind: 'info', text: ctx.t('searchNothing') } });
      }
      return tenantView(state, tenant, { matches: { sessions: sessions.slice(0, 50), people: people.slice(0, 50) } });
    } catch (error) {
      return tenantView(state, tenant, { notice: { kind: 'error', text: lookupError(ctx.t, error) } }, 502);
    }
  }

  async function explain(state: RequestState, tenant: TenantDetails) {
    const ctx = context(state);
    const sessionInput = (state.url.searchParams.get('session') ?? '').trim().slice(0, 20);
    const searchInput = (state.url.searchParams.get('q') ?? '').trim().slice(0, 200);
    const data: Parameters<typeof explainPage>[1] = { tenantId: tenant.id, sessionInput, searchInput };
    try {
      if (/^\d{1,12}$/.test(sessionInput)) {
        data.explanation = await deps.lookups.explainSession(tenant.id, Number(sessionInput));
      } else if (searchInput.length >= 2) {
        data.matches = await deps.lookups.searchSessions(tenant.id, searchInput);
      }
    } catch (error) {
      data.error = lookupError(ctx.t, error);
      return sendHtml(state, 502, explainPage(ctx, data));
    }
    return sendHtml(state, 200, explainPage(ctx, data));
  }

  async function saveOptions(state: RequestState, tenant: TenantDetails, form: Record<string, string>) {
    const ctx = context(state);
    const problems: Record<string, string> = {};
    const parsed = OptionsForm.safeParse(form);
    let options: TenantOptions | undefined;
    if (parsed.success) {
      const checked = TenantOptions.safeParse(parsed.data);
      if (checked.success) options = checked.data;
      else {
        for (const issue of checked.error.issues) {
          const field = formatPath(issue.path);
          problems[field] =
            issue.code === 'too_small' || issue.code === 'too_big'
              ? ctx.t('notInRange', rangeOf(field))
              : field === 'structures'
                ? ctx.t('notIdList')
                : issue.message;
        }
      }
    } else {
      for (const issue of parsed.error.issues) {
        const field = formatPath(issue.path);
        problems[field] =
          issue.message === 'notAnInteger' || issue.message === 'notIdList' ? ctx.t(issue.message) : issue.message;
      }
    }
    const typed: Record<string, string | boolean> = {};
    for (const name of Object.keys(TenantOptions.shape)) {
      const value = form[name];
      typed[name] = booleanField(name) ? value === 'on' : (value ?? '');
    }
    if (!options) {
      return sendHtml(
        state,
        400,
        await settingsWithPreflight(ctx, {
          tenant,
          problems,
          typed,
          notice: { kind: 'error', text: ctx.t('optionsInvalid') },
        }),
      );
    }
    try {
      await deps.tenants.updateOptions(tenant.id, options);
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      return sendHtml(state, 400, await settingsWithPreflight(ctx, { tenant, typed, notice: { kind: 'error', text } }));
    }
    const updated = (await deps.tenants.get(tenant.id)) ?? tenant;
    return sendHtml(
      state,
      200,
      await settingsWithPreflight(ctx, { tenant: updated, notice: { kind: 'ok', text: ctx.t('optionsSaved') } }),
    );
  }

  /** The settings page, with the tenant's last preflight read from the store. */
  async function settingsWithPreflight(ctx: PageContext, data: SettingsPageData) {
    return settingsPage(ctx, { ...data, preflight: await deps.store.getPreflight(data.tenant.id) });
  }

  async function saveCredentials(state: RequestState, tenant: TenantDetails, form: Record<string, string>) {
    const ctx = context(state);
    const parsed = CredentialsForm.safeParse(form);
    const update: CredentialsUpdate = {};
    if (parsed.success) {
      const { aimairaUsername, aimairaPassword, aimairaApiKey, edusignApiKey } = parsed.data;
      const aimaira = {
        ...(aimairaUsername?.trim() && { username: aimairaUsername.trim() }),
        ...(aimairaPassword && { password: aimairaPassword }),
        ...(aimairaApiKey?.trim() && { apiKey: aimairaApiKey.trim() }),
      };
      if (Object.keys(aimaira).length > 0) update.aimaira = aimaira;
      if (edusignApiKey?.trim()) update.edusign = { apiKey: edusignApiKey.trim() };
    }
    const data: SettingsPageData = { tenant };
    const tooLong = parsed.success ? undefined : parsed.error.issues[0]?.path[0];
    if (tooLong !== undefined) {
      // A field over the limit is not an empty form: say which one (never its value), and save nothing.
      const field = tooLong in CredentialsForm.shape ? ctx.t(tooLong as keyof typeof CredentialsForm.shape) : '';
      const text = ctx.t('credentialsTooLong', { field, max: credentialMaxLength });
      return sendHtml(state, 400, await settingsWithPreflight(ctx, { tenant, notice: { kind: 'error', text } }));
    }
    if (!update.aimaira && !update.edusign) data.notice = { kind: 'info', text: ctx.t('credentialsEmpty') };
    else {
      try {
        await deps.tenants.updateCredentials(tenant.id, update);
        data.tenant = (await deps.tenants.get(tenant.id)) ?? tenant;
        data.notice = { kind: 'ok', text: ctx.t('credentialsSaved') };
      } catch (error) {
        // The message names the field at fault; it never repeats a value (the callers' errors do not).
        data.notice = { kind: 'error', text: error instanceof Error ? error.message : String(error) };
        return sendHtml(state, 400, await settingsWithPreflight(ctx, data));
      }
    }
    return sendHtml(state, 200, await settingsWithPreflight(ctx, data));
  }

  // ---- Sync now ------------------------------------------------------------------------------------------------

  function pruneJobs() {
    for (const [id, job] of jobs) {
      if (job.finishedAt !== undefined && now() - job.finishedAt > jobRetentionMs) jobs.delete(id);
    }
  }

  async function startSync(state: RequestState, tenant: TenantDetails) {
    pruneJobs();
    const job: SyncJob = {
      id: randomToken(16),
      tenantId: tenant.id,
      last: undefined,
      summary: undefined,
      error: undefined,
      finishedAt: undefined,
      listeners: new Set(),
    };
    const emit = (event: JobEvent) => {
      for (const listener of job.listeners) listener(event);
    };
    const result = await deps.scheduler.runNow(tenant.id, (progress) => {
      job.last = progress;
      emit({ type: 'progress', progress });
    });
    if (!result.accepted) {
      const ctx = context(state);
      return tenantView(
        state,
        tenant,
        { notice: { kind: 'error', text: ctx.t('syncBusy', { reason: result.reason }) } },
        409,
      );
    }
    jobs.set(job.id, job);
    result.done
      .then(
        (summary) => {
          job.summary = summary;
        },
        (error: unknown) => {
          job.error = error instanceof Error ? error.message : String(error);
          deps.onError?.(error, { path: state.path });
        },
      )
      .finally(() => {
        job.finishedAt = now();
        emit({ type: 'done' });
        job.listeners.clear();
      });
    return redirect(state.response, `${base}/tenants/${encodeURIComponent(tenant.id)}/sync/${job.id}`);
  }

  function syncEvents(state: RequestState, job: SyncJob) {
    const { response } = state;
    openEventStream(response);
    const send = (event: JobEvent) => {
      if (event.type === 'progress') response.write(`event: progress\ndata: ${JSON.stringify(event.progress)}\n\n`);
      else {
        response.write('event: done\ndata: {}\n\n');
        response.end();
      }
    };
    if (job.last) send({ type: 'progress', progress: job.last });
    if (job.finishedAt !== undefined) {
      send({ type: 'done' });
      return true;
    }
    const heartbeat = setInterval(() => response.write(': still running\n\n'), streamHeartbeatMs);
    heartbeat.unref();
    const listener = (event: JobEvent) => send(event);
    job.listeners.add(listener);
    response.on('close', () => {
      clearInterval(heartbeat);
      job.listeners.delete(listener);
    });
    return true;
  }

  // ---- A live run, from the store ---------------------------------------------------------------------------------

  /**
   * The progress of the tenant's live run as server-sent events, read from the store (whichever process runs it), in
   * the shape of "sync now"'s stream so that the same script shows it; `done` once the tenant is no longer running.
   */
  function liveEvents(state: RequestState, tenant: TenantDetails) {
    const { response } = state;
    openEventStream(response);
    let closed = false;
    let timer: NodeJS.Timeout | undefined;
    let sent = '';
    let quietPolls = 0;
    const end = () => {
      if (closed) return;
      closed = true;
      response.write('event: done\ndata: {}\n\n');
      response.end();
    };
    const poll = async () => {
      const live = newestLive(await deps.store.listLiveRuns(tenant.id));
      // No run in the store: between down and up, or before the first starts, the tenant's lock still says running.
      if (!live && !(await deps.scheduler.status(tenant.id))[0]?.running) return end();
      if (closed) return;
      const progress: SyncProgress = live
        ? { direction: live.direction, stage: live.progress ? 'writing' : 'started', ...liveCounts(live) }
        : { direction: 'down', stage: 'started', done: 0, total: 0 };
      const text = JSON.stringify(progress);
      if (text !== sent) {
        response.write(`event: progress\ndata: ${text}\n\n`);
        sent = text;
        quietPolls = 0;
      } else if (++quietPolls * livePollMs >= streamHeartbeatMs) {
        response.write(': still running\n\n');
        quietPolls = 0;
      }
      timer = setTimeout(next, livePollMs);
      timer.unref();
    };
    const next = () => {
      poll().catch((error: unknown) => {
        deps.onError?.(error, { path: state.path });
        end();
      });
    };
    response.on('close', () => {
      closed = true;
      clearTimeout(timer);
    });
    next();
    return true;
  }

  // ---- Routing ---------------------------------------------------------------------------------------------------

  async function route(state: RequestState): Promise<boolean> {
    const { request, response, path } = state;
    const method = request.method ?? 'GET';

    if (path === '/static/dashboard.css' || path === '/static/dashboard.js') {
      const css = path.endsWith('.css');
      response.writeHead(200, {
        'content-type': css ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8',
        'cache-control': 'public, max-age=3600',
        'x-content-type-options': 'nosniff',
      });
      response.end(css ? dashboardCss : dashboardJs);
      return true;
    }

    const isPost = method === 'POST';
    if (method !== 'GET' && method !== 'HEAD' && !isPost) {
      return sendText(response, 405, 'Method not allowed\n', { allow: 'GET, POST' });
    }
    if (isPost) {
      const refusal = crossSiteRefusal(request);
      if (refusal) return sendText(response, 403, `Refused: ${refusal}.\n`);
    }

    // No password yet: only the set-up page.
    if ((await passwordHash) === undefined) {
      if (path === '/setup') {
        if (!isPost) {
          // The link the service logs carries the one-time token: fill it in (it is only good until the password
          // is set). Anything that does not look like one is ignored.
          const token = state.url.searchParams.get('token') ?? '';
          return sendHtml(
            state,
            200,
            setupPage(context(state), /^[A-Za-z0-9_-]{16,100}$/.test(token) ? { token } : {}),
          );
        }
        const form = await readForm(request);
        return form ? setup(state, form) : sendText(response, 400, 'Expected a form.\n');
      }
      return isPost
        ? sendText(response, 401, 'Set the administrator password first.\n')
        : redirect(response, `${base}/setup`);
    }

    if (path === '/sign-in' || path === '/setup') {
      if (path === '/setup') return redirect(response, `${base}/sign-in`);
      if (!isPost) {
        const next = state.url.searchParams.get('next') ?? undefined;
        return sendHtml(state, 200, signInPage(context(state), next ? { next: safeNext(next) } : {}));
      }
      const form = await readForm(request);
      return form ? signIn(state, form) : sendText(response, 400, 'Expected a form.\n');
    }

    if (!state.session) {
      const wantsHtml = !isPost && (request.headers.accept ?? 'text/html').includes('text/html');
      if (wantsHtml) return redirect(response, `${base}/sign-in?next=${encodeURIComponent(`${base}${path}`)}`);
      return sendText(response, 401, 'Sign in first.\n', { 'www-authenticate': 'Cookie' });
    }
    const session = state.session;

    let form: Record<string, string> | undefined;
    if (isPost) {
      form = await readForm(request);
      if (!form || !validCsrfToken(session, form['csrf'])) return message(state, 403, 'refusedTitle', 'csrfRefused');
    }

    if (path === '/sign-out' && form) {
      await sessions.end(session.id);
      state.session = undefined;
      return redirect(response, `${base}/sign-in`, { 'set-cookie': cookie(sessionCookie, '', 0) });
    }
    if (path === '/' && !isPost) return tenantsList(state);

    const match = /^\/tenants\/([^/]+)(\/.*)?$/.exec(path);
    if (!match) return message(state, 404, 'notFoundTitle', 'notFound');
    const tenantId = decodeURIComponent(match[1] ?? '');
    const rest = match[2] ?? '';
    const tenant = tenantIdPattern.test(tenantId) ? await deps.tenants.get(tenantId) : undefined;
    if (!tenant) return message(state, 404, 'notFoundTitle', 'tenantNotFound');

    if (rest === '' && !isPost) return tenantView(state, tenant);
    if (rest === '/search' && form) return search(state, tenant, form);
    if (rest === '/explain' && !isPost) return explain(state, tenant);
    if (rest === '/settings') {
      return form
        ? saveOptions(state, tenant, form)
        : sendHtml(state, 200, await settingsWithPreflight(context(state), { tenant }));
    }
    if (rest === '/credentials' && form) return saveCredentials(state, tenant, form);
    if (rest === '/check' && form) {
      const check = await deps.tenants.check(tenant.id);
      return sendHtml(state, 200, await settingsWithPreflight(context(state), { tenant, check }));
    }
    if (rest === '/sync' && form) return startSync(state, tenant);
    if (rest === '/live/events' && !isPost) return liveEvents(state, tenant);
    const syncMatch = /^\/sync\/([A-Za-z0-9_-]{16,64})(\/events)?$/.exec(rest);
    const job = syncMatch ? jobs.get(syncMatch[1] ?? '') : undefined;
    if (syncMatch && !isPost) {
      if (!job || job.tenantId !== tenant.id) return message(state, 404, 'notFoundTitle', 'notFound');
      if (syncMatch[2]) return syncEvents(state, job);
      return sendHtml(
        state,
        200,
        syncPage(context(state), {
          tenantId: tenant.id,
          jobId: job.id,
          summary: job.summary,
          error: job.finishedAt !== undefined && !job.summary ? (job.error ?? 'unknown error') : undefined,
        }),
      );
    }
    return message(state, 404, 'notFoundTitle', 'notFound');
  }

  return async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://dashboard');
    if (base && url.pathname !== base && !url.pathname.startsWith(`${base}/`)) return false;
    const path = url.pathname.slice(base.length) || '/';
    if (!ownsPath(path)) return false;

    const cookies = parseCookies(request.headers.cookie);
    const asked = url.searchParams.get('lang');
    const remembered = cookies.get(langCookie);
    const lang: Lang = isLang(asked) ? asked : isLang(remembered) ? remembered : defaultLang;
    if (isLang(asked)) response.appendHeader('set-cookie', cookie(langCookie, asked, 365 * 24 * 3600));
    const state: RequestState = { request, response, url, path, lang, session: undefined };
    try {
      // The stylesheet and the script need no session: no look-up in the store for them.
      if (!path.startsWith('/static/')) state.session = await sessions.touch(cookies.get(sessionCookie));
      return await route(state);
    } catch (error) {
      deps.onError?.(error, { path });
      if (!response.headersSent) message(state, 500, 'errorTitle', 'errorText');
      else response.destroy();
      return true;
    }
  };
}

/** The paths the dashboard answers; anything else is the host's. */
function ownsPath(path: string): boolean {
  return (
    path === '/' ||
    path === '/sign-in' ||
    path === '/sign-out' ||
    path === '/setup' ||
    path.startsWith('/static/dashboard.') ||
    path.startsWith('/tenants/')
  );
}

function booleanField(name: string): boolean {
  return ![
    'structures',
    'defaultProfsForEvenementsCommun',
    'horizonDays',
    'attendanceLookbackDays',
    'provenancePresence',
  ].includes(name);
}

function rangeOf(field: string): { min: number; max: number } {
  return field === 'horizonDays' ? { min: 0, max: 90 } : { min: 1, max: 365 };
}

function lookupError(t: ReturnType<typeof translator>, error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return t('lookupFailed', { error: text.replace(/[^\s@]+@[^\s@]+/g, '[e-mail]') });
}

/** The newest of a tenant's live runs: a run a dead process left `running` is older than the one going on. */
function newestLive(runs: readonly LiveRun[]): LiveRun | undefined {
  return runs[runs.length - 1];
}

function liveCounts(live: LiveRun): { done: number; total: number } {
  return { done: live.progress?.done ?? 0, total: live.progress?.total ?? 0 };
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as T;
}

/** Starts a server-sent events answer: "sync now"'s stream and a live run's have the same head. */
function openEventStream(response: ServerResponse): void {
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    connection: 'keep-alive',
  });
}
