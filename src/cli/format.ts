/**
 * The readable text of `sync` and `explain`: run summaries, dry-run plans and session explanations, with times in
 * Paris time. Pure functions of the plain data the commands print as JSON with `--json`.
 */
import { DateTime } from 'luxon';

import { describeReason } from '../domain/reasons.js';
import type { ReasonCode } from '../domain/reasons.js';
import type { RunCounts } from '../store/port.js';
import type { SessionExplanation } from '../sync/down/explain.js';
import type { SyncWindow } from '../sync/down/rules.js';
import type { PlanSummary, SyncSummary, TenantRunSummary } from './sync.js';

const zone = 'Europe/Paris';

/** `Tue 1 Dec 2026 09:00` in Paris time (`Tue 1 Dec 09:00` without the year). */
export function parisTime(iso: string, withYear = true): string {
  const time = DateTime.fromISO(iso, { zone: 'utc' }).setZone(zone);
  if (!time.isValid) return iso;
  return time.toFormat(withYear ? 'ccc d LLL yyyy HH:mm' : 'ccc d LLL HH:mm', { locale: 'en-GB' });
}

/** `Mon 30 Nov 2026 11:30 → end of Mon 14 Dec 2026 (Paris time)`. */
export function formatWindow(window: SyncWindow): string {
  const lastDay = DateTime.fromISO(window.end, { zone: 'utc' }).setZone(zone).minus({ milliseconds: 1 });
  return `${parisTime(window.start)} → end of ${lastDay.toFormat('ccc d LLL yyyy', { locale: 'en-GB' })} (Paris time)`;
}

/** Record kinds in the order a run writes them, with their plural. */
const kindLabels = [
  ['facilitator', 'facilitators'],
  ['tutor', 'tutors'],
  ['learner', 'learners'],
  ['group', 'groups'],
  ['sheet', 'sheets'],
  ['attendance', 'attendance rows'],
] as const;

/** `sheets 24 created, 6 skipped; learners 57 created` from `{ "sheet.created": 24, ... }`. */
export function formatCounts(counts: RunCounts): string {
  const parts: string[] = [];
  for (const [kind, plural] of kindLabels) {
    const actions = Object.entries(counts)
      .filter(([key, value]) => key.startsWith(`${kind}.`) && value > 0)
      .map(([key, value]) => `${value} ${key.slice(kind.length + 1)}`);
    if (actions.length > 0) parts.push(`${plural} ${actions.join(', ')}`);
  }
  return parts.length > 0 ? parts.join('; ') : 'nothing to do';
}

function formatReasonCounts(counts: Partial<Record<ReasonCode, number>>): string {
  return Object.entries(counts)
    .sort(([a, x], [b, y]) => (y ?? 0) - (x ?? 0) || a.localeCompare(b))
    .map(([code, count]) => `${code} ${count}`)
    .join(', ');
}

/** One tenant in one direction, as it finishes. */
export function formatSyncRun(run: TenantRunSummary, context: { dryRun: boolean }): string {
  const head = `${run.tenantId}  ${run.direction}`;
  const lines: string[] = [];
  const what = context.dryRun && run.status === 'success' ? 'dry run, nothing written' : run.status;
  lines.push(`${head}  ${what}${run.runId !== null ? `  (run ${run.runId})` : ''}`);
  if (run.error !== null) lines.push(`  error: ${run.error}`);
  if (run.note !== null) lines.push(`  note: ${run.note}`);
  if (run.plan) lines.push(...formatPlan(run.plan));
  else if (run.status !== 'failed' && run.status !== 'interrupted') {
    const { 'sheet.skipped': skipped = 0, ...written } = run.counts;
    lines.push(
      `  ${Object.keys(written).length > 0 ? formatCounts(written) : run.direction === 'down' ? 'nothing written: Edusign was up to date' : 'nothing written: Aimaira was up to date'}`,
    );
    if (skipped > 0) {
      lines.push(
        `  ${skipped} session${skipped === 1 ? '' : 's'} of the window do not come down: ${formatReasonCounts(run.skipReasons)}`,
        '  (sync --dry-run lists them; explain --session ID says why for one)',
      );
    }
  } else if (Object.keys(run.counts).length > 0) lines.push(`  before it stopped: ${formatCounts(run.counts)}`);
  return `${lines.join('\n')}\n`;
}

