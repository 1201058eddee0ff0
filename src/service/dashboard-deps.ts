/**
 * The dashboard (src/web/) over the running service: its tenants from the tenant repository (or the sandbox's
 * demo tenant), its scheduler (status, and "sync now" through the scheduler's `runNow`: the tenant's lock, the
 * pause rule, progress passed down to the runs), live look-ups with the tenants' own configuration, and the clock.
 * The mapping is the table of docs/dashboard.md, "Mounting it".
 */
import type { Clock } from '../clock.js';
import type { TenantConfig } from '../config/config.js';
import type { AccountStore, StateStore } from '../store/port.js';
import { runPreflight } from './preflight.js';
import { createTenantClients } from '../sync/clients.js';
import type { TenantClientOptions } from '../sync/clients.js';
import type {
  DashboardAlerts,
  DashboardMailer,
  DashboardWebhooks,
  AdminPassword,
  CheckResult,
  DashboardDeps,
  DashboardScheduler,
  DashboardTenants,
  TenantDetails,
} from '../web/deps.js';
import { createLiveLookups } from '../web/lookups.js';
import { checkTenant } from './check.js';
import { learnTenantObjectTypes } from './realtime-loop.js';
import type { WebhookEndpoints } from './webhook-endpoints.js';
import type { RetentionSettings } from './retention.js';
import type { Scheduler } from './scheduler.js';
import type { TenantSyncOutcome, TenantSyncProgressListener } from './tenant-sync.js';
import { TenantNotFoundError } from './tenants.js';
import type { TenantRepository, TenantView } from './tenants.js';
import type { UrlPolicyOptions } from './url-policy.js';

/** Where the dashboard's tenants come from: the store's repository, or the sandbox's one demo tenant. */
export type DashboardTenantSource =
  { kind: 'repository'; repository: TenantRepository } | { kind: 'sandbox'; tenant: TenantConfig };

/** The service's `syncNow` with a progress listener (src/service/serve.ts). */
export type DashboardSyncNow = (
  tenantId: string,
  options: { onProgress: TenantSyncProgressListener },
) => Promise<{ accepted: true; done: Promise<TenantSyncOutcome | undefined> } | { accepted: false; message: string }>;

export interface ServiceDashboardOptions {
  store: StateStore;
  accounts: AccountStore;
  /** See `DashboardDeps`. */
  publicUrl?: string;
  trustProxy?: boolean;
  mailer?: DashboardMailer;
  alerts?: DashboardAlerts;
  webhooks?: DashboardWebhooks;
  /** The receivers' settings, for the deep check to learn Aimaira's table names (src/service/realtime-loop.ts). */
  webhookEndpoints?: WebhookEndpoints;
  clock: Clock;
  scheduler: Pick<Scheduler, 'status' | 'resume'>;
  syncNow: DashboardSyncNow;
  tenants: DashboardTenantSource;
  adminPassword: AdminPassword;
  /** What the service keeps of runs and events: shown on every tenant's settings page. */
  retention?: RetentionSettings;
  /** The service's URL policy, which the connection check reports on. */
  urlPolicy?: UrlPolicyOptions;
  /** For the check's and the look-ups' clients (metrics, Edusign's rate). */
  clientOptions?: Omit<TenantClientOptions, 'clock'>;
  /** Every tenant configuration opened (secrets in plaintext): the service registers its secrets with the logs. */
  onTenantConfig?: (tenant: TenantConfig) => void;
  onError?: (error: unknown, context: { path: string }) => void;
}

export const sandboxChangeRefused =
  "the sandbox's demo tenant runs on the simulators and cannot be changed here; add a real tenant with " +
  './bin/aimaira-edusign tenant add (or tenant import --config FILE), then start the service again';

