import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startAimairaSimulator } from '../../sim/aimaira/server.js';
import type { AimairaSimulator } from '../../sim/aimaira/server.js';
import { generateScenario } from '../../sim/scenario/generate.js';
import type { Scenario } from '../../sim/scenario/generate.js';
import type { SimProfile } from '../../sim/shared/profile.js';
import type { PreflightFinding } from '../domain/preflight.js';
import { createAimairaClient } from './client.js';
import { probeAimaira, strategiesFromFindings } from './probe.js';

const now = new Date('2026-11-30T10:30:00Z');
let scenario: Scenario;
const sims = {} as Record<SimProfile, AimairaSimulator>;

beforeAll(async () => {
  scenario = generateScenario({ size: 'small', seed: 3, now });
  const start = (profile: SimProfile) =>
    startAimairaSimulator({ data: scenario.aimaira, credentials: scenario.credentials.aimaira, profile });
  [sims.default, sims.harsh] = await Promise.all([start('default'), start('harsh')]);
});

afterAll(async () => {
  await Promise.all(Object.values(sims).map((sim) => sim.close()));
});

const connection = (profile: SimProfile) => ({
  baseUrl: sims[profile].rootUrl,
  username: scenario.credentials.aimaira.username,
  password: scenario.credentials.aimaira.password,
});

const probe = async (profile: SimProfile, provenance?: string) => {
  sims[profile].requests.length = 0;
  const findings = await probeAimaira({ ...connection(profile), ...(provenance !== undefined && { provenance }) });
  return { findings, requests: [...sims[profile].requests] };
};

const byPoint = (findings: readonly PreflightFinding[]) => new Map(findings.map((finding) => [finding.point, finding]));

describe('probeAimaira on the default profile', () => {
  it('finds in lists, the Object collection, Mail expanded everywhere, next links on the configured origin', async () => {
    const { findings, requests } = await probe('default');
    expect(findings.map((finding) => finding.point)).toEqual([
      'aimaira.filter',
      'aimaira.objects',
      'aimaira.mail',
      'aimaira.nextLink',
      'aimaira.typeCodes',
      'aimaira.provenance',
    ]);
    expect(findings.every((finding) => finding.ok)).toBe(true);
    const found = byPoint(findings);
    expect(found.get('aimaira.filter')?.data).toEqual({ filter: 'in', maxFilterNodes: 100 });
    expect(found.get('aimaira.filter')?.found).toMatch(/no limit of 100 seen/);
    expect(found.get('aimaira.objects')?.data).toEqual({ objects: 'collection' });
    expect(found.get('aimaira.nextLink')?.data).toMatchObject({ seen: true, sameOrigin: true, followed: true });
    expect(found.get('aimaira.typeCodes')?.found).toBe('Every code has one id.');
    expect(found.get('aimaira.provenance')?.data).toEqual({ kind: 'text', write: null });
    expect(strategiesFromFindings(findings)).toEqual({
      filter: 'in',
      maxFilterNodes: 100,
      objects: 'collection',
      mail: { Apprenant: 'expand', Enseignant: 'expand', Professionnel: 'expand' },
    });
    expect(requests.length).toBeLessThan(40);
    expect(requests.every((request) => request.method === 'GET')).toBe(true);
  });
});

