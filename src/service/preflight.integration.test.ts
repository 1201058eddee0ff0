/**
 * The preflight against both simulator profiles: it tells them apart with reads only, keeps its report, and the
 * clients of a run start with what it found.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startSandbox } from '../../sim/sandbox.js';
import type { Sandbox } from '../../sim/sandbox.js';
import type { SimProfile } from '../../sim/shared/profile.js';
import { tenantFor, writeMethods } from '../../test/helpers.js';
import { openSqliteStore } from '../store/sqlite.js';
import type { SqliteStateStore } from '../store/sqlite.js';
import { createTenantClients } from '../sync/clients.js';
import { aimairaStrategiesOf, clientsForRun, ensurePreflight, formatPreflight, runPreflight } from './preflight.js';

const now = new Date('2026-11-30T10:30:00Z');

/** What each profile must make the preflight find, point by point (`data` of the findings). */
const expected: Record<SimProfile, { filter: string; objects: string; mail: Record<string, string> }> = {
  default: {
    filter: 'in',
    objects: 'collection',
    mail: { Apprenant: 'expand', Enseignant: 'expand', Professionnel: 'expand' },
  },
  harsh: {
    filter: 'or',
    objects: 'per-id',
    mail: { Apprenant: 'expand', Enseignant: 'by-id', Professionnel: 'by-id' },
  },
};

describe.each(['default', 'harsh'] as const)('the preflight on the %s profile', (profile) => {
  let sandbox: Sandbox;
  let store: SqliteStateStore;
  let dir: string;

  beforeAll(async () => {
    sandbox = await startSandbox({ size: 'small', seed: 1, profile, now });
    dir = mkdtempSync(join(tmpdir(), 'aimaira-edusign-preflight-'));
    store = await openSqliteStore({ dataDir: dir });
  });

  afterAll(async () => {
    await store.close();
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const writes = () =>
    [...sandbox.aimaira.requests, ...sandbox.edusign.requests].filter((r) => writeMethods.has(r.method));

  it('finds which way the servers work, with reads only, and says it without a secret', async () => {
    const tenant = tenantFor(sandbox);
    const report = await runPreflight(tenant, createTenantClients(tenant), { now });
    expect(writes()).toEqual([]);
    expect(report.tenantId).toBe('demo');
    expect(report.ranAt).toBe(now.toISOString());
    expect(report.findings.map((finding) => finding.point)).toEqual([
      'aimaira.filter',
      'aimaira.objects',
      'aimaira.mail',
      'aimaira.nextLink',
      'aimaira.typeCodes',
      'aimaira.rowMatch',
      'aimaira.provenance',
      'edusign.school',
      'edusign.professorHidden',
      'edusign.studentPaging',
      'edusign.notFound',
      'edusign.groupLookup',
      'edusign.externals',
    ]);
    expect(aimairaStrategiesOf(report)).toMatchObject(expected[profile]);
    const text = formatPreflight(report);
    const { aimaira, edusign } = sandbox.scenario.credentials;
    for (const secret of [aimaira.password, aimaira.apiKey, edusign.apiKey]) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/@[a-z0-9-]+\.(fr|com|org)/i);
    if (profile === 'harsh') {
      const nextLink = report.findings.find((finding) => finding.point === 'aimaira.nextLink');
      expect(nextLink?.found).toContain('graph-internal');
      const hidden = report.findings.find((finding) => finding.point === 'edusign.professorHidden');
      expect(hidden?.found).toContain('list of school ids');
    }
  });

  it('runs on its own before a first run, keeps its report, and the run’s client starts with its strategies', async () => {
    const tenant = tenantFor(sandbox, {}, `first-${profile}`);
    expect(await store.getPreflight(tenant.id)).toBeUndefined();

    const dry = await clientsForRun(tenant, { store, now, save: false });
    expect(dry.preflightRanNow).toBe(true);
    expect(await store.getPreflight(tenant.id)).toBeUndefined();

    const first = await clientsForRun(tenant, { store, now, save: true });
    expect(first.preflightRanNow).toBe(true);
    expect(await store.getPreflight(tenant.id)).toEqual(first.preflight);
    expect(first.aimaira.strategies()).toMatchObject(expected[profile]);

    const requestsBefore = sandbox.aimaira.requests.length + sandbox.edusign.requests.length;
    const second = await ensurePreflight(tenant, createTenantClients(tenant), { store, now, save: true });
    expect(second.ranNow).toBe(false);
    expect(second.report).toEqual(first.preflight);
    expect(sandbox.aimaira.requests.length + sandbox.edusign.requests.length).toBe(requestsBefore);
    expect(writes()).toEqual([]);

    // The tenant moved (another root for the same server, as from pre-production to production): probed again.
    const moved = {
      ...tenant,
      aimaira: { ...tenant.aimaira, url: tenant.aimaira.url.replace('127.0.0.1', 'localhost') },
    };
    const again = await clientsForRun(moved, { store, now, save: true });
    expect(again.preflightRanNow).toBe(true);
    expect((await store.getPreflight(tenant.id))?.urls.aimaira).toBe(moved.aimaira.url);
  });
});
