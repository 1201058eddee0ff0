/**
 * The near-real-time runner of a process that runs syncs itself (the embedded mode): its tenants' webhook messages,
 * looked at every second and at once when a receiver of this process records one. The targets of a batch are worked
 * out with the tenant's own clients (src/sync/realtime/); Aimaira's table names are learned at the first batch when
 * the preflight did not learn them.
 */
import type { Clock } from '../clock.js';
import { toError } from '../errors.js';
import type { StateStore, Stores } from '../store/port.js';
import type { AimairaClient } from '../aimaira/client.js';
import { findKnownIds, learnObjectTypes } from '../sync/realtime/object-types.js';
import { resolveRealtimeTargets } from '../sync/realtime/targets.js';
import { createTenantClients } from '../sync/clients.js';
import type { RateLimiter } from '../http/rate-limiter.js';
import type { TenantConfig } from '../config/config.js';
import type { Logger } from './logging.js';
import { createRealtimeRunner } from './realtime.js';
import type { RealtimeBatch, RealtimeRunnerOptions } from './realtime.js';
import type { TenantRef } from './scheduler.js';
import { activeTenantStatus } from './scheduler.js';
import type { WebhookEndpoints } from './webhook-endpoints.js';

const tickMs = 1_000;

export interface RealtimeLoopOptions {
  store: Stores;
  clock: Clock;
  logger: Logger;
  endpoints: WebhookEndpoints;
  tenants: { list(): Promise<readonly TenantRef[]>; config(tenantId: string): Promise<TenantConfig> };
  /** The tenant's Edusign limiter, the one its runs use (the look-ups of a batch count against it too). */
  edusignLimiterOf: (tenantId: string) => RateLimiter;
  run: RealtimeRunnerOptions['run'];
  onBatch?: (batch: RealtimeBatch) => void;
  /** Settling times (tests shorten them). */
  quietMs?: number;
  maxWaitMs?: number;
  /**
   * `local`: this process runs its tenants' batches (the embedded mode). `dispatch`: while this process leads, it
   * hands each tenant whose messages settled to a worker (the scaled mode's scheduler). `jobs-only`: it only runs
   * the batches it is handed (`runTenant`, a scaled worker).
   */
  mode:
    | { kind: 'local' }
    | { kind: 'dispatch'; leading: () => boolean; dispatch: (tenantId: string) => Promise<unknown> }
    | { kind: 'jobs-only' };
}

export interface RealtimeLoop {
  /** A message was recorded: look now rather than at the next second. */
  wake(): void;
  /** One tenant's batch now (a worker's job). */
  runTenant(tenantId: string): Promise<RealtimeBatch | undefined>;
  stop(): Promise<void>;
}

/**
 * Aimaira's table names for the tenant's webhook messages, learned from `/Object/{id}` of one known record of each
 * entity and kept with its receivers; what could not be learned is logged (its messages wait for the windows).
 */
export async function learnTenantObjectTypes(context: {
  aimaira: AimairaClient;
  store: Pick<StateStore, 'listLinks'>;
  endpoints: Pick<WebhookEndpoints, 'setObjectTypes'>;
  tenant: TenantConfig;
  now: Date;
  logger?: Logger;
}): Promise<Record<string, string>> {
  const { aimaira, tenant } = context;
  const known = await findKnownIds(aimaira, {
    store: context.store,
    tenantId: tenant.id,
    now: context.now,
    horizonDays: tenant.options.horizonDays,
  });
  const learned = await learnObjectTypes(aimaira, known);
  await context.endpoints.setObjectTypes(tenant.id, learned.objectTypes);
  context.logger?.info(
    { tenant: tenant.id, objectTypes: learned.objectTypes, unlearned: learned.unlearned },
    "webhooks: Aimaira's table names learned from /Object",
  );
  return learned.objectTypes;
}

export function startRealtimeLoop(options: RealtimeLoopOptions): RealtimeLoop {
  const { store, clock, logger, endpoints } = options;
  const runner = createRealtimeRunner({
    inbox: store.webhooks,
    locks: store.schedule,
    clock,
    ...(options.quietMs !== undefined && { quietMs: options.quietMs }),
    ...(options.maxWaitMs !== undefined && { maxWaitMs: options.maxWaitMs }),
    async active(tenantId) {
      if (!(await endpoints.get(tenantId))?.enabled) return false;
      const tenant = (await options.tenants.list()).find((candidate) => candidate.id === tenantId);
      if (tenant?.status !== activeTenantStatus) return false;
      return !(await store.schedule.getHealth(tenantId))?.paused;
    },
    async resolve(tenantId, messages) {
      const tenant = await options.tenants.config(tenantId);
      const clients = createTenantClients(tenant, { clock, edusignLimiter: options.edusignLimiterOf(tenantId) });
      const now = new Date(clock.now());
      let objectTypes = (await endpoints.get(tenantId))?.objectTypes ?? {};
      // Learned at the deep check (the preflight); a tenant whose receivers were set after it learns them now.
      if (Object.keys(objectTypes).length === 0) {
        objectTypes = await learnTenantObjectTypes({ aimaira: clients.aimaira, store, endpoints, tenant, now, logger });
      }
      return resolveRealtimeTargets(messages, {
        aimaira: clients.aimaira,
        store,
        tenantId,
        objectTypes,
        now,
        horizonDays: tenant.options.horizonDays,
        edusign: clients.edusign,
      });
    },
    run: options.run,
    onBatch(batch) {
      logger.info(
        {
          tenant: batch.tenantId,
          messages: batch.messages,
          sessions: batch.sessions,
          sheets: batch.sheets,
          status: batch.status,
          latencyMs: batch.latencyMs,
        },
        `webhooks: ${batch.messages} message(s) acted on (${batch.sessions} session(s), ${batch.sheets} sheet(s)): ${batch.status}`,
      );
      options.onBatch?.(batch);
    },
    onError(error, tenantId) {
      logger.warn({ tenant: tenantId, err: error }, 'webhooks: a batch could not be acted on; its messages wait');
    },
  });

  let ticking: Promise<unknown> | undefined;
  let again = false;
  let stopped = false;
  const tick = () => {
    if (stopped) return;
    if (ticking) {
      again = true;
      return;
    }
    const { mode } = options;
    const work =
      mode.kind === 'local'
        ? runner.tick()
        : mode.kind === 'dispatch' && mode.leading()
          ? runner.due().then(async (tenants) => {
              for (const tenantId of tenants) await mode.dispatch(tenantId);
            })
          : Promise.resolve();
    ticking = work
      .catch((error: unknown) => logger.error({ err: toError(error) }, 'webhooks: the inbox could not be read'))
      .finally(() => {
        ticking = undefined;
        if (again) {
          again = false;
          tick();
        }
      });
  };
  const timer = options.mode.kind === 'jobs-only' ? undefined : setInterval(tick, tickMs);
  timer?.unref();
  return {
    wake: tick,
    runTenant: (tenantId) => runner.runTenant(tenantId),
    async stop() {
      stopped = true;
      clearInterval(timer);
      await ticking;
    },
  };
}
