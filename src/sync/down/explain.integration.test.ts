import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startDownHarness } from '../../../test/helpers.js';
import type { DownHarness } from '../../../test/helpers.js';
import { createTenantClients } from '../clients.js';
import { explainSession } from './explain.js';
import type { FoundExplanation, SessionExplanation } from './explain.js';
import { syncWindow } from './rules.js';

// Monday 30 November 2026, 11:30 in Paris.
const now = new Date('2026-11-30T10:30:00Z');

interface Planification {
  Id: number;
  Nom: string;
  Debut: string;
  TypePlanificationId: number;
}

describe('explainSession on the small scenario', () => {
  let harness: DownHarness;
  let planifications: Planification[];
  /** SEANCE ids that the scenario made special (cancelled, created today, without facilitator...). */
  let special: Set<number>;
  /** Of those, the ones a rule excludes. */
  let excluded: Set<number>;
  let learnersOf: (sessionId: number) => number[];

  const explain = (sessionId: number): Promise<SessionExplanation> =>
    explainSession({
      tenant: harness.tenant,
      ...createTenantClients(harness.tenant),
      store: harness.store,
      now,
      sessionId,
    });
  const found = (explanation: SessionExplanation): FoundExplanation => {
    if (!explanation.found) throw new Error(`session ${explanation.sessionId} not found`);
    return explanation;
  };
  const window = syncWindow(now, 14);
  const ordinary = (where: (start: number) => boolean) =>
    planifications.filter(
      (p) =>
        p.TypePlanificationId === harness.sandbox.scenario.manifest.typePlanificationIds.SEANCE &&
        !special.has(p.Id) &&
        where(Date.parse(p.Debut)),
    );
  const inWindow = (start: number) => start > now.getTime() && start < Date.parse(window.end);
  const badLearners = () => new Set(harness.sandbox.scenario.manifest.badPeople.map((person) => person.id));

  beforeAll(async () => {
    harness = await startDownHarness({ size: 'small', seed: 1, now });
    const { scenario } = harness.sandbox;
    planifications = (scenario.aimaira.Planification ?? []) as unknown as Planification[];
    const { daylightSaving, ...lists } = scenario.manifest.sessions;
    special = new Set([daylightSaving.id, ...Object.values(lists).flat()]);
    excluded = new Set([
      daylightSaving.id,
      ...lists.createdToday,
      ...lists.cancelled,
      ...lists.withoutFacilitator,
      ...lists.withoutValidFacilitator,
      ...lists.withoutValidLearner,
    ]);
    const rows = (scenario.aimaira.PlanificationRessource ?? []) as unknown as {
      PlanificationId: number;
      TypeRessourceId: number;
      Reference: number;
    }[];
    const learnerType = scenario.manifest.typeRessourceIds.APPRENANT;
    learnersOf = (sessionId) =>
      rows
        .filter((row) => row.PlanificationId === sessionId && row.TypeRessourceId === learnerType)
        .map((row) => row.Reference);
  });
  afterAll(() => harness.close());

  describe('before any sync', () => {
    it('explains an eligible session: no exclusion, nobody left out, the next sync creates its sheet; writes nothing', async () => {
      const bad = badLearners();
      const session = ordinary(inWindow).find((p) => learnersOf(p.Id).every((id) => !bad.has(id)));
      expect(session).toBeDefined();
      harness.resetRequests();

      const explanation = found(await explain(session!.Id));
      expect(explanation.session.name).toBe(session!.Nom);
      expect(explanation.inWindow).toBe(true);
      expect(explanation.eligible).toBe(true);
      expect(explanation.exclusions).toEqual([]);
      expect(explanation.leftOut).toEqual([]);
      expect(explanation.edusign).toBeNull();
      expect(explanation.nextSync.action).toBe('create');

      expect(harness.edusignWrites()).toBe(0);
      expect(await harness.store.listRuns('demo')).toEqual([]);
      expect(await harness.store.listLinks('demo')).toEqual([]);
      expect((await harness.store.getSessionCreations('demo', [session!.Id])).size).toBe(0);
    });

    it('explains a cancelled session', async () => {
      const cancelled = harness.sandbox.scenario.manifest.sessions.cancelled.find((id) => {
        const p = planifications.find((candidate) => candidate.Id === id);
        return p !== undefined && inWindow(Date.parse(p.Debut));
      });
      expect(cancelled).toBeDefined();
      const explanation = found(await explain(cancelled!));
      expect(explanation.eligible).toBe(false);
      expect(explanation.exclusions.map((reason) => reason.code)).toContain('CANCELLED');
      expect(explanation.exclusions.find((reason) => reason.code === 'CANCELLED')?.description).toMatch(/cancelled/);
      expect(explanation.nextSync.action).toBe('nothing');
    });

    it('explains a past session (PAST), read in detail although outside the window', async () => {
      const past = ordinary((start) => start < now.getTime() - 24 * 3600_000)[0];
      expect(past).toBeDefined();
      const explanation = found(await explain(past!.Id));
      expect(explanation.inWindow).toBe(false);
      expect(explanation.exclusions.map((reason) => reason.code)).toEqual(['PAST']);
      expect(explanation.session.listed.learners).toBe(learnersOf(past!.Id).length);
      expect(explanation.nextSync.action).toBe('nothing');
    });

    it('explains a session created today (CREATED_TODAY)', async () => {
      const [createdToday] = harness.sandbox.scenario.manifest.sessions.createdToday;
      expect(createdToday).toBeDefined();
      const explanation = found(await explain(createdToday!));
      expect(explanation.inWindow).toBe(true);
      expect(explanation.exclusions.map((reason) => reason.code)).toContain('CREATED_TODAY');
      expect(explanation.session.createdAt).not.toBeNull();
    });

    it('explains a session beyond the horizon (BEYOND_HORIZON)', async () => {
      const beyond = ordinary((start) => start > Date.parse(window.end))[0];
      expect(beyond).toBeDefined();
      const explanation = found(await explain(beyond!.Id));
      expect(explanation.inWindow).toBe(false);
      expect(explanation.exclusions.map((reason) => reason.code)).toEqual(['BEYOND_HORIZON']);
    });

    it('names each learner left out by kind, id, reason and problems, without e-mail or name', async () => {
      const { scenario } = harness.sandbox;
      const malformed = scenario.manifest.badPeople.filter(
        (person) => person.set === 'Apprenant' && person.problem === 'MALFORMED_EMAIL',
      );
      const match = malformed.flatMap((person) => {
        const session = planifications.find(
          (p) =>
            p.TypePlanificationId === scenario.manifest.typePlanificationIds.SEANCE &&
            !excluded.has(p.Id) &&
            inWindow(Date.parse(p.Debut)) &&
            learnersOf(p.Id).includes(person.id),
        );
        return session ? [{ person, session }] : [];
      })[0];
      expect(match).toBeDefined();
      const { person, session } = match!;

      const explanation = found(await explain(session.Id));
      expect(explanation.eligible).toBe(true);
      const leftOut = explanation.leftOut.find((out) => out.aimairaId === person.id);
      expect(leftOut).toMatchObject({ kind: 'learner', reason: 'INVALID_LEARNER', problems: ['malformed e-mail'] });
      expect(leftOut?.description).toMatch(/valid e-mail/);
      expect(explanation.session.kept.learners).toBe(explanation.session.listed.learners - explanation.leftOut.length);

      const text = JSON.stringify(explanation);
      const learner = (scenario.aimaira.Apprenant ?? []).find((record) => record['Id'] === person.id);
      expect(text).not.toContain('@');
      expect(text).not.toContain(String(learner?.['Nom']));
    });

    it('answers "no such session" for an id Aimaira does not know', async () => {
      const explanation = await explain(1);
      expect(explanation.found).toBe(false);
      expect(explanation.edusign).toBeNull();
      expect(explanation.nextSync.action).toBe('nothing');
    });
  });

  describe('after a sync', () => {
    it("gives the sheet's Edusign id and when the connector wrote it, then what a cancellation and a lock change", async () => {
      const bad = badLearners();
      const session = ordinary(inWindow).find((p) => learnersOf(p.Id).every((id) => !bad.has(id)))!;
      const run = await harness.sync();
      expect(run.status).toBe('success');
      const school = harness.sandbox.edusign.school(harness.tenant.edusign.apiKey);
      const course = school.courses().find((c) => c.API_ID === String(session.Id));
      expect(course).toBeDefined();

      const synced = found(await explain(session.Id));
      expect(synced.edusign).toMatchObject({
        sheetId: course!.ID,
        linked: true,
        origin: 'created',
        state: 'present',
        locked: false,
        writtenName: session.Nom,
      });
      const link = await harness.store.getLink('demo', 'sheet', session.Id);
      expect(synced.edusign?.lastWrittenAt).toBe(link?.updatedAt);
      expect(synced.nextSync.action).toBe('nothing');

      harness.sandbox.aimaira.store.patch('Planification', session.Id, { Annule: true });
      const cancelled = found(await explain(session.Id));
      expect(cancelled.exclusions.map((reason) => reason.code)).toEqual(['CANCELLED']);
      expect(cancelled.nextSync).toMatchObject({ action: 'delete', reason: { code: 'CANCELLED' }, blockedBy: null });

      school.lock(course!.ID);
      const locked = found(await explain(session.Id));
      expect(locked.edusign?.locked).toBe(true);
      expect(locked.nextSync).toMatchObject({ action: 'delete', blockedBy: { code: 'LOCKED' } });
    });
  });
});

