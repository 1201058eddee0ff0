import { describe, expect, it } from 'vitest';

import { createManualClock } from '../clock.js';
import { ConfigError, ResponseShapeError } from '../errors.js';
import { createAimairaClient, sameValue } from './client.js';
import type { AimairaClientOptions, AimairaStrategyHints } from './client.js';

const root = 'https://graphacme.aimaira.net/GraphV1';

interface Seen {
  url: string;
  headers: Headers;
}

/** A fetch that answers from a list of JSON bodies and records what it was asked. */
const scriptedFetch =
  (bodies: unknown[], seen: Seen[] = []): typeof fetch =>
  (input: string | URL | Request, init?: RequestInit) => {
    seen.push({ url: input instanceof Request ? input.url : input.toString(), headers: new Headers(init?.headers) });
    const body = bodies.shift();
    return Promise.resolve(
      new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } }),
    );
  };

const client = (options: Partial<AimairaClientOptions>) =>
  createAimairaClient({
    baseUrl: root,
    username: 'ACME\\api',
    password: 'pw',
    clock: createManualClock(0),
    ...options,
  });

const decodeBasic = (header: string | null): string =>
  Buffer.from((header ?? '').replace(/^Basic /, ''), 'base64').toString('utf8');

describe('createAimairaClient options', () => {
  it.each([
    ['http://graphacme.aimaira.net/GraphV1', /aimaira\.baseUrl: must use https/],
    ['ftp://graphacme.aimaira.net/GraphV1', /aimaira\.baseUrl: must use https/],
    ['not a url', /aimaira\.baseUrl: not a valid URL/],
    ['https://user:secret@graphacme.aimaira.net/GraphV1', /aimaira\.baseUrl: must not hold credentials/],
    ['https://graphacme.aimaira.net/GraphV1?x=1', /aimaira\.baseUrl: must not have a query/],
  ])('refuses the base URL %s', (baseUrl, message) => {
    expect(() => client({ baseUrl })).toThrow(ConfigError);
    expect(() => client({ baseUrl })).toThrow(message);
  });

  it('never repeats credentials found in a refused URL', () => {
    expect(() => client({ baseUrl: 'http://user:secret@example.com/GraphV1' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('secret') as unknown }),
    );
  });

  it.each(['http://127.0.0.1:8080/GraphV1', 'http://localhost/GraphV1', 'http://[::1]:9/GraphV1'])(
    'accepts plain http on the loopback host %s',
    (baseUrl) => {
      expect(() => client({ baseUrl })).not.toThrow();
    },
  );

  it('names the missing or conflicting credential', () => {
    const none = { baseUrl: root, clock: createManualClock(0) };
    expect(() => createAimairaClient(none)).toThrow(/aimaira\.username: is required/);
    expect(() => createAimairaClient({ ...none, username: 'ACME\\api' })).toThrow(/aimaira\.password: is required/);
    expect(() => createAimairaClient({ ...none, username: 'a', password: 'b', apiKey: 'k' })).toThrow(
      /aimaira\.apiKey/,
    );
    expect(() => createAimairaClient({ ...none, username: 'a:b', password: 'c' })).toThrow(/aimaira\.username/);
  });

  it('sends the login with one backslash whether it was typed with one or two', async () => {
    const seen: Seen[] = [];
    const page = { value: [] };
    await client({
      username: 'ACME\\\\api@aimaira.fr',
      password: 'p@ss:wörd',
      fetch: scriptedFetch([page], seen),
    }).listAll('Campus');
    await client({
      username: 'ACME\\api@aimaira.fr',
      password: 'p@ss:wörd',
      fetch: scriptedFetch([page], seen),
    }).listAll('Campus');
    expect(seen.map((s) => decodeBasic(s.headers.get('authorization')))).toEqual([
      'ACME\\api@aimaira.fr:p@ss:wörd',
      'ACME\\api@aimaira.fr:p@ss:wörd',
    ]);
  });

  it('sends an API key instead of Basic authentication, and asks for pages of 200', async () => {
    const seen: Seen[] = [];
    const api = createAimairaClient({ baseUrl: root, apiKey: 'key-1', fetch: scriptedFetch([{ value: [] }], seen) });
    await api.listAll('Campus');
    expect(seen[0]?.headers.get('x-apikey')).toBe('key-1');
    expect(seen[0]?.headers.get('authorization')).toBeNull();
    expect(seen[0]?.headers.get('prefer')).toBe('odata.maxpagesize=200');
  });
});

