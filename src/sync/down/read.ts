/**
 * Reads what a downward run needs from Aimaira, in batches: the sessions of the window, their resource rows, the
 * people and programmes they name, creation dates of sessions not seen before, and tutors when asked. No request
 * per session or per person: `in` filters, chunked to the query length limit.
 */
import { and, gt, inList, lt } from '../../aimaira/query.js';
import type { AimairaClient } from '../../aimaira/client.js';
import { isTypeOf, learnerOfRow, matchLearnerRow, toGroup, toPerson, toSession } from '../../aimaira/mapping.js';
import type { PlanificationRecord, ResourceRowRecord, TenantTypeIds } from '../../aimaira/mapping.js';
import type { AimairaSnapshot, Group, Person } from '../../domain/types.js';
import { resolveRowLearners } from '../learner-rows.js';
import type { SyncWindow } from './rules.js';

export interface ReadRequest {
  window: SyncWindow;
  /** Sessions outside the window that the run must still know about (linked, upcoming sheets). */
  extraSessionIds: readonly number[];
  /** Sessions outside the window to read in full, with their rows and people (`explain`). */
  detailSessionIds?: readonly number[];
  /**
   * A targeted run: only these sessions are read (by id, wherever they are: in or out of the window, cancelled, of
   * any type; a deleted one is simply absent), each in full, with their rows, people, brands and creation dates.
   * The window query is not sent, and `extraSessionIds` and `detailSessionIds` are not used.
   */
  targetSessionIds?: readonly number[];
  /** Creation dates already known, for the given session ids. */
  knownCreations: (sessionIds: readonly number[]) => Promise<ReadonlyMap<number, string>>;
  importStudentTutors: boolean;
}

export interface ReadResult {
  snapshot: AimairaSnapshot;
  types: TenantTypeIds;
  /** Creation dates read in this run, to remember. */
  newCreations: Map<number, string>;
}

/** Above this many learners, reading every completed agreement costs fewer requests than asking by learner. */
const manyLearners = 1_000;

const planificationFields = ['Id', 'Nom', 'Debut', 'Fin', 'TypePlanificationId', 'Annule', 'ProgrammeId'] as const;
const personFields = ['Id', 'Nom', 'Prenoms', 'NomUsage', 'PrenomUsage', 'MailId'] as const;

