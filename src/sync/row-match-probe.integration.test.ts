/**
 * `probeRowMatch` against the sandbox, in both simulator profiles: counts of how learner rows name their learner,
 * in plain words and without anybody's data.
 */
import { afterEach, describe, expect, it } from 'vitest';

import { startSandbox } from '../../sim/sandbox.js';
import type { Sandbox } from '../../sim/sandbox.js';
import { simProfiles } from '../../sim/shared/profile.js';
import { createAimairaClient } from '../aimaira/client.js';
import type { AimairaClient } from '../aimaira/client.js';
import { probeRowMatch } from './row-match-probe.js';

// Monday 30 November 2026, 11:30 in Paris.
const now = new Date('2026-11-30T10:30:00Z');

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

function clientOf(s: Sandbox): AimairaClient {
  const { username, password } = s.scenario.credentials.aimaira;
  return createAimairaClient({ baseUrl: s.aimaira.rootUrl, username, password });
}

/** The learner rows the probe samples: those of the first sessions of the next 14 days. */
function learnerRows(s: Sandbox) {
  const store = s.aimaira.store;
  const learnerTypes = new Set(
    store.list('TypeRessource').flatMap((type) => (String(type['Code']).trim() === 'APPRENANT' ? [type['Id']] : [])),
  );
  const end = now.getTime() + 14 * 86_400_000;
  const sessions = store
    .list('Planification')
    .filter((p) => Date.parse(p['Debut'] as string) >= now.getTime() && Date.parse(p['Debut'] as string) < end)
    .map((p) => p['Id'] as number);
  return store
    .where('PlanificationRessource', 'PlanificationId', sessions)
    .filter((row) => learnerTypes.has(row['TypeRessourceId']));
}

describe.each(simProfiles)('probeRowMatch (%s profile)', (profile) => {
  it('finds every row of the sample named both ways, agreeing', async () => {
    sandbox = await startSandbox({ size: 'small', seed: 1, now, profile });
    const finding = await probeRowMatch(clientOf(sandbox), { now });
    expect(finding).toMatchObject({
      point: 'aimaira.rowMatch',
      ok: true,
      data: { sampled: 50, agreeing: 50, disagreeing: 0, neither: 0, byReference: 50, byCode: 50, days: 14 },
    });
    expect(finding.found).toMatch(/Of 50 learner rows of sessions in the next 14 days/);
    expect(finding.strategy).toBe('Reference first, Code as fallback; disagreeing rows are reported, not written.');
  });

  it('counts rows named by Code only, rows naming two learners and rows naming nobody, saying only counts', async () => {
    sandbox = await startSandbox({ size: 'small', seed: 1, now, profile });
    const store = sandbox.aimaira.store;
    const rows = learnerRows(sandbox);
    const maxLearner = Math.max(...store.list('Apprenant').map((record) => record['Id'] as number));
    const codes = store.list('Apprenant').map((record) => record['Code'] as string);
    // Patch rows the probe is sure to sample, whichever they are: every learner row of the upcoming sessions.
    const [codeOnly, conflict, nobody] = [0, 1, 2].map((i) => rows.filter((_, index) => index % 3 === i));
    for (const row of codeOnly!) {
      store.patch('PlanificationRessource', row['Id'] as number, { Reference: maxLearner + 1_000 });
    }
    for (const row of conflict!) {
      const own = row['Code'] as string;
      store.patch('PlanificationRessource', row['Id'] as number, { Code: codes.find((code) => code !== own) });
    }
    for (const row of nobody!) {
      store.patch('PlanificationRessource', row['Id'] as number, { Reference: 0, Code: 'NOBODY' });
    }

    const finding = await probeRowMatch(clientOf(sandbox), { now, sampleSize: 30 });
    const data = finding.data as Record<string, number>;
    expect(data['sampled']).toBe(30);
    expect(data['agreeing']).toBe(0);
    expect(data['codeOnly']! + data['disagreeing']! + data['neither']!).toBe(30);
    expect(data['codeOnly']).toBeGreaterThan(0);
    expect(data['disagreeing']).toBeGreaterThan(0);
    expect(data['neither']).toBeGreaterThan(0);
    expect(data['byCode']).toBe(data['codeOnly']! + data['disagreeing']!);
    expect(data['byReference']).toBe(data['disagreeing']);
    expect(finding.ok).toBe(false);
    expect(finding.found).toMatch(/rows? names? two different learners/);
    // Counts only: no learner code, name or e-mail.
    expect(finding.found).not.toMatch(/[A-Z]\d{4,}|@/);
    for (const record of store.list('Apprenant').slice(0, 200)) {
      const name = typeof record['Nom'] === 'string' ? record['Nom'].trim() : '';
      if (name !== '') expect(finding.found).not.toContain(name);
    }
  });

  it('says so when there is no upcoming session to sample', async () => {
    sandbox = await startSandbox({ size: 'small', seed: 1, now, profile });
    const finding = await probeRowMatch(clientOf(sandbox), { now: new Date('2099-01-01T00:00:00Z') });
    expect(finding).toMatchObject({ ok: true, data: { sampled: 0 } });
    expect(finding.found).toMatch(/No learner rows/);
  });

  it('reads only', async () => {
    sandbox = await startSandbox({ size: 'small', seed: 1, now, profile });
    await probeRowMatch(clientOf(sandbox), { now });
    expect(sandbox.aimaira.requests.every((request) => request.method === 'GET')).toBe(true);
  });
});
