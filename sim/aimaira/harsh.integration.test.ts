import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { harshInternalOrigin } from './harsh.js';
import { startAimairaSimulator } from './server.js';
import type { AimairaDataset, AimairaSimulator } from './server.js';

const credentials = { username: 'ACME\\api@aimaira.fr', password: 'pa:ss word' };
const basic = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;

const sessionIds = Array.from({ length: 150 }, (_, i) => 5000 + i);

function dataset(): AimairaDataset {
  return {
    TypePlanification: [{ Id: 10, Code: 'SEANCE', Nom: 'Séance de cours' }],
    TypeRessource: [{ Id: 11, Code: 'APPRENANT', Nom: 'Apprenant' }],
    EtatConvention: [{ Id: 12, Code: 'COMPLET', Nom: 'Complet' }],
    Mail: [
      { Id: 201, Adresse: 'ada@example.org' },
      { Id: 202, Adresse: 'claire@example.org' },
      { Id: 203, Adresse: 'paul@example.org' },
    ],
    Apprenant: [{ Id: 101, Nom: 'Lovelace', Prenoms: 'Ada', Code: 'A00101', MailId: 201 }],
    Enseignant: [{ Id: 102, Nom: 'Martin', Prenoms: 'Claire', Code: 'P1', MailId: 202 }],
    Professionnel: [{ Id: 103, Nom: 'Durand', Prenoms: 'Paul', MailId: 203 }],
    Convention: [
      { Id: 301, ApprenantId: 101, MaitreId: 103, EtatConventionId: 12 },
      { Id: 302, ApprenantId: 101, MaitreId: 103, EtatConventionId: 12 },
    ],
    Planification: sessionIds.map((Id, i) => ({
      Id,
      Nom: `Session ${i}`,
      Debut: new Date(Date.parse('2026-01-05T08:00:00Z') + i * 3_600_000).toISOString(),
      Fin: new Date(Date.parse('2026-01-05T09:00:00Z') + i * 3_600_000).toISOString(),
      TypePlanificationId: 10,
      EntiteJuridiqueId: 20,
    })),
    PlanificationRessource: [
      { Id: 401, PlanificationId: 5000, TypeRessourceId: 11, Reference: 101, Code: 'A00101' },
      { Id: 402, PlanificationId: 5000, TypeRessourceId: 11, Reference: 101, ProvenancePresence: 'Badge' },
    ],
  };
}

let harsh: AimairaSimulator;
let plain: AimairaSimulator;

beforeAll(async () => {
  [harsh, plain] = await Promise.all([
    startAimairaSimulator({ data: dataset(), credentials, profile: 'harsh' }),
    startAimairaSimulator({ data: dataset(), credentials }),
  ]);
});

afterAll(async () => {
  await Promise.all([harsh.close(), plain.close()]);
});

interface Answer {
  status: number;
  body: Record<string, unknown>;
  text: string;
}

