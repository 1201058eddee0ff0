/**
 * `sync`: one run of the connector for the tenants of a configuration file, one tenant after the other: down
 * (Aimaira sessions to Edusign sheets), then up (attendance back to Aimaira), each tenant through `syncTenant`, the
 * function the service runs too.
 *
 * Each tenant runs under its lock in the store (`--store`, else $AIMAIRA_EDUSIGN_STORE, else
 * `<data-dir>/state.sqlite`), the one the service's scheduler takes: a tenant already running (in the service or
 * another `sync`) is not run, with a message saying since when.
 *
 * Exit status: 0 every run succeeded; 1 some records failed and will be retried; 2 a run failed or was
 * interrupted, or a tenant was already running; 64 bad usage or configuration. `--json` prints one JSON summary of
 * the whole command on stdout.
 */
import type { Command } from 'commander';

import { systemClock } from '../clock.js';
import type { Clock } from '../clock.js';
import type { TenantConfig } from '../config/config.js';
import type { ReasonCode } from '../domain/reasons.js';
import type { RecordKind } from '../domain/types.js';
import type { Link, RunCounts, RunDirection, Stores } from '../store/port.js';
import { formatPreflight } from '../service/preflight.js';
import { checkConfiguredTenants } from '../service/url-policy.js';
import { acquireTenantLock, lockHolder } from '../service/tenant-lock.js';
import { directionsOf, syncTenant, tenantSyncDirections } from '../service/tenant-sync.js';
import type { DirectionOutcome, TenantSyncOutcome } from '../service/tenant-sync.js';
import { readSheetLinkData } from '../sync/down/plan.js';
import type { DownPlan } from '../sync/down/plan.js';
import { loadLinks } from '../sync/down/run.js';
import type { DownRunResult } from '../sync/down/run.js';
import type { Evaluation, PersonKind, SyncWindow } from '../sync/down/rules.js';
import { loadTenants, openStores, runClock } from './env.js';
import type { StoreOptions } from './env.js';
import { exitCodes } from './exit-codes.js';
import { formatSyncRun, formatSyncTotal } from './format.js';
import type { CommandOutcome } from './main.js';
import { dataDirOptionHelp, parseChoice, parseInstant, storeOptionHelp } from './options.js';
import { createProgressBar } from './progress.js';
import type { ProgressBar } from './progress.js';

export const syncDirections = tenantSyncDirections;
export type SyncDirection = (typeof syncDirections)[number];

export interface SyncCommandOptions extends StoreOptions {
  config: string;
  tenant?: string;
  direction: SyncDirection;
  dryRun: boolean;
  now?: Date;
  json: boolean;
  /** Accept http and loopback URLs (the simulators); the URL policy refuses them by default. */
  allowLoopbackHttp?: boolean;
}

export type TenantRunStatus = DownRunResult['status'];

/** One tenant in one direction. */
export interface TenantRunSummary {
  tenantId: string;
  direction: 'down' | 'up';
  status: TenantRunStatus;
  /** The run recorded in the store; null for a dry run or a direction that did not run. */
  runId: number | null;
  /** Done (a run) or to do (a dry run), by `kind.action`. */
  counts: RunCounts;
  error: string | null;
  /** Sessions of the window that do not come down, by reason (a session counts under each of its reasons). */
  skipReasons: Partial<Record<ReasonCode, number>>;
  /** A plain-words remark, e.g. why a direction did nothing. */
  note: string | null;
  /** Dry runs only: what the run would do. */
  plan?: PlanSummary;
}

/** A downward plan as printed by `--dry-run`: operations by kind, sheets by session, every skip with its reasons. */
export interface PlanSummary {
  window: SyncWindow;
  /** Operations by record kind and action, e.g. `{ "sheet": { "create": 12, "delete": 1 } }`. */
  operations: Partial<Record<RecordKind, Record<string, number>>>;
  /** Every sheet operation. */
  sheets: PlannedSheet[];
  /** Every session of the window that does not come down, with every reason. */
  skips: PlannedSkip[];
  /** People left out of sheets that come down (kind and Aimaira id only). */
  leftOut: PlannedLeftOut[];
  /** Tutors left out (their learners come down without them), each once. */
  leftOutTutors: { aimairaId: number; reason: ReasonCode; problems: string[] }[];
  /** Notable but not excluding, e.g. more than 3 facilitators. */
  warnings: { sessionId: number; name: string; reason: ReasonCode }[];
}

