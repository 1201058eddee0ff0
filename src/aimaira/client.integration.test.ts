import { DateTime } from 'luxon';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { startAimairaSimulator } from '../../sim/aimaira/server.js';
import type { AimairaSimulator } from '../../sim/aimaira/server.js';
import { createManualClock } from '../clock.js';
import type { ManualClock } from '../clock.js';
import { HttpStatusError, NetworkError } from '../errors.js';
import { createAimairaClient } from './client.js';
import type { AimairaClientOptions } from './client.js';
import { and, eq, ge, inList, lt } from './query.js';

const T0 = Date.parse('2026-01-05T08:00:00Z'); // Monday 09:00 in Paris
const credentials = { username: 'ACME\\api@aimaira.fr', password: 'S3cret-pässword', apiKey: 'key-0123456789' };
const paris = (iso: string): string =>
  DateTime.fromISO(iso, { zone: 'Europe/Paris' }).toISO({ suppressMilliseconds: true }) ?? '';

// Ids are unique across entity sets in Aimaira (and in the simulator): one range per set.
const typePlanification = { SEANCE: 1, EXAMEN: 2, EVENEMENT: 3, RESERVATIO: 4 };
const typeRessource = { SALLE: 11, MATERIEL: 12, APPRENANT: 13, PROF: 14, GROUPE: 15 };
const sessionCount = 450;
const learnerCount = 1000;
const sessionIds = Array.from({ length: sessionCount }, (_, i) => 20_000 + i);
const learnerIds = Array.from({ length: learnerCount }, (_, i) => 10_000 + i);
const rowId = 30_000;
const sessionId = 20_000;
const hostileName = "O'Brien & Fils #1 +100% Zoë";
const hostileMail = "o'brien+edusign@example.fr";

const seed = () => ({
  TypePlanification: Object.entries(typePlanification).map(([Code, Id]) => ({ Id, Code, Nom: Code })),
  // Padded like a fixed-width database column.
  TypeRessource: Object.entries(typeRessource).map(([Code, Id]) => ({ Id, Code: Code.padEnd(10), Nom: Code })),
  Ecole: [{ Id: 50, Code: 'BRAND', Nom: 'Brand school', LibelleExterne: 'Brand', Parametres: { colour: 'blue' } }],
  Programme: [{ Id: 60, Code: 'PRG', Nom: 'Programme', EcoleId: 50, EntiteJuridiqueId: 70 }],
  Campus: [{ Id: 70, Code: 'PAR', Nom: 'Paris' }],
  Mail: learnerIds.map((id, i) => ({ Id: id - 8_000, Adresse: i === 0 ? hostileMail : `learner${i}@example.fr` })),
  Apprenant: learnerIds.map((id, i) => ({
    Id: id,
    Code: `A${String(i).padStart(5, '0')}`,
    Nom: i === 0 ? hostileName : `Nom${i}`,
    Prenoms: `Prénom${i}`,
    MailId: id - 8_000,
    DateNaissance: paris('2004-05-06T00:00:00'),
    Photo: i === 0 ? { url: 'https://example.fr/p.png' } : null,
  })),
  Enseignant: [{ Id: 40, Code: 'P00000042', Nom: 'Martin', Prenoms: 'Claire', Login: 'cmartin' }],
  Planification: sessionIds.map((id, i) => ({
    Id: id,
    Nom: `Séance ${i}`,
    Code: `S${i}`,
    EntiteJuridiqueId: 70,
    // One session an hour from Monday 9:00 Paris.
    Debut: DateTime.fromMillis(T0, { zone: 'Europe/Paris' }).plus({ hours: i }).toISO({ suppressMilliseconds: true }),
    Fin: DateTime.fromMillis(T0, { zone: 'Europe/Paris' })
      .plus({ hours: i + 1 })
      .toISO({ suppressMilliseconds: true }),
    TypePlanificationId: i % 10 === 0 ? typePlanification.EVENEMENT : typePlanification.SEANCE,
    Enseignants: 'Martin Claire',
    ReferenceExterne: `ext-${i}`,
    ReferenceMultiple: i === 0 ? 'RM-7' : null,
    ProgrammeId: i % 10 === 0 ? 0 : 60,
    SequenceId: 80,
    CommentaireInterneId: 90,
  })),
  PlanificationRessource: [
    ...learnerIds.slice(0, 3).map((learner, i) => ({
      Id: rowId + i,
      Nom: `Nom${i}`,
      Code: `A${String(i).padStart(5, '0')}`,
      PlanificationId: sessionId,
      TypeRessourceId: typeRessource.APPRENANT,
      Debut: paris('2026-01-05T09:00:00'),
      Fin: paris('2026-01-05T10:00:00'),
      PlanificationDebut: paris('2026-01-05T09:00:00'),
      PlanificationFin: paris('2026-01-05T10:00:00'),
      Reference: learner,
      IdProgramme: 60,
      IdSequence: 80,
      Detail: 'détail à garder',
      MotifId: 5,
      ReferenceTraitement: 'RT-1',
      ProvenancePresence: 'None',
      CommentaireId: 6,
      LibelleEtatInscription: 'En cours de scolarité',
      RessourceCampusId: 70,
    })),
    {
      Id: rowId + 10,
      Nom: 'Salle 101',
      Code: 'S101',
      PlanificationId: sessionId,
      TypeRessourceId: typeRessource.SALLE,
      Reference: 99,
    },
  ],
});

