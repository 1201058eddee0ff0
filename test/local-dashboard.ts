/**
 * A simple `DashboardDeps` over the real store and the real syncs, with tenants held in memory: what the browser
 * tests mount (against the simulators), and a reference for the service's own adapter. "Sync now" runs
 * `syncTenant` (down, then up), one live sync per tenant; look-ups read the tenant's Aimaira (and Edusign for
 * `explain`).
 */
import type { Clock } from '../src/clock.js';
import { TenantConfig, TenantOptions } from '../src/config/config.js';
import { toError } from '../src/errors.js';
import { syncTenant } from '../src/service/tenant-sync.js';
import type { AccountStore, StateStore } from '../src/store/port.js';
import { createTenantClients } from '../src/sync/clients.js';
import type { TenantClientOptions } from '../src/sync/clients.js';
import type {
  AdminPassword,
  CheckItem,
  DashboardDeps,
  SyncProgress,
  SyncSummary,
  TenantDetails,
} from '../src/web/deps.js';
import type { Lang } from '../src/web/i18n.js';
import { createLiveLookups } from '../src/web/lookups.js';

export interface LocalDashboardOptions {
  /** The state store and its accounts (`Stores`, e.g. `openSqliteStore`). */
  store: StateStore & { accounts: AccountStore };
  tenants: readonly TenantConfig[];
  clock: Clock;
  adminPassword: AdminPassword;
  /** The sync instant of "sync now" and of the look-ups; the clock's by default. */
  now?: () => Date;
  /** The next scheduled runs to show for a tenant; none by default (this adapter schedules nothing). */
  nextRuns?: (tenantId: string, now: Date) => string[];
  /** For the look-ups' and the check's clients; of these "sync now" takes Edusign's rate only. */
  clientOptions?: Omit<TenantClientOptions, 'clock'>;
  lang?: Lang;
  onError?: (error: unknown, context: { path: string }) => void;
  /** The rest of `DashboardDeps` as given (public URL, mailer, alerts...). */
  extra?: Partial<Pick<DashboardDeps, 'publicUrl' | 'trustProxy' | 'mailer' | 'alerts' | 'webhookPolicy' | 'basePath'>>;
}

export interface LocalDashboardDeps extends DashboardDeps {
  /** The tenant's configuration as it is now (options and credentials as edited). */
  tenantConfig(id: string): TenantConfig | undefined;
  /** Pauses or resumes a tenant, as the service does after repeated failures. */
  setPaused(id: string, reason: string | null): void;
}

interface LocalTenant {
  config: TenantConfig;
  pausedReason: string | null;
}

