/**
 * `ProvenancePresence` on the simulators: kept as each row has it by default; with the `provenancePresence` option,
 * written when `$metadata` lists the value, kept with one warning per run when it does not.
 */
import { afterEach, describe, expect, it } from 'vitest';

import type { AimairaClient, ProvenancePresenceType } from '../../src/aimaira/client.js';
import { appliedPuts, expectOnlyChanged, signAllAndLock, startUpHarness } from './helpers.js';
import type { Row, UpHarness } from './helpers.js';

// Monday 30 November 2026, 11:30 in Paris.
const now = new Date('2026-11-30T10:30:00Z');

type ProvenanceField = ProvenancePresenceType | undefined;

let harness: UpHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function start(): Promise<UpHarness> {
  harness = await startUpHarness({ size: 'small', seed: 1, now }, { planifRealise: true });
  return harness;
}

/** What the simulator's `$metadata` says of ProvenancePresence, read as the connector reads it. */
async function provenanceField(h: UpHarness): Promise<ProvenanceField> {
  return (await h.aimairaClient().metadata())?.provenancePresence;
}

/** Where the simulator declares no enumeration, a stand-in client declares one, as a strict server's would. */
const declaredMembers = ['None', 'Badge', 'Salle'];
function declaringEnumeration(client: AimairaClient): AimairaClient {
  const metadata = () =>
    Promise.resolve({ provenancePresence: { kind: 'enum', members: declaredMembers } satisfies ProvenanceField });
  return Object.assign(Object.create(client) as AimairaClient, { metadata });
}

function learnerRows(h: UpHarness, sheet: { sessionId: number; course: { STUDENTS: { studentId: string }[] } }) {
  return new Map(
    sheet.course.STUDENTS.map(({ studentId }) => {
      const row = h.learnerRow(sheet.sessionId, h.learnerOf(studentId));
      return [row['Id'] as number, row] as const;
    }),
  );
}

describe('upward sync: ProvenancePresence', () => {
  it('is left as each row has it by default, whatever it holds', async () => {
    const h = await start();
    const sheet = h.sheets()[0]!;
    const store = h.sandbox.aimaira.store;
    // One row already says where an earlier mark came from: it keeps it.
    const [firstRow] = learnerRows(h, sheet).keys();
    const field = await provenanceField(h);
    const other = field?.kind === 'enum' ? (field.members.find((m) => m !== 'None') ?? 'None') : 'Badge';
    store.patch('PlanificationRessource', firstRow!, { ProvenancePresence: other });
    signAllAndLock(h, sheet);
    const before = learnerRows(h, sheet);

    h.resetRequests();
    const result = await h.up();
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('success');
    for (const [rowId, row] of before) {
      expectOnlyChanged(row, store.get('PlanificationRessource', rowId) as Row, {
        Presence: true,
        ControlePresence: sheet.course.START,
      });
    }
    expect(store.get('PlanificationRessource', firstRow!)?.['ProvenancePresence']).toBe(other);
    // No $metadata read: there is nothing to check.
    expect(h.aimairaRequests().some((r) => r.path.endsWith('/$metadata'))).toBe(false);
  });

  it('with provenancePresence set to a value $metadata lists, writes it on every row, once', async () => {
    const h = await start();
    const field = await provenanceField(h);
    // A member other than the rows' `None` when the simulator declares members; any value when it does not.
    const value = field?.kind === 'enum' ? (field.members.find((m) => m !== 'None') ?? 'None') : 'Badge';
    const sheet = h.sheets()[0]!;
    signAllAndLock(h, sheet);
    const before = learnerRows(h, sheet);

    const result = await h.up({ options: { provenancePresence: value } });
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('success');
    for (const [rowId, row] of before) {
      expectOnlyChanged(row, h.sandbox.aimaira.store.get('PlanificationRessource', rowId) as Row, {
        Presence: true,
        ControlePresence: sheet.course.START,
        ProvenancePresence: value,
      });
    }
    const events = await h.events(result.runId);
    expect(events.filter((e) => e.reason === 'PROVENANCE_NOT_ALLOWED')).toEqual([]);

    // Exactly once: the next run with the same option writes nothing.
    h.resetRequests();
    const again = await h.up({ options: { provenancePresence: value } });
    expect(again.status).toBe('success');
    expect(again.counts).toMatchObject({ 'attendance.unchanged': before.size });
    expect(h.aimairaRequests().filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('with provenancePresence set to a value $metadata does not list, keeps each row’s value and warns once per run', async () => {
    const h = await start();
    const field = await provenanceField(h);
    const enumerated = field?.kind === 'enum';
    const wrapAimaira = enumerated ? undefined : declaringEnumeration;
    const members = field?.kind === 'enum' ? field.members : declaredMembers;
    const value = 'NotAMember';
    expect(members).not.toContain(value);
    const sheet = h.sheets()[0]!;
    signAllAndLock(h, sheet);
    const before = learnerRows(h, sheet);

    const run = () => h.up({ options: { provenancePresence: value }, ...(wrapAimaira && { wrapAimaira }) });
    const result = await run();
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('success');
    for (const [rowId, row] of before) {
      expectOnlyChanged(row, h.sandbox.aimaira.store.get('PlanificationRessource', rowId) as Row, {
        Presence: true,
        ControlePresence: sheet.course.START,
      });
    }
    expect(h.sandbox.aimaira.store.get('Planification', sheet.sessionId)?.['Realise']).toBe(true);
    const warnings = (await h.events(result.runId)).filter((e) => e.reason === 'PROVENANCE_NOT_ALLOWED');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 'warning', aimairaId: null, edusignId: null });
    expect(warnings[0]?.message).toContain('provenancePresence');
    expect(warnings[0]?.message).toContain(`"${value}"`);
    for (const member of members) expect(warnings[0]?.message).toContain(`"${member}"`);

    // The next run writes nothing (the rows are up to date) and warns again: the option still needs a look.
    h.resetRequests();
    const again = await run();
    expect(again.status).toBe('success');
    expect(appliedPuts(h.aimairaRequests(), 'PlanificationRessource').size).toBe(0);
    expect((await h.events(again.runId)).filter((e) => e.reason === 'PROVENANCE_NOT_ALLOWED')).toHaveLength(1);
  });
});