describe('explainSession with importStudentTutors', () => {
  let harness: DownHarness;
  beforeAll(async () => {
    harness = await startDownHarness({ size: 'small', seed: 1, now }, { importStudentTutors: true });
  });
  afterAll(() => harness.close());

  it("lists a tutor left out under the session's learner the tutor follows", async () => {
    const { scenario } = harness.sandbox;
    const { manifest } = scenario;
    const badTutors = new Set(
      manifest.badPeople.filter((person) => person.set === 'Professionnel').map((person) => person.id),
    );
    const completed = manifest.etatConventionIds.COMPLET;
    const conventions = (scenario.aimaira.Convention ?? []) as unknown as {
      ApprenantId: number;
      MaitreId: number;
      EtatConventionId: number;
    }[];
    const followed = conventions.filter(
      (convention) => convention.EtatConventionId === completed && badTutors.has(convention.MaitreId),
    );
    const rows = (scenario.aimaira.PlanificationRessource ?? []) as unknown as {
      PlanificationId: number;
      Reference: number;
    }[];
    const planifications = (scenario.aimaira.Planification ?? []) as unknown as Planification[];
    const window = syncWindow(now, 14);
    const candidates = followed.flatMap((convention) =>
      rows
        .filter((row) => row.Reference === convention.ApprenantId)
        .flatMap((row) => planifications.filter((p) => p.Id === row.PlanificationId))
        .filter((p) => Date.parse(p.Debut) > now.getTime() && Date.parse(p.Debut) < Date.parse(window.end))
        .map((p) => ({ convention, session: p })),
    );
    expect(candidates.length).toBeGreaterThan(0);

    let seen = false;
    for (const { convention, session } of candidates) {
      const explanation = await explainSession({
        tenant: harness.tenant,
        ...createTenantClients(harness.tenant),
        store: harness.store,
        now,
        sessionId: session.Id,
      });
      if (!explanation.found || !explanation.session.kept.learners) continue;
      const tutor = explanation.leftOut.find((person) => person.kind === 'tutor');
      if (!tutor) continue;
      expect(tutor).toMatchObject({ aimairaId: convention.MaitreId, reason: 'INVALID_TUTOR', problems: ['no e-mail'] });
      expect(tutor.learnerIds).toContain(convention.ApprenantId);
      seen = true;
      break;
    }
    expect(seen).toBe(true);
  });
});
