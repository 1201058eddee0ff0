import { request as httpRequest } from 'node:http';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { makeRecord } from './entities.js';
import { createAimairaHandler, maxQueryStringLength, startAimairaSimulator } from './server.js';
import type { AimairaDataset, AimairaSimulator } from './server.js';
import { createAimairaStore } from './store.js';

const credentials = { username: 'ACME\\api@aimaira.fr', password: 'pa:ss word', apiKey: 'key-0123456789' };
const basic = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;

const sessionCount = 250;
const firstSessionId = 5000;
const learnerIds = [101, 102, 103];

function dataset(): AimairaDataset {
  const sessions = Array.from({ length: sessionCount }, (_, i) => ({
    Id: firstSessionId + i,
    Nom: `Session ${String(i).padStart(3, '0')}`,
    // Two sessions per day from 2026-01-05, so some are in winter time and some in summer time.
    Debut: new Date(Date.parse('2026-01-05T08:00:00Z') + i * 12 * 3_600_000).toISOString(),
    Fin: new Date(Date.parse('2026-01-05T10:00:00Z') + i * 12 * 3_600_000).toISOString(),
    TypePlanificationId: 10,
    EntiteJuridiqueId: 20,
    Annule: i % 10 === 0,
  }));
  return {
    TypePlanification: [{ Id: 10, Code: 'SEANCE', Nom: 'Seance de cours' }],
    TypeRessource: [{ Id: 11, Code: 'APPRENANT', Nom: 'Apprenant' }],
    Mail: [
      { Id: 201, Adresse: 'ada@example.org' },
      { Id: 202, Adresse: "sean.o'brien@example.org" },
    ],
    Apprenant: [
      { Id: 101, Nom: 'Lovelace', Prenoms: 'Ada', Code: 'A101', MailId: 201 },
      { Id: 102, Nom: "O'Brien", Prenoms: 'Sean', Code: 'A102', MailId: 202 },
      { Id: 103, Nom: 'Hopper', Prenoms: 'Grace', Code: 'A103', MailId: 0 },
    ],
    Planification: sessions,
    PlanificationRessource: learnerIds.map((learner, i) => ({
      Id: 301 + i,
      Nom: `Learner ${learner}`,
      Code: `A${learner}`,
      PlanificationId: firstSessionId,
      TypeRessourceId: 11,
      Reference: learner,
      Debut: '2026-01-05T09:00:00+01:00',
      Fin: '2026-01-05T11:00:00+01:00',
      ProvenancePresence: 'None',
    })),
    Object: [{ Id: firstSessionId, DateCreation: '2025-12-01T10:00:00+01:00' }],
  };
}

let clock = new Date('2026-03-10T09:00:00Z');
let sim: AimairaSimulator;

beforeAll(async () => {
  sim = await startAimairaSimulator({ data: dataset(), credentials, now: () => clock });
});

afterAll(async () => {
  await sim.close();
});

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function call(method: string, path: string, options: { headers?: Record<string, string>; body?: unknown } = {}) {
  const url = path.startsWith('http') ? path : `${sim.rootUrl}${path}`;
  const headers: Record<string, string> = { authorization: basic, ...options.headers };
  const init: RequestInit = { method, headers };
  if (options.body !== undefined) {
    init.body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(url, init);
  const text = await response.text();
  let body: Record<string, unknown> = {};
  if (text !== '' && (response.headers.get('content-type') ?? '').includes('json')) {
    body = JSON.parse(text) as Record<string, unknown>;
  }
  return { status: response.status, headers: response.headers, body, text } satisfies Answer & { text: string };
}

const get = (path: string, headers: Record<string, string> = {}) => call('GET', path, { headers });

function errorOf(answer: Answer): { code: string; message: string } {
  return answer.body['error'] as { code: string; message: string };
}

function valueOf(answer: Answer): Record<string, unknown>[] {
  return answer.body['value'] as Record<string, unknown>[];
}

/** Follows nextLinks to the end; returns every entity and the pages' sizes. */
async function readAll(path: string, headers: Record<string, string> = {}) {
  const entities: Record<string, unknown>[] = [];
  const pages: number[] = [];
  const links: string[] = [];
  let next: string | undefined = `${sim.rootUrl}${path}`;
  while (next !== undefined) {
    const answer = await get(next, headers);
    expect(answer.status).toBe(200);
    entities.push(...valueOf(answer));
    pages.push(valueOf(answer).length);
    next = answer.body['@odata.nextLink'] as string | undefined;
    if (next !== undefined) links.push(next);
  }
  return { entities, pages, links };
}

describe('service root', () => {
  it('lists the entity sets', async () => {
    const answer = await get('');
    expect(answer.status).toBe(200);
    expect(answer.body['@odata.context']).toBe(`${sim.rootUrl}/$metadata`);
    expect(valueOf(answer)).toContainEqual({
      name: 'PlanificationRessource',
      kind: 'EntitySet',
      url: 'PlanificationRessource',
    });
    expect(answer.headers.get('odata-version')).toBe('4.0');
  });

  it('describes the model as EDMX', async () => {
    const answer = await get('/$metadata');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^application\/xml/);
    expect(answer.text).toContain('<edmx:Edmx Version="4.0"');
    expect(answer.text).toContain('<Property Name="Debut" Type="Edm.DateTimeOffset"/>');
    expect(answer.text).toContain(
      '<NavigationProperty Name="PlanificationsRessource" Type="Collection(GraphV1.PlanificationRessource)"/>',
    );
  });
});

