/**
 * Carries out a downward plan on Edusign: people, then groups (they need learner ids), then sheets (they need
 * everyone). The thin I/O layer: every decision was taken by the plan; this resolves Aimaira ids to Edusign ids,
 * writes, saves the link right after each write (so a killed process loses at most the record in flight, which
 * the next run finds again by API_ID), and reports each outcome as an event. Tutors are an option: when the
 * server has no externals routes (found by the look-ups, or by a write here), they are left out of the run with
 * one event, and learners and sheets still come down.
 */
import type { Clock } from '../../clock.js';
import type { ReasonCode } from '../../domain/reasons.js';
import type { RecordKind } from '../../domain/types.js';
import type { EdusignClient } from '../../edusign/client.js';
import { isEdusignBusinessError, isRouteMissing } from '../../edusign/errors.js';
import {
  coursePayload,
  externalPayload,
  groupPayload,
  professorPayload,
  studentPayload,
} from '../../edusign/mapping.js';
import type { Link, LinkOrigin, RunCounts, StateStore, SyncEvent } from '../../store/port.js';
import { isAccessRefused } from '../failures.js';
import type { DownPlan, GroupOperation, PersonOperation, SheetOperation } from './plan.js';
import { personLinkData, readSheetLinkData, rosterDiff, sheetLinkData } from './plan.js';
import type { DesiredSheet, PersonKind } from './rules.js';
import type { EmailFingerprint } from './email-fingerprint.js';

/** Where the run's events go (the runner batches them into the store). */
export interface EventSink {
  add(event: Omit<SyncEvent, 'runId' | 'tenantId' | 'at'>): void;
}

