/**
 * Targeted upward runs (`on_course_locked`, an edit of a locked sheet): only the sheets named are read, and their
 * attendance reaches Aimaira exactly once, as a full run sends it: a second targeted run and a later full run send
 * nothing more for them.
 */
import { afterEach, describe, expect, it } from 'vitest';

import { createTenantClients } from '../../src/sync/clients.js';
import { runUp, targetedSheetsCount } from '../../src/sync/up/run.js';
import type { UpRunResult } from '../../src/sync/up/run.js';
import { createSkippingClock } from '../helpers.js';
import { appliedPuts, markSheet, startUpHarness } from './helpers.js';
import type { UpHarness } from './helpers.js';

// Monday 30 November 2026, 11:30 in Paris.
const now = new Date('2026-11-30T10:30:00Z');

let harness: UpHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** A targeted upward run of these sheets (Edusign course ids), after which the requests are counted afresh. */
async function targetedUp(h: UpHarness, sheetIds: string[]): Promise<UpRunResult> {
  const clock = createSkippingClock();
  const result = await runUp({
    tenant: h.tenant,
    ...createTenantClients(h.tenant, { clock }),
    store: h.store,
    clock,
    now,
    only: { sheetIds },
  });
  expect(result.error).toBeUndefined();
  expect(result.status).toBe('success');
  expect(result.counts[targetedSheetsCount]).toBe(sheetIds.length);
  return result;
}

/** The ids of a session's learner rows, as the test's own data says. */
function rowIdsOf(h: UpHarness, sheet: { sessionId: number; course: { STUDENTS: { studentId: string }[] } }) {
  return sheet.course.STUDENTS.map((row) => Number(h.learnerRow(sheet.sessionId, h.learnerOf(row.studentId))['Id']));
}

describe('a targeted upward run', () => {
  it('sends the attendance of the one sheet it is about, once: a second targeted run and a full run send nothing more for it', async () => {
    const h = (harness = await startUpHarness({ size: 'small', seed: 1, now }));
    const [first, second] = h.sheets();
    const targeted = markSheet(h, first!);
    const other = markSheet(h, second!);
    h.school.lock(targeted.edusignId);
    h.school.lock(other.edusignId);
    const targetedRows = rowIdsOf(h, targeted);
    const otherRows = rowIdsOf(h, other);

    h.resetRequests();
    const sent = await targetedUp(h, [targeted.edusignId]);
    const puts = appliedPuts(h.aimairaRequests(), 'PlanificationRessource');
    expect([...puts.keys()].sort((a, b) => a - b)).toEqual([...targetedRows].sort((a, b) => a - b));
    expect([...puts.values()].every((count) => count === 1)).toBe(true);
    expect(sent.counts).toMatchObject({ 'sheet.locked': 1, 'attendance.created': targetedRows.length });
    expect(h.sandbox.aimaira.store.get('PlanificationRessource', targetedRows[0]!)?.['Presence']).toBe(true);
    // Only the sheet named was read on Edusign: no list of locked sheets.
    expect(h.sandbox.edusign.requests.filter((r) => r.method === 'GET').map((r) => r.path)).toEqual([
      `/v1/course/${targeted.edusignId}`,
    ]);

    h.resetRequests();
    const again = await targetedUp(h, [targeted.edusignId]);
    expect(h.aimairaRequests().filter((r) => r.method === 'PUT')).toEqual([]);
    expect(again.counts).toMatchObject({ 'attendance.unchanged': targetedRows.length });

    h.resetRequests();
    const full = await h.up();
    expect(full.status).toBe('success');
    const fullPuts = appliedPuts(h.aimairaRequests(), 'PlanificationRessource');
    expect([...fullPuts.keys()].sort((a, b) => a - b)).toEqual([...otherRows].sort((a, b) => a - b));
    expect(full.counts).toMatchObject({ 'attendance.created': otherRows.length });
    expect(full.counts[targetedSheetsCount]).toBeUndefined();
  });

  it('sends the one row a change to a locked sheet touched', async () => {
    const h = (harness = await startUpHarness({ size: 'small', seed: 1, now }));
    const sheet = markSheet(h, h.sheets()[0]!);
    h.school.lock(sheet.edusignId);
    await targetedUp(h, [sheet.edusignId]);

    // Someone unlocks the sheet, marks the absent learner present, and archives it again.
    h.school.unlock(sheet.edusignId);
    h.school.sign(sheet.edusignId, sheet.absent, sheet.course.START);
    h.school.lock(sheet.edusignId);
    h.resetRequests();
    const corrected = await targetedUp(h, [sheet.edusignId]);
    const row = Number(h.learnerRow(sheet.sessionId, h.learnerOf(sheet.absent))['Id']);
    expect([...appliedPuts(h.aimairaRequests(), 'PlanificationRessource').keys()]).toEqual([row]);
    expect(corrected.counts).toMatchObject({ 'attendance.updated': 1 });
    expect(h.sandbox.aimaira.store.get('PlanificationRessource', row)?.['Presence']).toBe(true);

    h.resetRequests();
    await h.up();
    expect(h.aimairaRequests().filter((r) => r.method === 'PUT')).toEqual([]);
  });

  it('sends nothing for a sheet that is not locked yet, and sends it once it is', async () => {
    const h = (harness = await startUpHarness({ size: 'small', seed: 1, now }));
    const sheet = markSheet(h, h.sheets()[0]!);
    h.resetRequests();
    const result = await targetedUp(h, [sheet.edusignId]);
    expect(h.aimairaRequests().filter((r) => r.method === 'PUT')).toEqual([]);
    expect(result.plan?.sheets).toEqual([]);

    h.school.lock(sheet.edusignId);
    await targetedUp(h, [sheet.edusignId]);
    expect(appliedPuts(h.aimairaRequests(), 'PlanificationRessource').size).toBe(sheet.course.STUDENTS.length);
  });
});
