/**
 * From Aimaira records to the connector's domain: sessions and people as plain data for the pure rules.
 *
 * Names: Aimaira keeps civil names (`Nom`, `Prenoms`) and the names a person goes by (`NomUsage`, `PrenomUsage`);
 * the published examples show facilitators with only the usage first name filled. The name a person goes by is
 * what should appear on an attendance sheet, so it is preferred, with the civil name as fallback.
 */
import type { Group, Person, Session, SessionType } from '../domain/types.js';

/** Type ids by code for one tenant (`SEANCE`, `EVENEMENT`, `APPRENANT`, ...); a code may have several ids. */
export interface TenantTypeIds {
  planification: Readonly<Record<string, readonly number[]>>;
  ressource: Readonly<Record<string, readonly number[]>>;
}

/** Whether `id` is one of the ids of `code`. */
export function isTypeOf(ids: Readonly<Record<string, readonly number[]>>, code: string, id: number): boolean {
  return ids[code]?.includes(id) ?? false;
}

/** Text and link fields may come back null; they read as empty. */
type Text = string | null | undefined;
type Link = number | null | undefined;

interface PersonRecord {
  Id: number;
  Nom: Text;
  Prenoms: Text;
  NomUsage?: Text;
  PrenomUsage?: Text;
  Mail?: { Adresse?: Text } | null | undefined;
}

export function toPerson(record: PersonRecord): Person {
  return {
    aimairaId: record.Id,
    firstName: (record.PrenomUsage ?? '').trim() || (record.Prenoms ?? '').trim(),
    lastName: (record.NomUsage ?? '').trim() || (record.Nom ?? '').trim(),
    email: record.Mail?.Adresse ?? '',
  };
}

export interface PlanificationRecord {
  Id: number;
  Nom: Text;
  Debut: string;
  Fin: string;
  TypePlanificationId: number;
  Annule: boolean;
  ProgrammeId: Link;
}

export interface ResourceRowRecord {
  Id: number;
  PlanificationId: number;
  TypeRessourceId: number;
  Reference: Link;
  Nom: Text;
  Code: Text;
}

export function sessionType(typePlanificationId: number, types: TenantTypeIds): SessionType {
  if (isTypeOf(types.planification, 'SEANCE', typePlanificationId)) return 'course';
  if (isTypeOf(types.planification, 'EVENEMENT', typePlanificationId)) return 'common-event';
  return 'other';
}

/** Instants as UTC ISO strings: Aimaira answers in Paris time with its offset. */
export function toInstant(dateTime: string): string {
  return new Date(dateTime).toISOString();
}

export function toSession(
  planification: PlanificationRecord,
  rows: readonly ResourceRowRecord[],
  context: { types: TenantTypeIds; brandByProgramme: ReadonlyMap<number, number>; createdAt: string | undefined },
): Session {
  const { ressource } = context.types;
  const session: Session = {
    aimairaId: planification.Id,
    name: (planification.Nom ?? '').trim(),
    type: sessionType(planification.TypePlanificationId, context.types),
    start: toInstant(planification.Debut),
    end: toInstant(planification.Fin),
    cancelled: planification.Annule,
    createdAt: context.createdAt,
    brandId: planification.ProgrammeId ? context.brandByProgramme.get(planification.ProgrammeId) : undefined,
    rooms: [],
    facilitatorIds: [],
    learnerIds: [],
    groupIds: [],
    learnerRowIds: {},
  };
  const ordered = [...rows].sort((a, b) => a.Id - b.Id);
  for (const row of ordered) {
    const reference = row.Reference ?? 0;
    const name = (row.Nom ?? '').trim();
    if (isTypeOf(ressource, 'SALLE', row.TypeRessourceId)) {
      if (name && !session.rooms.includes(name)) session.rooms.push(name);
    } else if (reference <= 0) {
      // A person or group row that names nothing cannot be synchronised.
      continue;
    } else if (isTypeOf(ressource, 'PROF', row.TypeRessourceId)) {
      if (!session.facilitatorIds.includes(reference)) session.facilitatorIds.push(reference);
    } else if (isTypeOf(ressource, 'APPRENANT', row.TypeRessourceId)) {
      if (session.learnerRowIds[reference] === undefined) {
        session.learnerIds.push(reference);
        session.learnerRowIds[reference] = row.Id;
      }
    } else if (isTypeOf(ressource, 'GROUPE', row.TypeRessourceId)) {
      if (!session.groupIds.includes(reference)) session.groupIds.push(reference);
    }
  }
  return session;
}

/** A group as its rows name it (groups have no entity of their own in the published API). */
export function toGroup(row: ResourceRowRecord): Group {
  const id = row.Reference ?? 0;
  return { aimairaId: id, name: (row.Nom ?? '').trim() || (row.Code ?? '').trim() || String(id) };
}
