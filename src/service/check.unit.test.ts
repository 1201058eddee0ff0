/** The connection check with fake clients: each finding in plain words, and never a secret. */
import { describe, expect, it } from 'vitest';

import type { AimairaClient, TypeCodes } from '../aimaira/client.js';
import { TenantConfig } from '../config/config.js';
import type { EdusignClient } from '../edusign/client.js';
import { isArchived } from '../edusign/schemas.js';
import type { EdusignProfessor } from '../edusign/schemas.js';
import { HttpStatusError, NetworkError } from '../errors.js';
import type { TenantClients } from '../sync/clients.js';
import { checkTenant, describeFailure } from './check.js';

const secret = 'CANARY-password-0042';
const tenant = TenantConfig.parse({
  id: 'acme',
  aimaira: { url: 'https://graphacme.aimaira.net/GraphV1', username: 'ACME\\api', password: secret },
  edusign: { apiKey: 'CANARY-edusign-0042' },
  options: { importEvenementsCommuns: true, defaultProfsForEvenementsCommun: 'prof-1' },
});

const allCodes: TypeCodes = {
  planification: { SEANCE: [1], EVENEMENT: [2], EXAMEN: [3] },
  ressource: { APPRENANT: [1], PROF: [2], SALLE: [3], GROUPE: [4] },
};

function fakeClients(
  behaviour: {
    aimairaRead?: () => Promise<unknown>;
    codes?: () => Promise<TypeCodes>;
    edusignRead?: () => Promise<unknown>;
    professor?: () => Promise<Partial<EdusignProfessor> | undefined>;
  } = {},
): TenantClients {
  const aimaira = {
    listAll: () => (behaviour.aimairaRead ?? (() => Promise.resolve([])))(),
    resolveTypeCodes: () => (behaviour.codes ?? (() => Promise.resolve(allCodes)))(),
  } as unknown as AimairaClient;
  const edusign = {
    professors: {
      list: async function* () {
        await (behaviour.edusignRead ?? (() => Promise.resolve()))();
        yield [];
      },
      get: () => (behaviour.professor ?? (() => Promise.resolve({ ID: 'prof-1', HIDDEN: false })))(),
    },
    // As the client does: a list of school ids is read against this school's id.
    isArchived: (record: EdusignProfessor) => Promise.resolve(isArchived(record, 'school-here')),
  } as unknown as EdusignClient;
  return { aimaira, edusign };
}

const aimairaGet = {
  system: 'aimaira' as const,
  method: 'GET',
  url: 'https://graphacme.aimaira.net/GraphV1/TypePlanification',
};