describe('authentication', () => {
  it.each([
    ['no credentials', { authorization: '' }],
    ['a wrong password', { authorization: `Basic ${Buffer.from(`${credentials.username}:nope`).toString('base64')}` }],
    [
      'a doubled backslash in the username',
      { authorization: `Basic ${Buffer.from(`ACME\\\\api@aimaira.fr:${credentials.password}`).toString('base64')}` },
    ],
    ['a Bearer token', { authorization: 'Bearer abc' }],
    ['a wrong API key', { authorization: '', 'x-apikey': 'key-wrong' }],
  ])('refuses %s with 401', async (_, headers) => {
    const answer = await get('/Planification', headers);
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toBe('Basic realm="GraphV1"');
    expect(errorOf(answer).code).toBe('Unauthorized');
    expect(answer.text).not.toContain('ACME');
    expect(answer.text).not.toContain('pa:ss');
  });

  it('protects the service document and $metadata too', async () => {
    expect((await get('', { authorization: '' })).status).toBe(401);
    expect((await get('/$metadata', { authorization: '' })).status).toBe(401);
  });

  it('accepts the API key in X-ApiKey', async () => {
    const answer = await get('/TypePlanification', { authorization: '', 'x-apikey': credentials.apiKey });
    expect(answer.status).toBe(200);
  });
});

