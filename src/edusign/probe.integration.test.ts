/**
 * The Edusign preflight against the simulator in both profiles: reads only, one finding per point, in order, with
 * what each profile really does, and nothing in a finding that names a person.
 */
import { describe, expect, it, onTestFinished } from 'vitest';

import { startEdusignSimulator } from '../../sim/edusign/server.js';
import type { EdusignSimulatorOptions } from '../../sim/edusign/server.js';
import type { SimProfile } from '../../sim/shared/profile.js';
import { createManualClock } from '../clock.js';
import type { PreflightFinding, PreflightPoint } from '../domain/preflight.js';
import { preflightPoints } from '../domain/preflight.js';
import { createEdusignClient } from './client.js';
import { probeEdusign } from './probe.js';

const apiKey = 'school-key-1';

async function probedSchool(profile: SimProfile, options: Partial<EdusignSimulatorOptions> = {}, tutors = true) {
  const sim = await startEdusignSimulator({ schools: [{ apiKey }], profile, ...options });
  onTestFinished(() => sim.close());
  const web = sim.school(apiKey);
  for (let n = 0; n < 60; n++) {
    web.createStudent({ FIRSTNAME: `Prénom${n}`, LASTNAME: `Nom${n}`, EMAIL: `apprenant${n}@ecole-exemple.fr` });
  }
  const here = web.createProfessor({ FIRSTNAME: 'Archivé', LASTNAME: 'Ici', EMAIL: 'archive.ici@ecole-exemple.fr' });
  web.archiveProfessor(here.ID);
  const elsewhere = web.createProfessor({
    FIRSTNAME: 'Archivé',
    LASTNAME: 'Ailleurs',
    EMAIL: 'ailleurs@ecole-exemple.fr',
  });
  web.archiveProfessorElsewhere(elsewhere.ID);
  web.createProfessor({ FIRSTNAME: 'Actif', LASTNAME: 'Partout', EMAIL: 'actif@ecole-exemple.fr' });
  sim.requests.length = 0;
  const client = createEdusignClient({ baseUrl: sim.url, apiKey, clock: createManualClock(0), timeoutMs: 5_000 });
  const findings = await probeEdusign(client, { tutors });
  const byPoint = (point: PreflightPoint): PreflightFinding => {
    const finding = findings.find((f) => f.point === point);
    if (!finding) throw new Error(`no finding for ${point}`);
    return finding;
  };
  return { sim, findings, byPoint, schoolId: web.id };
}

describe.each(['default', 'harsh'] as const)('probeEdusign against the %s simulator', (profile) => {
  it('reports every Edusign point once, in the preflight’s order, with reads only', async () => {
    const { sim, findings } = await probedSchool(profile);
    expect(findings.map((f) => f.point)).toEqual(
      Object.keys(preflightPoints).filter((point) => point.startsWith('edusign.')),
    );
    expect(sim.requests.length).toBeGreaterThan(0);
    expect(sim.requests.every((r) => r.method === 'GET')).toBe(true);
    for (const finding of findings) {
      expect(finding.found, finding.point).not.toBe('');
      expect(finding.strategy, finding.point).not.toBe('');
    }
  });

  it('names nobody: no e-mail, no name of the school’s people, no API key', async () => {
    const { findings } = await probedSchool(profile);
    const text = JSON.stringify(findings);
    expect(text).not.toMatch(/ecole-exemple|Prénom|Archivé|Ailleurs|Partout|entre-écoles|sim\.invalid/i);
    expect(text).not.toContain(apiKey);
  });

  it('finds the school id, and a professors’ HIDDEN that lists schools', async () => {
    const { byPoint, schoolId } = await probedSchool(profile);
    expect(byPoint('edusign.school')).toMatchObject({ ok: true, data: { schoolIdKnown: true, schoolId } });
    expect(byPoint('edusign.professorHidden')).toMatchObject({
      ok: true,
      // Harsh: one more professor, archived in another school only.
      data: {
        shape: 'list',
        seen: profile === 'harsh' ? 4 : 3,
        archivedHere: 1,
        archivedSomewhere: profile === 'harsh' ? 3 : 2,
      },
    });
  });

  it('sees the learner page sizes with and without limit', async () => {
    const { byPoint } = await probedSchool(profile);
    expect(byPoint('edusign.studentPaging')).toMatchObject({
      ok: true,
      data:
        profile === 'harsh'
          ? { withoutLimit: 25, withLimit: 50, limitSent: 100, limitHonoured: true, pageCap: 50 }
          : // All 60 learners fit one page either way: whether limit is taken cannot be told.
            { withoutLimit: 60, withLimit: 60, limitSent: 100, limitHonoured: null, pageCap: null },
    });
  });

  it('describes how a look-up of what cannot exist is answered', async () => {
    const { byPoint } = await probedSchool(profile);
    const finding = byPoint('edusign.notFound');
    expect(finding.ok).toBe(true);
    expect(finding.data).toEqual(
      profile === 'harsh'
        ? {
            'student by id': 'empty:null',
            'student by API_ID': 'empty:[]',
            'facilitator by e-mail': 'empty:[]',
            'sheet by id': 'empty:null',
          }
        : {
            'student by id': 'business-error',
            'student by API_ID': 'business-error',
            'facilitator by e-mail': 'business-error',
            'sheet by id': 'business-error',
          },
    );
  });

  it(`finds the group get-id route ${profile === 'harsh' ? 'missing' : 'present'}, and the externals look-up`, async () => {
    const { byPoint } = await probedSchool(profile);
    expect(byPoint('edusign.groupLookup')).toMatchObject({ ok: true, data: { getIdRoute: profile !== 'harsh' } });
    expect(byPoint('edusign.externals')).toMatchObject({ ok: true, data: { envelope: true } });
  });

  it('flags a server without externals when tutors are imported, and only then', async () => {
    const withTutors = await probedSchool(profile, { externals: false }, true);
    expect(withTutors.byPoint('edusign.externals')).toMatchObject({
      ok: false,
      data: { envelope: false, status: 404 },
    });
    expect(withTutors.byPoint('edusign.externals').strategy).toContain('TUTORS_UNAVAILABLE');
    const without = await probedSchool(profile, { externals: false }, false);
    expect(without.byPoint('edusign.externals').ok).toBe(true);
  });
});

describe('probeEdusign when Edusign refuses the key', () => {
  it('reports each point as not reached rather than failing', async () => {
    const sim = await startEdusignSimulator({ schools: [{ apiKey }] });
    onTestFinished(() => sim.close());
    const client = createEdusignClient({ baseUrl: sim.url, apiKey: 'wrong-key', clock: createManualClock(0) });
    const findings = await probeEdusign(client);
    expect(findings).toHaveLength(6);
    expect(findings.every((f) => !f.ok)).toBe(true);
    expect(JSON.stringify(findings)).not.toContain('wrong-key');
  });
});