describe('checkTenant', () => {
  it('passes when both APIs answer, the type codes exist and the default professor is active', async () => {
    const report = await checkTenant(tenant, fakeClients());
    expect(report.ok).toBe(true);
    expect(report.checks.map((check) => [check.check, check.ok])).toEqual([
      ['aimaira.access', true],
      ['aimaira.typeCodes', true],
      ['edusign.access', true],
      ['edusign.defaultProfessor', true],
    ]);
  });

  it('names the missing type codes', async () => {
    const report = await checkTenant(
      tenant,
      fakeClients({
        codes: () => Promise.resolve({ planification: { SEANCE: [1] }, ressource: { APPRENANT: [1], PROF: [2] } }),
      }),
    );
    expect(report.checks.find((check) => check.check === 'aimaira.typeCodes')).toMatchObject({
      ok: false,
      message: expect.stringContaining(
        'Aimaira has no TypePlanification EVENEMENT, TypeRessource SALLE, TypeRessource GROUPE',
      ) as string,
    });
  });

  it('scrubs the secrets from any message, whatever produced it', async () => {
    const report = await checkTenant(
      tenant,
      fakeClients({
        aimairaRead: () => Promise.reject(new Error(`proxy said: bad password ${secret}`)),
        edusignRead: () =>
          Promise.reject(new HttpStatusError({ ...aimairaGet, system: 'edusign' }, 418, `key CANARY-edusign-0042`)),
      }),
    );
    const text = JSON.stringify(report);
    expect(text).not.toContain(secret);
    expect(text).not.toContain('CANARY-edusign-0042');
    expect(text).toContain('[secret]');
    expect(report.ok).toBe(false);
  });

  it('does not call a refused URL, and says why', async () => {
    let called = false;
    const local = TenantConfig.parse({ ...tenant, aimaira: { ...tenant.aimaira, url: 'http://127.0.0.1:1/GraphV1' } });
    const report = await checkTenant(
      local,
      fakeClients({
        aimairaRead: () => {
          called = true;
          return Promise.resolve([]);
        },
      }),
      { urlPolicy: { resolve: () => Promise.resolve(['51.15.20.30']) } },
    );
    expect(called).toBe(false);
    expect(report.checks.slice(0, 3)).toEqual([
      {
        check: 'aimaira.url',
        ok: false,
        message: expect.stringContaining('127.0.0.1 is a loopback address') as string,
      },
      { check: 'edusign.url', ok: true, message: 'https://ext.edusign.fr is an allowed address.' },
      { check: 'aimaira.access', ok: false, message: 'Not checked: the Aimaira URL is refused.' },
    ]);
  });

  it('reports an unknown and an archived default professor, and an unset one', async () => {
    const unknown = await checkTenant(tenant, fakeClients({ professor: () => Promise.resolve(undefined) }));
    expect(unknown.checks.at(-1)?.message).toMatch(/prof-1, but Edusign has no professor with that id/);
    const archived = await checkTenant(
      tenant,
      fakeClients({ professor: () => Promise.resolve({ ID: 'prof-1', HIDDEN: true }) }),
    );
    expect(archived.checks.at(-1)?.message).toMatch(/prof-1, a professor archived on Edusign/);
    // A professor's HIDDEN lists the schools where they are archived: elsewhere only is not archived here.
    const here = await checkTenant(
      tenant,
      fakeClients({ professor: () => Promise.resolve({ ID: 'prof-1', HIDDEN: ['school-here', 'other'] }) }),
    );
    expect(here.checks.at(-1)?.message).toMatch(/prof-1, a professor archived on Edusign/);
    const elsewhere = await checkTenant(
      tenant,
      fakeClients({ professor: () => Promise.resolve({ ID: 'prof-1', HIDDEN: ['other-school'] }) }),
    );
    expect(elsewhere.checks.at(-1)?.ok).toBe(true);
    const unset = await checkTenant(
      TenantConfig.parse({ ...tenant, options: { importEvenementsCommuns: true } }),
      fakeClients({ professor: () => Promise.reject(new Error('not called')) }),
    );
    expect(unset.checks.at(-1)).toMatchObject({ ok: true, message: expect.stringContaining('is not set') as string });
  });
});

describe('describeFailure', () => {
  it.each([
    [
      new HttpStatusError(aimairaGet, 401, ''),
      'aimaira',
      'Aimaira refused the credentials (HTTP 401): check the username and password (or the API key).',
    ],
    [
      new HttpStatusError({ ...aimairaGet, system: 'edusign' }, 401, ''),
      'edusign',
      'Edusign refused the credentials (HTTP 401): check the API key.',
    ],
    [
      new HttpStatusError({ ...aimairaGet, system: 'edusign' }, 402, ''),
      'edusign',
      'Edusign answered HTTP 402: the school has no subscription or its API option is off.',
    ],
    [
      new HttpStatusError(aimairaGet, 404, '<html>'),
      'aimaira',
      expect.stringContaining('ending in /GraphV1') as string,
    ],
    [new HttpStatusError(aimairaGet, 503, ''), 'aimaira', 'Aimaira is failing (HTTP 503); try again later.'],
    [
      new NetworkError(aimairaGet, 'connection', false),
      'aimaira',
      expect.stringMatching(/^Aimaira could not be reached/) as string,
    ],
    [
      new NetworkError(aimairaGet, 'timeout', false),
      'aimaira',
      expect.stringMatching(/^Aimaira did not answer in time/) as string,
    ],
  ] as const)('%s', (error, system, expected) => {
    expect(describeFailure(system, error)).toEqual(expected);
  });
});
