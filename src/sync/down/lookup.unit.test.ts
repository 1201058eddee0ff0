import { describe, expect, it, vi } from 'vitest';

import { createEdusignClient } from '../../edusign/client.js';
import type { EdusignClient } from '../../edusign/client.js';
import { courseListRanges, findExistingRecords } from './lookup.js';
import type { LookupRequest } from './lookup.js';
import { syncWindow } from './rules.js';
import type { DesiredPerson } from './rules.js';

describe('the course list ranges of a window', () => {
  it('start the UTC day before the sync instant, so a session just after Paris midnight is listed', () => {
    // Tuesday 1 December 2026, 00:10 in Paris; Edusign lists a course under the UTC date of its START.
    expect(courseListRanges(syncWindow(new Date('2026-11-30T23:10:00Z'), 14))).toEqual([
      { start: '2026-11-29', end: '2026-12-15' },
    ]);
  });

  it('split a 90-day horizon into spans of at most 90 days', () => {
    const ranges = courseListRanges(syncWindow(new Date('2026-11-30T10:30:00Z'), 90));
    expect(ranges).toEqual([
      { start: '2026-11-29', end: '2027-02-27' },
      { start: '2027-02-28', end: '2027-02-28' },
    ]);
    for (const { start, end } of ranges) {
      expect((Date.parse(end) - Date.parse(start)) / 86_400_000).toBeLessThanOrEqual(90);
    }
  });
});

/** A fetch that answers Edusign routes from a table (`METHOD /path?query` -> result) and records what it was sent. */
function routedFetch(routes: Record<string, unknown>) {
  const sent: string[] = [];
  const fetchImpl: typeof fetch = (input, init) => {
    const url = new URL(input instanceof URL ? input.href : typeof input === 'string' ? input : input.url);
    const key = `${init?.method ?? 'GET'} ${url.pathname}${url.search}`;
    sent.push(key);
    if (!(key in routes)) {
      return Promise.resolve(
        new Response(`<!DOCTYPE html><html><body><pre>Cannot GET ${url.pathname}</pre></body></html>`, {
          status: 404,
          headers: { 'content-type': 'text/html' },
        }),
      );
    }
    const body = JSON.stringify({ status: 'success', result: routes[key] });
    return Promise.resolve(new Response(body, { status: 200, headers: { 'content-type': 'application/json' } }));
  };
  return { fetchImpl, sent };
}

const noLinks = { facilitator: 0, tutor: 0, learner: 0, group: 0, sheet: 0, attendance: 0 };
const window = syncWindow(new Date('2026-11-30T10:30:00Z'), 14);
const person = (aimairaId: number, email: string): DesiredPerson => ({
  kind: 'facilitator',
  aimairaId,
  firstName: 'P',
  lastName: 'Q',
  email,
  tutorIds: [],
});
const request = (fields: Partial<LookupRequest>): LookupRequest => ({
  facilitators: [],
  tutors: [],
  learners: [],
  groups: [],
  sheets: [],
  linkCounts: noLinks,
  window,
  ...fields,
});

describe('the Edusign look-ups', () => {
  it("read whether a record is archived with the client's isArchived, whichever way they look", async () => {
    const professors = [
      { ID: 'p1', EMAIL: 'a@x.org', HIDDEN: ['school-a'] },
      { ID: 'p2', EMAIL: 'b@x.org', HIDDEN: ['school-b'] },
      { ID: 'p3', EMAIL: 'c@x.org', HIDDEN: [] },
    ];
    const { fetchImpl } = routedFetch({
      'GET /v1/professor?page=0': professors,
      'GET /v1/professor?page=1': [],
      'GET /v1/professor/get-id/2': null,
      'GET /v1/professor/by-email/b%40x.org': professors[1],
    });
    const client = createEdusignClient({ apiKey: 'k', fetch: fetchImpl });
    // The client is the one reader of HIDDEN: here it says p2 is archived, and nothing asks for the school's id.
    const isArchived = vi.fn((record: { HIDDEN: unknown }) =>
      Promise.resolve(JSON.stringify(record.HIDDEN) === '["school-b"]'),
    );
    const edusign: EdusignClient = {
      ...client,
      schoolId: () => Promise.reject(new Error('the look-ups must not read the school id themselves')),
      isArchived,
    };
    // Many facilitators: one pass over the list.
    const many = [1, 2, 3, 4, 5].map((id) => person(id, ['a', 'b', 'c', 'd', 'e'][id - 1] + '@x.org'));
    const listed = await findExistingRecords(edusign, request({ facilitators: many }));
    expect([...listed.facilitator.values()].map(({ edusignId, hidden }) => ({ edusignId, hidden }))).toEqual([
      { edusignId: 'p1', hidden: false },
      { edusignId: 'p2', hidden: true },
      { edusignId: 'p3', hidden: false },
    ]);
    // One facilitator: looked up by e-mail.
    const one = await findExistingRecords(edusign, request({ facilitators: [person(2, 'b@x.org')] }));
    expect(one.facilitator.get(2)).toMatchObject({ edusignId: 'p2', foundBy: 'email', hidden: true });
    expect(isArchived).toHaveBeenCalled();
  });

  it('read the group list once when the server has no group get-id route', async () => {
    const { fetchImpl, sent } = routedFetch({
      'GET /v1/group?page=0': [
        { ID: 'g1', NAME: 'A', API_ID: '11', HIDDEN: 0 },
        { ID: 'g2', NAME: 'B', API_ID: '12', HIDDEN: 0 },
      ],
      'GET /v1/group?page=1': [],
    });
    const edusign = createEdusignClient({ apiKey: 'k', fetch: fetchImpl });
    // Two groups to find among many linked: get-id one by one is the cheaper way, on a server that has it.
    const groups = [11, 12].map((aimairaId) => ({ aimairaId, name: 'G', memberIds: [] }));
    const found = await findExistingRecords(edusign, request({ groups, linkCounts: { ...noLinks, group: 150 } }));
    expect([...found.group.values()].map((match) => match.edusignId)).toEqual(['g1', 'g2']);
    expect(sent).toEqual(['GET /v1/group/get-id/11', 'GET /v1/group?page=0', 'GET /v1/group?page=1']);
    expect(edusign.groups.getIdRouteMissing()).toBe(true);
  });
});
