/**
 * One downward run of one tenant: read Aimaira, apply the rules, look up what Edusign already has, plan, then
 * either return the plan (dry run: nothing written anywhere) or apply it and record the run and its events.
 */
import type { AimairaClient } from '../../aimaira/client.js';
import type { Clock } from '../../clock.js';
import type { TenantConfig } from '../../config/config.js';
import { describeReason } from '../../domain/reasons.js';
import { recordKinds } from '../../domain/types.js';
import type { RecordKind } from '../../domain/types.js';
import type { EdusignClient } from '../../edusign/client.js';
import { toError } from '../../errors.js';
import type { Link, RunCounts, RunStatus, StateStore } from '../../store/port.js';
import { isAccessRefused } from '../failures.js';
import { applyDownPlan } from './apply.js';
import type { EventSink } from './apply.js';
import { findExistingRecords } from './lookup.js';
import { tenantEmailFingerprint } from './email-fingerprint.js';
import { countOperations, linkedEmails, planDown, readSheetLinkData } from './plan.js';
import type { AbsentSessionState, DownPlan } from './plan.js';
import { readSnapshot } from './read.js';
import { evaluate, syncWindow } from './rules.js';
import type { Evaluation } from './rules.js';
import { createEventBuffer } from '../events.js';
import { createRunProgressRecorder } from '../run-progress.js';

export interface DownRunOptions {
  tenant: TenantConfig;
  aimaira: AimairaClient;
  edusign: EdusignClient;
  store: StateStore;
  clock: Clock;
  /** The sync instant. */
  now: Date;
  dryRun: boolean;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /**
   * A targeted run (webhooks): only these sessions (Aimaira `Planification` ids) are read, judged by every rule of a
   * full run, and planned; nothing else is written, deleted or shrunk. See docs/downward-sync.md, "Targeted runs".
   */
  only?: DownTargets | undefined;
}

/** The sessions a targeted downward run is about. */
export interface DownTargets {
  sessionIds: readonly number[];
}

/** The count that tells a targeted run from a full one in the run's record: how many sessions it was asked about. */
export const targetedSessionsCount = 'targeted.sessions';

export interface DownRunResult {
  tenantId: string;
  /** Absent for a dry run, which records nothing. */
  runId: number | undefined;
  status: Exclude<RunStatus, 'running'>;
  /** What was done (applied) or would be done (dry run), by kind and action. */
  counts: RunCounts;
  plan: DownPlan | undefined;
  evaluation: Evaluation | undefined;
  error: string | undefined;
}

type LinkMaps = Record<RecordKind, Map<number, Link>>;

export async function loadLinks(store: StateStore, tenantId: string): Promise<LinkMaps> {
  const all = await store.listLinks(tenantId);
  const maps = Object.fromEntries(recordKinds.map((kind) => [kind, new Map<number, Link>()])) as LinkMaps;
  for (const link of all) maps[link.kind].set(link.aimairaId, link);
  return maps;
}

