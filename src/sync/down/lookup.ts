/**
 * Before a create: does Edusign already have the record? For each desired record without a link, look for one
 * carrying our `API_ID` (a record this connector created, whose link a crash lost) and, for learners, facilitators
 * and tutors, one with the same e-mail (made by hand, to adopt rather than duplicate).
 *
 * Every Edusign request counts against the tenant's 480 a minute, so the cheaper way is chosen per kind: a look-up
 * per record when few are missing, one pass over the paged list when many are (a first sync). Whether a record is
 * archived is read with the client's `isArchived` (a facilitator's HIDDEN lists schools, so the client reads this
 * school's id once, when needed). Tutors are an option: a server without the externals routes leaves them out of
 * the run, it does not stop it.
 */
import type { EdusignClient } from '../../edusign/client.js';
import { collectPages, edusignCourseListMaxDays, edusignPageSizes } from '../../edusign/client.js';
import { isRouteMissing } from '../../edusign/errors.js';
import { apiIdOf } from '../../edusign/mapping.js';
import type { EdusignHidden } from '../../edusign/schemas.js';
import type { RecordKind } from '../../domain/types.js';
import type { EdusignMatch, LookupMatches } from './plan.js';
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

/** The matches, and whether tutors are left out of the run (the server has no externals routes). */
export type LookupResult = Matches & Pick<LookupMatches, 'tutorsUnavailable'>;

/** What a look-up needs of an Edusign record. */
interface ListedRecord {
  ID: string;
  API_ID?: string | undefined;
  EMAIL?: string | undefined;
  /** As Edusign sent it: read it with `isArchived`. */
  HIDDEN: EdusignHidden;
}

/** A listed record with its HIDDEN read: whether it is archived in this school. */
interface SeenRecord {
  ID: string;
  API_ID?: string | undefined;
  EMAIL?: string | undefined;
  archived: boolean;
}

/** A listed record with whether it is archived here, as the client reads it. */
async function seen(edusign: EdusignClient, record: ListedRecord): Promise<SeenRecord> {
  return { ID: record.ID, API_ID: record.API_ID, EMAIL: record.EMAIL, archived: await edusign.isArchived(record) };
}

/** `seen` for each record of a list, in order (the client reads the school's id once, if a record needs it). */
async function seenAll(edusign: EdusignClient, records: readonly ListedRecord[]): Promise<SeenRecord[]> {
  const all: SeenRecord[] = [];
  for (const record of records) all.push(await seen(edusign, record));
  return all;
}

/** Reads per record (API_ID, then e-mail) against pages of the whole list: list when it is cheaper. */
function listIsCheaper(missing: number, readsPerRecord: number, linked: number, pageSize: number): boolean {
  const estimatedPages = Math.ceil((linked + missing) / pageSize) + 1;
  return missing * readsPerRecord > estimatedPages;
}

function indexListed(records: readonly SeenRecord[]) {
  const byApiId = new Map<string, SeenRecord>();
  const byEmail = new Map<string, SeenRecord>();
  // Active records win over archived ones; among equals, the first listed (the oldest) wins.
  const ordered = [...records].sort((a, b) => Number(a.archived) - Number(b.archived));
  for (const record of ordered) {
    if (record.API_ID && !byApiId.has(record.API_ID)) byApiId.set(record.API_ID, record);
    const email = record.EMAIL ? normaliseEmail(record.EMAIL) : '';
    if (email && !byEmail.has(email)) byEmail.set(email, record);
  }
  return { byApiId, byEmail };
}

function matchOf(record: SeenRecord, foundBy: EdusignMatch['foundBy'], ownApiId: string): EdusignMatch {
  // A record found by e-mail that carries our own API_ID is ours: treat it as found by API_ID.
  const apiId = record.API_ID ?? '';
  return { edusignId: record.ID, foundBy: apiId === ownApiId ? 'api-id' : foundBy, apiId, hidden: record.archived };
}

/** What students and professors have in common for a look-up. */
interface PersonResource {
  getIdByApiId(apiId: string): Promise<string | undefined>;
  getByEmail(email: string): Promise<ListedRecord | undefined>;
  get(id: string): Promise<ListedRecord | undefined>;
  list(): AsyncIterable<readonly ListedRecord[]>;
}

async function findPeople(
  edusign: EdusignClient,
  resource: PersonResource,
  people: readonly DesiredPerson[],
  linked: number,
): Promise<Map<number, EdusignMatch>> {
  const matches = new Map<number, EdusignMatch>();
  if (people.length === 0) return matches;
  if (listIsCheaper(people.length, 2, linked, edusignPageSizes.students)) {
    const { byApiId, byEmail } = indexListed(await seenAll(edusign, await collectPages(resource.list())));
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
      const archived = record ? await edusign.isArchived(record) : false;
      matches.set(person.aimairaId, { edusignId: id, foundBy: 'api-id', apiId, hidden: archived });
      continue;
    }
    const sameEmail = await resource.getByEmail(person.email);
    if (sameEmail) matches.set(person.aimairaId, matchOf(await seen(edusign, sameEmail), 'email', apiId));
  }
  return matches;
}

