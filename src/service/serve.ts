/**
 * The connector as a service (`serve`, and `start`, what `npm start` runs): the scheduler syncing every tenant
 * twice a day, an HTTP endpoint with the web dashboard, `/metrics` and `/healthz`, JSON logs; or, with no tenant
 * configured, the sandbox (both simulators, a demo tenant, a first sync right away).
 *
 * Stopping (SIGTERM, Ctrl-C) aborts the syncs in progress: each finishes the record in flight, records its run as
 * interrupted, and the service closes its store. A run a killed process left `running` is marked interrupted at
 * the next start; the next sync of that tenant picks up from what the store and Edusign say, as any run does.
 */
import { join, resolve } from 'node:path';

import type { Clock } from '../clock.js';
import type { TenantConfig } from '../config/config.js';
import { toError } from '../errors.js';
import { ConfigError } from '../errors.js';
import { openStore, parseStoreUrl } from '../store/open.js';
import type { Run, RunDirection, StateStore, Stores } from '../store/port.js';
import type { RunTrigger } from '../store/schedule-store.js';
import { sqliteFileName } from '../store/sqlite.js';
import { attentionFromEvents, createAlerter, createMailer, createWebhookSender } from '../alerts/index.js';
import type { SmtpSettings } from '../alerts/index.js';
import { createDashboard } from '../web/dashboard.js';
import type { DashboardWebhooks } from '../web/deps.js';
import { createWebhookEndpoints } from './webhook-endpoints.js';
import { createTenantEdusignLimiters } from '../sync/clients.js';
import { startRealtimeLoop } from './realtime-loop.js';
import { loadAdminPassword } from './admin-password.js';
import type { ServiceAdminPassword } from './admin-password.js';
import { createServiceDashboardDeps } from './dashboard-deps.js';
import type { DashboardTenantSource } from './dashboard-deps.js';
import { startServiceHttp } from './http.js';
import type { Health, ServiceHttp } from './http.js';
import type { Logger, ServiceLogger } from './logging.js';
import { createServiceMetrics } from './metrics.js';
import type { ServiceMetrics } from './metrics.js';
import { sandboxTenantId, startServiceSandbox } from './sandbox.js';
import type { ServiceSandbox, ServiceSandboxOptions } from './sandbox.js';
import { runOutcomeOf } from './run-health.js';
import type { RunOutcome } from './run-health.js';
import { defaultWindows, scheduleZone } from './schedule.js';
import type { ScheduleWindow } from './schedule.js';
import { activeTenantStatus, createScheduler } from './scheduler.js';
import type { Scheduler, SchedulerEvent } from './scheduler.js';
import { startLeaderElection } from './leader.js';
import type { LeaderElection } from './leader.js';
import { startSyncQueue } from './queue.js';
import { retentionSettings, startRetention } from './retention.js';
import type { RetentionOptions } from './retention.js';
import type { SyncQueue } from './queue.js';
import { queuedSyncNow } from './queued-sync.js';
import { keyFileName } from './secrets.js';
import { syncTenant } from './tenant-sync.js';
import type {
  DirectionOutcome,
  TenantSyncOutcome,
  TenantSyncProgressListener,
  TenantSyncRequest,
} from './tenant-sync.js';
import type { Keyring } from './secrets.js';
import { createTenantRepository, lazyMasterKeys, tenantSecrets } from './tenants.js';
import type { TenantRepository } from './tenants.js';
import type { UrlPolicyOptions } from './url-policy.js';

/** The tenants the service runs: who they are, and each one's configuration with its secrets opened. */
export interface ServiceTenants {
  list(): Promise<readonly { id: string; status: string }[]>;
  config(tenantId: string): Promise<TenantConfig>;
}