describe('probeAimaira on the harsh profile', () => {
  it('finds or chains of 100 nodes, Object per id, Mail by id on facilitators and tutors, an internal next link', async () => {
    const { findings, requests } = await probe('harsh');
    const found = byPoint(findings);
    expect(found.get('aimaira.filter')).toMatchObject({ ok: true, data: { filter: 'or', maxFilterNodes: 100 } });
    expect(found.get('aimaira.filter')?.found).toMatch(
      /`in` lists are refused.*100 nodes is accepted and one of 101 refused/,
    );
    expect(found.get('aimaira.objects')).toMatchObject({ ok: true, data: { objects: 'per-id' } });
    expect(found.get('aimaira.mail')).toMatchObject({
      ok: true,
      data: { mail: { Apprenant: 'expand', Enseignant: 'by-id', Professionnel: 'by-id' } },
    });
    expect(found.get('aimaira.nextLink')).toMatchObject({
      ok: true,
      data: { seen: true, origin: 'http://graph-internal:8080', sameOrigin: false, underRoot: true, followed: true },
    });
    const codes = found.get('aimaira.typeCodes');
    expect(codes?.ok).toBe(true);
    expect(codes?.found).toMatch(/TypePlanification SEANCE \(2\), EXAMEN \(2\)/);
    expect(codes?.found).toMatch(/EtatConvention .*COMPLET \(2\)/);
    expect((codes?.data?.['ressource'] as Record<string, number[]>)['APPRENANT']).toHaveLength(2);
    expect(found.get('aimaira.provenance')?.data).toMatchObject({ kind: 'enum', write: null });
    expect(found.get('aimaira.provenance')?.found).toMatch(/enumeration: None, .*Badge, Salle/);

    const strategies = strategiesFromFindings(findings);
    expect(strategies).toEqual({
      filter: 'or',
      maxFilterNodes: 100,
      objects: 'per-id',
      mail: { Apprenant: 'expand', Enseignant: 'by-id', Professionnel: 'by-id' },
    });
    expect(requests.every((request) => request.method === 'GET')).toBe(true);

    // A client given these strategies reads at once the way that works, with no refused request.
    sims.harsh.requests.length = 0;
    const client = createAimairaClient({ ...connection('harsh'), strategies });
    const facilitators = scenario.aimaira.Enseignant?.slice(0, 5).map((record) => record['Id'] as number) ?? [];
    const read = await client.listByIds('Enseignant', 'Id', facilitators, {
      select: ['Id', 'MailId'],
      expand: ['Mail'],
    });
    expect(read.filter((person) => person.MailId).every((person) => typeof person.Mail?.Adresse === 'string')).toBe(
      true,
    );
    expect(sims.harsh.requests.filter((request) => request.status >= 400)).toEqual([]);
  });

  it('says whether the tenant’s ProvenancePresence value is a member of the enumeration', async () => {
    const refused = byPoint((await probe('harsh', 'Edusign')).findings).get('aimaira.provenance');
    expect(refused).toMatchObject({ ok: false, data: { write: null } });
    expect(refused?.strategy).toMatch(/"Edusign" is not one of them/);
    const member = byPoint((await probe('harsh', 'Salle')).findings).get('aimaira.provenance');
    expect(member).toMatchObject({ ok: true, data: { write: 'Salle' } });
  });
});

describe('what findings may hold', () => {
  it('never a credential, an e-mail address or the name of a person', async () => {
    const text = JSON.stringify([...(await probe('default')).findings, ...(await probe('harsh')).findings]);
    const { username, password, apiKey } = scenario.credentials.aimaira;
    for (const secret of [username, password, apiKey]) expect(text).not.toContain(secret);
    expect(text).not.toContain('@');
    for (const set of ['Apprenant', 'Enseignant', 'Professionnel'] as const) {
      // The people the probe read: the first of each set.
      for (const person of scenario.aimaira[set]?.slice(0, 3) ?? []) {
        for (const field of ['Nom', 'Prenoms']) {
          const name = person[field];
          if (typeof name === 'string' && name.length > 2) expect(text).not.toContain(name);
        }
      }
    }
  });

  it('a probe that cannot read says so in plain words, without the server body', async () => {
    const findings = await probeAimaira({ ...connection('default'), password: 'wrong' });
    expect(findings.every((finding) => !finding.ok || finding.point === 'aimaira.provenance')).toBe(true);
    expect(findings[0]?.found).toBe('The probe could not finish: Aimaira answered HTTP 401.');
  });
});