export interface PlannedSheet {
  action: DownPlan['sheets'][number]['op'];
  sessionId: number;
  name: string | null;
  start: string | null;
  edusignId: string | null;
  reason: ReasonCode | null;
}

export interface PlannedSkip {
  sessionId: number;
  name: string;
  start: string | null;
  reasons: ReasonCode[];
}

export interface PlannedLeftOut {
  sessionId: number;
  name: string;
  kind: PersonKind;
  aimairaId: number;
  reason: ReasonCode;
  problems: string[];
}

export interface SyncSummary {
  command: 'sync';
  /** The sync instant (ISO). */
  now: string;
  direction: SyncDirection;
  dryRun: boolean;
  /**
   * The store: its SQLite file (only read by a dry run, and not created when it does not exist), or its
   * PostgreSQL URL without credentials.
   */
  store: string;
  status: 'success' | 'partial' | 'failed';
  exitCode: number;
  /** One entry per tenant and direction, in the order they ran. */
  runs: TenantRunSummary[];
}

export interface CommandStreams {
  stdout: { write(text: string): boolean };
  stderr: { write(text: string): boolean; isTTY?: boolean; columns?: number };
}

const processStreams: CommandStreams = { stdout: process.stdout, stderr: process.stderr };

export function registerSyncCommand(program: Command, outcome: CommandOutcome): void {
  program
    .command('sync')
    .description(
      'Synchronise the tenants of the configuration file, one after the other: Aimaira sessions down to Edusign ' +
        'sheets, then attendance of locked sheets up to Aimaira. Exit status: 0 done, 1 partial, 2 failed, 64 bad usage.',
    )
    .requiredOption(
      '--config <file>',
      'configuration file (YAML or JSON); ${NAME} in it is replaced by the environment variable NAME',
    )
    .option('--tenant <id>', 'synchronise only this tenant (default: every tenant of the file)')
    .option(
      '--direction <direction>',
      `${syncDirections.join(', ')}: down = sessions to sheets, up = attendance of locked sheets back, both = down then up`,
      parseChoice('--direction', syncDirections),
      'both',
    )
    .option(
      '--dry-run',
      'print the plan (writes by kind, every session that does not come down and why) and write nothing, ' +
        'neither to Edusign nor to the store',
    )
    .option(
      '--now <instant>',
      'run as if it were this instant instead of the clock (ISO 8601 with its offset, e.g. 2026-12-01T07:00:00+01:00)',
      parseInstant('--now'),
    )
    .option('--store <url>', storeOptionHelp)
    .option('--data-dir <dir>', dataDirOptionHelp, './data')
    .option('--json', 'print one JSON summary of the whole command on stdout, and nothing else')
    .option(
      '--allow-loopback-http',
      'accept http:// and loopback URLs in the configuration file (the simulators of the sandbox and tests); never for real tenants',
    )
    .action(async (options: Omit<SyncCommandOptions, 'dryRun' | 'json'> & { dryRun?: true; json?: true }) => {
      outcome.exitCode = await runSyncCommand({
        ...options,
        dryRun: options.dryRun === true,
        json: options.json === true,
      });
    });
}

export async function runSyncCommand(
  options: SyncCommandOptions,
  streams: CommandStreams = processStreams,
): Promise<number> {
  const tenants = await loadTenants(options.config, options.tenant);
  // The policy of `tenant add`: a configuration file names hosts the connector calls with credentials too. It
  // runs before the store opens, and every connection is checked again as it is made (src/http/connect-guard.ts).
  await checkConfiguredTenants(tenants, { allowLoopbackHttp: options.allowLoopbackHttp === true });
  const { clock, now } = runClock(options.now);
  const { store, description } = await openStores(options, options.dryRun ? 'read' : 'write');

  // Ctrl-C: the run in progress stops after the record in flight and is recorded as interrupted; a second
  // Ctrl-C ends the process at once.
  const interruption = new AbortController();
  const interrupt = () => {
    streams.stderr.write('\nInterrupting after the record in flight (Ctrl-C again to stop at once)...\n');
    interruption.abort(new Error('interrupted'));
  };
  process.once('SIGINT', interrupt);

  const runs: TenantRunSummary[] = [];
  const report = (summary: TenantRunSummary) => {
    runs.push(summary);
    if (!options.json) streams.stdout.write(formatSyncRun(summary, { dryRun: options.dryRun }));
  };
  const holder = lockHolder('sync');
  try {
    for (const tenant of tenants) {
      // One live run per tenant: the service's scheduler and other `sync` commands take the same lock. The lease
      // is dated by the real clock, whatever --now says. A dry run writes nothing and takes no lock.
      const attempt = options.dryRun
        ? undefined
        : await acquireTenantLock(store.schedule, tenant.id, { holder, clock: systemClock });
      if (attempt && !attempt.acquired) {
        streams.stderr.write(`aimaira-edusign: ${attempt.message}\n`);
        for (const direction of directionsOf(options.direction)) report(notRun(tenant.id, direction, attempt.message));
        continue;
      }
      if (attempt?.tookOver) streams.stderr.write(`aimaira-edusign: ${attempt.tookOver.message}\n`);
      const signal = attempt ? AbortSignal.any([interruption.signal, attempt.lock.lost]) : interruption.signal;
      try {
        await syncOneTenant({ tenant, store, clock, now, options, streams, signal }, report);
      } finally {
        await attempt?.lock.release();
      }
    }
  } finally {
    process.off('SIGINT', interrupt);
    await store.close();
  }

  const exitCode = exitCodeOf(runs);
  const summary: SyncSummary = {
    command: 'sync',
    now: now.toISOString(),
    direction: options.direction,
    dryRun: options.dryRun,
    store: description,
    status: exitCode === exitCodes.ok ? 'success' : exitCode === exitCodes.partial ? 'partial' : 'failed',
    exitCode,
    runs,
  };
  streams.stdout.write(options.json ? `${JSON.stringify(summary, null, 2)}\n` : formatSyncTotal(summary));
  return exitCode;
}

