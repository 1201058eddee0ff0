/**
 * The Aimaira simulator's `harsh` profile: the behaviours of an older or stricter GraphV1 server that public
 * sources show or do not rule out, all at once (docs/contracts/aimaira.md, "Harsh profile"). The handler asks
 * this module what to refuse and how to answer; the dataset is reshaped once, when the simulator starts.
 */
import type { EntitySetName } from './entities.js';
import type { AimairaDataset } from './store.js';

/** ASP.NET Web API OData's default `MaxNodeCount`: a longer `$filter` is refused. */
export const harshMaxFilterNodes = 100;

/** The origin written in `@odata.nextLink` and context URLs, as a server behind a TLS proxy sees itself. */
export const harshInternalOrigin = 'http://graph-internal:8080';

/**
 * The members of the `ProvenancePresence` enumeration. `None` is what every documented row shows; `Badge` and
 * `Salle` are what the only public client that writes attendance sent; the others are guesses at what a
 * product like this records. Anything else, `Edusign` included, is refused.
 */
export const harshProvenanceMembers = ['None', 'Manuel', 'Badge', 'Salle', 'Application', 'Import'] as const;

/** The enumeration's default member: what a PUT that leaves the field out writes. */
export const harshProvenanceDefault = 'None';

/** Sets whose `Mail` navigation is not declared (the docs show only `MailId` on them): `$expand=Mail` is refused. */
export const harshSetsWithoutMail: ReadonlySet<EntitySetName> = new Set<EntitySetName>(['Enseignant', 'Professionnel']);

/** The code sets whose every code is listed twice, with two ids, as Aimaira's own example of `EtatConvention`. */
const duplicatedCodeSets = ['TypePlanification', 'TypeRessource', 'EtatConvention'] as const;

/** The records that point at a code, by the field they use. */
const codeReferences: readonly { set: EntitySetName; field: string; codes: (typeof duplicatedCodeSets)[number] }[] = [
  { set: 'Planification', field: 'TypePlanificationId', codes: 'TypePlanification' },
  { set: 'PlanificationRessource', field: 'TypeRessourceId', codes: 'TypeRessource' },
  { set: 'Ressource', field: 'TypeRessourceId', codes: 'TypeRessource' },
  { set: 'Convention', field: 'EtatConventionId', codes: 'EtatConvention' },
];

/**
 * The dataset as a harsh server holds it:
 * - every `TypePlanification`, `TypeRessource` and `EtatConvention` record gets a twin with the same code and
 *   name and a new id (above every id in use, in the order of the records);
 * - every second record (in the dataset's order) that points at one of those codes points at its twin instead,
 *   so both ids of a code are in use (sessions, resource rows, rooms and groups, agreements);
 * - `ProvenancePresence` is an enumeration: a row that holds no member gets `None`.
 * The input is not changed.
 */
export function harshDataset(data: AimairaDataset): AimairaDataset {
  let nextId = 0;
  for (const records of Object.values(data)) {
    for (const record of records ?? []) {
      const id = record['Id'];
      if (typeof id === 'number' && Number.isSafeInteger(id)) nextId = Math.max(nextId, id);
    }
  }
  const result: AimairaDataset = { ...data };
  const twins = new Map<string, Map<number, number>>();
  for (const set of duplicatedCodeSets) {
    const records = data[set] ?? [];
    const twinOf = new Map<number, number>();
    const added: Record<string, unknown>[] = [];
    for (const record of [...records].sort((a, b) => Number(a['Id']) - Number(b['Id']))) {
      const id = record['Id'];
      if (typeof id !== 'number') continue;
      nextId += 1;
      twinOf.set(id, nextId);
      added.push({ ...record, Id: nextId });
    }
    twins.set(set, twinOf);
    result[set] = [...records, ...added];
  }
  for (const { set, field, codes } of codeReferences) {
    const twinOf = twins.get(codes);
    const records = result[set];
    if (twinOf === undefined || records === undefined) continue;
    // Every second record of each code, in the dataset's order, takes the twin.
    const seen = new Map<number, number>();
    result[set] = records.map((record) => {
      const code = record[field];
      const twin = typeof code === 'number' ? twinOf.get(code) : undefined;
      if (twin === undefined) return record;
      const count = seen.get(code as number) ?? 0;
      seen.set(code as number, count + 1);
      return count % 2 === 1 ? { ...record, [field]: twin } : record;
    });
  }
  const rows = result.PlanificationRessource;
  if (rows !== undefined) {
    result.PlanificationRessource = rows.map((row) =>
      isProvenanceMember(row['ProvenancePresence']) ? row : { ...row, ProvenancePresence: harshProvenanceDefault },
    );
  }
  return result;
}

export function isProvenanceMember(value: unknown): boolean {
  return typeof value === 'string' && (harshProvenanceMembers as readonly string[]).includes(value);
}

/**
 * An instant as SQL Server's `datetime` stores it: milliseconds rounded to the nearest 1/300 s, so they read
 * .000, .003 or .007 (and .999 carries into the next second).
 */
export function roundToSqlDatetime(instant: number): number {
  const second = Math.floor(instant / 1000) * 1000;
  const ticks = Math.round(((instant - second) * 300) / 1000);
  return second + Math.round((ticks * 1000) / 300);
}
