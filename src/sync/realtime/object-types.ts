/**
 * Aimaira's table names (`ObjectType` in its webhook messages) are not published: they are learned from
 * `/Object/{id}` of one known record of each entity, whose `Type` is that table name.
 */
import type { AimairaClient } from '../../aimaira/client.js';
import type { StateStore } from '../../store/port.js';
import { syncWindow } from '../down/rules.js';
import { realtimeEntities, windowSessionIds } from './targets.js';
import type { RealtimeEntity } from './targets.js';

/** One known record id of each entity (any of them may be missing). */
export type KnownIds = { [E in RealtimeEntity]?: number | undefined };

export interface LearnedObjectTypes {
  /** `{ Planification: 'planification.T_PLANIFICATION', ... }`: only the entities learned. */
  objectTypes: Partial<Record<RealtimeEntity, string>>;
  /** The entities not learned, with why (no known record, no `Object`, an empty `Type`). */
  unlearned: { entity: RealtimeEntity; why: string }[];
}

/** Reads `/Object/{id}` of each known record (one request per id where the server has no `Object` collection). */
export async function learnObjectTypes(aimaira: AimairaClient, known: KnownIds): Promise<LearnedObjectTypes> {
  const ids = [...new Set(realtimeEntities.flatMap((entity) => (known[entity] === undefined ? [] : [known[entity]])))];
  const objects = ids.length > 0 ? await aimaira.listByIds('Object', 'Id', ids, { select: ['Id', 'Type'] }) : [];
  const typeById = new Map(objects.map((object) => [object.Id, object.Type?.trim() ?? '']));
  const learned: LearnedObjectTypes = { objectTypes: {}, unlearned: [] };
  for (const entity of realtimeEntities) {
    const id = known[entity];
    if (id === undefined) {
      learned.unlearned.push({ entity, why: 'no known record to read' });
      continue;
    }
    const type = typeById.get(id);
    if (type === undefined) learned.unlearned.push({ entity, why: `Object ${id} was not found` });
    else if (type === '') learned.unlearned.push({ entity, why: `Object ${id} has no Type` });
    else learned.objectTypes[entity] = type;
  }
  return learned;
}

/**
 * One known record of each entity, for `learnObjectTypes`: the store's links first (a session, a learner, a
 * facilitator), else the window's first session and its rows; a row of that session, and the e-mail of a learner or
 * facilitator. Any it cannot find is left out. A linked record deleted since still has its `Object` and its `Type`.
 */
export async function findKnownIds(
  aimaira: AimairaClient,
  options: { store: Pick<StateStore, 'listLinks'>; tenantId: string; now: Date; horizonDays: number },
): Promise<KnownIds> {
  const known: KnownIds = {};
  const first = async (kind: 'sheet' | 'learner' | 'facilitator') =>
    (await options.store.listLinks(options.tenantId, kind))[0]?.aimairaId;
  const [sheet, learner, facilitator] = await Promise.all([first('sheet'), first('learner'), first('facilitator')]);
  if (sheet !== undefined) known.Planification = sheet;
  if (learner !== undefined) known.Apprenant = learner;
  if (facilitator !== undefined) known.Enseignant = facilitator;

  // A session that is still there, for its rows: the window's first one.
  const types = await aimaira.resolveTypeCodes();
  const window = syncWindow(options.now, options.horizonDays);
  const sessionIds = await windowSessionIds(aimaira, types, window, 5);
  known.Planification ??= sessionIds[0];
  for (const sessionId of sessionIds) {
    const rows = await aimaira.navigation('Planification', sessionId, 'PlanificationsRessource', {
      select: ['Id', 'TypeRessourceId', 'Reference'],
    });
    if (rows === undefined || rows.length === 0) continue;
    known.PlanificationRessource ??= rows[0]?.Id;
    const isOf = (code: string, id: number) => (types.ressource[code] ?? []).includes(id);
    const reference = (code: string) =>
      rows.find((row) => isOf(code, row.TypeRessourceId) && (row.Reference ?? 0) > 0)?.Reference ?? undefined;
    known.Apprenant ??= reference('APPRENANT');
    known.Enseignant ??= reference('PROF');
    break;
  }

  for (const [set, id] of [
    ['Apprenant', known.Apprenant],
    ['Enseignant', known.Enseignant],
  ] as const) {
    if (known.Mail !== undefined || id === undefined) continue;
    const person = await aimaira.get(set, id, { select: ['Id', 'MailId'] });
    if (typeof person?.MailId === 'number' && person.MailId > 0) known.Mail = person.MailId;
  }
  for (const entity of realtimeEntities) if (known[entity] === undefined) delete known[entity];
  return known;
}
