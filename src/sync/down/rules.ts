/**
 * Which sessions come down, and with whom: the pure eligibility rules of the downward sync.
 *
 * Input: a snapshot read from Aimaira, the tenant's options and the sync instant. Output: a verdict per session
 * (every rule that excludes it, every person left out and why) and the Edusign state the eligible sessions call
 * for. No I/O: `explain` and `--dry-run` print what these functions return.
 */
import { DateTime } from 'luxon';
import { z } from 'zod';

import type { TenantOptions } from '../../config/config.js';
import type { ReasonCode } from '../../domain/reasons.js';
import type { AimairaSnapshot, Person, Session } from '../../domain/types.js';

export const parisZone = 'Europe/Paris';

/** Edusign takes at most this many facilitators on one sheet (PROFESSOR, PROFESSOR_2, PROFESSOR_3). */
export const maxFacilitatorsPerSheet = 3;

export type RulesOptions = Pick<
  TenantOptions,
  'structures' | 'importEvenementsCommuns' | 'defaultProfsForEvenementsCommun' | 'importStudentTutors' | 'horizonDays'
>;

export interface RulesContext {
  /** The sync instant. */
  now: Date;
  options: RulesOptions;
  /** Whether `defaultProfsForEvenementsCommun` names a professor that exists on Edusign (checked beforehand). */
  defaultProfessorExists: boolean;
  /** People already linked, by kind: they keep their e-mail when another person shares it. */
  linkedPeople?: Partial<Record<PersonKind, ReadonlySet<number>>>;
  /**
   * The e-mail last written to Edusign for each linked person (normalised -> Aimaira id), by kind. A linked person
   * who is not in this run's snapshot still holds that e-mail on Edusign, so another person with it is a duplicate.
   */
  linkedEmails?: Partial<Record<PersonKind, ReadonlyMap<string, number>>>;
}

export type PersonKind = 'learner' | 'facilitator' | 'tutor';

/** The window of a run: sessions starting strictly after `start` and strictly before `end` (ISO instants). */
export interface SyncWindow {
  start: string;
  end: string;
}

/** From the sync instant to the end of the Paris calendar day `today + horizonDays`. */
export function syncWindow(now: Date, horizonDays: number): SyncWindow {
  const end = DateTime.fromJSDate(now, { zone: parisZone })
    .startOf('day')
    .plus({ days: horizonDays + 1 });
  return { start: now.toISOString(), end: end.toUTC().toISO() ?? '' };
}

export function parisDate(instant: string | Date): string {
  const dateTime = typeof instant === 'string' ? DateTime.fromISO(instant) : DateTime.fromJSDate(instant);
  return dateTime.setZone(parisZone).toISODate() ?? '';
}

const emailSyntax = z.email();

/** The e-mail as compared and sent: trimmed, lower-case, Unicode NFC. */
export function normaliseEmail(email: string): string {
  return email.trim().normalize('NFC').toLowerCase();
}

export function isValidEmail(email: string): boolean {
  return emailSyntax.safeParse(normaliseEmail(email)).success;
}

/** What is missing from a person for Edusign (empty when valid). */
export function personProblems(person: Person): string[] {
  const problems: string[] = [];
  if (person.firstName.trim() === '') problems.push('no first name');
  if (person.lastName.trim() === '') problems.push('no last name');
  if (person.email.trim() === '') problems.push('no e-mail');
  else if (!isValidEmail(person.email)) problems.push('malformed e-mail');
  return problems;
}

/** A person left out of a sheet, with the reason. */
export interface LeftOutPerson {
  kind: PersonKind;
  aimairaId: number;
  reason: ReasonCode;
  problems: string[];
}