describe('collections and paging', () => {
  it('answers 100 entities per page by default with an absolute nextLink, and every entity once', async () => {
    const { entities, pages, links } = await readAll('/Planification');
    expect(pages).toEqual([100, 100, 50]);
    expect(entities.map((e) => e['Id'])).toEqual(Array.from({ length: sessionCount }, (_, i) => firstSessionId + i));
    expect(links[0]).toBe(`${sim.rootUrl}/Planification?$skip=100`);
  });

  it('honours Prefer: odata.maxpagesize up to 200', async () => {
    const small = await readAll('/Planification', { prefer: 'odata.maxpagesize=60' });
    expect(small.pages).toEqual([60, 60, 60, 60, 10]);
    const answer = await get('/Planification', { prefer: 'return=minimal, odata.maxpagesize=1000' });
    expect(valueOf(answer)).toHaveLength(200);
    expect(answer.headers.get('preference-applied')).toBe('odata.maxpagesize=200');
  });

  it('repeats the query options in the nextLink and keeps $top as a cap on the total', async () => {
    const path = `/Planification?$filter=Annule eq false&$orderby=Debut desc&$select=Id,Debut&$top=130&$skip=5`;
    const { entities, pages, links } = await readAll(path, { prefer: 'odata.maxpagesize=50' });
    expect(pages).toEqual([50, 50, 30]);
    expect(links[0]).toContain('$filter=Annule%20eq%20false&$orderby=Debut%20desc&$select=Id,Debut&$top=80&$skip=55');
    expect(links[1]).toContain('$top=30&$skip=105');
    const all = (
      await readAll('/Planification?$filter=Annule eq false&$orderby=Debut desc', { prefer: 'odata.maxpagesize=200' })
    ).entities;
    expect(entities.map((e) => e['Id'])).toEqual(all.slice(5, 135).map((e) => e['Id']));
    expect(Object.keys(entities[0] ?? {})).toEqual(['Id', 'Debut']);
  });

  it('counts every match with $count=true', async () => {
    const answer = await get('/Planification?$filter=Annule eq true&$count=true&$top=3');
    expect(answer.body['@odata.count']).toBe(25);
    expect(valueOf(answer)).toHaveLength(3);
    expect(answer.body['@odata.nextLink']).toBeUndefined();
  });

  it('builds the nextLink on the host the client used', async () => {
    const body = await new Promise<string>((resolve, reject) => {
      const request = httpRequest(
        `${sim.rootUrl}/Planification?$select=Id`,
        { headers: { authorization: basic, host: 'graphacme.example:8443' } },
        (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString()));
          response.on('end', () => resolve(text));
        },
      );
      request.on('error', reject);
      request.end();
    });
    const parsed = JSON.parse(body) as Record<string, unknown>;
    expect(parsed['@odata.nextLink']).toBe('http://graphacme.example:8443/GraphV1/Planification?$select=Id&$skip=100');
    expect(parsed['@odata.context']).toBe('http://graphacme.example:8443/GraphV1/$metadata#Planification(Id)');
  });

  it('answers an in filter with the listed entities only', async () => {
    const ids = [firstSessionId + 7, firstSessionId + 3, firstSessionId + 249, 999_999];
    const answer = await get(`/Planification?$filter=Id in (${ids.join(',')})&$select=Id`);
    expect(valueOf(answer)).toEqual([
      { Id: firstSessionId + 3 },
      { Id: firstSessionId + 7 },
      { Id: firstSessionId + 249 },
    ]);
    const objects = await get(`/Object?$filter=Id in (${firstSessionId},101)`);
    expect(valueOf(objects).map((o) => [o['Id'], o['Type'], o['Actif']])).toEqual([
      [101, 'apprenant.T_APPRENANT', true],
      [firstSessionId, 'planification.T_PLANIFICATION', true],
    ]);
    expect(valueOf(objects)[1]?.['DateCreation']).toBe('2025-12-01T10:00:00+01:00');
  });

  it('filters on a date-time range given with any offset', async () => {
    const from = encodeURIComponent('2026-01-05T09:00:00+01:00');
    const answer = await get(`/Planification?$filter=Debut ge ${from} and Debut lt 2026-01-06T07:00:00Z&$select=Id`);
    expect(valueOf(answer)).toEqual([{ Id: firstSessionId }, { Id: firstSessionId + 1 }]);
  });

  it('expands Mail and filters on Mail/Adresse', async () => {
    const answer = await get(
      `/Apprenant?$expand=Mail&$filter=Mail/Adresse eq 'sean.o''brien@example.org'&$select=Id,Nom`,
    );
    expect(valueOf(answer)).toEqual([
      {
        Id: 102,
        Nom: "O'Brien",
        Mail: { Id: 202, Nom: '', Code: '', Adresse: "sean.o'brien@example.org", IsDuplicate: false },
      },
    ]);
    const all = await get('/Apprenant?$expand=Mail&$select=Id');
    expect(valueOf(all).map((learner) => learner['Mail'] === null)).toEqual([false, false, true]);
  });

  it('answers 404 for an unknown set and 400 for bad query options', async () => {
    const unknownSet = await get('/Planifications');
    expect(unknownSet.status).toBe(404);
    expect(errorOf(unknownSet).code).toBe('NotFound');
    for (const [query, message] of [
      ['$filter=Nom eq', 'found the end of the expression'],
      ['$filter=Foo eq 1', "could not find a property named 'Foo' on Planification"],
      ['$select=Nom,Foo', "'Foo'"],
      ['$expand=Mail', "navigation property named 'Mail' on Planification"],
      ['$top=-5', '$top'],
      ['$skip=abc', '$skip'],
      ['$orderby=Debut upward', 'Debut upward'],
      ['$format=json', "'$format' is not supported"],
    ]) {
      const answer = await get(`/Planification?${query}`);
      expect(answer.status, query).toBe(400);
      expect(errorOf(answer).code).toBe('BadRequest');
      expect(errorOf(answer).message).toContain(message);
    }
  });

  it('refuses a query string longer than 2048 characters with 414', async () => {
    const ids = Array.from({ length: 450 }, (_, i) => firstSessionId + i).join(',');
    const query = `$filter=Id%20in%20(${ids})`;
    expect(query.length).toBeGreaterThan(maxQueryStringLength);
    const answer = await get(`/Planification?${query}`);
    expect(answer.status).toBe(414);
    expect(errorOf(answer).message).toContain('at most 2048');
    // Counted as sent, encoded: here exactly at the limit, then one character over.
    const exact = `$filter=Id%20eq%201&x=${'a'.repeat(maxQueryStringLength - 22)}`;
    expect(exact.length).toBe(maxQueryStringLength);
    expect((await get(`/Planification?${exact}`)).status).toBe(200);
    expect((await get(`/Planification?${exact}a`)).status).toBe(414);
  });
});

