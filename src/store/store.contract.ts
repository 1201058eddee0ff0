/**
 * The contract every state store adapter meets: one suite, run by each adapter's test file against a real
 * database (`describeStoreContract('SQLite file', () => openSqliteStore(...))`). Each test gets a fresh, empty,
 * migrated store from `makeStore` and closes it afterwards.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { PreflightReport } from '../domain/preflight.js';
import type { AttendanceRecord, Link, LockedSheetRecord, StateStore, SyncEvent } from './port.js';

const tenantA = 'tenant-a';
const tenantB = 'tenant-b';
const t0 = '2026-03-02T08:00:00.000Z';
const t1 = '2026-03-02T09:30:00.000Z';
const t2 = '2026-03-03T07:15:00.000Z';

type LinkInput = Omit<Link, 'createdAt' | 'updatedAt'>;

function aLink(overrides: Partial<LinkInput> = {}): LinkInput {
  return {
    tenantId: tenantA,
    kind: 'sheet',
    aimairaId: 1001,
    edusignId: 'course-1001',
    hash: 'hash-1',
    data: { start: '2026-03-05T08:00:00.000Z', learnerIds: [1, 2, 3] },
    origin: 'created',
    ...overrides,
  };
}

function anEvent(runId: number, overrides: Partial<SyncEvent> = {}): SyncEvent {
  return {
    runId,
    tenantId: tenantA,
    at: t0,
    level: 'info',
    action: 'created',
    recordKind: 'sheet',
    aimairaId: 1001,
    edusignId: 'course-1001',
    reason: null,
    message: 'Sheet created',
    ...overrides,
  };
}

type AttendanceInput = Omit<AttendanceRecord, 'updatedAt'>;

function anAttendance(overrides: Partial<AttendanceInput> = {}): AttendanceInput {
  return {
    tenantId: tenantA,
    planificationId: 5001,
    learnerId: 71,
    rowId: 880_001,
    hash: 'values-1',
    state: 'pending',
    firstSentAt: null,
    ...overrides,
  };
}

const byKey = (a: AttendanceRecord, b: AttendanceRecord) =>
  a.planificationId - b.planificationId || a.learnerId - b.learnerId;

/** The events as appended, without the ids the store gives them. */
function withoutIds(events: readonly SyncEvent[]): SyncEvent[] {
  return events.map(({ id: _id, ...event }) => event);
}

