/**
 * What happens between two syncs of the chaos soak (bench/chaos.ts), drawn from the round's seed: changes in Aimaira
 * as planners make them, changes in Edusign as people using its web app make them, and the faults the next sync
 * will meet.
 */
import type { Sandbox } from '../sim/sandbox.js';
import type { EdusignSchoolHandle } from '../sim/edusign/server.js';
import type { FaultKind, FaultRuleInput } from '../sim/shared/faults.js';
import type { Random } from '../sim/scenario/random.js';
import { addSessionRow, insertSession, sessionRowsOfType } from '../test/helpers.js';
import type { Invariants } from './chaos-invariants.js';

const day = 86_400_000;
/** A Paris date-time as Aimaira writes it; the scenario's weeks are all in winter time (+01:00). */
const paris = (ms: number) => `${new Date(ms + 3_600_000).toISOString().slice(0, 19)}+01:00`;
const surnames = ['Martin', 'Bernard', 'Dubois', 'Thomas', 'Robert', 'Richard', 'Petit', 'Durand', 'Leroy', 'Moreau'];

export function applyAimairaChanges(sandbox: Sandbox, invariants: Invariants, random: Random): void {
  const store = sandbox.aimaira.store;
  const sheets = invariants.desiredSheets().filter((sheet) => store.get('Planification', sheet.aimairaId));
  if (sheets.length === 0) return;
  const learners = [...new Set(sheets.flatMap((sheet) => sheet.learnerIds))];
  const changes = random.int(2, 6);
  for (let i = 0; i < changes; i++) {
    const sheet = random.pick(sheets);
    const id = sheet.aimairaId;
    const session = store.get('Planification', id);
    if (!session) continue;
    const change = random.weighted([
      ['move', 3],
      ['cancel', 1],
      ['delete', 1],
      ['learner in', 3],
      ['learner out', 3],
      ['rename', 2],
      ['new session', 2],
    ] as const);
    const debut = Date.parse(String(session['Debut']));
    const fin = Date.parse(String(session['Fin']));
    switch (change) {
      case 'move': {
        // Mostly a day or three either way; sometimes out of the window.
        const shift = random.chance(0.15) ? 30 * day : random.pick([-3, -2, -1, 1, 2, 3]) * day;
        store.patch('Planification', id, { Debut: paris(debut + shift), Fin: paris(fin + shift) });
        break;
      }
      case 'cancel':
        store.patch('Planification', id, { Annule: true });
        break;
      case 'delete':
        store.remove('Planification', id);
        break;
      case 'learner in': {
        const present = new Set(sessionRowsOfType(sandbox, id, 'APPRENANT').map((row) => row['Reference']));
        const candidates = learners.filter((learner) => !present.has(learner));
        if (candidates.length > 0) addSessionRow(sandbox, id, 'APPRENANT', random.pick(candidates), '');
        break;
      }
      case 'learner out': {
        const rows = sessionRowsOfType(sandbox, id, 'APPRENANT');
        if (rows.length > 1) store.remove('PlanificationRessource', Number(random.pick(rows)['Id']));
        break;
      }
      case 'rename': {
        if (random.chance(0.7) && sheet.learnerIds.length > 0) {
          store.patch('Apprenant', random.pick(sheet.learnerIds), { NomUsage: random.pick(surnames) });
        } else if (sheet.facilitatorIds.length > 0) {
          store.patch('Enseignant', random.pick(sheet.facilitatorIds), { Nom: random.pick(surnames) });
        }
        break;
      }
      case 'new session': {
        const shift = random.int(1, 7) * day;
        const reference = (code: 'PROF' | 'GROUPE' | 'APPRENANT') =>
          sessionRowsOfType(sandbox, id, code).map((row) => Number(row['Reference']));
        insertSession(sandbox, {
          name: `${String(session['Nom'])} (rattrapage)`,
          debut: paris(debut + shift),
          fin: paris(fin + shift),
          programmeId: Number(session['ProgrammeId']),
          rooms: sessionRowsOfType(sandbox, id, 'SALLE').map((row) => String(row['Nom'])),
          facilitatorIds: reference('PROF'),
          groupIds: reference('GROUPE'),
          learnerIds: reference('APPRENANT'),
        });
        break;
      }
    }
  }
}