let sim: AimairaSimulator;
let clock: ManualClock;

const makeClient = (options: Partial<AimairaClientOptions> = {}) =>
  createAimairaClient({
    baseUrl: sim.rootUrl,
    // A doubled backslash, as a user may type it in a configuration file.
    username: 'ACME\\\\api@aimaira.fr',
    password: credentials.password,
    clock,
    random: () => 0.5,
    ...options,
  });

const apiRequests = (method?: string) => sim.requests.filter((r) => method === undefined || r.method === method);
const storedRow = (id = rowId) => ({ ...sim.store.get('PlanificationRessource', id) });

beforeAll(async () => {
  sim = await startAimairaSimulator({ data: seed(), credentials, port: 0 });
});
afterAll(() => sim.close());
afterEach(() => {
  sim.faults.clear();
  sim.requests.length = 0;
});

const reset = () => {
  clock = createManualClock(T0);
};

describe('reading', () => {
  it('follows nextLink over 450 sessions: three pages, every session once', async () => {
    reset();
    const client = makeClient();
    const sizes: number[] = [];
    const ids: number[] = [];
    for await (const page of client.list('Planification')) {
      sizes.push(page.length);
      ids.push(...page.map((session) => session.Id));
    }
    expect(sizes).toEqual([200, 200, 50]);
    expect(ids).toHaveLength(sessionCount);
    expect(new Set(ids).size).toBe(sessionCount);
    expect([...ids].sort((a, b) => a - b)).toEqual(sessionIds);
    expect(apiRequests('GET').map((r) => r.path)).toEqual(Array(3).fill('/GraphV1/Planification'));
    expect(sim.requests.every((r) => r.status === 200)).toBe(true);
  });

  it('reads a window with a date-time filter, an order and a selection', async () => {
    reset();
    const client = makeClient();
    const from = DateTime.fromISO('2026-01-06T00:00:00', { zone: 'Europe/Paris' });
    const sessions = await client.listAll('Planification', {
      filter: and(ge('Debut', from), lt('Debut', from.plus({ days: 1 })), eq('Annule', false)),
      select: ['Debut', 'TypePlanificationId', 'ProgrammeId'],
      orderBy: ['Debut desc'],
    });
    // Monday 09:00 + i hours: Tuesday holds i = 15..38.
    expect(sessions.map((s) => s.Id)).toEqual(sessionIds.slice(15, 39).reverse());
    expect(Object.keys(sessions[0] ?? {}).sort()).toEqual(['Debut', 'Id', 'ProgrammeId', 'TypePlanificationId']);
    expect(sessions.at(-1)?.Debut).toBe('2026-01-06T00:00:00+01:00');
  });

  it('finds records by values holding quotes, ampersands, hashes, plus signs and percent signs', async () => {
    reset();
    const client = makeClient();
    const byName = await client.listAll('Apprenant', { filter: eq('Nom', hostileName) });
    const byMail = await client.listAll('Apprenant', { filter: eq('Mail/Adresse', hostileMail), expand: ['Mail'] });
    expect(byName.map((l) => l.Id)).toEqual([learnerIds[0]]);
    expect(byMail.map((l) => l.Id)).toEqual([learnerIds[0]]);
    expect(byMail[0]?.Mail?.Adresse).toBe(hostileMail);
  });

  it('parses an expanded Mail, and reads one record or undefined for an unknown id', async () => {
    reset();
    const client = makeClient();
    const learner = await client.get('Apprenant', learnerIds[1] ?? 0, { expand: ['Mail'] });
    expect(learner?.Mail).toEqual({ Id: 2_001, Nom: '', Code: '', Adresse: 'learner1@example.fr', IsDuplicate: false });
    expect(learner?.Prenoms).toBe('Prénom1');
    const selected = await client.get('Apprenant', learnerIds[2] ?? 0, { select: ['Nom'], expand: ['Mail'] });
    expect(selected).toEqual({
      '@odata.context': expect.any(String) as unknown,
      Id: learnerIds[2],
      Nom: 'Nom2',
      Mail: expect.objectContaining({ Adresse: 'learner2@example.fr' }) as unknown,
    });
    expect(await client.get('Apprenant', 999_999)).toBeUndefined();
    expect(apiRequests().map((r) => r.status)).toEqual([200, 200, 404]);
  });

  it('reads a session resource rows through its navigation, and undefined for an unknown session', async () => {
    reset();
    const client = makeClient();
    const rows = await client.navigation('Planification', sessionId, 'PlanificationsRessource', {
      filter: eq('TypeRessourceId', typeRessource.APPRENANT),
    });
    expect(rows?.map((row) => row.Reference)).toEqual(learnerIds.slice(0, 3));
    expect(await client.navigation('Planification', 1_234_567, 'PlanificationsRessource')).toBeUndefined();
  });

  it('reads 1,000 learners by id in several requests, each under the query length limit', async () => {
    reset();
    const client = makeClient();
    const shuffled = [...learnerIds].reverse();
    const learners = await client.listByIds('Apprenant', 'Id', [...shuffled, ...shuffled.slice(0, 10)], {
      select: ['Nom', 'Prenoms', 'MailId'],
      expand: ['Mail'],
    });
    expect(learners).toHaveLength(learnerCount);
    expect(new Set(learners.map((l) => l.Id))).toEqual(new Set(learnerIds));
    expect(learners.every((l) => typeof l.Mail?.Adresse === 'string')).toBe(true);
    const gets = apiRequests('GET');
    expect(gets.length).toBeGreaterThan(3);
    expect(gets.every((r) => r.status === 200)).toBe(true);
    expect(Math.max(...gets.map((r) => r.search.length - 1))).toBeLessThanOrEqual(2048);
    // Chunks of more than 200 ids are paged too: the next links stay under the limit as well.
    expect(gets.some((r) => r.search.includes('$skip='))).toBe(true);
  });

  it('combines the caller filter with the id chunks', async () => {
    reset();
    const client = makeClient();
    const sessions = await client.listByIds('Planification', 'Id', sessionIds, {
      filter: eq('TypePlanificationId', typePlanification.EVENEMENT),
    });
    expect(sessions.map((s) => s.Id).sort((a, b) => a - b)).toEqual(sessionIds.filter((_, i) => i % 10 === 0));
    expect(await client.listByIds('Planification', 'Id', [])).toEqual([]);
  });

  it("resolves this tenant's type ids by code", async () => {
    reset();
    const asLists = (ids: Record<string, number>) =>
      Object.fromEntries(Object.entries(ids).map(([code, id]) => [code, [id]]));
    expect(await makeClient().resolveTypeCodes()).toEqual({
      planification: asLists(typePlanification),
      ressource: asLists(typeRessource),
    });
  });
});

