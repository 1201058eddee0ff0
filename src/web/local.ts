/**
 * A simple `DashboardDeps` over the real store and the real syncs, with tenants held in memory: what the browser
 * tests mount (against the simulators), and a reference for the service's own adapter. "Sync now" runs `runDown`
 * then `runUp`, one live sync per tenant; look-ups read the tenant's Aimaira (and Edusign for `explain`).
 */
import type { Clock } from '../clock.js';
import { TenantConfig, TenantOptions } from '../config/config.js';
import { toError } from '../errors.js';
import type { StateStore } from '../store/port.js';
import { createTenantClients } from '../sync/clients.js';
import type { TenantClientOptions } from '../sync/clients.js';
import { runDown } from '../sync/down/run.js';
import { runUp } from '../sync/up/run.js';
import type {
  AdminPassword,
  CheckItem,
  DashboardDeps,
  SyncDirectionSummary,
  SyncProgress,
  SyncSummary,
  TenantDetails,
} from './deps.js';
import type { Lang } from './i18n.js';
import { createLiveLookups } from './lookups.js';

export interface LocalDashboardOptions {
  store: StateStore;
  tenants: readonly TenantConfig[];
  clock: Clock;
  adminPassword: AdminPassword;
  /** The sync instant of "sync now" and of the look-ups; the clock's by default. */
  now?: () => Date;
  /** The next scheduled runs to show for a tenant; none by default (this adapter schedules nothing). */
  nextRuns?: (tenantId: string, now: Date) => string[];
  clientOptions?: Omit<TenantClientOptions, 'clock'>;
  lang?: Lang;
  onError?: (error: unknown, context: { path: string }) => void;
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

const statusRank = { success: 0, partial: 1, interrupted: 2, failed: 3 } as const;

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

  async function sync(config: TenantConfig, onProgress: (progress: SyncProgress) => void): Promise<SyncSummary> {
    const directions: SyncDirectionSummary[] = [];
    const clients = clientsOf(config);
    for (const direction of ['down', 'up'] as const) {
      const started = clock.now();
      onProgress({ direction, stage: 'started', done: 0, total: 0 });
      const common = {
        tenant: config,
        ...clients,
        store,
        clock,
        now: now(),
        onProgress: (done: number, total: number) => onProgress({ direction, stage: 'writing', done, total }),
      };
      let outcome: Omit<SyncDirectionSummary, 'durationMs'>;
      try {
        const result = direction === 'down' ? await runDown({ ...common, dryRun: false }) : await runUp(common);
        outcome = {
          direction,
          status: result.status,
          runId: result.runId ?? null,
          counts: result.counts,
          error: result.error ?? null,
        };
      } catch (error) {
        outcome = { direction, status: 'failed', runId: null, counts: {}, error: toError(error).message };
      }
      directions.push({ ...outcome, durationMs: clock.now() - started });
      onProgress({ direction, stage: 'finished', done: 0, total: 0, status: outcome.status });
      if (outcome.status === 'interrupted') break;
    }
    const status = directions.reduce<SyncSummary['status']>(
      (worst, direction) => (statusRank[direction.status] > statusRank[worst] ? direction.status : worst),
      'success',
    );
    return { tenantId: config.id, status, directions };
  }

  return {
    store,
    clock,
    adminPassword: options.adminPassword,
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