export interface ServiceOptions {
  /** The data folder (state store, key file); the sandbox uses `<dataDir>/sandbox`. */
  dataDir: string;
  /**
   * The store's URL (`sqlite:PATH` or `postgres://...`, see src/store/open.ts); `<dataDir>/state.sqlite` by default.
   * The sandbox always keeps its own SQLite file under `<dataDir>/sandbox`.
   */
  store?: string;
  clock: Clock;
  log: ServiceLogger;
  /** 0: any free port (the URL is logged). */
  port: number;
  host: string;
  /** true: the sandbox whatever is configured; false: never; absent: the sandbox when no tenant is configured. */
  sandbox?: boolean;
  /** The sandbox's scenario and limits (tests use a small scenario). */
  sandboxOptions?: Omit<ServiceSandboxOptions, 'dataDir'>;
  /** Where the master keys come from (see src/cli/env.ts `masterKeySettings`); `<dataDir>/master.key` by default. */
  masterKey?: { environmentValue?: string | undefined; keyFile?: string };
  /** What tenants' URLs may be: plain http on loopback only when allowed (the simulators). */
  urlPolicy?: UrlPolicyOptions;
  /** The tenants, secrets opened; by default the store's (tests pass their own). */
  tenants?: (store: Stores) => Promise<ServiceTenants>;
  /** Edusign requests a minute per tenant (outside the sandbox); Edusign's own limit by default. */
  edusignRequestsPerMinute?: number;
  /** Node's process metrics in `/metrics`; on by default. */
  processMetrics?: boolean;
  /** The scheduler's windows (twice a day, Paris time, by default) and tick. */
  scheduler?: { windows?: readonly ScheduleWindow[]; tickMs?: number };
  /**
   * What this process does (`all` by default). On a PostgreSQL store the service is the scaled mode: `scheduler`
   * queues each due occurrence (one leader at a time), `worker` takes jobs and runs them, `web` serves the
   * dashboard; `all` is the three in one process. On SQLite only `all`, the embedded mode, exists.
   */
  role?: ServiceRole;
  /** Scaled mode: jobs a worker process runs at once (4 by default). */
  workerConcurrency?: number;
  /** Scaled mode: the queue's polling interval and the leader election's retry (tests make them short). */
  scaled?: { pollingIntervalSeconds?: number; leaderRetryMs?: number };
  /**
   * The dashboard's administrator password in plaintext (`AIMAIRA_EDUSIGN_ADMIN_PASSWORD`, read in src/cli/env.ts);
   * without it, the hash of `<dataDir>/admin.json`, else a set-up link with a one-time token in the log.
   */
  adminPassword?: string | undefined;
  /** Runs and events kept (13 months by default), deleted daily where the scheduler runs (src/service/retention.ts). */
  retention?: RetentionOptions;
  /**
   * Where people reach the dashboard (`--public-url`): the one Host name answered, Secure cookies over https, the
   * links in mails. Without it, only IP literals and localhost are answered.
   */
  publicUrl?: string;
  /** Behind a reverse proxy: the client's address is the last of `X-Forwarded-For` (`--trust-proxy`). */
  trustProxy?: boolean;
  /** The SMTP server for invitations and alerts (src/alerts/mailer.ts); no e-mail without it. */
  smtp?: SmtpSettings;
  /** How long webhook messages settle before a targeted run (src/service/realtime.ts; tests shorten it). */
  realtime?: { quietMs?: number; maxWaitMs?: number };
}

export const serviceRoles = ['all', 'scheduler', 'worker', 'web'] as const;
export type ServiceRole = (typeof serviceRoles)[number];

export const defaultWorkerConcurrency = 4;

export interface RunningService {
  /** The HTTP endpoint, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  readonly mode: 'tenants' | 'sandbox';
  /** `embedded` (one process does everything, any store) or `scaled` (PostgreSQL and the job queue). */
  readonly deployment: 'embedded' | 'scaled';
  readonly role: ServiceRole;
  /** Scaled mode: whether this process's scheduler leads now (false in other roles). */
  isLeader(): boolean;
  /** The folder of the store in use (`<dataDir>/sandbox` for the sandbox). */
  readonly dataDir: string;
  readonly store: Stores;
  readonly metrics: ServiceMetrics;
  readonly scheduler: Scheduler;
  /** The sandbox's simulators and demo tenant, in sandbox mode. */
  readonly sandbox: ServiceSandbox | undefined;
  /** In sandbox mode, the first sync, started right away; resolves when it ends (undefined if it could not start). */
  readonly firstSync: Promise<TenantSyncOutcome | undefined> | undefined;
  /** Where the dashboard's administrator password came from at this start. */
  readonly adminPassword: ServiceAdminPassword['source'];
  /**
   * One sync of one tenant now (down, then up), under its lock; refused with a message when it runs or is paused.
   * `done` of an accepted run resolves with what each direction did; `onProgress` is told as it goes.
   */
  syncNow(tenantId: string, options?: { onProgress?: TenantSyncProgressListener }): Promise<SyncNowResult>;
  /** Lets the syncs in progress finish their current record, records them as interrupted, closes everything. */
  stop(): Promise<void>;
}

