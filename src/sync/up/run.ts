/**
 * One upward run of one tenant: read the locked sheets of the look-back from Edusign, compare their attendance with
 * what was sent, read the learner rows of the sessions with something to write, plan, then either return the plan
 * (dry run: nothing written anywhere) or write it to Aimaira and record the run and its events. Same run records,
 * events and statuses as the downward run.
 */
import type { AimairaClient } from '../../aimaira/client.js';
import type { Clock } from '../../clock.js';
import type { TenantConfig } from '../../config/config.js';
import { describeReason } from '../../domain/reasons.js';
import type { EdusignClient } from '../../edusign/client.js';
import { toError } from '../../errors.js';
import type { RunCounts, RunStatus, StateStore } from '../../store/port.js';
import { createEventBuffer } from '../events.js';
import { createRunProgressRecorder } from '../run-progress.js';
import { isAccessRefused } from '../failures.js';
import { applyUpPlan } from './apply.js';
import { countPlan, observeAttendance, planUp, sessionsToRead } from './plan.js';
import type { UpPlan } from './plan.js';
import { chooseProvenance, describeRefusedProvenance } from './provenance.js';
import type { ProvenanceChoice, ProvenanceField } from './provenance.js';
import { lookback, readLearnerRows, readLockedSheets, readSheetsById } from './read.js';

/** Sheets written at the same time by default: a few, to overlap Aimaira's latency without crowding it. */
export const defaultUpConcurrency = 4;

export interface UpRunOptions {
  tenant: TenantConfig;
  aimaira: AimairaClient;
  edusign: EdusignClient;
  store: StateStore;
  clock: Clock;
  /** The sync instant. */
  now: Date;
  /** Plan only: nothing is written, no run is recorded. */
  dryRun?: boolean;
  /** Sheets written at the same time; `defaultUpConcurrency` by default. */
  concurrency?: number;
  /** Called after each sheet written. */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /**
   * A targeted run (`on_course_locked`, an edit of a locked sheet): only these sheets (Edusign course ids) are read
   * and their attendance sent, exactly as a full run would send it (same hashes and records, so a later run sends
   * nothing again). See docs/upward-sync.md, "Targeted runs".
   */
  only?: UpTargets | undefined;
}

/** The sheets a targeted upward run is about. */
export interface UpTargets {
  sheetIds: readonly string[];
}

/** The count that tells a targeted run from a full one in the run's record: how many sheets it was asked about. */
export const targetedSheetsCount = 'targeted.sheets';

export interface UpRunResult {
  tenantId: string;
  /** Absent for a dry run, which records nothing. */
  runId: number | undefined;
  status: Exclude<RunStatus, 'running'>;
  /** What was done (applied) or would be done (dry run), by kind and action. */
  counts: RunCounts;
  plan: UpPlan | undefined;
  error: string | undefined;
}

