/**
 * The shapes Aimaira (GraphV1) answers with, checked at the boundary.
 *
 * Every entity schema is loose: fields the connector does not name pass through untouched, because a write is a
 * GET-modify-PUT of the whole entity and any field lost on the way would be reset by the PUT. The named fields
 * are the ones the connector reads. Nullability follows what a real tenant may send rather than the simulator's
 * empty values: a link to another record is `0` or `null` when unset, texts may be `null`. No schema transforms
 * or defaults a value, so the parsed record is the received record.
 */
import { z } from 'zod';

/** A record key. */
const id = z.number().int();
/** A link to another record: `0` or `null` when there is none. */
const link = z.number().int().nullable();
const text = z.string().nullable();
const flag = z.boolean();
/** ISO 8601 with an offset, as Aimaira answers (Europe/Paris local time). Kept as text: the instant is exact. */
const dateTime = z.iso.datetime({ offset: true });
const optionalDateTime = dateTime.nullable();
/** An expanded navigation property: present only with `$expand`, `null` when the link is unset. */
const expanded = <T extends z.ZodType>(schema: T) => schema.nullable().optional();

/** `Mail`: an e-mail address, its own entity behind `MailId`. */
export const Mail = z.looseObject({
  Id: id,
  Adresse: text,
  IsDuplicate: flag,
});
export type Mail = z.output<typeof Mail>;

/** `TypePlanification`: kind of calendar event (`SEANCE`, `EXAMEN`, `EVENEMENT`, `RESERVATIO`); ids vary per tenant. */
export const TypePlanification = z.looseObject({
  Id: id,
  Code: text,
  Nom: text,
});
export type TypePlanification = z.output<typeof TypePlanification>;

/** `TypeRessource`: kind of resource row (`SALLE`, `MATERIEL`, `APPRENANT`, `PROF`, `GROUPE`); ids vary per tenant. */
export const TypeRessource = z.looseObject({
  Id: id,
  Code: text,
  Nom: text,
});
export type TypeRessource = z.output<typeof TypeRessource>;

/** `PlanificationRessource`: one resource (learner, facilitator, room, group) on a session; attendance lives here. */
export const PlanificationRessource = z.looseObject({
  Id: id,
  Nom: text,
  Code: text,
  PlanificationId: id,
  TypeRessourceId: id,
  Debut: optionalDateTime,
  Fin: optionalDateTime,
  PlanificationDebut: optionalDateTime,
  PlanificationFin: optionalDateTime,
  Presence: flag,
  Exclusion: flag,
  Depart: flag,
  Retard: flag,
  /** Id of the `Apprenant` (APPRENANT rows), `Enseignant` (PROF rows) or `Ressource` (SALLE, GROUPE rows). */
  Reference: link,
  IdProgramme: link,
  IdSequence: link,
  Detail: text,
  /** When attendance was checked. */
  ControlePresence: optionalDateTime,
  MotifId: link,
  ReferenceTraitement: text,
  /** Where the attendance mark came from (`"Edusign"` when the connector writes it). */
  ProvenancePresence: text,
  CommentaireId: link,
  RessourceCampusId: link,
  TypeRessource: expanded(TypeRessource),
});
export type PlanificationRessource = z.output<typeof PlanificationRessource>;

/** `Ecole`: a brand ("Marque"). */
export const Ecole = z.looseObject({
  Id: id,
  Nom: text,
  Code: text,
  LibelleExterne: text,
});
export type Ecole = z.output<typeof Ecole>;

/** `Programme`: a training programme; `EcoleId` is its brand. */
export const Programme = z.looseObject({
  Id: id,
  Nom: text,
  Code: text,
  EntiteJuridiqueId: link,
  EcoleId: link,
  LibelleExterne: text,
  Ecole: expanded(Ecole),
});
export type Programme = z.output<typeof Programme>;

/** `Planification`: a calendar event, i.e. a session (course session, exam, common event or reservation). */
export const Planification = z.looseObject({
  Id: id,
  Nom: text,
  Code: text,
  EntiteJuridiqueId: link,
  Debut: dateTime,
  Fin: dateTime,
  TypePlanificationId: id,
  Enseignants: text,
  ReferenceExterne: text,
  DateSynchronisation: optionalDateTime,
  Annule: flag,
  /** "Réalisé": the session took place. */
  Realise: flag,
  CommentaireInterneId: link,
  CommentaireExterneId: link,
  ProgrammeId: link,
  SequenceId: link,
  PlanificationsRessource: z.array(PlanificationRessource).optional(),
  Programme: expanded(Programme),
  TypePlanification: expanded(TypePlanification),
});
export type Planification = z.output<typeof Planification>;

/** Person fields shared by learners, facilitators and tutors. */
const person = {
  Id: id,
  Nom: text,
  Prenoms: text,
  NomUsage: text,
  PrenomUsage: text,
  MailId: link,
  Mail: expanded(Mail),
};

/** `Apprenant`: a learner. */
export const Apprenant = z.looseObject({
  ...person,
  Code: text,
  Login: text,
  /** Legal representatives (`Tuteur`), not company tutors. */
  Tuteur1Id: link,
  Tuteur2Id: link,
  EntrepriseId: link,
});
export type Apprenant = z.output<typeof Apprenant>;

