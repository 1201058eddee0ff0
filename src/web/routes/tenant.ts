/**
 * The tenants the account sees, and one tenant's page: health, schedule, runs, events with their filters, the
 * search, explain, the live run's stream, its audit; pause and resume for its managers.
 */
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';

import { reasonCodes } from '../../domain/reasons.js';
import type { ReasonCode } from '../../domain/reasons.js';
import { eventActions, eventLevels } from '../../store/port.js';
import type { LiveRun, Run, SyncEvent } from '../../store/port.js';
import { visibleTenants } from '../access.js';
import { chartDays } from '../chart.js';
import type { SyncProgress, TenantDetails } from '../deps.js';
import type { Web, WebContext } from '../env.js';
import { audit, pageContext, readForm, seeOther, sendPage, tenantPageContext } from '../env.js';
import { parisDate } from '../format.js';
import { explainPage, tenantPage, tenantsPage } from '../pages.js';
import type { EventQuery, TenantHealth, TenantPageData, TenantRow } from '../pages.js';
import type { Routes } from '../routing.js';
import type { Translate } from '../i18n.js';

/** Events per page: enough to scan, few enough to page through hundreds of thousands by `beforeId`. */
export const eventsPageSize = 50;
const tenantsPageSize = 50;
const runsShown = 20;
/** Enough runs for 30 days at several runs a day, and for a date filter over the last months. */
export const runsRead = 1000;
const auditShown = 20;
/** How often the stream of a live run reads the store: the runs save their progress about once a second. */
const livePollMs = 1_000;
/** A comment now and then keeps proxies from closing a quiet stream. */
const streamHeartbeatMs = 15_000;

const SearchForm = z.object({ q: z.string().trim().min(1).max(200) });
const PauseForm = z.object({ reason: z.string().trim().max(300).optional() });

