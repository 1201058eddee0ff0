/**
 * Before a create: does Edusign already have the record? For each desired record without a link, look for one
 * carrying our `API_ID` (a record this connector created, whose link a crash lost) and, for learners and
 * facilitators, one with the same e-mail (made by hand, to adopt rather than duplicate).
 *
 * Every Edusign request counts against the tenant's 480 a minute, so the cheaper way is chosen per kind: a look-up
 * per record when few are missing, one pass over the paged list when many are (a first sync).
 */
import type { EdusignClient } from '../../edusign/client.js';
import { collectPages, edusignCourseListMaxDays, edusignPageSizes } from '../../edusign/client.js';
import { apiIdOf } from '../../edusign/mapping.js';
import type { RecordKind } from '../../domain/types.js';
import type { EdusignMatch } from './plan.js';
import { normaliseEmail } from './rules.js';
import type { DesiredGroup, DesiredPerson, DesiredSheet, SyncWindow } from './rules.js';

export interface LookupRequest {
  /** Desired records that have no link, by kind. */
  facilitators: readonly DesiredPerson[];
  tutors: readonly DesiredPerson[];
  learners: readonly DesiredPerson[];
  groups: readonly DesiredGroup[];
  sheets: readonly DesiredSheet[];
  /** How many links of each kind the tenant has: an estimate of the size of Edusign's lists. */
  linkCounts: Readonly<Record<RecordKind, number>>;
  window: SyncWindow;
}

export type Matches = Record<RecordKind, Map<number, EdusignMatch>>;

interface ListedRecord {
  ID: string;
  API_ID?: string | undefined;
  EMAIL?: string | undefined;
  HIDDEN: boolean;
}

/** Reads per record (API_ID, then e-mail) against pages of the whole list: list when it is cheaper. */
function listIsCheaper(missing: number, readsPerRecord: number, linked: number, pageSize: number): boolean {
  const estimatedPages = Math.ceil((linked + missing) / pageSize) + 1;
  return missing * readsPerRecord > estimatedPages;
}

function indexListed(records: readonly ListedRecord[]) {
  const byApiId = new Map<string, ListedRecord>();
  const byEmail = new Map<string, ListedRecord>();
  // Active records win over archived ones; among equals, the first listed (the oldest) wins.
  const ordered = [...records].sort((a, b) => Number(a.HIDDEN) - Number(b.HIDDEN));
  for (const record of ordered) {
    if (record.API_ID && !byApiId.has(record.API_ID)) byApiId.set(record.API_ID, record);
    const email = record.EMAIL ? normaliseEmail(record.EMAIL) : '';
    if (email && !byEmail.has(email)) byEmail.set(email, record);
  }
  return { byApiId, byEmail };
}

function matchOf(record: ListedRecord, foundBy: EdusignMatch['foundBy'], ownApiId: string): EdusignMatch {
  // A record found by e-mail that carries our own API_ID is ours: treat it as found by API_ID.
  const apiId = record.API_ID ?? '';
  return { edusignId: record.ID, foundBy: apiId === ownApiId ? 'api-id' : foundBy, apiId, hidden: record.HIDDEN };
}

/** What students and professors have in common for a look-up. */
interface PersonResource {
  getIdByApiId(apiId: string): Promise<string | undefined>;
  getByEmail(email: string): Promise<ListedRecord | undefined>;
  get(id: string): Promise<ListedRecord | undefined>;
  list(): AsyncIterable<readonly ListedRecord[]>;
}

async function findPeople(
  resource: PersonResource,
  people: readonly DesiredPerson[],
  linked: number,
): Promise<Map<number, EdusignMatch>> {
  const matches = new Map<number, EdusignMatch>();
  if (people.length === 0) return matches;
  if (listIsCheaper(people.length, 2, linked, edusignPageSizes.students)) {
    const { byApiId, byEmail } = indexListed(await collectPages(resource.list()));
    for (const person of people) {
      const apiId = apiIdOf(person.aimairaId);
      const found = byApiId.get(apiId);
      if (found) matches.set(person.aimairaId, matchOf(found, 'api-id', apiId));
      else {
        const sameEmail = byEmail.get(person.email);
        if (sameEmail) matches.set(person.aimairaId, matchOf(sameEmail, 'email', apiId));
      }
    }
    return matches;
  }
  for (const person of people) {
    const apiId = apiIdOf(person.aimairaId);
    const id = await resource.getIdByApiId(apiId);
    if (id !== undefined) {
      const record = await resource.get(id);
      matches.set(person.aimairaId, { edusignId: id, foundBy: 'api-id', apiId, hidden: record?.HIDDEN ?? false });
      continue;
    }
    const sameEmail = await resource.getByEmail(person.email);
    if (sameEmail) matches.set(person.aimairaId, matchOf(sameEmail, 'email', apiId));
  }
  return matches;
}