export function describeStoreContract(name: string, makeStore: () => Promise<StateStore>): void {
  describe(`${name}: state store contract`, () => {
    let store: StateStore;

    beforeEach(async () => {
      store = await makeStore();
    });

    afterEach(async () => {
      await store.close();
    });

    describe('links', () => {
      it('answers undefined for a link never saved', async () => {
        expect(await store.getLink(tenantA, 'sheet', 1)).toBeUndefined();
        expect(await store.findLinkByEdusignId(tenantA, 'sheet', 'nope')).toBeUndefined();
        expect(await store.listLinks(tenantA)).toEqual([]);
      });

      it('saves a link and reads every field back, with createdAt = updatedAt = the save instant', async () => {
        const link = aLink();
        await store.saveLink(link, t0);
        expect(await store.getLink(tenantA, 'sheet', 1001)).toEqual({ ...link, createdAt: t0, updatedAt: t0 });
      });

      it('replaces an existing link on save but keeps its createdAt', async () => {
        await store.saveLink(aLink(), t0);
        const replacement = aLink({ edusignId: 'course-2002', hash: null, data: { roster: [] }, origin: 'recovered' });
        await store.saveLink(replacement, t1);
        expect(await store.getLink(tenantA, 'sheet', 1001)).toEqual({ ...replacement, createdAt: t0, updatedAt: t1 });
        expect(await store.listLinks(tenantA)).toHaveLength(1);
      });

      it('keeps a null hash (a write known to be incomplete)', async () => {
        await store.saveLink(aLink({ hash: null }), t0);
        expect((await store.getLink(tenantA, 'sheet', 1001))?.hash).toBeNull();
      });

      it('round-trips the data JSON, unicode and nesting included', async () => {
        const data = {
          name: 'Séance de révision — Module « Œnologie » 🍷',
          rooms: ['Salle 1', '会议室', 'Сала'],
          quotes: 'it\'s "quoted"\nand on two lines\t\\ with a backslash',
          nested: { deep: { list: [1, 2.5, -3, true, false, null], empty: {} } },
          big: 9_007_199_254_740_991,
        };
        await store.saveLink(aLink({ data }), t0);
        expect((await store.getLink(tenantA, 'sheet', 1001))?.data).toEqual(data);
      });

      it('keeps Aimaira ids beyond 32 bits', async () => {
        const aimairaId = 2 ** 40 + 7;
        await store.saveLink(aLink({ aimairaId }), t0);
        expect((await store.getLink(tenantA, 'sheet', aimairaId))?.aimairaId).toBe(aimairaId);
      });

      it('lists the links of a tenant, all kinds or one kind', async () => {
        await store.saveLink(aLink({ kind: 'sheet', aimairaId: 2 }), t0);
        await store.saveLink(aLink({ kind: 'learner', aimairaId: 1, edusignId: 'student-1' }), t0);
        await store.saveLink(aLink({ kind: 'sheet', aimairaId: 1 }), t0);
        await store.saveLink(aLink({ kind: 'group', aimairaId: 5, edusignId: 'group-5' }), t0);

        const all = await store.listLinks(tenantA);
        expect(all.map((link) => `${link.kind}:${link.aimairaId}`).sort()).toEqual([
          'group:5',
          'learner:1',
          'sheet:1',
          'sheet:2',
        ]);
        const sheets = await store.listLinks(tenantA, 'sheet');
        expect(sheets.map((link) => link.aimairaId).sort((a, b) => a - b)).toEqual([1, 2]);
        expect(await store.listLinks(tenantA, 'tutor')).toEqual([]);
      });

      it('finds a link by its Edusign id within its kind', async () => {
        await store.saveLink(aLink({ kind: 'learner', aimairaId: 42, edusignId: 'edu-42', origin: 'adopted' }), t0);
        expect(await store.findLinkByEdusignId(tenantA, 'learner', 'edu-42')).toMatchObject({
          kind: 'learner',
          aimairaId: 42,
          origin: 'adopted',
        });
        expect(await store.findLinkByEdusignId(tenantA, 'facilitator', 'edu-42')).toBeUndefined();
        expect(await store.findLinkByEdusignId(tenantA, 'learner', 'edu-43')).toBeUndefined();
      });

      it('finds a link by its new Edusign id after a replacement, not by the old one', async () => {
        await store.saveLink(aLink({ edusignId: 'old' }), t0);
        await store.saveLink(aLink({ edusignId: 'new' }), t1);
        expect(await store.findLinkByEdusignId(tenantA, 'sheet', 'old')).toBeUndefined();
        expect((await store.findLinkByEdusignId(tenantA, 'sheet', 'new'))?.aimairaId).toBe(1001);
      });

      it('deletes one link and ignores the deletion of a missing one', async () => {
        await store.saveLink(aLink({ aimairaId: 1 }), t0);
        await store.saveLink(aLink({ aimairaId: 2 }), t0);
        await store.deleteLink(tenantA, 'sheet', 1);
        await store.deleteLink(tenantA, 'sheet', 999);
        expect(await store.getLink(tenantA, 'sheet', 1)).toBeUndefined();
        expect((await store.listLinks(tenantA)).map((link) => link.aimairaId)).toEqual([2]);
      });

      it('keeps tenants apart: same ids, separate links', async () => {
        await store.saveLink(aLink({ tenantId: tenantA, edusignId: 'shared-edusign-id', data: { who: 'A' } }), t0);
        await store.saveLink(aLink({ tenantId: tenantB, edusignId: 'shared-edusign-id', data: { who: 'B' } }), t1);

        expect((await store.getLink(tenantA, 'sheet', 1001))?.data).toEqual({ who: 'A' });
        expect((await store.getLink(tenantB, 'sheet', 1001))?.data).toEqual({ who: 'B' });
        expect((await store.findLinkByEdusignId(tenantA, 'sheet', 'shared-edusign-id'))?.tenantId).toBe(tenantA);
        expect(await store.listLinks('tenant-c')).toEqual([]);

        await store.deleteLink(tenantA, 'sheet', 1001);
        expect(await store.listLinks(tenantA)).toEqual([]);
        expect(await store.listLinks(tenantB)).toHaveLength(1);
        expect(await store.findLinkByEdusignId(tenantA, 'sheet', 'shared-edusign-id')).toBeUndefined();
      });
    });

    describe('preflights', () => {
      const report = (tenantId: string, ranAt: string, filter: 'in' | 'or'): PreflightReport => ({
        tenantId,
        ranAt,
        urls: { aimaira: 'https://graphacme.aimaira.net/GraphV1', edusign: 'https://ext.edusign.fr' },
        ok: filter === 'in',
        findings: [
          {
            point: 'aimaira.filter',
            ok: true,
            found: `Aimaira takes ${filter} filters.`,
            strategy: `Read with ${filter}.`,
            data: { filter, maxFilterNodes: 100 },
          },
          { point: 'edusign.externals', ok: filter === 'in', found: 'No envelope.', strategy: 'Tutors left out.' },
        ],
      });

      it('answers undefined for a tenant never probed', async () => {
        expect(await store.getPreflight('acme')).toBeUndefined();
      });

      it('keeps the last report of each tenant, every field read back', async () => {
        await store.savePreflight(report('acme', '2026-12-01T10:00:00.000Z', 'in'));
        await store.savePreflight(report('other', '2026-12-01T10:05:00.000Z', 'in'));
        await store.savePreflight(report('acme', '2026-12-02T10:00:00.000Z', 'or'));
        expect(await store.getPreflight('acme')).toEqual(report('acme', '2026-12-02T10:00:00.000Z', 'or'));
        expect(await store.getPreflight('other')).toEqual(report('other', '2026-12-01T10:05:00.000Z', 'in'));
      });
    });

    describe('session creations', () => {
      it('round-trips 2,000 creation dates and leaves unknown ids out', async () => {
        const creations = new Map<number, string>();
        for (let index = 0; index < 2_000; index += 1) {
          creations.set(500_000 + index, new Date(Date.UTC(2025, 0, 1) + index * 60_000).toISOString());
        }
        await store.saveSessionCreations(tenantA, creations);

        const asked = [...creations.keys(), 1, 2, 3];
        const found = await store.getSessionCreations(tenantA, asked);
        expect(found.size).toBe(2_000);
        expect(new Map([...found].sort(([a], [b]) => a - b))).toEqual(creations);
      });

      it('answers an empty map for no ids or an empty store, and accepts an empty save', async () => {
        await store.saveSessionCreations(tenantA, new Map());
        expect(await store.getSessionCreations(tenantA, [])).toEqual(new Map());
        expect(await store.getSessionCreations(tenantA, [1, 2])).toEqual(new Map());
      });

      it('accepts an id asked twice', async () => {
        await store.saveSessionCreations(tenantA, new Map([[7, t0]]));
        expect(await store.getSessionCreations(tenantA, [7, 7])).toEqual(new Map([[7, t0]]));
      });

      it('overwrites a known date when saved again', async () => {
        await store.saveSessionCreations(tenantA, new Map([[7, t0]]));
        await store.saveSessionCreations(
          tenantA,
          new Map([
            [7, t1],
            [8, t2],
          ]),
        );
        expect(await store.getSessionCreations(tenantA, [7, 8])).toEqual(
          new Map([
            [7, t1],
            [8, t2],
          ]),
        );
      });

      it('keeps tenants apart', async () => {
        await store.saveSessionCreations(tenantA, new Map([[7, t0]]));
        await store.saveSessionCreations(tenantB, new Map([[7, t1]]));
        expect(await store.getSessionCreations(tenantA, [7])).toEqual(new Map([[7, t0]]));
        expect(await store.getSessionCreations(tenantB, [7])).toEqual(new Map([[7, t1]]));
        expect(await store.getSessionCreations('tenant-c', [7])).toEqual(new Map());
      });
    });

    describe('attendance records', () => {
      it('answers nothing for sessions never written, and for no sessions', async () => {
        expect(await store.listAttendance(tenantA, [5001])).toEqual([]);
        expect(await store.listAttendance(tenantA, [])).toEqual([]);
      });

      it('saves a pending record and reads every field back, with updatedAt = the save instant', async () => {
        const record = anAttendance();
        await store.saveAttendance([record], t0);
        expect(await store.listAttendance(tenantA, [5001])).toEqual([{ ...record, updatedAt: t0 }]);
      });

      it('replaces a record of the same (session, learner): pending, then sent, then a new intent', async () => {
        await store.saveAttendance([anAttendance()], t0);
        await store.saveAttendance([anAttendance({ state: 'sent', firstSentAt: t1 })], t1);
        await store.saveAttendance([anAttendance({ hash: 'values-2', rowId: 880_002, firstSentAt: t1 })], t2);
        expect(await store.listAttendance(tenantA, [5001])).toEqual([
          { ...anAttendance({ hash: 'values-2', rowId: 880_002, firstSentAt: t1 }), updatedAt: t2 },
        ]);
      });

      it('saves 600 records at once and lists them by session, ids beyond 32 bits included', async () => {
        const records = Array.from({ length: 600 }, (_, index) =>
          anAttendance({
            planificationId: 2 ** 40 + (index % 3),
            learnerId: 2 ** 35 + index,
            rowId: 2 ** 41 + index,
            state: index % 2 === 0 ? 'sent' : 'pending',
          }),
        );
        await store.saveAttendance(records, t0);
        const listed = await store.listAttendance(tenantA, [2 ** 40, 2 ** 40 + 1, 2 ** 40 + 2, 7]);
        expect(listed.sort(byKey)).toEqual(records.map((record) => ({ ...record, updatedAt: t0 })).sort(byKey));
        expect(await store.listAttendance(tenantA, [2 ** 40 + 1])).toHaveLength(200);
      });

      it('lists more sessions than one statement can bind', async () => {
        const ids = Array.from({ length: 1_500 }, (_, index) => 10_000 + index);
        await store.saveAttendance(
          ids.map((planificationId) => anAttendance({ planificationId })),
          t0,
        );
        expect(await store.listAttendance(tenantA, [...ids, ...ids])).toHaveLength(1_500);
      });

      it('saves nothing of a batch when one record cannot be stored', async () => {
        // The second one has no hash, which the store requires.
        const records = [
          anAttendance({ learnerId: 1 }),
          anAttendance({ learnerId: 2, hash: null as unknown as string }),
        ];
        await expect(store.saveAttendance(records, t0)).rejects.toThrow();
        expect(await store.listAttendance(tenantA, [5001])).toEqual([]);
      });

      it('keeps tenants apart', async () => {
        await store.saveAttendance([anAttendance({ tenantId: tenantA, hash: 'A' })], t0);
        await store.saveAttendance([anAttendance({ tenantId: tenantB, hash: 'B' })], t0);
        expect((await store.listAttendance(tenantA, [5001])).map((record) => record.hash)).toEqual(['A']);
        expect((await store.listAttendance(tenantB, [5001])).map((record) => record.hash)).toEqual(['B']);
        expect(await store.listAttendance('tenant-c', [5001])).toEqual([]);
      });
    });

    describe('locked sheets', () => {
      it('answers an empty map for sheets never seen and for no sheets', async () => {
        expect(await store.getLockedSheets(tenantA, ['course-1'])).toEqual(new Map());
        expect(await store.getLockedSheets(tenantA, [])).toEqual(new Map());
      });

      it('saves, replaces and reads back a sheet made by hand and a linked sheet marked done', async () => {
        const byHand: LockedSheetRecord = {
          tenantId: tenantA,
          edusignId: 'course-hand',
          planificationId: null,
          realisedAt: null,
          notLinkedAt: t0,
        };
        const linked: LockedSheetRecord = {
          tenantId: tenantA,
          edusignId: 'course-1001',
          planificationId: 2 ** 40 + 1,
          realisedAt: null,
          notLinkedAt: null,
        };
        await store.saveLockedSheet(byHand);
        await store.saveLockedSheet(linked);
        await store.saveLockedSheet({ ...linked, realisedAt: t1 });
        expect(await store.getLockedSheets(tenantA, ['course-hand', 'course-1001', 'course-1001', 'other'])).toEqual(
          new Map([
            ['course-hand', byHand],
            ['course-1001', { ...linked, realisedAt: t1 }],
          ]),
        );
      });

      it('keeps tenants apart', async () => {
        const record = { edusignId: 'c', planificationId: 1, realisedAt: t0, notLinkedAt: null };
        await store.saveLockedSheet({ ...record, tenantId: tenantA });
        expect((await store.getLockedSheets(tenantA, ['c'])).size).toBe(1);
        expect((await store.getLockedSheets(tenantB, ['c'])).size).toBe(0);
      });
    });

    describe('runs', () => {
      it('starts a run as running, with empty counts and no end', async () => {
        const run = await store.startRun(tenantA, 'down', t0);
        expect(run).toEqual({
          id: expect.any(Number) as number,
          tenantId: tenantA,
          direction: 'down',
          startedAt: t0,
          endedAt: null,
          status: 'running',
          counts: {},
          error: null,
        });
        expect(await store.getRun(run.id)).toEqual(run);
      });

      it('finishes a run with its status, counts, end and error', async () => {
        const run = await store.startRun(tenantA, 'up', t0);
        const counts = { 'sheet.created': 12, 'learner.skipped': 3, 'group.updated': 0 };
        await store.finishRun(run.id, 'failed', counts, t1, 'Edusign could not be reached');
        expect(await store.getRun(run.id)).toEqual({
          ...run,
          status: 'failed',
          counts,
          endedAt: t1,
          error: 'Edusign could not be reached',
        });
      });

      it('finishes a run without error as error null', async () => {
        const run = await store.startRun(tenantA, 'down', t0);
        await store.finishRun(run.id, 'success', { 'sheet.kept': 4 }, t1);
        expect(await store.getRun(run.id)).toMatchObject({ status: 'success', error: null, endedAt: t1 });
      });

      it('refuses to finish a run that does not exist', async () => {
        await expect(store.finishRun(987_654, 'success', {}, t1)).rejects.toThrow(/987654/);
      });

      it('answers undefined for an unknown run', async () => {
        expect(await store.getRun(987_654)).toBeUndefined();
      });

      it('lists runs newest first, up to the limit, per tenant', async () => {
        const first = await store.startRun(tenantA, 'down', t0);
        const other = await store.startRun(tenantB, 'down', t0);
        const second = await store.startRun(tenantA, 'up', t0);
        const third = await store.startRun(tenantA, 'down', t1);
        expect(new Set([first.id, second.id, third.id, other.id]).size).toBe(4);

        expect((await store.listRuns(tenantA)).map((run) => run.id)).toEqual([third.id, second.id, first.id]);
        expect((await store.listRuns(tenantA, 2)).map((run) => run.id)).toEqual([third.id, second.id]);
        expect(await store.listRuns(tenantA, 0)).toEqual([]);
        expect(await store.listRuns(tenantB)).toEqual([other]);
        expect(await store.listRuns('tenant-c')).toEqual([]);
      });

      it('marks the runs left running as interrupted, of some tenants, all but some, or all, and leaves finished runs alone', async () => {
        const done = await store.startRun(tenantA, 'down', t0);
        await store.finishRun(done.id, 'success', { 'sheet.created': 2 }, t1);
        const leftA = await store.startRun(tenantA, 'up', t0);
        const leftB = await store.startRun(tenantB, 'down', t0);

        expect(await store.markRunningAsInterrupted(t2, 'stopped', { tenantIds: [] })).toEqual([]);
        expect(await store.markRunningAsInterrupted(t2, 'stopped', { exceptTenantIds: [tenantA, tenantB] })).toEqual(
          [],
        );
        expect(await store.markRunningAsInterrupted(t2, 'stopped', { tenantIds: [tenantB] })).toEqual([leftB]);
        expect(await store.getRun(leftB.id)).toMatchObject({ status: 'interrupted', endedAt: t2, error: 'stopped' });
        expect(await store.getRun(leftA.id)).toEqual(leftA);

        expect(await store.markRunningAsInterrupted(t2, 'stopped')).toEqual([leftA]);
        expect(await store.getRun(leftA.id)).toMatchObject({ status: 'interrupted', endedAt: t2 });
        expect(await store.getRun(done.id)).toMatchObject({ status: 'success', endedAt: t1, error: null });
        expect(await store.markRunningAsInterrupted(t2, 'stopped')).toEqual([]);
      });

      it('tells when the newest run of some statuses ended, per tenant and direction', async () => {
        const finish = async (tenantId: string, direction: 'down' | 'up', status: 'success' | 'failed', at: string) => {
          const run = await store.startRun(tenantId, direction, t0);
          await store.finishRun(run.id, status, {}, at);
        };
        await finish(tenantA, 'down', 'success', t1);
        await finish(tenantA, 'down', 'success', t2);
        await finish(tenantA, 'up', 'failed', t2);
        await finish(tenantB, 'up', 'success', t0);
        await store.startRun(tenantB, 'down', t0);

        expect(await store.lastRunEnds(['success'])).toEqual([
          { tenantId: tenantA, direction: 'down', endedAt: t2 },
          { tenantId: tenantB, direction: 'up', endedAt: t0 },
        ]);
        expect(await store.lastRunEnds(['failed', 'partial'])).toEqual([
          { tenantId: tenantA, direction: 'up', endedAt: t2 },
        ]);
        expect(await store.lastRunEnds([])).toEqual([]);
      });
    });

    describe('run progress', () => {
      it('shows a started run as live, without progress until it saves some, and never in another tenant', async () => {
        const run = await store.startRun(tenantA, 'down', t0);
        const live = { runId: run.id, tenantId: tenantA, direction: 'down', startedAt: t0, progress: null };
        expect(await store.listLiveRuns(tenantA)).toEqual([live]);
        expect(await store.listLiveRuns(tenantB)).toEqual([]);
      });

      it('keeps the last progress saved, and leaves the run itself as it was', async () => {
        const run = await store.startRun(tenantA, 'up', t0);
        expect(await store.saveRunProgress(run.id, { done: 3, total: 40 }, t1)).toBe(true);
        expect(await store.saveRunProgress(run.id, { done: 17, total: 40 }, t2)).toBe(true);
        expect(await store.listLiveRuns(tenantA)).toEqual([
          {
            runId: run.id,
            tenantId: tenantA,
            direction: 'up',
            startedAt: t0,
            progress: { done: 17, total: 40, at: t2 },
          },
        ]);
        expect(await store.getRun(run.id)).toEqual(run);
      });

      it('lists the running runs only, oldest first', async () => {
        const finished = await store.startRun(tenantA, 'down', t0);
        await store.saveRunProgress(finished.id, { done: 1, total: 2 }, t0);
        await store.finishRun(finished.id, 'success', {}, t1);
        const first = await store.startRun(tenantA, 'down', t1);
        const second = await store.startRun(tenantA, 'up', t2);
        await store.startRun(tenantB, 'down', t1);
        await store.markRunningAsInterrupted(t2, 'stopped', { tenantIds: [tenantB] });
        expect((await store.listLiveRuns(tenantA)).map((live) => live.runId)).toEqual([first.id, second.id]);
        expect(await store.listLiveRuns(tenantB)).toEqual([]);
      });

      it('saves nothing for a run that ended or never was', async () => {
        const run = await store.startRun(tenantA, 'down', t0);
        await store.finishRun(run.id, 'partial', { 'sheet.created': 1 }, t1);
        expect(await store.saveRunProgress(run.id, { done: 5, total: 5 }, t2)).toBe(false);
        expect(await store.saveRunProgress(987_654, { done: 1, total: 1 }, t2)).toBe(false);
        expect(await store.getRun(run.id)).toMatchObject({ status: 'partial', endedAt: t1 });
        expect(await store.listLiveRuns(tenantA)).toEqual([]);
      });
    });

    describe('events', () => {
      it('appends events and lists them newest first with their ids', async () => {
        const run = await store.startRun(tenantA, 'down', t0);
        const events = [
          anEvent(run.id, { aimairaId: 1, message: 'first' }),
          anEvent(run.id, {
            aimairaId: 2,
            level: 'warning',
            action: 'skipped',
            reason: 'NO_VALID_LEARNER',
            edusignId: null,
            message: 'second « é » 🙂',
          }),
          anEvent(run.id, {
            aimairaId: 71,
            edusignId: 'course-1001',
            level: 'info',
            action: 'updated',
            recordKind: 'attendance',
            message: 'attendance of an upward run',
          }),
          anEvent(run.id, {
            aimairaId: null,
            edusignId: null,
            level: 'error',
            action: 'error',
            recordKind: 'group',
            reason: 'EDUSIGN_UNAVAILABLE',
            at: t1,
            message: 'third',
          }),
        ];
        await store.appendEvents(events);

        const listed = await store.listEvents({ tenantId: tenantA });
        expect(withoutIds(listed)).toEqual([...events].reverse());
        const ids = listed.map((event) => event.id ?? Number.NaN);
        expect(ids.every((id) => Number.isInteger(id))).toBe(true);
        expect([...ids].sort((a, b) => b - a)).toEqual(ids);
      });

      it('numbers later batches after earlier ones', async () => {
        const run = await store.startRun(tenantA, 'down', t0);
        await store.appendEvents([anEvent(run.id, { message: 'batch 1' })]);
        await store.appendEvents([anEvent(run.id, { message: 'batch 2' })]);
        expect((await store.listEvents({ tenantId: tenantA })).map((event) => event.message)).toEqual([
          'batch 2',
          'batch 1',
        ]);
      });

      it('accepts an empty batch', async () => {
        await store.appendEvents([]);
        expect(await store.listEvents({ tenantId: tenantA })).toEqual([]);
      });

      it('stores a large batch whole and in order', async () => {
        const run = await store.startRun(tenantA, 'down', t0);
        const events = Array.from({ length: 1_500 }, (_, index) => anEvent(run.id, { aimairaId: index }));
        await store.appendEvents(events);
        const listed = await store.listEvents({ tenantId: tenantA, limit: 2_000 });
        expect(listed.map((event) => event.aimairaId)).toEqual(events.map((event) => event.aimairaId).reverse());
      });

      it('stores nothing of a batch when one event cannot be stored', async () => {
        const run = await store.startRun(tenantA, 'down', t0);
        const events = Array.from({ length: 300 }, (_, index) => anEvent(run.id, { aimairaId: index }));
        // The last event points at a run that does not exist.
        events.push(anEvent(run.id + 1_000, { aimairaId: 300 }));
        await expect(store.appendEvents(events)).rejects.toThrow();
        expect(await store.listEvents({ tenantId: tenantA })).toEqual([]);
      });

      it('filters by run, level, action, reason and Aimaira id, alone or together', async () => {
        const run1 = await store.startRun(tenantA, 'down', t0);
        const run2 = await store.startRun(tenantA, 'down', t1);
        await store.appendEvents([
          anEvent(run1.id, { aimairaId: 1, message: 'r1 created 1' }),
          anEvent(run1.id, {
            aimairaId: 2,
            level: 'warning',
            action: 'skipped',
            reason: 'CANCELLED',
            message: 'r1 skipped 2',
          }),
          anEvent(run2.id, {
            aimairaId: 2,
            level: 'warning',
            action: 'skipped',
            reason: 'PAST',
            message: 'r2 skipped 2',
          }),
          anEvent(run2.id, { aimairaId: 3, level: 'error', action: 'error', message: 'r2 error 3' }),
          anEvent(run2.id, { aimairaId: 1, action: 'updated', message: 'r2 updated 1' }),
        ]);
        const messages = async (filter: Omit<Parameters<StateStore['listEvents']>[0], 'tenantId'>) =>
          (await store.listEvents({ tenantId: tenantA, ...filter })).map((event) => event.message);

        expect(await messages({ runId: run1.id })).toEqual(['r1 skipped 2', 'r1 created 1']);
        expect(await messages({ level: 'warning' })).toEqual(['r2 skipped 2', 'r1 skipped 2']);
        expect(await messages({ action: 'updated' })).toEqual(['r2 updated 1']);
        expect(await messages({ reason: 'CANCELLED' })).toEqual(['r1 skipped 2']);
        expect(await messages({ aimairaId: 1 })).toEqual(['r2 updated 1', 'r1 created 1']);
        expect(await messages({ runId: run2.id, level: 'warning', aimairaId: 2 })).toEqual(['r2 skipped 2']);
        expect(await messages({ runId: run1.id, reason: 'PAST' })).toEqual([]);
        expect(await messages({ level: 'info', limit: 1 })).toEqual(['r2 updated 1']);
      });

      it('pages newest first with limit and beforeId, without gaps or repeats', async () => {
        const run = await store.startRun(tenantA, 'down', t0);
        await store.appendEvents(Array.from({ length: 25 }, (_, index) => anEvent(run.id, { aimairaId: index })));

        const seen: number[] = [];
        let beforeId: number | undefined;
        for (;;) {
          const page = await store.listEvents({
            tenantId: tenantA,
            limit: 10,
            ...(beforeId === undefined ? {} : { beforeId }),
          });
          if (page.length === 0) break;
          expect(page.length).toBeLessThanOrEqual(10);
          seen.push(...page.map((event) => event.aimairaId ?? -1));
          beforeId = page.at(-1)?.id;
        }
        expect(seen).toEqual(Array.from({ length: 25 }, (_, index) => 24 - index));
      });

      it('uses a default limit when none is given', async () => {
        const run = await store.startRun(tenantA, 'down', t0);
        await store.appendEvents(Array.from({ length: 150 }, (_, index) => anEvent(run.id, { aimairaId: index })));
        const listed = await store.listEvents({ tenantId: tenantA });
        expect(listed.length).toBeGreaterThan(0);
        expect(listed.length).toBeLessThan(150);
        expect(listed[0]?.aimairaId).toBe(149);
      });

      it('keeps tenants apart, even when filtered by a run of the other tenant', async () => {
        const runA = await store.startRun(tenantA, 'down', t0);
        const runB = await store.startRun(tenantB, 'down', t0);
        await store.appendEvents([
          anEvent(runA.id, { tenantId: tenantA, message: 'A' }),
          anEvent(runB.id, { tenantId: tenantB, message: 'B' }),
        ]);
        expect((await store.listEvents({ tenantId: tenantA })).map((event) => event.message)).toEqual(['A']);
        expect((await store.listEvents({ tenantId: tenantB })).map((event) => event.message)).toEqual(['B']);
        expect(await store.listEvents({ tenantId: tenantA, runId: runB.id })).toEqual([]);
        expect(await store.listEvents({ tenantId: 'tenant-c' })).toEqual([]);
      });
    });

    describe('retention', () => {
      const old = '2024-01-10T08:00:00.000Z';
      const older = '2024-01-05T08:00:00.000Z';
      const cutoff = '2025-01-01T00:00:00.000Z';
      const recent = '2025-06-01T08:00:00.000Z';
      const finished = async (
        tenantId: string,
        direction: 'down' | 'up',
        status: 'success' | 'partial' | 'failed' | 'interrupted',
        endedAt: string,
        events = 0,
      ) => {
        const run = await store.startRun(tenantId, direction, endedAt);
        await store.appendEvents(
          Array.from({ length: events }, (_, index) => anEvent(run.id, { tenantId, aimairaId: index })),
        );
        await store.finishRun(run.id, status, {}, endedAt);
        return run.id;
      };

      it('deletes the runs that ended before the cutoff with their events, and leaves the rest alone', async () => {
        const gone1 = await finished(tenantA, 'down', 'success', older, 3);
        const gone2 = await finished(tenantA, 'down', 'failed', old, 2);
        const kept = await finished(tenantA, 'down', 'success', recent, 4);
        expect(await store.deleteHistoryBefore(cutoff)).toEqual({ runs: 2, events: 5 });
        expect(await store.getRun(gone1)).toBeUndefined();
        expect(await store.getRun(gone2)).toBeUndefined();
        expect((await store.listRuns(tenantA)).map((run) => run.id)).toEqual([kept]);
        expect(await store.listEvents({ tenantId: tenantA, limit: 50 })).toHaveLength(4);
        expect(await store.deleteHistoryBefore(cutoff)).toEqual({ runs: 0, events: 0 });
      });

      it("keeps each tenant's newest run and newest success of each direction, whatever their age", async () => {
        const success = await finished(tenantA, 'down', 'success', older, 1);
        const failure = await finished(tenantA, 'down', 'failed', old, 1);
        const upOld = await finished(tenantA, 'up', 'partial', older);
        const upNewest = await finished(tenantA, 'up', 'interrupted', old);
        const onlyB = await finished(tenantB, 'down', 'failed', older, 2);
        await finished(tenantB, 'down', 'failed', old);
        const before = await store.lastRunEnds(['success', 'partial']);

        expect(await store.deleteHistoryBefore(cutoff)).toEqual({ runs: 1, events: 2 });
        expect(await store.getRun(onlyB)).toBeUndefined();
        for (const id of [success, failure, upOld, upNewest]) expect(await store.getRun(id)).toBeDefined();
        // The dashboard's last run and the metrics' last success are still there.
        expect(await store.lastRunEnds(['success', 'partial'])).toEqual(before);
      });

      it('never deletes a running run, however old', async () => {
        const running = await store.startRun(tenantA, 'down', older);
        await store.appendEvents([anEvent(running.id)]);
        await finished(tenantA, 'down', 'success', old);
        await finished(tenantA, 'down', 'success', recent);
        expect(await store.deleteHistoryBefore(cutoff)).toEqual({ runs: 1, events: 0 });
        expect(await store.getRun(running.id)).toMatchObject({ status: 'running' });
        await store.appendEvents([anEvent(running.id, { message: 'still written' })]);
        await store.finishRun(running.id, 'success', {}, recent);
      });

      it('deletes in batches until nothing is left before the cutoff', async () => {
        for (let index = 0; index < 7; index++) await finished(tenantA, 'up', 'success', old, 2);
        const newest = await finished(tenantA, 'up', 'success', recent);
        expect(await store.deleteHistoryBefore(cutoff, { batchSize: 3 })).toEqual({ runs: 7, events: 14 });
        expect((await store.listRuns(tenantA)).map((run) => run.id)).toEqual([newest]);
      });

      it('refuses a cutoff that is not an instant and a batch size out of range', async () => {
        await expect(store.deleteHistoryBefore('last year')).rejects.toThrow(RangeError);
        await expect(store.deleteHistoryBefore(cutoff, { batchSize: 0 })).rejects.toThrow(RangeError);
      });
    });

    describe('forgetting a person', () => {
      const person = (kind: 'learner' | 'facilitator' | 'tutor', aimairaId: number, edusignId: string) =>
        aLink({ kind, aimairaId, edusignId, hash: 'p', data: { email: `${kind}${aimairaId}@example.org` } });

      it("removes a learner's link, events, attendance, and their id from rosters and groups", async () => {
        await store.saveLink(person('learner', 71, 'student-71'), t0);
        await store.saveLink(person('learner', 72, 'student-72'), t0);
        // Facilitator 71 is another person: Aimaira ids are per kind.
        await store.saveLink(person('facilitator', 71, 'prof-71'), t0);
        await store.saveLink(aLink({ aimairaId: 1001, data: { learnerIds: [71, 72], facilitatorIds: [71] } }), t0);
        await store.saveLink(aLink({ aimairaId: 1002, data: { learnerIds: [72] } }), t0);
        await store.saveLink(aLink({ kind: 'group', aimairaId: 9, edusignId: 'g9', data: { memberIds: [71] } }), t0);
        await store.saveLink({ ...person('learner', 71, 'student-71'), tenantId: tenantB }, t0);
        const run = await store.startRun(tenantA, 'down', t0);
        await store.appendEvents([
          anEvent(run.id, { recordKind: 'learner', aimairaId: 71, edusignId: 'student-71', message: 'mine' }),
          anEvent(run.id, { recordKind: 'learner', aimairaId: null, edusignId: 'student-71', message: 'mine too' }),
          anEvent(run.id, { recordKind: 'attendance', aimairaId: 71, edusignId: 'course-1001', message: 'mine 3' }),
          anEvent(run.id, { recordKind: 'learner', aimairaId: 72, edusignId: 'student-72', message: 'other' }),
          anEvent(run.id, { recordKind: 'facilitator', aimairaId: 71, edusignId: 'prof-71', message: 'other 2' }),
          anEvent(run.id, { recordKind: 'sheet', aimairaId: 71, edusignId: 'course-71', message: 'other 3' }),
        ]);
        await store.saveAttendance(
          [anAttendance({ learnerId: 71 }), anAttendance({ learnerId: 72 }), anAttendance({ planificationId: 5002 })],
          t1,
        );

        expect(await store.forgetPerson(tenantA, 'learner', 71)).toEqual({
          links: 1,
          events: 3,
          attendance: 2,
          rosters: 2,
        });
        expect(await store.getLink(tenantA, 'learner', 71)).toBeUndefined();
        expect(await store.getLink(tenantA, 'learner', 72)).toBeDefined();
        expect(await store.getLink(tenantA, 'facilitator', 71)).toBeDefined();
        expect(await store.getLink(tenantB, 'learner', 71)).toBeDefined();
        expect(await store.getLink(tenantA, 'sheet', 1001)).toMatchObject({
          hash: null,
          data: { learnerIds: [72], facilitatorIds: [71] },
        });
        expect(await store.getLink(tenantA, 'sheet', 1002)).toMatchObject({ hash: 'hash-1' });
        expect(await store.getLink(tenantA, 'group', 9)).toMatchObject({ hash: null, data: { memberIds: [] } });
        expect((await store.listEvents({ tenantId: tenantA })).map((event) => event.message).sort()).toEqual([
          'other',
          'other 2',
          'other 3',
        ]);
        expect((await store.listAttendance(tenantA, [5001, 5002])).map((record) => record.learnerId)).toEqual([72]);
        expect(await store.forgetPerson(tenantA, 'learner', 71)).toEqual({
          links: 0,
          events: 0,
          attendance: 0,
          rosters: 0,
        });
      });

      it("removes a facilitator from sheets' facilitators, and leaves learners' attendance alone", async () => {
        await store.saveLink(person('facilitator', 5, 'prof-5'), t0);
        await store.saveLink(aLink({ aimairaId: 1001, data: { learnerIds: [5], facilitatorIds: [5, 6] } }), t0);
        await store.saveAttendance([anAttendance({ learnerId: 5 })], t1);
        expect(await store.forgetPerson(tenantA, 'facilitator', 5)).toEqual({
          links: 1,
          events: 0,
          attendance: 0,
          rosters: 1,
        });
        expect(await store.getLink(tenantA, 'sheet', 1001)).toMatchObject({
          data: { learnerIds: [5], facilitatorIds: [6] },
        });
        expect(await store.listAttendance(tenantA, [5001])).toHaveLength(1);
      });
    });
  });
}
