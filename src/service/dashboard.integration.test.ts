/**
 * The dashboard mounted in the running service (in-process, a tenant of the store on the simulators): `/` asks to
 * sign in, the password of the environment signs the operator `admin` in, "sync now" goes through the scheduler's
 * lock with its progress streamed and the tenant page lists the runs; without a password, the set-up link of the log
 * makes the first operator, who signs in at the next start without a link. `/metrics` and `/healthz` stay open.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';

import { DateTime } from 'luxon';
import { afterEach, describe, expect, it } from 'vitest';

import { startSandbox } from '../../sim/sandbox.js';
import type { Sandbox } from '../../sim/sandbox.js';
import { systemClock } from '../clock.js';
import { openSqliteStore } from '../store/sqlite.js';
import { createServiceLogger } from './logging.js';
import type { ScheduleWindow } from './schedule.js';
import { startService } from './serve.js';
import type { RunningService } from './serve.js';
import { tenantSecrets } from './tenants.js';
import { addSimulatorTenant } from '../../test/helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const adminPassword = 'a long enough admin password';
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const formHeaders = { 'content-type': 'application/x-www-form-urlencoded' };

/** A daily window that is not open now (nor within the next hours), so that the scheduler leaves the test alone. */
function closedWindows(): ScheduleWindow[] {
  const hour = DateTime.now().setZone('Europe/Paris').hour;
  let start = (hour + 8) % 24;
  if (start === 2) start = 4;
  const pad = (value: number) => String(value).padStart(2, '0');
  return [{ id: 'later', start: `${pad(start)}:00`, end: `${pad(start)}:30` }];
}

/** Simulators, a data folder with tenant `acme` (added as `tenant add` does), and a service starter. */
async function setUp() {
  const simulators: Sandbox = await startSandbox({ size: 'small', seed: 5, latencyMs: 5 });
  cleanups.push(() => simulators.close());
  const dataDir = mkdtempSync(join(tmpdir(), 'aimaira-edusign-dashboard-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const keyFile = join(dataDir, 'master.key');
  const store = await openSqliteStore({ dataDir });
  let secrets: string[];
  try {
    const repository = await addSimulatorTenant(store.tenants, simulators, { keyFile });
    secrets = tenantSecrets(await repository.toTenantConfig('acme'));
  } finally {
    await store.close();
  }

  let logText = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logText += chunk.toString('utf8');
      done();
    },
  });
  const start = async (password?: string): Promise<RunningService> => {
    const service = await startService({
      dataDir,
      clock: systemClock,
      log: createServiceLogger({ destination, level: 'info' }),
      port: 0,
      host: '127.0.0.1',
      masterKey: { keyFile },
      urlPolicy: { allowLoopbackHttp: true },
      processMetrics: false,
      scheduler: { windows: closedWindows() },
      adminPassword: password,
    });
    cleanups.push(() => service.stop());
    return service;
  };
  return { dataDir, secrets, start, logs: () => logText };
}