export function createLocalDashboardDeps(options: LocalDashboardOptions): LocalDashboardDeps {
  const { store, clock } = options;
  const now = options.now ?? (() => new Date(clock.now()));
  const tenants = new Map<string, LocalTenant>(
    options.tenants.map((config) => [config.id, { config, pausedReason: null }]),
  );
  const running = new Set<string>();

  const tenantOf = (id: string): LocalTenant => {
    const tenant = tenants.get(id);
    if (!tenant) throw new Error(`no tenant "${id}"`);
    return tenant;
  };
  const clientsOf = (config: TenantConfig) => createTenantClients(config, { ...options.clientOptions, clock });

  const details = ({ config, pausedReason }: LocalTenant): TenantDetails => ({
    id: config.id,
    paused: pausedReason !== null,
    pausedReason,
    aimaira: { url: config.aimaira.url, access: config.aimaira.username !== undefined ? 'password' : 'apiKey' },
    edusign: { url: config.edusign.url },
    options: config.options,
  });

  /** "Sync now": the one function that runs a tenant, as the service and `sync` run it (nothing to interrupt it). */
  const sync = (config: TenantConfig, onProgress: (progress: SyncProgress) => void): Promise<SyncSummary> =>
    syncTenant(
      {
        store,
        clock,
        ...(options.clientOptions?.edusignRequestsPerMinute !== undefined && {
          edusignRequestsPerMinute: options.clientOptions.edusignRequestsPerMinute,
        }),
      },
      { tenant: config, reason: 'on-demand', signal: new AbortController().signal, now: now(), onProgress },
    );

  return {
    store,
    accounts: store.accounts,
    clock,
    adminPassword: options.adminPassword,
    ...options.extra,
    ...(options.lang && { lang: options.lang }),
    ...(options.onError && { onError: options.onError }),
    tenantConfig: (id) => tenants.get(id)?.config,
    setPaused(id, reason) {
      tenantOf(id).pausedReason = reason;
    },

    tenants: {
      list: () =>
        Promise.resolve(
          [...tenants.values()]
            .sort((a, b) => a.config.id.localeCompare(b.config.id))
            .map((tenant) => ({
              id: tenant.config.id,
              paused: tenant.pausedReason !== null,
              pausedReason: tenant.pausedReason,
            })),
        ),
      get: (id) => Promise.resolve(tenants.has(id) ? details(tenantOf(id)) : undefined),
      pause(id, reason) {
        tenantOf(id).pausedReason = reason;
        return Promise.resolve();
      },
      resume(id) {
        tenantOf(id).pausedReason = null;
        return Promise.resolve();
      },
      updateOptions(id, next) {
        const tenant = tenantOf(id);
        tenant.config = { ...tenant.config, options: TenantOptions.parse(next) };
        return Promise.resolve();
      },
      updateCredentials(id, update) {
        const tenant = tenantOf(id);
        const { aimaira, edusign } = tenant.config;
        // A new password replaces an API key and the other way round: one kind of Aimaira access at a time.
        const aimairaAccess =
          update.aimaira?.apiKey !== undefined
            ? { url: aimaira.url, apiKey: update.aimaira.apiKey }
            : {
                ...aimaira,
                ...(update.aimaira?.username !== undefined && { username: update.aimaira.username }),
                ...(update.aimaira?.password !== undefined && { password: update.aimaira.password }),
              };
        const parsed = TenantConfig.safeParse({
          ...tenant.config,
          aimaira: aimairaAccess,
          edusign: { ...edusign, ...(update.edusign?.apiKey !== undefined && { apiKey: update.edusign.apiKey }) },
        });
        if (!parsed.success) {
          // Names the fields, never their values.
          throw new Error(
            `credentials refused: ${parsed.error.issues.map((issue) => issue.path.join('.') || issue.message).join(', ')}`,
          );
        }
        tenant.config = parsed.data;
        return Promise.resolve();
      },
      async check(id) {
        const { config } = tenantOf(id);
        const clients = clientsOf(config);
        const items: CheckItem[] = [];
        const attempt = async (label: string, probe: () => Promise<string>) => {
          try {
            items.push({ label, ok: true, detail: await probe() });
          } catch (error) {
            items.push({ label, ok: false, detail: toError(error).message });
          }
        };
        await attempt('Aimaira', async () => {
          const codes = await clients.aimaira.resolveTypeCodes();
          return `signed in; ${Object.keys(codes.planification).length} session types and ${Object.keys(codes.ressource).length} resource types read`;
        });
        await attempt('Edusign', async () => {
          for await (const page of clients.edusign.professors.list()) {
            return `signed in; the school answers (${page.length} facilitator(s) on the first page)`;
          }
          return 'signed in';
        });
        const professor = config.options.defaultProfsForEvenementsCommun;
        if (professor !== null) {
          await attempt('defaultProfsForEvenementsCommun', async () => {
            const found = await clients.edusign.professors.get(professor);
            if (!found || (await clients.edusign.isArchived(found))) {
              throw new Error(
                `no facilitator ${professor} on Edusign: common events without a facilitator cannot come down`,
              );
            }
            return `facilitator ${professor} exists on Edusign`;
          });
        }
        return { ok: items.every((item) => item.ok), items };
      },
    },

    scheduler: {
      status(tenantId) {
        const at = now();
        const ids = tenantId === undefined ? [...tenants.keys()] : tenants.has(tenantId) ? [tenantId] : [];
        return Promise.resolve(
          ids.map((id) => ({
            tenantId: id,
            nextRuns: options.nextRuns?.(id, at) ?? [],
            running: running.has(id),
            missed: [],
          })),
        );
      },
      runNow(tenantId, onProgress) {
        const tenant = tenantOf(tenantId);
        if (running.has(tenantId)) {
          return Promise.resolve({ accepted: false, reason: 'a sync of this tenant is already running.' });
        }
        running.add(tenantId);
        const done = sync(tenant.config, onProgress).finally(() => running.delete(tenantId));
        return Promise.resolve({ accepted: true, done });
      },
    },

    lookups: createLiveLookups({
      store,
      clock,
      now,
      tenantConfig: (id) => Promise.resolve(tenantOf(id).config),
      ...(options.clientOptions && { clientOptions: options.clientOptions }),
    }),
  };
}
