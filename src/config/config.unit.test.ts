import { describe, expect, it } from 'vitest';

import { ConfigError } from '../errors.js';
import { parseConfig } from './config.js';

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
});
