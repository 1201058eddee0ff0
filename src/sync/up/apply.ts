/**
 * Carries out an upward plan on Aimaira. For each sheet: the intent of its row writes is recorded (`pending`), then
 * each row is written by GET-modify-PUT and recorded `sent`, then, when every learner row of the sheet is written,
 * the session is marked done (`Realise`). A process killed anywhere leaves `pending` rows, which the next run writes
 * through the same GET-modify-PUT: it reads the row first and only PUTs when Aimaira lacks the values, so a write
 * that landed before the kill is not sent twice.
 */
import type { AimairaClient } from '../../aimaira/client.js';
import { WriteNotAppliedError } from '../../aimaira/client.js';
import { learnerCode } from '../../aimaira/mapping.js';
import type { Clock } from '../../clock.js';
import type { ReasonCode } from '../../domain/reasons.js';
import { ConnectorError, HttpStatusError, NetworkError, toError } from '../../errors.js';
import type { AttendanceRecord, RunCounts, StateStore } from '../../store/port.js';
import type { EventBuffer } from '../events.js';
import { isAccessRefused } from '../failures.js';
import { withAttendance } from './plan.js';
import type { RowWrite, SheetPlan, UpPlan } from './plan.js';

export interface UpApplyContext {
  tenantId: string;
  aimaira: AimairaClient;
  store: StateStore;
  clock: Clock;
  events: Pick<EventBuffer, 'add'>;
  /** Sheets written at the same time (each sheet's rows one after the other). */
  concurrency: number;
  /** Called after each sheet. */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export interface UpApplyOutcome {
  counts: RunCounts;
  /** Rows and sessions that could not be written; they are tried again at the next run. */
  failures: number;
}

/** The row read for the write is not this learner's row of this session (it changed since it was read). */
class RowMismatchError extends ConnectorError {
  override name = 'RowMismatchError';
}

/** Whether Aimaira said no (the write will fail again as is) or could not answer (it may work next time). */
function failureReason(error: unknown): ReasonCode {
  if (error instanceof RowMismatchError) return 'NO_ATTENDANCE_ROW';
  if (error instanceof NetworkError) return 'AIMAIRA_UNAVAILABLE';
  if (error instanceof HttpStatusError) {
    return error.status >= 500 || error.status === 429 || error.status === 408
      ? 'AIMAIRA_UNAVAILABLE'
      : 'AIMAIRA_REJECTED';
  }
  return 'AIMAIRA_REJECTED';
}

export async function applyUpPlan(plan: UpPlan, context: UpApplyContext): Promise<UpApplyOutcome> {
  const { store, tenantId, events } = context;
  const counts: RunCounts = {};
  let failures = 0;
  const count = (key: string, n = 1) => {
    counts[key] = (counts[key] ?? 0) + n;
  };
  const at = () => new Date(context.clock.now()).toISOString();
  /** A row or session that could not be written: an error event, counted, tried again at the next run. */
  const reportError = (
    recordKind: 'attendance' | 'sheet',
    ids: { aimairaId: number | null; edusignId: string },
    reason: ReasonCode,
    message: string,
  ) => {
    failures++;
    count(`${recordKind}.error`);
    events.add({ level: 'error', action: 'error', recordKind, ...ids, reason, message });
  };

  // ---- Sheets made by hand: reported once, remembered -------------------------------------------------------
  for (const sheet of plan.notLinked) {
    count('sheet.skipped');
    events.add({
      level: 'warning',
      action: 'skipped',
      recordKind: 'sheet',
      aimairaId: null,
      edusignId: sheet.edusignId,
      reason: 'SHEET_NOT_LINKED',
      // Not its name: typed by hand in Edusign, it may name a person.
      message: `locked sheet of ${sheet.start.slice(0, 10)} was not created by the connector (made by hand in Edusign): its attendance is not sent`,
    });
    await store.saveLockedSheet({
      tenantId,
      edusignId: sheet.edusignId,
      planificationId: null,
      realisedAt: null,
      notLinkedAt: at(),
    });
  }

  const reportFailure = (
    write: Pick<RowWrite, 'learnerId' | 'edusignId' | 'planificationId' | 'rowId'>,
    error: unknown,
  ) => {
    const detail =
      error instanceof WriteNotAppliedError
        ? `Aimaira accepted the write but did not keep ${error.fields.join(', ')}`
        : toError(error).message;
    reportError(
      'attendance',
      { aimairaId: write.learnerId, edusignId: write.edusignId },
      failureReason(error),
      `attendance of learner ${write.learnerId} on session ${write.planificationId} (row ${write.rowId}) not written: ${detail}`,
    );
  };

  /** Writes one row; true when Aimaira has the values afterwards. */
  const writeRow = async (write: RowWrite): Promise<boolean> => {
    context.signal?.throwIfAborted();
    try {
      const result = await context.aimaira.update('PlanificationRessource', write.rowId, (row) => {
        // Guard against writing someone else's attendance: the row must still be this learner's on this session, named
        // as it was when it was matched (its Reference and Code unchanged).
        if (
          row.PlanificationId !== write.planificationId ||
          (row.Reference ?? null) !== write.rowKey.Reference ||
          learnerCode(row.Code) !== learnerCode(write.rowKey.Code)
        ) {
          throw new RowMismatchError(`row ${write.rowId} is no longer this learner's row on this session`);
        }
        return withAttendance(row, write.values);
      });
      if (result.outcome === 'missing') {
        reportError(
          'attendance',
          { aimairaId: write.learnerId, edusignId: write.edusignId },
          'NO_ATTENDANCE_ROW',
          `row ${write.rowId} of learner ${write.learnerId} on session ${write.planificationId} was deleted in Aimaira: attendance not written`,
        );
        return false;
      }
      const now = at();
      const record: Omit<AttendanceRecord, 'updatedAt'> = {
        tenantId,
        planificationId: write.planificationId,
        learnerId: write.learnerId,
        rowId: write.rowId,
        hash: write.hash,
        state: 'sent',
        firstSentAt: write.firstSentAt ?? now,
      };
      await store.saveAttendance([record], now);
      const action = write.firstSentAt === null ? 'created' : 'updated';
      count(`attendance.${action}`);
      const already = result.outcome === 'unchanged' ? ' (Aimaira already had these values)' : '';
      events.add({
        level: 'info',
        action,
        recordKind: 'attendance',
        aimairaId: write.learnerId,
        edusignId: write.edusignId,
        reason: null,
        message: `attendance of learner ${write.learnerId} on session ${write.planificationId} ${action === 'created' ? 'written' : 'corrected'}: ${describeValues(write)}${already}`,
      });
      return true;
    } catch (error) {
      if (isAccessRefused(error) || context.signal?.aborted) throw error;
      reportFailure(write, error);
      return false;
    }
  };

  const realise = async (sheet: SheetPlan) => {
    const { planificationId } = sheet;
    try {
      const result = await context.aimaira.update('Planification', planificationId, (session) => ({
        ...session,
        Realise: true,
      }));
      if (result.outcome === 'missing') {
        reportError(
          'sheet',
          { aimairaId: planificationId, edusignId: sheet.sheet.edusignId },
          'AIMAIRA_REJECTED',
          `session ${planificationId} no longer exists in Aimaira: it cannot be marked done`,
        );
        return;
      }
      await store.saveLockedSheet({
        tenantId,
        edusignId: sheet.sheet.edusignId,
        planificationId,
        realisedAt: at(),
        notLinkedAt: null,
      });
      count('sheet.realised');
      events.add({
        level: 'info',
        action: 'updated',
        recordKind: 'sheet',
        aimairaId: planificationId,
        edusignId: sheet.sheet.edusignId,
        reason: null,
        message: `session "${sheet.sheet.name}" marked done (Realise) in Aimaira${result.outcome === 'unchanged' ? ': it already was' : ''}`,
      });
    } catch (error) {
      if (isAccessRefused(error) || context.signal?.aborted) throw error;
      reportError(
        'sheet',
        { aimairaId: planificationId, edusignId: sheet.sheet.edusignId },
        failureReason(error),
        `session ${planificationId} not marked done (Realise): ${toError(error).message}`,
      );
    }
  };

  const applySheet = async (sheet: SheetPlan) => {
    const { planificationId } = sheet;
    const edusignId = sheet.sheet.edusignId;
    count('sheet.locked');
    count('attendance.unchanged', sheet.unchanged);

    for (const studentId of sheet.unlinkedStudents) {
      reportError(
        'attendance',
        { aimairaId: null, edusignId },
        'LEARNER_NOT_LINKED',
        `Edusign student ${studentId} on the sheet of session ${planificationId} is linked to no Aimaira learner: attendance not written`,
      );
    }
    for (const learnerId of sheet.missingRows) {
      reportError(
        'attendance',
        { aimairaId: learnerId, edusignId },
        'NO_ATTENDANCE_ROW',
        `learner ${learnerId} has no learner row on session ${planificationId} in Aimaira: attendance not written`,
      );
    }
    for (const conflict of sheet.conflicts) {
      reportError(
        'attendance',
        { aimairaId: conflict.learnerId, edusignId },
        'ROW_MATCH_CONFLICT',
        `row ${conflict.rowId} on session ${planificationId} names learner ${conflict.referenceLearnerId} by its Reference but carries the code of learner ${conflict.codeLearnerId}: whose row it is cannot be told, so the attendance of learner ${conflict.learnerId} is not written`,
      );
    }
    for (const learnerId of sheet.notOnSheet) {
      count('attendance.not-on-sheet');
      events.add({
        level: 'warning',
        action: 'skipped',
        recordKind: 'attendance',
        aimairaId: learnerId,
        edusignId,
        reason: 'NOT_ON_SHEET',
        message: `learner ${learnerId} is on session ${planificationId} in Aimaira but not on its sheet: no attendance sent`,
      });
    }

    // The intent first, for the whole sheet in one commit: a kill after this point leaves `pending` rows that
    // the next run resolves by reading them back.
    if (sheet.writes.length > 0) {
      await store.saveAttendance(
        sheet.writes.map((write) => ({
          tenantId,
          planificationId,
          learnerId: write.learnerId,
          rowId: write.rowId,
          hash: write.hash,
          state: 'pending' as const,
          firstSentAt: write.firstSentAt,
        })),
        at(),
      );
    }
    let allWritten = true;
    for (const write of sheet.writes) {
      if (!(await writeRow(write))) allWritten = false;
    }
    // Only once every learner row of the sheet is in Aimaira: this is what makes absences count there.
    if (sheet.realise === 'ready' && allWritten) await realise(sheet);
  };

  const sheets = plan.sheets;
  let next = 0;
  let done = 0;
  let stopped: { error: unknown } | undefined;
  const worker = async () => {
    while (stopped === undefined && next < sheets.length) {
      const sheet = sheets[next++];
      if (sheet === undefined) break;
      try {
        context.signal?.throwIfAborted();
        await applySheet(sheet);
      } catch (error) {
        // The tenant's access was refused, or the run was interrupted: the other workers stop after their sheet.
        stopped ??= { error };
        return;
      }
      done++;
      context.onProgress?.(done, sheets.length);
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(context.concurrency, sheets.length)) }, () => worker());
  // Every worker is awaited before a failure is passed on, so none is left writing after the run has ended.
  await Promise.all(workers);
  if (stopped) throw toError(stopped.error);
  return { counts, failures };
}

function describeValues(write: RowWrite): string {
  const { values } = write;
  const parts = [values.Presence ? 'present' : 'absent'];
  if (values.Retard !== undefined) parts.push(values.Retard ? 'late' : 'on time');
  if (values.Depart !== undefined && values.Depart) parts.push('left early');
  if (values.Exclusion !== undefined && values.Exclusion) parts.push('excluded');
  return parts.join(', ');
}
