/**
 * `applyUpPlan` against a stand-in for the Aimaira client (a real SQLite store): the answers the simulators cannot be
 * told to give (a 400 on one row, a row that now belongs to someone else, the tenant's access refused).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { AimairaClient } from '../../aimaira/client.js';
import { createManualClock } from '../../clock.js';
import { HttpStatusError } from '../../errors.js';
import type { StateStore } from '../../store/port.js';
import { openSqliteStore } from '../../store/sqlite.js';
import { createEventBuffer } from '../events.js';
import { applyUpPlan } from './apply.js';
import { attendanceHash, attendanceValues } from './plan.js';
import type { RowWrite, SheetPlan } from './plan.js';

const tenantId = 't';
const clock = createManualClock(new Date('2026-11-30T10:30:00Z'));

type Record = { [field: string]: unknown };

/** Rows by id; `update` applies `change` like the real client (without HTTP), or fails as told. */
function fakeAimaira(rows: Map<number, Record>, failures: Map<number, Error> = new Map()) {
  const puts: number[] = [];
  const client = {
    update(_set: string, id: number, change: (current: Record) => Record) {
      const current = rows.get(id);
      if (!current) return Promise.resolve({ outcome: 'missing' });
      const next = change(structuredClone(current));
      const failure = failures.get(id);
      if (failure) return Promise.reject(failure);
      puts.push(id);
      rows.set(id, next);
      return Promise.resolve({ outcome: 'updated', before: current, after: next });
    },
  };
  return { client: client as unknown as AimairaClient, puts };
}

function write(learnerId: number, rowId: number): RowWrite {
  const values = attendanceValues(
    {
      studentId: `s${learnerId}`,
      state: true,
      timestamp: '2026-11-20T08:02:00Z',
      delay: 0,
      excluded: undefined,
      earlyDeparture: undefined,
    },
    '2026-11-20T12:00:00Z',
    { studentDelay: false, studentEarlyDeparture: false, studentExclusion: false },
  );
  return {
    planificationId: 100,
    learnerId,
    rowId,
    rowKey: { Reference: learnerId, Code: `A0000${learnerId}` },
    edusignId: 'c1',
    values,
    hash: attendanceHash(values),
    firstSentAt: null,
  };
}

function sheetPlan(writes: RowWrite[]): SheetPlan {
  return {
    sheet: { edusignId: 'c1', name: 'Sheet', start: '2026-11-20T08:00:00Z', end: '2026-11-20T12:00:00Z', marks: [] },
    planificationId: 100,
    writes,
    unchanged: 0,
    missingRows: [],
    conflicts: [],
    unlinkedStudents: [],
    notOnSheet: [],
    realise: 'ready',
  };
}

const row = (id: number, learnerId: number, code = `A0000${learnerId}`): Record => ({
  Id: id,
  PlanificationId: 100,
  Reference: learnerId,
  Code: code,
  Presence: false,
  Detail: 'kept',
});

describe('applyUpPlan', () => {
  let store: StateStore;
  let runId: number;
  beforeEach(async () => {
    store = await openSqliteStore({ file: ':memory:' });
    runId = (await store.startRun(tenantId, 'up', '2026-11-30T10:30:00Z')).id;
  });
  afterEach(() => store.close());

  const apply = async (client: AimairaClient, plan: SheetPlan) => {
    const events = createEventBuffer(store, tenantId, runId, clock);
    const result = await applyUpPlan(
      { sheets: [plan], notLinked: [] },
      { tenantId, aimaira: client, store, clock, events, concurrency: 2 },
    ).finally(() => events.flush());
    return { result, events: events.all };
  };

  it('reports a row Aimaira refuses (400), writes the others, keeps the refused one pending and does not mark the session done', async () => {
    const rows = new Map([
      [501, row(501, 1)],
      [502, row(502, 2)],
    ]);
    const refusal = new HttpStatusError(
      { system: 'aimaira', method: 'PUT', url: '/PlanificationRessource/502' },
      400,
      '{}',
    );
    const sessions = new Map([[100, { Id: 100, Realise: false }]]);
    const { client, puts } = fakeAimaira(new Map([...rows, ...sessions]), new Map([[502, refusal]]));
    const { result, events } = await apply(client, sheetPlan([write(1, 501), write(2, 502)]));
    expect(result.failures).toBe(1);
    expect(result.counts).toMatchObject({ 'attendance.created': 1, 'attendance.error': 1 });
    expect(puts).toEqual([501]);
    expect(events.find((e) => e.level === 'error')).toMatchObject({ aimairaId: 2, reason: 'AIMAIRA_REJECTED' });
    const records = await store.listAttendance(tenantId, [100]);
    expect(records.map((r) => [r.learnerId, r.state])).toEqual([
      [1, 'sent'],
      [2, 'pending'],
    ]);
  });

  it('refuses to write a row that is no longer this learner’s row on the session', async () => {
    const { client, puts } = fakeAimaira(new Map([[501, row(501, 99)]]));
    const { result, events } = await apply(client, { ...sheetPlan([write(1, 501)]), realise: 'off' });
    expect(result.failures).toBe(1);
    expect(puts).toEqual([]);
    expect(events[0]).toMatchObject({
      reason: 'NO_ATTENDANCE_ROW',
      message: expect.stringMatching(/no longer this learner's row/) as string,
    });
  });

  it('refuses to write a row whose Code changed since it was matched', async () => {
    const { client, puts } = fakeAimaira(new Map([[501, row(501, 1, 'A00042')]]));
    const { result, events } = await apply(client, { ...sheetPlan([write(1, 501)]), realise: 'off' });
    expect(result.failures).toBe(1);
    expect(puts).toEqual([]);
    expect(events[0]).toMatchObject({ reason: 'NO_ATTENDANCE_ROW' });
  });

  it('reports a row that names two learners as a conflict, writes nothing to it and does not mark the session done', async () => {
    const sessions = new Map([[100, { Id: 100, Realise: false }]]);
    const { client, puts } = fakeAimaira(new Map([[501, row(501, 1)], ...sessions]));
    const { result, events } = await apply(client, {
      ...sheetPlan([write(1, 501)]),
      conflicts: [{ learnerId: 2, rowId: 502, referenceLearnerId: 2, codeLearnerId: 3 }],
      realise: 'blocked',
    });
    expect(result.failures).toBe(1);
    expect(puts).toEqual([501]);
    const conflict = events.find((e) => e.reason === 'ROW_MATCH_CONFLICT');
    expect(conflict).toMatchObject({ level: 'error', aimairaId: 2, recordKind: 'attendance', edusignId: 'c1' });
    expect(conflict?.message).toMatch(/row 502 .* learner 2 .* learner 3/);
    expect(result.counts['sheet.realised']).toBeUndefined();
  });

  it('stops the run when Aimaira refuses the tenant’s access', async () => {
    const denied = new HttpStatusError(
      { system: 'aimaira', method: 'PUT', url: '/PlanificationRessource/501' },
      401,
      '',
    );
    const { client } = fakeAimaira(new Map([[501, row(501, 1)]]), new Map([[501, denied]]));
    await expect(apply(client, sheetPlan([write(1, 501)]))).rejects.toBe(denied);
  });
});
