/**
 * Seeded scenario generator: realistic Aimaira data for the simulator, the tests and the benchmarks.
 *
 * A scenario is a pure function of (size, seed, now): no clock, no Math.random. It holds complete records (every
 * field of the entity set, over the empty record `makeRecord` gives) of:
 * - reference data: `TypePlanification` (SEANCE, EXAMEN, EVENEMENT, RESERVATIO), `TypeRessource` (SALLE, MATERIEL,
 *   APPRENANT, PROF, GROUPE), `EtatConvention` (all seven states), `TypeConvention` (STG, PRO, APP, STA);
 * - brands (`Ecole`), campuses, programmes (one training on one campus: `EcoleId` its brand, `EntiteJuridiqueId` its
 *   campus; every brand and campus has one), and `Ressource` records for rooms (SALLE), equipment (MATERIEL) and
 *   groups (GROUPE, "BTS MCO 1A – Groupe A"): each class is split into groups, and some learners of a class also
 *   join its option group, so they belong to two groups;
 * - learners (`Apprenant`, `A00001` codes), facilitators (`Enseignant`, `P00000042` codes) and tutors
 *   (`Professionnel`), each with its own `Mail` record unless the e-mail is missing;
 * - course sessions (SEANCE) on weekdays from 7 days before `now` to 21 days after, in Paris local time written as
 *   ISO with the Paris offset, each with its `PlanificationRessource` rows: SALLE, sometimes MATERIEL, PROF, GROUPE,
 *   then one APPRENANT row per learner (group members listed one by one, plus now and then a learner from another
 *   group); common events (EVENEMENT, no PROF row, two in five without programme), a few exams (EXAMEN) and room
 *   bookings (RESERVATIO); one night session, 01:00 to 04:00, on the first Paris daylight-saving change after
 *   now − 7 days (found with luxon; it may fall outside the four weeks);
 * - an `Object` record per Planification (same Id): created 2–40 days before `now` and before the session, except
 *   the sessions created today (the first one just after Paris midnight) and one created at 23:xx the evening before;
 * - conventions in every state and type, naming tutors; learners with a COMPLET one, with other states only, with two.
 * Ids are 7-digit, unique across entity sets (an `Object` shares its Planification's), increasing with random gaps
 * from a seed-dependent start: reference data ids are never small constants.
 *
 * Bad people (`badRecordRates`; of the learners unless said otherwise; rounded, never under the floor in brackets,
 * so the small scenario has every case; one problem per person): missing e-mail 2% [1] (`MailId` 0, or for one in
 * three a Mail whose `Adresse` is empty), malformed e-mail 2% [1] (`jean.dupont@`, `marie@@ecole.fr`, `a b@x.fr`,
 * no `@`), missing first name 1% [1] (the address still carries it), shared e-mail 0.5% in pairs [2 pairs] (both
 * Mails flagged `IsDuplicate`; every other pair differs only in case), facilitators without e-mail 1% of
 * facilitators [1], tutors without e-mail 1% of new tutors, plus the first tutor of a COMPLET convention. Bad
 * learners are drawn from those with a session in the next 13 days first. Every other address is valid, lower-case
 * ASCII folded from the name (`anais.lefevre@gmail.com`), unique across people; then 3% of the learners and of
 * the facilitators (people with no other problem) get theirs written with capitals, 1% with surrounding spaces
 * [1 each, learners only].
 *
 * Special sessions (`sessionRates`, of the target number of sessions, on distinct sessions, in the next 1–13 days
 * so a sync would otherwise pick them up): created today 3% [1], created the evening before [exactly 1], cancelled
 * 3% [1] (one in the look-ahead, the rest on any day), without facilitator 2% [1], with four facilitators [1 small,
 * 2 otherwise], whose only facilitator has no e-mail [1], without room 3% [1]; and, added on top, without any valid
 * learner 1% [2], alternately listing only invalid learners and no learner at all. Other sessions have two
 * facilitators 8% of the time, a learner from outside their groups 5% and equipment 3% [1 each].
 *
 * `manifest` names all of this by Aimaira id, computed from the generated data, so tests assert on facts.
 */
import { DateTime, IANAZone } from 'luxon';

import { aimairaTableNames, makeRecord } from '../aimaira/entities.js';
import type { EntitySetName } from '../aimaira/entities.js';
import {
  asciiFold,
  birthCities,
  brandTemplates,
  campusTemplates,
  commonEventNames,
  companies,
  companyDomain,
  equipmentNames,
  femaleFirstNames,
  lastNames,
  maleFirstNames,
  optionGroupNames,
  personalMailDomains,
  programmeTemplates,
  reservationPurposes,
  roomNames,
  tutorJobTitles,
} from './names.js';
import type { BrandTemplate, CampusTemplate, CompanyTemplate, ProgrammeFamily, ProgrammeTemplate } from './names.js';
import { createRandom } from './random.js';
import type { Random } from './random.js';

export const scenarioSizes = ['small', 'medium', 'large'] as const;
export type ScenarioSize = (typeof scenarioSizes)[number];

export interface ScenarioOptions {
  size: ScenarioSize;
  /** Default 1. */
  seed?: number;
  /** The instant the scenario is built around. */
  now: Date;
}

export const typePlanificationCodes = ['SEANCE', 'EXAMEN', 'EVENEMENT', 'RESERVATIO'] as const;
export type TypePlanificationCode = (typeof typePlanificationCodes)[number];
export const typeRessourceCodes = ['SALLE', 'MATERIEL', 'APPRENANT', 'PROF', 'GROUPE'] as const;
export type TypeRessourceCode = (typeof typeRessourceCodes)[number];
export const etatConventionCodes = [
  'SAISIE',
  'APPRENANT',
  'DOCUSIGN',
  'ENTR',
  'COMPLET',
  'RUPTURE',
  'SIGNEDOCUSIGN',
] as const;
export type EtatConventionCode = (typeof etatConventionCodes)[number];
export const typeConventionCodes = ['STG', 'PRO', 'APP', 'STA'] as const;
export type TypeConventionCode = (typeof typeConventionCodes)[number];

export const personProblems = [
  'MISSING_EMAIL',
  'MALFORMED_EMAIL',
  'MISSING_FIRST_NAME',
  'SHARED_EMAIL',
  'FACILITATOR_WITHOUT_EMAIL',
] as const;
export type PersonProblem = (typeof personProblems)[number];

/** The entity sets that hold people. */
export type PersonSet = 'Apprenant' | 'Enseignant' | 'Professionnel';

export interface BadPerson {
  set: PersonSet;
  id: number;
  problem: PersonProblem;
  /** The address as stored, or null when there is no Mail record. */
  address: string | null;
  /** For SHARED_EMAIL: the other person of the pair. */
  sharedWith: number | null;
}

export interface UntidyEmail {
  set: PersonSet;
  id: number;
  address: string;
  untidiness: 'CAPITALS' | 'SURROUNDING_SPACES';
}

export interface DaylightSavingSession {
  id: number;
  kind: 'SPRING_FORWARD' | 'FALL_BACK';
  debut: string;
  fin: string;
  /** Real elapsed time: 120 when clocks go forward, 240 when they go back (01:00 → 04:00 local). */
  durationMinutes: number;
}

export interface ScenarioManifest {
  timeZone: 'Europe/Paris';
  /** The four weeks the course sessions fill: start of the Paris day 7 days before `now`, to 21 days after. */
  range: { from: string; to: string };
  badPeople: BadPerson[];
  untidyEmails: UntidyEmail[];
  /** Planification ids. */
  sessions: {
    createdToday: number[];
    /** Created on the Paris evening before `now`'s day (not today, though the same UTC day in summer). */
    createdYesterdayEvening: number[];
    cancelled: number[];
    daylightSaving: DaylightSavingSession;
    commonEvents: number[];
    commonEventsWithoutProgramme: number[];
    exams: number[];
    reservations: number[];
    /** SEANCE without PROF row. */
    withoutFacilitator: number[];
    /** SEANCE whose PROF rows (if any) are all invalid facilitators. */
    withoutValidFacilitator: number[];
    withMoreThanThreeFacilitators: number[];
    /** SEANCE without SALLE row. */
    withoutRoom: number[];
    /** SEANCE and EVENEMENT with no learner that has first name, last name and a valid e-mail. */
    withoutValidLearner: number[];
    /** SEANCE listing a learner who is in none of its groups. */
    withIndividualLearner: number[];
    withEquipment: number[];
  };
  learnersInSeveralGroups: number[];
  conventions: {
    learnersWithCompleted: number[];
    learnersWithoutCompleted: number[];
    learnersWithTwo: number[];
  };
  typePlanificationIds: Record<TypePlanificationCode, number>;
  typeRessourceIds: Record<TypeRessourceCode, number>;
  etatConventionIds: Record<EtatConventionCode, number>;
  typeConventionIds: Record<TypeConventionCode, number>;
  brandIds: number[];
  campusIds: number[];
  counts: Partial<Record<EntitySetName, number>>;
  /** PlanificationRessource rows of type APPRENANT. */
  apprenantRows: number;
}

export interface Scenario {
  size: ScenarioSize;
  seed: number;
  /** ISO instant. */
  now: string;
  /** Complete records per entity set. */
  aimaira: Partial<Record<EntitySetName, Record<string, unknown>[]>>;
  credentials: {
    aimaira: { username: string; password: string; apiKey: string };
    edusign: { apiKey: string };
  };
  manifest: ScenarioManifest;
}

/** What each size aims at. */
export interface ScenarioTarget {
  /** SEANCE planifications in the four weeks (plus the few special ones added on top). */
  sessions: number;
  learners: number;
  facilitators: number;
  brands: number;
  campuses: number;
  /** Programme records (one training on one campus). */
  programmes: number;
  roomsPerCampus: number;
  commonEvents: number;
  exams: number;
  reservations: number;
  /** Learners per group, both bounds included. */
  groupSize: readonly [number, number];
  /** APPRENANT rows over all planifications: where the group mix lands, not an input. */
  apprenantRows: number;
}

