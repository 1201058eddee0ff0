/**
 * Failures on either side. A run that cannot read Aimaira writes and deletes nothing and is recorded as failed;
 * Edusign failing on one route makes the run partial while everything else goes through, and the next run finishes
 * the job, ending where an uninterrupted run ends.
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { courseOf, edusignStateByApiId, startDownHarness } from '../helpers.js';
import type { DownHarness, EdusignStateByApiId } from '../helpers.js';

// Monday 30 November 2026, 11:30 in Paris.
const now = new Date('2026-11-30T10:30:00Z');
const options = { importStudentTutors: true };

describe('when Aimaira cannot be read', () => {
  let harness: DownHarness;
  beforeEach(async () => {
    harness = await startDownHarness({ size: 'small', seed: 1, now }, options);
  });
  afterEach(() => harness.close());

  it('fails a first run without a single request to Edusign when the sessions cannot be listed', async () => {
    harness.sandbox.aimaira.faults.add({ kind: 'server-error', path: '/GraphV1/Planification' });
    const result = await harness.sync();
    expect(result).toMatchObject({ status: 'failed', counts: {}, plan: undefined });
    expect(result.error).toMatch(/503/);
    expect(harness.sandbox.edusign.requests).toEqual([]);
    expect(await harness.store.getRun(result.runId!)).toMatchObject({ status: 'failed', error: result.error });
  });

  it('deletes and changes nothing when the rows of the window cannot be read, then catches up', async () => {
    expect((await harness.sync()).status).toBe('success');
    const before = harness.school.snapshot();
    const [cancelled, renamed] = Object.keys(edusignStateByApiId(harness.school).courses).map(Number);
    harness.sandbox.aimaira.store.patch('Planification', cancelled!, { Annule: true });
    harness.sandbox.aimaira.store.patch('Planification', renamed!, { Nom: 'Nouveau nom' });
    const fault = harness.sandbox.aimaira.faults.add({ kind: 'server-error', path: '/GraphV1/PlanificationRessource' });
    harness.resetRequests();

    const failed = await harness.sync();
    expect(failed.status).toBe('failed');
    expect(harness.edusignWrites()).toBe(0);
    expect(harness.school.snapshot()).toEqual(before);
    expect((await harness.store.getRun(failed.runId!))?.status).toBe('failed');

    harness.sandbox.aimaira.faults.remove(fault);
    const next = await harness.sync();
    expect(next.status).toBe('success');
    expect(next.counts).toMatchObject({ 'sheet.deleted': 1, 'sheet.updated': 1 });
    expect(courseOf(harness.school, cancelled!)).toBeUndefined();
    expect(courseOf(harness.school, renamed!)?.NAME).toBe('Nouveau nom');
  });
});

describe('when Edusign fails on one route', () => {
  let reference: EdusignStateByApiId;
  let harness: DownHarness;

  beforeAll(async () => {
    const uninterrupted = await startDownHarness({ size: 'small', seed: 1, now }, options);
    expect((await uninterrupted.sync()).status).toBe('success');
    reference = edusignStateByApiId(uninterrupted.school);
    await uninterrupted.close();
  });
  beforeEach(async () => {
    harness = await startDownHarness({ size: 'small', seed: 1, now }, options);
  });
  afterEach(() => harness.close());

  /** The run after the storm: it succeeds, ends as an uninterrupted run, and the one after writes nothing. */
  const retryAndCompare = async () => {
    const next = await harness.sync();
    expect(next.status).toBe('success');
    expect(edusignStateByApiId(harness.school)).toEqual(reference);
    harness.resetRequests();
    expect((await harness.sync()).status).toBe('success');
    expect(harness.edusignWrites()).toBe(0);
    return next;
  };

  it('is partial when every group create fails, makes the sheets anyway, and attaches the groups at the next run', async () => {
    const storm = harness.sandbox.edusign.faults.add({ kind: 'server-error', method: 'POST', path: '/v1/group' });
    const result = await harness.sync();
    expect(result.status).toBe('partial');
    const groupCount = Object.keys(reference.groups).length;
    expect(result.counts).toMatchObject({
      'group.error': groupCount,
      'sheet.created': Object.keys(reference.courses).length,
      'learner.created': Object.keys(reference.students).length,
    });
    const errors = (await harness.events(result.runId)).filter((event) => event.action === 'error');
    expect(errors.map(({ recordKind, reason }) => ({ recordKind, reason }))).toEqual(
      Array.from({ length: groupCount }, () => ({ recordKind: 'group', reason: 'EDUSIGN_UNAVAILABLE' })),
    );
    // Every learner is on their sheets already, put there one by one.
    const state = edusignStateByApiId(harness.school);
    for (const [apiId, course] of Object.entries(reference.courses)) {
      expect(state.courses[apiId]).toEqual({ ...course, groups: [] });
    }
    expect(await harness.store.getRun(result.runId!)).toMatchObject({ status: 'partial', counts: result.counts });

    harness.sandbox.edusign.faults.remove(storm);
    const next = await retryAndCompare();
    expect(next.counts).toMatchObject({ 'group.created': groupCount });
  });

  it('reads the group list once when group links were lost on a server without group get-id', async () => {
    expect((await harness.sync()).status).toBe('success');
    // Two links lost (a crash between a write and its link): few enough to look them up one by one.
    const lost = (await harness.store.listLinks(harness.tenant.id, 'group')).slice(0, 2);
    expect(lost).toHaveLength(2);
    for (const link of lost) await harness.store.deleteLink(harness.tenant.id, 'group', link.aimairaId);
    harness.sandbox.edusign.setRoutePresent('group-get-id', false);
    harness.resetRequests();

    const result = await harness.sync();
    expect(result).toMatchObject({ status: 'success', counts: { 'group.recovered': 2 } });
    expect(edusignStateByApiId(harness.school)).toEqual(reference);
    const getIds = harness.sandbox.edusign.requests.filter((r) => r.path.startsWith('/v1/group/get-id/'));
    expect(getIds.map((r) => r.status)).toEqual([404]);
    const listReads = harness.sandbox.edusign.requests.filter((r) => r.path === '/v1/group' && r.method === 'GET');
    expect(listReads.filter((r) => r.search.includes('page=0'))).toHaveLength(1);
    for (const link of lost) {
      expect((await harness.store.getLink(harness.tenant.id, 'group', link.aimairaId))?.edusignId).toBe(link.edusignId);
    }
  });

  it('puts a facilitator whose create failed on its sheet at the next run', async () => {
    // Three failed attempts: the first professor's create gives up, the others go through.
    harness.sandbox.edusign.faults.add({ kind: 'server-error', method: 'POST', path: '/v1/professor', times: 3 });
    const result = await harness.sync();
    expect(result.status).toBe('partial');
    expect(result.counts['facilitator.error']).toBe(1);
    expect(result.counts['sheet.created']).toBe(Object.keys(reference.courses).length);
    await retryAndCompare();
  });

  it("adds a tutor whose create failed to the learner's followers at the next run", async () => {
    harness.sandbox.edusign.faults.add({
      kind: 'server-error',
      method: 'POST',
      path: '/v1/externals',
      times: 3,
    });
    const result = await harness.sync();
    expect(result.status).toBe('partial');
    expect(result.counts['tutor.error']).toBe(1);
    await retryAndCompare();
  });

  it('is partial when the roster route fails, and completes the rosters at the next run', async () => {
    const storm = harness.sandbox.edusign.faults.add({
      kind: 'server-error',
      method: 'PUT',
      path: '/v1/course/attendance/',
    });
    const result = await harness.sync();
    expect(result.status).toBe('partial');
    expect(result.counts['sheet.error']).toBeGreaterThan(0);
    harness.sandbox.edusign.faults.remove(storm);
    await retryAndCompare();
  });

  it('goes on with the other records when sheet updates fail during a change, and applies them at the next run', async () => {
    expect((await harness.sync()).status).toBe('success');
    const [renamed] = Object.keys(reference.courses).map(Number);
    const learnerId = Number(Object.keys(reference.students)[0]);
    harness.sandbox.aimaira.store.patch('Planification', renamed!, { Nom: 'Séance renommée' });
    harness.sandbox.aimaira.store.patch('Apprenant', learnerId, { PrenomUsage: 'Renommée' });
    const storm = harness.sandbox.edusign.faults.add({ kind: 'server-error', method: 'PATCH', path: '/v1/course' });

    const result = await harness.sync();
    expect(result.status).toBe('partial');
    expect(result.counts).toMatchObject({ 'learner.updated': 1, 'sheet.error': 1 });
    expect(edusignStateByApiId(harness.school).students[String(learnerId)]?.firstName).toBe('Renommée');

    harness.sandbox.edusign.faults.remove(storm);
    const next = await harness.sync();
    expect(next).toMatchObject({ status: 'success', counts: { 'sheet.updated': 1 } });
    expect(courseOf(harness.school, renamed!)?.NAME).toBe('Séance renommée');
  });
});
