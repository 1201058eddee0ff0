/**
 * The upward sync on the simulators, about the learner rows themselves: which row is a learner's (Reference first,
 * Code as fallback, a row naming two learners left alone), and what ControlePresence holds.
 */
import { afterEach, describe, expect, it } from 'vitest';

import { appliedPuts, expectOnlyChanged, signAllAndLock, startUpHarness } from './helpers.js';
import type { UpHarness } from './helpers.js';

// Monday 30 November 2026, 11:30 in Paris.
const now = new Date('2026-11-30T10:30:00Z');

let harness: UpHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function start(options: Parameters<typeof startUpHarness>[1] = {}): Promise<UpHarness> {
  harness = await startUpHarness({ size: 'small', seed: 1, now }, { planifRealise: true, ...options });
  return harness;
}

/** A sheet's students with their learner and their row on the session. */
function learnersOf(h: UpHarness, sheet: { sessionId: number; course: { STUDENTS: { studentId: string }[] } }) {
  return sheet.course.STUDENTS.map(({ studentId }) => {
    const learnerId = h.learnerOf(studentId);
    const row = h.learnerRow(sheet.sessionId, learnerId);
    return { studentId, learnerId, rowId: row['Id'] as number };
  });
}

describe('upward sync: which row is the learner’s', () => {
  it('finds the rows by Code when their Reference is not the learner’s id, and writes them', async () => {
    const h = await start();
    const sheet = h.sheets()[0]!;
    const learners = learnersOf(h, sheet);
    // This organisation's rows carry something else in Reference: no learner has such ids.
    const store = h.sandbox.aimaira.store;
    const unused = Math.max(...store.list('Apprenant').map((record) => record['Id'] as number)) + 1_000_000;
    for (const [index, { rowId }] of learners.entries()) {
      store.patch('PlanificationRessource', rowId, { Reference: unused + index });
    }
    signAllAndLock(h, sheet);
    const before = new Map(learners.map(({ rowId }) => [rowId, store.get('PlanificationRessource', rowId)!]));

    h.resetRequests();
    const result = await h.up();
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('success');
    expect(result.counts).toMatchObject({ 'attendance.created': learners.length, 'sheet.realised': 1 });
    for (const { rowId } of learners) {
      expectOnlyChanged(before.get(rowId)!, store.get('PlanificationRessource', rowId)!, {
        Presence: true,
        ControlePresence: sheet.course.START,
      });
    }
    // The learners were read by Code, in one batch besides the one by Reference.
    const learnerReads = h.aimairaRequests().filter((r) => r.method === 'GET' && r.path.endsWith('/Apprenant'));
    const filteredBy = (search: string) => /\$filter=[^&]*?\b(Id|Code)\b/.exec(decodeURIComponent(search))?.[1];
    expect(learnerReads.map((r) => filteredBy(r.search))).toEqual(['Id', 'Code']);
  });

  it('leaves a row that names one learner by Reference and another by Code unwritten, reports it, and holds Realise back until it is corrected', async () => {
    const h = await start();
    const sheet = h.sheets()[0]!;
    const [first, second, ...others] = learnersOf(h, sheet);
    // Someone typed the second learner's code on the first learner's row.
    const store = h.sandbox.aimaira.store;
    const firstCode = h.learnerCode(first!.learnerId);
    store.patch('PlanificationRessource', first!.rowId, { Code: h.learnerCode(second!.learnerId) });
    signAllAndLock(h, sheet);
    const conflicting = store.get('PlanificationRessource', first!.rowId)!;

    const result = await h.up();
    expect(result.status).toBe('partial');
    expect(store.get('PlanificationRessource', first!.rowId)).toEqual(conflicting);
    expect(appliedPuts(h.aimairaRequests(), 'PlanificationRessource').has(first!.rowId)).toBe(false);
    for (const { rowId } of [second!, ...others]) {
      expect(store.get('PlanificationRessource', rowId)?.['Presence']).toBe(true);
    }
    expect(store.get('Planification', sheet.sessionId)?.['Realise']).toBe(false);
    const errors = (await h.events(result.runId)).filter((e) => e.level === 'error');
    expect(errors).toMatchObject([
      {
        reason: 'ROW_MATCH_CONFLICT',
        recordKind: 'attendance',
        aimairaId: first!.learnerId,
        edusignId: sheet.edusignId,
      },
    ]);
    // Ids only: no code, name or e-mail in the message.
    expect(errors[0]?.message).not.toContain(firstCode);
    expect(errors[0]?.message).not.toContain(h.learnerCode(second!.learnerId));
    expect(errors[0]?.message).not.toMatch(/@/);
    expect(result.counts).toMatchObject({ 'attendance.error': 1 });

    // Corrected in Aimaira: the next run writes the row and marks the session done.
    store.patch('PlanificationRessource', first!.rowId, { Code: firstCode });
    h.resetRequests();
    const next = await h.up();
    expect(next.status).toBe('success');
    expect([...appliedPuts(h.aimairaRequests(), 'PlanificationRessource').keys()]).toEqual([first!.rowId]);
    expect(store.get('PlanificationRessource', first!.rowId)?.['Presence']).toBe(true);
    expect(store.get('Planification', sheet.sessionId)?.['Realise']).toBe(true);
  });
  it('leaves a row whose Reference names nobody and whose Code two learners hold unwritten, even when one of them is named by Reference elsewhere', async () => {
    const h = await start();
    const sheet = h.sheets()[0]!;
    // X keeps their row (Reference = X, Code = X's code). Y's row has the lower id, so the connector's "lowest row
    // id" rule would pick it for X if it took that row for X's.
    const [y, x] = learnersOf(h, sheet).sort((a, b) => a.rowId - b.rowId);
    const store = h.sandbox.aimaira.store;
    const xCode = h.learnerCode(x!.learnerId);
    const unused = Math.max(...store.list('Apprenant').map((record) => record['Id'] as number)) + 1_000_000;
    // Bad data in Aimaira: Y holds X's code too, and Y's row names nobody by Reference and carries that code.
    store.patch('Apprenant', y!.learnerId, { Code: xCode });
    store.patch('PlanificationRessource', y!.rowId, { Reference: unused, Code: xCode });
    signAllAndLock(h, sheet);
    // What the test set up, not what the connector would decide: the row is still Y's, the other still X's.
    const ambiguous = h.learnerRow(sheet.sessionId, y!.learnerId);
    const xBefore = h.learnerRow(sheet.sessionId, x!.learnerId);
    expect([ambiguous['Id'], xBefore['Id']]).toEqual([y!.rowId, x!.rowId]);

    h.resetRequests();
    const result = await h.up();
    expect(result.status).toBe('partial');
    // Nobody's attendance goes on the ambiguous row; X's goes on X's own row.
    expect(appliedPuts(h.aimairaRequests(), 'PlanificationRessource').has(y!.rowId)).toBe(false);
    expect(store.get('PlanificationRessource', y!.rowId)).toEqual(ambiguous);
    expectOnlyChanged(xBefore, store.get('PlanificationRessource', x!.rowId)!, {
      Presence: true,
      ControlePresence: sheet.course.START,
    });
    // Y has no row of their own: reported, and the session is not marked done.
    const errors = (await h.events(result.runId)).filter((e) => e.level === 'error');
    expect(errors).toMatchObject([{ reason: 'NO_ATTENDANCE_ROW', recordKind: 'attendance', aimairaId: y!.learnerId }]);
    expect(store.get('Planification', sheet.sessionId)?.['Realise']).toBe(false);
  });
});

describe('upward sync: ControlePresence', () => {
  it('is written in whole seconds: the milliseconds of a signature are cut off', async () => {
    const h = await start();
    const sheet = h.sheets()[0]!;
    const { studentId, rowId } = learnersOf(h, sheet)[0]!;
    const start_ = Date.parse(sheet.course.START);
    h.school.sign(sheet.edusignId, studentId, new Date(start_ + 61_999));
    signAllAndLock(h, {
      edusignId: sheet.edusignId,
      course: { ...sheet.course, STUDENTS: sheet.course.STUDENTS.slice(1) },
    });

    expect((await h.up()).status).toBe('success');
    const written = h.sandbox.aimaira.store.get('PlanificationRessource', rowId)?.['ControlePresence'];
    expect(typeof written).toBe('string');
    expect(Date.parse(written as string)).toBe(start_ + 61_000);

    // Read back to the second, the row is up to date: the next run writes nothing.
    h.resetRequests();
    const again = await h.up();
    expect(again.counts['attendance.updated'] ?? 0).toBe(0);
    expect(h.aimairaRequests()).toHaveLength(0);
  });
});