/** A dry run's plan: writes by kind, sheets deleted or kept, every skip, people left out in numbers. */
export function formatPlan(plan: PlanSummary): string[] {
  const lines = [`  window: ${formatWindow(plan.window)}`];
  const kinds = kindLabels.filter(([kind]) => plan.operations[kind] !== undefined);
  if (kinds.length === 0) lines.push('  would write nothing: Edusign is up to date');
  else {
    lines.push('  would write:');
    for (const [kind, plural] of kinds) {
      const actions = Object.entries(plan.operations[kind] ?? {}).map(([action, count]) => `${action} ${count}`);
      lines.push(`    ${plural.padEnd(14)}${actions.join(', ')}`);
    }
  }
  const removals = plan.sheets.filter((sheet) => sheet.action === 'delete' || sheet.action === 'keep');
  if (removals.length > 0) {
    lines.push('  sheets whose session no longer comes down:');
    for (const sheet of removals) {
      const when = sheet.start ? parisTime(sheet.start, false) : '';
      lines.push(
        `    ${sheet.action.padEnd(7)}${sheet.sessionId}  ${when.padEnd(16)}  ${sheet.name ?? '(name unknown)'}  ${sheet.reason ?? ''}`,
      );
    }
  }
  if (plan.skips.length > 0) {
    lines.push(`  sessions of the window that do not come down (${plan.skips.length}):`);
    for (const skip of plan.skips) {
      const when = skip.start ? parisTime(skip.start, false) : '';
      lines.push(`    ${skip.sessionId}  ${when.padEnd(16)}  ${skip.name}  ${skip.reasons.join(', ')}`);
    }
  }
  if (plan.leftOut.length > 0) {
    const sheets = new Set(plan.leftOut.map((person) => person.sessionId)).size;
    const reasons: Partial<Record<ReasonCode, number>> = {};
    for (const person of plan.leftOut) reasons[person.reason] = (reasons[person.reason] ?? 0) + 1;
    lines.push(
      `  people left out of sheets that come down: ${plan.leftOut.length} on ${sheets} sheet${sheets === 1 ? '' : 's'} ` +
        `(${formatReasonCounts(reasons)}); explain --session ID says who and why`,
    );
  }
  if (plan.leftOutTutors.length > 0) {
    lines.push(`  tutors left out (their learners come down without them): ${plan.leftOutTutors.length}`);
  }
  for (const warning of plan.warnings) {
    lines.push(`  warning: ${warning.sessionId} ${warning.name}: ${warning.reason}`);
  }
  return lines;
}

/** The last line of `sync`: the outcome of the whole command. */
export function formatSyncTotal(summary: SyncSummary): string {
  const outcome =
    summary.status === 'success'
      ? summary.dryRun
        ? 'Dry run done: nothing was written to Edusign or to the store.'
        : 'Done.'
      : summary.status === 'partial'
        ? 'Partly done: some records failed and will be retried at the next run.'
        : 'Failed: see the errors above.';
  return `\nSync instant ${parisTime(summary.now)} (Paris time). ${outcome}\n`;
}

const sessionTypeLabels = { course: 'course session', 'common-event': 'common event', other: 'not an attendance type' };