const dayMs = 24 * 60 * 60 * 1000;
const utcDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/**
 * The `start`..`end` date ranges that list every course of the window. Edusign compares these dates with the UTC
 * date of a course's START (a session at 00:30 in Paris is listed under the day before), so the ranges are in UTC
 * dates, starting a day early for safety; a window longer than the list's 90-day limit (horizonDays near 90) is
 * split.
 */
export function courseListRanges(window: SyncWindow): { start: string; end: string }[] {
  const first = Date.parse(`${utcDate(Date.parse(window.start))}T00:00:00Z`) - dayMs;
  const last = Date.parse(`${utcDate(Date.parse(window.end))}T00:00:00Z`);
  const ranges: { start: string; end: string }[] = [];
  for (let from = first; from <= last; from += (edusignCourseListMaxDays + 1) * dayMs) {
    ranges.push({ start: utcDate(from), end: utcDate(Math.min(last, from + edusignCourseListMaxDays * dayMs)) });
  }
  return ranges;
}

export async function findExistingRecords(edusign: EdusignClient, request: LookupRequest): Promise<Matches> {
  const matches: Matches = {
    facilitator: await findPeople(edusign.professors, request.facilitators, request.linkCounts.facilitator),
    learner: await findPeople(edusign.students, request.learners, request.linkCounts.learner),
    tutor: new Map(),
    group: new Map(),
    sheet: new Map(),
    // Attendance records are the upward sync's; the downward sync never looks them up.
    attendance: new Map(),
  };

  // Tutors: Edusign has no list or e-mail look-up for followers, only API_ID.
  for (const tutor of request.tutors) {
    const id = await edusign.followers.getIdByApiId(apiIdOf(tutor.aimairaId));
    if (id !== undefined) {
      matches.tutor.set(tutor.aimairaId, {
        edusignId: id,
        foundBy: 'api-id',
        apiId: apiIdOf(tutor.aimairaId),
        hidden: false,
      });
    }
  }

  // Groups: v1 has no get-id for groups, so one pass over the list serves them all.
  if (request.groups.length > 0) {
    const { byApiId } = indexListed(await collectPages(edusign.groups.list()));
    for (const group of request.groups) {
      const found = byApiId.get(apiIdOf(group.aimairaId));
      if (found) matches.group.set(group.aimairaId, matchOf(found, 'api-id', apiIdOf(group.aimairaId)));
    }
  }

  if (request.sheets.length > 0) {
    if (listIsCheaper(request.sheets.length, 1, request.linkCounts.sheet, edusignPageSizes.courses)) {
      const pages = await Promise.all(
        courseListRanges(request.window).map((range) => collectPages(edusign.courses.list(range))),
      );
      const courses = pages.flat();
      const byApiId = new Map<string, string>();
      for (const course of courses) {
        if (course.API_ID && !byApiId.has(course.API_ID)) byApiId.set(course.API_ID, course.ID);
      }
      for (const sheet of request.sheets) {
        const id = byApiId.get(apiIdOf(sheet.aimairaId));
        if (id) {
          matches.sheet.set(sheet.aimairaId, {
            edusignId: id,
            foundBy: 'api-id',
            apiId: apiIdOf(sheet.aimairaId),
            hidden: false,
          });
        }
      }
    } else {
      for (const sheet of request.sheets) {
        const id = await edusign.courses.getIdByApiId(apiIdOf(sheet.aimairaId));
        if (id) {
          matches.sheet.set(sheet.aimairaId, {
            edusignId: id,
            foundBy: 'api-id',
            apiId: apiIdOf(sheet.aimairaId),
            hidden: false,
          });
        }
      }
    }
  }
  return matches;
}
