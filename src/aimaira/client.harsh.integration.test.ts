/**
 * The client against the simulator's harsh profile: every strategy found out at first use, or forced; next links
 * on an internal origin; codes listed twice; date-times rounded to 1/300 s. Traffic stays on loopback: the
 * internal host the next links name is never contacted.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { startAimairaSimulator } from '../../sim/aimaira/server.js';
import type { AimairaDataset, AimairaSimulator } from '../../sim/aimaira/server.js';
import { createManualClock } from '../clock.js';
import { HttpStatusError } from '../errors.js';
import { createAimairaClient } from './client.js';
import type { AimairaClientOptions } from './client.js';
import { and, eq, inList } from './query.js';

const credentials = { username: 'ACME\\api@aimaira.fr', password: 'S3cret-pässword' };
const sessionIds = Array.from({ length: 250 }, (_, i) => 50_000 + i * 2);
const learnerIds = Array.from({ length: 300 }, (_, i) => 10_000 + i * 3);
const facilitatorIds = [30_001, 30_002, 30_003];
const tutorIds = [31_001, 31_002];
const rowId = 90_000;
const mailOf = (id: number) => id + 100_000;
const addressOf = (id: number) => `person${id}@example.fr`;

function dataset(): AimairaDataset {
  const people = [...learnerIds, ...facilitatorIds, ...tutorIds];
  return {
    TypePlanification: [
      { Id: 1, Code: 'SEANCE', Nom: 'Séance' },
      { Id: 2, Code: 'EVENEMENT', Nom: 'Événement' },
    ],
    TypeRessource: [
      { Id: 3, Code: 'APPRENANT', Nom: 'Apprenant' },
      { Id: 4, Code: 'PROF', Nom: 'Enseignant' },
    ],
    EtatConvention: [{ Id: 5, Code: 'COMPLET', Nom: 'Complet' }],
    Mail: people.map((id) => ({ Id: mailOf(id), Adresse: addressOf(id) })),
    Apprenant: learnerIds.map((Id, i) => ({ Id, Nom: `Nom${i}`, Prenoms: `Prénom${i}`, MailId: mailOf(Id) })),
    Enseignant: facilitatorIds.map((Id) => ({ Id, Nom: 'Martin', Prenoms: 'Claire', MailId: mailOf(Id) })),
    Professionnel: tutorIds.map((Id) => ({ Id, Nom: 'Durand', Prenoms: 'Paul', MailId: mailOf(Id) })),
    Planification: sessionIds.map((Id, i) => ({
      Id,
      Nom: `Séance ${i}`,
      Debut: new Date(Date.parse('2026-01-05T08:00:00Z') + i * 3_600_000).toISOString(),
      Fin: new Date(Date.parse('2026-01-05T09:00:00Z') + i * 3_600_000).toISOString(),
      TypePlanificationId: 1,
      EntiteJuridiqueId: 7,
    })),
    PlanificationRessource: [
      {
        Id: rowId,
        PlanificationId: sessionIds[0],
        TypeRessourceId: 3,
        Reference: learnerIds[0],
        Detail: 'à garder',
        Debut: '2026-01-05T09:00:00+01:00',
        Fin: '2026-01-05T10:00:00+01:00',
      },
    ],
  };
}

let sim: AimairaSimulator;
let plain: AimairaSimulator;

beforeAll(async () => {
  [sim, plain] = await Promise.all([
    startAimairaSimulator({ data: dataset(), credentials, profile: 'harsh' }),
    startAimairaSimulator({ data: dataset(), credentials }),
  ]);
});

afterAll(async () => {
  await Promise.all([sim.close(), plain.close()]);
});

beforeEach(() => {
  sim.requests.length = 0;
});

const client = (options: Partial<AimairaClientOptions> = {}, target = sim) =>
  createAimairaClient({
    baseUrl: target.rootUrl,
    ...credentials,
    clock: createManualClock(0),
    retry: { maxAttempts: 1 },
    ...options,
  });

const filterOf = (search: string) => new URLSearchParams(search).get('$filter') ?? '';

describe('filters', () => {
  it('learns or chains from the first refused in, then never sends in again', async () => {
    const api = client();
    const types = await api.resolveTypeCodes();
    const seance = types.planification['SEANCE'] ?? [];
    expect(seance).toHaveLength(2);
    const sessions = await api.listAll('Planification', {
      filter: and(eq('Annule', false), inList('TypePlanificationId', seance)),
      select: ['Id'],
    });
    expect(sessions.map((session) => session.Id)).toEqual(sessionIds);
    const [refused, retried] = sim.requests.filter((request) => request.path === '/GraphV1/Planification');
    expect(refused?.status).toBe(400);
    expect(filterOf(refused?.search ?? '')).toMatch(/TypePlanificationId in \(/);
    expect(retried?.status).toBe(200);
    expect(filterOf(retried?.search ?? '')).toMatch(/\(TypePlanificationId eq \d+ or TypePlanificationId eq \d+\)/);
    expect(api.strategies()).toEqual({ filter: 'or' });

    sim.requests.length = 0;
    await api.listByIds('Apprenant', 'Id', learnerIds.slice(0, 50), { select: ['Id'] });
    expect(sim.requests.every((request) => request.status === 200 && !/ in \(/.test(filterOf(request.search)))).toBe(
      true,
    );
  });

  it('reads by id within 100 nodes a request, ranges over runs, and returns only the ids asked', async () => {
    const api = client({ strategies: { filter: 'or' } });
    // Every learner but one in five: ranges step over the others, which must not come back.
    const asked = learnerIds.filter((_, i) => i % 5 !== 4);
    const caller = inList('TypeRessourceId', [3, 4]);
    const learners = await api.listByIds('Apprenant', 'Id', asked, { select: ['Id'] });
    expect(learners.map((learner) => learner.Id).sort((a, b) => a - b)).toEqual(asked);
    expect(sim.requests.every((request) => request.status === 200)).toBe(true);
    expect(sim.requests.some((request) => / ge \d+ and Id le /.test(filterOf(request.search)))).toBe(true);
    // A range read is cheaper than one comparison an id: far fewer requests than 240 / 25.
    expect(sim.requests.length).toBeLessThanOrEqual(3);

    sim.requests.length = 0;
    const rows = await api.listByIds('PlanificationRessource', 'PlanificationId', sessionIds, {
      filter: caller,
      select: ['Id', 'PlanificationId'],
    });
    expect(rows.map((row) => row.Id)).toEqual([rowId]);
    // Not the key: one comparison an id, 100 nodes less the caller's 7 and the `and`, so 23 ids a request.
    expect(sim.requests).toHaveLength(Math.ceil(sessionIds.length / 23));
    expect(sim.requests.every((request) => request.status === 200)).toBe(true);
  });

  it('takes a given in, Object collection and Mail expand as first tries only: refused, it falls back and learns', async () => {
    // What a run does with an out-of-date preflight (the server was upgraded or moved since).
    const api = client({
      strategies: { filter: 'in', objects: 'collection', mail: { Enseignant: 'expand' } },
    });
    const ids = sessionIds.slice(0, 3);
    expect((await api.listByIds('Planification', 'Id', ids, { select: ['Id'] })).map((p) => p.Id).sort()).toEqual(
      [...ids].sort(),
    );
    expect((await api.listByIds('Object', 'Id', ids, { select: ['Id', 'DateCreation'] })).length).toBe(ids.length);
    const [facilitator] = await api.listAll('Enseignant', { select: ['Id', 'MailId'], expand: ['Mail'], top: 1 });
    expect(facilitator?.Mail?.Adresse).toMatch(/@/);
    // `mail` shows once all three person kinds are known; the facilitators' fallback is seen in what came back.
    expect(api.strategies()).toEqual(expect.objectContaining({ filter: 'or', objects: 'per-id' }));
  });

  it('honours a strict strategy (the preflight’s probes): in stays in and fails, or never tries in', async () => {
    const forcedIn = client({ strategies: { filter: 'in' }, strictStrategies: true });
    const error = await forcedIn.listByIds('Planification', 'Id', sessionIds.slice(0, 3)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpStatusError);
    expect((error as HttpStatusError).status).toBe(400);
    expect(sim.requests).toHaveLength(1);
    expect(forcedIn.strategies()).toEqual({ filter: 'in' });

    plain.requests.length = 0;
    const forcedOr = client({ strategies: { filter: 'or', maxFilterNodes: 40 } }, plain);
    expect(await forcedOr.listByIds('Planification', 'Id', sessionIds.slice(0, 20), { select: ['Id'] })).toHaveLength(
      20,
    );
    expect(plain.requests.some((request) => / in \(/.test(filterOf(request.search)))).toBe(false);
  });
});

describe('Object', () => {
  it('reads Object one id at a time where the collection is refused, skips unknown ids, and remembers', async () => {
    const api = client({ strategies: { filter: 'or' } });
    const objects = await api.listByIds('Object', 'Id', [sessionIds[0] ?? 0, sessionIds[1] ?? 0, 999_999_999], {
      select: ['Id', 'DateCreation'],
    });
    expect(objects.map((object) => object.Id)).toEqual(sessionIds.slice(0, 2));
    expect(sim.requests.map((request) => `${request.path} ${request.status}`).sort()).toEqual(
      [
        '/GraphV1/Object 404',
        `/GraphV1/Object/${sessionIds[0]} 200`,
        `/GraphV1/Object/${sessionIds[1]} 200`,
        '/GraphV1/Object/999999999 404',
      ].sort(),
    );
    expect(api.strategies()).toMatchObject({ objects: 'per-id' });

    sim.requests.length = 0;
    await api.listByIds('Object', 'Id', [sessionIds[2] ?? 0], { select: ['Id'] });
    expect(sim.requests.map((request) => request.path)).toEqual([`/GraphV1/Object/${sessionIds[2]}`]);
  });

  it('does not fall back when strictly told the collection works', async () => {
    const api = client({ strategies: { filter: 'or', objects: 'collection' }, strictStrategies: true });
    await expect(api.listByIds('Object', 'Id', [sessionIds[0] ?? 0])).rejects.toThrow(/HTTP 404/);
    expect(sim.requests).toHaveLength(1);
  });
});

describe('Mail', () => {
  it('reads the Mail of facilitators and tutors by MailId where $expand is refused, and expands it on learners', async () => {
    const api = client({ strategies: { filter: 'or' } });
    const facilitators = await api.listByIds('Enseignant', 'Id', facilitatorIds, {
      select: ['Id', 'Nom', 'MailId'],
      expand: ['Mail'],
    });
    expect(facilitators.map((person) => person.Mail?.Adresse)).toEqual(facilitatorIds.map(addressOf));
    expect(sim.requests.map((request) => `${request.path} ${request.status}`)).toEqual([
      '/GraphV1/Enseignant 400',
      '/GraphV1/Enseignant 200',
      '/GraphV1/Mail 200',
    ]);

    // Without MailId selected, the client adds it to find the Mail.
    const tutor = await api.get('Professionnel', tutorIds[0] ?? 0, { select: ['Id', 'Nom'], expand: ['Mail'] });
    expect(tutor?.Mail?.Adresse).toBe(addressOf(tutorIds[0] ?? 0));

    sim.requests.length = 0;
    const learners = await api.listByIds('Apprenant', 'Id', learnerIds.slice(0, 3), {
      select: ['Id', 'MailId'],
      expand: ['Mail'],
    });
    expect(learners.map((person) => person.Mail?.Adresse)).toEqual(learnerIds.slice(0, 3).map(addressOf));
    expect(sim.requests.map((request) => request.path)).toEqual(['/GraphV1/Apprenant']);
    expect(api.strategies().mail).toEqual({ Apprenant: 'expand', Enseignant: 'by-id', Professionnel: 'by-id' });

    // Learned: the next read of facilitators goes straight to MailId.
    sim.requests.length = 0;
    await api.listByIds('Enseignant', 'Id', facilitatorIds, { select: ['Id', 'MailId'], expand: ['Mail'] });
    expect(sim.requests.map((request) => request.status)).toEqual([200, 200]);
  });

  it('fails when strictly told to expand where the server refuses', async () => {
    const api = client({ strategies: { filter: 'or', mail: { Enseignant: 'expand' } }, strictStrategies: true });
    await expect(api.get('Enseignant', facilitatorIds[0] ?? 0, { expand: ['Mail'] })).rejects.toThrow(/HTTP 400/);
  });
});

describe('next links', () => {
  it('follows next links that name an internal origin on the configured one; credentials go nowhere else', async () => {
    const calls: { url: string; authorised: boolean }[] = [];
    const links: string[] = [];
    const recording: typeof fetch = async (input, init) => {
      const url = input instanceof Request ? input.url : input.toString();
      calls.push({ url, authorised: new Headers(init?.headers).has('authorization') });
      const response = await fetch(input, init);
      const body = (await response.clone().json()) as Record<string, unknown>;
      if (typeof body['@odata.nextLink'] === 'string') links.push(body['@odata.nextLink']);
      return response;
    };
    const api = client({ fetch: recording, pageSize: 40 });
    const sessions = await api.listAll('Planification', { select: ['Id'] });
    expect(sessions.map((session) => session.Id)).toEqual(sessionIds);
    expect(links).toHaveLength(6);
    expect(links.every((link) => link.startsWith('http://graph-internal:8080/GraphV1/Planification?'))).toBe(true);
    expect(calls).toHaveLength(7);
    expect(calls.every((call) => new URL(call.url).origin === new URL(sim.rootUrl).origin && call.authorised)).toBe(
      true,
    );
  });
});

describe('codes, date-times and $metadata', () => {
  it('resolves both ids of every code listed twice', async () => {
    const types = await client().resolveTypeCodes();
    for (const code of ['SEANCE', 'EVENEMENT']) expect(types.planification[code]).toHaveLength(2);
    for (const code of ['APPRENANT', 'PROF']) expect(types.ressource[code]).toHaveLength(2);
    // Sessions use both ids of SEANCE.
    const used = new Set(sim.store.list('Planification').map((session) => session['TypePlanificationId']));
    expect(new Set(types.planification['SEANCE'])).toEqual(used);
  });

  it('checks a write at whole seconds: the server keeps 1/300 s, so 08:03:00.004 comes back .003', async () => {
    const api = client();
    const mark = (row: Record<string, unknown>) => ({
      ...row,
      Presence: true,
      ControlePresence: '2026-01-05T08:03:00.004+01:00',
    });
    const result = await api.update('PlanificationRessource', rowId, (row) => mark(row) as typeof row);
    expect(result.outcome).toBe('updated');
    expect(result.outcome === 'updated' && result.after.ControlePresence).toBe('2026-01-05T08:03:00.003+01:00');
    expect(sim.store.get('PlanificationRessource', rowId)?.['Detail']).toBe('à garder');

    sim.requests.length = 0;
    const again = await api.update('PlanificationRessource', rowId, (row) => mark(row) as typeof row);
    expect(again.outcome).toBe('unchanged');
    expect(sim.requests.map((request) => request.method)).toEqual(['GET']);
  });

  it('surfaces a refused ProvenancePresence', async () => {
    const api = client();
    const error = await api
      .update('PlanificationRessource', rowId, (row) => ({ ...row, ProvenancePresence: 'Edusign' }))
      .catch((e: unknown) => e);
    expect((error as HttpStatusError).status).toBe(400);
  });

  it('reads ProvenancePresence from $metadata: an enumeration here, text on the default profile', async () => {
    const metadata = await client().metadata();
    expect(metadata?.provenancePresence?.kind).toBe('enum');
    const members = metadata?.provenancePresence?.kind === 'enum' ? metadata.provenancePresence.members : [];
    expect(members).toEqual(expect.arrayContaining(['None', 'Badge', 'Salle']));
    expect(members).not.toContain('Edusign');
    expect(await client({}, plain).metadata()).toEqual({ provenancePresence: { kind: 'text' } });
  });
});