/** 2 when a run failed or was interrupted, else 1 when one is partial, else 0. */
export function exitCodeOf(runs: readonly TenantRunSummary[]): number {
  if (runs.some((run) => run.status === 'failed' || run.status === 'interrupted')) return exitCodes.failed;
  if (runs.some((run) => run.status === 'partial')) return exitCodes.partial;
  return exitCodes.ok;
}

interface RunContext {
  tenant: TenantConfig;
  store: Stores;
  clock: Clock;
  now: Date;
  options: SyncCommandOptions;
  streams: CommandStreams;
  signal: AbortSignal;
}

/** What a terminal shows while a direction reads, before it knows how much it will write. */
const readingStatus = {
  down: 'reading Aimaira and Edusign...',
  up: 'reading locked sheets on Edusign...',
} as const satisfies Record<RunDirection, string>;

/**
 * One tenant, through the one function that runs a tenant (`syncTenant`): a progress bar on a terminal, the
 * preflight printed when it ran now, each direction reported as it ends.
 */
async function syncOneTenant(context: RunContext, report: (summary: TenantRunSummary) => void): Promise<void> {
  const { tenant, store, clock, now, options, streams, signal } = context;
  const wanted = directionsOf(options.direction);
  if (signal.aborted) {
    for (const direction of wanted) report(notRun(tenant.id, direction));
    return;
  }
  // A dry run writes no link: those of before the run are the ones its plan was made against.
  const links = options.dryRun ? await loadLinks(store, tenant.id) : undefined;

  let bar: { direction: RunDirection; progress: ProgressBar } | undefined;
  const showBar = (direction: RunDirection) => {
    if (options.json || bar?.direction === direction) return;
    bar?.progress.finish();
    bar = { direction, progress: createProgressBar(streams.stderr, `${tenant.id} ${direction}`) };
    bar.progress.status(readingStatus[direction]);
  };
  // The bar of the first direction shows while the clients are made (and the preflight runs, the first time).
  if (wanted[0] !== undefined) showBar(wanted[0]);
  const summaryOf = (outcome: DirectionOutcome) => directionSummary(tenant, outcome, links);
  let outcome: TenantSyncOutcome;
  try {
    outcome = await syncTenant(
      { store, clock },
      {
        tenant,
        reason: 'sync',
        signal,
        directions: options.direction,
        dryRun: options.dryRun,
        now,
        // A tenant's first run probes its servers first: say what was found, once, before the run's summary.
        onPreflight: (preflight) => {
          if (options.json) return;
          bar?.progress.finish();
          streams.stdout.write(formatPreflight(preflight));
        },
        onProgress: (progress) => {
          if (progress.stage === 'started') showBar(progress.direction);
          else if (progress.stage === 'writing') bar?.progress.update(progress.done, progress.total);
          else bar?.progress.finish();
        },
        onDirection: (direction) => report(summaryOf(direction)),
      },
    );
  } finally {
    bar?.progress.finish();
  }
  // A direction not run: the command was interrupted, or the run could not start, which each direction would
  // have met in turn.
  const firstError = outcome.directions[0]?.error ?? null;
  for (const direction of wanted.slice(outcome.directions.length)) {
    report(
      signal.aborted
        ? notRun(tenant.id, direction)
        : summaryOf({ direction, status: 'failed', runId: null, counts: {}, error: firstError, durationMs: 0 }),
    );
  }
}

