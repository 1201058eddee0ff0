/**
 * Stand-ins for what the service gives the dashboard, for the tests that exercise the dashboard itself (routes,
 * roles, middleware, the API) rather than the syncs: tenants held in memory, a scheduler that runs nothing, look-ups
 * that have no Aimaira. The store is always a real one (its accounts, sessions and audit are what is tested).
 */
import { TenantOptions } from '../src/config/config.js';
import type { AccountStore, StateStore } from '../src/store/port.js';
import type { DashboardDeps, TenantDetails } from '../src/web/deps.js';
import type { Clock } from '../src/clock.js';

/** A tenant as the dashboard sees it, with default options, at a made-up address. */
export function standInTenant(id: string, overrides: Partial<TenantDetails> = {}): TenantDetails {
  return {
    id,
    paused: false,
    pausedReason: null,
    aimaira: { url: `https://${id}.aimaira.example/GraphV1`, access: 'password' },
    edusign: { url: 'https://ext.edusign.fr' },
    options: TenantOptions.parse({}),
    ...overrides,
  };
}

/** Deps over `tenants` (kept as given: a pause changes nothing), a scheduler that refuses to run, no Aimaira. */
export function standInDashboardDeps(options: {
  store: StateStore & { accounts: AccountStore };
  clock: Clock;
  tenants: readonly TenantDetails[];
  adminPassword: DashboardDeps['adminPassword'];
  overrides?: Partial<DashboardDeps>;
}): DashboardDeps {
  const { store, tenants } = options;
  return {
    store,
    accounts: store.accounts,
    clock: options.clock,
    adminPassword: options.adminPassword,
    tenants: {
      list: () => Promise.resolve(tenants.map(({ id, paused, pausedReason }) => ({ id, paused, pausedReason }))),
      get: (id) => Promise.resolve(tenants.find((candidate) => candidate.id === id)),
      updateOptions: () => Promise.resolve(),
      updateCredentials: () => Promise.resolve(),
      check: () => Promise.resolve({ ok: true, items: [] }),
      pause: () => Promise.resolve(),
      resume: () => Promise.resolve(),
    },
    scheduler: {
      status: () => Promise.resolve([]),
      runNow: () => Promise.resolve({ accepted: false, reason: 'the test runs nothing' }),
    },
    lookups: {
      explainSession: () => Promise.reject(new Error('no Aimaira in this test')),
      searchSessions: () => Promise.resolve([]),
      findPeople: () => Promise.resolve([]),
    },
    ...options.overrides,
  };
}