export const scenarioTargets: Readonly<Record<ScenarioSize, ScenarioTarget>> = {
  small: {
    sessions: 30,
    learners: 60,
    facilitators: 10,
    brands: 3,
    campuses: 2,
    programmes: 3,
    roomsPerCampus: 5,
    commonEvents: 3,
    exams: 2,
    reservations: 2,
    groupSize: [6, 9],
    apprenantRows: 340,
  },
  medium: {
    sessions: 300,
    learners: 1_500,
    facilitators: 70,
    brands: 4,
    campuses: 3,
    programmes: 12,
    roomsPerCampus: 12,
    commonEvents: 10,
    exams: 8,
    reservations: 6,
    groupSize: [9, 14],
    apprenantRows: 4_500,
  },
  large: {
    sessions: 3_000,
    learners: 10_000,
    facilitators: 380,
    brands: 4,
    campuses: 4,
    programmes: 40,
    roomsPerCampus: 26,
    commonEvents: 40,
    exams: 30,
    reservations: 20,
    groupSize: [9, 14],
    apprenantRows: 40_000,
  },
};

/** Documented rates of bad or untidy people (see the header). */
export const badRecordRates = {
  learnerMissingEmail: 0.02,
  learnerMalformedEmail: 0.02,
  learnerMissingFirstName: 0.01,
  /** Share of learners in a pair that shares one address. */
  learnerSharedEmail: 0.005,
  facilitatorWithoutEmail: 0.01,
  /** Applied to each new tutor; the first tutor of a COMPLET convention is always one. */
  tutorWithoutEmail: 0.01,
  emailWithCapitals: 0.03,
  emailWithSpaces: 0.01,
} as const;

/** Documented rates of special sessions, of the target number of sessions. */
export const sessionRates = {
  cancelled: 0.03,
  createdToday: 0.03,
  withoutFacilitator: 0.02,
  withoutRoom: 0.03,
  twoFacilitators: 0.08,
  individualLearner: 0.05,
  equipment: 0.03,
  withoutValidLearner: 0.01,
} as const;

/** How many of a rate the generator puts in: rounded, never under `minimum`. */
export function rateCount(rate: number, population: number, minimum: number): number {
  return Math.max(minimum, Math.round(rate * population));
}

/** The exact numbers of bad people the generator produces for a size (the tests check them). */
export function expectedBadPeople(size: ScenarioSize): {
  learnerMissingEmail: number;
  learnerMalformedEmail: number;
  learnerMissingFirstName: number;
  learnerSharedEmail: number;
  facilitatorWithoutEmail: number;
  learnerEmailWithCapitals: number;
  learnerEmailWithSpaces: number;
} {
  const { learners, facilitators } = scenarioTargets[size];
  return {
    learnerMissingEmail: rateCount(badRecordRates.learnerMissingEmail, learners, 1),
    learnerMalformedEmail: rateCount(badRecordRates.learnerMalformedEmail, learners, 1),
    learnerMissingFirstName: rateCount(badRecordRates.learnerMissingFirstName, learners, 1),
    learnerSharedEmail: 2 * rateCount(badRecordRates.learnerSharedEmail / 2, learners, 2),
    facilitatorWithoutEmail: rateCount(badRecordRates.facilitatorWithoutEmail, facilitators, 1),
    learnerEmailWithCapitals: rateCount(badRecordRates.emailWithCapitals, learners, 1),
    learnerEmailWithSpaces: rateCount(badRecordRates.emailWithSpaces, learners, 1),
  };
}

/** The e-mail check the manifest uses: something@domain.tld once trimmed, no spaces, one `@`. */
export function isPlausibleEmail(address: string): boolean {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(address.trim());
}

export const parisZone = 'Europe/Paris';

// ---------------------------------------------------------------------------------------------------------------
// The plan: domain objects the records are built from at the end.

interface Brand {
  id: number;
  template: BrandTemplate;
}

interface Campus {
  id: number;
  template: CampusTemplate;
  rooms: Resource[];
  equipment: Resource[];
  facilitators: Facilitator[];
  classes: SchoolClass[];
}

interface Programme {
  id: number;
  template: ProgrammeTemplate;
  brand: Brand;
  campus: Campus;
  code: string;
  name: string;
  /** The training runs on several campuses: group names carry the city to stay distinct. */
  multiCampus: boolean;
}

interface SchoolClass {
  programme: Programme;
  label: string;
  code: string;
  groups: Group[];
  option: Group | null;
  learners: Learner[];
  /** Who teaches each subject to this class. */
  teachers: Map<string, Facilitator>;
}

interface Group {
  id: number;
  name: string;
  code: string;
  schoolClass: SchoolClass;
  members: Learner[];
}

interface Resource {
  id: number;
  name: string;
  code: string;
  kind: 'SALLE' | 'MATERIEL';
  campus: Campus;
}

interface MailPlan {
  id: number;
  address: string;
  duplicate: boolean;
}

interface Person {
  id: number;
  code: string;
  firstName: string;
  lastName: string;
  usageLastName: string;
  secondFirstName: string;
  female: boolean;
  birthDate: string;
  birthCity: string;
  mail: MailPlan | null;
  problem: PersonProblem | null;
}

interface Learner extends Person {
  schoolClass: SchoolClass;
  groups: Group[];
}

interface Facilitator extends Person {
  campus: Campus;
}

interface Tutor extends Person {
  company: CompanyTemplate;
  jobTitle: string;
}

type Creation = 'earlier' | 'todayAfterMidnight' | 'today' | 'yesterdayEvening';

interface Plan {
  id: number;
  type: TypePlanificationCode;
  name: string;
  /** Instants (ms since the epoch). */
  start: number;
  end: number;
  /** Paris calendar days from `now`'s day. */
  dayOffset: number;
  campus: Campus;
  programmeId: number;
  groups: Group[];
  /** Learners listed on their own, not through one of `groups`. */
  extraLearners: Learner[];
  facilitators: Facilitator[];
  room: Resource | null;
  equipment: Resource | null;
  cancelled: boolean;
  creation: Creation;
  /** Carries one of the special cases: kept out of the other special cases. */
  special: boolean;
}

/** A Paris calendar day. */
interface CalendarDay {
  year: number;
  /** 1–12. */
  month: number;
  day: number;
  /** 1 = Monday … 7 = Sunday. */
  weekday: number;
  /** Days from `now`'s Paris day. */
  offset: number;
}

interface Clock {
  /** Instants in ms. */
  now: number;
  /** Midnight starting `now`'s Paris day. */
  today: number;
  todayDay: CalendarDay;
  /** Each Paris day from today − 7 to today + 20. */
  days: CalendarDay[];
}

/** A half-day on a weekday of the range. */
interface Slot {
  day: CalendarDay;
  afternoon: boolean;
}

type IdAllocator = () => number;

// ---------------------------------------------------------------------------------------------------------------

