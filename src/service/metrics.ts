/**
 * The service's Prometheus metrics, in a registry of their own (never prom-client's global one, so two services in
 * one process, as in the tests, count separately): runs by tenant, direction and status; records written by kind
 * and action; API requests by system, method and status class, with their latency; and, read from the store when
 * scraped, the time since each tenant's last successful run.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

import type { Clock } from '../clock.js';
import type { Exchange } from '../http/transport.js';
import type { RunCounts, RunDirection, RunStatus } from '../store/port.js';

export const metricPrefix = 'aimaira_edusign_';

/** When a tenant's newest successful run in one direction ended. */
export interface LastSuccess {
  tenantId: string;
  direction: RunDirection;
  /** ISO instant. */
  endedAt: string;
}

export interface ServiceMetricsOptions {
  clock: Clock;
  /** Read at each scrape: the store knows runs of earlier processes too, which no counter does. */
  lastSuccesses: () => Promise<readonly LastSuccess[]>;
  /** Node's process metrics (memory, CPU, event loop lag) in the same registry; on by default. */
  processMetrics?: boolean;
  /** The scaled mode's job queue, read at each scrape: its jobs by state (pg-boss's states). */
  queueJobs?: () => Promise<Readonly<Record<string, number>>>;
}

/** A job a worker of this process took, as it ended: a run (with its status) or not run (with why). */
export interface WorkerJob {
  worker: string;
  /** The run's status, or `not-run:<why>` (busy, taken, stopped...). */
  outcome: string;
}

export interface FinishedRun {
  tenantId: string;
  direction: RunDirection;
  status: Exclude<RunStatus, 'running'>;
  counts: RunCounts;
}

export interface ServiceMetrics {
  readonly registry: Registry;
  /** The Content-Type of `render()`'s text. */
  readonly contentType: string;
  recordRun(run: FinishedRun): void;
  /** A job of the queue taken by a worker of this process. */
  recordJob(job: WorkerJob): void;
  /** Plugs into the transport's `onExchange`. */
  observeExchange(exchange: Exchange): void;
  /** A webhook message answered by a receiver of this process: accepted, refused (and why), or a hash mismatch. */
  recordWebhook(source: string, outcome: string): void;
  /** A batch of webhook messages acted on (src/service/realtime.ts): its status and latency. */
  recordRealtimeBatch(batch: { status: string; latencyMs: number }): void;
  /** The Prometheus text exposition. */
  render(): Promise<string>;
}

/** `2xx`, `4xx`... or `none` when no answer came back (timeout, connection refused). */
export function statusClass(status: number | undefined): string {
  return status === undefined ? 'none' : `${Math.floor(status / 100)}xx`;
}

