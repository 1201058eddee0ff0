/**
 * The dashboard's JSON API, mounted at `/api/v1` (src/web/dashboard.ts): a personal API token (`Authorization:
 * Bearer aes_…`) acts as its owner, with the owner's roles read again at every request. Every route is added with
 * its access through `ApiRoutes` (./routing.ts), which also makes the OpenAPI 3.1 document; errors are RFC 9457
 * problem details (./problem.ts). The routes and their answers are described in docs/api.md.
 */
import { createRoute } from '@hono/zod-openapi';
import type { Hono } from 'hono';

import type { Run, SyncEvent } from '../../store/port.js';
import { visibleTenants } from '../access.js';
import type { TenantDetails, TenantSchedule, TenantSummary as TenantSummaryData } from '../deps.js';
import type { Web, WebContext, WebEnv } from '../env.js';
import { audit } from '../env.js';
import { redactEmails } from '../html.js';
import type { EventQuery } from '../pages.js';
import type { RouteSpec } from '../routing.js';
import { eventsPage, healthOf, runsRead } from '../routes/tenant.js';
import { problem, problemResponse } from './problem.js';
import { ApiRoutes, apiMount } from './routing.js';
import {
  EventList,
  EventsQuery,
  Explanation,
  JobParams,
  Me,
  OpenApiDocument,
  PageQuery,
  RunList,
  RunsQuery,
  SessionParams,
  SyncStarted,
  SyncStatus,
  Tenant,
  TenantList,
  TenantParam,
} from './schemas.js';
import type { TenantSummary as TenantSummaryOut } from './schemas.js';

export { newApiToken, hashApiToken } from './tokens.js';
export { apiMount } from './routing.js';

const tenantsPageSize = 50;
/** The runs read for a tenant's health and last runs. */
const recentRuns = 10;

export interface Api {
  /** The app to mount at `/api/v1`. */
  app: Hono<WebEnv>;
  /** Every route with its access, paths with the mount's prefix (`/api/v1/tenants/:tenant`). */
  routes: RouteSpec[];
}

