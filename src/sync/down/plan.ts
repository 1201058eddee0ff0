/**
 * The downward plan: what must be written to Edusign for it to match the desired state, given the links the
 * connector keeps and what the Edusign lookups found for records without a link. Pure: the same plan is printed
 * by `--dry-run` and carried out by `apply`.
 *
 * Change detection hashes the desired content in Aimaira's terms (ids included): links are one-to-one, so a
 * change of Edusign ids implies a change of links, which the plan sees anyway.
 */
import { createHash } from 'node:crypto';

import type { ReasonCode } from '../../domain/reasons.js';
import type { Person, RecordKind } from '../../domain/types.js';
import type { Link } from '../../store/port.js';
import { isEmailFingerprint } from './email-fingerprint.js';
import type { EmailFingerprint } from './email-fingerprint.js';
import { normaliseEmail } from './rules.js';
import type { DesiredGroup, DesiredPerson, DesiredSheet, Evaluation, PersonKind, SessionVerdict } from './rules.js';

/** An Edusign record found for a desired record that has no link yet. */
export interface EdusignMatch {
  edusignId: string;
  /** How it was found: by our API_ID (a record this connector made), or by e-mail (made by hand). */
  foundBy: 'api-id' | 'email';
  /** The API_ID the record carries (empty when made by hand). */
  apiId: string;
  hidden: boolean;
}

/** What the Edusign look-ups found, by kind and Aimaira id (absent: nothing found). */
export type LookupMatches = Readonly<Record<RecordKind, ReadonlyMap<number, EdusignMatch>>> & {
  /**
   * Set (to why, in plain words) when the look-ups found that the server has no externals routes: tutors are then
   * left out of the run, and learners are written without touching their tutors.
   */
  readonly tutorsUnavailable?: string | undefined;
};

/** What is known of a linked sheet whose session did not come down in this run. */
export type AbsentSessionState = { state: 'gone' } | { state: 'present'; verdict: SessionVerdict };

export interface PlanInput {
  evaluation: Evaluation;
  /** The tenant's links by kind, keyed by Aimaira id. */
  links: Readonly<Record<RecordKind, ReadonlyMap<number, Link>>>;
  /** Lookups for desired records without a link, by kind and Aimaira id (absent: nothing found). */
  matches: LookupMatches;
  /** For each linked, upcoming sheet whose session is not eligible now: what Aimaira says of that session. */
  absentSessions: ReadonlyMap<number, AbsentSessionState>;
  now: Date;
  /**
   * A targeted run's sessions (Aimaira ids): the evaluation covers these only, so the plan writes their sheets and
   * the people those sheets need, and nothing derived from the whole window (see `planDown`). Absent: a full run.
   */
  targets?: ReadonlySet<number> | undefined;
}

export type PersonOperation =
  | { op: 'create'; person: DesiredPerson; hash: string }
  | { op: 'adopt'; person: DesiredPerson; edusignId: string; hash: string; restore: boolean }
  | { op: 'recover'; person: DesiredPerson; edusignId: string; hash: string }
  | { op: 'update'; person: DesiredPerson; edusignId: string; hash: string }
  | { op: 'conflict'; person: DesiredPerson; edusignId: string; reason: ReasonCode };

export type GroupOperation =
  | { op: 'create'; group: DesiredGroup; hash: string }
  | { op: 'recover'; group: DesiredGroup; edusignId: string; hash: string }
  | { op: 'update'; group: DesiredGroup; edusignId: string; hash: string };

export type SheetOperation =
  | { op: 'create'; sheet: DesiredSheet; hash: string }
  | { op: 'recover'; sheet: DesiredSheet; edusignId: string; hash: string }
  | {
      op: 'update';
      sheet: DesiredSheet;
      edusignId: string;
      hash: string;
      /** Name, times, room, facilitators or groups differ from what was written. */
      fieldsChanged: boolean;
      /** The groups changed: Edusign re-enrols, so the roster must be read back before it is corrected. */
      groupsChanged: boolean;
      /** Learners written last time (Aimaira ids), the base of the roster correction. */
      previousLearnerIds: number[];
    }
  | { op: 'delete'; aimairaId: number; edusignId: string; reason: ReasonCode }
  | { op: 'keep'; aimairaId: number; edusignId: string; reason: ReasonCode };

/** A session of the window that does not come down, with every reason. */
export interface SheetSkip {
  aimairaId: number;
  name: string;
  reasons: ReasonCode[];
}