export function generateScenario(options: ScenarioOptions): Scenario {
  const seed = options.seed ?? 1;
  if (!Number.isSafeInteger(seed)) throw new Error(`The scenario seed must be an integer, got ${seed}`);
  if (Number.isNaN(options.now.getTime())) throw new Error('The scenario needs a valid `now`');
  if (!scenarioSizes.includes(options.size)) throw new Error(`Unknown scenario size: ${String(options.size)}`);
  const target = scenarioTargets[options.size];
  const root = createRandom(seed).fork(options.size);
  const clock = makeClock(options.now);
  const nextId = idAllocator(root.fork('ids'));

  const reference = makeReferenceIds(nextId);
  const { brands, campuses, programmes } = makeOrganisation(root.fork('organisation'), nextId, target);
  const people = makePeopleFactory(root.fork('people'), nextId, clock);
  const classes = makeClasses(root.fork('classes'), nextId, target, programmes, people);
  const learners = classes.flatMap((schoolClass) => schoolClass.learners);
  makeResources(nextId, target, campuses);
  const facilitators = makeFacilitators(root.fork('facilitators'), target, campuses, people);

  const planner = makePlanner(root.fork('sessions'), nextId, clock, campuses, classes);
  const sessions = planner.courseSessions(target.sessions);
  const events = planner.commonEvents(target.commonEvents);
  const exams = planner.exams(target.exams);
  const reservations = planner.reservations(target.reservations);
  const daylightSaving = planner.daylightSavingSession();

  const specials = root.fork('specials');
  applySessionSpecials(specials, options.size, target, sessions, facilitators, planner);
  chooseBadLearners(specials, target, sessions, learners);
  const withoutLearner = planner.sessionsWithoutValidLearner(
    rateCount(sessionRates.withoutValidLearner, target.sessions, 2),
    learners,
  );

  const emails = assignEmails(root.fork('mails'), nextId, learners, facilitators);
  const conventions = makeConventions(root.fork('conventions'), nextId, clock, learners, people, emails);

  const plans = [...sessions, ...events, ...exams, ...reservations, daylightSaving.plan, ...withoutLearner];
  const objects = dateCreations(root.fork('creation'), clock, plans);

  const aimaira = buildRecords({
    nextId,
    reference,
    brands,
    campuses,
    programmes,
    classes,
    learners,
    facilitators,
    mails: emails.mails,
    plans,
    objects,
    conventions,
  });
  const manifest = buildManifest({
    clock,
    reference,
    brands,
    campuses,
    learners,
    facilitators,
    plans,
    daylightSaving,
    conventions,
    emails,
    aimaira,
  });
  const secrets = root.fork('credentials');
  return {
    size: options.size,
    seed,
    now: options.now.toISOString(),
    aimaira,
    credentials: {
      aimaira: { username: 'DEMO\\api@aimaira.fr', password: token(secrets, 20), apiKey: token(secrets, 32) },
      edusign: { apiKey: token(secrets, 40) },
    },
    manifest,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Time and ids

function makeClock(now: Date): Clock {
  const instant = now.getTime();
  const local = parisCalendarDate(instant);
  const todayDay = shiftDay({ ...local, weekday: 0, offset: 0 }, 0);
  const days: CalendarDay[] = [];
  for (let offset = -7; offset < 21; offset++) days.push(shiftDay(todayDay, offset));
  return { now: instant, today: parisTime(todayDay), todayDay, days };
}

/*
 * Europe/Paris wall-clock time. luxon answers every offset question through Intl, tens of microseconds a call,
 * and the large scenario writes some fifty thousand date-times; so the zone's offset changes are looked up
 * with luxon once per year and cached, and date arithmetic is done on calendar fields.
 */
const parisRules = IANAZone.create(parisZone);
const offsetChangesByYear = new Map<number, { from: number; offset: number }[]>();

/** The Paris offset from UTC, in minutes, at an instant. */
function parisOffset(instant: number): number {
  const year = new Date(instant).getUTCFullYear();
  let changes = offsetChangesByYear.get(year);
  if (changes === undefined) {
    changes = offsetChangesOf(year);
    offsetChangesByYear.set(year, changes);
  }
  let offset = changes[0]?.offset ?? parisRules.offset(instant);
  for (const change of changes) if (instant >= change.from) offset = change.offset;
  return offset;
}

/** The year's offset changes: the offset on 1 January, then each change found by bisection to the minute. */
function offsetChangesOf(year: number): { from: number; offset: number }[] {
  const januaryFirst = Date.UTC(year, 0, 1);
  const changes = [{ from: januaryFirst, offset: parisRules.offset(januaryFirst) }];
  for (let month = 0; month < 12; month++) {
    let before = Date.UTC(year, month, 1);
    let after = Date.UTC(year, month + 1, 1);
    const offsetBefore = parisRules.offset(before);
    const offsetAfter = parisRules.offset(after);
    // One change a month at most, as in every European zone.
    if (offsetBefore === offsetAfter) continue;
    while (after - before > 60_000) {
      const middle = before + Math.floor((after - before) / 120_000) * 60_000;
      if (parisRules.offset(middle) === offsetBefore) before = middle;
      else after = middle;
    }
    changes.push({ from: after, offset: offsetAfter });
  }
  return changes;
}

/** The Paris calendar date and time of an instant. */
function parisCalendarDate(instant: number): { year: number; month: number; day: number } {
  const local = new Date(instant + parisOffset(instant) * 60_000);
  return { year: local.getUTCFullYear(), month: local.getUTCMonth() + 1, day: local.getUTCDate() };
}

/** The instant of a Paris wall-clock time; out-of-range fields roll over as with `Date.UTC` (day 0, day 32...). */
function parisTime(day: { year: number; month: number; day: number }, hour = 0, minute = 0, second = 0): number {
  const wall = Date.UTC(day.year, day.month - 1, day.day, hour, minute, second);
  // Two steps: the offset at the first guess can differ from the offset at the answer near a change.
  const guess = wall - parisOffset(wall) * 60_000;
  return wall - parisOffset(guess) * 60_000;
}

/** The calendar day `days` after `day` (Date.UTC normalises month and year). */
function shiftDay(day: CalendarDay, days: number): CalendarDay {
  const date = new Date(Date.UTC(day.year, day.month - 1, day.day + days));
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    weekday: ((date.getUTCDay() + 6) % 7) + 1,
    offset: day.offset + days,
  };
}

/** ISO 8601 with the Paris offset, as Aimaira writes date-times (milliseconds only when there are some). */
function iso(instant: number): string {
  const offset = parisOffset(instant);
  const local = new Date(instant + offset * 60_000);
  const two = (value: number): string => String(value).padStart(2, '0');
  const millis = local.getUTCMilliseconds();
  const fraction = millis === 0 ? '' : `.${String(millis).padStart(3, '0')}`;
  const sign = offset < 0 ? '-' : '+';
  const absolute = Math.abs(offset);
  return (
    `${String(local.getUTCFullYear()).padStart(4, '0')}-${two(local.getUTCMonth() + 1)}-${two(local.getUTCDate())}` +
    `T${two(local.getUTCHours())}:${two(local.getUTCMinutes())}:${two(local.getUTCSeconds())}${fraction}` +
    `${sign}${two(Math.floor(absolute / 60))}:${two(absolute % 60)}`
  );
}

/**
 * Aimaira ids are object ids shared by every entity set: one increasing counter with small random gaps, starting
 * at a seed-dependent 7-digit value, so no code can get away with assuming an id.
 */
function idAllocator(random: Random): IdAllocator {
  let next = random.int(1_100_000, 2_900_000);
  return () => {
    const id = next;
    next += random.int(1, 6);
    return id;
  };
}

function token(random: Random, length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  let text = '';
  for (let i = 0; i < length; i++) text += alphabet[random.int(0, alphabet.length - 1)] ?? 'x';
  return text;
}

// ---------------------------------------------------------------------------------------------------------------
// Reference data and organisation

interface ReferenceIds {
  typePlanification: Record<TypePlanificationCode, number>;
  typeRessource: Record<TypeRessourceCode, number>;
  etatConvention: Record<EtatConventionCode, number>;
  typeConvention: Record<TypeConventionCode, number>;
}

// Names as the public reference spells them (its type names carry no accents).
const typePlanificationNames: Record<TypePlanificationCode, string> = {
  SEANCE: 'Seance de cours',
  EXAMEN: 'Examen',
  EVENEMENT: 'Evenement commun',
  RESERVATIO: 'Reservation',
};
const typeRessourceNames: Record<TypeRessourceCode, string> = {
  SALLE: 'Salle',
  MATERIEL: 'Matériel',
  APPRENANT: 'Apprenant',
  PROF: 'Enseignant',
  GROUPE: 'Groupe',
};
const etatConventionNames: Record<EtatConventionCode, string> = {
  SAISIE: 'En cours de saisie',
  APPRENANT: "En attente de l'apprenant",
  DOCUSIGN: 'Envoyée pour signature',
  ENTR: "En attente de l'entreprise",
  COMPLET: 'Complète',
  RUPTURE: 'Rompue',
  SIGNEDOCUSIGN: 'Signée électroniquement',
};
const typeConventionNames: Record<TypeConventionCode, string> = {
  STG: 'Convention de stage',
  PRO: 'Contrat de professionnalisation',
  APP: "Contrat d'apprentissage",
  STA: 'Stage alterné',
};

function idsByCode<Code extends string>(codes: readonly Code[], nextId: IdAllocator): Record<Code, number> {
  const ids = {} as Record<Code, number>;
  for (const code of codes) ids[code] = nextId();
  return ids;
}

function makeReferenceIds(nextId: IdAllocator): ReferenceIds {
  return {
    typePlanification: idsByCode(typePlanificationCodes, nextId),
    typeRessource: idsByCode(typeRessourceCodes, nextId),
    etatConvention: idsByCode(etatConventionCodes, nextId),
    typeConvention: idsByCode(typeConventionCodes, nextId),
  };
}

function makeOrganisation(
  random: Random,
  nextId: IdAllocator,
  target: ScenarioTarget,
): { brands: Brand[]; campuses: Campus[]; programmes: Programme[] } {
  const chosenBrands = new Set(random.sample(brandTemplates, target.brands));
  const brands = brandTemplates
    .filter((template) => chosenBrands.has(template))
    .map((template) => ({ id: nextId(), template }));
  const campuses: Campus[] = random.sample(campusTemplates, target.campuses).map((template) => ({
    id: nextId(),
    template,
    rooms: [],
    equipment: [],
    facilitators: [],
    classes: [],
  }));

  // Every brand and every campus gets at least one programme, so brand filters and campuses are all exercised.
  const pairs = random.shuffle(
    programmeTemplates.flatMap((template) => {
      const brand = brands.find((candidate) => candidate.template.family === template.family);
      return brand === undefined ? [] : campuses.map((campus) => ({ template, brand, campus }));
    }),
  );
  const chosen = new Set<(typeof pairs)[number]>();
  brands.forEach((brand, index) => {
    // Brands spread over the campuses first, so the coverage below rarely needs an extra programme.
    const preferred = campuses[index % campuses.length];
    const ofBrand = pairs.filter((candidate) => candidate.brand === brand);
    const pair = ofBrand.find((candidate) => candidate.campus === preferred) ?? ofBrand[0];
    if (pair !== undefined) chosen.add(pair);
  });
  for (const campus of campuses) {
    if ([...chosen].some((pair) => pair.campus === campus)) continue;
    const pair = pairs.find((candidate) => candidate.campus === campus && !chosen.has(candidate));
    if (pair !== undefined) chosen.add(pair);
  }
  for (const pair of pairs) {
    if (chosen.size >= target.programmes) break;
    chosen.add(pair);
  }
  const ordered = pairs
    .filter((pair) => chosen.has(pair))
    .sort(
      (a, b) =>
        programmeTemplates.indexOf(a.template) - programmeTemplates.indexOf(b.template) ||
        campuses.indexOf(a.campus) - campuses.indexOf(b.campus),
    );
  const programmes = ordered.map(({ template, brand, campus }): Programme => {
    const multiCampus = ordered.filter((pair) => pair.template === template).length > 1;
    return {
      id: nextId(),
      template,
      brand,
      campus,
      code: `${template.code}-${campus.template.code}`,
      name: multiCampus ? `${template.label} – ${campus.template.city}` : template.label,
      multiCampus,
    };
  });
  return { brands, campuses, programmes };
}

// ---------------------------------------------------------------------------------------------------------------
// People

interface PeopleFactory {
  learner(schoolClass: SchoolClass): Learner;
  facilitator(campus: Campus): Facilitator;
  tutor(company: CompanyTemplate): Tutor;
}

function makePeopleFactory(random: Random, nextId: IdAllocator, clock: Clock): PeopleFactory {
  let learnerNumber = random.int(1, 1_500);
  let facilitatorNumber = random.int(10, 400);

  function person(code: string, ageRange: readonly [number, number], usageNameRate: number): Person {
    const female = random.chance(0.5);
    const firstNames = female ? femaleFirstNames : maleFirstNames;
    const firstName = random.pick(firstNames);
    let lastName = random.pick(lastNames);
    // Some records were typed in capitals, as often happens in French registers.
    if (random.chance(0.08)) lastName = lastName.toUpperCase();
    const usageLastName = female && random.chance(usageNameRate) ? random.pick(lastNames) : lastName;
    const { year, month, day } = clock.todayDay;
    const birth = parisTime({
      year: year - random.int(ageRange[0], ageRange[1]),
      month,
      day: day - random.int(0, 364),
    });
    return {
      id: nextId(),
      code,
      firstName,
      lastName,
      usageLastName,
      secondFirstName: random.chance(0.25) ? random.pick(firstNames) : '',
      female,
      birthDate: iso(birth),
      birthCity: random.pick(birthCities),
      mail: null,
      problem: null,
    };
  }

  return {
    learner(schoolClass) {
      const code = `A${String(learnerNumber++).padStart(5, '0')}`;
      return { ...person(code, [16, 27], 0.01), schoolClass, groups: [] };
    },
    facilitator(campus) {
      const code = `P${String(facilitatorNumber++).padStart(8, '0')}`;
      return { ...person(code, [26, 63], 0.12), campus };
    },
    tutor(company) {
      return { ...person('', [28, 60], 0.1), company, jobTitle: random.pick(tutorJobTitles[company.family]) };
    },
  };
}

function groupLetter(index: number): string {
  return index < 26 ? String.fromCharCode(65 + index) : `Z${index - 25}`;
}

function makeClasses(
  random: Random,
  nextId: IdAllocator,
  target: ScenarioTarget,
  programmes: Programme[],
  people: PeopleFactory,
): SchoolClass[] {
  const classes: SchoolClass[] = [];
  for (const programme of programmes) {
    const { template } = programme;
    for (let year = 1; year <= template.years; year++) {
      const suffix = template.years > 1 ? ` ${year}A` : '';
      const schoolClass: SchoolClass = {
        programme,
        label: `${template.label}${suffix}`,
        code: `${template.code}${template.years > 1 ? `${year}A` : ''}-${programme.campus.template.code}`,
        groups: [],
        option: null,
        learners: [],
        teachers: new Map(),
      };
      classes.push(schoolClass);
      programme.campus.classes.push(schoolClass);
    }
  }

  // Spread the learners over the classes by random weights, exactly `target.learners` in all.
  const weights = classes.map(() => 0.7 + 0.6 * random.next());
  const totalWeight = weights.reduce((sum, weight) => sum + weight, 0);
  const sizes = weights.map((weight) => Math.floor((weight / totalWeight) * target.learners));
  for (let i = 0; sizes.reduce((sum, size) => sum + size, 0) < target.learners; i++) {
    sizes[i % sizes.length] = (sizes[i % sizes.length] ?? 0) + 1;
  }

  classes.forEach((schoolClass, index) => {
    const size = sizes[index] ?? 0;
    const groupCount = Math.max(1, Math.round(size / random.int(target.groupSize[0], target.groupSize[1])));
    const city = schoolClass.programme.multiCampus ? ` ${schoolClass.programme.campus.template.city}` : '';
    for (let g = 0; g < groupCount; g++) {
      schoolClass.groups.push({
        id: nextId(),
        name: `${schoolClass.label}${city} – Groupe ${groupLetter(g)}`,
        code: `${schoolClass.code}-${groupLetter(g)}`,
        schoolClass,
        members: [],
      });
    }
    for (let l = 0; l < size; l++) {
      const learner = people.learner(schoolClass);
      // Consecutive learners fill one group after the other, as class lists are usually split.
      const group = schoolClass.groups[Math.floor((l * groupCount) / size)];
      if (group === undefined) throw new Error('Group index out of range');
      group.members.push(learner);
      learner.groups.push(group);
      schoolClass.learners.push(learner);
    }
  });

  // Option groups: some learners of a class in a second group. At least one, so multi-group learners exist.
  const withOption = classes.filter((schoolClass) => schoolClass.learners.length >= 6 && random.chance(0.4));
  if (withOption.length === 0) {
    const largest = classes.reduce((a, b) => (b.learners.length > a.learners.length ? b : a));
    withOption.push(largest);
  }
  for (const schoolClass of classes) {
    if (!withOption.includes(schoolClass)) continue;
    const city = schoolClass.programme.multiCampus ? ` ${schoolClass.programme.campus.template.city}` : '';
    const optionName = random.pick(optionGroupNames);
    const option: Group = {
      id: nextId(),
      name: `${schoolClass.label}${city} – ${optionName}`,
      code: `${schoolClass.code}-OPT`,
      schoolClass,
      members: [],
    };
    const count = Math.min(16, Math.max(3, Math.round(schoolClass.learners.length * 0.35)));
    const members = random.sample(schoolClass.learners, count).sort((a, b) => a.id - b.id);
    for (const learner of members) {
      option.members.push(learner);
      learner.groups.push(option);
    }
    schoolClass.option = option;
  }
  return classes;
}

function makeResources(nextId: IdAllocator, target: ScenarioTarget, campuses: Campus[]): void {
  for (const campus of campuses) {
    const prefix = campus.template.code;
    for (const name of roomNames(target.roomsPerCampus)) {
      const code = `${prefix}-${asciiFold(name)
        .replace(/[^a-z0-9]/g, '')
        .toUpperCase()}`;
      campus.rooms.push({ id: nextId(), name, code, kind: 'SALLE', campus });
    }
    equipmentNames.forEach((name, index) => {
      campus.equipment.push({ id: nextId(), name, code: `${prefix}-MAT${index + 1}`, kind: 'MATERIEL', campus });
    });
  }
}

function makeFacilitators(
  random: Random,
  target: ScenarioTarget,
  campuses: Campus[],
  people: PeopleFactory,
): Facilitator[] {
  const facilitators: Facilitator[] = [];
  for (let i = 0; i < target.facilitators; i++) {
    const campus = campuses[i % campuses.length];
    if (campus === undefined) throw new Error('No campus');
    const facilitator = people.facilitator(campus);
    campus.facilitators.push(facilitator);
    facilitators.push(facilitator);
  }
  const withoutEmail = rateCount(badRecordRates.facilitatorWithoutEmail, facilitators.length, 1);
  for (const facilitator of random.sample(facilitators, withoutEmail)) {
    facilitator.problem = 'FACILITATOR_WITHOUT_EMAIL';
  }
  return facilitators;
}

// ---------------------------------------------------------------------------------------------------------------
// Planning

type TimeOfDay = readonly [startHour: number, startMinute: number, endHour: number, endMinute: number];

const morningTimes: readonly (readonly [TimeOfDay, number])[] = [
  [[8, 30, 12, 0], 5],
  [[9, 0, 12, 30], 2],
  [[8, 30, 10, 30], 1],
  [[10, 30, 12, 30], 1],
];
const afternoonTimes: readonly (readonly [TimeOfDay, number])[] = [
  [[13, 30, 17, 0], 5],
  [[14, 0, 17, 30], 2],
  [[13, 30, 15, 30], 1],
  [[15, 30, 17, 30], 1],
];
const eventTimes: readonly (readonly [TimeOfDay, number])[] = [
  [[10, 0, 12, 0], 3],
  [[12, 30, 13, 30], 2],
  [[14, 0, 16, 0], 3],
  [[17, 30, 19, 0], 1],
];

/** Days from `now`'s Paris day within which the special cases are put: inside the connector's 14-day look-ahead. */
const specialDays: readonly [number, number] = [1, 13];

interface Planner {
  courseSessions(count: number): Plan[];
  commonEvents(count: number): Plan[];
  exams(count: number): Plan[];
  reservations(count: number): Plan[];
  daylightSavingSession(): { plan: Plan; kind: DaylightSavingSession['kind'] };
  sessionsWithoutValidLearner(count: number, learners: Learner[]): Plan[];
  /** Up to `count` distinct valid facilitators, the campus's first. */
  validFacilitators(campus: Campus, count: number): Facilitator[];
}

function makePlanner(
  random: Random,
  nextId: IdAllocator,
  clock: Clock,
  campuses: Campus[],
  classes: SchoolClass[],
): Planner {
  const slots: Slot[] = [];
  for (const day of clock.days) {
    if (day.weekday <= 5) slots.push({ day, afternoon: false }, { day, afternoon: true });
  }
  const windowSlots = slots.filter((slot) => slot.day.offset >= specialDays[0] && slot.day.offset <= specialDays[1]);
  // Per slot, who is already taken: a group, a facilitator or a room is in one session per half-day.
  const busy = new Map<Slot, Set<number>>(slots.map((slot) => [slot, new Set<number>()]));
  const isBusy = (slot: Slot, id: number): boolean => busy.get(slot)?.has(id) ?? false;
  const take = (slot: Slot, id: number): void => void busy.get(slot)?.add(id);

  // Classes are drawn in proportion to their groups, so big classes get more sessions.
  const classPicker = classes.flatMap((schoolClass) =>
    Array.from({ length: schoolClass.groups.length + (schoolClass.option === null ? 0 : 1) }, () => schoolClass),
  );

  function plan(values: Omit<Plan, 'id' | 'cancelled' | 'creation' | 'special'>): Plan {
    return { id: nextId(), cancelled: false, creation: 'earlier', special: false, ...values };
  }

  function times(
    slot: Slot,
    choices: readonly (readonly [TimeOfDay, number])[],
  ): { start: number; end: number; dayOffset: number } {
    const [startHour, startMinute, endHour, endMinute] = random.weighted(choices);
    return {
      start: parisTime(slot.day, startHour, startMinute),
      end: parisTime(slot.day, endHour, endMinute),
      dayOffset: slot.day.offset,
    };
  }

  function drawSlot(from: readonly Slot[]): Slot {
    const slot = random.pick(from);
    // Friday afternoons are quieter.
    if (slot.afternoon && slot.day.weekday === 5 && random.chance(0.5)) return random.pick(from);
    return slot;
  }

  /** One group (most often), two groups of the class together, or the class's option group. */
  function drawUnit(schoolClass: SchoolClass): Group[] {
    const roll = random.next();
    if (schoolClass.option !== null && roll < 0.12) return [schoolClass.option];
    if (schoolClass.groups.length >= 2 && roll < 0.22) {
      const first = random.int(0, schoolClass.groups.length - 1);
      const pair = [schoolClass.groups[first], schoolClass.groups[(first + 1) % schoolClass.groups.length]];
      return pair.filter((group): group is Group => group !== undefined).sort((a, b) => a.id - b.id);
    }
    return [random.pick(schoolClass.groups)];
  }

  /** The option group shares learners with every group of its class, so they clash with each other. */
  function unitClashes(slot: Slot, schoolClass: SchoolClass, unit: Group[]): boolean {
    if (unit.some((group) => isBusy(slot, group.id))) return true;
    if (schoolClass.option === null) return false;
    if (unit.includes(schoolClass.option)) return schoolClass.groups.some((group) => isBusy(slot, group.id));
    return isBusy(slot, schoolClass.option.id);
  }

  function freeFacilitator(slot: Slot, campus: Campus, preferred: Facilitator | undefined): Facilitator {
    if (preferred !== undefined && !isBusy(slot, preferred.id)) return preferred;
    let candidate = preferred ?? random.pick(campus.facilitators);
    for (let attempt = 0; attempt < 8 && isBusy(slot, candidate.id); attempt++) {
      candidate = random.pick(campus.facilitators);
    }
    return candidate;
  }

  function freeRoom(slot: Slot, campus: Campus): Resource {
    // Amphitheatres (the first two rooms) are kept for common events.
    const rooms = campus.rooms.length > 3 ? campus.rooms.slice(2) : campus.rooms;
    let room = random.pick(rooms);
    for (let attempt = 0; attempt < 8 && isBusy(slot, room.id); attempt++) room = random.pick(rooms);
    return room;
  }

  function individualLearner(slot: Slot, campus: Campus, unit: Group[]): Learner | null {
    for (let attempt = 0; attempt < 8; attempt++) {
      const learner = random.pick(random.pick(campus.classes).learners);
      const inUnit = learner.groups.some((group) => unit.includes(group));
      if (!inUnit && !learner.groups.some((group) => isBusy(slot, group.id))) return learner;
    }
    return null;
  }

  function validFacilitators(campus: Campus, count: number): Facilitator[] {
    const others = campuses.filter((other) => other !== campus).flatMap((other) => other.facilitators);
    return [...random.shuffle(campus.facilitators), ...random.shuffle(others)]
      .filter((facilitator) => facilitator.problem === null)
      .slice(0, count);
  }

  function courseSession(slot: Slot, schoolClass: SchoolClass, unit: Group[]): Plan {
    const { campus } = schoolClass.programme;
    const subject = random.pick(schoolClass.programme.template.subjects);
    const facilitator = freeFacilitator(slot, campus, schoolClass.teachers.get(subject));
    if (!schoolClass.teachers.has(subject)) schoolClass.teachers.set(subject, facilitator);
    const facilitators = [facilitator];
    if (random.chance(sessionRates.twoFacilitators)) {
      const second = freeFacilitator(slot, campus, undefined);
      if (second !== facilitator) facilitators.push(second);
    }
    const room = freeRoom(slot, campus);
    const extra = random.chance(sessionRates.individualLearner) ? individualLearner(slot, campus, unit) : null;
    const equipment = random.chance(sessionRates.equipment) ? random.pick(campus.equipment) : null;
    for (const id of [...unit.map((group) => group.id), ...facilitators.map((f) => f.id), room.id]) take(slot, id);
    return plan({
      type: 'SEANCE',
      name: `${schoolClass.label} – ${subject}`,
      ...times(slot, slot.afternoon ? afternoonTimes : morningTimes),
      campus,
      programmeId: schoolClass.programme.id,
      groups: unit,
      extraLearners: extra === null ? [] : [extra],
      facilitators,
      room,
      equipment,
    });
  }

  return {
    validFacilitators,

    courseSessions(count) {
      const plans: Plan[] = [];
      for (let i = 0; i < count; i++) {
        let slot = drawSlot(slots);
        let schoolClass = random.pick(classPicker);
        let unit = drawUnit(schoolClass);
        for (let attempt = 0; attempt < 12 && unitClashes(slot, schoolClass, unit); attempt++) {
          if (attempt % 2 === 1) slot = drawSlot(slots);
          schoolClass = random.pick(classPicker);
          unit = drawUnit(schoolClass);
        }
        plans.push(courseSession(slot, schoolClass, unit));
      }
      // Every scenario has a session with equipment and one with a learner listed outside their groups.
      if (!plans.some((session) => session.equipment !== null)) {
        const session = plans.find((candidate) => candidate.dayOffset >= specialDays[0]) ?? plans[0];
        if (session !== undefined) session.equipment = random.pick(session.campus.equipment);
      }
      if (!plans.some((session) => session.extraLearners.length > 0)) {
        const session = plans.find((candidate) => candidate.dayOffset >= specialDays[0]) ?? plans[0];
        const outsider = classes
          .flatMap((schoolClass) => schoolClass.learners)
          .find((learner) => !learner.groups.some((group) => session?.groups.includes(group)));
        if (session !== undefined && outsider !== undefined) session.extraLearners.push(outsider);
      }
      return plans;
    },

    commonEvents(count) {
      const plans: Plan[] = [];
      for (let i = 0; i < count; i++) {
        // The first two fall in the look-ahead: one for the whole campus (no programme), one for a programme.
        const slot = drawSlot(i < 2 && windowSlots.length > 0 ? windowSlots : slots);
        const withoutProgramme = i % 5 === 0 || i % 5 === 3;
        const campus = random.pick(campuses.filter((candidate) => candidate.classes.length > 0));
        const eventName = random.pick(commonEventNames);
        let groups: Group[];
        let name = eventName;
        let programmeId = 0;
        if (withoutProgramme) {
          const campusGroups = campus.classes.flatMap((schoolClass) => schoolClass.groups);
          groups = random.sample(campusGroups, random.int(2, 3));
        } else {
          const schoolClass = random.pick(campus.classes);
          groups = random.sample(schoolClass.groups, random.int(1, 2));
          name = `${eventName} – ${schoolClass.label}`;
          programmeId = schoolClass.programme.id;
        }
        plans.push(
          plan({
            type: 'EVENEMENT',
            name,
            ...times(slot, eventTimes),
            campus,
            programmeId,
            groups: groups.sort((a, b) => a.id - b.id),
            extraLearners: [],
            facilitators: [],
            room: campus.rooms[i % 2] ?? null,
            equipment: null,
          }),
        );
      }
      return plans;
    },

    exams(count) {
      const plans: Plan[] = [];
      for (let i = 0; i < count; i++) {
        const slot = drawSlot(slots);
        const schoolClass = random.pick(classes);
        const { campus } = schoolClass.programme;
        const subject = random.pick(schoolClass.programme.template.subjects);
        const invigilator = freeFacilitator(slot, campus, undefined);
        const room = freeRoom(slot, campus);
        const groups = random.sample(schoolClass.groups, random.int(1, 2)).sort((a, b) => a.id - b.id);
        for (const id of [...groups.map((group) => group.id), invigilator.id, room.id]) take(slot, id);
        plans.push(
          plan({
            type: 'EXAMEN',
            name: `${schoolClass.label} – Examen blanc : ${subject}`,
            ...times(slot, slot.afternoon ? afternoonTimes : morningTimes),
            campus,
            programmeId: schoolClass.programme.id,
            groups,
            extraLearners: [],
            facilitators: [invigilator],
            room,
            equipment: null,
          }),
        );
      }
      return plans;
    },

    reservations(count) {
      const plans: Plan[] = [];
      for (let i = 0; i < count; i++) {
        const slot = drawSlot(slots);
        const campus = random.pick(campuses);
        const room = freeRoom(slot, campus);
        take(slot, room.id);
        plans.push(
          plan({
            type: 'RESERVATIO',
            name: `Réservation – ${random.pick(reservationPurposes)}`,
            ...times(slot, slot.afternoon ? afternoonTimes : morningTimes),
            campus,
            programmeId: 0,
            groups: [],
            extraLearners: [],
            facilitators: random.chance(0.5) ? [random.pick(campus.facilitators)] : [],
            room,
            equipment: null,
          }),
        );
      }
      return plans;
    },

    daylightSavingSession() {
      const transition = nextDaylightSavingChange(clock);
      const schoolClass = random.pick(classes);
      const { campus } = schoolClass.programme;
      const group = random.pick(schoolClass.groups);
      const session = plan({
        type: 'SEANCE',
        name: `${schoolClass.label} – ${schoolClass.programme.template.nightSubject}`,
        // 01:00 → 04:00 Paris time always straddles the change (02:00 → 03:00 in March, 03:00 → 02:00 in October).
        start: parisTime(transition.day, 1, 0),
        end: parisTime(transition.day, 4, 0),
        dayOffset: transition.day.offset,
        campus,
        programmeId: schoolClass.programme.id,
        groups: [group],
        extraLearners: [],
        facilitators: validFacilitators(campus, 1),
        room: random.pick(campus.rooms),
        equipment: null,
      });
      session.special = true;
      return { plan: session, kind: transition.kind };
    },

    sessionsWithoutValidLearner(count, learners) {
      const invalid = learners.filter((learner) => learner.problem !== null && learner.problem !== 'SHARED_EMAIL');
      const plans: Plan[] = [];
      for (let i = 0; i < count; i++) {
        const slot = drawSlot(windowSlots.length > 0 ? windowSlots : slots);
        const anchor = invalid[i % Math.max(1, invalid.length)];
        const schoolClass = anchor?.schoolClass ?? random.pick(classes);
        const { campus } = schoolClass.programme;
        const subject = random.pick(schoolClass.programme.template.subjects);
        // Even: a catch-up session listing only invalid learners; odd: a session nobody is enrolled in yet.
        const catchUp = i % 2 === 0 && anchor !== undefined;
        const extraLearners = catchUp
          ? [
              anchor,
              ...invalid
                .filter((other) => other !== anchor && other.schoolClass.programme.campus === campus)
                .slice(0, 2),
            ]
          : [];
        const session = plan({
          type: 'SEANCE',
          name: catchUp
            ? `${schoolClass.label} – Rattrapage : ${subject}`
            : `${schoolClass.label} – Préparation aux examens`,
          ...times(slot, slot.afternoon ? afternoonTimes : morningTimes),
          campus,
          programmeId: schoolClass.programme.id,
          groups: [],
          extraLearners: extraLearners.sort((a, b) => a.id - b.id),
          facilitators: validFacilitators(campus, 1),
          room: freeRoom(slot, campus),
          equipment: null,
        });
        session.special = true;
        plans.push(session);
      }
      return plans;
    },
  };
}

/** The first Paris daylight-saving change after now − 7 days, found with luxon's zone rules (no fixed year). */
function nextDaylightSavingChange(clock: Clock): { day: CalendarDay; kind: DaylightSavingSession['kind'] } {
  const from = clock.now - 7 * 86_400_000;
  const first = shiftDay(clock.todayDay, -7);
  const midnight = (day: CalendarDay): DateTime =>
    DateTime.fromObject({ year: day.year, month: day.month, day: day.day }, { zone: parisZone });
  let day = first;
  let start = midnight(day);
  for (let i = 0; i < 400; i++) {
    const nextDay = shiftDay(day, 1);
    const nextStart = midnight(nextDay);
    // The change happens in the early morning; skip it if it is already behind `from`.
    if (start.offset !== nextStart.offset && start.set({ hour: 4 }).toMillis() > from) {
      return { day, kind: nextStart.offset > start.offset ? 'SPRING_FORWARD' : 'FALL_BACK' };
    }
    day = nextDay;
    start = nextStart;
  }
  throw new Error('No daylight-saving change in Europe/Paris within 400 days');
}

function applySessionSpecials(
  random: Random,
  size: ScenarioSize,
  target: ScenarioTarget,
  sessions: Plan[],
  facilitators: Facilitator[],
  planner: Planner,
): void {
  const inWindow = random.shuffle(
    sessions.filter((session) => session.dayOffset >= specialDays[0] && session.dayOffset <= specialDays[1]),
  );
  const future = random.shuffle(sessions.filter((session) => session.dayOffset >= specialDays[0]));
  const anyDay = random.shuffle(sessions);
  /** Distinct sessions for one special case, from the look-ahead first. */
  const takeSessions = (count: number, pools: Plan[][] = [inWindow, future, anyDay]): Plan[] => {
    const taken: Plan[] = [];
    for (const pool of pools) {
      for (const session of pool) {
        if (taken.length >= count) return taken;
        if (session.special) continue;
        session.special = true;
        taken.push(session);
      }
    }
    return taken;
  };

  const createdToday = takeSessions(rateCount(sessionRates.createdToday, target.sessions, 1));
  createdToday.forEach((session, index) => {
    // The first one right after midnight: in winter that is still the previous day in UTC.
    session.creation = index === 0 ? 'todayAfterMidnight' : 'today';
  });
  for (const session of takeSessions(1)) session.creation = 'yesterdayEvening';

  const cancelledCount = rateCount(sessionRates.cancelled, target.sessions, 1);
  const cancelled = [...takeSessions(1), ...takeSessions(cancelledCount - 1, [anyDay])];
  for (const session of cancelled) session.cancelled = true;

  for (const session of takeSessions(rateCount(sessionRates.withoutFacilitator, target.sessions, 1))) {
    session.facilitators = [];
  }
  for (const session of takeSessions(size === 'small' ? 1 : 2)) {
    session.facilitators = planner.validFacilitators(session.campus, 4).sort((a, b) => a.id - b.id);
  }
  const invalidFacilitator = facilitators.find((facilitator) => facilitator.problem === 'FACILITATOR_WITHOUT_EMAIL');
  if (invalidFacilitator !== undefined) {
    for (const session of takeSessions(1)) session.facilitators = [invalidFacilitator];
  }
  for (const session of takeSessions(rateCount(sessionRates.withoutRoom, target.sessions, 1))) session.room = null;
}

/** Learners of the sessions in the look-ahead first, so the bad ones show up in what a sync reads. */
function chooseBadLearners(random: Random, target: ScenarioTarget, sessions: Plan[], learners: Learner[]): void {
  const seen = new Set<Learner>();
  for (const session of sessions) {
    if (session.cancelled || session.dayOffset < specialDays[0] || session.dayOffset > specialDays[1]) continue;
    for (const group of session.groups) for (const learner of group.members) seen.add(learner);
    for (const learner of session.extraLearners) seen.add(learner);
  }
  const candidates = [
    ...random.shuffle([...seen]),
    ...random.shuffle(learners.filter((learner) => !seen.has(learner))),
  ];
  let next = 0;
  const assign = (count: number, problem: PersonProblem): void => {
    for (let i = 0; i < count && next < candidates.length; i++) {
      const learner = candidates[next++];
      if (learner !== undefined) learner.problem = problem;
    }
  };
  assign(rateCount(badRecordRates.learnerMissingEmail, target.learners, 1), 'MISSING_EMAIL');
  assign(rateCount(badRecordRates.learnerMalformedEmail, target.learners, 1), 'MALFORMED_EMAIL');
  assign(rateCount(badRecordRates.learnerMissingFirstName, target.learners, 1), 'MISSING_FIRST_NAME');
  assign(2 * rateCount(badRecordRates.learnerSharedEmail / 2, target.learners, 2), 'SHARED_EMAIL');
}

// ---------------------------------------------------------------------------------------------------------------
// E-mail addresses

/** Every address handed out, plus what the manifest needs to know about them. */
interface EmailBook {
  mails: MailPlan[];
  /** Addresses in use, so homonyms get `anais.lefevre2@...` rather than someone else's mailbox. */
  used: Set<string>;
  untidy: Map<Person, UntidyEmail['untidiness']>;
  sharedWith: Map<Person, Person>;
  newMail(address: string, duplicate?: boolean): MailPlan;
}

function assignEmails(
  random: Random,
  nextId: IdAllocator,
  learners: Learner[],
  facilitators: Facilitator[],
): EmailBook {
  const book: EmailBook = {
    mails: [],
    used: new Set(),
    untidy: new Map(),
    sharedWith: new Map(),
    newMail(address, duplicate = false) {
      const mail = { id: nextId(), address, duplicate };
      book.mails.push(mail);
      return mail;
    },
  };

  // Learners: mostly a personal address, some the school's student address.
  const byId = [...learners].sort((a, b) => a.id - b.id);
  const counters = { missing: 0, malformed: 0, pairs: 0 };
  let pairFirst: Learner | null = null;
  for (const learner of byId) {
    const domain = random.chance(0.3)
      ? `etu.${learner.schoolClass.programme.brand.template.domain}`
      : random.weighted(personalMailDomains);
    const address = uniqueAddress(book.used, localPart(random, learner), domain);
    switch (learner.problem) {
      case 'MISSING_EMAIL':
        // Most have no Mail at all; one in three has a Mail record whose address was never filled in.
        learner.mail = counters.missing++ % 3 === 2 ? book.newMail('') : null;
        break;
      case 'MALFORMED_EMAIL':
        learner.mail = book.newMail(malformed(counters.malformed++, learner, domain));
        break;
      case 'SHARED_EMAIL':
        if (pairFirst?.mail == null) {
          learner.mail = book.newMail(address, true);
          pairFirst = learner;
        } else {
          // Every other pair differs only in case, which a case-sensitive comparison would miss.
          const first = pairFirst.mail.address;
          learner.mail = book.newMail(counters.pairs++ % 2 === 1 ? withCapitals(first) : first, true);
          book.sharedWith.set(learner, pairFirst);
          book.sharedWith.set(pairFirst, learner);
          pairFirst = null;
        }
        break;
      case 'MISSING_FIRST_NAME':
      case 'FACILITATOR_WITHOUT_EMAIL':
      case null:
        learner.mail = book.newMail(address);
        break;
    }
  }

  // Facilitators: the school address of a brand taught on their campus, or a personal one.
  for (const facilitator of facilitators) {
    if (facilitator.problem === 'FACILITATOR_WITHOUT_EMAIL') continue;
    const domains = [...new Set(facilitator.campus.classes.map((c) => c.programme.brand.template.domain))];
    const domain =
      domains.length > 0 && random.chance(0.6) ? random.pick(domains) : random.weighted(personalMailDomains);
    facilitator.mail = book.newMail(uniqueAddress(book.used, localPart(random, facilitator), domain));
  }

  // Untidy but valid: capitals or surrounding spaces, on people with no other problem.
  const makeUntidy = (people: Person[], capitals: number, spaces: number): void => {
    random
      .shuffle(people.filter((person) => person.problem === null && person.mail !== null))
      .slice(0, capitals + spaces)
      .forEach((person, index) => {
        if (person.mail === null) return;
        const kind = index < capitals ? 'CAPITALS' : 'SURROUNDING_SPACES';
        const { address } = person.mail;
        person.mail.address = kind === 'CAPITALS' ? withCapitals(address) : withSpaces(random, address);
        book.untidy.set(person, kind);
      });
  };
  makeUntidy(
    byId,
    rateCount(badRecordRates.emailWithCapitals, learners.length, 1),
    rateCount(badRecordRates.emailWithSpaces, learners.length, 1),
  );
  makeUntidy(
    facilitators,
    rateCount(badRecordRates.emailWithCapitals, facilitators.length, 0),
    rateCount(badRecordRates.emailWithSpaces, facilitators.length, 0),
  );
  return book;
}

function localPart(random: Random, person: Person): string {
  const first = asciiFold(person.firstName);
  const last = asciiFold(person.lastName);
  const roll = random.next();
  if (roll < 0.8) return `${first}.${last}`;
  if (roll < 0.9) return `${first}${last}`;
  return `${first}.${last}${person.birthDate.slice(2, 4)}`;
}

function uniqueAddress(used: Set<string>, local: string, domain: string): string {
  let address = `${local}@${domain}`;
  for (let n = 2; used.has(address); n++) address = `${local}${n}@${domain}`;
  used.add(address);
  return address;
}

function malformed(index: number, person: Person, domain: string): string {
  const first = asciiFold(person.firstName);
  const last = asciiFold(person.lastName);
  switch (index % 4) {
    case 0:
      return `${first}.${last}@`;
    case 1:
      return `${first}@@${domain}`;
    case 2:
      return `${first} ${last}@${domain}`;
    default:
      return `${first}.${last}${domain}`;
  }
}

/** `anais.lefevre@gmail.com` → `Anais.Lefevre@Gmail.com`: the local part's words and the domain's first. */
function withCapitals(address: string): string {
  const at = address.indexOf('@');
  const local = address
    .slice(0, at)
    .replace(/(^|\.)([a-z])/g, (_match, dot: string, letter: string) => dot + letter.toUpperCase());
  const domain = address.slice(at + 1);
  return `${local}@${domain.charAt(0).toUpperCase()}${domain.slice(1)}`;
}

function withSpaces(random: Random, address: string): string {
  return random.pick([` ${address}`, `${address} `, `  ${address} `]);
}

// ---------------------------------------------------------------------------------------------------------------
// Conventions and tutors

interface ConventionPlan {
  id: number;
  learner: Learner;
  state: EtatConventionCode;
  type: TypeConventionCode;
  tutor: Tutor;
  secondTutor: Tutor | null;
  /** Paris midnights, as instants. */
  start: number;
  end: number;
  breakDate: number | null;
  concluded: number;
  company: CompanyTemplate;
}

interface Conventions {
  conventions: ConventionPlan[];
  tutors: Tutor[];
}

const stateWeights: readonly (readonly [EtatConventionCode, number])[] = [
  ['COMPLET', 55],
  ['SAISIE', 8],
  ['APPRENANT', 6],
  ['DOCUSIGN', 6],
  ['ENTR', 6],
  ['SIGNEDOCUSIGN', 9],
  ['RUPTURE', 10],
];
const typeWeights: readonly (readonly [TypeConventionCode, number])[] = [
  ['APP', 50],
  ['PRO', 25],
  ['STG', 15],
  ['STA', 10],
];
/** Learners with two conventions: a broken contract then a new one, or last year's then this year's. */
const twoConventionPatterns: readonly (readonly [EtatConventionCode, EtatConventionCode])[] = [
  ['RUPTURE', 'COMPLET'],
  ['RUPTURE', 'SAISIE'],
  ['COMPLET', 'ENTR'],
];

function makeConventions(
  random: Random,
  nextId: IdAllocator,
  clock: Clock,
  learners: Learner[],
  people: PeopleFactory,
  emails: EmailBook,
): Conventions {
  const conventions: ConventionPlan[] = [];
  const tutors: Tutor[] = [];
  const tutorsByFamily = new Map<ProgrammeFamily, Tutor[]>();
  let badTutorPending = true;

  const newTutor = (family: ProgrammeFamily, bad: boolean, company?: CompanyTemplate): Tutor => {
    const tutor = people.tutor(company ?? random.pick(companies.filter((c) => c.family === family)));
    if (bad || random.chance(badRecordRates.tutorWithoutEmail)) {
      tutor.problem = 'MISSING_EMAIL';
    } else {
      const local = `${asciiFold(tutor.firstName)}.${asciiFold(tutor.lastName)}`;
      tutor.mail = emails.newMail(uniqueAddress(emails.used, local, companyDomain(tutor.company.name)));
    }
    tutors.push(tutor);
    const pool = tutorsByFamily.get(family) ?? [];
    pool.push(tutor);
    tutorsByFamily.set(family, pool);
    return tutor;
  };
  const tutorFor = (family: ProgrammeFamily, state: EtatConventionCode): Tutor => {
    if (state === 'COMPLET' && badTutorPending) {
      badTutorPending = false;
      return newTutor(family, true);
    }
    const pool = tutorsByFamily.get(family) ?? [];
    // A company often takes several learners: reuse one of the recent tutors a third of the time.
    if (pool.length > 0 && random.chance(0.35)) return random.pick(pool.slice(-20));
    return newTutor(family, false);
  };

  // The school year starts in September.
  const schoolYear = clock.todayDay.month >= 9 ? clock.todayDay.year : clock.todayDay.year - 1;

  const add = (learner: Learner, state: EtatConventionCode, type: TypeConventionCode, yearsBack: number): void => {
    const family = learner.schoolClass.programme.template.family;
    const tutor = tutorFor(family, state);
    const secondTutor = random.chance(0.15) ? newTutor(family, false, tutor.company) : null;
    // Apprenticeships run for the programme's years, internships three or six months.
    const months = type === 'STG' ? 3 : type === 'STA' ? 6 : 12 * learner.schoolClass.programme.template.years;
    const first = { year: schoolYear - yearsBack, month: 9, day: 1 + random.int(0, 45) };
    const start = parisTime(first);
    const end = parisTime({ ...first, month: first.month + months, day: first.day - 1 });
    let breakDate: number | null = null;
    if (state === 'RUPTURE') {
      const candidate = parisTime({ ...first, day: first.day + random.int(30, 200) });
      breakDate = candidate < Math.min(end, clock.today) ? candidate : parisTime({ ...first, day: first.day + 1 });
    }
    const concluded = parisTime({ ...first, day: first.day - random.int(10, 40) });
    conventions.push({
      id: nextId(),
      learner,
      state,
      type,
      tutor,
      secondTutor,
      start,
      end,
      breakDate,
      concluded,
      company: tutor.company,
    });
  };

  const withConvention = random.sample(learners, Math.round(learners.length * 0.55)).sort((a, b) => a.id - b.id);
  const twoCount = Math.max(1, Math.round(withConvention.length * 0.08));
  const withTwo = new Set(random.sample(withConvention, twoCount));
  let single = 0;
  let double = 0;
  for (const learner of withConvention) {
    if (withTwo.has(learner)) {
      const pattern = twoConventionPatterns[double++ % twoConventionPatterns.length] ?? ['RUPTURE', 'COMPLET'];
      const type = random.weighted(typeWeights);
      add(learner, pattern[0], type, pattern[0] === 'COMPLET' ? 1 : 0);
      add(learner, pattern[1], random.weighted(typeWeights), 0);
    } else {
      // The first ones walk through every state and type so even the small scenario has them all.
      const state = single < etatConventionCodes.length ? cycleState(single) : random.weighted(stateWeights);
      const type = typeConventionCodes[single] ?? random.weighted(typeWeights);
      add(learner, state, type, 0);
      single++;
    }
  }
  return { conventions, tutors };
}

function cycleState(index: number): EtatConventionCode {
  // COMPLET first: the tutor without e-mail is the first tutor of a completed convention.
  const order: readonly EtatConventionCode[] = [
    'COMPLET',
    'SAISIE',
    'APPRENANT',
    'DOCUSIGN',
    'ENTR',
    'RUPTURE',
    'SIGNEDOCUSIGN',
  ];
  return order[index % order.length] ?? 'COMPLET';
}

// ---------------------------------------------------------------------------------------------------------------
// Creation dates

interface ObjectDates {
  created: number;
  modified: number;
}

function dateCreations(random: Random, clock: Clock, plans: Plan[]): Map<Plan, ObjectDates> {
  const dates = new Map<Plan, ObjectDates>();
  const sinceMidnight = clock.now - clock.today;
  const toSecond = (instant: number): number => Math.floor(instant / 1000) * 1000;
  for (const plan of plans) {
    let created: number;
    switch (plan.creation) {
      case 'todayAfterMidnight':
        created = clock.today + Math.min(sinceMidnight, random.int(1, 59) * 60_000);
        break;
      case 'today':
        created = clock.today + Math.floor(random.next() * sinceMidnight);
        break;
      case 'yesterdayEvening':
        created = clock.today - random.int(1, 59) * 60_000;
        break;
      case 'earlier': {
        // Office hours, 2 to 40 days before now and before the session itself.
        const reference = parisCalendarDate(Math.min(plan.start, clock.now));
        const day = { ...reference, day: reference.day - random.int(2, 40) };
        created = parisTime(day, random.int(8, 18), random.int(0, 59), random.int(0, 59));
        break;
      }
    }
    created = toSecond(created);
    const modified = random.chance(0.3)
      ? toSecond(created + random.next() * Math.max(0, clock.now - created))
      : created;
    dates.set(plan, { created, modified });
  }
  return dates;
}

// ---------------------------------------------------------------------------------------------------------------
// Records

interface RecordInputs {
  nextId: IdAllocator;
  reference: ReferenceIds;
  brands: Brand[];
  campuses: Campus[];
  programmes: Programme[];
  classes: SchoolClass[];
  learners: Learner[];
  facilitators: Facilitator[];
  mails: MailPlan[];
  plans: Plan[];
  objects: Map<Plan, ObjectDates>;
  conventions: Conventions;
}

/** The first name as the record holds it: lost for MISSING_FIRST_NAME (the e-mail address still carries it). */
function storedFirstName(person: Person): string {
  return person.problem === 'MISSING_FIRST_NAME' ? '' : person.firstName;
}

/** "Prénom NOM", as Aimaira shows a person on an event. */
function displayName(person: Person): string {
  return [storedFirstName(person), (person.usageLastName || person.lastName).toUpperCase()].filter(Boolean).join(' ');
}

function personValues(person: Person): Record<string, unknown> {
  const firstName = storedFirstName(person);
  return {
    Id: person.id,
    Nom: person.lastName,
    Code: person.code,
    Login: person.code.toLowerCase(),
    Prenoms: firstName,
    NomUsage: person.usageLastName,
    PrenomUsage: firstName,
    Prenom2: person.secondFirstName,
    MailId: person.mail?.id ?? 0,
    DateNaissance: person.birthDate,
    GenreMale: !person.female,
    VilleNaissance: person.birthCity,
    HasChosenRGPD: true,
  };
}

/**
 * A complete record of `set`: `values` over the set's empty record from `makeRecord`. makeRecord fills a record
 * field by field, which V8 stores as a hash table (about 1.6 kB a row); spreading over one template per set gives
 * the same fields in the same order as compact objects, six times smaller for the large scenario's 54,000 rows.
 * `values` must only name fields of the set (the unit tests check every record's field list).
 */
function completeRecord(set: EntitySetName, values: Record<string, unknown>): Record<string, unknown> {
  let template = recordTemplates.get(set);
  if (template === undefined) {
    template = { ...makeRecord(set, {}) };
    recordTemplates.set(set, template);
  }
  return { ...template, ...values };
}
const recordTemplates = new Map<EntitySetName, Record<string, unknown>>();

function buildRecords(inputs: RecordInputs): Partial<Record<EntitySetName, Record<string, unknown>[]>> {
  const { nextId, reference } = inputs;
  const codeRecords = <Code extends string>(
    set: EntitySetName,
    ids: Record<Code, number>,
    names: Record<Code, string>,
    extra: (code: Code, index: number) => Record<string, unknown> = () => ({}),
  ): Record<string, unknown>[] =>
    (Object.keys(ids) as Code[]).map((code, index) =>
      completeRecord(set, { Id: ids[code], Code: code, Nom: names[code], ...extra(code, index) }),
    );

  const ressources: Record<string, unknown>[] = [];
  for (const campus of inputs.campuses) {
    for (const resource of [...campus.rooms, ...campus.equipment]) {
      ressources.push(
        completeRecord('Ressource', {
          Id: resource.id,
          Nom: resource.name,
          Code: resource.code,
          TypeRessourceId: reference.typeRessource[resource.kind],
        }),
      );
    }
  }
  for (const schoolClass of inputs.classes) {
    for (const group of [...schoolClass.groups, ...(schoolClass.option === null ? [] : [schoolClass.option])]) {
      ressources.push(
        completeRecord('Ressource', {
          Id: group.id,
          Nom: group.name,
          Code: group.code,
          TypeRessourceId: reference.typeRessource.GROUPE,
        }),
      );
    }
  }

  const planifications: Record<string, unknown>[] = [];
  const rows: Record<string, unknown>[] = [];
  const objects: Record<string, unknown>[] = [];
  for (const plan of inputs.plans) {
    const debut = iso(plan.start);
    const fin = iso(plan.end);
    planifications.push(
      completeRecord('Planification', {
        Id: plan.id,
        Nom: plan.name,
        EntiteJuridiqueId: plan.campus.id,
        Debut: debut,
        Fin: fin,
        TypePlanificationId: reference.typePlanification[plan.type],
        Enseignants: plan.facilitators.map(displayName).join(', '),
        Annule: plan.cancelled,
        Realise: false,
        ProgrammeId: plan.programmeId,
      }),
    );
    const dates = inputs.objects.get(plan);
    if (dates === undefined) throw new Error(`No creation date for planification ${plan.id}`);
    objects.push(
      completeRecord('Object', {
        Id: plan.id,
        DateCreation: iso(dates.created),
        DateModification: iso(dates.modified),
        Actif: true,
        // The simulator's table name, the one its webhooks send (the real names are not public).
        Type: aimairaTableNames.Planification,
      }),
    );
    const row = (type: TypeRessourceCode, reference_: number, nom: string, code: string): void => {
      rows.push(
        completeRecord('PlanificationRessource', {
          Id: nextId(),
          Nom: nom,
          Code: code,
          PlanificationId: plan.id,
          TypeRessourceId: reference.typeRessource[type],
          Debut: debut,
          Fin: fin,
          PlanificationDebut: debut,
          PlanificationFin: fin,
          Presence: false,
          Reference: reference_,
          IdProgramme: plan.programmeId,
          ProvenancePresence: 'None',
          RessourceCampusId: type === 'SALLE' || type === 'MATERIEL' ? plan.campus.id : 0,
        }),
      );
    };
    if (plan.room !== null) row('SALLE', plan.room.id, plan.room.name, plan.room.code);
    if (plan.equipment !== null) row('MATERIEL', plan.equipment.id, plan.equipment.name, plan.equipment.code);
    for (const facilitator of plan.facilitators) {
      row('PROF', facilitator.id, displayName(facilitator), facilitator.code);
    }
    for (const group of plan.groups) row('GROUPE', group.id, group.name, group.code);
    for (const learner of planLearners(plan)) row('APPRENANT', learner.id, displayName(learner), learner.code);
  }

  const tutorOf = (tutor: Tutor | null): number => tutor?.id ?? 0;
  const conventions = inputs.conventions.conventions.map((convention) =>
    completeRecord('Convention', {
      Id: convention.id,
      Nom: `${typeConventionNames[convention.type]} – ${convention.company.name}`,
      ApprenantId: convention.learner.id,
      MaitreId: convention.tutor.id,
      MaitreBisId: tutorOf(convention.secondTutor),
      EtatConventionId: reference.etatConvention[convention.state],
      TypeConventionId: reference.typeConvention[convention.type],
      DateDebut: iso(convention.start),
      DateFin: iso(convention.end),
      DateRupture: convention.breakDate === null ? null : iso(convention.breakDate),
      DateConclusion: iso(convention.concluded),
      Poste: convention.learner.schoolClass.programme.template.title,
    }),
  );

  const byId = (records: Record<string, unknown>[]): Record<string, unknown>[] =>
    records.sort((a, b) => Number(a['Id']) - Number(b['Id']));
  return {
    TypePlanification: codeRecords('TypePlanification', reference.typePlanification, typePlanificationNames),
    TypeRessource: codeRecords('TypeRessource', reference.typeRessource, typeRessourceNames),
    EtatConvention: codeRecords('EtatConvention', reference.etatConvention, etatConventionNames, (_code, index) => ({
      Ordre: index + 1,
    })),
    TypeConvention: codeRecords('TypeConvention', reference.typeConvention, typeConventionNames, (code) => ({
      AvecSignatureEnLigne: code === 'APP' || code === 'PRO',
    })),
    Ecole: inputs.brands.map((brand) =>
      completeRecord('Ecole', {
        Id: brand.id,
        Nom: brand.template.name,
        Code: brand.template.code,
        CodeSysteme: brand.template.code,
        LibelleExterne: brand.template.externalName,
      }),
    ),
    Campus: inputs.campuses.map((campus) =>
      completeRecord('Campus', {
        Id: campus.id,
        Code: campus.template.code,
        Nom: campus.template.city,
        Adresse: {
          Ligne1: campus.template.street,
          CodePostal: campus.template.postalCode,
          Ville: campus.template.city,
        },
      }),
    ),
    Programme: inputs.programmes.map((programme) =>
      completeRecord('Programme', {
        Id: programme.id,
        Nom: programme.name,
        Code: programme.code,
        EntiteJuridiqueId: programme.campus.id,
        EcoleId: programme.brand.id,
        Marque: programme.brand.template.name,
        Campus: programme.campus.template.city,
        NbAnnee: programme.template.years,
        LibelleExterne: programme.template.title,
      }),
    ),
    Ressource: byId(ressources),
    Apprenant: byId(inputs.learners.map((learner) => completeRecord('Apprenant', personValues(learner)))),
    Enseignant: byId(
      inputs.facilitators.map((facilitator) =>
        completeRecord('Enseignant', {
          ...personValues(facilitator),
          EntiteJuridiqueId: facilitator.campus.id,
          Fonction: facilitator.female ? 'Formatrice' : 'Formateur',
        }),
      ),
    ),
    Professionnel: byId(
      inputs.conventions.tutors.map((tutor) =>
        completeRecord('Professionnel', { ...personValues(tutor), Login: '', Fonction: tutor.jobTitle }),
      ),
    ),
    Mail: byId(
      inputs.mails.map((mail) =>
        completeRecord('Mail', { Id: mail.id, Adresse: mail.address, IsDuplicate: mail.duplicate }),
      ),
    ),
    Convention: byId(conventions),
    Planification: byId(planifications),
    PlanificationRessource: byId(rows),
    Object: byId(objects),
  };
}

/** The learners of a planification, one each: group members first, then the ones listed on their own. */
function planLearners(plan: Plan): Learner[] {
  const learners = new Set<Learner>();
  for (const group of plan.groups) for (const learner of group.members) learners.add(learner);
  for (const learner of plan.extraLearners) learners.add(learner);
  return [...learners];
}

// ---------------------------------------------------------------------------------------------------------------
// Manifest

interface ManifestInputs {
  clock: Clock;
  reference: ReferenceIds;
  brands: Brand[];
  campuses: Campus[];
  learners: Learner[];
  facilitators: Facilitator[];
  plans: Plan[];
  daylightSaving: { plan: Plan; kind: DaylightSavingSession['kind'] };
  conventions: Conventions;
  emails: EmailBook;
  aimaira: Partial<Record<EntitySetName, Record<string, unknown>[]>>;
}

function isValidPerson(person: Person): boolean {
  return (
    storedFirstName(person).trim() !== '' &&
    person.lastName.trim() !== '' &&
    isPlausibleEmail(person.mail?.address ?? '')
  );
}

function buildManifest(inputs: ManifestInputs): ScenarioManifest {
  const { plans, clock } = inputs;
  const ids = (selected: Plan[]): number[] => selected.map((plan) => plan.id).sort((a, b) => a - b);
  const seances = plans.filter((plan) => plan.type === 'SEANCE');
  const events = plans.filter((plan) => plan.type === 'EVENEMENT');

  const badPeople: BadPerson[] = [];
  const untidyEmails: UntidyEmail[] = [];
  const people: [PersonSet, Person[]][] = [
    ['Apprenant', inputs.learners],
    ['Enseignant', inputs.facilitators],
    ['Professionnel', inputs.conventions.tutors],
  ];
  for (const [set, group] of people) {
    for (const person of group) {
      if (person.problem !== null) {
        badPeople.push({
          set,
          id: person.id,
          problem: person.problem,
          address: person.mail?.address ?? null,
          sharedWith: inputs.emails.sharedWith.get(person)?.id ?? null,
        });
      }
      const untidiness = inputs.emails.untidy.get(person);
      if (untidiness !== undefined && person.mail !== null) {
        untidyEmails.push({ set, id: person.id, address: person.mail.address, untidiness });
      }
    }
  }
  badPeople.sort((a, b) => a.id - b.id);
  untidyEmails.sort((a, b) => a.id - b.id);

  const byConventionLearner = new Map<Learner, EtatConventionCode[]>();
  for (const convention of inputs.conventions.conventions) {
    const states = byConventionLearner.get(convention.learner) ?? [];
    states.push(convention.state);
    byConventionLearner.set(convention.learner, states);
  }
  const learnerIds = (predicate: (states: EtatConventionCode[]) => boolean): number[] =>
    [...byConventionLearner]
      .filter(([, states]) => predicate(states))
      .map(([learner]) => learner.id)
      .sort((a, b) => a - b);

  const dst = inputs.daylightSaving.plan;
  const counts: Partial<Record<EntitySetName, number>> = {};
  for (const [set, records] of Object.entries(inputs.aimaira) as [EntitySetName, Record<string, unknown>[]][]) {
    counts[set] = records.length;
  }
  const apprenantRows = (inputs.aimaira.PlanificationRessource ?? []).filter(
    (row) => row['TypeRessourceId'] === inputs.reference.typeRessource.APPRENANT,
  ).length;

  return {
    timeZone: 'Europe/Paris',
    range: { from: iso(parisTime(shiftDay(clock.todayDay, -7))), to: iso(parisTime(shiftDay(clock.todayDay, 21))) },
    badPeople,
    untidyEmails,
    sessions: {
      createdToday: ids(plans.filter((plan) => plan.creation === 'today' || plan.creation === 'todayAfterMidnight')),
      createdYesterdayEvening: ids(plans.filter((plan) => plan.creation === 'yesterdayEvening')),
      cancelled: ids(plans.filter((plan) => plan.cancelled)),
      daylightSaving: {
        id: dst.id,
        kind: inputs.daylightSaving.kind,
        debut: iso(dst.start),
        fin: iso(dst.end),
        durationMinutes: Math.round((dst.end - dst.start) / 60_000),
      },
      commonEvents: ids(events),
      commonEventsWithoutProgramme: ids(events.filter((plan) => plan.programmeId === 0)),
      exams: ids(plans.filter((plan) => plan.type === 'EXAMEN')),
      reservations: ids(plans.filter((plan) => plan.type === 'RESERVATIO')),
      withoutFacilitator: ids(seances.filter((plan) => plan.facilitators.length === 0)),
      withoutValidFacilitator: ids(seances.filter((plan) => !plan.facilitators.some(isValidPerson))),
      withMoreThanThreeFacilitators: ids(seances.filter((plan) => plan.facilitators.length > 3)),
      withoutRoom: ids(seances.filter((plan) => plan.room === null)),
      withoutValidLearner: ids([...seances, ...events].filter((plan) => !planLearners(plan).some(isValidPerson))),
      withIndividualLearner: ids(seances.filter((plan) => plan.groups.length > 0 && plan.extraLearners.length > 0)),
      withEquipment: ids(plans.filter((plan) => plan.equipment !== null)),
    },
    learnersInSeveralGroups: inputs.learners
      .filter((learner) => learner.groups.length > 1)
      .map((learner) => learner.id)
      .sort((a, b) => a - b),
    conventions: {
      learnersWithCompleted: learnerIds((states) => states.includes('COMPLET')),
      learnersWithoutCompleted: learnerIds((states) => !states.includes('COMPLET')),
      learnersWithTwo: learnerIds((states) => states.length > 1),
    },
    typePlanificationIds: { ...inputs.reference.typePlanification },
    typeRessourceIds: { ...inputs.reference.typeRessource },
    etatConventionIds: { ...inputs.reference.etatConvention },
    typeConventionIds: { ...inputs.reference.typeConvention },
    brandIds: inputs.brands.map((brand) => brand.id),
    campusIds: inputs.campuses.map((campus) => campus.id),
    counts,
    apprenantRows,
  };
}