export function createServiceDashboardDeps(options: ServiceDashboardOptions): DashboardDeps {
  const { store, clock, scheduler } = options;
  const source = options.tenants;

  const opened = (tenant: TenantConfig): TenantConfig => {
    options.onTenantConfig?.(tenant);
    return tenant;
  };
  const tenantConfig = async (id: string, checkUrls = true): Promise<TenantConfig> => {
    if (source.kind === 'sandbox') {
      if (id !== source.tenant.id) throw new TenantNotFoundError(id);
      return opened(source.tenant);
    }
    return opened(await source.repository.toTenantConfig(id, { checkUrls }));
  };

  /** The scheduler's pause (repeated failures), for the sandbox's tenant, which has no row of its own. */
  const schedulerPause = async (id: string): Promise<string | null> => {
    const [status] = (await scheduler.status({ tenantId: id, next: 0 })).tenants;
    return status?.paused?.message ?? null;
  };

  const fromView = (view: TenantView): TenantDetails => ({
    id: view.id,
    paused: view.status === 'paused',
    pausedReason: view.status === 'paused' ? (view.pausedReason ?? 'paused') : null,
    aimaira: { url: view.aimaira.url, access: view.aimaira.authentication },
    edusign: { url: view.edusign.url },
    options: view.options,
  });

  const details = async (id: string): Promise<TenantDetails | undefined> => {
    const tenant = await tenantDetails(id);
    return tenant && options.retention ? { ...tenant, retention: { months: options.retention.months } } : tenant;
  };

  const tenantDetails = async (id: string): Promise<TenantDetails | undefined> => {
    if (source.kind === 'sandbox') {
      const { tenant } = source;
      if (id !== tenant.id) return undefined;
      const pausedReason = await schedulerPause(id);
      return {
        id,
        paused: pausedReason !== null,
        pausedReason,
        aimaira: { url: tenant.aimaira.url, access: tenant.aimaira.apiKey !== undefined ? 'apiKey' : 'password' },
        edusign: { url: tenant.edusign.url },
        options: tenant.options,
      };
    }
    try {
      return fromView(await source.repository.show(id));
    } catch (error) {
      if (error instanceof TenantNotFoundError) return undefined;
      throw error;
    }
  };

  const tenants: DashboardTenants = {
    async list() {
      if (source.kind === 'sandbox') {
        const tenant = await details(source.tenant.id);
        return tenant ? [{ id: tenant.id, paused: tenant.paused, pausedReason: tenant.pausedReason }] : [];
      }
      return (await source.repository.list())
        .map(fromView)
        .map(({ id, paused, pausedReason }) => ({ id, paused, pausedReason }))
        .sort((a, b) => a.id.localeCompare(b.id));
    },
    get: details,
    async updateOptions(id, next) {
      if (source.kind === 'sandbox') throw new Error(sandboxChangeRefused);
      // Validated again by the repository, URLs held to the policy; a refusal's message is shown as it is.
      await source.repository.update(id, { options: { ...next } });
    },
    async updateCredentials(id, update) {
      if (source.kind === 'sandbox') throw new Error(sandboxChangeRefused);
      await source.repository.update(id, {
        ...(update.aimaira && { aimaira: { ...update.aimaira } }),
        ...(update.edusign && { edusign: { ...update.edusign } }),
      });
    },
    async pause(id, reason) {
      if (source.kind === 'sandbox') throw new Error(sandboxChangeRefused);
      await source.repository.pause(id, reason);
    },
    async resume(id) {
      if (source.kind === 'sandbox') throw new Error(sandboxChangeRefused);
      await source.repository.resume(id);
      // The scheduler's own pause (repeated failures) is lifted too: a person asked to resume.
      await scheduler.resume(id);
    },
    async check(id): Promise<CheckResult> {
      // As `tenant check` does (src/cli/tenant.ts): URL refusals are findings, not a reason to report nothing else;
      // a passing check resumes a paused tenant, in the tenants table and in the scheduler.
      const before = source.kind === 'repository' ? await source.repository.show(id) : undefined;
      const tenant = await tenantConfig(id, false);
      const connection = { ...options.clientOptions, clock };
      const clients = createTenantClients(tenant, connection);
      const report = await checkTenant(tenant, clients, {
        ...(source.kind === 'repository' && { urlPolicy: options.urlPolicy ?? {} }),
      });
      if (report.ok) {
        // The deep check, as `tenant check --deep`: the settings page shows the preflight it keeps.
        await store.savePreflight(await runPreflight(tenant, clients, { now: new Date(clock.now()), connection }));
        // The tenant's receivers on: Aimaira's table names of its messages, learned with the preflight.
        const endpoints = options.webhookEndpoints;
        if (endpoints && (await endpoints.get(id))?.enabled) {
          await learnTenantObjectTypes({
            aimaira: clients.aimaira,
            store,
            endpoints,
            tenant,
            now: new Date(clock.now()),
          });
        }
        if (source.kind === 'repository' && before?.status === 'paused') await source.repository.resume(id);
        await scheduler.resume(id);
      }
      return {
        ok: report.ok,
        items: report.checks.map((check) => ({ label: check.check, ok: check.ok, detail: check.message })),
      };
    },
  };

  const dashboardScheduler: DashboardScheduler = {
    async status(tenantId) {
      const status = await scheduler.status(tenantId === undefined ? {} : { tenantId });
      return status.tenants.map((tenant) => ({
        tenantId: tenant.tenantId,
        nextRuns: tenant.next.map((occurrence) => occurrence.slotAt),
        running: tenant.running !== null,
        ...(tenant.running && {
          runningIn: tenant.running.inThisProcess ? ('this-process' as const) : ('another-process' as const),
        }),
        missed: tenant.missed.map((run) => run.slotAt),
      }));
    },
    async runNow(tenantId, onProgress) {
      // The scheduler's `runNow`: the tenant's lock (one live run, whoever started it), the pause rule.
      const started = await options.syncNow(tenantId, { onProgress });
      if (!started.accepted) return { accepted: false, reason: started.message };
      const done = started.done.then((outcome) => {
        // No outcome: the run could not begin (its configuration could not be opened); the log says why.
        if (!outcome) throw new Error(`the sync of tenant ${tenantId} could not start; the service's log says why`);
        return outcome;
      });
      return { accepted: true, done };
    },
  };

  return {
    store,
    accounts: options.accounts,
    clock,
    tenants,
    scheduler: dashboardScheduler,
    lookups: createLiveLookups({
      store,
      clock,
      tenantConfig: (id) => tenantConfig(id),
      ...(options.clientOptions && { clientOptions: options.clientOptions }),
    }),
    adminPassword: options.adminPassword,
    ...(options.publicUrl !== undefined && { publicUrl: options.publicUrl }),
    ...(options.trustProxy !== undefined && { trustProxy: options.trustProxy }),
    ...(options.mailer && { mailer: options.mailer }),
    ...(options.alerts && { alerts: options.alerts }),
    ...(options.webhooks && { webhooks: options.webhooks }),
    ...(options.urlPolicy && { webhookPolicy: options.urlPolicy }),
    ...(options.onError && { onError: options.onError }),
  };
}