export interface SessionVerdict {
  session: Session;
  eligible: boolean;
  /** Every rule that keeps the session from coming down, in the order of the help article. */
  exclusions: ReasonCode[];
  /** Valid facilitators kept on the sheet (at most 3), Aimaira ids. */
  facilitatorIds: number[];
  /** The Edusign professor put on a common event without facilitator, when used. */
  defaultProfessorId: string | undefined;
  /** Valid learners kept on the sheet, Aimaira ids. */
  learnerIds: number[];
  leftOut: LeftOutPerson[];
  /** Notable but not excluding (e.g. more than 3 facilitators). */
  warnings: ReasonCode[];
}

/** An Edusign person the eligible sheets need. */
export interface DesiredPerson {
  kind: PersonKind;
  aimairaId: number;
  firstName: string;
  lastName: string;
  /** Normalised. */
  email: string;
  /** Learners only: Aimaira ids of their tutors that come down (with `importStudentTutors`). */
  tutorIds: number[];
}

export interface DesiredGroup {
  aimairaId: number;
  name: string;
  /** Learner Aimaira ids, ascending. */
  memberIds: number[];
}

export interface DesiredSheet {
  aimairaId: number;
  name: string;
  start: string;
  end: string;
  classroom: string;
  facilitatorIds: number[];
  defaultProfessorId: string | undefined;
  learnerIds: number[];
  groupIds: number[];
}

export interface DesiredState {
  facilitators: DesiredPerson[];
  tutors: DesiredPerson[];
  learners: DesiredPerson[];
  groups: DesiredGroup[];
  sheets: DesiredSheet[];
}

export interface Evaluation {
  window: SyncWindow;
  verdicts: SessionVerdict[];
  desired: DesiredState;
  /** Tutors left out (invalid or duplicate e-mail), reported once each. */
  leftOutTutors: LeftOutPerson[];
}

/**
 * Decides which people of one kind may use their e-mail: among people sharing an e-mail, a linked one keeps it,
 * otherwise the lowest Aimaira id; the others get DUPLICATE_EMAIL. An e-mail that `linkedEmails` gives to a linked
 * person absent from `people` is that person's already: whoever else has it is a duplicate.
 */
export function findDuplicateEmails(
  people: Iterable<Person>,
  linked: ReadonlySet<number> = new Set(),
  linkedEmails: ReadonlyMap<string, number> = new Map(),
): Set<number> {
  const all = [...people];
  const present = new Set(all.map((person) => person.aimairaId));
  const owners = new Map<string, number>();
  for (const [email, holder] of linkedEmails) if (!present.has(holder)) owners.set(email, holder);
  const duplicates = new Set<number>();
  const ordered = all.sort(
    (a, b) => Number(linked.has(b.aimairaId)) - Number(linked.has(a.aimairaId)) || a.aimairaId - b.aimairaId,
  );
  for (const person of ordered) {
    if (!isValidEmail(person.email)) continue;
    const email = normaliseEmail(person.email);
    if (owners.has(email)) duplicates.add(person.aimairaId);
    else owners.set(email, person.aimairaId);
  }
  return duplicates;
}

/** Exclusions that depend on the session alone (window, dates, type, brand), in the help article's order. */
export function sessionExclusions(session: Session, context: RulesContext, window: SyncWindow): ReasonCode[] {
  const exclusions: ReasonCode[] = [];
  const start = Date.parse(session.start);
  if (start <= Date.parse(window.start)) exclusions.push('PAST');
  else if (start >= Date.parse(window.end)) exclusions.push('BEYOND_HORIZON');
  if (session.createdAt !== undefined && parisDate(session.createdAt) === parisDate(context.now)) {
    exclusions.push('CREATED_TODAY');
  }
  if (session.cancelled) exclusions.push('CANCELLED');
  if (session.type === 'other') exclusions.push('NOT_ATTENDANCE_TYPE');
  if (session.type === 'common-event' && !context.options.importEvenementsCommuns) {
    exclusions.push('COMMON_EVENTS_DISABLED');
  }
  const { structures } = context.options;
  // A common event without a programme has no brand and is not filtered by brand.
  const unfilteredCommonEvent = session.type === 'common-event' && session.brandId === undefined;
  if (
    structures.length > 0 &&
    !unfilteredCommonEvent &&
    (session.brandId === undefined || !structures.includes(session.brandId))
  ) {
    exclusions.push('WRONG_STRUCTURE');
  }
  return exclusions;
}