/** Signs in; the session cookie and the CSRF token of the tenants page. */
async function signIn(url: string, password: string, email = 'admin'): Promise<{ cookie: string; csrf: string }> {
  const response = await fetch(`${url}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: formHeaders,
    body: form({ email, password, next: '/' }),
  });
  expect(response.status).toBe(303);
  const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  expect(cookie).toMatch(/^aes_session=/);
  const page = await fetch(`${url}/`, { headers: { cookie } });
  expect(page.status).toBe(200);
  const csrf = /name="csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
  expect(csrf).not.toBe('');
  return { cookie, csrf };
}

describe('the dashboard in the service', () => {
  it('asks to sign in, signs in with the environment password, runs "sync now" under the scheduler\'s lock and lists the runs', async () => {
    const { start, secrets, logs } = await setUp();
    const service = await start(adminPassword);
    expect(service.adminPassword).toBe('environment');
    const { url } = service;
    expect(logs()).toContain(`dashboard at ${url}/`);

    const home = await fetch(`${url}/`, { redirect: 'manual', headers: { accept: 'text/html' } });
    expect(home.status).toBe(303);
    expect(home.headers.get('location')).toBe('/sign-in?next=%2F');
    const wrong = await fetch(`${url}/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: formHeaders,
      body: form({ email: 'admin', password: 'not the password at all' }),
    });
    expect(wrong.status).toBe(401);
    const { cookie, csrf } = await signIn(url, adminPassword);
    expect(await (await fetch(`${url}/`, { headers: { cookie } })).text()).toContain('/tenants/acme');

    // "Sync now": the scheduler's runNow, so a second one, from the page or from the service, meets its lock.
    const sync = () =>
      fetch(`${url}/tenants/acme/sync`, {
        method: 'POST',
        redirect: 'manual',
        headers: { ...formHeaders, cookie },
        body: form({ csrf }),
      });
    const started = await sync();
    expect(started.status).toBe(303);
    const location = started.headers.get('location') ?? '';
    expect(location).toMatch(/^\/tenants\/acme\/sync\/[A-Za-z0-9_-]{22}$/);
    const again = await sync();
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('is already in progress (on-demand run');
    const fromService = await service.syncNow('acme');
    expect(fromService.accepted).toBe(false);

    // Its progress, as server-sent events, to the end.
    const events = await (await fetch(`${url}${location}/events`, { headers: { cookie } })).text();
    expect(events).toMatch(/event: progress\ndata: \{"direction":"(down|up)","stage":"(writing|finished)"/);
    expect(events).toMatch(/event: done\n/);
    const summary = await (await fetch(`${url}${location}`, { headers: { cookie } })).text();
    expect(summary).toContain('Synchronisation terminée');

    const runs = await service.store.listRuns('acme');
    expect(runs.map((run) => [run.direction, run.status]).sort()).toEqual([
      ['down', 'success'],
      ['up', 'success'],
    ]);
    const tenantPage = await (await fetch(`${url}/tenants/acme`, { headers: { cookie } })).text();
    for (const run of runs) expect(tenantPage).toContain(`/tenants/acme?run=${run.id}#events-title`);
    expect((await service.scheduler.status({ tenantId: 'acme' })).tenants[0]?.running).toBeNull();

    // The service's own routes stay as they were, without a session.
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/metrics`)).status).toBe(200);
    expect((await fetch(`${url}/nowhere`)).status).toBe(404);

    for (const secret of [...secrets, adminPassword]) expect(logs()).not.toContain(secret);
  }, 60_000);

  it('without a password, the set-up link of the log makes the first operator, who signs in at the next start', async () => {
    const { start, logs } = await setUp();
    const first = await start();
    expect(first.adminPassword).toBe('setup');
    const link = new RegExp(`${first.url}/setup\\?token=([A-Za-z0-9_-]+)`).exec(logs());
    const token = link?.[1] ?? '';
    expect(token).not.toBe('');

    const home = await fetch(`${first.url}/`, { redirect: 'manual', headers: { accept: 'text/html' } });
    expect(home.headers.get('location')).toBe('/setup');
    expect(await (await fetch(link?.[0] ?? '')).text()).toContain(`value="${token}"`);
    const setup = (fields: Record<string, string>) =>
      fetch(`${first.url}/setup`, { method: 'POST', headers: formHeaders, body: form(fields) });
    const email = 'directrice@example.org';
    const fields = { email, password: adminPassword, confirm: adminPassword };
    expect((await setup({ ...fields, token: 'x'.repeat(43) })).status).toBe(403);
    expect((await setup({ ...fields, token })).status).toBe(200);
    await signIn(first.url, adminPassword, email);
    const [operator] = await first.store.accounts.listUsers();
    expect(operator).toMatchObject({ email, operator: true });
    expect(operator?.passwordHash).toMatch(/^scrypt\$/);
    await first.stop();

    const before = logs().length;
    const second = await start();
    expect(second.adminPassword).toBe('accounts');
    expect(logs().slice(before)).not.toContain('/setup?token=');
    await signIn(second.url, adminPassword, email);
    expect((await fetch(`${second.url}/setup`, { redirect: 'manual' })).headers.get('location')).toBe('/sign-in');
    expect(logs()).not.toContain(adminPassword);
  }, 60_000);
});