/** Request latency buckets, in seconds: from a fast read to the 30 s timeout. */
const latencyBuckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function createServiceMetrics(options: ServiceMetricsOptions): ServiceMetrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: metricPrefix });

  const runs = new Counter({
    name: `${metricPrefix}runs_total`,
    help: 'Sync runs finished, by tenant, direction (down: sessions to sheets, up: attendance back) and status.',
    labelNames: ['tenant', 'direction', 'status'] as const,
    registers: [registry],
  });
  const records = new Counter({
    name: `${metricPrefix}records_total`,
    help: 'Records handled by the runs, by kind (sheet, learner, attendance...) and action (created, updated, skipped...).',
    labelNames: ['kind', 'action'] as const,
    registers: [registry],
  });
  const requests = new Counter({
    name: `${metricPrefix}api_requests_total`,
    help: 'HTTP requests to Aimaira and Edusign (each attempt), by system, method and status class.',
    labelNames: ['system', 'method', 'status_class'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: `${metricPrefix}api_request_duration_seconds`,
    help: 'Duration of HTTP requests to Aimaira and Edusign (each attempt), by system.',
    labelNames: ['system'] as const,
    buckets: latencyBuckets,
    registers: [registry],
  });
  new Gauge({
    name: `${metricPrefix}seconds_since_last_successful_run`,
    help:
      "Seconds since each tenant's newest successful (or partial) run ended, by direction; absent for a tenant " +
      'that never had one.',
    labelNames: ['tenant', 'direction'] as const,
    registers: [registry],
    async collect() {
      // Rebuilt at each scrape: a removed tenant disappears instead of growing forever.
      this.reset();
      const now = options.clock.now();
      for (const success of await options.lastSuccesses()) {
        const ended = Date.parse(success.endedAt);
        if (Number.isNaN(ended)) continue;
        this.set({ tenant: success.tenantId, direction: success.direction }, Math.max(0, (now - ended) / 1000));
      }
    },
  });

  const jobs = new Counter({
    name: `${metricPrefix}worker_jobs_total`,
    help: "Jobs of the queue taken by this process's workers, by worker and outcome (a run's status, or not-run:why).",
    labelNames: ['worker', 'outcome'] as const,
    registers: [registry],
  });
  const webhooks = new Counter({
    name: `${metricPrefix}webhook_messages_total`,
    help:
      'Webhook messages answered by this process, by source (aimaira, edusign) and outcome (accepted, ' +
      'unauthenticated, malformed, too-large, other-tenant, disabled; hash-mismatch counts accepted Aimaira messages ' +
      'whose Hash is not the published formula).',
    labelNames: ['source', 'outcome'] as const,
    registers: [registry],
  });
  const realtimeBatches = new Counter({
    name: `${metricPrefix}realtime_batches_total`,
    help: 'Batches of webhook messages acted on by targeted runs in this process, by status.',
    labelNames: ['status'] as const,
    registers: [registry],
  });
  const realtimeLatency = new Histogram({
    name: `${metricPrefix}realtime_latency_seconds`,
    help: "From a batch's oldest message received to the end of its targeted run.",
    buckets: [1, 5, 10, 20, 30, 60, 120, 300, 900],
    registers: [registry],
  });
  const queueJobs = options.queueJobs;
  if (queueJobs) {
    // One read of the queue per scrape, shared by the three gauges.
    let read: Promise<Readonly<Record<string, number>>> | undefined;
    const counts = () => (read ??= queueJobs().finally(() => setTimeout(() => (read = undefined), 0)));
    new Gauge({
      name: `${metricPrefix}queue_jobs`,
      help: 'Jobs of the sync queue by state (created, retry, active, completed, cancelled, failed), all processes.',
      labelNames: ['state'] as const,
      registers: [registry],
      async collect() {
        for (const [state, count] of Object.entries(await counts())) this.set({ state }, count);
      },
    });
    new Gauge({
      name: `${metricPrefix}queue_depth`,
      help: 'Jobs of the sync queue waiting for a worker (created and retry).',
      registers: [registry],
      async collect() {
        const byState = await counts();
        this.set((byState['created'] ?? 0) + (byState['retry'] ?? 0));
      },
    });
    new Gauge({
      name: `${metricPrefix}queue_active_jobs`,
      help: 'Jobs of the sync queue being run by a worker, all processes.',
      registers: [registry],
      async collect() {
        this.set((await counts())['active'] ?? 0);
      },
    });
  }

  return {
    registry,
    contentType: registry.contentType,
    recordJob(job) {
      jobs.inc({ worker: job.worker, outcome: job.outcome });
    },
    recordWebhook(source, outcome) {
      webhooks.inc({ source, outcome });
    },
    recordRealtimeBatch(batch) {
      realtimeBatches.inc({ status: batch.status });
      realtimeLatency.observe(batch.latencyMs / 1000);
    },
    recordRun(run) {
      runs.inc({ tenant: run.tenantId, direction: run.direction, status: run.status });
      for (const [key, count] of Object.entries(run.counts)) {
        if (!(count > 0)) continue;
        // `sheet.created` → kind sheet, action created.
        const dot = key.indexOf('.');
        const kind = dot < 0 ? key : key.slice(0, dot);
        const action = dot < 0 ? 'done' : key.slice(dot + 1);
        records.inc({ kind, action }, count);
      }
    },
    observeExchange(exchange) {
      requests.inc({ system: exchange.system, method: exchange.method, status_class: statusClass(exchange.status) });
      latency.observe({ system: exchange.system }, exchange.durationMs / 1000);
    },
    render: () => registry.metrics(),
  };
}