export type SyncNowResult =
  | { accepted: true; tenantId: string; done: Promise<TenantSyncOutcome | undefined> }
  | { accepted: false; tenantId: string; message: string };

/** What a run left `running` by a stopped process is recorded with. */
export const interruptedRunMessage = 'interrupted: the process running it stopped before the end of the run';

/** A new user reads this first: what they are looking at and how to leave it. */
export function sandboxNotice(sandbox: ServiceSandbox): string {
  return [
    'SANDBOX: no tenant is configured, so this is a demo on simulators, not on real accounts.',
    `Aimaira and Edusign simulators run on loopback (${sandbox.simulators.aimaira.url}, ${sandbox.simulators.edusign.url})`,
    `with a generated ${sandbox.simulators.scenario.size} training organisation; the demo tenant "${sandbox.tenant.id}"`,
    'syncs now: sessions come down as Edusign sheets, then a few sheets are signed and locked as a person would,',
    'and their attendance goes up to Aimaira.',
    `Edusign's limit is raised to ${sandbox.edusignPerMinute.toLocaleString('en-GB')} requests a minute in the`,
    'sandbox (Edusign allows 480) so that the first sync takes seconds instead of minutes: a demo of the behaviour,',
    'not of the rate.',
    'To sync a real organisation: ./bin/aimaira-edusign tenant add (or tenant import --config FILE), then serve again.',
    `The sandbox keeps its state in ${sandbox.dataDir}, never in the real data folder, and starts afresh each time.`,
  ].join(' ');
}

