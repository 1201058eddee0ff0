/**
 * The client against the simulator in both of its profiles, one block per point where Edusign's public clients
 * show more than one behaviour: what archived means for a facilitator, not-found, learner pages, restoring a
 * learner, the group look-up, externals (tutors), ids, and early departure.
 */
import { describe, expect, it, onTestFinished } from 'vitest';

import { anotherSchoolId, startEdusignSimulator } from '../../sim/edusign/server.js';
import type { EdusignSimulator, EdusignSimulatorOptions } from '../../sim/edusign/server.js';
import type { SimProfile } from '../../sim/shared/profile.js';
import { createManualClock } from '../clock.js';
import { collectPages, createEdusignClient } from './client.js';
import type { EdusignClient } from './client.js';
import { isRouteMissing } from './errors.js';
import { isArchived } from './schemas.js';

const apiKey = 'school-key-1';
const T0 = Date.parse('2026-01-05T08:00:00Z');

async function setup(
  profile: SimProfile,
  options: Partial<EdusignSimulatorOptions> = {},
): Promise<{ sim: EdusignSimulator; client: EdusignClient }> {
  const clock = createManualClock(T0);
  const sim = await startEdusignSimulator({
    schools: [{ apiKey }],
    profile,
    now: () => new Date(clock.now()),
    ...options,
  });
  onTestFinished(() => sim.close());
  const client = createEdusignClient({ baseUrl: sim.url, apiKey, clock, random: () => 0.5, timeoutMs: 5_000 });
  return { sim, client };
}

const person = (n: number) => ({ FIRSTNAME: `P${n}`, LASTNAME: 'Martin', EMAIL: `p${n}@example.org` });
const requests = (sim: EdusignSimulator, method: string, path: string) =>
  sim.requests.filter((r) => r.method === method && r.path === path);

