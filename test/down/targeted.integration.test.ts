/**
 * Targeted downward runs (webhooks): after a full run, a run for a few sessions reads those sessions only, judges
 * them by every rule of a full run, and writes their sheets and the people those sheets need, nothing else. The next
 * full run then finds nothing left to do for them.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { TenantOptions } from '../../src/config/config.js';
import { createTenantClients } from '../../src/sync/clients.js';
import { runDown, targetedSessionsCount } from '../../src/sync/down/run.js';
import type { DownRunResult } from '../../src/sync/down/run.js';
import {
  addSessionRow,
  courseOf,
  createSkippingClock,
  edusignStateByApiId,
  expectQuietRun,
  insertSession,
  sessionRowsOfType,
  startDownHarness,
  studentOf,
  tenantFor,
} from '../helpers.js';
import type { DownHarness, EdusignStateByApiId } from '../helpers.js';

// Monday 30 November 2026, 11:30 in Paris.
const now = new Date('2026-11-30T10:30:00Z');
const hour = 3_600_000;
const day = 24 * hour;

describe('a targeted downward run', () => {
  let harness: DownHarness;
  let before: EdusignStateByApiId;
  let sheetIds: number[];
  let fullRunRequests: number;

  beforeEach(async () => {
    harness = await startDownHarness({ size: 'small', seed: 1, now });
    harness.resetRequests();
    const first = await harness.sync();
    expect(first.status).toBe('success');
    fullRunRequests = harness.sandbox.aimaira.requests.length;
    before = edusignStateByApiId(harness.school);
    sheetIds = Object.keys(before.courses).map(Number);
    harness.resetRequests();
  });
  afterEach(() => harness.close());

  /** A targeted run of these sessions, at the scenario's instant (or `at`), with the tenant's options or these. */
  const targeted = async (
    sessionIds: number[],
    overrides: { at?: Date; options?: Partial<TenantOptions> } = {},
  ): Promise<DownRunResult> => {
    const tenant = overrides.options
      ? tenantFor(harness.sandbox, { ...harness.tenant.options, ...overrides.options })
      : harness.tenant;
    const clock = createSkippingClock();
    const result = await runDown({
      tenant,
      ...createTenantClients(tenant, { clock }),
      store: harness.store,
      clock,
      now: overrides.at ?? now,
      dryRun: false,
      only: { sessionIds },
    });
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('success');
    expect(result.counts[targetedSessionsCount]).toBe(sessionIds.length);
    return result;
  };

  /** A sheet whose facilitators, groups and roster fit what a test needs. */
  const sheetWhere = (test: (course: EdusignStateByApiId['courses'][string]) => boolean, except: number[] = []) => {
    const id = sheetIds.find((candidate) => !except.includes(candidate) && test(before.courses[String(candidate)]!));
    expect(id).toBeDefined();
    return id!;
  };

  /** Whether another sheet of the window carries the group too (so a learner on one sheet only is no member). */
  const groupOnSeveralSheets = (groupId: string) =>
    Object.values(before.courses).filter((course) => course.groups.includes(groupId)).length > 1;

  const changeRoom = (sessionId: number, room: string) => {
    const [row] = sessionRowsOfType(harness.sandbox, sessionId, 'SALLE');
    harness.sandbox.aimaira.store.patch('PlanificationRessource', Number(row!['Id']), { Nom: room });
  };

  /** A valid learner of the scenario who is on no sheet yet. */
  const newLearner = () => {
    const badIds = new Set(harness.sandbox.scenario.manifest.badPeople.map((person) => person.id));
    const id = harness.sandbox.aimaira.store
      .list('Apprenant')
      .map((record) => Number(record['Id']))
      .find((other) => !before.students[String(other)] && !badIds.has(other));
    expect(id).toBeDefined();
    return id!;
  };

  /** A new session in Aimaira like an existing sheet's (same programme, facilitators and learners). */
  const sessionLike = (sheetId: number, start: Date, createdAt?: string) => {
    const model = before.courses[String(sheetId)]!;
    const programmeId = Number(harness.sandbox.aimaira.store.get('Planification', sheetId)?.['ProgrammeId'] ?? 0);
    return insertSession(harness.sandbox, {
      name: 'Séance ajoutée',
      debut: start.toISOString(),
      fin: new Date(start.getTime() + 2 * hour).toISOString(),
      programmeId,
      rooms: ['Salle 12'],
      facilitatorIds: model.professors.map(Number),
      learnerIds: model.students.map(Number),
      ...(createdAt !== undefined && { createdAt }),
    });
  };

  it("changes the room of the one sheet whose session changed, with one Edusign write and nothing else, reading a fraction of a full run's requests", async () => {
    const id = sheetWhere((course) => course.classroom !== '');
    changeRoom(id, 'Amphi Pasteur');

    const result = await targeted([id]);

    expect(harness.edusignWrites(), 'writes to Edusign').toBe(1);
    const after = edusignStateByApiId(harness.school);
    expect(after.courses).toEqual({
      ...before.courses,
      [String(id)]: { ...before.courses[String(id)], classroom: 'Amphi Pasteur' },
    });
    expect(after.students).toEqual(before.students);
    expect(after.groups).toEqual(before.groups);
    expect(result.counts).toEqual({ 'sheet.updated': 1, 'sheet.skipped': 0, [targetedSessionsCount]: 1 });
    expect(result.evaluation?.verdicts.map((verdict) => verdict.session.aimairaId)).toEqual([id]);
    expect(harness.sandbox.aimaira.requests.length).toBeLessThan(fullRunRequests);
    // Its events: the sheet updated, and (as in a full run) the people left out of it; nothing about other sessions.
    const events = await harness.events(result.runId);
    expect(events.filter((event) => event.level === 'info')).toEqual([
      expect.objectContaining({ action: 'updated', recordKind: 'sheet', aimairaId: id }),
    ]);
    for (const event of events.filter((e) => e.level !== 'info')) expect(event.message).toContain(`(session ${id})`);
  });

  it('does not bring down a session created today (CREATED_TODAY), and brings it down the next day', async () => {
    const model = sheetIds[0]!;
    const id = sessionLike(model, new Date(now.getTime() + 3 * day), new Date(now.getTime() - hour).toISOString());

    const today = await targeted([id]);
    expect(courseOf(harness.school, id)).toBeUndefined();
    expect(harness.edusignWrites()).toBe(0);
    expect(today.plan?.skips).toEqual([expect.objectContaining({ aimairaId: id, reasons: ['CREATED_TODAY'] })]);
    const events = await harness.events(today.runId);
    expect(events).toContainEqual(
      expect.objectContaining({ action: 'skipped', recordKind: 'sheet', aimairaId: id, reason: 'CREATED_TODAY' }),
    );

    // The creation date was remembered as a full run remembers it, and the rule no longer holds a day later.
    expect((await harness.store.getSessionCreations(harness.tenant.id, [id])).has(id)).toBe(true);
    await targeted([id], { at: new Date(now.getTime() + day) });
    expect(courseOf(harness.school, id)).toBeDefined();
  });

  it('does not bring down a session beyond the horizon, and does once the horizon reaches it', async () => {
    const id = sessionLike(sheetIds[0]!, new Date(now.getTime() + 20 * day));

    const result = await targeted([id]);
    expect(courseOf(harness.school, id)).toBeUndefined();
    expect(harness.edusignWrites()).toBe(0);
    expect(result.evaluation?.verdicts[0]?.exclusions).toEqual(['BEYOND_HORIZON']);

    await targeted([id], { options: { horizonDays: 30 } });
    expect(courseOf(harness.school, id)).toBeDefined();
  });

  it("never deletes nor changes another session's sheet, even when that session was cancelled or deleted meanwhile", async () => {
    const target = sheetWhere((course) => course.classroom !== '');
    const cancelled = sheetWhere(() => true, [target]);
    const deleted = sheetWhere(() => true, [target, cancelled]);
    const renamed = sheetWhere(() => true, [target, cancelled, deleted]);
    const { store } = harness.sandbox.aimaira;
    changeRoom(target, 'Salle du conseil');
    store.patch('Planification', cancelled, { Annule: true });
    store.remove('Planification', deleted);
    store.patch('Planification', renamed, { Nom: 'Nouveau nom' });

    await targeted([target]);
    expect(harness.edusignWrites()).toBe(1);
    const after = edusignStateByApiId(harness.school);
    for (const other of [cancelled, deleted, renamed]) {
      expect(after.courses[String(other)]).toEqual(before.courses[String(other)]);
    }
    expect(Object.keys(after.courses)).toHaveLength(sheetIds.length);
    expect((await harness.store.listLinks(harness.tenant.id, 'sheet')).length).toBe(sheetIds.length);

    // The next full run does what the targeted one left to it.
    const full = await harness.sync();
    expect(full.counts).toMatchObject({ 'sheet.deleted': 2, 'sheet.updated': 1 });
  });

  it('creates a learner newly listed on one session and puts them on that sheet only, leaving groups as they are', async () => {
    const id = sheetWhere(
      (course) => course.groups.length > 0 && course.groups.every(groupOnSeveralSheets) && course.students.length > 0,
    );
    const newcomer = newLearner();
    addSessionRow(harness.sandbox, id, 'APPRENANT', newcomer, '');

    const result = await targeted([id]);
    expect(result.counts).toMatchObject({ 'learner.created': 1, 'sheet.updated': 1 });
    const after = edusignStateByApiId(harness.school);
    expect(studentOf(harness.school, newcomer)).toBeDefined();
    expect(after.courses[String(id)]?.students).toEqual(
      [...before.courses[String(id)]!.students, String(newcomer)].sort(),
    );
    expect(after.courses).toEqual({ ...before.courses, [String(id)]: after.courses[String(id)] });
    expect(after.groups).toEqual(before.groups);
    expect(Object.keys(after.students).sort()).toEqual([...Object.keys(before.students), String(newcomer)].sort());
    // Two writes: the learner, then the learner onto the sheet.
    expect(harness.edusignWrites()).toBe(2);
  });

  it('deletes the sheet of a targeted session cancelled or deleted in Aimaira, and keeps a locked one, as a full run would', async () => {
    const cancelled = sheetIds[0]!;
    const deleted = sheetIds[1]!;
    const locked = sheetIds[2]!;
    const { store } = harness.sandbox.aimaira;
    store.patch('Planification', cancelled, { Annule: true });
    store.remove('Planification', deleted);
    store.patch('Planification', locked, { Annule: true });
    harness.school.lock(courseOf(harness.school, locked)!.ID);

    const result = await targeted([cancelled, deleted, locked]);
    expect(courseOf(harness.school, cancelled)).toBeUndefined();
    expect(courseOf(harness.school, deleted)).toBeUndefined();
    expect(courseOf(harness.school, locked)).toBeDefined();
    const events = await harness.events(result.runId);
    expect(events).toContainEqual(
      expect.objectContaining({ action: 'deleted', aimairaId: cancelled, reason: 'CANCELLED' }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({ action: 'deleted', aimairaId: deleted, reason: 'SESSION_GONE' }),
    );
    expect(events).toContainEqual(expect.objectContaining({ action: 'kept', aimairaId: locked, reason: 'LOCKED' }));
    expect(Object.keys(edusignStateByApiId(harness.school).courses)).toHaveLength(sheetIds.length - 2);

    // The next full run has nothing more to do for these sessions.
    const full = await harness.sync({ dryRun: true });
    const touched = new Set([cancelled, deleted]);
    expect(
      full.plan?.sheets.filter((operation) =>
        touched.has(
          operation.op === 'delete' || operation.op === 'keep' ? operation.aimairaId : operation.sheet.aimairaId,
        ),
      ),
    ).toEqual([]);
  });

  it('brings a session with a group not yet on Edusign down without the group, which the next full run adds', async () => {
    const model = before.courses[String(sheetIds[0]!)]!;
    const { store } = harness.sandbox.aimaira;
    const groupId = Number(
      store.insert('Ressource', {
        Nom: 'Groupe rattrapage',
        Code: 'RATTR',
        TypeRessourceId: harness.sandbox.scenario.manifest.typeRessourceIds.GROUPE,
      })['Id'],
    );
    const programmeId = Number(store.get('Planification', sheetIds[0]!)?.['ProgrammeId'] ?? 0);
    const start = new Date(now.getTime() + 2 * day);
    const id = insertSession(harness.sandbox, {
      name: 'Rattrapage',
      debut: start.toISOString(),
      fin: new Date(start.getTime() + 2 * hour).toISOString(),
      programmeId,
      facilitatorIds: model.professors.map(Number),
      learnerIds: model.students.map(Number),
      groupIds: [groupId],
    });

    const result = await targeted([id]);
    expect(result.plan?.groups).toEqual([]);
    const after = edusignStateByApiId(harness.school);
    expect(after.groups).toEqual(before.groups);
    expect(after.courses[String(id)]).toMatchObject({ groups: [], students: [...model.students].sort() });

    const full = await harness.sync();
    expect(full.counts).toMatchObject({ 'group.created': 1, 'sheet.updated': 1 });
    const settled = edusignStateByApiId(harness.school);
    expect(settled.courses[String(id)]).toMatchObject({
      groups: [String(groupId)],
      students: [...model.students].sort(),
    });
    await expectQuietRun(harness);
  });

  it('leaves the next full run nothing to do for the sessions it brought across', async () => {
    const roomChanged = sheetWhere((course) => course.classroom !== '');
    const learnerAdded = sheetWhere(
      (course) => course.groups.length > 0 && course.groups.every(groupOnSeveralSheets),
      [roomChanged],
    );
    const created = sessionLike(sheetIds[0]!, new Date(now.getTime() + 4 * day));
    changeRoom(roomChanged, 'Salle 3');
    addSessionRow(harness.sandbox, learnerAdded, 'APPRENANT', newLearner(), '');

    await targeted([roomChanged]);
    await targeted([learnerAdded, created]);
    expect(courseOf(harness.school, created)).toBeDefined();
    await expectQuietRun(harness);
  });
});