/** `Enseignant`: a facilitator. */
export const Enseignant = z.looseObject({
  ...person,
  Code: text,
  Login: text,
  EntiteJuridiqueId: link,
});
export type Enseignant = z.output<typeof Enseignant>;

/** `Professionnel`: a company-side person; a learner's tutor when named by a completed `Convention`. */
export const Professionnel = z.looseObject({
  ...person,
  EntrepriseId: link,
});
export type Professionnel = z.output<typeof Professionnel>;

/** `Campus`. */
export const Campus = z.looseObject({
  Id: id,
  Code: text,
  Nom: text,
});
export type Campus = z.output<typeof Campus>;

/** `EtatConvention`: state of an agreement; `COMPLET` is the completed one. */
export const EtatConvention = z.looseObject({
  Id: id,
  Code: text,
  Nom: text,
});
export type EtatConvention = z.output<typeof EtatConvention>;

/** `TypeConvention`: kind of agreement (`STG`, `PRO`, `APP`, `STA`). */
export const TypeConvention = z.looseObject({
  Id: id,
  Code: text,
  Nom: text,
});
export type TypeConvention = z.output<typeof TypeConvention>;

/** `Convention`: an internship or apprenticeship agreement; `MaitreId`/`MaitreBisId` are the tutors. */
export const Convention = z.looseObject({
  Id: id,
  ApprenantId: link,
  MaitreId: link,
  MaitreBisId: link,
  EtatConventionId: link,
  TypeConventionId: link,
  DateDebut: optionalDateTime,
  DateFin: optionalDateTime,
  DateRupture: optionalDateTime,
  EtatConvention: expanded(EtatConvention),
  Maitre: expanded(Professionnel),
  MaitreBis: expanded(Professionnel),
});
export type Convention = z.output<typeof Convention>;

/** `Object`: creation, change and deletion dates of any record, by the record's Id. */
export const AimairaObject = z.looseObject({
  Id: id,
  DateCreation: optionalDateTime,
  DateModification: optionalDateTime,
  DateSuppression: optionalDateTime,
  /** False once the record is deleted. */
  Actif: flag,
  Type: text,
});
export type AimairaObject = z.output<typeof AimairaObject>;

/** `Ressource`: a room or a group, named by `PlanificationRessource.Reference` on SALLE and GROUPE rows. */
export const Ressource = z.looseObject({
  Id: id,
  Nom: text,
  Code: text,
  TypeRessourceId: link,
});
export type Ressource = z.output<typeof Ressource>;

/** The entity sets the client reads and writes, by their GraphV1 name. */
export const entitySchemas = {
  TypePlanification,
  TypeRessource,
  Planification,
  PlanificationRessource,
  Apprenant,
  Enseignant,
  Mail,
  Programme,
  Ecole,
  Campus,
  Convention,
  EtatConvention,
  TypeConvention,
  Professionnel,
  Object: AimairaObject,
  Ressource,
} as const;

export type AimairaEntitySet = keyof typeof entitySchemas;
export type EntitySchema<S extends AimairaEntitySet> = (typeof entitySchemas)[S];
/** One record of an entity set, with its unnamed fields kept. */
export type EntityOf<S extends AimairaEntitySet> = z.output<EntitySchema<S>>;

/** Navigation properties `$expand` accepts, per entity set (one level deep). */
export const expandableNavigations = {
  Planification: ['PlanificationsRessource', 'Programme', 'TypePlanification'],
  PlanificationRessource: ['TypeRessource'],
  Apprenant: ['Mail'],
  Enseignant: ['Mail'],
  Professionnel: ['Mail'],
  Programme: ['Ecole'],
  Convention: ['EtatConvention', 'Maitre', 'MaitreBis'],
} as const satisfies Partial<Record<AimairaEntitySet, readonly string[]>>;

export type NavigationOf<S extends AimairaEntitySet> = S extends keyof typeof expandableNavigations
  ? (typeof expandableNavigations)[S][number]
  : never;

/** The named (typed) fields of an entity set, navigation properties excluded. */
export type FieldOf<S extends AimairaEntitySet> = Exclude<keyof EntitySchema<S>['shape'], NavigationOf<S>> & string;

/** Collection navigations read as `/<set>/<id>/<navigation>`, and the entity set they lead to. */
export const collectionNavigations = {
  Planification: { PlanificationsRessource: 'PlanificationRessource' },
} as const satisfies Partial<Record<AimairaEntitySet, Record<string, AimairaEntitySet>>>;

export type CollectionNavigationSet = keyof typeof collectionNavigations;
export type CollectionNavigationOf<S extends CollectionNavigationSet> = keyof (typeof collectionNavigations)[S] &
  string;
export type CollectionNavigationTarget<
  S extends CollectionNavigationSet,
  N extends CollectionNavigationOf<S>,
> = (typeof collectionNavigations)[S][N] & AimairaEntitySet;

/** A collection answer: one page of records, and the absolute URL of the next page when more remain. */
export const collectionOf = <T extends z.ZodType>(entity: T) =>
  z.looseObject({
    value: z.array(entity),
    '@odata.nextLink': z.string().optional(),
  });