describe.each(['default', 'harsh'] as const)('the client against the %s simulator', (profile) => {
  it("reads a facilitator as archived only when HIDDEN lists this school (the school's id read once)", async () => {
    const { sim, client } = await setup(profile);
    const web = sim.school(apiKey);
    const here = web.createProfessor(person(1));
    web.archiveProfessor(here.ID);
    const elsewhere = web.createProfessor(person(2));
    web.archiveProfessorElsewhere(elsewhere.ID);
    const active = web.createProfessor(person(3));

    expect(await client.schoolId()).toBe(web.id);
    const read = await client.professors.get(elsewhere.ID);
    expect(read?.HIDDEN).toEqual([anotherSchoolId]);
    expect(await client.isArchived(read!)).toBe(false);
    expect(await client.isArchived((await client.professors.get(here.ID))!)).toBe(true);
    expect(await client.isArchived((await client.professors.get(active.ID))!)).toBe(false);
    // Without the school's id, the safe reading: archived somewhere.
    expect(isArchived(read!, undefined)).toBe(true);
    expect(requests(sim, 'GET', '/v1/school')).toHaveLength(1);

    // Learners keep a 0/1 flag.
    const learner = await client.students.create({ ...person(4), API_ID: 'APP-4' });
    await client.students.archive(learner.id);
    expect((await client.students.get(learner.id))?.HIDDEN).toBe(true);

    // The harsh school holds one more professor, archived in another school only.
    const listed = await collectPages(client.professors.list());
    const archivedHere = await Promise.all(listed.map((p) => client.isArchived(p)));
    expect(archivedHere.filter(Boolean)).toHaveLength(1);
    // HIDDEN lists schools for the two archived somewhere (three with the harsh seed); [] reads as false.
    expect(listed.filter((p) => Array.isArray(p.HIDDEN))).toHaveLength(profile === 'harsh' ? 3 : 2);
  });

  it('answers undefined for every look-up that finds nothing, business error or empty success', async () => {
    const { sim, client } = await setup(profile);
    expect(await client.students.get('nope')).toBeUndefined();
    expect(await client.students.getByEmail('nobody@example.org')).toBeUndefined();
    expect(await client.students.getIdByApiId('APP-404')).toBeUndefined();
    expect(await client.professors.get('nope')).toBeUndefined();
    expect(await client.professors.getByEmail('nobody@example.org')).toBeUndefined();
    expect(await client.professors.getIdByApiId('ENS-404')).toBeUndefined();
    expect(await client.groups.get('nope')).toBeUndefined();
    expect(await client.groups.getIdByApiId('GRP-404')).toBeUndefined();
    expect(await client.courses.get('nope')).toBeUndefined();
    expect(await client.courses.getIdByApiId('PLA-404')).toBeUndefined();
    expect(await client.externals.get('nope')).toBeUndefined();
    expect(await client.externals.getByEmail('nobody@example.org')).toBeUndefined();
    expect(await client.externals.getIdByApiId('PRO-404')).toBeUndefined();
    const answer = await client.inspect('/v1/student/nope');
    expect(answer.kind).toBe(profile === 'harsh' ? 'success' : 'business-error');
    // A write about what does not exist stays an error.
    await expect(client.courses.delete('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // Only the harsh server's missing group get-id route answered anything but 200.
    expect(sim.requests.filter((r) => r.status !== 200).map((r) => `${r.path} ${r.status}`)).toEqual(
      profile === 'harsh' ? ['/v1/group/get-id/GRP-404 404'] : [],
    );
  });

  it('reads every learner once with limit=100, past pages the server made shorter, until an empty page', async () => {
    const { sim, client } = await setup(profile);
    const web = sim.school(apiKey);
    for (let n = 0; n < 130; n++) web.createStudent(person(n));
    const sizes: number[] = [];
    for await (const page of client.students.list()) sizes.push(page.length);
    expect(sizes).toEqual(profile === 'harsh' ? [50, 50, 30] : [100, 30]);
    const all = await collectPages(client.students.list());
    expect(new Set(all.map((s) => s.ID)).size).toBe(130);
    const searches = requests(sim, 'GET', '/v1/student').map((r) => new URLSearchParams(r.search));
    expect(searches.every((query) => query.get('limit') === '100')).toBe(true);
    expect(searches).toHaveLength(2 * (sizes.length + 1));
  });

  it('restores an archived learner through GET /v1/student/restore/:id, then updates it', async () => {
    const { sim, client } = await setup(profile);
    const learner = await client.students.create({ ...person(1), API_ID: 'APP-1' });
    await client.students.archive(learner.id);
    await client.students.restore(learner.id);
    await client.students.update({ ID: learner.id, FIRSTNAME: 'P1', LASTNAME: 'Bernard' });
    expect(await client.students.get(learner.id)).toMatchObject({ HIDDEN: false, LASTNAME: 'Bernard' });
    expect(requests(sim, 'GET', `/v1/student/restore/${learner.id}`)).toHaveLength(1);
  });

  it(`looks groups up by API_ID ${profile === 'harsh' ? 'through the list (no get-id route)' : 'with get-id'}`, async () => {
    const { sim, client } = await setup(profile);
    const active = await client.groups.create({ NAME: 'BTS 1', API_ID: 'GRP-1' });
    const other = await client.groups.create({ NAME: 'BTS 2', API_ID: 'GRP-2' });
    sim.requests.length = 0;
    expect(await client.groups.getIdByApiId('GRP-1')).toBe(active.id);
    expect(await client.groups.getIdByApiId('GRP-2')).toBe(other.id);
    expect(client.groups.getIdRouteMissing()).toBe(profile === 'harsh');
    const getIds = sim.requests.filter((r) => r.path.startsWith('/v1/group/get-id/'));
    // Harsh: the route is tried once, answers an HTML 404, and is not asked again by this client.
    expect(getIds.map((r) => r.status)).toEqual(profile === 'harsh' ? [404] : [200, 200]);
    expect(requests(sim, 'GET', '/v1/group').length > 0).toBe(profile === 'harsh');
  });

  it('writes tutors as externals, finds them by e-mail and API_ID, and links them to a learner', async () => {
    const { client } = await setup(profile);
    const tutor = await client.externals.create({ ...person(9), API_ID: 'PRO-9', COMPANY: 'ACME' });
    expect((await client.externals.getByEmail('P9@example.org'))?.ID).toBe(tutor.id);
    expect(await client.externals.getIdByApiId('PRO-9')).toBe(tutor.id);
    await client.externals.update({ ID: tutor.id, LASTNAME: 'Maître' });
    expect(await client.externals.get(tutor.id)).toMatchObject({ LASTNAME: 'Maître', COMPANY: 'ACME', HIDDEN: false });
    const learner = await client.students.create({ ...person(1), STUDENT_FOLLOWER_ID: [tutor.id] });
    expect((await client.students.get(learner.id))?.STUDENT_FOLLOWER_ID).toEqual([tutor.id]);
    await expect(client.externals.create({ ...person(9), API_ID: 'PRO-10' })).rejects.toMatchObject({
      code: 'EXTERNAL_EXISTS',
    });
  });

  it('tells a server without externals by its HTML 404', async () => {
    const { client } = await setup(profile, { externals: false });
    const error = await client.externals.getByEmail('probe@invalid.example').catch((e: unknown) => e);
    expect(isRouteMissing(error)).toBe(true);
    expect(await client.inspect('/v1/externals/by-email/x%40invalid.example')).toEqual({
      kind: 'not-envelope',
      status: 404,
    });
  });

  it('gets records with both ID and id, and reads early departure only when the row has one', async () => {
    const { sim, client } = await setup(profile);
    const professor = await client.professors.create({ ...person(1), API_ID: 'ENS-1' });
    const a = await client.students.create({ ...person(2), API_ID: 'APP-2' });
    const b = await client.students.create({ ...person(3), API_ID: 'APP-3' });
    const sheet = await client.courses.create({
      NAME: 'Algèbre',
      START: '2026-01-05T09:00:00Z',
      END: '2026-01-05T11:00:00Z',
      PROFESSOR: professor.id,
      NEED_STUDENTS_SIGNATURE: true,
      API_ID: 'PLA-1',
    });
    await client.courses.addStudent(sheet.id, a.id);
    await client.courses.addStudent(sheet.id, b.id);
    sim.school(apiKey).setEarlyDeparture(sheet.id, a.id, '2026-01-05T10:30:00Z');

    const raw = await client.inspect(`/v1/course/${sheet.id}`);
    expect(raw.kind === 'success' && raw.result).toMatchObject({ ID: sheet.id, id: sheet.id });
    const rawRows = raw.kind === 'success' ? (raw.result as { STUDENTS: object[] }).STUDENTS : [];
    expect(rawRows.map((row) => 'earlyDeparture' in row)).toEqual([true, false]);

    const course = await client.courses.get(sheet.id);
    expect(course?.ID).toBe(sheet.id);
    expect(course?.STUDENTS.map((row) => row.earlyDeparture)).toEqual(['2026-01-05T10:30:00.000Z', undefined]);
  });
});
