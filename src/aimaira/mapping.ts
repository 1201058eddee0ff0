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

// ---- Which learner a learner row names ------------------------------------------------------------------------
//
// What `Reference` holds on an APPRENANT row is not documented. We first read it as the learner's `Apprenant.Id`;
// the only public client that writes attendance finds a learner's row by `Code` = the learner's code instead. The
// rule, for both directions: `Reference` when it names a known learner, else `Code`; a row whose `Reference` names
// one learner while its `Code` is another learner's code is a conflict, never guessed.

/** A learner code as compared: codes are fixed-width in Aimaira's database, and its comparisons ignore case. */
export function learnerCode(code: Text): string {
  return (code ?? '').trim().toUpperCase();
}

/** The learners known to a run, both ways: id → code, and code → ids (a code held by two learners is ambiguous). */
export interface LearnerDirectory {
  readonly codeById: ReadonlyMap<number, string>;
  readonly idsByCode: ReadonlyMap<string, readonly number[]>;
}

export function learnerDirectory(records: readonly { Id: number; Code?: Text }[]): LearnerDirectory {
  const codeById = new Map<number, string>();
  const idsByCode = new Map<string, number[]>();
  for (const record of records) {
    if (codeById.has(record.Id)) continue;
    const code = learnerCode(record.Code);
    codeById.set(record.Id, code);
    if (code === '') continue;
    const ids = idsByCode.get(code);
    if (ids) ids.push(record.Id);
    else idsByCode.set(code, [record.Id]);
  }
  for (const ids of idsByCode.values()) ids.sort((a, b) => a - b);
  return { codeById, idsByCode };
}

/** The two fields of a learner row that may name its learner. */
export interface LearnerRowKey {
  Reference: Link;
  Code: Text;
}

/**
 * How a learner row names its learner:
 * - `both`: `Reference` is the learner's id and `Code` their code;
 * - `reference`: `Reference` names a learner, `Code` names nobody known (or is empty);
 * - `code`: `Reference` names no learner, `Code` is exactly one learner's code;
 * - `conflict`: `Reference` names one learner and `Code` is another's;
 * - `none`: neither names a learner (or the code is shared by several and `Reference` does not decide).
 */
export type LearnerRowMatch =
  | { kind: 'both' | 'reference' | 'code'; learnerId: number }
  | { kind: 'conflict'; referenceLearnerId: number; codeLearnerId: number }
  | { kind: 'none' };

export function matchLearnerRow(row: LearnerRowKey, learners: LearnerDirectory): LearnerRowMatch {
  const reference = row.Reference ?? 0;
  const byReference = reference > 0 && learners.codeById.has(reference) ? reference : undefined;
  const code = learnerCode(row.Code);
  const byCode = code === '' ? [] : (learners.idsByCode.get(code) ?? []);
  if (byReference !== undefined) {
    if (byCode.length === 0) return { kind: 'reference', learnerId: byReference };
    if (byCode.includes(byReference)) return { kind: 'both', learnerId: byReference };
    return { kind: 'conflict', referenceLearnerId: byReference, codeLearnerId: byCode[0] ?? 0 };
  }
  if (byCode.length === 1 && byCode[0] !== undefined) return { kind: 'code', learnerId: byCode[0] };
  return { kind: 'none' };
}

/** The learner a row is taken for, or undefined: a conflict is settled by `Reference` (reading sessions only). */
export function learnerOfRow(match: LearnerRowMatch): number | undefined {
  switch (match.kind) {
    case 'both':
    case 'reference':
    case 'code':
      return match.learnerId;
    case 'conflict':
      return match.referenceLearnerId;
    case 'none':
      return undefined;
  }
}

/**
 * The codes to look learners up by, once the learners named by `Reference` are known: every code of a row whose own
 * `Reference` does not explain it, that is whose `Reference` names no known learner or a learner with another code
 * (it may be another learner's: a conflict). A code is skipped only for the row whose `Reference` names a learner
 * holding it: a code known through some other row's `Reference` is still looked up, since a second learner may hold
 * it too, which makes a row naming nobody by `Reference` ambiguous. Each code is asked once.
 */
export function codesToLookUp(rows: readonly LearnerRowKey[], learners: LearnerDirectory): string[] {
  // Sent as the row has them (trimmed): the server compares them its own way.
  const codes = new Map<string, string>();
  for (const row of rows) {
    const code = learnerCode(row.Code);
    if (code === '' || codes.has(code)) continue;
    const reference = row.Reference ?? 0;
    if (reference > 0 && learners.codeById.get(reference) === code) continue;
    codes.set(code, (row.Code ?? '').trim());
  }
  return [...codes.values()].sort();
}

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
  context: {
    types: TenantTypeIds;
    brandByProgramme: ReadonlyMap<number, number>;
    createdAt: string | undefined;
    /** The learner a learner row names (`matchLearnerRow`); its `Reference` when not given. */
    learnerOf?: (row: ResourceRowRecord) => number | undefined;
  },
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
    } else if (isTypeOf(ressource, 'APPRENANT', row.TypeRessourceId)) {
      const learnerId = context.learnerOf ? context.learnerOf(row) : reference > 0 ? reference : undefined;
      if (learnerId !== undefined && session.learnerRowIds[learnerId] === undefined) {
        session.learnerIds.push(learnerId);
        session.learnerRowIds[learnerId] = row.Id;
      }
    } else if (reference <= 0) {
      // A person or group row that names nothing cannot be synchronised.
      continue;
    } else if (isTypeOf(ressource, 'PROF', row.TypeRessourceId)) {
      if (!session.facilitatorIds.includes(reference)) session.facilitatorIds.push(reference);
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