export async function startService(options: ServiceOptions): Promise<RunningService> {
  const { clock } = options;
  const logger: Logger = options.log.logger;
  const startedAt = new Date(clock.now()).toISOString();

  const storeUrl = options.store ?? join(options.dataDir, sqliteFileName);
  const role = options.role ?? 'all';
  const scaledStore = postgresTarget(storeUrl);
  if (!scaledStore && role !== 'all') {
    throw new ConfigError([
      `--role ${role}: the roles of the scaled mode need a PostgreSQL store (--store postgres://...)`,
    ]);
  }
  if (scaledStore && options.sandbox === true) {
    throw new ConfigError(['--sandbox: the sandbox keeps its own SQLite store; leave --store postgres://... out']);
  }
  const runsHere = role === 'all' || role === 'worker';
  const schedulesHere = role === 'all' || role === 'scheduler';
  const servesDashboard = role === 'all' || role === 'web';

  // The real store says whether any tenant is configured; the sandbox never writes to it, nor creates it: a
  // missing SQLite file reads as an empty store unless the sandbox is ruled out (then the service needs the file).
  let store: Stores = await openStore(storeUrl, { createMissing: options.sandbox === false });
  let sandbox: ServiceSandbox | undefined;
  let tenants: ServiceTenants;
  let dashboardTenants: DashboardTenantSource;
  let admin: ServiceAdminPassword;
  /** The keys that seal the tenants' webhook secrets; none in the sandbox (its demo tenant has no receivers). */
  let webhookKeys: (() => Promise<Keyring>) | undefined;
  try {
    // The real data folder's, in the sandbox too: a password chosen there is the one of the real service.
    admin = await loadAdminPassword({ dataDir: options.dataDir, plaintext: options.adminPassword });
    const configured = (await store.tenants.list()).length;
    if (!scaledStore && (options.sandbox ?? configured === 0)) {
      await store.close();
      sandbox = await startServiceSandbox({ dataDir: options.dataDir, ...options.sandboxOptions });
      store = await openStore(`sqlite:${join(sandbox.dataDir, sqliteFileName)}`);
      tenants = sandboxTenants(sandbox.tenant);
      dashboardTenants = { kind: 'sandbox', tenant: sandbox.tenant };
    } else {
      const { repository, keys } = storeRepository(store, options);
      webhookKeys = keys;
      tenants = options.tenants
        ? await options.tenants(store)
        : { list: () => repository.list(), config: (tenantId) => repository.toTenantConfig(tenantId) };
      dashboardTenants = { kind: 'repository', repository };
    }
  } catch (error) {
    await store.close().catch(() => undefined);
    await sandbox?.close().catch(() => undefined);
    throw error;
  }
  const mode = sandbox ? 'sandbox' : 'tenants';
  const dataDir = resolve(sandbox?.dataDir ?? options.dataDir);
  if (sandbox) for (const secret of tenantSecrets(sandbox.tenant)) options.log.registerSecret(secret);

  // Runs a killed process left `running`, except those of tenants another live process runs now (its lock is
  // alive). Those whose lock is still alive because their process died moments ago are caught at their next
  // run, which holds the lock and so knows that no other run of the tenant is live.
  const liveLocks = (await store.schedule.listLocks()).filter((lock) => lock.expiresAt > startedAt);
  const interrupted = await store.markRunningAsInterrupted(startedAt, interruptedRunMessage, {
    exceptTenantIds: liveLocks.map((lock) => lock.tenantId),
  });
  for (const run of interrupted) logInterrupted(logger, run);

  let queue: SyncQueue | undefined;
  let election: LeaderElection | undefined;
  /** What becoming the leader does: a tick, once the scheduler exists. */
  let onLeading = () => {};
  if (scaledStore) {
    try {
      queue = await startSyncQueue({
        url: scaledStore.url,
        schema: scaledStore.schema === undefined ? 'pgboss' : `${scaledStore.schema}_queue`,
        logger,
        ...(options.scaled?.pollingIntervalSeconds !== undefined && {
          pollingIntervalSeconds: options.scaled.pollingIntervalSeconds,
        }),
      });
    } catch (error) {
      await store.close().catch(() => undefined);
      throw error;
    }
    if (schedulesHere) {
      election = startLeaderElection({
        url: scaledStore.url,
        name: scaledStore.schema ?? 'public',
        ...(options.scaled?.leaderRetryMs !== undefined && { retryMs: options.scaled.leaderRetryMs }),
        onChange: (leading) => {
          logger.info(
            { leader: leading },
            leading
              ? 'this scheduler leads: it queues the due runs'
              : 'this scheduler does not lead: another one queues',
          );
          // A new leader looks at once rather than at its next tick (up to 30 s away).
          if (leading) onLeading();
        },
        onError: (error) => logger.warn({ err: error }, 'leader election: connection lost; trying again'),
      });
    }
  }
  const activeQueue = queue;

  const metrics = createServiceMetrics({
    clock,
    lastSuccesses: async () => {
      const known = new Set((await tenants.list()).map((tenant) => tenant.id));
      const ends = await store.lastRunEnds(['success', 'partial']);
      return ends.filter((end) => known.has(end.tenantId));
    },
    ...(options.processMetrics !== undefined && { processMetrics: options.processMetrics }),
    ...(activeQueue && { queueJobs: () => activeQueue.jobCounts() }),
  });

  /** One-shot steps between down and up, by tenant: the sandbox's person signing sheets. */
  const afterDownSteps = new Map<string, (down: DirectionOutcome) => Promise<void>>();
  /** What each tenant's latest sync did, for whoever asked for it (`syncNow`). */
  const lastOutcomes = new Map<string, TenantSyncOutcome>();
  let running = 0;
  const edusignRequestsPerMinute = sandbox?.edusignPerMinute ?? options.edusignRequestsPerMinute;
  // One Edusign limiter per tenant for all its runs in this process: scheduled, on demand and targeted runs follow
  // one another under the tenant's lock, and together stay under the limit.
  const edusignLimiterOf = createTenantEdusignLimiters(clock, edusignRequestsPerMinute);

  /** Called by the scheduler under the tenant's lock; `only` by the near-real-time runner, under the same lock. */
  const runTenant = async (
    tenantId: string,
    trigger: RunTrigger | 'realtime',
    signal: AbortSignal,
    onProgress?: TenantSyncProgressListener,
    only?: TenantSyncRequest['only'],
  ): Promise<RunOutcome> => {
    running++;
    try {
      // Under the lock no other run of the tenant is live: one still `running` was left by a stopped process.
      const at = new Date(clock.now()).toISOString();
      for (const run of await store.markRunningAsInterrupted(at, interruptedRunMessage, { tenantIds: [tenantId] })) {
        logInterrupted(logger, run);
      }
      let tenant: TenantConfig;
      try {
        tenant = await tenants.config(tenantId);
      } catch (error) {
        logger.error({ tenant: tenantId, err: toError(error) }, 'the sync could not start');
        throw error;
      }
      for (const secret of tenantSecrets(tenant)) options.log.registerSecret(secret);
      const afterDown = afterDownSteps.get(tenantId);
      afterDownSteps.delete(tenantId);
      const outcome = await syncTenant(
        {
          store,
          clock,
          logger,
          metrics,
          ...(edusignRequestsPerMinute !== undefined && { edusignRequestsPerMinute }),
          edusignLimiterOf,
        },
        {
          tenant,
          reason: trigger,
          signal,
          ...(afterDown && { afterDown }),
          ...(onProgress && { onProgress }),
          ...(only && { only }),
        },
      );
      lastOutcomes.set(tenantId, outcome);
      return runOutcomeOf(outcome.directions);
    } finally {
      running--;
    }
  };

  // Alerts where runs end (the scheduler's events) and where people pause (the dashboard): the store's memory makes
  // each change of state told once, whichever process sees it.
  options.log.registerSecret(options.smtp?.password);
  const mailer = options.smtp ? createMailer(options.smtp) : undefined;
  const alerter = sandbox
    ? undefined
    : createAlerter({
        accounts: store.accounts,
        ...(mailer && { mailer }),
        sendWebhook: createWebhookSender({ allowLoopback: options.urlPolicy?.allowLoopbackHttp === true }),
        ...(options.publicUrl !== undefined && { publicUrl: options.publicUrl }),
        defaultLang: 'fr',
        clock,
        logger,
        healthOf: (tenantId) => store.schedule.getHealth(tenantId),
        attentionOf: (tenantId, outcome) => attentionFromEvents(store, tenantId, outcome.runIds ?? []),
        scrubText: (text) => options.log.scrubber.scrubText(text),
      });

  const scheduler = createScheduler({
    clock,
    store: store.schedule,
    tenants: () => tenants.list(),
    runTenant,
    // The sandbox's demo tenant is not in the tenants table: nothing to mirror a pause to.
    ...(!sandbox && { tenantStatus: store.tenants }),
    ...(options.scheduler?.windows && { windows: options.scheduler.windows }),
    ...(options.scheduler?.tickMs !== undefined && { tickMs: options.scheduler.tickMs }),
    onEvent: (event) => {
      logSchedulerEvent(logger, event);
      alerter?.onSchedulerEvent(event);
    },
    ...(queue && { dispatcher: queue.dispatcher }),
    ...(election && { leading: () => election.isLeader() }),
  });
  // Each tenant's webhook receivers (not in the sandbox: its demo tenant has none), and acting on their messages:
  // in this process in the embedded mode; in the scaled mode the leader hands each tenant's settled messages to the
  // workers as jobs of the queue, and a worker runs them.
  const webhookEndpoints = webhookKeys && createWebhookEndpoints({ store: store.webhooks, keys: webhookKeys, clock });
  const realtime =
    webhookEndpoints && (runsHere || schedulesHere)
      ? startRealtimeLoop({
          store,
          clock,
          logger,
          endpoints: webhookEndpoints,
          tenants,
          edusignLimiterOf,
          ...options.realtime,
          mode: !queue
            ? { kind: 'local' }
            : schedulesHere
              ? {
                  kind: 'dispatch',
                  leading: () => election?.isLeader() ?? false,
                  dispatch: (tenantId) => queue.requestRealtime(tenantId),
                }
              : { kind: 'jobs-only' },
          run: async (tenantId, targets, signal) =>
            (
              await runTenant(tenantId, 'realtime', signal, undefined, {
                sessionIds: targets.sessionIds,
                sheetIds: targets.sheetIds,
              })
            ).status,
          onBatch: (batch) => metrics.recordRealtimeBatch(batch),
        })
      : undefined;
  if (queue && runsHere) {
    const worker = scheduler.holder;
    await queue.work({
      scheduler,
      concurrency: options.workerConcurrency ?? defaultWorkerConcurrency,
      worker,
      onJob: (job) => metrics.recordJob({ worker, outcome: job.ran ? job.status : `not-run:${job.why}` }),
      ...(realtime && { realtime: (tenantId: string) => realtime.runTenant(tenantId) }),
    });
  }
  // A web process runs nothing: its "sync now" is a job for a worker.
  const queuedNow =
    queue && !runsHere ? queuedSyncNow({ store, queue, clock, tenants: () => tenants.list() }) : undefined;

  const syncNow = async (
    tenantId: string,
    syncOptions: { onProgress?: TenantSyncProgressListener } = {},
  ): Promise<SyncNowResult> => {
    if (queuedNow) return queuedNow(tenantId);
    const result = await scheduler.runNow(tenantId, syncOptions);
    if (!result.accepted) return { accepted: false, tenantId, message: result.message };
    lastOutcomes.delete(tenantId);
    return { accepted: true, tenantId, done: result.done.then(() => lastOutcomes.get(tenantId)) };
  };

  const wakeRealtime = (): void => realtime?.wake();
  const webhooks: DashboardWebhooks | undefined = webhookEndpoints && {
    endpoints: webhookEndpoints,
    inbox: store.webhooks,
    onRecorded: () => wakeRealtime(),
    count: (source, outcome) => metrics.recordWebhook(source, outcome),
  };

  // The set-up page made the first operator at an earlier start: no set-up link any more, people sign in.
  if (admin.source === 'setup' && (await store.accounts.countUsers()) > 0) {
    admin = { source: 'accounts', password: admin.password };
  }
  const dashboard = !servesDashboard
    ? undefined
    : createDashboard(
        createServiceDashboardDeps({
          store,
          clock,
          scheduler,
          syncNow: (tenantId, syncOptions) => syncNow(tenantId, syncOptions),
          tenants: dashboardTenants,
          adminPassword: admin.password,
          accounts: store.accounts,
          ...(options.publicUrl !== undefined && { publicUrl: options.publicUrl }),
          ...(options.trustProxy !== undefined && { trustProxy: options.trustProxy }),
          ...(mailer && { mailer }),
          ...(alerter && { alerts: alerter }),
          ...(webhooks && { webhooks }),
          ...(webhookEndpoints && { webhookEndpoints }),
          retention: retentionSettings(options.retention),
          ...(options.urlPolicy && { urlPolicy: options.urlPolicy }),
          clientOptions: {
            onExchange: (exchange) => metrics.observeExchange(exchange),
            ...(edusignRequestsPerMinute !== undefined && { edusignRequestsPerMinute }),
          },
          onTenantConfig: (tenant) => {
            for (const secret of tenantSecrets(tenant)) options.log.registerSecret(secret);
          },
          onError: (error, context) =>
            logger.error({ err: toError(error), path: context.path }, 'dashboard page failed'),
        }),
      );

  let stopped: Promise<void> | undefined;
  let http: ServiceHttp;
  try {
    http = await startServiceHttp({
      host: options.host,
      port: options.port,
      metrics,
      ...(dashboard && { dashboard }),
      ...(options.publicUrl !== undefined && { publicUrl: options.publicUrl }),
      logger,
      health: async (): Promise<Health> => ({
        status: stopped === undefined ? 'ok' : 'stopping',
        mode,
        role,
        ...(election && { leader: election.isLeader() }),
        startedAt,
        tenants: (await tenants.list()).length,
        running,
      }),
    });
  } catch (error) {
    await election?.stop().catch(() => undefined);
    await queue?.stop(1_000).catch(() => undefined);
    await store.close().catch(() => undefined);
    await sandbox?.close().catch(() => undefined);
    throw error;
  }
  logger.info(
    {
      mode,
      deployment: scaledStore ? 'scaled' : 'embedded',
      role,
      url: http.url,
      dataDir,
      dashboard: `${http.url}/`,
      metrics: `${http.url}/metrics`,
      health: `${http.url}/healthz`,
    },
    `service listening on ${http.url} (${mode === 'sandbox' ? 'sandbox' : 'tenants from the store'}` +
      `${scaledStore ? `, scaled mode, role ${role}` : ''})` +
      (dashboard ? `; dashboard at ${http.url}/` : ''),
  );
  if (dashboard) logAdminPassword(logger, admin, http.url);

  let firstSync: Promise<TenantSyncOutcome | undefined> | undefined;
  if (sandbox) firstSync = startSandboxFirstSync(sandbox, { store, clock, logger, afterDownSteps, syncNow });
  if (schedulesHere) scheduler.start();
  if (election) {
    onLeading = () =>
      void scheduler.tick().catch((error: unknown) => logger.error({ err: toError(error) }, 'tick failed'));
    if (election.isLeader()) onLeading();
  }
  const retention = schedulesHere ? startRetention({ store, clock, logger, options: options.retention }) : undefined;
  const listed = await tenants.list();
  const windows = (options.scheduler?.windows ?? defaultWindows).map((window) => `${window.start}-${window.end}`);
  if (schedulesHere) {
    logger.info(
      {
        tenants: listed.length,
        active: listed.filter((tenant) => tenant.status === activeTenantStatus).length,
        windows,
      },
      `scheduler started: ${listed.length} tenant(s), each synced once in each window (${windows.join(', ')}, ` +
        `${scheduleZone}) at a slot of its own`,
    );
  }

  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      logger.info({ running }, 'stopping: syncs in progress finish their current record');
      await election?.stop();
      // Workers take no new job; the runs in progress end after their record in flight and give their jobs back.
      await queue?.stopWorking();
      await scheduler.stop();
      await realtime?.stop();
      // Alerts of the last runs go out before the store closes.
      await alerter?.idle();
      mailer?.close();
      await retention?.stop();
      await queue?.stop();
      await http.close();
      await sandbox?.close();
      await store.close();
      logger.info('stopped');
    })();
    return stopped;
  };

  return {
    url: http.url,
    mode,
    deployment: scaledStore ? 'scaled' : 'embedded',
    role,
    isLeader: () => election?.isLeader() ?? false,
    dataDir,
    store,
    metrics,
    scheduler,
    sandbox,
    firstSync,
    adminPassword: admin.source,
    syncNow,
    stop,
  };
}