async function call(sim: AimairaSimulator, method: string, path: string, body?: unknown): Promise<Answer> {
  const headers: Record<string, string> = { authorization: basic };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${sim.rootUrl}${path}`, {
    method,
    headers,
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  const json = (response.headers.get('content-type') ?? '').includes('json') && text !== '';
  return { status: response.status, body: json ? (JSON.parse(text) as Record<string, unknown>) : {}, text };
}

const get = (sim: AimairaSimulator, path: string) => call(sim, 'GET', path);
const filter = (text: string) => `?$filter=${encodeURIComponent(text)}`;
const valueOf = (answer: Answer) => answer.body['value'] as Record<string, unknown>[];
const errorOf = (answer: Answer) => answer.body['error'] as { code: string; message: string };
const eqChain = (terms: number) =>
  sessionIds
    .slice(0, terms)
    .map((id) => `Id eq ${id}`)
    .join(' or ');

describe('harsh: in and the node limit', () => {
  it('refuses in with 400 in the shape of ASP.NET Web API OData, and takes the same list as or', async () => {
    const refused = await get(harsh, `/Planification${filter('Id in (5000,5001)')}`);
    expect(refused.status).toBe(400);
    expect(errorOf(refused).code).toBe('');
    expect(errorOf(refused).message).toMatch(/^The query specified in the URI is not valid\. .*'in'/);
    const chained = await get(harsh, `/Planification${filter('Id eq 5000 or Id eq 5001')}`);
    expect(valueOf(chained).map((s) => s['Id'])).toEqual([5000, 5001]);
    expect((await get(plain, `/Planification${filter('Id in (5000,5001)')}`)).status).toBe(200);
  });

  it('takes a filter of 100 nodes and refuses one of 101, naming the limit', async () => {
    // 25 terms of three nodes and 24 `or`: 99; each `not` adds one.
    expect(valueOf(await get(harsh, `/Planification${filter(eqChain(25))}`))).toHaveLength(25);
    const hundred = await get(harsh, `/Planification${filter(`not (${eqChain(25)})`)}`);
    expect(hundred.status).toBe(200);
    const over = await get(harsh, `/Planification${filter(`not (not (${eqChain(25)}))`)}`);
    expect(over.status).toBe(400);
    expect(errorOf(over).message).toMatch(/^The query specified in the URI is not valid\. .*101 nodes.*100/);
    expect((await get(plain, `/Planification${filter(eqChain(40))}`)).status).toBe(200);
  });

  it('applies both to collection navigations too', async () => {
    const rows = await get(harsh, `/Planification/5000/PlanificationsRessource${filter('Id in (401)')}`);
    expect(rows.status).toBe(400);
  });
});

describe('harsh: Object', () => {
  it('has no Object collection, but answers /Object/{id} and /Object({id})', async () => {
    const collection = await get(harsh, `/Object${filter('Id eq 5000')}`);
    expect(collection.status).toBe(404);
    expect((await get(harsh, '/Object')).status).toBe(404);
    expect((await get(harsh, '/Object/5000')).body['Id']).toBe(5000);
    expect((await get(harsh, '/Object(5000)')).body['Id']).toBe(5000);
    expect((await get(plain, `/Object${filter('Id eq 5000')}`)).status).toBe(200);
  });
});

describe('harsh: Mail', () => {
  it.each(['Enseignant', 'Professionnel'])(
    'refuses $expand=Mail on %s, in a collection and on one record',
    async (set) => {
      const id = set === 'Enseignant' ? 102 : 103;
      const collection = await get(harsh, `/${set}?$expand=Mail`);
      expect(collection.status).toBe(400);
      expect(errorOf(collection).message).toMatch(/Could not find a property named 'Mail'/);
      expect((await get(harsh, `/${set}/${id}?$expand=Mail`)).status).toBe(400);
      expect((await get(harsh, `/${set}/${id}/Mail`)).status).toBe(404);
      // MailId is there: the e-mail is read by id.
      expect((await get(harsh, `/${set}/${id}`)).body['MailId']).toBe(set === 'Enseignant' ? 202 : 203);
      expect((await get(plain, `/${set}/${id}?$expand=Mail`)).status).toBe(200);
    },
  );

  it('still expands Mail on Apprenant', async () => {
    const learner = await get(harsh, '/Apprenant/101?$expand=Mail');
    expect((learner.body['Mail'] as Record<string, unknown>)['Id']).toBe(201);
  });
});

describe('harsh: paging', () => {
  it('writes nextLink with http:// and an internal host, with the real path and query', async () => {
    const first = await get(harsh, `/Planification${filter('Annule eq false')}&$select=Id`);
    const link = first.body['@odata.nextLink'] as string;
    expect(link.startsWith(`${harshInternalOrigin}/GraphV1/Planification?`)).toBe(true);
    expect(new URL(link).searchParams.get('$skip')).toBe('100');
    // The same path and query on the real origin give the next page (a client must not go to the link's host).
    const url = new URL(link);
    const second = await get(harsh, `${url.pathname.replace('/GraphV1', '')}${url.search}`);
    expect(valueOf(second).map((s) => s['Id'])).toEqual(sessionIds.slice(100));
    const plainLink = (await get(plain, '/Planification')).body['@odata.nextLink'] as string;
    expect(new URL(plainLink).origin).toBe(new URL(plain.rootUrl).origin);
  });
});

describe('harsh: codes listed twice', () => {
  it('lists each code twice with two ids, and records use both', async () => {
    const types = valueOf(await get(harsh, '/TypePlanification'));
    expect(types.map((t) => t['Code'])).toEqual(['SEANCE', 'SEANCE']);
    const [first, second] = types.map((t) => t['Id'] as number);
    const sessions = valueOf(await get(harsh, '/Planification?$select=Id,TypePlanificationId&$top=4'));
    expect(new Set(sessions.map((s) => s['TypePlanificationId']))).toEqual(new Set([first, second]));
    const states = valueOf(await get(harsh, '/EtatConvention'));
    expect(states.map((s) => s['Code'])).toEqual(['COMPLET', 'COMPLET']);
    const conventions = valueOf(await get(harsh, '/Convention?$select=Id,EtatConventionId'));
    expect(new Set(conventions.map((c) => c['EtatConventionId']))).toEqual(new Set(states.map((s) => s['Id'])));
    expect(valueOf(await get(harsh, '/TypeRessource')).map((t) => t['Code'])).toEqual(['APPRENANT', 'APPRENANT']);
    expect(valueOf(await get(plain, '/TypePlanification'))).toHaveLength(1);
  });
});

describe('harsh: ProvenancePresence and date-times', () => {
  it('declares ProvenancePresence an enumeration in $metadata; the default profile says Edm.String', async () => {
    const metadata = (await get(harsh, '/$metadata')).text;
    expect(metadata).toMatch(/<EnumType Name="ProvenancePresence">/);
    for (const member of ['None', 'Badge', 'Salle']) expect(metadata).toContain(`<Member Name="${member}"`);
    expect(metadata).not.toContain('Name="Edusign"');
    expect(metadata).toContain('<Property Name="ProvenancePresence" Type="GraphV1.ProvenancePresence"/>');
    const facilitatorType = /<EntityType Name="Enseignant"[^>]*>([\s\S]*?)<\/EntityType>/.exec(metadata)?.[1] ?? '';
    expect(facilitatorType).toContain('Name="MailId"');
    expect(facilitatorType).not.toContain('NavigationProperty Name="Mail"');
    const plainMetadata = (await get(plain, '/$metadata')).text;
    expect(plainMetadata).toContain('<Property Name="ProvenancePresence" Type="Edm.String"/>');
    expect(plainMetadata).not.toContain('EnumType');
  });

  it('refuses a PUT whose ProvenancePresence is not a member, and resets a left-out one to None', async () => {
    const row = (await get(harsh, '/PlanificationRessource/402')).body;
    const refused = await call(harsh, 'PUT', '/PlanificationRessource/402', { ...row, ProvenancePresence: 'Edusign' });
    expect(refused.status).toBe(400);
    expect(errorOf(refused).message).toMatch(/not a member/);
    expect((await get(harsh, '/PlanificationRessource/402')).body['ProvenancePresence']).toBe('Badge');
    const kept = await call(harsh, 'PUT', '/PlanificationRessource/402', { ...row, ProvenancePresence: 'Salle' });
    expect(kept.body['ProvenancePresence']).toBe('Salle');
    const { ProvenancePresence: _left, ...without } = row;
    const reset = await call(harsh, 'PUT', '/PlanificationRessource/402', without);
    expect(reset.body['ProvenancePresence']).toBe('None');
    const anything = await call(plain, 'PUT', '/PlanificationRessource/402', { ...row, ProvenancePresence: 'Edusign' });
    expect(anything.body['ProvenancePresence']).toBe('Edusign');
  });

  it('stores written date-times rounded to 1/300 s, and answers them so', async () => {
    const row = (await get(harsh, '/PlanificationRessource/401')).body;
    const written = await call(harsh, 'PUT', '/PlanificationRessource/401', {
      ...row,
      ControlePresence: '2026-01-05T08:03:00.004+01:00',
      Debut: '2026-01-05T07:59:59.999Z',
    });
    expect(written.body['ControlePresence']).toBe('2026-01-05T08:03:00.003+01:00');
    expect(written.body['Debut']).toBe('2026-01-05T09:00:00+01:00');
    expect((await get(harsh, '/PlanificationRessource/401')).body['ControlePresence']).toBe(
      '2026-01-05T08:03:00.003+01:00',
    );
    const plainRow = (await get(plain, '/PlanificationRessource/401')).body;
    const exact = await call(plain, 'PUT', '/PlanificationRessource/401', {
      ...plainRow,
      ControlePresence: '2026-01-05T08:03:00.004+01:00',
    });
    expect(exact.body['ControlePresence']).toBe('2026-01-05T08:03:00.004+01:00');
  });
});