export function applyEdusignChanges(
  school: EdusignSchoolHandle,
  invariants: Invariants,
  random: Random,
  round: number,
): void {
  const changes = random.int(2, 6);
  for (let i = 0; i < changes; i++) {
    const linked = school.courses().filter((course) => course.API_ID !== '');
    const unlocked = linked.filter((course) => course.LOCKED === 0);
    const lockedCourses = linked.filter((course) => course.LOCKED === 1);
    const signSome = (courseId: string, share: number) => {
      const course = school.course(courseId);
      if (!course) return;
      const start = Date.parse(course.START);
      for (const row of course.STUDENTS) {
        if (!row.state && random.chance(share)) {
          school.sign(courseId, row.studentId, new Date(start + random.int(0, 30) * 60_000));
        }
      }
    };
    const change = random.weighted([
      ['sign', 3],
      ['lock', 3],
      ['unlock', 1],
      ['by hand', 1],
    ] as const);
    switch (change) {
      case 'sign':
        if (unlocked.length > 0) signSome(random.pick(unlocked).ID, 0.3);
        break;
      case 'lock': {
        if (unlocked.length === 0) break;
        const course = random.pick(unlocked);
        signSome(course.ID, random.pick([0, 0.5, 0.9, 1]));
        school.lock(course.ID);
        invariants.noteLocked(course.ID);
        break;
      }
      case 'unlock': {
        if (lockedCourses.length === 0) break;
        const course = random.pick(lockedCourses);
        school.unlock(course.ID);
        invariants.noteUnlocked(course.ID);
        if (random.chance(0.6)) {
          // Someone corrects the sheet and locks it again.
          signSome(course.ID, 0.5);
          school.lock(course.ID);
          invariants.noteLocked(course.ID);
        }
        break;
      }
      case 'by hand': {
        const student = school.createStudent({
          FIRSTNAME: 'Saisi',
          LASTNAME: `À la main ${round}-${i}`,
          EMAIL: `main.${round}.${i}@exemple.org`,
        });
        if (random.chance(0.5)) {
          const professor = school.createProfessor({
            FIRSTNAME: 'Prof',
            LASTNAME: `À la main ${round}-${i}`,
            EMAIL: `prof.main.${round}.${i}@exemple.org`,
          });
          const group = school.createGroup({ NAME: `Groupe à la main ${round}-${i}`, STUDENTS: [student.ID] });
          const start = Date.parse('2026-12-01T08:00:00Z') + random.int(0, 10) * day;
          const course = school.createCourse({
            NAME: `Réunion à la main ${round}-${i}`,
            START: new Date(start).toISOString(),
            END: new Date(start + 3_600_000).toISOString(),
            PROFESSOR: professor.ID,
            STUDENTS: [student.ID],
          });
          invariants.noteHandMade('professor', professor.ID);
          invariants.noteHandMade('group', group.ID);
          invariants.noteHandMade('course', course.ID);
        }
        // Noted last: its group and sheet change the student's record.
        invariants.noteHandMade('student', student.ID);
        break;
      }
    }
  }
}

const faultKinds: readonly FaultKind[] = [
  'server-error',
  'rate-limit',
  'hang',
  'reset-after-write',
  'truncated-json',
  'html-error',
];

/** One to four fault rules, each on a random route of a random simulator, after a random number of clean answers. */
export function injectFaults(sandbox: Sandbox, random: Random): void {
  const rules = random.int(1, 4);
  for (let i = 0; i < rules; i++) {
    const onAimaira = random.chance(0.4);
    const simulator = onAimaira ? sandbox.aimaira : sandbox.edusign;
    const kind = random.pick(faultKinds);
    const path = onAimaira
      ? random.pick(['/GraphV1/PlanificationRessource', '/GraphV1/Planification', '/GraphV1/'])
      : random.pick(['/v1/course', '/v1/student', '/v1/group', '/v1/professor', '/v1/']);
    const methods = onAimaira ? ['GET', 'PUT', undefined] : ['GET', 'POST', 'PATCH', 'PUT', 'DELETE', undefined];
    const method = random.pick(methods);
    const target: Pick<FaultRuleInput, 'path' | 'method'> = { path, ...(method !== undefined && { method }) };
    const skip = random.int(0, 15);
    if (skip > 0) simulator.faults.add({ kind: 'latency', latencyMs: 0, times: skip, ...target });
    simulator.faults.add({
      kind,
      times: random.int(1, 3),
      ...(kind === 'rate-limit' && { retryAfter: '1' }),
      ...(kind === 'server-error' && { status: random.pick([500, 502, 503, 504]) }),
      ...target,
    });
  }
}