describe('authentication', () => {
  it('accepts the login typed with one backslash as well', async () => {
    reset();
    const client = makeClient({ username: credentials.username });
    expect(await client.listAll('Campus')).toHaveLength(1);
  });

  it('sends X-ApiKey when configured with an API key', async () => {
    reset();
    const client = createAimairaClient({ baseUrl: sim.rootUrl, apiKey: credentials.apiKey, clock });
    expect((await client.listAll('Ecole')).map((e) => e.Code)).toEqual(['BRAND']);
  });

  it('fails at once on a wrong password, with a 401 that does not show the password', async () => {
    reset();
    const client = makeClient({ password: 'wrong-password' });
    const error = await client.listAll('Campus').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpStatusError);
    expect((error as HttpStatusError).status).toBe(401);
    expect((error as HttpStatusError).system).toBe('aimaira');
    expect(String((error as Error).message)).not.toContain('wrong-password');
    expect(String((error as Error).message)).not.toContain(credentials.password);
    expect(sim.requests).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });
});

describe('faults', () => {
  it('waits as long as Retry-After says, in seconds', async () => {
    reset();
    sim.faults.add({ kind: 'rate-limit', path: '/GraphV1/Campus', times: 1, retryAfter: '3' });
    expect(await makeClient().listAll('Campus')).toHaveLength(1);
    expect(clock.sleeps).toHaveLength(1);
    expect(clock.sleeps[0]).toBeGreaterThanOrEqual(3_000);
    expect(sim.requests.map((r) => r.status)).toEqual([429, 200]);
  });

  it('waits as long as Retry-After says, as an HTTP date', async () => {
    reset();
    const retryAfter = new Date(T0 + 7_000).toUTCString();
    sim.faults.add({ kind: 'rate-limit', path: '/GraphV1/Campus', times: 1, retryAfter });
    expect(await makeClient().listAll('Campus')).toHaveLength(1);
    expect(clock.sleeps).toHaveLength(1);
    expect(clock.sleeps[0]).toBeGreaterThanOrEqual(7_000);
  });

  it('does not wait for a Retry-After beyond the longest accepted wait', async () => {
    reset();
    sim.faults.add({ kind: 'rate-limit', path: '/GraphV1/Campus', times: 1, retryAfter: '3600' });
    await expect(makeClient().listAll('Campus')).rejects.toMatchObject({ name: 'HttpStatusError', status: 429 });
    expect(sim.requests).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('retries a 5xx with backoff, then succeeds', async () => {
    reset();
    sim.faults.add({ kind: 'server-error', path: '/GraphV1/Campus', times: 2, status: 503 });
    expect(await makeClient().listAll('Campus')).toHaveLength(1);
    expect(sim.requests.map((r) => r.status)).toEqual([503, 503, 200]);
    // Full jitter with random() = 0.5: half of 500 ms, then half of 1,000 ms.
    expect(clock.sleeps).toEqual([250, 500]);
  });

  it('retries an HTML 502, and shows its excerpt when the attempts run out', async () => {
    reset();
    sim.faults.add({ kind: 'html-error', path: '/GraphV1/Campus' });
    const error = await makeClient({ retry: { maxAttempts: 3 } })
      .listAll('Campus')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpStatusError);
    expect((error as HttpStatusError).status).toBe(502);
    expect((error as HttpStatusError).bodyExcerpt).toContain('502 Bad Gateway');
    expect((error as HttpStatusError).url).toBe(`${sim.rootUrl}/Campus`);
    expect(sim.requests).toHaveLength(3);
  });

  it('gives up after a finite number of attempts', async () => {
    reset();
    sim.faults.add({ kind: 'server-error', path: '/GraphV1/Campus', status: 500 });
    await expect(makeClient().listAll('Campus')).rejects.toMatchObject({ status: 500 });
    expect(sim.requests).toHaveLength(5);
    expect(clock.sleeps).toHaveLength(4);
  });

  it('cuts a hanging request with the timeout and retries it', async () => {
    reset();
    sim.faults.add({ kind: 'hang', path: '/GraphV1/Campus', times: 1 });
    expect(await makeClient({ timeoutMs: 200 }).listAll('Campus')).toHaveLength(1);
    expect(sim.requests).toHaveLength(2);
  });

  it('cuts a slow answer with the timeout, and takes a merely late one', async () => {
    reset();
    sim.faults.add({ kind: 'latency', path: '/GraphV1/Campus', times: 1, latencyMs: 1_000 });
    sim.faults.add({ kind: 'latency', path: '/GraphV1/Ecole', times: 1, latencyMs: 50 });
    const client = makeClient({ timeoutMs: 200 });
    expect(await client.listAll('Campus')).toHaveLength(1);
    expect(await client.listAll('Ecole')).toHaveLength(1);
    expect(sim.requests.map((r) => r.path)).toEqual(['/GraphV1/Campus', '/GraphV1/Campus', '/GraphV1/Ecole']);
  });

  it('retries a truncated JSON answer', async () => {
    reset();
    sim.faults.add({ kind: 'truncated-json', path: '/GraphV1/Campus', times: 1 });
    expect(await makeClient().listAll('Campus')).toHaveLength(1);
    expect(sim.requests).toHaveLength(2);
  });

  it('fails at once when a query string is too long (414), with one request', async () => {
    reset();
    await expect(makeClient().listAll('Campus', { filter: eq('Nom', 'x'.repeat(2_100)) })).rejects.toMatchObject({
      name: 'HttpStatusError',
      status: 414,
    });
    expect(sim.requests).toHaveLength(1);
  });

  it('fails at once on a bad filter (400), with one request', async () => {
    reset();
    const error = await makeClient()
      .listAll('Campus', { filter: eq('NoSuchField', 1) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpStatusError);
    expect((error as HttpStatusError).status).toBe(400);
    // The URL in errors names the query options, never their values.
    expect((error as HttpStatusError).url).toBe(`${sim.rootUrl}/Campus?$filter`);
    expect(sim.requests).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });
});

describe('update (GET-modify-PUT)', () => {
  const markPresent = <
    R extends { Presence: boolean; ControlePresence: string | null; ProvenancePresence: string | null },
  >(
    row: R,
  ): R => ({
    ...row,
    Presence: true,
    // Sent in UTC: Aimaira answers it in Paris time.
    ControlePresence: '2026-01-05T08:15:00Z',
    ProvenancePresence: 'Edusign',
  });
  const expectMarked = (before: Record<string, unknown>, after: Record<string, unknown>) => {
    expect(after).toEqual({
      ...before,
      Presence: true,
      ControlePresence: '2026-01-05T09:15:00+01:00',
      ProvenancePresence: 'Edusign',
    });
  };

  it('changes attendance and leaves every other field of the row intact', async () => {
    reset();
    const stored = storedRow(rowId + 1);
    const result = await makeClient().update('PlanificationRessource', rowId + 1, markPresent);
    expectMarked(stored, storedRow(rowId + 1));
    expect(result.outcome).toBe('updated');
    if (result.outcome !== 'updated') return;
    expect(result.before.Presence).toBe(false);
    expect(result.after.Presence).toBe(true);
    expect(result.after.ControlePresence).toBe('2026-01-05T09:15:00+01:00');
    expect(apiRequests().map((r) => r.method)).toEqual(['GET', 'PUT']);
  });

  it('marks a session done without touching its other fields', async () => {
    reset();
    const stored = { ...sim.store.get('Planification', sessionId) };
    const result = await makeClient().update('Planification', sessionId, (session) => ({ ...session, Realise: true }));
    expect(result.outcome).toBe('updated');
    expect({ ...sim.store.get('Planification', sessionId) }).toEqual({ ...stored, Realise: true });
    expect(stored['ReferenceMultiple']).toBe('RM-7');
  });

  it('keeps unnamed fields of any shape, such as JSON objects, through the round trip', async () => {
    reset();
    const id = learnerIds[0] ?? 0;
    const stored = { ...sim.store.get('Apprenant', id) };
    await makeClient().update('Apprenant', id, (learner) => ({ ...learner, Login: 'obrien' }));
    expect({ ...sim.store.get('Apprenant', id) }).toEqual({ ...stored, Login: 'obrien' });
    expect(stored['Photo']).toEqual({ url: 'https://example.fr/p.png' });
  });

  it('writes nothing when the change leaves the record as it is', async () => {
    reset();
    const client = makeClient();
    const result = await client.update('PlanificationRessource', rowId + 2, (row) => ({
      ...row,
      // The same instant in another offset is no change.
      Debut: '2026-01-05T08:00:00Z',
    }));
    expect(result.outcome).toBe('unchanged');
    expect(apiRequests('PUT')).toHaveLength(0);
  });

  it('refuses a change that drops a field or breaks the record, before any PUT', async () => {
    reset();
    const client = makeClient();
    await expect(
      client.update('PlanificationRessource', rowId, ({ Detail: _, ...row }) => row as typeof row & { Detail: string }),
    ).rejects.toThrow(/must not drop fields \(Detail\)/);
    await expect(
      client.update('PlanificationRessource', rowId, (row) => ({ ...row, Presence: 'yes' as unknown as boolean })),
    ).rejects.toThrow(/Presence: expected boolean/);
    await expect(client.update('PlanificationRessource', rowId, (row) => ({ ...row, Id: 1 }))).rejects.toThrow(/Id/);
    expect(apiRequests('PUT')).toHaveLength(0);
  });

  it('answers missing for an unknown record', async () => {
    reset();
    expect(await makeClient().update('PlanificationRessource', 999_999, markPresent)).toEqual({ outcome: 'missing' });
    expect(apiRequests('PUT')).toHaveLength(0);
  });

  it('resolves a PUT whose connection was reset after the write by reading the row back, with one PUT', async () => {
    reset();
    const stored = storedRow();
    sim.faults.add({
      kind: 'reset-after-write',
      method: 'PUT',
      path: `/GraphV1/PlanificationRessource/${rowId}`,
      times: 1,
    });
    const result = await makeClient().update('PlanificationRessource', rowId, markPresent);
    expect(result.outcome).toBe('updated');
    expectMarked(stored, storedRow());
    expect(apiRequests().map((r) => r.method)).toEqual(['GET', 'PUT', 'GET']);
    expect(apiRequests('PUT')[0]?.fault).toBe('reset-after-write');
  });

  it('resolves a PUT whose answer was truncated by reading the row back', async () => {
    reset();
    const id = rowId + 2;
    const stored = storedRow(id);
    sim.faults.add({ kind: 'truncated-json', method: 'PUT', path: `/GraphV1/PlanificationRessource/${id}`, times: 1 });
    const result = await makeClient().update('PlanificationRessource', id, markPresent);
    expect(result.outcome).toBe('updated');
    expectMarked(stored, storedRow(id));
    expect(apiRequests('PUT')).toHaveLength(1);
  });

  it("after a failed PUT, writes again over a fresh read, keeping someone else's change made meanwhile", async () => {
    reset();
    const id = rowId + 10;
    const stored = storedRow(id);
    sim.faults.add({ kind: 'server-error', method: 'PUT', path: `/GraphV1/PlanificationRessource/${id}`, times: 1 });
    // A person edits the row in Aimaira while our first PUT fails.
    const editingFetch: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (init?.method === 'PUT' && response.status === 503) {
        sim.store.patch('PlanificationRessource', id, { Detail: 'edited by a person' });
      }
      return response;
    };
    const result = await makeClient({ fetch: editingFetch }).update('PlanificationRessource', id, markPresent);
    expect(result.outcome).toBe('updated');
    expectMarked({ ...stored, Detail: 'edited by a person' }, storedRow(id));
    expect(apiRequests().map((r) => `${r.method} ${r.status}`)).toEqual(['GET 200', 'PUT 503', 'GET 200', 'PUT 200']);
    expect(clock.sleeps).toEqual([250]);
  });

  it('retries a rate-limited PUT after Retry-After: nothing was applied', async () => {
    reset();
    const id = rowId + 10;
    sim.faults.add({
      kind: 'rate-limit',
      method: 'PUT',
      path: `/GraphV1/PlanificationRessource/${id}`,
      times: 1,
      retryAfter: '2',
    });
    const result = await makeClient().update('PlanificationRessource', id, (row) => ({ ...row, Retard: true }));
    expect(result.outcome).toBe('updated');
    expect(storedRow(id)['Retard']).toBe(true);
    expect(apiRequests().map((r) => `${r.method} ${r.status}`)).toEqual(['GET 200', 'PUT 429', 'PUT 200']);
    expect(clock.sleeps).toEqual([2_000]);
  });

  it('gives up on a PUT that keeps failing, after a finite number of attempts', async () => {
    reset();
    const id = rowId + 10;
    sim.faults.add({ kind: 'server-error', method: 'PUT', path: `/GraphV1/PlanificationRessource/${id}`, status: 500 });
    const error = await makeClient({ retry: { maxAttempts: 3 } })
      .update('PlanificationRessource', id, (row) => ({ ...row, Depart: true }))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'HttpStatusError', status: 500, method: 'PUT' });
    expect(apiRequests().map((r) => r.method)).toEqual(['GET', 'PUT', 'GET', 'PUT', 'GET', 'PUT', 'GET']);
    expect(clock.sleeps).toHaveLength(2);
    expect(storedRow(id)['Depart']).toBe(false);
  });

  it('counts a last PUT that was applied although its answer was lost', async () => {
    reset();
    const id = rowId + 10;
    sim.faults.add({ kind: 'reset-after-write', method: 'PUT', path: `/GraphV1/PlanificationRessource/${id}` });
    const result = await makeClient({ retry: { maxAttempts: 1 } }).update('PlanificationRessource', id, (row) => ({
      ...row,
      Exclusion: true,
    }));
    // The only PUT allowed was reset but applied: the read-back finds nothing left to do.
    expect(result.outcome).toBe('updated');
    expect(storedRow(id)['Exclusion']).toBe(true);
    expect(apiRequests().map((r) => r.method)).toEqual(['GET', 'PUT', 'GET']);
    expect(clock.sleeps).toEqual([]);
  });

  it('reports a network failure of a read as a NetworkError once attempts run out', async () => {
    reset();
    sim.faults.add({ kind: 'truncated-json', method: 'GET', path: `/GraphV1/PlanificationRessource/${rowId}` });
    const error = await makeClient({ retry: { maxAttempts: 2 } })
      .update('PlanificationRessource', rowId, markPresent)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(apiRequests('PUT')).toHaveLength(0);
  });

  it('sends a filter that reaches the rows it wrote', async () => {
    reset();
    const rows = await makeClient().listAll('PlanificationRessource', {
      filter: and(inList('Id', [rowId, rowId + 1, rowId + 2]), eq('ProvenancePresence', 'Edusign')),
    });
    expect(rows.map((row) => row.Id)).toEqual([rowId, rowId + 1, rowId + 2]);
  });
});
