/**
 * Webhooks to targeted runs: what a batch of a tenant's pending messages asks to run, and the Aimaira table names
 * (`ObjectType`) those messages are read with.
 *
 * The decision is pure (`planRealtimeTargets`): each message is read (`readWebhookMessage`), then judged with facts
 * looked up once for the whole batch (`RealtimeFacts`): the session of each row, the window sessions listing each
 * person, the owners of each e-mail, the link and lock state of each Edusign course. `resolveRealtimeTargets` looks
 * those facts up, in batches, and calls it. Everything is deduplicated: a burst of 1,000 messages about 40 sessions
 * gives 40 session ids.
 *
 * Aimaira's trigger names are not published, and none is needed: a session is targeted whether it was created,
 * changed or deleted (the targeted run treats a deleted one as a full run would), a row is read and, when it is
 * gone, its session is looked for in the store, and a person is looked for in the rows of the window.
 */
import type { AimairaClient, TypeCodes } from '../../aimaira/client.js';
import { isTypeOf, learnerCode } from '../../aimaira/mapping.js';
import { and, gt, inList, lt, or } from '../../aimaira/query.js';
import type { Filter } from '../../aimaira/query.js';
import type { Link, StateStore, WebhookMessage } from '../../store/port.js';
import { syncWindow } from '../down/rules.js';
import type { SyncWindow } from '../down/rules.js';

/** The Aimaira entities whose messages the connector acts on, by entity set name. */
export const realtimeEntities = ['Planification', 'PlanificationRessource', 'Apprenant', 'Enseignant', 'Mail'] as const;
export type RealtimeEntity = (typeof realtimeEntities)[number];

/** Table names by entity (`Planification` → `planification.T_PLANIFICATION`), as `WebhookEndpoint.objectTypes`. */
export type ObjectTypes = Readonly<Partial<Record<string, string>>>;

export type PersonSetName = 'Apprenant' | 'Enseignant';

/** What one message is about, before any look-up. */
export type MessageReading =
  | { kind: 'session'; sessionId: number }
  | { kind: 'row'; rowId: number }
  | { kind: 'person'; set: PersonSetName; personId: number }
  | { kind: 'mail'; mailId: number }
  | { kind: 'sheet'; event: 'locked' | 'edited' | 'deleted'; courseId: string }
  | { kind: 'ignored'; why: string };

export interface IgnoredMessage {
  messageId: number;
  why: string;
}

export interface RealtimeTargets {
  /** Aimaira `Planification` ids for `runDown({ only: { sessionIds } })`, ascending, each once. */
  sessionIds: number[];
  /** Edusign course ids for `runUp({ only: { sheetIds } })`, sorted, each once. */
  sheetIds: string[];
  /** Messages that ask for no run, in the order given, with why (the scheduled windows remain the safety net). */
  ignored: IgnoredMessage[];
}

/** What Edusign and the store say of one course a message names. */
export interface CourseFact {
  /** The session the connector made (or adopted) the sheet for. */
  sessionId: number;
  /** The sheet is locked (archived): the link says so, a message of the batch did, or Edusign answered so. */
  locked: boolean;
}

/** What the caller looked up for a batch; a fact left out reads as "not known". */
export interface RealtimeFacts {
  /** Rows read (or found in the store) → their session. */
  rowSessions: ReadonlyMap<number, number>;
  /** Rows read whose type the sync does not read (equipment...): nothing to run. */
  otherRows: ReadonlySet<number>;
  /** Rows looked for and not found, neither in Aimaira nor in the store (deleted, and nothing tells their session). */
  unknownRows: ReadonlySet<number>;
  /** `Apprenant:12` / `Enseignant:7` → the window's sessions that list that person (possibly none). */
  personSessions: ReadonlyMap<string, readonly number[]>;
  /**
   * Every session of the window, when the batch named more people than are looked up one by one: each of them is
   * then taken to touch all of them (a targeted run of the whole window).
   */
  windowSessionIds?: readonly number[] | undefined;
  /** E-mail (`Mail`) id → the learners and facilitators whose e-mail it is (possibly none). */
  mailOwners: ReadonlyMap<number, readonly { set: PersonSetName; id: number }[]>;
  /** Edusign course id → its link, for the linked courses of the batch; an absent course has no link. */
  courses: ReadonlyMap<string, CourseFact>;
}

