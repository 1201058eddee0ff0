/*
 * Glossary: the words code, docs, events and the dashboard share.
 *
 * - tenant: one training organisation, with its Aimaira and Edusign credentials and its options.
 * - session: an Aimaira `Planification` (a course session `SEANCE` or a common event `EVENEMENT`) with its
 *   resource rows (`PlanificationRessource`): rooms, facilitators, learners, groups.
 * - sheet: an Edusign course, the attendance sheet a session becomes.
 * - learner / facilitator / tutor: Aimaira `Apprenant` / `Enseignant` / `Professionnel`; on Edusign a
 *   student / professor / student follower.
 * - group: a set of learners (Aimaira `GROUPE` rows, an Edusign group).
 * - brand: an Aimaira `Ecole` ("Marque", the help article's "structure"), reached through the programme.
 * - link: the stored pair (Aimaira id, Edusign id) of one record, with the hash of what was last written.
 * - run: one sync of one tenant in one direction; event: one notable thing in a run, with a reason code.
 * - window: the sessions a downward run considers: starting after the sync instant and before the end of the
 *   Paris calendar day `today + horizonDays`.
 * - attendance: what a locked (archived) sheet says of one learner (signed, late, left early, excluded), written
 *   back by an upward run to the learner's `PlanificationRessource` row of the session.
 * - look-back: the sheets an upward run considers: from the start of the Paris calendar day
 *   `today - attendanceLookbackDays` to the end of the window.
 */

/**
 * Kinds of records the connector keeps linked between the two systems, and that events are about. `attendance` is
 * one learner's row of one session, written by the upward run (it has no link: see the store's attendance records).
 */
export const recordKinds = ['sheet', 'learner', 'facilitator', 'tutor', 'group', 'attendance'] as const;
export type RecordKind = (typeof recordKinds)[number];

/** A person as read from Aimaira, before any validation. */
export interface Person {
  /** The Aimaira id (Apprenant, Enseignant or Professionnel). */
  aimairaId: number;
  firstName: string;
  lastName: string;
  /** As typed in Aimaira (may be empty, malformed, padded). */
  email: string;
}

export interface Group {
  /** The Aimaira `Ressource` id of the group. */
  aimairaId: number;
  name: string;
}

export const sessionTypes = ['course', 'common-event', 'other'] as const;
/** `course` = SEANCE, `common-event` = EVENEMENT, `other` = not an attendance sheet (exam, reservation). */
export type SessionType = (typeof sessionTypes)[number];

/** A session as read from Aimaira: plain data, the input of the pure rules. */
export interface Session {
  aimairaId: number;
  name: string;
  type: SessionType;
  /** Instants, ISO 8601 UTC. */
  start: string;
  end: string;
  cancelled: boolean;
  /** `Object.DateCreation` as an ISO instant; undefined when unknown. */
  createdAt: string | undefined;
  /** The brand (`Programme.EcoleId`); undefined when the session has no programme. */
  brandId: number | undefined;
  /** Room names, from the session's SALLE rows, in row order. */
  rooms: string[];
  /** Facilitator ids (Enseignant), in row order. */
  facilitatorIds: number[];
  /** Learner ids (Apprenant), in row order, each once. */
  learnerIds: number[];
  /** Group ids (Ressource), in row order. */
  groupIds: number[];
  /** Aimaira `PlanificationRessource` row ids of the learners, by learner id (the upward sync writes them). */
  learnerRowIds: Record<number, number>;
}

/** Everything a downward run read from Aimaira, indexed by id. */
export interface AimairaSnapshot {
  sessions: Session[];
  learners: Map<number, Person>;
  facilitators: Map<number, Person>;
  groups: Map<number, Group>;
  /** Tutors (Professionnel) by id, and the tutor ids of each learner (from COMPLET conventions). */
  tutors: Map<number, Person>;
  tutorsByLearner: Map<number, number[]>;
}