export function createApi(web: Web): Api {
  const routes = new ApiRoutes(web);
  const json = 'application/json';
  const tenantTag = ['Tenants'];

  routes.add(
    'signed-in',
    createRoute({
      method: 'get',
      path: '/tenants',
      tags: tenantTag,
      summary: 'The tenants the account sees, with their health and last runs',
      request: { query: PageQuery },
      responses: { 200: { description: 'A page of tenants, by id.', content: { [json]: { schema: TenantList } } } },
    }),
    async (c) => {
      const { page } = c.req.valid('query');
      const user = principalOf(c).user;
      const all = visibleTenants(user, await web.deps.tenants.list());
      const pages = Math.max(1, Math.ceil(all.length / tenantsPageSize));
      const shown = all.slice((page - 1) * tenantsPageSize, page * tenantsPageSize);
      const schedules = new Map((await web.deps.scheduler.status()).map((schedule) => [schedule.tenantId, schedule]));
      const tenants = await Promise.all(
        shown.map(async (tenant) => summary(tenant, await web.deps.store.listRuns(tenant.id, recentRuns), schedules)),
      );
      return c.json({ tenants, page, pages, total: all.length }, 200);
    },
  );

  routes.add(
    'tenant:view',
    createRoute({
      method: 'get',
      path: '/tenants/{tenant}',
      tags: tenantTag,
      summary: 'One tenant: health, schedule, last runs, addresses and options (never a credential)',
      request: { params: TenantParam },
      responses: { 200: { description: 'The tenant.', content: { [json]: { schema: Tenant } } } },
    }),
    async (c) => {
      const tenant: TenantDetails = c.get('tenant');
      const runs = await web.deps.store.listRuns(tenant.id, recentRuns);
      const schedules = new Map((await web.deps.scheduler.status(tenant.id)).map((s) => [s.tenantId, s]));
      return c.json(
        {
          ...summary(tenant, runs, schedules),
          aimaira: { url: tenant.aimaira.url, access: tenant.aimaira.access },
          edusign: { url: tenant.edusign.url },
          options: tenant.options,
          retention: tenant.retention ?? null,
        },
        200,
      );
    },
  );

  routes.add(
    'tenant:view',
    createRoute({
      method: 'get',
      path: '/tenants/{tenant}/runs',
      tags: tenantTag,
      summary: "The tenant's runs, newest first",
      request: { params: TenantParam, query: RunsQuery },
      responses: { 200: { description: 'The runs.', content: { [json]: { schema: RunList } } } },
    }),
    async (c) => {
      const { limit } = c.req.valid('query');
      const runs = await web.deps.store.listRuns(c.get('tenant').id, limit);
      return c.json({ runs: runs.map(runOut) }, 200);
    },
  );

  routes.add(
    'tenant:view',
    createRoute({
      method: 'get',
      path: '/tenants/{tenant}/events',
      tags: tenantTag,
      summary: "The tenant's events, newest first, 50 a page, with the dashboard's filters",
      request: { params: TenantParam, query: EventsQuery },
      responses: { 200: { description: 'A page of events.', content: { [json]: { schema: EventList } } } },
    }),
    async (c) => {
      const filter = withoutUndefined(c.req.valid('query')) as EventQuery;
      const tenantId = c.get('tenant').id;
      const runs = filter.date === undefined ? [] : await web.deps.store.listRuns(tenantId, runsRead);
      const { events, olderBefore } = await eventsPage(web, tenantId, filter, runs);
      return c.json({ events: events.map(eventOut), next: olderBefore ?? null }, 200);
    },
  );

  routes.add(
    'tenant:manage',
    createRoute({
      method: 'get',
      path: '/tenants/{tenant}/explain/{session}',
      tags: tenantTag,
      summary: "Why a session's sheet comes down or not (read live from Aimaira and Edusign)",
      request: { params: SessionParams },
      responses: {
        200: { description: 'The explanation.', content: { [json]: { schema: Explanation } } },
        502: problemResponse('Aimaira or Edusign did not answer the look-up.'),
      },
    }),
    async (c) => {
      const { session } = c.req.valid('param');
      let explanation: unknown;
      try {
        explanation = await web.deps.lookups.explainSession(c.get('tenant').id, session);
      } catch (error) {
        const text = error instanceof Error ? error.message : String(error);
        return problem(c, 502, `The live look-up failed: ${text}`);
      }
      return c.json(redactStrings(explanation) as Explanation, 200);
    },
  );

  routes.add(
    'tenant:manage',
    createRoute({
      method: 'post',
      path: '/tenants/{tenant}/sync',
      tags: tenantTag,
      summary: 'Starts a sync (down, then up) now',
      request: { params: TenantParam },
      responses: {
        202: {
          description: 'Started; follow it at `Location` (kept an hour after it ends).',
          headers: { Location: { description: 'The sync to follow.', schema: { type: 'string' } } },
          content: { [json]: { schema: SyncStarted } },
        },
        409: problemResponse('Refused: e.g. a sync of this tenant is running, or the tenant is paused.'),
      },
    }),
    async (c) => {
      const tenant = c.get('tenant');
      const job = web.jobs.create(tenant.id);
      const result = await web.deps.scheduler.runNow(tenant.id, (progress) => web.jobs.progress(job, progress));
      // As the page's "sync now": a refused attempt is audited too.
      await audit(
        web,
        c,
        'tenant.sync',
        { accepted: result.accepted, ...(result.accepted && { job: job.id }) },
        tenant.id,
      );
      if (!result.accepted) return problem(c, 409, `The sync was not started: ${result.reason}`);
      const path = new URL(c.req.url).pathname;
      web.jobs.register(job, result.done, (error) => web.deps.onError?.(error, { path }));
      const follow = `${web.base}${apiMount}/tenants/${encodeURIComponent(tenant.id)}/syncs/${job.id}`;
      return c.json({ job: job.id, tenantId: tenant.id, follow }, 202, { Location: follow });
    },
  );

  routes.add(
    'tenant:view',
    createRoute({
      method: 'get',
      path: '/tenants/{tenant}/syncs/{job}',
      tags: tenantTag,
      summary: 'A sync started from this service: its progress, then its outcome',
      request: { params: JobParams },
      responses: {
        200: { description: 'Where the sync stands.', content: { [json]: { schema: SyncStatus } } },
        404: problemResponse('No such sync of this tenant (or it ended over an hour ago).'),
      },
    }),
    (c) => {
      const tenant = c.get('tenant');
      const job = web.jobs.get(c.req.valid('param').job);
      if (!job || job.tenantId !== tenant.id) return problem(c, 404, 'No such sync of this tenant.');
      return c.json(
        {
          job: job.id,
          tenantId: job.tenantId,
          finished: job.finishedAt !== undefined,
          progress: job.last
            ? { direction: job.last.direction, stage: job.last.stage, done: job.last.done, total: job.last.total }
            : null,
          summary: job.summary
            ? {
                status: job.summary.status,
                directions: job.summary.directions.map((direction) => ({
                  ...direction,
                  error: direction.error === null ? null : redactEmails(direction.error),
                })),
              }
            : null,
          error: job.error === undefined ? null : redactEmails(job.error),
        },
        200,
      );
    },
  );

  routes.add(
    'signed-in',
    createRoute({
      method: 'get',
      path: '/me',
      tags: ['Account'],
      summary: "The token's account: e-mail, operator, roles by tenant",
      responses: { 200: { description: 'The account.', content: { [json]: { schema: Me } } } },
    }),
    (c) => {
      const { user } = principalOf(c);
      return c.json({ email: user.email, operator: user.operator, grants: user.grants }, 200);
    },
  );

  let document: ReturnType<ApiRoutes['document']> | undefined;
  routes.add(
    'public',
    createRoute({
      method: 'get',
      path: '/openapi.json',
      tags: ['API'],
      summary: 'This OpenAPI 3.1 document',
      responses: { 200: { description: 'The document.', content: { [json]: { schema: OpenApiDocument } } } },
    }),
    (c) => {
      document ??= routes.document(
        {
          title: 'aimaira-edusign',
          version: '1',
          description:
            'The API of the Aimaira ↔ Edusign connector: tenants, runs, events, explanations, sync now. ' +
            'Authenticate with a personal API token made on the account page: `Authorization: Bearer aes_…`.',
        },
        serverUrl(web),
      );
      return c.json(document as unknown as OpenApiDocument, 200);
    },
  );

  return { app: routes.app, routes: routes.table };
}