/** Why tutors are left out when the externals routes are missing (no personal data: shown in events). */
export const tutorsUnavailableMessage =
  'Edusign answered the externals look-up with a page that is not its API (an HTML or plain 404): this server has no externals routes, so tutors are left out of this run';

/**
 * Tutors are Edusign externals: looked up by e-mail first (the route public clients use), then by API_ID. A
 * server without the externals routes leaves tutors out of the run (`unavailable`); one without only the
 * API_ID look-up finds tutors by e-mail alone.
 */
async function findTutors(
  edusign: EdusignClient,
  tutors: readonly DesiredPerson[],
): Promise<{ matches: Map<number, EdusignMatch>; unavailable?: string }> {
  const matches = new Map<number, EdusignMatch>();
  let apiIdRoute = true;
  for (const tutor of tutors) {
    const apiId = apiIdOf(tutor.aimairaId);
    let sameEmail;
    try {
      sameEmail = await edusign.externals.getByEmail(tutor.email);
    } catch (error) {
      if (isRouteMissing(error)) return { matches: new Map(), unavailable: tutorsUnavailableMessage };
      throw error;
    }
    if (sameEmail) {
      matches.set(tutor.aimairaId, matchOf(await seen(edusign, sameEmail), 'email', apiId));
      continue;
    }
    if (!apiIdRoute) continue;
    try {
      const id = await edusign.externals.getIdByApiId(apiId);
      if (id !== undefined) matches.set(tutor.aimairaId, { edusignId: id, foundBy: 'api-id', apiId, hidden: false });
    } catch (error) {
      if (!isRouteMissing(error)) throw error;
      apiIdRoute = false;
    }
  }
  return { matches };
}

/**
 * Groups by API_ID: `get-id` per group when that is cheaper and the server has it, else one pass over the list.
 * The list is read at most once: `get-id` is asked without the client's own list fallback, so a server without
 * that route answers one 404 (remembered by the client) and this reads the list once for every group, rather than
 * the client reading it for the first group and this again for the others. (Letting the client keep the list it
 * read would do too, but a kept list goes stale: a group created later in the run would not be in it, and the
 * client's look-up after an ambiguous create must see it, or the group is created twice.)
 */
async function findGroups(
  edusign: EdusignClient,
  groups: readonly DesiredGroup[],
  linked: number,
): Promise<Map<number, EdusignMatch>> {
  const matches = new Map<number, EdusignMatch>();
  const perGroup = !listIsCheaper(groups.length, 1, linked, edusignPageSizes.groups);
  let listed: ReturnType<typeof indexListed> | undefined;
  for (const group of groups) {
    const apiId = apiIdOf(group.aimairaId);
    if (perGroup && !edusign.groups.getIdRouteMissing()) {
      try {
        const id = await edusign.groups.getIdByApiId(apiId, { listFallback: false });
        if (id !== undefined) matches.set(group.aimairaId, { edusignId: id, foundBy: 'api-id', apiId, hidden: false });
        continue;
      } catch (error) {
        // No get-id route: this group and the next ones are found in the list, read below once.
        if (!isRouteMissing(error)) throw error;
      }
    }
    listed ??= indexListed(await seenAll(edusign, await collectPages(edusign.groups.list())));
    const found = listed.byApiId.get(apiId);
    if (found) matches.set(group.aimairaId, matchOf(found, 'api-id', apiId));
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

export async function findExistingRecords(edusign: EdusignClient, request: LookupRequest): Promise<LookupResult> {
  const facilitator = await findPeople(
    edusign,
    edusign.professors,
    request.facilitators,
    request.linkCounts.facilitator,
  );
  const learner = await findPeople(edusign, edusign.students, request.learners, request.linkCounts.learner);
  const tutors = await findTutors(edusign, request.tutors);
  const group =
    request.groups.length > 0
      ? await findGroups(edusign, request.groups, request.linkCounts.group)
      : new Map<number, EdusignMatch>();
  const matches: LookupResult = {
    facilitator,
    learner,
    tutor: tutors.matches,
    group,
    sheet: new Map(),
    // Attendance records are the upward sync's; the downward sync never looks them up.
    attendance: new Map(),
    ...(tutors.unavailable !== undefined && { tutorsUnavailable: tutors.unavailable }),
  };

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