export async function runDown(options: DownRunOptions): Promise<DownRunResult> {
  const { tenant, store, clock, now, dryRun } = options;
  const tenantId = tenant.id;
  const targets = options.only && new Set(options.only.sessionIds);
  const run = dryRun ? undefined : await store.startRun(tenantId, 'down', new Date(clock.now()).toISOString());
  const events = createEventBuffer(store, tenantId, run?.id, clock);
  // Saved in the store as it goes, for whoever watches from another process; the caller is told as before.
  const progress = run && createRunProgressRecorder(store, run.id, clock);
  const onProgress = (done: number, total: number) => {
    progress?.report(done, total);
    options.onProgress?.(done, total);
  };
  const finish = async (
    status: DownRunResult['status'],
    runCounts: RunCounts,
    rest: Partial<DownRunResult>,
  ): Promise<DownRunResult> => {
    await events.flush();
    await progress?.flush();
    // A targeted run says so in its counts, whatever its outcome (no migration: counts are free keys).
    const counts = targets ? { ...runCounts, [targetedSessionsCount]: targets.size } : runCounts;
    if (run) await store.finishRun(run.id, status, counts, new Date(clock.now()).toISOString(), rest.error);
    return {
      tenantId,
      runId: run?.id,
      status,
      counts,
      plan: undefined,
      evaluation: undefined,
      error: undefined,
      ...rest,
    };
  };

  let evaluation: Evaluation;
  let plan: DownPlan;
  let links: LinkMaps;
  try {
    links = await loadLinks(store, tenantId);
    const observed = await observeTenant(options, links, []);
    evaluation = observed.evaluation;
    if (!dryRun && observed.newCreations.size > 0) await store.saveSessionCreations(tenantId, observed.newCreations);

    const unlinked = <T extends { aimairaId: number }>(kind: RecordKind, records: readonly T[]) =>
      records.filter((record) => !links[kind].has(record.aimairaId));
    const { desired } = evaluation;
    const matches = await findExistingRecords(options.edusign, {
      facilitators: unlinked('facilitator', desired.facilitators),
      tutors: unlinked('tutor', desired.tutors),
      learners: unlinked('learner', desired.learners),
      // A targeted run writes no group (planDown): nothing to look for.
      groups: targets ? [] : unlinked('group', desired.groups),
      sheets: unlinked('sheet', desired.sheets),
      linkCounts: Object.fromEntries(recordKinds.map((kind) => [kind, links[kind].size])) as Record<RecordKind, number>,
      window: evaluation.window,
    });
    plan = planDown({
      evaluation,
      links,
      matches,
      absentSessions: absentSessions(evaluation, links, now, targets),
      now,
      ...(targets && { targets }),
    });
  } catch (error) {
    // Nothing was written: a run that could not read everything changes nothing, deletes nothing.
    return finish('failed', {}, { error: toError(error).message });
  }

  reportVerdicts(plan, evaluation, events);
  if (dryRun) return finish('success', countOperations(plan), { plan, evaluation });

  try {
    const outcome = await applyDownPlan(plan, {
      tenantId,
      edusign: options.edusign,
      store,
      clock,
      sendCredentials: tenant.options.sendCredentials,
      emailFingerprint: tenantEmailFingerprint(tenant),
      events,
      links,
      onProgress,
      ...(options.signal && { signal: options.signal }),
    });
    const counts = { ...outcome.counts, 'sheet.skipped': plan.skips.length };
    return finish(outcome.failures > 0 ? 'partial' : 'success', counts, { plan, evaluation });
  } catch (error) {
    const status = options.signal?.aborted ? 'interrupted' : 'failed';
    const message = isAccessRefused(error)
      ? `Edusign refused the tenant's access: ${toError(error).message}`
      : toError(error).message;
    return finish(status, {}, { plan, evaluation, error: message });
  }
}

/**
 * Reads Aimaira and evaluates the rules (what `sync`, `--dry-run` and `explain` share); also checks on Edusign that
 * the default professor of common events exists.
 */