describe('answers', () => {
  it('takes the path and query of a next link naming another origin onto the configured one', async () => {
    const seen: Seen[] = [];
    const api = client({
      fetch: scriptedFetch(
        [
          {
            value: [{ Id: 1, Code: 'PAR', Nom: 'Paris' }],
            '@odata.nextLink': 'http://graph-internal:8080/GraphV1/Campus?$skip=1',
          },
          { value: [{ Id: 2, Code: 'LYO', Nom: 'Lyon' }] },
        ],
        seen,
      ),
    });
    expect((await api.listAll('Campus')).map((campus) => campus.Id)).toEqual([1, 2]);
    expect(seen.map((s) => s.url)).toEqual([`${root}/Campus`, `${root}/Campus?$skip=1`]);
    expect(seen[1]?.headers.get('authorization')).toMatch(/^Basic /);
  });

  it('refuses a next link whose path leaves the API root, before sending anything there', async () => {
    const seen: Seen[] = [];
    const api = client({
      fetch: scriptedFetch([{ value: [], '@odata.nextLink': 'https://evil.example/Other/Campus?$skip=200' }], seen),
    });
    await expect(api.listAll('Campus')).rejects.toThrow(/points outside the API root/);
    expect(seen).toHaveLength(1);
  });

  it('reports a wrong shape by paths, without the values', async () => {
    const record = { Id: 1, Nom: 'Durand', Prenoms: 42, NomUsage: null, PrenomUsage: null, MailId: 0, Code: 'A1' };
    const api = client({
      fetch: scriptedFetch([{ value: [{ ...record, Login: 'secret-login', Tuteur1Id: 'tutor-value' }] }]),
    });
    const error = await api.listAll('Apprenant').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseShapeError);
    const shape = error as ResponseShapeError;
    expect(shape.issues).toContain('value.0.Prenoms: expected string');
    expect(shape.issues).toContain('value.0.Tuteur1Id: expected number');
    expect(shape.message).not.toContain('tutor-value');
    expect(shape.message).not.toContain('secret-login');
    expect(shape.message).not.toContain('Durand');
  });
});

describe('Mail', () => {
  it('reads by id the Mail of a person whose expanded Mail came back empty, so callers see one shape', async () => {
    const seen: Seen[] = [];
    const api = client({
      strategies: { filter: 'in', mail: { Enseignant: 'expand' } },
      fetch: scriptedFetch(
        [
          {
            value: [
              { Id: 1, MailId: 5, Mail: null },
              { Id: 2, MailId: 0, Mail: null },
              { Id: 3, MailId: 6, Mail: { Id: 6, Adresse: 'b@example.fr', IsDuplicate: false } },
            ],
          },
          { value: [{ Id: 5, Adresse: 'a@example.fr', IsDuplicate: false }] },
        ],
        seen,
      ),
    });
    const people = await api.listByIds('Enseignant', 'Id', [1, 2, 3], { select: ['Id', 'MailId'], expand: ['Mail'] });
    expect(people.map((person) => person.Mail?.Adresse ?? null)).toEqual(['a@example.fr', null, 'b@example.fr']);
    expect(seen).toHaveLength(2);
    const mailRead = new URL(seen[1]?.url ?? '');
    expect(mailRead.pathname).toBe('/GraphV1/Mail');
    expect(mailRead.searchParams.get('$filter')).toBe('Id in (5)');
    expect(mailRead.searchParams.get('$select')).toBe('Id,Adresse,IsDuplicate');
  });
});

describe('strategies', () => {
  it('reports what it was given, and mail only once every person kind is known', () => {
    expect(client({ strategies: { filter: 'or', maxFilterNodes: 80 } }).strategies()).toEqual({
      filter: 'or',
      maxFilterNodes: 80,
    });
    expect(client({ strategies: { mail: { Apprenant: 'expand' } } }).strategies()).toEqual({});
    const mail = { Apprenant: 'expand', Enseignant: 'by-id', Professionnel: 'by-id' } as const;
    expect(client({ strategies: { objects: 'per-id', mail } }).strategies()).toEqual({ objects: 'per-id', mail });
  });

  it.each([
    [{ maxFilterNodes: 3 }, /aimaira\.strategies\.maxFilterNodes/],
    [{ filter: 'IN' }, /aimaira\.strategies\.filter/],
    [{ objects: 'all' }, /aimaira\.strategies\.objects/],
    [{ mail: { Enseignant: 'join' } }, /aimaira\.strategies\.mail\.Enseignant/],
  ])('refuses the strategy %j', (strategies, message) => {
    expect(() => client({ strategies: strategies as AimairaStrategyHints })).toThrow(message);
  });
});

describe('sameValue', () => {
  it('compares date-times to the second, as a server storing SQL Server datetime (1/300 s) keeps them', () => {
    expect(sameValue('2026-01-05T08:03:00+01:00', '2026-01-05T08:03:00.003+01:00')).toBe(true);
    expect(sameValue('2026-01-05T08:03:00.004+01:00', '2026-01-05T07:03:00.003Z')).toBe(true);
    expect(sameValue('2026-01-05T08:02:59.999+01:00', '2026-01-05T08:03:00+01:00')).toBe(true);
    expect(sameValue('2026-01-05T08:03:00.500+01:00', '2026-01-05T08:03:00.997+01:00')).toBe(true);
    expect(sameValue('2026-01-05T08:03:00+01:00', '2026-01-05T08:03:01+01:00')).toBe(false);
    expect(sameValue('2026-01-05T08:02:59.990+01:00', '2026-01-05T08:03:00+01:00')).toBe(false);
  });

  it('compares date-times as instants and everything else deeply', () => {
    expect(sameValue('2026-01-05T08:00:00Z', '2026-01-05T09:00:00+01:00')).toBe(true);
    expect(sameValue('2026-01-05T08:00:00+00:00', '2026-01-05T08:00:01+00:00')).toBe(false);
    expect(sameValue('Salle 08:00', 'Salle 08:00 ')).toBe(false);
    expect(sameValue('Salle', 'salle')).toBe(false);
    expect(sameValue({ a: [1, { b: null }] }, { a: [1, { b: null }] })).toBe(true);
    expect(sameValue({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(sameValue(null, 0)).toBe(false);
  });
});
