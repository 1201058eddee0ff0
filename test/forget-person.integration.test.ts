/**
 * `tenant forget-person` against the simulators: sync, forget a learner (by e-mail, as a person might type it)
 * and a facilitator (by id), sync again: each is found on Edusign by API_ID and linked again, no duplicate is
 * made, and the output never shows an e-mail in clear.
 */
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { runTenantAdd, runTenantForgetPerson } from '../src/cli/tenant.js';
import type { ForgetPersonOptions } from '../src/cli/tenant.js';
import { ConfigError } from '../src/errors.js';
import { linkHasEmail, maskEmail } from '../src/service/forget-person.js';
import type { Link } from '../src/store/port.js';
import { sqliteFileName } from '../src/store/sqlite.js';
import { aimairaEmail, edusignStateByApiId, startDownHarness } from './helpers.js';
import type { DownHarness } from './helpers.js';

// Monday 30 November 2026, 11:30 in Paris.
const now = new Date('2026-11-30T10:30:00Z');

describe('tenant forget-person', { timeout: 60_000 }, () => {
  let harness: DownHarness;
  const streams = (out: string[], err: string[]) => ({
    stdout: { write: (text: string) => out.push(text) > 0 },
    stderr: { write: (text: string) => err.push(text) > 0 },
  });
  const storeUrl = () => `sqlite:${join(harness.dataDir, sqliteFileName)}`;
  const forget = async (options: Omit<ForgetPersonOptions, 'dataDir' | 'store' | 'tenant'>) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runTenantForgetPerson(
      { dataDir: harness.dataDir, store: storeUrl(), tenant: harness.tenant.id, ...options },
      streams(out, err),
    );
    return { code, stdout: out.join(''), stderr: err.join('') };
  };

  beforeEach(async () => {
    harness = await startDownHarness({ size: 'small', seed: 1, now });
    // The tenant in the store, as the service runs it: its Edusign API key keys the links' e-mail hashes.
    const { aimaira, edusign } = harness.sandbox.scenario.credentials;
    process.env['FORGET_TEST_AIMAIRA_PASSWORD'] = aimaira.password;
    process.env['FORGET_TEST_EDUSIGN_API_KEY'] = edusign.apiKey;
    const added = await runTenantAdd(
      harness.tenant.id,
      {
        dataDir: harness.dataDir,
        store: storeUrl(),
        allowLoopbackHttp: true,
        aimairaUrl: harness.sandbox.aimaira.rootUrl,
        aimairaUsername: aimaira.username,
        aimairaPasswordEnv: 'FORGET_TEST_AIMAIRA_PASSWORD',
        edusignUrl: harness.sandbox.edusign.url,
        edusignApiKeyEnv: 'FORGET_TEST_EDUSIGN_API_KEY',
        option: [],
      },
      streams([], []),
    );
    expect(added).toBe(0);
  });
  afterEach(() => harness.close());

  it('forgets a learner and a facilitator; the next sync links them again without duplicates', async () => {
    const first = await harness.sync();
    expect(first.status).toBe('success');
    const before = edusignStateByApiId(harness.school);
    const sheets = await harness.store.listLinks(harness.tenant.id, 'sheet');
    const onRoster = (link: Link) =>
      sheets.some((sheet) => (sheet.data['learnerIds'] as number[]).includes(link.aimairaId));
    const learner = (await harness.store.listLinks(harness.tenant.id, 'learner')).find(onRoster);
    const facilitator = (await harness.store.listLinks(harness.tenant.id, 'facilitator'))[0];
    if (!learner || !facilitator) throw new Error('the scenario has a learner on a sheet and a facilitator');
    // The e-mail the learner was synced with, from Aimaira: links keep only a hash of it.
    const email = aimairaEmail(harness.sandbox, 'Apprenant', learner.aimairaId) ?? '';
    expect(email).toContain('@');
    const eventsAbout = async (kind: 'learner' | 'facilitator', id: number) =>
      (await harness.store.listEvents({ tenantId: harness.tenant.id, aimairaId: id, limit: 10_000 })).filter(
        (event) => event.recordKind === kind,
      );
    expect(await eventsAbout('learner', learner.aimairaId)).not.toEqual([]);

    // By e-mail, typed with capitals and spaces.
    const byEmail = await forget({ email: `  ${email.toUpperCase()} `, json: true });
    expect(byEmail.code).toBe(0);
    expect(byEmail.stdout.toLowerCase()).not.toContain(email.toLowerCase());
    const report = JSON.parse(byEmail.stdout) as { email: string; people: unknown[] };
    expect(report.email).toBe(maskEmail(email.toUpperCase()));
    expect(report.people).toEqual([
      {
        kind: 'learner',
        aimairaId: learner.aimairaId,
        removed: {
          links: 1,
          events: expect.any(Number) as number,
          attendance: 0,
          rosters: expect.any(Number) as number,
        },
      },
    ]);
    expect(await harness.store.getLink(harness.tenant.id, 'learner', learner.aimairaId)).toBeUndefined();
    expect(await eventsAbout('learner', learner.aimairaId)).toEqual([]);
    for (const sheet of await harness.store.listLinks(harness.tenant.id, 'sheet')) {
      expect(sheet.data['learnerIds']).not.toContain(learner.aimairaId);
    }
    for (const link of await harness.store.listLinks(harness.tenant.id)) expect(linkHasEmail(link, email)).toBe(false);

    // By id: the facilitator's id is linked as one kind only in this scenario, or --kind says which.
    const byId = await forget({ aimairaId: facilitator.aimairaId, kind: 'facilitator' });
    expect(byId.code).toBe(0);
    expect(byId.stdout).toContain(`Forgot facilitator ${facilitator.aimairaId} of tenant ${harness.tenant.id}: 1 link`);
    expect(byId.stdout).not.toContain('@');

    const again = await harness.sync();
    expect(again.status).toBe('success');
    expect(again.counts['learner.recovered']).toBe(1);
    expect(again.counts['facilitator.recovered']).toBe(1);
    expect(again.counts['learner.created'] ?? 0).toBe(0);
    expect(again.counts['facilitator.created'] ?? 0).toBe(0);
    expect(await harness.store.getLink(harness.tenant.id, 'learner', learner.aimairaId)).toMatchObject({
      edusignId: learner.edusignId,
      origin: 'recovered',
    });
    expect(await harness.store.getLink(harness.tenant.id, 'facilitator', facilitator.aimairaId)).toMatchObject({
      edusignId: facilitator.edusignId,
    });
    const after = edusignStateByApiId(harness.school);
    expect(after.duplicateApiIds).toEqual([]);
    expect(after).toEqual(before);
  });

  it('says so when nothing is linked with an e-mail, and refuses unclear requests', async () => {
    await harness.sync();
    const none = await forget({ email: 'nobody@example.org' });
    expect(none.code).toBe(0);
    expect(none.stdout).toContain('n•••@•••.org: nothing removed');
    expect(none.stdout).not.toContain('nobody@example.org');

    await expect(forget({})).rejects.toThrow(ConfigError);
    await expect(forget({ aimairaId: 1, email: 'a@b.fr' })).rejects.toThrow(ConfigError);
    await expect(forget({ email: 'a@b.fr', kind: 'learner' })).rejects.toThrow(ConfigError);
    // An id no link has: which person is meant cannot be told without --kind.
    await expect(forget({ aimairaId: 987_654 })).rejects.toThrow(/--kind/);
  });
});