export const personKey = (set: PersonSetName, id: number): string => `${set}:${id}`;

const edusignEvents: Record<string, 'locked' | 'edited' | 'deleted' | undefined> = {
  on_course_locked: 'locked',
  on_course_edited: 'edited',
  on_course_deleted: 'deleted',
};

const edusignIgnored: Record<string, string> = {
  on_course_created:
    'a course created on Edusign: the connector makes its sheets from Aimaira, and adopts one made by hand at its session’s next run',
  on_student_sign: 'a signature: attendance goes up once the sheet is locked (on_course_locked)',
};

/** A positive integer id as sent in `ObjectId`, or undefined. */
function aimairaId(objectId: string | null): number | undefined {
  if (objectId === null || !/^\s*\d{1,15}\s*$/.test(objectId)) return undefined;
  const id = Number(objectId);
  return Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

const normaliseTable = (name: string): string => name.trim().toLowerCase();

/** The entity a table name stands for, from the names learned for this tenant. */
export function entityOfObjectType(objectType: string, objectTypes: ObjectTypes): RealtimeEntity | undefined {
  const wanted = normaliseTable(objectType);
  return realtimeEntities.find((entity) => {
    const table = objectTypes[entity];
    return table !== undefined && table !== '' && normaliseTable(table) === wanted;
  });
}

/** What one message is about, from the message alone and the tenant's learned table names. */
export function readWebhookMessage(message: WebhookMessage, objectTypes: ObjectTypes): MessageReading {
  if (message.source === 'edusign') {
    const event = edusignEvents[message.event];
    if (event === undefined) {
      return {
        kind: 'ignored',
        why: edusignIgnored[message.event] ?? `an Edusign event the connector does not act on (${message.event})`,
      };
    }
    const courseId = message.objectId?.trim() ?? '';
    if (courseId === '') return { kind: 'ignored', why: `${message.event} without a course id` };
    return { kind: 'sheet', event, courseId };
  }
  if (message.objectType === null || message.objectType.trim() === '') {
    return { kind: 'ignored', why: 'an Aimaira message without ObjectType' };
  }
  const entity = entityOfObjectType(message.objectType, objectTypes);
  if (entity === undefined) {
    const learned = realtimeEntities.filter((name) => objectTypes[name]);
    return {
      kind: 'ignored',
      why:
        `ObjectType ${message.objectType} is none of the tables learned for this tenant` +
        (learned.length === realtimeEntities.length
          ? ''
          : ` (not learned: ${realtimeEntities.filter((name) => !learned.includes(name)).join(', ')})`),
    };
  }
  const id = aimairaId(message.objectId);
  if (id === undefined) return { kind: 'ignored', why: `${entity} message with an ObjectId that is not a record id` };
  switch (entity) {
    case 'Planification':
      return { kind: 'session', sessionId: id };
    case 'PlanificationRessource':
      return { kind: 'row', rowId: id };
    case 'Apprenant':
    case 'Enseignant':
      return { kind: 'person', set: entity, personId: id };
    case 'Mail':
      return { kind: 'mail', mailId: id };
  }
}

/** What to look up for a batch: the ids each kind of message names, each once. */
export interface NeededFacts {
  rowIds: number[];
  learnerIds: number[];
  facilitatorIds: number[];
  mailIds: number[];
  courseIds: string[];
  /** Courses a message of the batch says are locked. */
  lockedInBatch: string[];
  /** Courses edited whose lock state matters. */
  editedCourseIds: string[];
}

export function neededFacts(messages: readonly WebhookMessage[], objectTypes: ObjectTypes): NeededFacts {
  const rows = new Set<number>();
  const people = { Apprenant: new Set<number>(), Enseignant: new Set<number>() };
  const mails = new Set<number>();
  const courses = new Set<string>();
  const locked = new Set<string>();
  const edited = new Set<string>();
  for (const message of messages) {
    const reading = readWebhookMessage(message, objectTypes);
    switch (reading.kind) {
      case 'row':
        rows.add(reading.rowId);
        break;
      case 'person':
        people[reading.set].add(reading.personId);
        break;
      case 'mail':
        mails.add(reading.mailId);
        break;
      case 'sheet':
        courses.add(reading.courseId);
        if (reading.event === 'locked') locked.add(reading.courseId);
        if (reading.event === 'edited') edited.add(reading.courseId);
        break;
      default:
        break;
    }
  }
  return {
    rowIds: [...rows],
    learnerIds: [...people.Apprenant],
    facilitatorIds: [...people.Enseignant],
    mailIds: [...mails],
    courseIds: [...courses],
    lockedInBatch: [...locked],
    editedCourseIds: [...edited],
  };
}

const personNames: Record<PersonSetName, string> = { Apprenant: 'learner', Enseignant: 'facilitator' };

/**
 * The runs a batch of messages asks for: pure, over the messages and the facts the caller looked up. Each message
 * either adds sessions or sheets, or is ignored with why; duplicates collapse.
 */
export function planRealtimeTargets(
  messages: readonly WebhookMessage[],
  context: { objectTypes: ObjectTypes; facts: RealtimeFacts },
): RealtimeTargets {
  const { facts } = context;
  const sessions = new Set<number>();
  const sheets = new Set<string>();
  const ignored: IgnoredMessage[] = [];
  const ignore = (message: WebhookMessage, why: string) => ignored.push({ messageId: message.id, why });

  const personSessions = (set: PersonSetName, id: number): readonly number[] | undefined =>
    facts.personSessions.get(personKey(set, id)) ?? facts.windowSessionIds;

  for (const message of messages) {
    const reading = readWebhookMessage(message, context.objectTypes);
    switch (reading.kind) {
      case 'ignored':
        ignore(message, reading.why);
        break;
      case 'session':
        sessions.add(reading.sessionId);
        break;
      case 'row': {
        const session = facts.rowSessions.get(reading.rowId);
        if (session !== undefined) sessions.add(session);
        else if (facts.otherRows.has(reading.rowId)) {
          ignore(
            message,
            `row ${reading.rowId} is of a type the sync does not read (neither room, facilitator, learner nor group)`,
          );
        } else if (facts.unknownRows.has(reading.rowId)) {
          ignore(
            message,
            `row ${reading.rowId} is gone from Aimaira and nothing stored tells its session: left to the next window`,
          );
        } else ignore(message, `row ${reading.rowId} was not looked up`);
        break;
      }
      case 'person': {
        const found = personSessions(reading.set, reading.personId);
        const name = `${personNames[reading.set]} ${reading.personId}`;
        if (found === undefined) ignore(message, `${name} was not looked up`);
        else if (found.length === 0) ignore(message, `no session of the window lists ${name}`);
        else for (const id of found) sessions.add(id);
        break;
      }
      case 'mail': {
        const owners = facts.mailOwners.get(reading.mailId);
        if (owners === undefined) {
          ignore(message, `e-mail ${reading.mailId} was not looked up`);
          break;
        }
        if (owners.length === 0) {
          ignore(message, `e-mail ${reading.mailId} is no learner's or facilitator's (a tutor's, or deleted)`);
          break;
        }
        const found = owners.flatMap((owner) => personSessions(owner.set, owner.id) ?? []);
        if (found.length === 0) ignore(message, `no session of the window lists the owner of e-mail ${reading.mailId}`);
        for (const id of found) sessions.add(id);
        break;
      }
      case 'sheet': {
        const course = facts.courses.get(reading.courseId);
        if (course === undefined) {
          ignore(message, `course ${reading.courseId} was not made by the connector (no link)`);
          break;
        }
        if (reading.event === 'locked' || (reading.event === 'edited' && course.locked)) sheets.add(reading.courseId);
        else sessions.add(course.sessionId);
        break;
      }
    }
  }
  return {
    sessionIds: [...sessions].sort((a, b) => a - b),
    sheetIds: [...sheets].sort(),
    ignored,
  };
}

/* ------------------------------------------------------------------------------------------------------------- */

/** How much a batch may cost in look-ups. */
export interface RealtimeBounds {
  /**
   * People (learners and facilitators, those of e-mails included) looked up one by one in a batch; above, every
   * person of the batch is taken to touch every session of the window (a targeted run of the whole window).
   */
  maxPeople: number;
  /** People per rows query (`Reference in (...)`), with `in` lists; in `or` mode, `maxPeoplePerOrQuery`. */
  peoplePerQuery: number;
  peoplePerOrQuery: number;
}

export const defaultRealtimeBounds: RealtimeBounds = { maxPeople: 200, peoplePerQuery: 40, peoplePerOrQuery: 5 };

export interface ResolveRealtimeOptions {
  aimaira: AimairaClient;
  store: Pick<StateStore, 'listLinks' | 'listAttendance'>;
  tenantId: string;
  /** The tenant's learned table names (`WebhookEndpoint.objectTypes`). */
  objectTypes: ObjectTypes;
  /** The sync instant, and the tenant's `horizonDays`: the window a person's sessions are looked for in. */
  now: Date;
  horizonDays: number;
  /** When given, the lock state of an edited linked course not known as locked is asked of Edusign. */
  edusign?: { courses: { get(id: string): Promise<{ LOCKED: boolean } | undefined> } } | undefined;
  bounds?: Partial<RealtimeBounds>;
}

/** The runs a batch of messages asks for, with the facts looked up in Aimaira, the store and (optionally) Edusign. */
export async function resolveRealtimeTargets(
  messages: readonly WebhookMessage[],
  options: ResolveRealtimeOptions,
): Promise<RealtimeTargets> {
  const facts = await lookUpRealtimeFacts(neededFacts(messages, options.objectTypes), options);
  return planRealtimeTargets(messages, { objectTypes: options.objectTypes, facts });
}

const readRowTypes = ['APPRENANT', 'PROF', 'SALLE', 'GROUPE'];
const attendanceCodes = ['SEANCE', 'EVENEMENT'];
/** Session ids per store query of attendance records. */
const attendanceChunk = 500;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let index = 0; index < items.length; index += size) out.push(items.slice(index, index + size));
  return out;
}

