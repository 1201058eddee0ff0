/**
 * Person links keep fingerprints of e-mails, never the e-mails; a store written by an older version, whose links
 * hold e-mails in clear, keeps working and loses them as its links are written again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startDownHarness, studentOf } from '../../../test/helpers.js';
import type { DownHarness } from '../../../test/helpers.js';
import type { Link } from '../../store/port.js';
import { isEmailFingerprint } from './email-fingerprint.js';

const personKinds = new Set<Link['kind']>(['learner', 'facilitator', 'tutor']);

describe('e-mails in the store', () => {
  let harness: DownHarness;
  beforeAll(async () => {
    harness = await startDownHarness({ size: 'small', seed: 1 });
  });
  afterAll(() => harness.close());

  const personLinks = async () =>
    (await harness.store.listLinks(harness.tenant.id)).filter((link) => personKinds.has(link.kind));

  it('a run keeps no e-mail in the links, only fingerprints', async () => {
    const first = await harness.sync();
    expect(first.status).toBe('success');
    const links = await personLinks();
    expect(links.length).toBeGreaterThan(0);
    for (const link of links) {
      expect(Object.keys(link.data)).toEqual(['emailHash']);
      expect(isEmailFingerprint(String(link.data['emailHash']))).toBe(true);
    }
    expect(JSON.stringify(await harness.store.listLinks(harness.tenant.id))).not.toContain('@');
  });

  it("an older store's e-mails in clear still reserve them, and a link written again keeps a fingerprint instead", async () => {
    // As an older version left them: each person link with the e-mail last written, in clear.
    for (const link of await personLinks()) {
      const record =
        link.kind === 'learner'
          ? harness.school.student(link.edusignId)
          : link.kind === 'facilitator'
            ? harness.school.professors().find((professor) => professor.ID === link.edusignId)
            : undefined;
      if (record === undefined) continue;
      const { createdAt: _createdAt, updatedAt, ...rest } = link;
      await harness.store.saveLink({ ...rest, data: { email: String(record.EMAIL).toLowerCase() } }, updatedAt);
    }
    const { sandbox } = harness;
    const pair = sandbox.scenario.manifest.badPeople.find(
      (person) =>
        person.problem === 'SHARED_EMAIL' &&
        person.id < (person.sharedWith ?? 0) &&
        studentOf(harness.school, person.id) !== undefined,
    );
    expect(pair).toBeDefined();
    const holder = pair!.id;
    const other = pair!.sharedWith!;
    // The holder leaves every session: only its link (in clear) still says the e-mail is taken.
    for (const row of sandbox.aimaira.store.where('PlanificationRessource', 'Reference', [holder])) {
      sandbox.aimaira.store.remove('PlanificationRessource', Number(row['Id']));
    }
    // Another learner changes name: its link is written again.
    const renamed = (await personLinks()).find(
      (link) => link.kind === 'learner' && link.aimairaId !== holder && link.aimairaId !== other,
    )!;
    sandbox.aimaira.store.patch('Apprenant', renamed.aimairaId, { PrenomUsage: 'Marie-Ange' });

    const result = await harness.sync();
    expect(result.status).toBe('success');
    const events = await harness.events(result.runId);
    expect(
      events.some((e) => e.recordKind === 'learner' && e.aimairaId === other && e.reason === 'DUPLICATE_EMAIL'),
    ).toBe(true);
    expect(studentOf(harness.school, other)).toBeUndefined();

    const after = await harness.store.getLink(harness.tenant.id, 'learner', renamed.aimairaId);
    expect(after?.data).toEqual({ emailHash: expect.any(String) as string });
    const held = await harness.store.getLink(harness.tenant.id, 'learner', holder);
    expect(held?.data['email']).toBeDefined(); // not written again: still as the older version left it
  });
});