describe('single entities and navigations', () => {
  it('answers an entity by /Set/id and /Set(id) with its context', async () => {
    const byPath = await get(`/Planification/${firstSessionId}`);
    const byKey = await get(`/Planification(${firstSessionId})`);
    expect(byPath.status).toBe(200);
    expect(byPath.body).toEqual(byKey.body);
    expect(byPath.body['@odata.context']).toBe(`${sim.rootUrl}/$metadata#Planification/$entity`);
    expect(byPath.body['Nom']).toBe('Session 000');
  });

  it('honours $select and $expand on an entity', async () => {
    const answer = await get('/Apprenant/101?$select=Nom,Mail&$expand=Mail');
    expect(answer.body).toEqual({
      '@odata.context': `${sim.rootUrl}/$metadata#Apprenant(Nom)/$entity`,
      Nom: 'Lovelace',
      Mail: { Id: 201, Nom: '', Code: '', Adresse: 'ada@example.org', IsDuplicate: false },
    });
  });

  it('answers 404 for an unknown id and 400 for a key that is not an integer', async () => {
    const missing = await get('/Planification/42');
    expect(missing.status).toBe(404);
    expect(errorOf(missing)).toEqual({ code: 'NotFound', message: 'No Planification with Id 42' });
    expect((await get('/Planification/abc')).status).toBe(400);
    expect((await get('/Planification(1.5)')).status).toBe(400);
    expect((await get(`/Planification/${firstSessionId}?$top=1`)).status).toBe(400);
  });

  it('lists a session resource rows through PlanificationsRessource, with query options', async () => {
    const rows = await get(`/Planification/${firstSessionId}/PlanificationsRessource`);
    expect(rows.status).toBe(200);
    expect(rows.body['@odata.context']).toBe(`${sim.rootUrl}/$metadata#PlanificationRessource`);
    expect(valueOf(rows).map((row) => row['Reference'])).toEqual(learnerIds);
    expect(valueOf(rows)[0]?.['Debut']).toBe('2026-01-05T09:00:00+01:00');

    const filtered = await get(
      `/Planification(${firstSessionId})/PlanificationsRessource?$filter=Code eq 'A102'&$count=true`,
    );
    expect(filtered.body['@odata.count']).toBe(1);
    expect(valueOf(filtered).map((row) => row['Id'])).toEqual([302]);

    const paged = await readAll(`/Planification/${firstSessionId}/PlanificationsRessource`, {
      prefer: 'odata.maxpagesize=2',
    });
    expect(paged.pages).toEqual([2, 1]);
    expect((await get(`/Planification/${firstSessionId + 1}/PlanificationsRessource`)).body['value']).toEqual([]);
    expect((await get('/Planification/42/PlanificationsRessource')).status).toBe(404);
    expect((await get(`/Planification/${firstSessionId}/Rows`)).status).toBe(404);
  });

  it('follows a one-valued navigation, 204 when it points nowhere', async () => {
    const mail = await get('/Apprenant/101/Mail');
    expect(mail.body['Adresse']).toBe('ada@example.org');
    expect((await get('/Apprenant/103/Mail')).status).toBe(204);
  });
});

