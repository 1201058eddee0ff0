/**
 * kill -9 in the middle of a run: the run goes in a child process (test/fixtures/run-sync.ts) against simulators
 * started here, and is killed when Edusign has received its N-th write. Running again to completion must leave
 * Edusign as an uninterrupted run leaves a second sandbox of the same scenario: same records by API_ID, none twice.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { RecordedRequest } from '../../sim/shared/http-server.js';
import {
  addSessionRow,
  courseOf,
  edusignStateByApiId,
  expectQuietRun,
  insertSession,
  isOfCode,
  startDownHarness,
  writeMethods,
} from '../helpers.js';
import type { DownHarness, EdusignStateByApiId } from '../helpers.js';

// Monday 30 November 2026, 11:30 in Paris.
const now = new Date('2026-11-30T10:30:00Z');
const fixture = fileURLToPath(new URL('../fixtures/run-sync.ts', import.meta.url));
const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));

/** The scenario puts learners on sheets through groups; a few more listed one by one give a roster to write. */
async function startCrashHarness(): Promise<DownHarness> {
  const harness = await startDownHarness({ size: 'small', seed: 1, now });
  const { desired } = (await harness.sync({ dryRun: true })).evaluation!;
  const [sheet] = desired.sheets;
  const onSheet = new Set(sheet!.learnerIds);
  const learners = desired.learners.filter((learner) => !onSheet.has(learner.aimairaId)).slice(0, 6);
  expect(learners).toHaveLength(6);
  for (const learner of learners) addSessionRow(harness.sandbox, sheet!.aimairaId, 'APPRENANT', learner.aimairaId, '');
  return harness;
}

const isWrite = (request: RecordedRequest) => writeMethods.has(request.method);

/**
 * Runs the sync in a child process and SIGKILLs it as soon as Edusign has received `killAtWrite` writes from it.
 * `landed`: the last write is applied and its answer lost; `in-flight`: it hangs and is never applied.
 */
async function runKilled(harness: DownHarness, killAtWrite: number, mode: 'landed' | 'in-flight') {
  const { requests, faults } = harness.sandbox.edusign;
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      fixture,
      JSON.stringify({ direction: 'down', tenant: harness.tenant, dataDir: harness.dataDir, now }),
    ],
    { cwd: repositoryRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let writes = 0;
  const push = requests.push.bind(requests);
  // The request log is written synchronously when a request arrives, before it is handled: the kill is exact.
  requests.push = (...items: RecordedRequest[]) => {
    const length = push(...items);
    for (const item of items) {
      if (isWrite(item) && ++writes === killAtWrite) {
        if (mode === 'in-flight') faults.add({ kind: 'hang', path: '/' });
        child.kill('SIGKILL');
      }
    }
    return length;
  };
  try {
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    expect({ code, signal }, output).toEqual({ code: null, signal: 'SIGKILL' });
  } finally {
    delete (requests as { push?: unknown }).push;
    faults.clear();
  }
  return writes;
}

describe('a downward run killed at any point', () => {
  let reference: DownHarness;
  let expected: EdusignStateByApiId;
  let referenceWrites: RecordedRequest[];

  beforeAll(async () => {
    reference = await startCrashHarness();
    const result = await reference.sync();
    expect(result.status).toBe('success');
    expected = edusignStateByApiId(reference.school);
    referenceWrites = reference.sandbox.edusign.requests.filter(isWrite);
  });
  afterAll(() => reference.close());

  /** The position (1-based) of the `nth` write of the uninterrupted run that matches. */
  const writeNumber = (test: (request: RecordedRequest) => boolean, nth = 1) => {
    const positions = referenceWrites.flatMap((request, index) => (test(request) ? [index + 1] : []));
    expect(positions.length).toBeGreaterThanOrEqual(nth);
    return positions[nth - 1]!;
  };

  const killPoints: { name: string; at: () => number; mode: 'landed' | 'in-flight' }[] = [
    { name: 'on its first write (a facilitator create)', at: () => 1, mode: 'landed' },
    { name: 'among the learner creates', at: () => 7, mode: 'landed' },
    { name: 'at the 30th write, still in flight', at: () => 30, mode: 'in-flight' },
    {
      name: 'right after the first sheet create, before its link is saved',
      at: () => writeNumber((request) => request.method === 'POST' && request.path === '/v1/course'),
      mode: 'landed',
    },
    {
      name: 'in the middle of a roster',
      at: () => writeNumber((request) => request.path.startsWith('/v1/course/attendance/'), 3),
      mode: 'landed',
    },
  ];

  it.each(killPoints)(
    'leaves Edusign as an uninterrupted run does when killed $name, then run again',
    async (point) => {
      const harness = await startCrashHarness();
      try {
        const killAt = point.at();
        expect(killAt).toBeLessThan(referenceWrites.length);
        await runKilled(harness, killAt, point.mode);

        const resumed = await harness.sync();
        expect(resumed.status).toBe('success');
        const state = edusignStateByApiId(harness.school);
        expect(state.duplicateApiIds).toEqual([]);
        expect(state).toEqual(expected);
        // The record whose answer was lost is found again by its API_ID, not created a second time.
        const recovered = Object.entries(resumed.counts).filter(([key]) => key.endsWith('.recovered'));
        const lastWrite = referenceWrites[killAt - 1]!;
        const lostCreate = point.mode === 'landed' && lastWrite.method === 'POST';
        expect(recovered.map(([, count]) => count)).toEqual(lostCreate ? [1] : []);

        await expectQuietRun(harness);
      } finally {
        await harness.close();
      }
    },
  );

  it('leaves Edusign as an uninterrupted run does when killed twice before a run completes', async () => {
    const harness = await startCrashHarness();
    try {
      await runKilled(harness, 12, 'landed');
      await runKilled(harness, 40, 'in-flight');
      const resumed = await harness.sync();
      expect(resumed.status).toBe('success');
      expect(edusignStateByApiId(harness.school)).toEqual(expected);
    } finally {
      await harness.close();
    }
  });
});