export async function observeTenant(
  options: Pick<DownRunOptions, 'tenant' | 'aimaira' | 'edusign' | 'store' | 'now' | 'only'>,
  links: LinkMaps,
  detailSessionIds: number[],
) {
  const { tenant, now } = options;
  const upcomingSheets = [...links.sheet.values()].filter(
    (link) => Date.parse(readSheetLinkData(link).start) > now.getTime(),
  );
  const window = syncWindow(now, tenant.options.horizonDays);
  const read = await readSnapshot(options.aimaira, {
    window,
    extraSessionIds: upcomingSheets.map((link) => link.aimairaId),
    detailSessionIds,
    ...(options.only && { targetSessionIds: options.only.sessionIds }),
    knownCreations: (ids) => options.store.getSessionCreations(tenant.id, ids),
    importStudentTutors: tenant.options.importStudentTutors,
  });
  const defaultProfessor = tenant.options.defaultProfsForEvenementsCommun;
  let defaultProfessorExists = false;
  if (defaultProfessor && tenant.options.importEvenementsCommuns) {
    const professor = await options.edusign.professors.get(defaultProfessor);
    defaultProfessorExists = professor !== undefined && !(await options.edusign.isArchived(professor));
  }
  // Person links keep fingerprints of e-mails: the rules get back those of people in this snapshot.
  const fingerprint = tenantEmailFingerprint(tenant);
  const evaluation = evaluate(read.snapshot, {
    now,
    options: tenant.options,
    defaultProfessorExists,
    linkedPeople: {
      learner: new Set(links.learner.keys()),
      facilitator: new Set(links.facilitator.keys()),
      tutor: new Set(links.tutor.keys()),
    },
    linkedEmails: {
      learner: linkedEmails(links.learner.values(), read.snapshot.learners.values(), fingerprint),
      facilitator: linkedEmails(links.facilitator.values(), read.snapshot.facilitators.values(), fingerprint),
      tutor: linkedEmails(links.tutor.values(), read.snapshot.tutors.values(), fingerprint),
    },
  });
  return { evaluation, newCreations: read.newCreations, snapshot: read.snapshot };
}

/**
 * For each linked sheet still to come whose session did not come down: what Aimaira says of the session now. With
 * `targets` (a targeted run, which read only those sessions), only their sheets: any other session is merely unread,
 * not gone.
 */
export function absentSessions(
  evaluation: Evaluation,
  links: LinkMaps,
  now: Date,
  targets?: ReadonlySet<number>,
): Map<number, AbsentSessionState> {
  const verdicts = new Map(evaluation.verdicts.map((verdict) => [verdict.session.aimairaId, verdict]));
  const desired = new Set(evaluation.desired.sheets.map((sheet) => sheet.aimairaId));
  const absent = new Map<number, AbsentSessionState>();
  for (const link of links.sheet.values()) {
    if (targets && !targets.has(link.aimairaId)) continue;
    if (desired.has(link.aimairaId) || Date.parse(readSheetLinkData(link).start) <= now.getTime()) continue;
    const verdict = verdicts.get(link.aimairaId);
    absent.set(link.aimairaId, verdict ? { state: 'present', verdict } : { state: 'gone' });
  }
  return absent;
}

/** Every session of the window that does not come down, and every person left out, becomes an event. */
function reportVerdicts(plan: DownPlan, evaluation: Evaluation, events: EventSink): void {
  for (const skip of plan.skips) {
    events.add({
      level: 'info',
      action: 'skipped',
      recordKind: 'sheet',
      aimairaId: skip.aimairaId,
      edusignId: null,
      reason: skip.reasons[0] ?? null,
      message: `"${skip.name}" does not come down: ${skip.reasons.map(describeReason).join(' ')}`,
    });
  }
  for (const verdict of plan.notes) {
    for (const person of verdict.leftOut) {
      events.add({
        level: 'warning',
        action: 'skipped',
        recordKind: person.kind,
        aimairaId: person.aimairaId,
        edusignId: null,
        reason: person.reason,
        message: `left out of "${verdict.session.name}" (session ${verdict.session.aimairaId}): ${person.problems.join(', ')}`,
      });
    }
    for (const warning of verdict.warnings) {
      events.add({
        level: 'warning',
        action: 'warning',
        recordKind: 'sheet',
        aimairaId: verdict.session.aimairaId,
        edusignId: null,
        reason: warning,
        message: describeReason(warning),
      });
    }
  }
  for (const tutor of evaluation.leftOutTutors) {
    events.add({
      level: 'warning',
      action: 'skipped',
      recordKind: 'tutor',
      aimairaId: tutor.aimairaId,
      edusignId: null,
      reason: tutor.reason,
      message: `tutor left out: ${tutor.problems.join(', ')}`,
    });
  }
}