describe('writes', () => {
  it('PUT replaces the whole entity: fields not sent are reset to their empty value', async () => {
    const before = await get('/PlanificationRessource/301');
    expect(before.body['Reference']).toBe(101);
    expect(before.body['PlanificationId']).toBe(firstSessionId);

    const put = await call('PUT', '/PlanificationRessource/301', { body: { Id: 999, Presence: true } });
    expect(put.status).toBe(200);

    const after = await get('/PlanificationRessource/301');
    const { '@odata.context': context, ...entity } = after.body;
    expect(context).toBe(`${sim.rootUrl}/$metadata#PlanificationRessource/$entity`);
    expect(entity).toEqual(makeRecord('PlanificationRessource', { Id: 301, Presence: true }));
    expect(put.body).toEqual(after.body);
  });

  it('GET-modify-PUT keeps every field and stores date-times as Paris time', async () => {
    const before = await get('/PlanificationRessource/302');
    const changed = {
      ...before.body,
      Presence: true,
      Retard: true,
      ControlePresence: '2026-01-05T08:05:00Z',
      ProvenancePresence: 'Edusign',
    };
    clock = new Date('2026-03-10T10:30:00Z');
    const put = await call('PUT', '/PlanificationRessource/302', { body: changed });
    expect(put.status).toBe(200);
    const after = await get('/PlanificationRessource/302');
    expect(after.body).toEqual({ ...changed, ControlePresence: '2026-01-05T09:05:00+01:00' });
    const metadata = await get('/Object/302');
    expect(metadata.body['DateModification']).toBe('2026-03-10T11:30:00+01:00');
  });

  it('answers date-times in Paris time, winter and summer, whatever offset they were written with', async () => {
    const created = await call('POST', '/Planification', {
      body: {
        EntiteJuridiqueId: 20,
        TypePlanificationId: 10,
        Debut: '2026-07-01T08:00:00+02:00',
        Fin: '2026-07-01T03:00:00-04:00',
        DateSynchronisation: '2026-01-15T12:00:00.250Z',
      },
    });
    expect(created.status).toBe(201);
    const id = created.body['Id'] as number;
    expect(id).toBeGreaterThanOrEqual(firstSessionId + sessionCount);
    expect(created.headers.get('location')).toBe(`${sim.rootUrl}/Planification(${id})`);
    const read = await get(`/Planification/${id}`);
    expect(read.body['Debut']).toBe('2026-07-01T08:00:00+02:00');
    expect(read.body['Fin']).toBe('2026-07-01T09:00:00+02:00');
    expect(read.body['DateSynchronisation']).toBe('2026-01-15T13:00:00.250+01:00');

    // The documented example: written at +02:00 in January, answered at +01:00.
    const documented = await call('PUT', `/Planification/${id}`, {
      body: { ...read.body, Debut: '2022-01-01T08:00:00+02:00', Fin: '2022-01-01T09:00:00+02:00' },
    });
    expect(documented.body['Debut']).toBe('2022-01-01T07:00:00+01:00');
    expect(documented.body['Fin']).toBe('2022-01-01T08:00:00+01:00');
  });

  it('creates the Object metadata of a new entity with the clock of the simulator', async () => {
    clock = new Date('2026-06-01T06:00:00Z');
    const created = await call('POST', '/Mail', { body: { Adresse: 'new@example.org', Id: 5 } });
    const id = created.body['Id'] as number;
    expect(id).not.toBe(5);
    const metadata = await get(`/Object/${id}`);
    expect(metadata.body).toMatchObject({
      Id: id,
      DateCreation: '2026-06-01T08:00:00+02:00',
      DateModification: '2026-06-01T08:00:00+02:00',
      DateSuppression: null,
      Actif: true,
      Type: 'contact.T_MAIL',
    });
  });

  it.each([
    ['a string for an integer', { PlanificationId: '5000' }, 'PlanificationRessource.PlanificationId (Edm.Int32)'],
    ['null for a boolean', { Presence: null }, 'PlanificationRessource.Presence (Edm.Boolean)'],
    ['a number for a string', { Nom: 12 }, 'PlanificationRessource.Nom (Edm.String)'],
    ['a date-time without offset', { ControlePresence: '2026-01-05T08:05:00' }, 'has no offset'],
    ['an unknown field', { Presense: true }, "PlanificationRessource has no field 'Presense'"],
    ['a navigation property', { Planification: {} }, "has no field 'Planification'"],
    ['a string Id', { Id: '303' }, 'PlanificationRessource.Id'],
  ])('PUT with %s is 400 naming the field', async (_, body, message) => {
    const before = await get('/PlanificationRessource/303');
    const answer = await call('PUT', '/PlanificationRessource/303', { body: { ...before.body, ...body } });
    expect(answer.status).toBe(400);
    expect(errorOf(answer).code).toBe('BadRequest');
    expect(errorOf(answer).message).toContain(message);
    expect((await get('/PlanificationRessource/303')).body).toEqual(before.body);
  });

  it('refuses bodies that are not JSON objects', async () => {
    expect((await call('PUT', '/PlanificationRessource/303', { body: '{"Presence": tru' })).status).toBe(400);
    expect((await call('PUT', '/PlanificationRessource/303', { body: '[]' })).status).toBe(400);
    expect(
      (await call('PUT', '/PlanificationRessource/303', { body: '', headers: { 'content-type': 'application/json' } }))
        .status,
    ).toBe(400);
    const form = await call('PUT', '/PlanificationRessource/303', {
      body: 'Presence=true',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);
  });

  it('PATCH is 405: Aimaira has no partial update', async () => {
    const answer = await call('PATCH', '/PlanificationRessource/303', { body: { Presence: true } });
    expect(answer.status).toBe(405);
    expect(answer.headers.get('allow')).toBe('GET, PUT, DELETE');
    expect(errorOf(answer).message).toContain('no partial update');
  });

  it('PUT on an unknown id is 404, and Object is read-only', async () => {
    expect((await call('PUT', '/PlanificationRessource/42', { body: { Presence: true } })).status).toBe(404);
    expect((await call('PUT', `/Object/${firstSessionId}`, { body: { Actif: false } })).status).toBe(405);
    expect((await call('POST', '/Object', { body: {} })).status).toBe(405);
    expect((await call('DELETE', `/Object/${firstSessionId}`)).status).toBe(405);
  });

  it('POST checks the fields documented as mandatory', async () => {
    const answer = await call('POST', '/Planification', { body: { Nom: 'x', Debut: '2026-01-01T08:00:00Z' } });
    expect(answer.status).toBe(400);
    expect(errorOf(answer).message).toBe('A new Planification needs EntiteJuridiqueId, TypePlanificationId, Fin');
  });

  it('DELETE removes the entity with its rows and deactivates its Object', async () => {
    const id = firstSessionId + 249;
    sim.store.insert('PlanificationRessource', { Id: 90_001, PlanificationId: id });
    clock = new Date('2026-12-24T17:00:00Z');
    const answer = await call('DELETE', `/Planification/${id}`);
    expect(answer.status).toBe(204);
    expect((await get(`/Planification/${id}`)).status).toBe(404);
    expect((await get('/PlanificationRessource/90001')).status).toBe(404);
    const metadata = await get(`/Object/${id}`);
    expect(metadata.body).toMatchObject({ Actif: false, DateSuppression: '2026-12-24T18:00:00+01:00' });
    expect((await call('DELETE', `/Planification/${id}`)).status).toBe(404);
  });
});

describe('the shell around the handler', () => {
  it('records requests and applies fault rules', async () => {
    sim.faults.add({ kind: 'rate-limit', path: '/GraphV1/TypeRessource', times: 1, retryAfter: '2' });
    const limited = await get('/TypeRessource');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect((await get('/TypeRessource')).status).toBe(200);
    expect(sim.requests.filter((r) => r.path === '/GraphV1/TypeRessource').map((r) => r.status)).toEqual([429, 200]);
  });
});

describe('performance', () => {
  it('answers PlanificationId in (150 ids) over 50,000 rows in milliseconds', () => {
    const sessions = Array.from({ length: 3000 }, (_, i) => ({ Id: 1_000_000 + i }));
    const rows = Array.from({ length: 51_000 }, (_, i) => ({
      Id: 2_000_000 + i,
      PlanificationId: 1_000_000 + (i % 3000),
      Presence: i % 2 === 0,
    }));
    const store = createAimairaStore({ data: { Planification: sessions, PlanificationRessource: rows } });
    const handler = createAimairaHandler(store, { credentials });
    const ids = Array.from({ length: 150 }, (_, i) => 1_000_000 + i * 7);
    const url = new URL(
      `http://127.0.0.1/GraphV1/PlanificationRessource?$filter=PlanificationId in (${ids.join(',')}) and Presence eq true`,
    );
    const ask = () => handler({ method: 'GET', url, headers: { authorization: basic, host: 'sim' }, body: '' });
    void ask();
    const started = performance.now();
    const answer = ask();
    const elapsed = performance.now() - started;
    expect(answer).toMatchObject({ status: 200 });
    expect(((answer as { body: Record<string, unknown> }).body['value'] as unknown[]).length).toBe(100);
    // Typically 1-3 ms; the bound leaves room for a loaded machine.
    expect(elapsed).toBeLessThan(200);
  });
});
