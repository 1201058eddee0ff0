/**
 * The chaos soak's invariants, checked against both simulators' state (bench/chaos.ts).
 *
 * Stated independently of the connector, from the simulators' data and the documented rules:
 * - no two Edusign students, professors, groups or sheets carry one API_ID;
 * - hand-made Edusign records (no API_ID) are exactly as their maker left them;
 * - a locked sheet is exactly as it was when locked (docs/downward-sync.md: locked sheets are never modified);
 * - a sheet of a session cancelled or deleted in Aimaira is gone, unless locked, signed or started;
 * - across a sync, Aimaira changes only in the attendance fields of learner rows of locked linked sheets, in
 *   `Realise` (false to true), and in `Object.DateModification` of what was written;
 * - each locked linked sheet's attendance is on its rows (state, time to the second), each row written by an
 *   applied PUT at least once over the soak, at most once in a round, and never with values it already had;
 * - `Realise` becomes true only on a session whose locked sheet has every learner's row written, once per session.
 *
 * Which sheets should exist, with which roster, comes from the connector's own rule functions (`observeTenant`:
 * its Aimaira reader and `evaluate` in src/sync/down/rules.ts), read without faults after the round: each of those
 * sheets exists once, and an unlocked one lists exactly those learners, plus learners taken off in Aimaira who
 * already signed (kept, as documented).
 */
import type { Sandbox } from '../sim/sandbox.js';
import type { EdusignSchoolHandle } from '../sim/edusign/server.js';
import type { EntitySetName } from '../sim/aimaira/entities.js';
import type { RecordedRequest } from '../sim/shared/http-server.js';
import type { TenantConfig } from '../src/config/config.js';
import type { StateStore } from '../src/store/port.js';
import { createTenantClients } from '../src/sync/clients.js';
import type { DesiredSheet } from '../src/sync/down/rules.js';
import { loadLinks, observeTenant } from '../src/sync/down/run.js';
import { createSkippingClock, edusignStateByApiId, idsOfCode } from '../test/helpers.js';
import { appliedPuts } from '../test/up/helpers.js';

export type HandMadeKind = 'student' | 'professor' | 'group' | 'course';

export interface Invariants {
  noteHandMade(kind: HandMadeKind, id: string): void;
  /** After a person locked a sheet: from now on it must stay as it is. */
  noteLocked(courseId: string): void;
  noteUnlocked(courseId: string): void;
  /** The sheets that should exist at the last check, with their learners. */
  desiredSheets(): readonly DesiredSheet[];
  /** Aimaira as it is before the round's sync (after the round's changes). */
  beforeSync(): void;
  /** What must hold after any run, even a faulty or killed one. */
  checkSafety(round: number, when: string): Promise<string[]>;
  /** Everything, after the round's last (successful) run; `requests` are the round's requests to both simulators. */
  check(round: number, requests?: readonly RecordedRequest[]): Promise<string[]>;
  summary(): string;
}

const attendanceFields = ['Presence', 'ControlePresence', 'Retard', 'Depart', 'Exclusion'];
const seconds = (text: unknown) => (typeof text === 'string' ? Math.floor(Date.parse(text) / 1000) : null);