interface PeopleVerdicts {
  problems: Map<number, string[]>;
  duplicates: Set<number>;
}

function judgePeople(people: ReadonlyMap<number, Person>, kind: PersonKind, context: RulesContext): PeopleVerdicts {
  const problems = new Map<number, string[]>();
  for (const person of people.values()) problems.set(person.aimairaId, personProblems(person));
  const duplicates = findDuplicateEmails(people.values(), context.linkedPeople?.[kind], context.linkedEmails?.[kind]);
  return { problems, duplicates };
}

function leftOutReason(kind: PersonKind, verdicts: PeopleVerdicts, id: number): LeftOutPerson | undefined {
  const problems = verdicts.problems.get(id) ?? ['not found in Aimaira'];
  if (problems.length > 0) {
    return {
      kind,
      aimairaId: id,
      reason: kind === 'facilitator' ? 'INVALID_FACILITATOR' : kind === 'tutor' ? 'INVALID_TUTOR' : 'INVALID_LEARNER',
      problems,
    };
  }
  if (verdicts.duplicates.has(id)) {
    return { kind, aimairaId: id, reason: 'DUPLICATE_EMAIL', problems: ['e-mail used by another person'] };
  }
  return undefined;
}

function toDesiredPerson(kind: PersonKind, person: Person, tutorIds: number[] = []): DesiredPerson {
  return {
    kind,
    aimairaId: person.aimairaId,
    firstName: person.firstName.trim(),
    lastName: person.lastName.trim(),
    email: normaliseEmail(person.email),
    tutorIds,
  };
}