/** The answer of `explain`, in plain words. */
export function formatExplanation(explanation: SessionExplanation): string {
  const lines: string[] = [];
  if (!explanation.found) {
    lines.push(`Session ${explanation.sessionId}: no such session in Aimaira (tenant ${explanation.tenantId}).`);
  } else {
    const { session } = explanation;
    const end = DateTime.fromISO(session.end, { zone: 'utc' }).setZone(zone).toFormat('HH:mm');
    lines.push(
      `Session ${explanation.sessionId} "${session.name}" (${sessionTypeLabels[session.type]}${session.cancelled ? ', cancelled' : ''})`,
      `  ${parisTime(session.start)}–${end} Paris time` +
        (session.rooms.length > 0 ? `, room ${session.rooms.join(', ')}` : ', no room') +
        (session.createdAt ? `; created in Aimaira ${parisTime(session.createdAt)}` : ''),
      `  listed in Aimaira: ${plural(session.listed.facilitators, 'facilitator')}, ${plural(session.listed.learners, 'learner')}, ` +
        `${plural(session.listed.groups, 'group')}; kept for the sheet: ${plural(session.kept.facilitators, 'facilitator')}` +
        `${session.kept.defaultProfessor ? ' (the default professor)' : ''}, ${plural(session.kept.learners, 'learner')}`,
    );
  }
  lines.push(`Sync instant ${parisTime(explanation.now)}; window ${formatWindow(explanation.window)}.`, '');

  if (explanation.found) {
    lines.push(`Comes down: ${explanation.eligible ? 'yes' : 'no'}`);
    for (const reason of explanation.exclusions) lines.push(`  ${reason.code}: ${reason.description}`);
    if (explanation.leftOut.length > 0) {
      lines.push(`People left out (${explanation.leftOut.length}):`);
      for (const person of explanation.leftOut) {
        const forLearners = person.learnerIds ? ` (tutor of learner ${person.learnerIds.join(', ')})` : '';
        lines.push(
          `  ${person.kind} ${person.aimairaId}${forLearners}: ${person.reason}, ${person.problems.join(', ')}`,
        );
      }
      for (const code of new Set(explanation.leftOut.map((person) => person.reason))) {
        lines.push(`    ${code}: ${describeReason(code)}`);
      }
    } else lines.push('People left out: none');
    for (const warning of explanation.warnings) lines.push(`Warning ${warning.code}: ${warning.description}`);
  }

  const sheet = explanation.edusign;
  if (!sheet) lines.push('On Edusign: no sheet for this session.');
  else {
    const how = sheet.linked
      ? `linked (${sheet.origin ?? 'created'}), last written by the connector ${parisTime(sheet.lastWrittenAt ?? '')}` +
        (sheet.incomplete ? ', that write is incomplete' : '')
      : 'found by its API_ID, not linked yet';
    const state =
      sheet.state === 'missing'
        ? 'Edusign no longer has it'
        : `${sheet.locked ? 'locked' : 'not locked'}, ${sheet.signed ? 'signed by someone' : 'no signature yet'}`;
    lines.push(`On Edusign: sheet ${sheet.sheetId}, ${how}; ${state}.`);
  }
  lines.push(`Next sync: ${formatNextSync(explanation)}`);
  return `${lines.join('\n')}\n`;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

function formatNextSync(explanation: SessionExplanation): string {
  const { nextSync, edusign } = explanation;
  const blocked = nextSync.blockedBy ? ` But ${nextSync.blockedBy.code}: ${nextSync.blockedBy.description}` : '';
  switch (nextSync.action) {
    case 'create':
      return 'create the sheet.';
    case 'recover':
      return 'link the sheet an earlier run created (found by its API_ID) and bring it up to date.';
    case 'update': {
      const changes = nextSync.changes;
      const what = changes
        ? [
            changes.fields && 'name, times, room or facilitators',
            changes.groups && 'groups',
            changes.roster && 'learners',
          ]
            .filter(Boolean)
            .join(', ')
        : '';
      return `update the sheet${what ? ` (${what})` : ' (finish an incomplete write)'}.${blocked}`;
    }
    case 'delete':
      return `delete the sheet: ${nextSync.reason?.code ?? ''}, ${nextSync.reason?.description ?? ''}${blocked}`;
    case 'keep':
      return `keep the sheet although the session no longer comes down: ${nextSync.reason?.code ?? ''}, ${nextSync.reason?.description ?? ''}`;
    case 'nothing': {
      if (!explanation.found) {
        return edusign ? 'nothing: the sheet belongs to a session that has started.' : 'nothing.';
      }
      if (explanation.exclusions.some((reason) => reason.code === 'PAST')) {
        return 'nothing: the session has started or is over; its sheet, if any, is left as it is.';
      }
      if (!explanation.eligible) {
        return explanation.exclusions.length === 1 && explanation.exclusions[0]?.code === 'BEYOND_HORIZON'
          ? 'nothing yet: the session comes down once it is within the horizon.'
          : 'nothing: the session does not come down.';
      }
      if (edusign?.state === 'missing') {
        return 'nothing: the connector wrote this sheet and nothing changed since, but Edusign no longer has it.';
      }
      return 'nothing: the sheet is up to date.';
    }
  }
}