export function createInvariants(context: {
  sandbox: Sandbox;
  school: EdusignSchoolHandle;
  store: StateStore;
  tenant: TenantConfig;
  now: Date;
}): Invariants {
  const { sandbox, school, store, tenant, now } = context;
  const aimaira = sandbox.aimaira.store;
  const sets = Object.keys(sandbox.scenario.aimaira) as EntitySetName[];
  const handMade = new Map<string, { kind: HandMadeKind; id: string; json: string }>();
  const locked = new Map<string, string>();
  const rowPuts = new Map<number, number>();
  const realisedPuts = new Map<number, number>();
  let desired: DesiredSheet[] = [];
  let before = new Map<EntitySetName, Map<number, Readonly<Record<string, unknown>>>>();
  const counted = { checks: 0, sheets: 0, lockedSheets: 0, attendanceRows: 0, realised: 0, handMade: 0 };

  const handMadeRecord = (kind: HandMadeKind, id: string): unknown =>
    kind === 'student'
      ? school.student(id)
      : kind === 'professor'
        ? school.professor(id)
        : kind === 'group'
          ? school.group(id)
          : school.course(id);
  const learnerTypes = () => new Set(idsOfCode(sandbox, 'TypeRessource', 'APPRENANT'));
  const learnerRow = (sessionId: number, learnerId: number, types: ReadonlySet<number>) =>
    aimaira
      .where('PlanificationRessource', 'PlanificationId', [sessionId])
      .filter((row) => types.has(Number(row['TypeRessourceId'])) && row['Reference'] === learnerId);
  const snapshotAimaira = () =>
    new Map(sets.map((set) => [set, new Map(aimaira.list(set).map((record) => [Number(record['Id']), record]))]));

  async function checkSafety(round: number, when: string): Promise<string[]> {
    const violations: string[] = [];
    const at = `round ${round} (${when})`;
    const state = edusignStateByApiId(school);
    for (const duplicate of state.duplicateApiIds) violations.push(`${at}: API_ID ${duplicate} on several records`);
    for (const { kind, id, json } of handMade.values()) {
      const now = JSON.stringify(handMadeRecord(kind, id));
      if (now !== json) violations.push(`${at}: hand-made ${kind} ${id} changed: ${json} -> ${now}`);
    }
    for (const [id, json] of locked) {
      const now = JSON.stringify(school.course(id));
      if (now !== json) violations.push(`${at}: locked sheet ${id} changed: ${json} -> ${now}`);
    }
    const rowsWritten = appliedPuts([...sandbox.aimaira.requests], 'PlanificationRessource');
    for (const [rowId, count] of rowsWritten) {
      if (count > 1) violations.push(`${at}: attendance row ${rowId} written ${count} times in one round`);
    }
    return Promise.resolve(violations);
  }

  async function readDesired(): Promise<DesiredSheet[]> {
    const clients = createTenantClients(tenant, { clock: createSkippingClock() });
    const links = await loadLinks(store, tenant.id);
    const observed = await observeTenant({ tenant, ...clients, store, now }, links, []);
    return observed.evaluation.desired.sheets;
  }

  /** What the round's sync changed in Aimaira, checked against what it may change. */
  function checkAimairaChanges(at: string, requests: readonly RecordedRequest[]): string[] {
    const violations: string[] = [];
    const types = learnerTypes();
    const courses = new Map(
      school
        .courses()
        .filter((c) => c.API_ID !== '')
        .map((c) => [c.API_ID, c]),
    );
    const puts = appliedPuts(requests, 'PlanificationRessource');
    const realisedNow = appliedPuts(requests, 'Planification');
    const written = new Set<number>();
    for (const set of sets) {
      const previous = before.get(set) ?? new Map<number, Readonly<Record<string, unknown>>>();
      const current = new Map(aimaira.list(set).map((record) => [Number(record['Id']), record]));
      for (const id of previous.keys()) {
        if (!current.has(id)) violations.push(`${at}: ${set} ${id} deleted by the sync`);
      }
      for (const [id, record] of current) {
        const old = previous.get(id);
        if (!old) {
          violations.push(`${at}: ${set} ${id} created by the sync`);
          continue;
        }
        if (old === record) continue;
        const changed = Object.keys({ ...old, ...record }).filter(
          (key) => JSON.stringify(old[key]) !== JSON.stringify(record[key]),
        );
        if (changed.length === 0) continue;
        if (set === 'Object') {
          if (changed.some((key) => key !== 'DateModification')) {
            violations.push(`${at}: Object ${id} changed in ${changed.join(', ')}`);
          }
          continue;
        }
        if (set === 'PlanificationRessource') {
          written.add(id);
          const outside = changed.filter((key) => !attendanceFields.includes(key));
          if (outside.length > 0) violations.push(`${at}: row ${id} changed outside attendance: ${outside.join(', ')}`);
          const course = courses.get(String(record['PlanificationId']));
          const learner = String(record['Reference']);
          const onSheet = course?.STUDENTS.some((row) => school.student(row.studentId)?.API_ID === learner);
          if (!types.has(Number(record['TypeRessourceId'])) || course?.LOCKED !== 1 || !onSheet) {
            violations.push(
              `${at}: row ${id} (session ${String(record['PlanificationId'])}) written, not a learner of a locked sheet`,
            );
          }
          continue;
        }
        if (set === 'Planification') {
          if (changed.length !== 1 || changed[0] !== 'Realise' || record['Realise'] !== true) {
            violations.push(`${at}: session ${id} changed in ${changed.join(', ')}`);
            continue;
          }
          counted.realised++;
          const course = courses.get(String(id));
          if (course?.LOCKED !== 1) {
            violations.push(`${at}: session ${id} marked Réalisé without a locked sheet`);
            continue;
          }
          for (const mark of course.STUDENTS) {
            const learnerId = Number(school.student(mark.studentId)?.API_ID);
            const [row] = learnerRow(id, learnerId, types);
            if (!row || row['Presence'] !== mark.state) {
              violations.push(`${at}: session ${id} marked Réalisé, learner ${learnerId}'s row not written`);
            }
          }
          continue;
        }
        violations.push(`${at}: ${set} ${id} changed by the sync in ${changed.join(', ')}`);
      }
    }
    for (const [rowId, count] of puts) {
      rowPuts.set(rowId, (rowPuts.get(rowId) ?? 0) + count);
      if (count > 1) violations.push(`${at}: attendance row ${rowId} written ${count} times in one round`);
      if (!written.has(rowId) && aimaira.get('PlanificationRessource', rowId)) {
        violations.push(`${at}: row ${rowId} written with the values it already had`);
      }
    }
    for (const [sessionId, count] of realisedNow) {
      const total = (realisedPuts.get(sessionId) ?? 0) + count;
      realisedPuts.set(sessionId, total);
      if (total > 1) violations.push(`${at}: session ${sessionId} marked Réalisé ${total} times`);
    }
    return violations;
  }

  return {
    noteHandMade(kind, id) {
      handMade.set(`${kind}:${id}`, { kind, id, json: JSON.stringify(handMadeRecord(kind, id)) });
      counted.handMade++;
    },
    noteLocked(courseId) {
      locked.set(courseId, JSON.stringify(school.course(courseId)));
    },
    noteUnlocked(courseId) {
      locked.delete(courseId);
    },
    desiredSheets: () => desired,
    beforeSync() {
      before = snapshotAimaira();
    },
    checkSafety,
    async check(round, requests) {
      const at = `round ${round}`;
      counted.checks++;
      const violations = await checkSafety(round, 'after the round');
      if (requests) violations.push(...checkAimairaChanges(at, requests));
      desired = await readDesired();
      const types = learnerTypes();
      const courses = school.courses();
      const byApiId = new Map<string, typeof courses>();
      for (const course of courses) {
        if (course.API_ID === '') continue;
        byApiId.set(course.API_ID, [...(byApiId.get(course.API_ID) ?? []), course]);
      }
      const studentApiId = new Map(school.students().map((student) => [student.ID, student.API_ID]));
      for (const sheet of desired) {
        const found = byApiId.get(String(sheet.aimairaId)) ?? [];
        if (found.length !== 1) {
          violations.push(`${at}: session ${sheet.aimairaId} should have one sheet, has ${found.length}`);
          continue;
        }
        const course = found[0]!;
        counted.sheets++;
        if (course.LOCKED === 1) continue;
        const expected = new Set(sheet.learnerIds.map(String));
        const roster = course.STUDENTS.map((row) => ({ apiId: studentApiId.get(row.studentId) ?? '', row }));
        const missing = [...expected].filter((id) => !roster.some((entry) => entry.apiId === id));
        const extra = roster
          .filter((entry) => !expected.has(entry.apiId) && !entry.row.state)
          .map((e) => e.apiId || e.row.studentId);
        if (missing.length > 0 || extra.length > 0) {
          violations.push(
            `${at}: sheet of session ${sheet.aimairaId} roster: missing [${missing.join(', ')}], extra [${extra.join(', ')}]`,
          );
        }
      }
      for (const [apiId, found] of byApiId) {
        const sessionId = Number(apiId);
        const session = aimaira.get('Planification', sessionId);
        for (const course of found) {
          const gone = !session || session['Annule'] === true;
          const signed = course.STUDENTS.some((row) => row.state);
          if (gone && course.LOCKED !== 1 && !signed && Date.parse(course.START) > now.getTime()) {
            violations.push(
              `${at}: sheet ${course.ID} of session ${apiId}, ${session ? 'cancelled' : 'deleted'}, still there`,
            );
          }
          if (course.LOCKED !== 1 || !session) continue;
          counted.lockedSheets++;
          for (const mark of course.STUDENTS) {
            const learnerId = Number(studentApiId.get(mark.studentId));
            const rows = learnerRow(sessionId, learnerId, types);
            if (rows.length !== 1) continue;
            const row = rows[0]!;
            const rowId = Number(row['Id']);
            counted.attendanceRows++;
            const expectedTime = Math.floor(Date.parse(mark.timestamp ?? course.END) / 1000);
            if (row['Presence'] !== mark.state || seconds(row['ControlePresence']) !== expectedTime) {
              violations.push(
                `${at}: row ${rowId} (session ${apiId}, learner ${learnerId}) has ${String(row['Presence'])} at ${String(row['ControlePresence'])}, sheet says ${mark.state} at ${mark.timestamp ?? course.END}`,
              );
            } else if ((rowPuts.get(rowId) ?? 0) < 1 && requests) {
              violations.push(`${at}: row ${rowId} (session ${apiId}) right but never written`);
            }
          }
        }
      }
      // Reading the desired state went through the simulators too: not the next round's requests.
      sandbox.aimaira.requests.length = 0;
      sandbox.edusign.requests.length = 0;
      return violations;
    },
    summary: () =>
      `checked ${counted.checks} times: ${counted.sheets} sheet checks, ${counted.lockedSheets} locked-sheet checks, ` +
      `${counted.attendanceRows} attendance-row checks, ${counted.realised} sessions marked Réalisé, ` +
      `${counted.handMade} hand-made records, ${rowPuts.size} attendance rows written`,
  };
}