/** Applies every rule to every session of the snapshot. */
export function evaluate(snapshot: AimairaSnapshot, context: RulesContext): Evaluation {
  const window = syncWindow(context.now, context.options.horizonDays);
  const learnerVerdicts = judgePeople(snapshot.learners, 'learner', context);
  const facilitatorVerdicts = judgePeople(snapshot.facilitators, 'facilitator', context);
  const defaultProfessor = context.options.defaultProfsForEvenementsCommun ?? undefined;

  const verdicts = snapshot.sessions.map((session): SessionVerdict => {
    const exclusions = sessionExclusions(session, context, window);
    const leftOut: LeftOutPerson[] = [];
    const warnings: ReasonCode[] = [];

    const validFacilitators: number[] = [];
    for (const id of session.facilitatorIds) {
      const out = leftOutReason('facilitator', facilitatorVerdicts, id);
      if (out) leftOut.push(out);
      else validFacilitators.push(id);
    }
    let defaultProfessorId: string | undefined;
    if (session.facilitatorIds.length === 0) {
      if (session.type === 'common-event') {
        if (defaultProfessor !== undefined && context.defaultProfessorExists) defaultProfessorId = defaultProfessor;
        else if (session.type === 'common-event' && context.options.importEvenementsCommuns) {
          exclusions.push('DEFAULT_PROFESSOR_MISSING');
        }
      } else if (session.type === 'course') {
        exclusions.push('NO_FACILITATOR');
      }
    } else if (validFacilitators.length === 0) {
      exclusions.push('INVALID_FACILITATOR');
    }
    if (validFacilitators.length > maxFacilitatorsPerSheet) warnings.push('TOO_MANY_FACILITATORS');

    const learnerIds: number[] = [];
    for (const id of session.learnerIds) {
      const out = leftOutReason('learner', learnerVerdicts, id);
      if (out) leftOut.push(out);
      else learnerIds.push(id);
    }
    if (learnerIds.length === 0 && session.type !== 'other') exclusions.push('NO_VALID_LEARNER');

    return {
      session,
      eligible: exclusions.length === 0,
      exclusions,
      facilitatorIds: validFacilitators.slice(0, maxFacilitatorsPerSheet),
      defaultProfessorId,
      learnerIds,
      leftOut,
      warnings,
    };
  });

  const eligible = verdicts.filter((verdict) => verdict.eligible);
  const sheets = eligible.map((verdict): DesiredSheet => ({
    aimairaId: verdict.session.aimairaId,
    name: verdict.session.name,
    start: verdict.session.start,
    end: verdict.session.end,
    classroom: verdict.session.rooms.join(', '),
    facilitatorIds: verdict.facilitatorIds,
    defaultProfessorId: verdict.defaultProfessorId,
    learnerIds: verdict.learnerIds,
    groupIds: verdict.session.groupIds.filter((id) => snapshot.groups.has(id)),
  }));

  // People come down only when a sheet of the window needs them.
  const facilitatorIds = new Set(eligible.flatMap((verdict) => verdict.facilitatorIds));
  const learnerIds = new Set(eligible.flatMap((verdict) => verdict.learnerIds));

  const tutorVerdicts = judgePeople(snapshot.tutors, 'tutor', context);
  const leftOutTutors: LeftOutPerson[] = [];
  const tutorIds = new Set<number>();
  const tutorsOf = (learnerId: number): number[] => {
    if (!context.options.importStudentTutors) return [];
    const kept: number[] = [];
    for (const tutorId of snapshot.tutorsByLearner.get(learnerId) ?? []) {
      const out = leftOutReason('tutor', tutorVerdicts, tutorId);
      if (out) {
        if (!leftOutTutors.some((t) => t.aimairaId === tutorId)) leftOutTutors.push(out);
        continue;
      }
      kept.push(tutorId);
      tutorIds.add(tutorId);
    }
    return kept.sort((a, b) => a - b);
  };

  const pick = (people: ReadonlyMap<number, Person>, ids: Set<number>, kind: PersonKind) =>
    [...ids]
      .sort((a, b) => a - b)
      .flatMap((id) => {
        const person = people.get(id);
        return person ? [toDesiredPerson(kind, person, kind === 'learner' ? tutorsOf(id) : [])] : [];
      });

  const facilitators = pick(snapshot.facilitators, facilitatorIds, 'facilitator');
  const learners = pick(snapshot.learners, learnerIds, 'learner');
  const tutors = pick(snapshot.tutors, tutorIds, 'tutor');

  return {
    window,
    verdicts,
    desired: { facilitators, tutors, learners, groups: desiredGroups(sheets, snapshot), sheets },
    leftOutTutors,
  };
}

/**
 * A group's members on Edusign: the learners listed on every sheet of the window that carries the group. A learner
 * on only some of them (a catch-up session, a late arrival) is put on those sheets individually instead, so an
 * Edusign group never enrols someone into a sheet Aimaira does not list them on.
 */
export function desiredGroups(
  sheets: readonly DesiredSheet[],
  snapshot: Pick<AimairaSnapshot, 'groups'>,
): DesiredGroup[] {
  const members = new Map<number, Set<number>>();
  for (const sheet of sheets) {
    for (const groupId of sheet.groupIds) {
      const current = members.get(groupId);
      if (current === undefined) members.set(groupId, new Set(sheet.learnerIds));
      else {
        const onSheet = new Set(sheet.learnerIds);
        for (const id of current) if (!onSheet.has(id)) current.delete(id);
      }
    }
  }
  return [...members.entries()]
    .sort(([a], [b]) => a - b)
    .map(([groupId, ids]) => ({
      aimairaId: groupId,
      name: snapshot.groups.get(groupId)?.name ?? String(groupId),
      memberIds: [...ids].sort((a, b) => a - b),
    }));
}