function principalOf(c: WebContext) {
  const principal = c.get('principal');
  // The guard of a non-public route set it; a route without one would be a bug of this module.
  if (!principal) throw new Error('An API route ran without its account');
  return principal;
}

function serverUrl(web: Web): string {
  const path = `${web.base}${apiMount}`;
  return web.publicUrl === undefined ? path : `${web.publicUrl}${path}`;
}

function summary(
  tenant: TenantSummaryData,
  runs: readonly Run[],
  schedules: ReadonlyMap<string, TenantSchedule>,
): TenantSummaryOut {
  const latest = (direction: Run['direction']) => {
    const run = runs.find((candidate) => candidate.direction === direction);
    return run ? runOut(run) : null;
  };
  const schedule = schedules.get(tenant.id);
  return {
    id: tenant.id,
    health: healthOf(tenant, runs),
    paused: tenant.paused,
    pausedReason: tenant.pausedReason === null ? null : redactEmails(tenant.pausedReason),
    lastRuns: { down: latest('down'), up: latest('up') },
    schedule: schedule ? { nextRuns: schedule.nextRuns, running: schedule.running, missed: schedule.missed } : null,
  };
}

function runOut(run: Run): Run_ {
  return {
    id: run.id,
    direction: run.direction,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    status: run.status,
    counts: run.counts,
    error: run.error === null ? null : redactEmails(run.error),
  };
}
type Run_ = Omit<Run, 'tenantId'>;

function eventOut(event: SyncEvent) {
  return {
    id: event.id ?? 0,
    runId: event.runId,
    at: event.at,
    level: event.level,
    action: event.action,
    recordKind: event.recordKind,
    aimairaId: event.aimairaId,
    edusignId: event.edusignId,
    reason: event.reason,
    message: redactEmails(event.message),
  };
}

/** Every string of a look-up's answer through `redactEmails`: the answer names people by id only, and stays so. */
function redactStrings(value: unknown): unknown {
  if (typeof value === 'string') return redactEmails(value);
  if (Array.isArray(value)) return value.map(redactStrings);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactStrings(item)]));
  }
  return value;
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as T;
}
