/**
 * `sync`: one run of the connector for the tenants of a configuration file, one tenant after the other: down
 * (Aimaira sessions to Edusign sheets), then up (attendance back to Aimaira) once the upward sync exists.
 *
 * Each tenant runs under its lock in the state store, the one the service's scheduler takes: a tenant already
 * running (in the service or another `sync`) is not run, with a message saying since when.
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
import { toError } from '../errors.js';
import type { Link, RunCounts, StateStore } from '../store/port.js';
import { clientsForRun, formatPreflight } from '../service/preflight.js';
import { acquireTenantLock, lockHolder } from '../service/tenant-lock.js';
import { readSheetLinkData } from '../sync/down/plan.js';
import type { DownPlan } from '../sync/down/plan.js';
import { runUp } from '../sync/up/run.js';
import { loadLinks, runDown } from '../sync/down/run.js';
import type { DownRunResult } from '../sync/down/run.js';
import type { PersonKind, SyncWindow } from '../sync/down/rules.js';
import { loadTenants, openStore, runClock } from './env.js';
import { exitCodes } from './exit-codes.js';
import { formatSyncRun, formatSyncTotal } from './format.js';
import type { CommandOutcome } from './main.js';
import { parseChoice, parseInstant } from './options.js';
import { createProgressBar } from './progress.js';

export const syncDirections = ['down', 'up', 'both'] as const;
export type SyncDirection = (typeof syncDirections)[number];

export interface SyncCommandOptions {
  config: string;
  tenant?: string;
  direction: SyncDirection;
  dryRun: boolean;
  now?: Date;
  dataDir: string;
  json: boolean;
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
  /** The state store file (only read by a dry run, and not created when it does not exist). */
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
      `${syncDirections.join(', ')}: down = sessions to sheets, up = attendance back (not available yet), both = down then up`,
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
    .option('--data-dir <dir>', 'folder of the state store (state.sqlite)', './data')
    .option('--json', 'print one JSON summary of the whole command on stdout, and nothing else')
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
  const { clock, now } = runClock(options.now);
  const { store, file } = await openStore(options.dataDir, options.dryRun ? 'read' : 'write');

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
        for (const direction of directionsOf(options.direction)) {
          report(
            signal.aborted
              ? notRun(tenant.id, direction)
              : await runDirection(direction, { tenant, store, clock, now, options, streams, signal }),
          );
        }
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
    store: file,
    status: exitCode === exitCodes.ok ? 'success' : exitCode === exitCodes.partial ? 'partial' : 'failed',
    exitCode,
    runs,
  };
  streams.stdout.write(options.json ? `${JSON.stringify(summary, null, 2)}\n` : formatSyncTotal(summary));
  return exitCode;
}

function directionsOf(direction: SyncDirection): ('down' | 'up')[] {
  return direction === 'both' ? ['down', 'up'] : [direction];
}

/** 2 when a run failed or was interrupted, else 1 when one is partial, else 0. */
export function exitCodeOf(runs: readonly TenantRunSummary[]): number {
  if (runs.some((run) => run.status === 'failed' || run.status === 'interrupted')) return exitCodes.failed;
  if (runs.some((run) => run.status === 'partial')) return exitCodes.partial;
  return exitCodes.ok;
}

interface RunContext {
  tenant: TenantConfig;
  store: StateStore;
  clock: Clock;
  now: Date;
  options: SyncCommandOptions;
  streams: CommandStreams;
  signal: AbortSignal;
}

/** One tenant in one direction: where each direction's run plugs in. */
async function runDirection(direction: 'down' | 'up', context: RunContext): Promise<TenantRunSummary> {
  switch (direction) {
    case 'down':
      return syncDown(context);
    case 'up':
      return syncUp(context);
  }
}

/** A direction not run: the command was interrupted, or (`lockedOut`) another run of the tenant is in progress. */
function notRun(tenantId: string, direction: 'down' | 'up', lockedOut?: string): TenantRunSummary {
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

/** The result of either direction's run that the summary needs. */
type DirectionResult = Pick<DownRunResult, 'status' | 'runId' | 'counts' | 'error'> & {
  plan?: DownRunResult['plan'];
  evaluation?: DownRunResult['evaluation'];
};

/**
 * Runs one direction for one tenant with a progress bar on a terminal. The runs report their own failures; a throw
 * here is something that broke outside them (the store, a bug), reported as a failed run.
 */
async function runWithProgress(
  context: RunContext,
  direction: 'down' | 'up',
  reading: string,
  run: (common: Parameters<typeof runDown>[0]) => Promise<DirectionResult>,
): Promise<DirectionResult> {
  const { tenant, store, clock, now, options, streams, signal } = context;
  const progress = options.json ? undefined : createProgressBar(streams.stderr, `${tenant.id} ${direction}`);
  progress?.status(reading);
  try {
    const { preflight, preflightRanNow, ...clients } = await clientsForRun(tenant, {
      clock,
      store,
      now,
      save: !options.dryRun,
    });
    // A tenant's first run probes its servers first: say what was found, once, before the run's summary.
    if (preflightRanNow && !options.json) {
      progress?.finish();
      streams.stdout.write(formatPreflight(preflight));
    }
    return await run({
      tenant,
      ...clients,
      store,
      clock,
      now,
      dryRun: options.dryRun,
      signal,
      ...(progress && { onProgress: (done: number, total: number) => progress.update(done, total) }),
    });
  } catch (error) {
    return { status: 'failed', runId: undefined, counts: {}, error: toError(error).message };
  } finally {
    progress?.finish();
  }
}

async function syncDown(context: RunContext): Promise<TenantRunSummary> {
  const { tenant, store, options } = context;
  const result = await runWithProgress(context, 'down', 'reading Aimaira and Edusign...', runDown);
  const skipReasons: Partial<Record<ReasonCode, number>> = {};
  for (const skip of result.plan?.skips ?? []) {
    for (const reason of skip.reasons) skipReasons[reason] = (skipReasons[reason] ?? 0) + 1;
  }
  const plan =
    options.dryRun && result.plan && result.evaluation
      ? summarisePlan({ plan: result.plan, evaluation: result.evaluation }, await loadLinks(store, tenant.id))
      : undefined;
  return {
    tenantId: tenant.id,
    direction: 'down',
    status: result.status,
    runId: result.runId ?? null,
    counts: result.counts,
    error: result.error ?? null,
    skipReasons,
    note: null,
    ...(plan && { plan }),
  };
}

async function syncUp(context: RunContext): Promise<TenantRunSummary> {
  const result = await runWithProgress(context, 'up', 'reading locked sheets on Edusign...', async (common) => {
    const { status, runId, counts, error } = await runUp(common);
    return { status, runId, counts, error };
  });
  return {
    tenantId: context.tenant.id,
    direction: 'up',
    status: result.status,
    runId: result.runId ?? null,
    counts: result.counts,
    error: result.error ?? null,
    skipReasons: {},
    note: context.tenant.options.sendAttendance ? null : 'sendAttendance is off for this tenant: no attendance is sent',
  };
}

/** The plan of a dry run as plain data: no names or e-mails of people, session names only. */
export function summarisePlan(
  result: Pick<DownRunResult, 'plan' | 'evaluation'>,
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