/** A direction not run: the command was interrupted, or (`lockedOut`) another run of the tenant is in progress. */
function notRun(tenantId: string, direction: RunDirection, lockedOut?: string): TenantRunSummary {
  return {
    tenantId,
    direction,
    status: lockedOut === undefined ? 'interrupted' : 'failed',
    runId: null,
    counts: {},
    error: lockedOut === undefined ? 'not run: the command was interrupted' : `not run: ${lockedOut}`,
    skipReasons: {},
    note: null,
  };
}

/** One direction's line of the summary; a dry run's downward plan with it, as plain data. */
function directionSummary(
  tenant: TenantConfig,
  outcome: DirectionOutcome,
  links: Readonly<Record<RecordKind, ReadonlyMap<number, Link>>> | undefined,
): TenantRunSummary {
  const plan = links && summarisePlan(outcome, links);
  return {
    tenantId: tenant.id,
    direction: outcome.direction,
    status: outcome.status,
    runId: outcome.runId,
    counts: outcome.counts,
    error: outcome.error,
    skipReasons: outcome.skipReasons ?? {},
    note:
      outcome.direction === 'up' && !tenant.options.sendAttendance
        ? 'sendAttendance is off for this tenant: no attendance is sent'
        : null,
    ...(plan && { plan }),
  };
}

/** The plan of a dry run as plain data: no names or e-mails of people, session names only. */
export function summarisePlan(
  result: { plan?: DownPlan | undefined; evaluation?: Evaluation | undefined },
  links: Readonly<Record<RecordKind, ReadonlyMap<number, Link>>>,
): PlanSummary | undefined {
  const { plan, evaluation } = result;
  if (!plan || !evaluation) return undefined;
  const sessions = new Map(evaluation.verdicts.map((verdict) => [verdict.session.aimairaId, verdict.session]));

  const operations: PlanSummary['operations'] = {};
  const kinds = [
    ['facilitator', plan.facilitators],
    ['tutor', plan.tutors],
    ['learner', plan.learners],
    ['group', plan.groups],
    ['sheet', plan.sheets],
  ] as const;
  for (const [kind, list] of kinds) {
    const byAction: Record<string, number> = {};
    for (const operation of list) byAction[operation.op] = (byAction[operation.op] ?? 0) + 1;
    if (list.length > 0) operations[kind] = byAction;
  }

  const sheets = plan.sheets.map((operation): PlannedSheet => {
    if (operation.op === 'delete' || operation.op === 'keep') {
      const session = sessions.get(operation.aimairaId);
      const link = links.sheet.get(operation.aimairaId);
      const written = link ? readSheetLinkData(link) : undefined;
      return {
        action: operation.op,
        sessionId: operation.aimairaId,
        name: session?.name ?? (written?.name || null),
        start: session?.start ?? (written?.start || null),
        edusignId: operation.edusignId,
        reason: operation.reason,
      };
    }
    return {
      action: operation.op,
      sessionId: operation.sheet.aimairaId,
      name: operation.sheet.name,
      start: operation.sheet.start,
      edusignId: operation.op === 'create' ? null : operation.edusignId,
      reason: operation.op === 'recover' ? 'RECOVERED_BY_API_ID' : null,
    };
  });

  return {
    window: evaluation.window,
    operations,
    sheets,
    skips: plan.skips.map((skip) => ({
      sessionId: skip.aimairaId,
      name: skip.name,
      start: sessions.get(skip.aimairaId)?.start ?? null,
      reasons: [...skip.reasons],
    })),
    leftOut: plan.notes.flatMap((verdict) =>
      verdict.leftOut.map((person) => ({
        sessionId: verdict.session.aimairaId,
        name: verdict.session.name,
        kind: person.kind,
        aimairaId: person.aimairaId,
        reason: person.reason,
        problems: [...person.problems],
      })),
    ),
    leftOutTutors: evaluation.leftOutTutors.map((tutor) => ({
      aimairaId: tutor.aimairaId,
      reason: tutor.reason,
      problems: [...tutor.problems],
    })),
    warnings: plan.notes.flatMap((verdict) =>
      verdict.warnings.map((reason) => ({ sessionId: verdict.session.aimairaId, name: verdict.session.name, reason })),
    ),
  };
}
