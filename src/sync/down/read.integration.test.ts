/**
 * The downward read against the sandbox, in both simulator profiles: which learners a session has when its learner
 * rows name them by Reference, by Code only, or both ways in disagreement; and tutors of every COMPLET state id.
 */
import { afterEach, describe, expect, it } from 'vitest';

import { startSandbox } from '../../../sim/sandbox.js';
import type { Sandbox } from '../../../sim/sandbox.js';
import { simProfiles } from '../../../sim/shared/profile.js';
import { createAimairaClient } from '../../aimaira/client.js';
import { readSnapshot } from './read.js';
import { syncWindow } from './rules.js';

// Monday 30 November 2026, 11:30 in Paris.
const now = new Date('2026-11-30T10:30:00Z');

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

async function read(s: Sandbox, importStudentTutors = false) {
  const { username, password } = s.scenario.credentials.aimaira;
  const client = createAimairaClient({ baseUrl: s.aimaira.rootUrl, username, password });
  return readSnapshot(client, {
    window: syncWindow(now, 14),
    extraSessionIds: [],
    knownCreations: () => Promise.resolve(new Map()),
    importStudentTutors,
  });
}

/** A session of the window with at least three learners, and its learner rows. */
function sessionWithLearners(s: Sandbox, sessions: { aimairaId: number; learnerIds: number[] }[]) {
  const session = sessions.find((candidate) => candidate.learnerIds.length >= 3);
  if (!session) throw new Error('no session with three learners in the window');
  const learnerTypes = new Set(
    s.aimaira.store
      .list('TypeRessource')
      .flatMap((type) => (String(type['Code']).trim() === 'APPRENANT' ? [type['Id']] : [])),
  );
  const rows = s.aimaira.store
    .where('PlanificationRessource', 'PlanificationId', [session.aimairaId])
    .filter((row) => learnerTypes.has(row['TypeRessourceId']));
  return { session, rows };
}

describe.each(simProfiles)('readSnapshot: the learners of a session (%s profile)', (profile) => {
  it('finds learners by Code when their rows’ Reference names no learner, and reads by Code only then', async () => {
    sandbox = await startSandbox({ size: 'small', seed: 1, now, profile });
    const before = await read(sandbox);
    const store = sandbox.aimaira.store;
    const learnerTypes = new Set(
      store.list('TypeRessource').flatMap((type) => (String(type['Code']).trim() === 'APPRENANT' ? [type['Id']] : [])),
    );
    // This organisation's learner rows carry something else in Reference: no learner has such ids.
    const unused = Math.max(...store.list('Apprenant').map((record) => record['Id'] as number)) + 1_000_000;
    const rows = store.list('PlanificationRessource').filter((row) => learnerTypes.has(row['TypeRessourceId']));
    for (const row of rows) {
      store.patch('PlanificationRessource', row['Id'] as number, { Reference: unused + (row['Id'] as number) });
    }

    sandbox.aimaira.requests.length = 0;
    const after = await read(sandbox);
    const learnersOf = (sessions: typeof before.snapshot.sessions) =>
      new Map(sessions.map((session) => [session.aimairaId, [...session.learnerIds].sort((a, b) => a - b)]));
    expect(learnersOf(after.snapshot.sessions)).toEqual(learnersOf(before.snapshot.sessions));
    expect(after.snapshot.learners).toEqual(before.snapshot.learners);
    const byCode = sandbox.aimaira.requests.filter(
      (r) => r.path.endsWith('/Apprenant') && /\$filter=[^&]*?\bCode\b/.test(decodeURIComponent(r.search)),
    );
    expect(byCode.length).toBeGreaterThan(0);
  });

  it('finds a learner by the Code of one row whose Reference names nobody, without reading what it already knows', async () => {
    sandbox = await startSandbox({ size: 'small', seed: 1, now, profile });
    const before = await read(sandbox);
    const { session, rows } = sessionWithLearners(sandbox, before.snapshot.sessions);
    const [row] = rows;
    sandbox.aimaira.store.patch('PlanificationRessource', row!['Id'] as number, { Reference: 0 });
    const after = await read(sandbox);
    const again = after.snapshot.sessions.find((candidate) => candidate.aimairaId === session.aimairaId);
    expect([...(again?.learnerIds ?? [])].sort()).toEqual([...session.learnerIds].sort());
    expect(again?.learnerRowIds[row!['Reference'] as number]).toBe(row!['Id']);
  });

  it('asks nothing by Code when every row’s Reference and Code name the same learner', async () => {
    sandbox = await startSandbox({ size: 'small', seed: 1, now, profile });
    await read(sandbox);
    const byCode = sandbox.aimaira.requests.filter(
      (r) => r.path.endsWith('/Apprenant') && /\$filter=[^&]*?\bCode\b/.test(decodeURIComponent(r.search)),
    );
    expect(byCode).toEqual([]);
  });

  it('takes a row naming one learner by Reference and another by Code for the learner its Reference names', async () => {
    sandbox = await startSandbox({ size: 'small', seed: 1, now, profile });
    const before = await read(sandbox);
    const { session, rows } = sessionWithLearners(sandbox, before.snapshot.sessions);
    const [first, second] = rows;
    sandbox.aimaira.store.patch('PlanificationRessource', first!['Id'] as number, { Code: second!['Code'] });
    const after = await read(sandbox);
    const again = after.snapshot.sessions.find((candidate) => candidate.aimairaId === session.aimairaId);
    expect(again?.learnerIds).toEqual(session.learnerIds);
    expect(again?.learnerRowIds[first!['Reference'] as number]).toBe(first!['Id']);
  });

  it('reads the tutors of agreements in every state id whose code is COMPLET', async () => {
    sandbox = await startSandbox({ size: 'small', seed: 1, now, profile });
    const completed = sandbox.aimaira.store
      .list('EtatConvention')
      .flatMap((state) => (String(state['Code']).trim() === 'COMPLET' ? [state['Id'] as number] : []));
    const { snapshot } = await read(sandbox, true);
    expect(snapshot.tutorsByLearner.size).toBeGreaterThan(0);
    const conventionReads = sandbox.aimaira.requests.filter((r) => r.path.endsWith('/Convention'));
    expect(conventionReads.length).toBeGreaterThan(0);
    for (const request of conventionReads) {
      const filter = decodeURIComponent(request.search);
      for (const id of completed) expect(filter).toContain(String(id));
    }
  });
});