export async function runUp(options: UpRunOptions): Promise<UpRunResult> {
  const { tenant, store, clock } = options;
  const dryRun = options.dryRun ?? false;
  const tenantId = tenant.id;
  const run = dryRun ? undefined : await store.startRun(tenantId, 'up', new Date(clock.now()).toISOString());
  const events = createEventBuffer(store, tenantId, run?.id, clock);
  // Saved in the store as it goes, for whoever watches from another process; the caller is told as before.
  const progress = run && createRunProgressRecorder(store, run.id, clock);
  const onProgress = (done: number, total: number) => {
    progress?.report(done, total);
    options.onProgress?.(done, total);
  };
  const targets = options.only && new Set(options.only.sheetIds);
  const finish = async (
    status: UpRunResult['status'],
    runCounts: RunCounts,
    rest: Partial<UpRunResult> = {},
  ): Promise<UpRunResult> => {
    await events.flush();
    await progress?.flush();
    // A targeted run says so in its counts, whatever its outcome (no migration: counts are free keys).
    const counts = targets ? { ...runCounts, [targetedSheetsCount]: targets.size } : runCounts;
    if (run) await store.finishRun(run.id, status, counts, new Date(clock.now()).toISOString(), rest.error);
    return { tenantId, runId: run?.id, status, counts, plan: undefined, error: undefined, ...rest };
  };

  if (!tenant.options.sendAttendance) {
    events.add({
      level: 'info',
      action: 'skipped',
      recordKind: 'attendance',
      aimairaId: null,
      edusignId: null,
      reason: 'ATTENDANCE_DISABLED',
      message: describeReason('ATTENDANCE_DISABLED'),
    });
    return finish('success', {});
  }

  let plan: UpPlan;
  try {
    const provenance = await decideProvenance(options);
    if (provenance.refused) {
      events.add({
        level: 'warning',
        action: 'warning',
        recordKind: 'attendance',
        aimairaId: null,
        edusignId: null,
        reason: 'PROVENANCE_NOT_ALLOWED',
        message: describeRefusedProvenance(provenance.refused),
      });
    }
    plan = await observeAndPlan(options, provenance.value);
  } catch (error) {
    // Nothing was written: a run that could not read everything it needs writes nothing.
    const status = options.signal?.aborted ? 'interrupted' : 'failed';
    return finish(status, {}, { error: toError(error).message });
  }
  if (dryRun) return finish('success', countPlan(plan), { plan });

  try {
    const outcome = await applyUpPlan(plan, {
      tenantId,
      aimaira: options.aimaira,
      store,
      clock,
      events,
      concurrency: options.concurrency ?? defaultUpConcurrency,
      onProgress,
      ...(options.signal && { signal: options.signal }),
    });
    return finish(outcome.failures > 0 ? 'partial' : 'success', outcome.counts, { plan });
  } catch (error) {
    const status = options.signal?.aborted ? 'interrupted' : 'failed';
    const message = isAccessRefused(error)
      ? `Aimaira refused the tenant's access: ${toError(error).message}`
      : toError(error).message;
    return finish(status, {}, { plan, error: message });
  }
}

/**
 * The `ProvenancePresence` this run writes: none (each row keeps its own) unless the tenant names one, which is then
 * checked against `$metadata`, read once per run and only in that case.
 */
async function decideProvenance(options: UpRunOptions): Promise<ProvenanceChoice> {
  const option = options.tenant.options.provenancePresence;
  if (option === null) return { value: null };
  let field: ProvenanceField;
  try {
    field = await readProvenanceField(options.aimaira);
  } catch (error) {
    // A refused access stops the run as any other read would; any other failure leaves the question open.
    if (isAccessRefused(error) || options.signal?.aborted) throw error;
    field = undefined;
  }
  return chooseProvenance(option, field);
}

/** What `$metadata` says of `PlanificationRessource.ProvenancePresence`; undefined when it cannot be read. */
async function readProvenanceField(aimaira: AimairaClient): Promise<ProvenanceField> {
  return (await aimaira.metadata())?.provenancePresence;
}

/** Reads the locked sheets, the store and (for the sessions with something to write) Aimaira, and plans. */
async function observeAndPlan(options: UpRunOptions, provenance: string | null): Promise<UpPlan> {
  const { tenant, store } = options;
  const tenantId = tenant.id;
  const [sheetLinks, learnerLinks] = await Promise.all([
    store.listLinks(tenantId, 'sheet'),
    store.listLinks(tenantId, 'learner'),
  ]);
  const sessionBySheet = new Map(sheetLinks.map((link) => [link.edusignId, link.aimairaId]));
  const learnerByStudent = new Map<string, number>();
  for (const link of learnerLinks) {
    if (!learnerByStudent.has(link.edusignId)) learnerByStudent.set(link.edusignId, link.aimairaId);
  }

  const span = lookback(options.now, tenant.options.attendanceLookbackDays, tenant.options.horizonDays);
  const sheets = options.only
    ? await readSheetsById(options.edusign, span, options.only.sheetIds, options.signal)
    : await readLockedSheets(options.edusign, span, new Set(sessionBySheet.keys()), options.signal);
  const sessionIds = sheets.flatMap((sheet) => sessionBySheet.get(sheet.edusignId) ?? []);
  const [sent, lockedSheets] = await Promise.all([
    store.listAttendance(tenantId, sessionIds),
    store.getLockedSheets(
      tenantId,
      sheets.map((sheet) => sheet.edusignId),
    ),
  ]);
  const observed = observeAttendance({
    sheets,
    sessionBySheet,
    learnerByStudent,
    sent,
    lockedSheets,
    options: tenant.options,
    provenance,
  });
  const rows = await readLearnerRows(options.aimaira, sessionsToRead(observed));
  return planUp(observed, rows, tenant.options);
}