/** Looks up the facts a batch needs, each kind in as few requests as it takes. */
export async function lookUpRealtimeFacts(
  needed: NeededFacts,
  options: ResolveRealtimeOptions,
): Promise<RealtimeFacts> {
  const { aimaira } = options;
  const bounds = { ...defaultRealtimeBounds, ...options.bounds };
  let typeCodes: Promise<TypeCodes> | undefined;
  const types = () => (typeCodes ??= aimaira.resolveTypeCodes());

  const [rows, mailOwners, courses] = await Promise.all([
    lookUpRows(needed.rowIds, options, types),
    lookUpMailOwners(needed.mailIds, aimaira),
    lookUpCourses(needed, options),
  ]);

  const learners = new Set(needed.learnerIds);
  const facilitators = new Set(needed.facilitatorIds);
  for (const owners of mailOwners.values()) {
    for (const owner of owners) (owner.set === 'Apprenant' ? learners : facilitators).add(owner.id);
  }
  const people = await lookUpPeopleSessions(
    [...learners],
    [...facilitators],
    syncWindow(options.now, options.horizonDays),
    aimaira,
    types,
    bounds,
  );
  return { ...rows, mailOwners, courses, ...people };
}

async function lookUpRows(
  rowIds: readonly number[],
  options: ResolveRealtimeOptions,
  types: () => Promise<TypeCodes>,
): Promise<Pick<RealtimeFacts, 'rowSessions' | 'otherRows' | 'unknownRows'>> {
  const rowSessions = new Map<number, number>();
  const otherRows = new Set<number>();
  const unknownRows = new Set<number>();
  if (rowIds.length === 0) return { rowSessions, otherRows, unknownRows };
  const [codes, records] = await Promise.all([
    types(),
    options.aimaira.listByIds('PlanificationRessource', 'Id', rowIds, {
      select: ['Id', 'PlanificationId', 'TypeRessourceId'],
    }),
  ]);
  for (const row of records) {
    if (readRowTypes.some((code) => isTypeOf(codes.ressource, code, row.TypeRessourceId))) {
      rowSessions.set(row.Id, row.PlanificationId);
    } else otherRows.add(row.Id);
  }
  const gone = rowIds.filter((id) => !rowSessions.has(id) && !otherRows.has(id));
  if (gone.length > 0) {
    // A deleted row cannot be read: the rows attendance was written to are remembered with their session.
    const goneSet = new Set(gone);
    const sessionIds = [...new Set((await options.store.listLinks(options.tenantId, 'sheet')).map((l) => l.aimairaId))];
    for (const part of chunks(sessionIds, attendanceChunk)) {
      for (const record of await options.store.listAttendance(options.tenantId, part)) {
        if (goneSet.has(record.rowId)) rowSessions.set(record.rowId, record.planificationId);
      }
    }
    for (const id of gone) if (!rowSessions.has(id)) unknownRows.add(id);
  }
  return { rowSessions, otherRows, unknownRows };
}

