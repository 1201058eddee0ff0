import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { ConfigError } from '../errors.js';
import {
  configFileMaxBytes,
  credentialMaxLength,
  loadConfigFile,
  parseConfig,
  tenantIdMaxLength,
  tenantIdPattern,
} from './config.js';

const yaml = `
tenants:
  - id: acme
    aimaira:
      url: https://graphacme.aimaira.net/GraphV1/
      username: 'ACME\\api@aimaira.fr'
      password: \${ACME_AIMAIRA_PASSWORD}
    edusign:
      apiKey: \${ACME_EDUSIGN_API_KEY}
    options:
      importEvenementsCommuns: true
      defaultProfsForEvenementsCommun: cw7g4e59ocb6mvni
`;
const env = { ACME_AIMAIRA_PASSWORD: 's3cret', ACME_EDUSIGN_API_KEY: 'key-1' };

const problemsOf = (text: string, environment: Record<string, string> = env): readonly string[] => {
  try {
    parseConfig(text, environment, 'acme.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('parseConfig', () => {
  it('reads YAML, substitutes environment variables and fills the documented defaults', () => {
    const config = parseConfig(yaml, env);
    expect(config.tenants[0]).toEqual({
      id: 'acme',
      aimaira: { url: 'https://graphacme.aimaira.net/GraphV1', username: 'ACME\\api@aimaira.fr', password: 's3cret' },
      edusign: { url: 'https://ext.edusign.fr', apiKey: 'key-1' },
      options: {
        sendCredentials: false,
        sendAttendance: false,
        structures: [],
        importEvenementsCommuns: true,
        defaultProfsForEvenementsCommun: 'cw7g4e59ocb6mvni',
        importStudentTutors: false,
        planifRealise: false,
        studentExclusion: false,
        studentDelay: false,
        studentEarlyDeparture: false,
        horizonDays: 14,
        attendanceLookbackDays: 30,
        provenancePresence: null,
      },
    });
  });

  it('reads the same configuration as JSON', () => {
    const json = JSON.stringify({
      tenants: [{ id: 'acme', aimaira: { url: 'https://a.example/GraphV1', apiKey: 'k' }, edusign: { apiKey: 'e' } }],
    });
    expect(parseConfig(json, {}).tenants[0]?.aimaira).toEqual({ url: 'https://a.example/GraphV1', apiKey: 'k' });
  });

  it('names an unknown key and where it is', () => {
    expect(problemsOf(yaml.replace('horizon', 'x').replace('importEvenementsCommuns', 'importEvenements'))).toEqual([
      'acme.yaml: tenants[0].options: unknown key importEvenements',
    ]);
  });

  it('names the field whose environment variable is missing', () => {
    expect(problemsOf(yaml, { ACME_AIMAIRA_PASSWORD: 'x' })).toEqual([
      'acme.yaml: tenants[0].edusign.apiKey: environment variable ACME_EDUSIGN_API_KEY is not set',
    ]);
  });

  it('lists every bad field at once', () => {
    const bad = yaml
      .replace('id: acme', 'id: ACME')
      .replace('https://graphacme', 'http://graphacme')
      .replace('importEvenementsCommuns: true', 'importEvenementsCommuns: "yes"\n      horizonDays: -1');
    expect(problemsOf(bad)).toEqual([
      'acme.yaml: tenants[0].id: must match [a-z0-9-]+',
      'acme.yaml: tenants[0].aimaira.url: must be an https:// URL (plain http:// only on loopback, for the simulators)',
      expect.stringMatching(/^acme\.yaml: tenants\[0\]\.options\.importEvenementsCommuns: /),
      expect.stringMatching(/^acme\.yaml: tenants\[0\]\.options\.horizonDays: /),
    ]);
  });

  it('accepts plain http on loopback only', () => {
    expect(
      parseConfig(yaml.replace('https://graphacme.aimaira.net', 'http://127.0.0.1:4010'), env).tenants[0]?.aimaira.url,
    ).toBe('http://127.0.0.1:4010/GraphV1');
  });

  it('requires username with password, or an API key', () => {
    expect(problemsOf(yaml.replace(/ {6}password: .*\n/, ''))).toEqual([
      'acme.yaml: tenants[0].aimaira.password: username and password go together',
    ]);
  });

  it('refuses two tenants with one id', () => {
    const twice = `tenants:\n${[1, 2].map(() => yaml.split('tenants:\n')[1]).join('')}`;
    expect(problemsOf(twice)).toEqual(['acme.yaml: tenants[1].id: duplicate tenant id "acme"']);
  });

  it('reports text that is neither YAML nor JSON', () => {
    expect(problemsOf('tenants: [')[0]).toMatch(/^acme\.yaml: not valid YAML or JSON/);
  });

  it('refuses a tenant id over the one limit the dashboard shares, and says the limit', () => {
    const longest = 'a'.repeat(tenantIdMaxLength);
    expect(parseConfig(yaml.replace('id: acme', `id: ${longest}`), env).tenants[0]?.id).toBe(longest);
    expect(tenantIdPattern.test(longest)).toBe(true);
    expect(problemsOf(yaml.replace('id: acme', `id: ${longest}a`))).toEqual([
      `acme.yaml: tenants[0].id: must be at most ${tenantIdMaxLength} characters`,
    ]);
    expect(tenantIdPattern.test(`${longest}a`)).toBe(false);
  });

  it('calls a credential over the limit too long, and an empty one empty, never repeating it', () => {
    const long = 'k'.repeat(credentialMaxLength + 1);
    const problems = problemsOf(yaml, { ...env, ACME_EDUSIGN_API_KEY: long, ACME_AIMAIRA_PASSWORD: '' });
    expect(problems).toEqual([
      'acme.yaml: tenants[0].aimaira.password: is empty',
      `acme.yaml: tenants[0].edusign.apiKey: is longer than ${credentialMaxLength} characters`,
    ]);
    expect(problems.join('')).not.toContain(long);
  });
});

describe('loadConfigFile', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });
  const fileWith = async (text: string) => {
    const dir = await mkdtemp(join(tmpdir(), 'config-'));
    dirs.push(dir);
    const file = join(dir, 'tenants.yaml');
    await writeFile(file, text);
    return file;
  };

  it('reads a file up to the size limit', async () => {
    const padded = `${yaml}\n#${' '.repeat(configFileMaxBytes - yaml.length - 2)}`;
    expect(Buffer.byteLength(padded)).toBe(configFileMaxBytes);
    const config = await loadConfigFile(await fileWith(padded), env);
    expect(config.tenants[0]?.id).toBe('acme');
  });

  it('refuses a file over the limit before parsing it, naming the file and the limit', async () => {
    const file = await fileWith(`${yaml}#${'x'.repeat(50 * 1024 * 1024)}\n`);
    await expect(loadConfigFile(file, env)).rejects.toThrow(ConfigError);
    await expect(loadConfigFile(file, env)).rejects.toThrow(
      `--config ${file}: larger than 1,048,576 bytes, the limit of a configuration file`,
    );
  });
});
