/**
 * Two dashboards over one SQLite file, each with a store handle of its own, as two processes of the scaled mode
 * would be: a session made through one is good on the other, a sign-out on either ends it on both, an account
 * disabled through one is signed out on both, and expired sessions are purged.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { serveDashboard } from '../../test/dashboard-server.js';
import { standInDashboardDeps, standInTenant } from '../../test/stand-in-dashboard.js';

import { createManualClock } from '../clock.js';
import type { ManualClock } from '../clock.js';
import { openSqliteStore } from '../store/sqlite.js';
import { createDashboard } from './dashboard.js';
import { hashPassword } from './security.js';

const password = 'le mot de passe des tests';
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const formHeaders = { 'content-type': 'application/x-www-form-urlencoded' };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A dashboard on a port of its own, over a store handle of its own on `file`. */
async function dashboardOn(file: string, clock: ManualClock, hash: string) {
  const store = await openSqliteStore({ file });
  cleanups.push(() => store.close());
  const deps = standInDashboardDeps({ store, clock, tenants: [standInTenant('acme')], adminPassword: { hash } });
  const dashboard = createDashboard(deps);
  // The operator `admin` from the password: made by the first dashboard, found by the second.
  await dashboard.ready();
  const served = await serveDashboard(dashboard.app);
  cleanups.push(() => served.close());
  const { url } = served;
  return { url, store };
}

async function twoDashboards() {
  const dir = await mkdtemp(join(tmpdir(), 'shared-sessions-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'state.sqlite');
  const clock = createManualClock(Date.parse('2026-11-30T10:30:00Z'));
  const hash = await hashPassword(password);
  const one = await dashboardOn(file, clock, hash);
  const other = await dashboardOn(file, clock, hash);
  return { one, other, clock };
}

async function signIn(url: string): Promise<string> {
  const response = await fetch(`${url}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: formHeaders,
    body: form({ email: 'admin', password, next: '/' }),
  });
  expect(response.status).toBe(303);
  return (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}

const home = (url: string, cookie: string) =>
  fetch(`${url}/`, { headers: { cookie, accept: 'text/html' }, redirect: 'manual' });

const csrfOf = async (response: Response) => /name="csrf" value="([^"]+)"/.exec(await response.text())?.[1] ?? '';

describe('sign-in sessions shared through the store', () => {
  it('are good on another dashboard, with the same CSRF token, and a sign-out on either ends them on both', async () => {
    const { one, other } = await twoDashboards();
    const cookie = await signIn(one.url);

    const there = await home(other.url, cookie);
    expect(there.status).toBe(200);
    const csrf = await csrfOf(there);
    expect(csrf).not.toBe('');
    expect(await csrfOf(await home(one.url, cookie))).toBe(csrf);

    const signOut = await fetch(`${other.url}/sign-out`, {
      method: 'POST',
      redirect: 'manual',
      headers: { ...formHeaders, cookie },
      body: form({ csrf }),
    });
    expect(signOut.status).toBe(303);
    expect((await home(one.url, cookie)).status).toBe(303);
    expect((await home(other.url, cookie)).status).toBe(303);
  });

  it('time out alike on every dashboard: a request on one keeps the session alive on the other', async () => {
    const { one, other, clock } = await twoDashboards();
    const cookie = await signIn(one.url);
    clock.advance(20 * 60_000);
    expect((await home(other.url, cookie)).status).toBe(200);
    clock.advance(20 * 60_000);
    expect((await home(one.url, cookie)).status).toBe(200);
    clock.advance(31 * 60_000);
    expect((await home(other.url, cookie)).status).toBe(303);
  });

  it('are purged from the store once expired, whichever dashboard signs in next', async () => {
    const { one, other, clock } = await twoDashboards();
    await signIn(one.url);
    await signIn(one.url);
    clock.advance(31 * 60_000);
    const cookie = await signIn(other.url);
    const rows = await one.store.db.selectFrom('dashboard_sessions').select('id_hash').execute();
    expect(rows).toHaveLength(1);
    expect((await home(one.url, cookie)).status).toBe(200);
  });

  it('belong to an account, made once for both: disabled through one, its session is refused by both', async () => {
    const { one, other } = await twoDashboards();
    expect(await one.store.accounts.countUsers()).toBe(1);
    const cookie = await signIn(one.url);
    expect((await home(other.url, cookie)).status).toBe(200);
    const admin = await other.store.accounts.getUserByEmail('admin');
    expect(admin?.operator).toBe(true);
    await other.store.accounts.updateUser(admin!.id, { disabled: true }, '2026-11-30T10:31:00.000Z');
    expect((await home(one.url, cookie)).status).toBe(303);
    expect((await home(other.url, cookie)).status).toBe(303);
    const rows = await one.store.db.selectFrom('dashboard_sessions').select('id_hash').execute();
    expect(rows).toHaveLength(0);
  });
});