async function lookUpMailOwners(
  mailIds: readonly number[],
  aimaira: AimairaClient,
): Promise<Map<number, { set: PersonSetName; id: number }[]>> {
  const owners = new Map<number, { set: PersonSetName; id: number }[]>(mailIds.map((id) => [id, []]));
  if (mailIds.length === 0) return owners;
  const [learners, facilitators] = await Promise.all([
    aimaira.listByIds('Apprenant', 'MailId', mailIds, { select: ['Id', 'MailId'] }),
    aimaira.listByIds('Enseignant', 'MailId', mailIds, { select: ['Id', 'MailId'] }),
  ]);
  const add = (set: PersonSetName, records: readonly { Id: number; MailId?: number | null | undefined }[]) => {
    for (const record of records) {
      if (typeof record.MailId === 'number') owners.get(record.MailId)?.push({ set, id: record.Id });
    }
  };
  add('Apprenant', learners);
  add('Enseignant', facilitators);
  return owners;
}

async function lookUpCourses(needed: NeededFacts, options: ResolveRealtimeOptions): Promise<Map<string, CourseFact>> {
  const courses = new Map<string, CourseFact>();
  if (needed.courseIds.length === 0) return courses;
  const wanted = new Set(needed.courseIds);
  const links = new Map<string, Link>();
  for (const link of await options.store.listLinks(options.tenantId, 'sheet')) {
    if (wanted.has(link.edusignId)) links.set(link.edusignId, link);
  }
  const lockedInBatch = new Set(needed.lockedInBatch);
  const edited = new Set(needed.editedCourseIds);
  for (const [courseId, link] of links) {
    let locked = link.data['locked'] === true || lockedInBatch.has(courseId);
    if (options.edusign && edited.has(courseId)) {
      // Edusign's answer is the state now: an edit may be the sheet being unlocked.
      const course = await options.edusign.courses.get(courseId);
      if (course !== undefined) locked = course.LOCKED;
    }
    courses.set(courseId, { sessionId: link.aimairaId, locked });
  }
  return courses;
}