export interface ApplyContext {
  tenantId: string;
  edusign: EdusignClient;
  store: StateStore;
  clock: Clock;
  sendCredentials: boolean;
  events: EventSink;
  /** The keyed hash a person link keeps of the e-mail, in place of the e-mail (src/sync/down/email-fingerprint.ts). */
  emailFingerprint: EmailFingerprint;
  /** Links of the tenant by kind, as read before planning; kept up to date while applying. */
  links: Record<RecordKind, Map<number, Link>>;
  /** Called after each operation. */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export interface ApplyOutcome {
  counts: RunCounts;
  /** Records that failed and will be retried at the next run. */
  failures: number;
}

function failureReason(error: unknown): ReasonCode {
  return isEdusignBusinessError(error) ? 'EDUSIGN_REJECTED' : 'EDUSIGN_UNAVAILABLE';
}

function describeFailure(error: unknown): string {
  if (isEdusignBusinessError(error)) return `Edusign refused: ${error.serverMessage}`;
  return error instanceof Error ? error.message : String(error);
}

export async function applyDownPlan(plan: DownPlan, context: ApplyContext): Promise<ApplyOutcome> {
  const counts: RunCounts = {};
  let failures = 0;
  let done = 0;
  const total =
    plan.facilitators.length + plan.tutors.length + plan.learners.length + plan.groups.length + plan.sheets.length;
  const count = (kind: RecordKind, action: string) => {
    const key = `${kind}.${action}`;
    counts[key] = (counts[key] ?? 0) + 1;
  };
  const edusignIdOf = (kind: RecordKind, aimairaId: number) => context.links[kind].get(aimairaId)?.edusignId;

  /** Set once tutors are left out of this run (no externals routes); reported by one event. */
  let tutorsLeftOut = false;
  const leaveTutorsOut = (why: string) => {
    if (tutorsLeftOut) return;
    tutorsLeftOut = true;
    context.events.add({
      level: 'warning',
      action: 'skipped',
      recordKind: 'tutor',
      aimairaId: null,
      edusignId: null,
      reason: 'TUTORS_UNAVAILABLE',
      message: `${why}; learners and sheets still come down`,
    });
  };
  if (plan.tutorsUnavailable !== undefined) leaveTutorsOut(plan.tutorsUnavailable);

  const saveLink = async (
    kind: RecordKind,
    aimairaId: number,
    edusignId: string,
    hash: string | null,
    origin: LinkOrigin,
    data: Record<string, unknown> = {},
  ) => {
    const at = new Date(context.clock.now()).toISOString();
    const existing = context.links[kind].get(aimairaId);
    const link = {
      tenantId: context.tenantId,
      kind,
      aimairaId,
      edusignId,
      hash,
      data,
      origin: existing?.origin ?? origin,
    };
    await context.store.saveLink(link, at);
    context.links[kind].set(aimairaId, { ...link, createdAt: existing?.createdAt ?? at, updatedAt: at });
  };

  /** Runs one record's operation; a failure of that record is reported and the run goes on. */
  const guard = async (kind: RecordKind, aimairaId: number, work: () => Promise<void>) => {
    context.signal?.throwIfAborted();
    try {
      await work();
    } catch (error) {
      if (isAccessRefused(error) || context.signal?.aborted) throw error;
      // A tutor write to a server without externals routes: tutors are left out, the run goes on.
      if (kind === 'tutor' && isRouteMissing(error)) {
        count(kind, 'skipped');
        leaveTutorsOut(`Edusign answered a tutor write with a page that is not its API (${describeFailure(error)})`);
        return;
      }
      failures++;
      count(kind, 'error');
      context.events.add({
        level: 'error',
        action: 'error',
        recordKind: kind,
        aimairaId,
        edusignId: edusignIdOf(kind, aimairaId) ?? null,
        reason: failureReason(error),
        message: describeFailure(error),
      });
    } finally {
      done++;
      context.onProgress?.(done, total);
    }
  };

  // ---- People ----------------------------------------------------------------------------------------------

  /**
   * Whether an adopted facilitator that the look-up read as archived is restored with `HIDDEN: 0`. Its HIDDEN
   * lists the schools where it is archived, and the 0 is sent only when it is sure to be about this school: this
   * school's id is known (the look-up then found it in the list), or HIDDEN is a flag. When the id is unknown and
   * HIDDEN a list, the look-up's safe reading took "archived somewhere" for archived here; a 0 could then change its
   * archive in another school, so it is adopted as it is, with a warning.
   */
  const restoresFacilitator = async (aimairaId: number, edusignId: string): Promise<boolean> => {
    if ((await context.edusign.schoolId()) !== undefined) return true;
    const hidden = (await context.edusign.professors.get(edusignId))?.HIDDEN;
    if (hidden === undefined || typeof hidden === 'boolean') return true;
    context.events.add({
      level: 'warning',
      action: 'warning',
      recordKind: 'facilitator',
      aimairaId,
      edusignId,
      reason: null,
      message:
        "facilitator adopted without restoring it: Edusign lists it as archived in at least one school, and this school's Edusign id could not be read, so its archive state was left as it is; restore it in Edusign if it is archived in this school",
    });
    return false;
  };

  /**
   * Writes a person; `complete` is false when part of the record could not be written (a tutor that Edusign does
   * not have yet, or tutors left out during this run), so that its link keeps no hash and the next run writes it
   * again. An archived record adopted by e-mail is restored: a learner through Edusign's restore route (a PATCH
   * with `HIDDEN: 0` on a server without it), a facilitator (no such route is known) with `HIDDEN: 0`, when it is
   * known to be archived in this school (`restoresFacilitator`).
   */
  const writePerson = async (
    kind: PersonKind,
    operation: PersonOperation,
    id: string | undefined,
    create: boolean,
  ): Promise<{ id: string; complete: boolean }> => {
    const { person } = operation;
    // A record made by hand and archived since is restored when adopted: it is about to be put on sheets.
    const restoring = operation.op === 'adopt' && operation.restore;
    if (kind === 'facilitator') {
      const payload = professorPayload(person);
      if (create) {
        const created = await context.edusign.professors.create(payload, { sendCredentials: context.sendCredentials });
        return { id: created.id, complete: true };
      }
      const restore = restoring && (await restoresFacilitator(person.aimairaId, id ?? '')) && { HIDDEN: false };
      await context.edusign.professors.update({ ...payload, ID: id ?? '', ...restore });
      return { id: id ?? '', complete: true };
    }
    if (kind === 'tutor') {
      const payload = externalPayload(person);
      if (create) return { id: (await context.edusign.externals.create(payload)).id, complete: true };
      await context.edusign.externals.update({ ...payload, ID: id ?? '' });
      return { id: id ?? '', complete: true };
    }
    // Tutors left out: the learner's tutors on Edusign are not touched (STUDENT_FOLLOWER_ID is not sent).
    const tutorIds = tutorsLeftOut
      ? undefined
      : person.tutorIds.flatMap((tutorId) => edusignIdOf('tutor', tutorId) ?? []);
    const complete = (tutorIds?.length ?? 0) === person.tutorIds.length;
    const payload = studentPayload(person, tutorIds);
    if (create) {
      const created = await context.edusign.students.create({
        ...payload,
        SEND_EMAIL_CREDENTIALS: context.sendCredentials,
      });
      return { id: created.id, complete };
    }
    if (restoring) {
      await context.edusign.students.restore(id ?? '', {
        names: { FIRSTNAME: payload.FIRSTNAME, LASTNAME: payload.LASTNAME },
      });
    }
    await context.edusign.students.update({ ...payload, ID: id ?? '' });
    return { id: id ?? '', complete };
  };

  const applyPerson = async (kind: PersonKind, operation: PersonOperation) => {
    const { person } = operation;
    await guard(kind, person.aimairaId, async () => {
      switch (operation.op) {
        case 'create': {
          const { id, complete } = await writePerson(kind, operation, undefined, true);
          await saveLink(kind, person.aimairaId, id, complete ? operation.hash : null, 'created', {
            ...personLinkData(person, context.emailFingerprint),
          });
          count(kind, 'created');
          context.events.add({
            level: 'info',
            action: 'created',
            recordKind: kind,
            aimairaId: person.aimairaId,
            edusignId: id,
            reason: null,
            message: `${kind} created`,
          });
          return;
        }
        case 'adopt':
        case 'recover': {
          // Set our API_ID (adoption) or bring the record up to date (recovery) before linking it.
          const { complete } = await writePerson(kind, operation, operation.edusignId, false);
          const origin = operation.op === 'adopt' ? 'adopted' : 'recovered';
          await saveLink(kind, person.aimairaId, operation.edusignId, complete ? operation.hash : null, origin, {
            ...personLinkData(person, context.emailFingerprint),
          });
          count(kind, operation.op === 'adopt' ? 'adopted' : 'recovered');
          context.events.add({
            level: operation.op === 'adopt' ? 'warning' : 'info',
            action: operation.op === 'adopt' ? 'adopted' : 'recovered',
            recordKind: kind,
            aimairaId: person.aimairaId,
            edusignId: operation.edusignId,
            reason: operation.op === 'adopt' ? 'ADOPTED_BY_EMAIL' : 'RECOVERED_BY_API_ID',
            message:
              operation.op === 'adopt'
                ? `${kind} made by hand in Edusign with the same e-mail was linked instead of creating a duplicate`
                : `${kind} created by an earlier run was found by its API_ID and linked again`,
          });
          return;
        }
        case 'update': {
          const { complete } = await writePerson(kind, operation, operation.edusignId, false);
          await saveLink(kind, person.aimairaId, operation.edusignId, complete ? operation.hash : null, 'created', {
            ...personLinkData(person, context.emailFingerprint),
          });
          count(kind, 'updated');
          context.events.add({
            level: 'info',
            action: 'updated',
            recordKind: kind,
            aimairaId: person.aimairaId,
            edusignId: operation.edusignId,
            reason: null,
            message: `${kind} updated`,
          });
          return;
        }
        case 'conflict': {
          failures++;
          count(kind, 'error');
          context.events.add({
            level: 'error',
            action: 'error',
            recordKind: kind,
            aimairaId: person.aimairaId,
            edusignId: operation.edusignId,
            reason: operation.reason,
            message: `an Edusign ${kind} with this e-mail is linked to another Aimaira record; fix the e-mail in Aimaira or Edusign`,
          });
          return;
        }
      }
    });
  };

  for (const operation of plan.facilitators) await applyPerson('facilitator', operation);
  for (const operation of plan.tutors) {
    if (!tutorsLeftOut) {
      await applyPerson('tutor', operation);
      continue;
    }
    count('tutor', 'skipped');
    done++;
    context.onProgress?.(done, total);
  }
  for (const operation of plan.learners) await applyPerson('learner', operation);

  // ---- Groups ----------------------------------------------------------------------------------------------

  const applyGroup = async (operation: GroupOperation) => {
    const { group } = operation;
    await guard('group', group.aimairaId, async () => {
      const memberIds = group.memberIds.filter((id) => edusignIdOf('learner', id) !== undefined);
      const payload = groupPayload(
        group,
        memberIds.map((id) => edusignIdOf('learner', id) ?? ''),
      );
      // A member whose learner could not be written is left out for now, and the hash says so.
      const hash = memberIds.length === group.memberIds.length ? operation.hash : null;
      let id: string;
      if (operation.op === 'create') id = (await context.edusign.groups.create(payload)).id;
      else {
        id = operation.edusignId;
        await context.edusign.groups.update({ ...payload, ID: id });
      }
      await saveLink('group', group.aimairaId, id, hash, operation.op === 'recover' ? 'recovered' : 'created', {
        memberIds,
      });
      const action = operation.op === 'create' ? 'created' : operation.op === 'recover' ? 'recovered' : 'updated';
      count('group', action);
      context.events.add({
        level: 'info',
        action,
        recordKind: 'group',
        aimairaId: group.aimairaId,
        edusignId: id,
        reason: operation.op === 'recover' ? 'RECOVERED_BY_API_ID' : null,
        message: `group ${group.name} ${action}`,
      });
    });
  };
  for (const operation of plan.groups) await applyGroup(operation);

  // ---- Sheets ----------------------------------------------------------------------------------------------

  /** The group members Edusign enrols when a sheet is given these groups (as last written). */
  const enrolledThroughGroups = (groupIds: readonly number[]): Set<number> => {
    const enrolled = new Set<number>();
    for (const groupId of groupIds) {
      const memberIds = (context.links.group.get(groupId)?.data['memberIds'] as number[] | undefined) ?? [];
      for (const id of memberIds) enrolled.add(id);
    }
    return enrolled;
  };

  /**
   * A sheet's fields with Edusign ids. Facilitators and groups that Edusign does not have yet (their write failed)
   * are left out for now: `written` says what is really sent and `complete` whether that is everything.
   */
  const resolvedFields = (sheet: DesiredSheet) => {
    const facilitatorIds = sheet.facilitatorIds.filter((id) => edusignIdOf('facilitator', id) !== undefined);
    const professorIds = sheet.defaultProfessorId
      ? [sheet.defaultProfessorId]
      : facilitatorIds.flatMap((id) => edusignIdOf('facilitator', id) ?? []);
    const groupIds = sheet.groupIds.filter((id) => edusignIdOf('group', id) !== undefined);
    return {
      professorIds,
      groupIds,
      written: { facilitatorIds, groupIds },
      complete: facilitatorIds.length === sheet.facilitatorIds.length && groupIds.length === sheet.groupIds.length,
      payload: coursePayload(
        sheet,
        professorIds,
        groupIds.map((id) => edusignIdOf('group', id) ?? ''),
      ),
    };
  };

  /**
   * Brings a sheet's roster from `current` to the sheet's learners; returns whether it fully succeeded. `signed`:
   * the students who signed, when the sheet was just read (otherwise read here, only if someone is to be removed).
   */
  const correctRoster = async (
    sheet: DesiredSheet,
    courseId: string,
    current: Iterable<number>,
    signed?: ReadonlySet<string>,
  ) => {
    const onSheet = new Set(current);
    const { add, remove } = rosterDiff(onSheet, sheet.learnerIds);
    let complete = true;
    for (const learnerId of add) {
      const studentId = edusignIdOf('learner', learnerId);
      if (studentId === undefined) {
        complete = false;
        continue;
      }
      try {
        await context.edusign.courses.addStudent(courseId, studentId);
      } catch (error) {
        // Already there (an earlier attempt landed): the roster is as wanted.
        if (!isEdusignBusinessError(error, 'STUDENT_ALREADY_IN_LIST')) throw error;
      }
      onSheet.add(learnerId);
    }
    // A learner who already signed stays on the sheet: removing them would lose their attendance.
    const signedIds =
      remove.length === 0 ? new Set<string>() : (signed ?? (await readRoster(courseId))?.signedStudentIds);
    for (const learnerId of remove) {
      const studentId = edusignIdOf('learner', learnerId);
      if (studentId !== undefined && signedIds?.has(studentId)) {
        context.events.add({
          level: 'warning',
          action: 'kept',
          recordKind: 'learner',
          aimairaId: learnerId,
          edusignId: studentId,
          reason: 'SIGNED_LEARNER_KEPT',
          message: `learner no longer listed on "${sheet.name}" in Aimaira, but already signed: kept on the sheet`,
        });
        continue;
      }
      if (studentId !== undefined) {
        try {
          await context.edusign.courses.removeStudent(courseId, studentId);
        } catch (error) {
          if (!isEdusignBusinessError(error, 'STUDENT_NOT_IN_LIST') && !isEdusignBusinessError(error, 'NOT_FOUND')) {
            throw error;
          }
        }
      }
      onSheet.delete(learnerId);
    }
    return { complete, learnerIds: [...onSheet].sort((a, b) => a - b) };
  };

  /** The learners Edusign has on a sheet, in Aimaira ids (learners it does not know of are left alone). */
  const readRoster = async (courseId: string) => {
    const course = await context.edusign.courses.get(courseId);
    if (!course) return undefined;
    const aimairaIdByStudent = new Map(
      [...context.links.learner.values()].map((link) => [link.edusignId, link.aimairaId]),
    );
    const signedStudentIds = new Set(course.STUDENTS.filter((row) => row.state).map((row) => row.studentId));
    return {
      locked: course.LOCKED,
      signed: signedStudentIds.size > 0,
      signedStudentIds,
      learnerIds: course.STUDENTS.flatMap((row) => aimairaIdByStudent.get(row.studentId) ?? []),
    };
  };

  /**
   * Reports a locked sheet, and remembers on its link that it was locked (its hash unchanged, so the change stays
   * pending): later runs then check the lock with a read rather than try a write Edusign would refuse again.
   */
  const lockedEvent = async (aimairaId: number, edusignId: string, what: string) => {
    count('sheet', 'kept');
    context.events.add({
      level: 'warning',
      action: 'kept',
      recordKind: 'sheet',
      aimairaId,
      edusignId,
      reason: 'LOCKED',
      message: `sheet is locked on Edusign: ${what} not applied`,
    });
    const link = context.links.sheet.get(aimairaId);
    if (link !== undefined && link.edusignId === edusignId && link.data['locked'] !== true) {
      await saveLink('sheet', aimairaId, edusignId, link.hash, link.origin, { ...link.data, locked: true });
    }
  };

  /** Whether a sheet found locked by an earlier run still is (one read); an unlocked one is written again. */
  const stillLocked = async (aimairaId: number, edusignId: string) => {
    if (context.links.sheet.get(aimairaId)?.data['locked'] !== true) return false;
    const roster = await readRoster(edusignId);
    if (!roster) throw new Error('the sheet disappeared from Edusign');
    return roster.locked;
  };

  const applySheet = async (operation: SheetOperation) => {
    const aimairaId =
      operation.op === 'delete' || operation.op === 'keep' ? operation.aimairaId : operation.sheet.aimairaId;
    await guard('sheet', aimairaId, async () => {
      switch (operation.op) {
        case 'create': {
          const { sheet } = operation;
          const { professorIds, groupIds, written, complete, payload } = resolvedFields(sheet);
          if (professorIds.length === 0) throw new Error('no facilitator of this sheet could be written to Edusign');
          const { id } = await context.edusign.courses.create(payload);
          // Saved before the roster is corrected, with no hash: a crash here is finished by the next run.
          const enrolled = [...enrolledThroughGroups(groupIds)];
          await saveLink('sheet', aimairaId, id, null, 'created', { ...sheetLinkData(sheet, enrolled, written) });
          const roster = await correctRoster(sheet, id, enrolled);
          await saveLink('sheet', aimairaId, id, roster.complete && complete ? operation.hash : null, 'created', {
            ...sheetLinkData(sheet, roster.learnerIds, written),
          });
          count('sheet', 'created');
          context.events.add({
            level: 'info',
            action: 'created',
            recordKind: 'sheet',
            aimairaId,
            edusignId: id,
            reason: null,
            message: `sheet "${sheet.name}" created with ${roster.learnerIds.length} learners`,
          });
          return;
        }
        case 'recover':
        case 'update': {
          const { sheet } = operation;
          const edusignId = operation.edusignId;
          const resolved = resolvedFields(sheet);
          const { professorIds, payload } = resolved;
          if (professorIds.length === 0) throw new Error('no facilitator of this sheet could be written to Edusign');
          if (await stillLocked(aimairaId, edusignId)) return lockedEvent(aimairaId, edusignId, 'changes from Aimaira');
          const mustWriteFields = operation.op === 'recover' || operation.fieldsChanged;
          // Fields not rewritten are as the link says, which is what the sheet wants (else they would be).
          const written = mustWriteFields ? resolved.written : sheet;
          const fieldsComplete = !mustWriteFields || resolved.complete;
          if (mustWriteFields) {
            try {
              await context.edusign.courses.update({ ...payload, ID: edusignId });
            } catch (error) {
              if (isEdusignBusinessError(error, 'COURSE_LOCKED')) {
                return lockedEvent(aimairaId, edusignId, 'changes from Aimaira');
              }
              throw error;
            }
          }
          // After a recovery or a change of groups, Edusign's roster is not what we last wrote: read it.
          let current: number[];
          let signed: ReadonlySet<string> | undefined;
          if (operation.op === 'recover' || operation.groupsChanged) {
            const read = await readRoster(edusignId);
            if (!read) throw new Error('the sheet disappeared from Edusign');
            if (read.locked) return lockedEvent(aimairaId, edusignId, 'roster changes');
            current = read.learnerIds;
            signed = read.signedStudentIds;
          } else current = operation.previousLearnerIds;
          let roster;
          try {
            roster = await correctRoster(sheet, edusignId, current, signed);
          } catch (error) {
            if (isEdusignBusinessError(error, 'COURSE_LOCKED')) {
              return lockedEvent(aimairaId, edusignId, 'roster changes');
            }
            throw error;
          }
          await saveLink(
            'sheet',
            aimairaId,
            edusignId,
            roster.complete && fieldsComplete ? operation.hash : null,
            operation.op === 'recover' ? 'recovered' : 'created',
            { ...sheetLinkData(sheet, roster.learnerIds, written) },
          );
          const action = operation.op === 'recover' ? 'recovered' : 'updated';
          count('sheet', action);
          context.events.add({
            level: 'info',
            action,
            recordKind: 'sheet',
            aimairaId,
            edusignId,
            reason: operation.op === 'recover' ? 'RECOVERED_BY_API_ID' : null,
            message: `sheet "${sheet.name}" ${action}`,
          });
          return;
        }
        case 'delete': {
          const roster = await readRoster(operation.edusignId);
          if (roster?.locked) return lockedEvent(aimairaId, operation.edusignId, 'deletion');
          if (roster?.signed) {
            count('sheet', 'kept');
            context.events.add({
              level: 'warning',
              action: 'kept',
              recordKind: 'sheet',
              aimairaId,
              edusignId: operation.edusignId,
              reason: 'SIGNED',
              message: 'session no longer comes down, but the sheet has signatures: kept',
            });
            return;
          }
          if (roster) {
            try {
              await context.edusign.courses.delete(operation.edusignId);
            } catch (error) {
              // A DELETE whose answer was lost is sent again, and Edusign then knows no such sheet: deleted all the
              // same (found by the chaos soak).
              if (!isEdusignBusinessError(error, 'NOT_FOUND')) throw error;
            }
          }
          await context.store.deleteLink(context.tenantId, 'sheet', aimairaId);
          context.links.sheet.delete(aimairaId);
          count('sheet', 'deleted');
          context.events.add({
            level: 'info',
            action: 'deleted',
            recordKind: 'sheet',
            aimairaId,
            edusignId: operation.edusignId,
            reason: operation.reason,
            message: `sheet deleted: ${operation.reason === 'CANCELLED' ? 'session cancelled' : 'session deleted or moved out of the window'}`,
          });
          return;
        }
        case 'keep': {
          count('sheet', 'kept');
          const written = context.links.sheet.get(aimairaId);
          context.events.add({
            level: 'warning',
            action: 'kept',
            recordKind: 'sheet',
            aimairaId,
            edusignId: operation.edusignId,
            reason: operation.reason,
            message: `session no longer comes down (${operation.reason}); the sheet "${written ? readSheetLinkData(written).name : ''}" is kept`,
          });
          return;
        }
      }
    });
  };
  for (const operation of plan.sheets) await applySheet(operation);

  return { counts, failures };
}