/** Changes made in Aimaira after a first run: two cancellations, a roster that grows, a renamed learner. */
function changeAimaira(harness: DownHarness, sheetIds: readonly number[]) {
  const { store } = harness.sandbox.aimaira;
  const [cancelledA, cancelledB, grown, other] = sheetIds;
  store.patch('Planification', cancelledA!, { Annule: true });
  store.patch('Planification', cancelledB!, { Annule: true });
  store.patch('Planification', other!, { Nom: 'Séance renommée', Debut: '2026-12-04T13:00:00+01:00' });
  const onSheets = new Set(Object.keys(edusignStateByApiId(harness.school).students).map(Number));
  const badIds = new Set(harness.sandbox.scenario.manifest.badPeople.map((person) => person.id));
  const newcomers = store
    .list('Apprenant')
    .map((record) => Number(record['Id']))
    .filter((id) => !onSheets.has(id) && !badIds.has(id))
    .slice(0, 4);
  for (const id of newcomers) addSessionRow(harness.sandbox, grown!, 'APPRENANT', id, '');
  store.patch('Apprenant', [...onSheets][0]!, { PrenomUsage: 'Renommé' });
}

describe('a run applying changes, killed at any point', () => {
  let reference: DownHarness;
  let expected: EdusignStateByApiId;
  let changeWrites: RecordedRequest[];

  const startChanged = async () => {
    const harness = await startDownHarness({ size: 'small', seed: 1, now });
    expect((await harness.sync()).status).toBe('success');
    changeAimaira(harness, Object.keys(edusignStateByApiId(harness.school).courses).map(Number).sort());
    harness.resetRequests();
    return harness;
  };

  beforeAll(async () => {
    reference = await startChanged();
    expect((await reference.sync()).status).toBe('success');
    expected = edusignStateByApiId(reference.school);
    changeWrites = reference.sandbox.edusign.requests.filter(isWrite);
  });
  afterAll(() => reference.close());

  const writeOf = (test: (request: RecordedRequest) => boolean, nth = 1) =>
    changeWrites.flatMap((request, index) => (test(request) ? [index + 1] : []))[nth - 1] ?? 0;

  it.each([
    { name: 'a roster change', at: () => writeOf((request) => request.path.startsWith('/v1/course/attendance/'), 3) },
    { name: 'the first sheet deletion', at: () => writeOf((request) => request.method === 'DELETE') },
  ])('ends as an uninterrupted run when killed on $name, then run again', async (point) => {
    const killAt = point.at();
    expect(killAt).toBeGreaterThan(0);
    const harness = await startChanged();
    try {
      await runKilled(harness, killAt, 'landed');
      const resumed = await harness.sync();
      expect(resumed.status).toBe('success');
      expect(edusignStateByApiId(harness.school)).toEqual(expected);
      await expectQuietRun(harness);
    } finally {
      await harness.close();
    }
  });
});

describe('links lost between two runs', () => {
  it('finds again by API_ID a sheet starting just after Paris midnight, listed by Edusign under the day before', async () => {
    // Tuesday 1 December 2026, 00:10 in Paris (still 30 November in UTC).
    const harness = await startDownHarness({ size: 'small', seed: 1, now: new Date('2026-11-30T23:10:00Z') });
    try {
      const { store } = harness.sandbox.aimaira;
      const sessionId = insertSession(harness.sandbox, {
        name: 'Veille de nuit',
        debut: '2026-12-01T00:40:00+01:00',
        fin: '2026-12-01T02:00:00+01:00',
        programmeId: Number(store.list('Programme')[0]?.['Id']),
        facilitatorIds: [
          Number(
            harness.sandbox.scenario.manifest.sessions.withMoreThanThreeFacilitators
              .flatMap((id) => store.where('PlanificationRessource', 'PlanificationId', [id]))
              .find((row) => isOfCode(harness.sandbox, 'TypeRessource', 'PROF', row['TypeRessourceId']))?.['Reference'],
          ),
        ],
        learnerIds: [Number(store.list('Apprenant')[0]?.['Id'])],
      });
      const first = await harness.sync();
      expect(first.status).toBe('success');
      expect(courseOf(harness.school, sessionId)).toBeDefined();
      const sheets = first.evaluation!.desired.sheets.length;
      expect(sheets).toBeGreaterThan(2);
      for (const link of await harness.store.listLinks(harness.tenant.id, 'sheet')) {
        await harness.store.deleteLink(harness.tenant.id, 'sheet', link.aimairaId);
      }

      const again = await harness.sync();
      expect(again.status).toBe('success');
      expect(again.counts['sheet.recovered']).toBe(sheets);
      expect(harness.school.courses().filter((course) => course.API_ID === String(sessionId))).toHaveLength(1);
      expect(edusignStateByApiId(harness.school).duplicateApiIds).toEqual([]);
    } finally {
      await harness.close();
    }
  });
});