/**
 * The window's sessions that list each person: the window's session ids (one read, ids only), then the rows of
 * those sessions naming the people (learner rows by `Reference` or by the learner's `Code`, facilitator rows by
 * `Reference`), a few people per query. Over `maxPeople`, every window session is taken instead.
 */
/** The ids of the window's sessions and common events (as a full run reads them), `top` of them when given. */
export async function windowSessionIds(
  aimaira: AimairaClient,
  codes: TypeCodes,
  window: SyncWindow,
  top?: number,
): Promise<number[]> {
  const sessionTypes = attendanceCodes.flatMap((code) => codes.planification[code] ?? []);
  if (sessionTypes.length === 0) return [];
  const sessions = await aimaira.listAll('Planification', {
    filter: and(
      gt('Debut', new Date(window.start)),
      lt('Debut', new Date(window.end)),
      inList('TypePlanificationId', sessionTypes),
    ),
    select: ['Id'],
    ...(top !== undefined && { top }),
  });
  return sessions.map((session) => session.Id);
}

async function lookUpPeopleSessions(
  learnerIds: readonly number[],
  facilitatorIds: readonly number[],
  window: SyncWindow,
  aimaira: AimairaClient,
  types: () => Promise<TypeCodes>,
  bounds: RealtimeBounds,
): Promise<Pick<RealtimeFacts, 'personSessions' | 'windowSessionIds'>> {
  const personSessions = new Map<string, number[]>();
  if (learnerIds.length + facilitatorIds.length === 0) return { personSessions };
  const codes = await types();
  const windowIds = [...new Set(await windowSessionIds(aimaira, codes, window))].sort((a, b) => a - b);
  for (const id of learnerIds) personSessions.set(personKey('Apprenant', id), []);
  for (const id of facilitatorIds) personSessions.set(personKey('Enseignant', id), []);
  if (windowIds.length === 0) return { personSessions };
  if (learnerIds.length + facilitatorIds.length > bounds.maxPeople) {
    return { personSessions: new Map(), windowSessionIds: windowIds };
  }

  const learnerTypes = codes.ressource['APPRENANT'] ?? [];
  const facilitatorTypes = codes.ressource['PROF'] ?? [];
  // Learner rows may name the learner by `Code` rather than `Reference` (src/aimaira/mapping.ts).
  const learnerRecords =
    learnerIds.length > 0 ? await aimaira.listByIds('Apprenant', 'Id', learnerIds, { select: ['Id', 'Code'] }) : [];
  const learnersByCode = new Map<string, number[]>();
  for (const record of learnerRecords) {
    const code = learnerCode(record.Code);
    if (code !== '') learnersByCode.set(code, [...(learnersByCode.get(code) ?? []), record.Id]);
  }
  const codeOf = new Map(learnerRecords.map((record) => [record.Id, learnerCode(record.Code)]));
  const learnerSet = new Set(learnerIds);
  const facilitatorSet = new Set(facilitatorIds);
  const add = (key: string, sessionId: number) => {
    const list = personSessions.get(key);
    if (list && !list.includes(sessionId)) list.push(sessionId);
  };

  const people = [
    ...learnerIds.map((id) => ({ set: 'Apprenant' as const, id })),
    ...facilitatorIds.map((id) => ({ set: 'Enseignant' as const, id })),
  ];
  const perQuery = aimaira.strategies().filter === 'or' ? bounds.peoplePerOrQuery : bounds.peoplePerQuery;
  for (const part of chunks(people, Math.max(1, perQuery))) {
    const learnersHere = part.filter((person) => person.set === 'Apprenant').map((person) => person.id);
    const facilitatorsHere = part.filter((person) => person.set === 'Enseignant').map((person) => person.id);
    const learnerCodes = [...new Set(learnersHere.map((id) => codeOf.get(id) ?? '').filter((code) => code !== ''))];
    const filters: Filter[] = [];
    if (learnersHere.length > 0 && learnerTypes.length > 0) {
      filters.push(
        and(
          inList('TypeRessourceId', learnerTypes),
          learnerCodes.length > 0
            ? or(inList('Reference', learnersHere), inList('Code', learnerCodes))
            : inList('Reference', learnersHere),
        ),
      );
    }
    if (facilitatorsHere.length > 0 && facilitatorTypes.length > 0) {
      filters.push(and(inList('TypeRessourceId', facilitatorTypes), inList('Reference', facilitatorsHere)));
    }
    if (filters.length === 0) continue;
    const rows = await aimaira.listByIds('PlanificationRessource', 'PlanificationId', windowIds, {
      filter: or(...filters),
      select: ['Id', 'PlanificationId', 'TypeRessourceId', 'Reference', 'Code'],
    });
    for (const row of rows) {
      const reference = row.Reference ?? 0;
      if (isTypeOf(codes.ressource, 'APPRENANT', row.TypeRessourceId)) {
        if (learnerSet.has(reference)) add(personKey('Apprenant', reference), row.PlanificationId);
        for (const id of learnersByCode.get(learnerCode(row.Code)) ?? []) {
          add(personKey('Apprenant', id), row.PlanificationId);
        }
      } else if (isTypeOf(codes.ressource, 'PROF', row.TypeRessourceId) && facilitatorSet.has(reference)) {
        add(personKey('Enseignant', reference), row.PlanificationId);
      }
    }
  }
  for (const list of personSessions.values()) list.sort((a, b) => a - b);
  return { personSessions };
}
