/**
 * The dashboard of one process shows the run of another, through the store: a "worker" holds the tenant's lock and
 * runs with one handle of a SQLite file; the service's dashboard deps read through another handle of the same file,
 * with a scheduler that (like the real one) knows the run only from the lock, as not in this process.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { serveDashboard } from '../../test/dashboard-server.js';

import { createManualClock } from '../clock.js';
import { TenantConfig } from '../config/config.js';
import { openSqliteStore } from '../store/sqlite.js';
import type { SqliteStateStore } from '../store/sqlite.js';
import { createDashboard } from '../web/dashboard.js';
import { hashPassword } from '../web/security.js';
import { createServiceDashboardDeps } from './dashboard-deps.js';
import type { Scheduler, SchedulerStatus } from './scheduler.js';

const password = 'le mot de passe des tests';
const tenant = TenantConfig.parse({
  id: 'acme',
  aimaira: { url: 'https://acme.aimaira.example/GraphV1', username: 'api', password: 'aimaira-secret' },
  edusign: { url: 'https://ext.edusign.fr', apiKey: 'edusign-secret' },
  options: {},
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The scheduler's status as the real one makes it for a run of another process: from the tenant's lock alone. */
function lockWatchingScheduler(store: SqliteStateStore): Pick<Scheduler, 'status' | 'resume'> {
  return {
    async status(query = {}): Promise<SchedulerStatus> {
      const lock = await store.schedule.getLock(tenant.id);
      const at = new Date().toISOString();
      const tenants = query.tenantId === undefined || query.tenantId === tenant.id ? [tenant.id] : [];
      return {
        state: 'running',
        holder: 'web-process',
        at,
        windows: [],
        tenants: tenants.map((tenantId) => ({
          tenantId,
          tenantStatus: 'active',
          state: lock ? 'running' : 'waiting',
          running: lock
            ? { trigger: null, startedAt: lock.acquiredAt, holder: lock.holder, occurrence: null, inThisProcess: false }
            : null,
          paused: null,
          failureStreak: null,
          lastRun: null,
          next: [],
          missed: [],
          history: [],
        })),
      };
    },
    resume: () => Promise.resolve(false),
  };
}

async function setUp() {
  const dir = await mkdtemp(join(tmpdir(), 'dashboard-progress-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'state.sqlite');
  const worker = await openSqliteStore({ file });
  cleanups.push(() => worker.close());
  const web = await openSqliteStore({ file });
  cleanups.push(() => web.close());

  const clock = createManualClock(Date.parse('2026-11-30T10:30:00Z'));
  const deps = createServiceDashboardDeps({
    store: web,
    accounts: web.accounts,
    clock,
    scheduler: lockWatchingScheduler(web),
    syncNow: () => Promise.resolve({ accepted: false, message: 'a sync of tenant acme is running elsewhere' }),
    tenants: { kind: 'sandbox', tenant },
    adminPassword: { hash: await hashPassword(password) },
  });
  const dashboard = createDashboard({ ...deps, lang: 'en' });
  await dashboard.ready();
  const served = await serveDashboard(dashboard.app);
  cleanups.push(() => served.close());
  const { url } = served;

  const signIn = await fetch(`${url}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email: 'admin', password, next: '/' }).toString(),
  });
  expect(signIn.status).toBe(303);
  const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const tenantPage = async () => (await fetch(`${url}/tenants/acme`, { headers: { cookie } })).text();
  return { url, cookie, worker, tenantPage };
}

describe('a run of another process on the dashboard', () => {
  it('shows the progress the worker saves, live, and the run once it is over', async () => {
    const { url, cookie, worker, tenantPage } = await setUp();
    expect(await tenantPage()).not.toContain('/live/events');

    // The worker: the tenant's lock, then a downward run saving its progress, as `syncTenant` and `runDown` do.
    await worker.schedule.acquireLock(tenant.id, 'worker-1', '2026-11-30T10:30:00.000Z', 60_000);
    expect(await tenantPage()).toContain('Starting…');
    const run = await worker.startRun(tenant.id, 'down', '2026-11-30T10:30:01.000Z');
    await worker.saveRunProgress(run.id, { done: 7, total: 20 }, '2026-11-30T10:30:05.000Z');

    const page = await tenantPage();
    expect(page).toContain('Run by another process of the service');
    expect(page).toContain('Down: 7 of 20 records written');
    expect(page).toContain('<progress id="sync-progress" max="20" value="7"');

    const stream = await fetch(`${url}/tenants/acme/live/events`, { headers: { cookie } });
    const reader: ReadableStreamDefaultReader<Uint8Array> | undefined = stream.body?.getReader();
    if (!reader) throw new Error('no body');
    const decoder = new TextDecoder();
    let events = '';
    const readUntil = async (needle: string) => {
      while (!events.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) break;
        events += decoder.decode(value, { stream: true });
      }
    };
    await readUntil('\n\n');
    expect(events).toBe('event: progress\ndata: {"direction":"down","stage":"writing","done":7,"total":20}\n\n');
    await worker.saveRunProgress(run.id, { done: 20, total: 20 }, '2026-11-30T10:30:09.000Z');
    await readUntil('"done":20');
    await worker.finishRun(run.id, 'success', { 'sheet.created': 20 }, '2026-11-30T10:30:10.000Z');
    await worker.schedule.releaseLock(tenant.id, 'worker-1');
    await readUntil('event: done');
    expect(
      events.endsWith('data: {"direction":"down","stage":"writing","done":20,"total":20}\n\nevent: done\ndata: {}\n\n'),
    ).toBe(true);

    const after = await tenantPage();
    expect(after).not.toContain('/live/events');
    expect(after).toContain(`/tenants/acme?run=${run.id}#events-title`);
  });
});