export async function readSnapshot(client: AimairaClient, request: ReadRequest): Promise<ReadResult> {
  const types = await client.resolveTypeCodes();
  const attendanceTypes = ['SEANCE', 'EVENEMENT'].flatMap((code) => types.planification[code] ?? []);
  const rowTypes = ['APPRENANT', 'PROF', 'SALLE', 'GROUPE'].flatMap((code) => types.ressource[code] ?? []);

  const targets = request.targetSessionIds;
  // A targeted run reads its sessions by id, all in detail, and nothing of the window.
  const windowPlanifications: PlanificationRecord[] = targets
    ? []
    : await client.listAll('Planification', {
        filter: and(
          gt('Debut', new Date(request.window.start)),
          lt('Debut', new Date(request.window.end)),
          inList('TypePlanificationId', attendanceTypes),
        ),
        select: planificationFields,
      });
  const inWindow = new Set(windowPlanifications.map((p) => p.Id));
  const detailSessionIds = targets ?? request.detailSessionIds ?? [];
  const extraIds = [...new Set([...(targets ? [] : request.extraSessionIds), ...detailSessionIds])].filter(
    (id) => !inWindow.has(id),
  );
  const extraPlanifications: PlanificationRecord[] =
    extraIds.length > 0 ? await client.listByIds('Planification', 'Id', extraIds, { select: planificationFields }) : [];

  // Rows, people and creation dates are read for the window and for the sessions asked in detail.
  const detailIds = new Set(detailSessionIds);
  const windowIds = [...inWindow, ...extraPlanifications.filter((p) => detailIds.has(p.Id)).map((p) => p.Id)];
  const rows: ResourceRowRecord[] =
    windowIds.length > 0
      ? await client.listByIds('PlanificationRessource', 'PlanificationId', windowIds, {
          filter: inList('TypeRessourceId', rowTypes),
          select: ['Id', 'PlanificationId', 'TypeRessourceId', 'Reference', 'Nom', 'Code'],
        })
      : [];
  const rowsBySession = new Map<number, ResourceRowRecord[]>();
  for (const row of rows) {
    const list = rowsBySession.get(row.PlanificationId);
    if (list) list.push(row);
    else rowsBySession.set(row.PlanificationId, [row]);
  }

  // Learners: `Reference` when it names one, else `Code` (matchLearnerRow); a conflict is settled by `Reference`
  // here, and reported by the upward run, which does not write such a row.
  const learnerRows = rows.filter((row) => isTypeOf(types.ressource, 'APPRENANT', row.TypeRessourceId));
  const learnerFields = { select: [...personFields, 'Code'] as const, expand: ['Mail'] as const };

  const idsOfType = (code: string) => [
    ...new Set(
      rows.flatMap((row) =>
        isTypeOf(types.ressource, code, row.TypeRessourceId) && row.Reference ? [row.Reference] : [],
      ),
    ),
  ];
  const programmeIds = [
    ...new Set(
      [...windowPlanifications, ...extraPlanifications].flatMap((p) => (p.ProgrammeId ? [p.ProgrammeId] : [])),
    ),
  ];
  const knownCreations = await request.knownCreations(windowIds);
  const newCreationIds = windowIds.filter((id) => !knownCreations.has(id));

  const [{ records: learnerRecords, directory }, facilitatorRecords, programmes, objects] = await Promise.all([
    resolveRowLearners(learnerRows, {
      byId: (ids) => client.listByIds('Apprenant', 'Id', ids, learnerFields),
      byCode: (codes) => client.listByIds('Apprenant', 'Code', codes, learnerFields),
    }),
    readPeople(client, 'Enseignant', idsOfType('PROF')),
    programmeIds.length > 0 ? client.listByIds('Programme', 'Id', programmeIds, { select: ['Id', 'EcoleId'] }) : [],
    newCreationIds.length > 0
      ? client.listByIds('Object', 'Id', newCreationIds, { select: ['Id', 'DateCreation'] })
      : [],
  ]);

  const newCreations = new Map<number, string>();
  for (const object of objects) {
    if (object.DateCreation) newCreations.set(object.Id, new Date(object.DateCreation).toISOString());
  }
  const createdAt = (id: number) => newCreations.get(id) ?? knownCreations.get(id);
  const brandByProgramme = new Map(
    programmes.flatMap((programme) => (programme.EcoleId ? [[programme.Id, programme.EcoleId] as const] : [])),
  );

  const sessions = [...windowPlanifications, ...extraPlanifications].map((planification) =>
    toSession(planification, rowsBySession.get(planification.Id) ?? [], {
      types,
      brandByProgramme,
      createdAt: createdAt(planification.Id),
      learnerOf: (row) => learnerOfRow(matchLearnerRow(row, directory)),
    }),
  );

  const groups = new Map<number, Group>();
  for (const row of rows) {
    if (isTypeOf(types.ressource, 'GROUPE', row.TypeRessourceId) && row.Reference && !groups.has(row.Reference)) {
      groups.set(row.Reference, toGroup(row));
    }
  }

  // Only the learners the sessions name: a `Reference` that is not a learner's id may still be some learner's.
  const named = new Set(sessions.flatMap((session) => session.learnerIds));
  const learners = new Map(
    learnerRecords.flatMap((record) => (named.has(record.Id) ? [[record.Id, toPerson(record)] as const] : [])),
  );
  const facilitators = new Map(facilitatorRecords.map((record) => [record.Id, toPerson(record)]));

  const tutors = new Map<number, Person>();
  const tutorsByLearner = new Map<number, number[]>();
  if (request.importStudentTutors && learners.size > 0) {
    const states = await client.listAll('EtatConvention', { select: ['Id', 'Code'] });
    // Every id of the code counts: Aimaira's own example lists each agreement state twice.
    const completed = states.flatMap((state) => (state.Code?.trim() === 'COMPLET' ? [state.Id] : []));
    if (completed.length > 0) {
      const fields = ['Id', 'ApprenantId', 'MaitreId', 'MaitreBisId'] as const;
      // Few learners: ask for theirs. Many: an `in` list needs a request per ~180 ids, while all completed
      // agreements of the tenant come 200 a page, so reading them all is fewer requests.
      const conventions =
        learners.size <= manyLearners
          ? await client.listByIds('Convention', 'ApprenantId', [...learners.keys()], {
              filter: inList('EtatConventionId', completed),
              select: fields,
            })
          : await client.listAll('Convention', { filter: inList('EtatConventionId', completed), select: fields });
      for (const convention of conventions) {
        if (!convention.ApprenantId || !learners.has(convention.ApprenantId)) continue;
        const ids = [convention.MaitreId, convention.MaitreBisId].flatMap((id) => (id ? [id] : []));
        const current = tutorsByLearner.get(convention.ApprenantId) ?? [];
        tutorsByLearner.set(convention.ApprenantId, [...new Set([...current, ...ids])]);
      }
      const tutorIds = [...new Set([...tutorsByLearner.values()].flat())];
      for (const record of await readPeople(client, 'Professionnel', tutorIds)) tutors.set(record.Id, toPerson(record));
    }
  }

  return { snapshot: { sessions, learners, facilitators, groups, tutors, tutorsByLearner }, types, newCreations };
}

async function readPeople(client: AimairaClient, set: 'Enseignant' | 'Professionnel', ids: readonly number[]) {
  if (ids.length === 0) return [];
  return client.listByIds(set, 'Id', ids, { select: personFields, expand: ['Mail'] });
}