/** Filters from the query string; a value that is not one of the known ones is ignored, not an error. */
export const EventQuerySchema = z.object({
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

export function parseEventQuery(query: Record<string, string>): EventQuery {
  return stripUndefined(EventQuerySchema.parse(query)) as EventQuery;
}

export function healthOf(tenant: { paused: boolean }, runs: readonly Run[]): TenantHealth {
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

/** One page of events, newest first; with a day, only the events of the runs that started that (Paris) day. */
export async function eventsPage(web: Web, tenantId: string, filter: EventQuery, runs: readonly Run[]) {
  const { store } = web.deps;
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
    events = await store.listEvents({
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
      events.push(...(await store.listEvents({ ...base, runId: run.id, limit: eventsPageSize + 1 - events.length })));
    }
  }
  const more = events.length > eventsPageSize;
  const shown = events.slice(0, eventsPageSize);
  return { events: shown, olderBefore: more ? shown[shown.length - 1]?.id : undefined };
}

export async function tenantView(
  web: Web,
  c: WebContext,
  extra: Pick<TenantPageData, 'notice' | 'matches'> = {},
  status = 200,
) {
  const { store, scheduler, accounts } = web.deps;
  const tenant = c.get('tenant');
  const filter = parseEventQuery(c.req.query());
  const runs = await store.listRuns(tenant.id, runsRead);
  const since = web.now() - (chartDays + 1) * 24 * 60 * 60_000;
  const [schedule] = await scheduler.status(tenant.id);
  const { events, olderBefore } = await eventsPage(web, tenant.id, filter, runs);
  const data: TenantPageData = {
    tenant,
    health: healthOf(tenant, runs),
    schedule,
    // Read from the store: the run may be another process's, whose progress this one only knows from there.
    ...(schedule?.running && { live: { run: newestLive(await store.listLiveRuns(tenant.id)) } }),
    runs: runs.slice(0, runsShown),
    chartRuns: runs.filter((run) => Date.parse(run.startedAt) >= since),
    events,
    olderBefore,
    filter,
    audit: await accounts.listAudit({ tenantId: tenant.id, limit: auditShown }),
    ...((await web.deps.webhooks?.endpoints.get(tenant.id))?.enabled && {
      realtime: { last: (await web.deps.webhooks?.inbox.lastWebhookMessages(tenant.id)) ?? {} },
    }),
    ...extra,
  };
  return sendPage(c, status, tenantPage(tenantPageContext(web, c), data));
}

export function tenantRoutes(routes: Routes, web: Web): void {
  const here = (tenant: TenantDetails) => `${web.base}/tenants/${encodeURIComponent(tenant.id)}`;

  routes.get('/', 'signed-in', async (c) => {
    const user = c.get('principal')!.user;
    const all = visibleTenants(user, await web.deps.tenants.list());
    const pages = Math.max(1, Math.ceil(all.length / tenantsPageSize));
    const page = Math.min(pages, Math.max(1, Number.parseInt(c.req.query('page') ?? '1', 10) || 1));
    const shown = all.slice((page - 1) * tenantsPageSize, page * tenantsPageSize);
    const schedules = new Map((await web.deps.scheduler.status()).map((schedule) => [schedule.tenantId, schedule]));
    const rows: TenantRow[] = await Promise.all(
      shown.map(async (tenant) => {
        const runs = await web.deps.store.listRuns(tenant.id, 10);
        const [sheet, learner, facilitator] = await Promise.all(
          (['sheet', 'learner', 'facilitator'] as const).map(
            async (kind) => (await web.deps.store.listLinks(tenant.id, kind)).length,
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
    return sendPage(c, 200, tenantsPage(pageContext(web, c), rows, { page, pages, total: all.length }));
  });

  routes.get('/tenants/:tenant', 'tenant:view', (c) => tenantView(web, c));

  /** The search box of the events: a number is an Aimaira id; text is a session name, a person's name or e-mail. */
  routes.post('/tenants/:tenant/search', 'tenant:manage', async (c) => {
    const tenant = c.get('tenant');
    const ctx = pageContext(web, c);
    const parsed = SearchForm.safeParse((await readForm(c)) ?? {});
    if (!parsed.success) return seeOther(c, here(tenant));
    const text = parsed.data.q;
    if (/^\d{1,12}$/.test(text)) return seeOther(c, `${here(tenant)}?aimairaId=${Number(text)}#events-title`);
    try {
      const [sessions, people] = await Promise.all([
        web.deps.lookups.searchSessions(tenant.id, text),
        web.deps.lookups.findPeople(tenant.id, text),
      ]);
      const ids = [...sessions.map((session) => session.sessionId), ...people.map((person) => person.aimairaId)];
      // The typed text never goes into a URL (a name or an e-mail would end up in logs and history): only ids do.
      if (ids.length === 1) return seeOther(c, `${here(tenant)}?aimairaId=${ids[0]}#events-title`);
      if (ids.length === 0) return tenantView(web, c, { notice: { kind: 'info', text: ctx.t('searchNothing') } });
      return tenantView(web, c, { matches: { sessions: sessions.slice(0, 50), people: people.slice(0, 50) } });
    } catch (error) {
      return tenantView(web, c, { notice: { kind: 'error', text: lookupError(ctx.t, error) } }, 502);
    }
  });

  routes.get('/tenants/:tenant/explain', 'tenant:manage', async (c) => {
    const tenant = c.get('tenant');
    const ctx = pageContext(web, c);
    const sessionInput = (c.req.query('session') ?? '').trim().slice(0, 20);
    const searchInput = (c.req.query('q') ?? '').trim().slice(0, 200);
    const data: Parameters<typeof explainPage>[1] = { tenantId: tenant.id, sessionInput, searchInput };
    try {
      if (/^\d{1,12}$/.test(sessionInput)) {
        data.explanation = await web.deps.lookups.explainSession(tenant.id, Number(sessionInput));
      } else if (searchInput.length >= 2) {
        data.matches = await web.deps.lookups.searchSessions(tenant.id, searchInput);
      }
    } catch (error) {
      data.error = lookupError(ctx.t, error);
      return sendPage(c, 502, explainPage(ctx, data));
    }
    return sendPage(c, 200, explainPage(ctx, data));
  });

  routes.post('/tenants/:tenant/pause', 'tenant:manage', async (c) => {
    const tenant = c.get('tenant');
    const ctx = pageContext(web, c);
    const parsed = PauseForm.safeParse((await readForm(c)) ?? {});
    const given = parsed.success ? parsed.data.reason : undefined;
    const reason = `${ctx.t('pausedBy', { who: c.get('principal')!.user.email })}${given ? `: ${given}` : ''}`;
    await web.deps.tenants.pause(tenant.id, reason);
    await audit(web, c, 'tenant.pause', { reason: given ?? null }, tenant.id);
    await tellAlerts(web, () => web.deps.alerts?.tenantPaused(tenant.id, reason));
    return seeOther(c, here(tenant));
  });

  routes.post('/tenants/:tenant/resume', 'tenant:manage', async (c) => {
    const tenant = c.get('tenant');
    await web.deps.tenants.resume(tenant.id);
    await audit(web, c, 'tenant.resume', {}, tenant.id);
    await tellAlerts(web, () => web.deps.alerts?.tenantResumed(tenant.id));
    return seeOther(c, here(tenant));
  });

  routes.get('/tenants/:tenant/live/events', 'tenant:view', (c) => liveEvents(web, c, c.get('tenant')));
}

/** An alert that cannot go out is the service's problem to log, not the person's who paused: the page goes on. */
async function tellAlerts(web: Web, tell: () => Promise<unknown> | undefined): Promise<void> {
  try {
    await tell();
  } catch (error) {
    web.deps.onError?.(error, { path: 'alerts' });
  }
}

/**
 * The progress of the tenant's live run as server-sent events, read from the store (whichever process runs it), in
 * the shape of "sync now"'s stream so that the same script shows it; `done` once the tenant is no longer running.
 */
function liveEvents(web: Web, c: WebContext, tenant: TenantDetails) {
  c.header('cache-control', 'no-store');
  return streamSSE(c, async (stream) => {
    let sent = '';
    let quietPolls = 0;
    while (!stream.aborted) {
      const live = newestLive(await web.deps.store.listLiveRuns(tenant.id));
      // No run in the store: between down and up, or before the first starts, the tenant's lock still says running.
      if (!live && !(await web.deps.scheduler.status(tenant.id))[0]?.running) break;
      const progress: SyncProgress = live
        ? { direction: live.direction, stage: live.progress ? 'writing' : 'started', ...liveCounts(live) }
        : { direction: 'down', stage: 'started', done: 0, total: 0 };
      const text = JSON.stringify(progress);
      if (text !== sent) {
        await stream.writeSSE({ event: 'progress', data: text });
        sent = text;
        quietPolls = 0;
      } else if (++quietPolls * livePollMs >= streamHeartbeatMs) {
        await stream.write(': still running\n\n');
        quietPolls = 0;
      }
      await stream.sleep(livePollMs);
    }
    if (!stream.aborted) await stream.writeSSE({ event: 'done', data: '{}' });
  });
}

function lookupError(t: Translate, error: unknown): string {
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
