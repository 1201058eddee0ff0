/**
 * Webhook messages to targeted runs, against both simulators after a full downward run (a real SQLite store with
 * its links): the table names learned from Aimaira's `/Object/{id}`, then each kind of message resolved to the
 * sessions and sheets it touches.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { aimairaTableNames } from '../../../sim/aimaira/entities.js';
import {
  createSkippingClock,
  insertSession,
  isOfCode,
  sessionRowsOfType,
  startDownHarness,
} from '../../../test/helpers.js';
import type { DownHarness } from '../../../test/helpers.js';
import type { WebhookMessage } from '../../store/port.js';
import { createTenantClients } from '../clients.js';
import { syncWindow } from '../down/rules.js';
import { findKnownIds, learnObjectTypes } from './object-types.js';
import { realtimeEntities, resolveRealtimeTargets } from './targets.js';
import type { ObjectTypes, ResolveRealtimeOptions } from './targets.js';

// Monday 30 November 2026, 11:30 in Paris.
const now = new Date('2026-11-30T10:30:00Z');

describe('webhook messages to targeted runs, against the simulators', () => {
  let harness: DownHarness;
  let objectTypes: ObjectTypes;
  let options: ResolveRealtimeOptions;
  let nextId = 1;

  const aimaira = (entity: keyof typeof aimairaTableNames, objectId: number, event = 'Modification') =>
    message('aimaira', event, aimairaTableNames[entity], String(objectId));
  const edusign = (event: string, courseId: string) => message('edusign', event, null, courseId);
  const message = (
    source: 'aimaira' | 'edusign',
    event: string,
    objectType: string | null,
    objectId: string,
  ): WebhookMessage => ({
    id: nextId++,
    tenantId: harness.tenant.id,
    source,
    receivedAt: now.toISOString(),
    event,
    objectType,
    objectId,
    hashOk: source === 'aimaira' ? true : null,
    processedAt: null,
  });

  /** Sessions of the window (as a full run reads it) that have a row of `code` naming `reference`. */
  const windowSessionsListing = (code: 'APPRENANT' | 'PROF', reference: number): number[] => {
    const { store } = harness.sandbox.aimaira;
    const window = syncWindow(now, harness.tenant.options.horizonDays);
    const inWindow = (id: number) => {
      const session = store.get('Planification', id);
      if (session === undefined) return false;
      const start = Date.parse(String(session['Debut']));
      const type = session['TypePlanificationId'];
      return (
        start > Date.parse(window.start) &&
        start < Date.parse(window.end) &&
        (isOfCode(harness.sandbox, 'TypePlanification', 'SEANCE', type) ||
          isOfCode(harness.sandbox, 'TypePlanification', 'EVENEMENT', type))
      );
    };
    const sessions = store
      .list('PlanificationRessource')
      .filter(
        (row) =>
          row['Reference'] === reference && isOfCode(harness.sandbox, 'TypeRessource', code, row['TypeRessourceId']),
      )
      .map((row) => Number(row['PlanificationId']))
      .filter(inWindow);
    return [...new Set(sessions)].sort((a, b) => a - b);
  };

  beforeAll(async () => {
    harness = await startDownHarness({ size: 'small', seed: 1, now });
    const first = await harness.sync();
    expect(first.status).toBe('success');
    const clients = createTenantClients(harness.tenant, { clock: createSkippingClock() });
    const known = await findKnownIds(clients.aimaira, {
      store: harness.store,
      tenantId: harness.tenant.id,
      now,
      horizonDays: harness.tenant.options.horizonDays,
    });
    // The scenario's own sessions carry `Object.Type` 'Planification' (sim/scenario/generate.ts), while the
    // simulator's webhooks and every record made since carry the table name: learn it from a session made now.
    const made = insertSession(harness.sandbox, {
      name: 'Learnt from',
      debut: '2026-12-02T09:00:00+01:00',
      fin: '2026-12-02T10:00:00+01:00',
      programmeId: 0,
    });
    const learned = await learnObjectTypes(clients.aimaira, { ...known, Planification: made });
    expect(learned.unlearned).toEqual([]);
    expect(Object.keys(known).sort()).toEqual([...realtimeEntities].sort());
    objectTypes = learned.objectTypes;
    options = {
      aimaira: clients.aimaira,
      edusign: clients.edusign,
      store: harness.store,
      tenantId: harness.tenant.id,
      objectTypes,
      now,
      horizonDays: harness.tenant.options.horizonDays,
    };
  });
  afterAll(() => harness.close());

  const linkedSessions = async () =>
    (await harness.store.listLinks(harness.tenant.id, 'sheet')).sort((a, b) => a.aimairaId - b.aimairaId);

  it('learns the table names of sessions, rows, learners, facilitators and e-mails from the simulator', () => {
    expect(objectTypes).toEqual({
      Planification: aimairaTableNames.Planification,
      PlanificationRessource: aimairaTableNames.PlanificationRessource,
      Apprenant: aimairaTableNames.Apprenant,
      Enseignant: aimairaTableNames.Enseignant,
      Mail: aimairaTableNames.Mail,
    });
  });

  it('says which entities it could not learn when it knows no record of them', async () => {
    const learned = await learnObjectTypes(options.aimaira, { Planification: (await linkedSessions())[0]!.aimairaId });
    expect(Object.keys(learned.objectTypes)).toEqual(['Planification']);
    expect(learned.unlearned.map((entry) => entry.entity)).toEqual([
      'PlanificationRessource',
      'Apprenant',
      'Enseignant',
      'Mail',
    ]);
  });

  it('targets a session itself, and the session of one of its rows', async () => {
    const [a, b] = await linkedSessions();
    const row = sessionRowsOfType(harness.sandbox, b!.aimairaId, 'APPRENANT')[0]!;
    const targets = await resolveRealtimeTargets(
      [aimaira('Planification', a!.aimairaId), aimaira('PlanificationRessource', Number(row['Id']))],
      options,
    );
    expect(targets).toEqual({
      sessionIds: [a!.aimairaId, b!.aimairaId].sort((x, y) => x - y),
      sheetIds: [],
      ignored: [],
    });
  });

  it('targets every window session that lists a learner, a facilitator or the owner of an e-mail', async () => {
    const { store } = harness.sandbox.aimaira;
    const learnerRows = store
      .list('PlanificationRessource')
      .filter((row) => isOfCode(harness.sandbox, 'TypeRessource', 'APPRENANT', row['TypeRessourceId']));
    const learnerId = [...new Set(learnerRows.map((row) => Number(row['Reference'])))].find(
      (id) => windowSessionsListing('APPRENANT', id).length >= 2,
    )!;
    expect(learnerId).toBeDefined();
    const expected = windowSessionsListing('APPRENANT', learnerId);
    expect((await resolveRealtimeTargets([aimaira('Apprenant', learnerId)], options)).sessionIds).toEqual(expected);

    const facilitatorLink = (await harness.store.listLinks(harness.tenant.id, 'facilitator'))[0]!;
    const byFacilitator = await resolveRealtimeTargets([aimaira('Enseignant', facilitatorLink.aimairaId)], options);
    expect(byFacilitator.sessionIds).toEqual(windowSessionsListing('PROF', facilitatorLink.aimairaId));
    expect(byFacilitator.sessionIds.length).toBeGreaterThan(0);

    const mailId = Number(store.get('Apprenant', learnerId)?.['MailId']);
    expect(mailId).toBeGreaterThan(0);
    expect((await resolveRealtimeTargets([aimaira('Mail', mailId)], options)).sessionIds).toEqual(expected);
  });

  it('finds the session of a deleted row in the attendance records, or leaves it to the next window and says why', async () => {
    const links = await linkedSessions();
    const remembered = links[2]!.aimairaId;
    const forgotten = links[3]!.aimairaId;
    const rememberedRow = sessionRowsOfType(harness.sandbox, remembered, 'APPRENANT')[0]!;
    const forgottenRow = sessionRowsOfType(harness.sandbox, forgotten, 'APPRENANT')[0]!;
    await harness.store.saveAttendance(
      [
        {
          tenantId: harness.tenant.id,
          planificationId: remembered,
          learnerId: Number(rememberedRow['Reference']),
          rowId: Number(rememberedRow['Id']),
          hash: 'h',
          state: 'sent',
          firstSentAt: now.toISOString(),
        },
      ],
      now.toISOString(),
    );
    harness.sandbox.aimaira.store.remove('PlanificationRessource', Number(rememberedRow['Id']));
    harness.sandbox.aimaira.store.remove('PlanificationRessource', Number(forgottenRow['Id']));
    const gone = aimaira('PlanificationRessource', Number(forgottenRow['Id']), 'Suppression');
    const targets = await resolveRealtimeTargets(
      [aimaira('PlanificationRessource', Number(rememberedRow['Id']), 'Suppression'), gone],
      options,
    );
    expect(targets.sessionIds).toEqual([remembered]);
    expect(targets.ignored).toEqual([{ messageId: gone.id, why: expect.stringContaining('next window') as string }]);
  });

  it('ignores a table it did not learn, and a message about nobody', async () => {
    const candidate = message('aimaira', 'Creation', 'recrutement.T_CANDIDAT', '12');
    const targets = await resolveRealtimeTargets([candidate], options);
    expect(targets).toEqual({
      sessionIds: [],
      sheetIds: [],
      ignored: [{ messageId: candidate.id, why: expect.stringContaining('recrutement.T_CANDIDAT') as string }],
    });
  });

  it('sends locked sheets up, and brings down the sessions of edited or deleted unlocked ones', async () => {
    const [, , , , locked, editedLocked, edited, deleted] = await linkedSessions();
    harness.school.lock(editedLocked!.edusignId);
    const targets = await resolveRealtimeTargets(
      [
        edusign('on_course_locked', locked!.edusignId),
        edusign('on_course_edited', editedLocked!.edusignId),
        edusign('on_course_edited', edited!.edusignId),
        edusign('on_course_deleted', deleted!.edusignId),
        edusign('on_student_sign', edited!.edusignId),
        edusign('on_course_created', 'made-by-hand'),
        edusign('on_course_locked', 'made-by-hand'),
      ],
      options,
    );
    expect(targets.sheetIds).toEqual([locked!.edusignId, editedLocked!.edusignId].sort());
    expect(targets.sessionIds).toEqual([edited!.aimairaId, deleted!.aimairaId].sort((a, b) => a - b));
    expect(targets.ignored).toHaveLength(3);
  });

  it('coalesces a burst of 1,000 messages about 40 sessions into exactly those 40', async () => {
    const sessions = harness.sandbox.aimaira.store
      .list('Planification')
      .slice(0, 40)
      .map((record) => Number(record['Id']));
    expect(sessions).toHaveLength(40);
    const burst = Array.from({ length: 1000 }, (_, index) => aimaira('Planification', sessions[index % 40]!));
    harness.resetRequests();
    const targets = await resolveRealtimeTargets(burst, options);
    expect(targets).toEqual({ sessionIds: [...sessions].sort((a, b) => a - b), sheetIds: [], ignored: [] });
    // Sessions are taken from the messages alone: nothing is read.
    expect(harness.sandbox.aimaira.requests).toHaveLength(0);
  });
});