/**
 * How to sign in to the dashboard. With no password yet, the set-up link carries the one-time token: in the message
 * (a field named `token` would be censored), for whoever reads this log, which is who may set the password.
 */
function logAdminPassword(logger: Logger, admin: ServiceAdminPassword, url: string): void {
  if (admin.source === 'environment') {
    logger.info(
      { adminPassword: 'environment' },
      'dashboard: sign in with the password of AIMAIRA_EDUSIGN_ADMIN_PASSWORD',
    );
  } else if (admin.source === 'file') {
    logger.info(
      { adminPassword: admin.file },
      `dashboard: sign in as admin with the administrator password (${admin.file})`,
    );
  } else if (admin.source === 'accounts') {
    logger.info({ adminPassword: 'accounts' }, 'dashboard: sign in with your account');
  } else {
    logger.warn(
      { adminPassword: 'not set', setup: `${url}/setup` },
      `dashboard: no account yet. Make the first operator at ${url}/setup?token=${admin.setupToken} ` +
        '(a one-time link; or set AIMAIRA_EDUSIGN_ADMIN_PASSWORD, the password of the operator account admin)',
    );
  }
}

/** The sandbox's first sync: down, a person signing a few sheets, up; then a summary a new user can read. */
function startSandboxFirstSync(
  sandbox: ServiceSandbox,
  context: {
    store: StateStore;
    clock: Clock;
    logger: Logger;
    afterDownSteps: Map<string, (down: DirectionOutcome) => Promise<void>>;
    syncNow: (tenantId: string) => Promise<SyncNowResult>;
  },
): Promise<TenantSyncOutcome | undefined> {
  const { logger, clock } = context;
  const tenantId = sandbox.tenant.id;
  logger.info({ sandbox: true, tenant: tenantId }, sandboxNotice(sandbox));
  const began = clock.now();
  context.afterDownSteps.set(tenantId, async (down) => {
    if (down.status === 'failed') return;
    const signed = await sandbox.signSomeSheets(context.store);
    logger.info(
      { sandbox: true, tenant: tenantId, ...signed },
      `sandbox: a person signed and locked ${signed.sheets} sheets on Edusign (${signed.signatures} signatures, ` +
        `${signed.absent} absent); the upward run sends their attendance to Aimaira`,
    );
  });
  return (async () => {
    const started = await context.syncNow(tenantId);
    if (!started.accepted) {
      logger.error({ sandbox: true, tenant: tenantId }, `sandbox: the first sync could not start: ${started.message}`);
      return undefined;
    }
    const outcome = await started.done;
    if (!outcome) return undefined;
    const seconds = Math.round((clock.now() - began) / 100) / 10;
    const counts = (direction: RunDirection) =>
      outcome.directions.find((candidate) => candidate.direction === direction)?.counts ?? {};
    const sheets = counts('down')['sheet.created'] ?? 0;
    const attendance = (counts('up')['attendance.created'] ?? 0) + (counts('up')['attendance.updated'] ?? 0);
    const message =
      outcome.status === 'interrupted'
        ? `sandbox: first sync interrupted after ${seconds} s`
        : `sandbox: first sync ${outcome.status} in ${seconds} s: ${sheets} sheets came down to Edusign, ` +
          `${attendance} attendance rows went up to Aimaira. The service keeps running and syncs again in the ` +
          'next window (11:00-14:00 and 18:00-21:00, Paris time); Ctrl-C stops it.';
    logger.info({ sandbox: true, tenant: tenantId, status: outcome.status, seconds, sheets, attendance }, message);
    return outcome;
  })().catch((error: unknown) => {
    logger.error({ sandbox: true, err: toError(error) }, 'sandbox: the first sync could not run');
    return undefined;
  });
}

