/**
 * Killing the process (SIGKILL) in the middle of an upward run, then running again: every row is written once in
 * the end, none is left half-written, and each session is marked done once.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { appliedPuts, markSheet, recordPath, signAllAndLock, startUpHarness } from './helpers.js';
import type { UpHarness } from './helpers.js';

const now = new Date('2026-11-30T10:30:00Z');

const isSet = (value: string | null | undefined) => typeof value === 'string' && value.trim() !== '';

async function waitFor(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

describe('upward sync killed mid-way', () => {
  let h: UpHarness;
  beforeAll(async () => {
    h = await startUpHarness(
      { size: 'small', seed: 1, now },
      { studentDelay: true, studentEarlyDeparture: true, studentExclusion: true, planifRealise: true },
    );
  });
  afterAll(() => h.close());

  it('writes every row once in the end and marks each session done once', async () => {
    const sheets = h.sheets();
    for (const sheet of sheets) {
      if (sheet.course.STUDENTS.length >= 4) {
        markSheet(h, sheet);
        h.school.lock(sheet.edusignId);
      } else signAllAndLock(h, sheet);
    }
    const rowIds = new Map<number, number[]>();
    for (const sheet of sheets) {
      rowIds.set(
        sheet.sessionId,
        sheet.course.STUDENTS.map((row) => h.learnerRow(sheet.sessionId, h.learnerOf(row.studentId))['Id'] as number),
      );
    }
    const totalRows = [...rowIds.values()].reduce((n, ids) => n + ids.length, 0);
    const store = h.sandbox.aimaira.store;
    const provenanceBefore = new Map(
      [...rowIds.values()].flat().map((id) => [id, store.get('PlanificationRessource', id)?.['ProvenancePresence']]),
    );

    // The run goes sheet by sheet in start order. In a sheet in the middle, one row's write lands but its answer is
    // lost; the read-back that follows never answers, and the process is killed there.
    const byStart = [...sheets].sort((a, b) => a.course.START.localeCompare(b.course.START));
    const middle = byStart[Math.floor(byStart.length / 2)]!;
    const middleRows = rowIds.get(middle.sessionId)!;
    const caught = middleRows[Math.floor(middleRows.length / 2)]!;
    const path = recordPath('PlanificationRessource', caught);
    h.sandbox.aimaira.faults.add({ kind: 'reset-after-write', method: 'PUT', path, times: 1 });
    h.sandbox.aimaira.faults.add({ kind: 'latency', latencyMs: 0, method: 'GET', path, times: 1 });
    h.sandbox.aimaira.faults.add({ kind: 'hang', method: 'GET', path, times: 1 });
    h.resetRequests();

    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'test/fixtures/run-sync.ts',
        JSON.stringify({
          direction: 'up',
          tenant: h.tenant,
          dataDir: h.dataDir,
          now: now.toISOString(),
          concurrency: 1,
        }),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = once(child, 'exit');
    await Promise.race([
      waitFor(() => h.sandbox.aimaira.requests.some((r) => r.fault === 'hang'), 'the read-back after the lost write'),
      exited.then(() => {
        throw new Error(`the upward run ended before it was killed: ${output}`);
      }),
    ]);
    child.kill('SIGKILL');
    const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null];
    expect({ code, signal }).toEqual({ code: null, signal: 'SIGKILL' });

    const killedRun = [...h.sandbox.aimaira.requests];
    const writtenBeforeKill = appliedPuts(killedRun, 'PlanificationRessource');
    expect(writtenBeforeKill.get(caught)).toBe(1);
    // Mid-way indeed: some rows written, some not.
    expect(writtenBeforeKill.size).toBeGreaterThan(1);
    expect(writtenBeforeKill.size).toBeLessThan(totalRows);
    // The caught row is still an intent in the store: its outcome is unknown to the connector.
    const caughtLearner = (await h.store.listAttendance(h.tenant.id, [middle.sessionId])).find(
      (record) => record.rowId === caught,
    );
    expect(caughtLearner?.state).toBe('pending');
    expect((await h.store.listRuns(h.tenant.id, 1))[0]).toMatchObject({ direction: 'up', status: 'running' });

    h.sandbox.aimaira.faults.clear();
    h.resetRequests();
    const rerun = await h.up();
    expect(rerun.error).toBeUndefined();
    expect(rerun.status).toBe('success');
    const rerunRequests = [...h.sandbox.aimaira.requests];

    const all = [...killedRun, ...rerunRequests];
    const puts = appliedPuts(all, 'PlanificationRessource');
    expect(puts.size).toBe(totalRows);
    for (const ids of rowIds.values()) for (const id of ids) expect(puts.get(id), `row ${id}`).toBe(1);
    // The caught row was read back, found written, and not sent again.
    expect(appliedPuts(rerunRequests, 'PlanificationRessource').has(caught)).toBe(false);
    const realised = appliedPuts(all, 'Planification');
    expect(realised.size).toBe(sheets.length);
    for (const sheet of sheets) expect(realised.get(sheet.sessionId), `session ${sheet.sessionId}`).toBe(1);

    for (const sheet of sheets) {
      const course = h.school.course(sheet.edusignId)!;
      for (const mark of course.STUDENTS) {
        const row = h.learnerRow(sheet.sessionId, h.learnerOf(mark.studentId));
        expect(row).toMatchObject({
          Presence: mark.state,
          // Kept as it was: the connector does not write it by default.
          ProvenancePresence: provenanceBefore.get(row['Id'] as number),
          Retard: mark.delay > 0,
          // Edusign leaves these out (or empty) when they did not happen.
          Depart: isSet(mark.earlyDeparture),
          Exclusion: isSet(mark.excluded),
        });
        // Whole seconds.
        expect(Date.parse(row['ControlePresence'] as string)).toBe(
          Math.floor(Date.parse(mark.timestamp ?? course.END) / 1000) * 1000,
        );
      }
      expect(h.sandbox.aimaira.store.get('Planification', sheet.sessionId)?.['Realise']).toBe(true);
    }
    const records = await h.store.listAttendance(
      h.tenant.id,
      sheets.map((sheet) => sheet.sessionId),
    );
    expect(records).toHaveLength(totalRows);
    expect(records.every((record) => record.state === 'sent')).toBe(true);

    h.resetRequests();
    const third = await h.up();
    expect(third.status).toBe('success');
    expect(h.sandbox.aimaira.requests).toHaveLength(0);
  });
});