export interface DownPlan {
  facilitators: PersonOperation[];
  tutors: PersonOperation[];
  learners: PersonOperation[];
  groups: GroupOperation[];
  sheets: SheetOperation[];
  skips: SheetSkip[];
  /** Sessions that come down with people left out or warnings. */
  notes: SessionVerdict[];
  /**
   * Why tutors are left out of this run, when the server has no externals routes: no tutor operation is planned,
   * and learners are planned (and hashed) without tutors, so that they are written once now, with their tutors
   * left as they are on Edusign, and again with their tutors once the routes answer.
   */
  tutorsUnavailable?: string | undefined;
}

/** Stable JSON (sorted keys) hashed with SHA-256: the fingerprint of what a record should look like. */
export function contentHash(value: unknown): string {
  return createHash('sha256').update(stableJson(value)).digest('hex').slice(0, 32);
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export const personHash = (person: DesiredPerson): string =>
  contentHash({ f: person.firstName, l: person.lastName, e: person.email, t: person.tutorIds });
export const groupHash = (group: DesiredGroup): string => contentHash({ n: group.name, m: group.memberIds });
export const sheetHash = (sheet: DesiredSheet): string =>
  contentHash({
    n: sheet.name,
    s: sheet.start,
    e: sheet.end,
    c: sheet.classroom,
    f: sheet.facilitatorIds,
    d: sheet.defaultProfessorId,
    l: sheet.learnerIds,
    g: sheet.groupIds,
  });
/** The part of a sheet written by PATCH /v1/course (the roster is written learner by learner). */
const sheetFieldsHash = (
  sheet: Pick<
    DesiredSheet,
    'name' | 'start' | 'end' | 'classroom' | 'facilitatorIds' | 'defaultProfessorId' | 'groupIds'
  >,
) =>
  contentHash({
    n: sheet.name,
    s: sheet.start,
    e: sheet.end,
    c: sheet.classroom,
    f: sheet.facilitatorIds,
    d: sheet.defaultProfessorId,
    g: sheet.groupIds,
  });

/** What a sheet link remembers, to correct the roster and notice a session that moved. */
export interface SheetLinkData {
  name: string;
  start: string;
  end: string;
  classroom: string;
  facilitatorIds: number[];
  defaultProfessorId: string | null;
  groupIds: number[];
  /** Learners believed to be on the sheet (Aimaira ids). */
  learnerIds: number[];
}

/**
 * What a sheet link remembers after a write: the sheet's fields, with the facilitators and groups that were really
 * written (one whose Edusign record could not be made yet is missing, and the next run sees the difference).
 */
export function sheetLinkData(
  sheet: DesiredSheet,
  learnerIds: readonly number[] = sheet.learnerIds,
  written: Pick<DesiredSheet, 'facilitatorIds' | 'groupIds'> = sheet,
): SheetLinkData {
  return {
    name: sheet.name,
    start: sheet.start,
    end: sheet.end,
    classroom: sheet.classroom,
    facilitatorIds: [...written.facilitatorIds],
    defaultProfessorId: sheet.defaultProfessorId ?? null,
    groupIds: [...written.groupIds],
    learnerIds: [...learnerIds],
  };
}

export function readSheetLinkData(link: Link): SheetLinkData {
  const data = link.data as Partial<SheetLinkData>;
  return {
    name: data.name ?? '',
    start: data.start ?? '',
    end: data.end ?? '',
    classroom: data.classroom ?? '',
    facilitatorIds: data.facilitatorIds ?? [],
    defaultProfessorId: data.defaultProfessorId ?? null,
    groupIds: data.groupIds ?? [],
    learnerIds: data.learnerIds ?? [],
  };
}

/**
 * What a person link remembers: the fingerprint of the e-mail last written to Edusign (src/sync/down/
 * email-fingerprint.ts), never the e-mail itself.
 */
export interface PersonLinkData {
  emailHash: string;
}

export function personLinkData(person: DesiredPerson, fingerprint: EmailFingerprint): PersonLinkData {
  return { emailHash: fingerprint(person.email) };
}

/**
 * The fingerprint of the e-mail a person link holds. Links written by older versions hold the e-mail in clear
 * (`email`): it is fingerprinted here to compare the same way, and replaced by its fingerprint at the link's next
 * write (no migration: the store has no key to compute fingerprints with).
 */
export function linkEmailHash(link: Link, fingerprint: EmailFingerprint): string | undefined {
  const data = link.data as Partial<PersonLinkData> & { email?: unknown };
  if (typeof data.emailHash === 'string' && isEmailFingerprint(data.emailHash)) return data.emailHash;
  if (typeof data.email === 'string' && data.email !== '') return fingerprint(data.email);
  return undefined;
}

/**
 * The e-mails linked people hold on Edusign (as last written), normalised -> Aimaira id, as the rules take them: the
 * links keep fingerprints only, so the e-mails are those of this run's `people` whose fingerprint a link holds. An
 * e-mail that no one in the run has cannot be shared with anyone, so none is missed.
 */
export function linkedEmails(
  links: Iterable<Link>,
  people: Iterable<Pick<Person, 'email'>>,
  fingerprint: EmailFingerprint,
): Map<string, number> {
  const holders = new Map<string, number>();
  for (const link of links) {
    const hash = linkEmailHash(link, fingerprint);
    if (hash !== undefined) holders.set(hash, link.aimairaId);
  }
  const emails = new Map<string, number>();
  if (holders.size === 0) return emails;
  for (const person of people) {
    if (person.email.trim() === '') continue;
    const holder = holders.get(fingerprint(person.email));
    if (holder !== undefined) emails.set(normaliseEmail(person.email), holder);
  }
  return emails;
}

/** The learners to add to and remove from a roster so that it becomes `desired`. */
export function rosterDiff(current: Iterable<number>, desired: Iterable<number>): { add: number[]; remove: number[] } {
  const currentSet = new Set(current);
  const desiredSet = new Set(desired);
  return {
    add: [...desiredSet].filter((id) => !currentSet.has(id)).sort((a, b) => a - b),
    remove: [...currentSet].filter((id) => !desiredSet.has(id)).sort((a, b) => a - b),
  };
}

function planPeople(
  people: readonly DesiredPerson[],
  links: ReadonlyMap<number, Link>,
  matches: ReadonlyMap<number, EdusignMatch>,
): PersonOperation[] {
  const operations: PersonOperation[] = [];
  for (const person of people) {
    const hash = personHash(person);
    const link = links.get(person.aimairaId);
    if (link) {
      if (link.hash !== hash) operations.push({ op: 'update', person, edusignId: link.edusignId, hash });
      continue;
    }
    const match = matches.get(person.aimairaId);
    if (!match) operations.push({ op: 'create', person, hash });
    else if (match.foundBy === 'api-id') operations.push({ op: 'recover', person, edusignId: match.edusignId, hash });
    else if (match.apiId === '') {
      operations.push({ op: 'adopt', person, edusignId: match.edusignId, hash, restore: match.hidden });
    } else operations.push({ op: 'conflict', person, edusignId: match.edusignId, reason: 'EMAIL_TAKEN' });
  }
  return operations;
}

function planGroups(
  groups: readonly DesiredGroup[],
  links: ReadonlyMap<number, Link>,
  matches: ReadonlyMap<number, EdusignMatch>,
): GroupOperation[] {
  const operations: GroupOperation[] = [];
  for (const group of groups) {
    const hash = groupHash(group);
    const link = links.get(group.aimairaId);
    const match = matches.get(group.aimairaId);
    if (link) {
      if (link.hash !== hash) operations.push({ op: 'update', group, edusignId: link.edusignId, hash });
    } else if (match) operations.push({ op: 'recover', group, edusignId: match.edusignId, hash });
    else operations.push({ op: 'create', group, hash });
  }
  return operations;
}

/** Exclusions that mean the session itself left the window (as opposed to a data problem). */
const leftTheWindow: ReadonlySet<ReasonCode> = new Set(['CANCELLED', 'PAST', 'BEYOND_HORIZON']);

function planSheets(input: PlanInput): SheetOperation[] {
  const links = input.links.sheet;
  const operations: SheetOperation[] = [];
  const desiredIds = new Set<number>();
  // A targeted run touches the sheets of its sessions only, whatever else the evaluation may hold.
  const inScope = (aimairaId: number) => input.targets === undefined || input.targets.has(aimairaId);
  for (const sheet of input.evaluation.desired.sheets) {
    if (!inScope(sheet.aimairaId)) continue;
    desiredIds.add(sheet.aimairaId);
    const hash = sheetHash(sheet);
    const link = links.get(sheet.aimairaId);
    if (!link) {
      const match = input.matches.sheet.get(sheet.aimairaId);
      operations.push(
        match ? { op: 'recover', sheet, edusignId: match.edusignId, hash } : { op: 'create', sheet, hash },
      );
      continue;
    }
    if (link.hash === hash) continue;
    const written = readSheetLinkData(link);
    operations.push({
      op: 'update',
      sheet,
      edusignId: link.edusignId,
      hash,
      fieldsChanged:
        sheetFieldsHash({ ...written, defaultProfessorId: written.defaultProfessorId ?? undefined }) !==
        sheetFieldsHash(sheet),
      groupsChanged: stableJson(written.groupIds) !== stableJson(sheet.groupIds),
      previousLearnerIds: written.learnerIds,
    });
  }

  for (const [aimairaId, state] of [...input.absentSessions.entries()].sort(([a], [b]) => a - b)) {
    const link = links.get(aimairaId);
    if (!link || desiredIds.has(aimairaId) || !inScope(aimairaId)) continue;
    const written = readSheetLinkData(link);
    if (state.state === 'gone') {
      operations.push({ op: 'delete', aimairaId, edusignId: link.edusignId, reason: 'SESSION_GONE' });
      continue;
    }
    const { verdict } = state;
    const moved = verdict.session.start !== written.start;
    const cancelled = verdict.exclusions.includes('CANCELLED');
    if (cancelled || (moved && verdict.exclusions.some((reason) => leftTheWindow.has(reason)))) {
      operations.push({
        op: 'delete',
        aimairaId,
        edusignId: link.edusignId,
        reason: cancelled ? 'CANCELLED' : 'SESSION_GONE',
      });
    } else if (!verdict.exclusions.includes('PAST')) {
      // Excluded for a data problem (facilitator or learners no longer valid, options changed): keep what exists.
      operations.push({
        op: 'keep',
        aimairaId,
        edusignId: link.edusignId,
        reason: verdict.exclusions[0] ?? 'SESSION_GONE',
      });
    }
  }
  return operations;
}

/**
 * The plan. A targeted run (`targets`) plans the same way for its sessions' sheets and the people they need, with
 * one difference, for what a full run derives from every sheet of the window:
 * - groups: a group's members are the learners on every sheet of the window carrying it, which a partial view
 *   cannot tell (it would enrol a learner into sheets Aimaira does not list them on). No group is created or
 *   updated: the sheets carry the groups already on Edusign, their rosters are corrected learner by learner as in a
 *   full run, and a group not yet on Edusign is left to the next scheduled run (the sheet is saved without a hash,
 *   so that run completes it).
 * People are created, adopted, recovered or updated from their own records, read in full, as in a full run; they are
 * never shrunk or archived by any run. Sheets of other sessions are neither updated nor deleted (`planSheets`).
 */
export function planDown(input: PlanInput): DownPlan {
  const { desired, verdicts } = input.evaluation;
  const window = input.evaluation.window;
  const inWindow = (verdict: SessionVerdict) =>
    !verdict.exclusions.includes('PAST') && !verdict.exclusions.includes('BEYOND_HORIZON');
  const { tutorsUnavailable } = input.matches;
  const learners =
    tutorsUnavailable === undefined
      ? desired.learners
      : desired.learners.map((learner) => ({ ...learner, tutorIds: [] }));
  return {
    facilitators: planPeople(desired.facilitators, input.links.facilitator, input.matches.facilitator),
    tutors: tutorsUnavailable === undefined ? planPeople(desired.tutors, input.links.tutor, input.matches.tutor) : [],
    learners: planPeople(learners, input.links.learner, input.matches.learner),
    groups: input.targets === undefined ? planGroups(desired.groups, input.links.group, input.matches.group) : [],
    sheets: planSheets(input),
    skips: verdicts
      .filter((verdict) => !verdict.eligible && inWindow(verdict) && verdict.session.type !== 'other')
      .map((verdict) => ({
        aimairaId: verdict.session.aimairaId,
        name: verdict.session.name,
        reasons: verdict.exclusions,
      })),
    notes: verdicts.filter(
      (verdict) =>
        verdict.eligible &&
        (verdict.leftOut.length > 0 || verdict.warnings.length > 0) &&
        Date.parse(verdict.session.start) > Date.parse(window.start),
    ),
    ...(tutorsUnavailable !== undefined && { tutorsUnavailable }),
  };
}

/** The event action an operation ends as when applied: a dry run counts with the same words as a real run. */
const actionOf = {
  create: 'created',
  adopt: 'adopted',
  recover: 'recovered',
  update: 'updated',
  delete: 'deleted',
  keep: 'kept',
  conflict: 'error',
} as const satisfies Record<PersonOperation['op'] | GroupOperation['op'] | SheetOperation['op'], string>;

/** Operations by kind and action, counted as a real run would count them: `{ "sheet.created": 3, ... }`. */
export function countOperations(plan: DownPlan): Record<string, number> {
  const counts: Record<string, number> = {};
  const add = (key: string) => {
    counts[key] = (counts[key] ?? 0) + 1;
  };
  for (const [kind, operations] of [
    ['facilitator', plan.facilitators],
    ['tutor', plan.tutors],
    ['learner', plan.learners],
    ['group', plan.groups],
    ['sheet', plan.sheets],
  ] as const) {
    for (const operation of operations) add(`${kind}.${actionOf[operation.op]}`);
  }
  if (plan.skips.length > 0) counts['sheet.skipped'] = plan.skips.length;
  return counts;
}

export type { PersonKind };