function logInterrupted(logger: Logger, run: Run): void {
  logger.warn(
    { tenant: run.tenantId, direction: run.direction, runId: run.id, startedAt: run.startedAt },
    'a run left running by a stopped process is now recorded as interrupted; the next sync resumes from there',
  );
}

/** The scheduler's events as log lines; runs log themselves (tenant-sync.ts). */
function logSchedulerEvent(logger: Logger, event: SchedulerEvent): void {
  switch (event.type) {
    case 'run-started':
    case 'run-finished':
      return;
    case 'missed':
      logger.warn(
        { tenant: event.tenantId, window: event.occurrence.windowId, date: event.occurrence.parisDate },
        'a scheduled window closed without a run (the service was down): the next window runs it',
      );
      return;
    case 'paused':
      logger.warn({ tenant: event.tenantId, reason: event.pause.reason }, `tenant paused: ${event.pause.message}`);
      return;
    case 'resumed':
      logger.info({ tenant: event.tenantId }, 'tenant resumed');
      return;
    case 'lock-busy':
      logger.info({ tenant: event.tenantId }, `scheduled run waits: ${event.message}`);
      return;
    case 'lock-taken-over':
      logger.warn({ tenant: event.tenantId }, event.message);
      return;
    case 'claim-abandoned':
      logger.warn(
        { tenant: event.run.tenantId, window: event.run.windowId, date: event.run.parisDate },
        'a scheduled run whose process stopped is recorded as interrupted; it runs again if its window is open',
      );
      return;
    case 'error':
      logger.error({ tenant: event.tenantId, err: event.error }, 'scheduler error');
      return;
  }
}

/** The PostgreSQL connection string and schema of a store URL; undefined for SQLite. */
function postgresTarget(storeUrl: string): { url: string; schema: string | undefined } | undefined {
  const location = parseStoreUrl(storeUrl);
  return location.kind === 'postgres' ? { url: location.url, schema: location.schema } : undefined;
}

function sandboxTenants(tenant: TenantConfig): ServiceTenants {
  return {
    list: () => Promise.resolve([{ id: tenant.id, status: 'active' }]),
    config: (tenantId) =>
      tenantId === sandboxTenantId ? Promise.resolve(tenant) : Promise.reject(new Error(`no tenant "${tenantId}"`)),
  };
}

/**
 * The tenants of the store; their secrets are opened with the master keys, loaded at the first run. The same keys
 * seal the tenants' webhook secrets.
 */
function storeRepository(
  store: Stores,
  options: ServiceOptions,
): { repository: TenantRepository; keys: () => Promise<Keyring> } {
  const loadKeys = lazyMasterKeys(store.tenants, {
    keyFile: options.masterKey?.keyFile ?? join(options.dataDir, keyFileName),
    environmentValue: options.masterKey?.environmentValue,
  });
  let noticesLogged = false;
  const keys = async () => {
    const loaded = await loadKeys();
    // Said once: a key file created, or readable by others than its owner.
    if (!noticesLogged) for (const notice of loaded.notices) options.log.logger.warn({ keyFile: loaded.file }, notice);
    noticesLogged = true;
    return loaded;
  };
  const repository = createTenantRepository({
    store: store.tenants,
    keys,
    clock: options.clock,
    ...(options.urlPolicy && { urlPolicy: options.urlPolicy }),
  });
  return { repository, keys: async () => (await keys()).keyring() };
}
