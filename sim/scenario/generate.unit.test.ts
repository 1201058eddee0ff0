import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';

import { entityFields } from '../aimaira/entities.js';
import type { EntitySetName } from '../aimaira/entities.js';
import {
  badRecordRates,
  etatConventionCodes,
  expectedBadPeople,
  generateScenario,
  isPlausibleEmail,
  parisZone,
  scenarioSizes,
  scenarioTargets,
} from './generate.js';
import type { Scenario, ScenarioSize } from './generate.js';
import { asciiFold } from './names.js';
import { createRandom } from './random.js';

type AimairaRecord = Record<string, unknown>;

const now = new Date('2025-11-28T10:15:00Z'); // a Friday, 11:15 in Paris, winter time
const cache = new Map<string, Scenario>();

function scenario(size: ScenarioSize, seed = 1, at: Date = now): Scenario {
  const key = `${size}/${seed}/${at.toISOString()}`;
  let built = cache.get(key);
  if (built === undefined) {
    built = generateScenario({ size, seed, now: at });
    cache.set(key, built);
  }
  return built;
}

function records(built: Scenario, set: EntitySetName): AimairaRecord[] {
  return built.aimaira[set] ?? [];
}

function byId(built: Scenario, set: EntitySetName): Map<number, AimairaRecord> {
  return new Map(records(built, set).map((record) => [Number(record['Id']), record]));
}

function num(record: AimairaRecord | undefined, field: string): number {
  return Number(record?.[field]);
}

/** A text field ('' when absent or not text). */
function str(record: AimairaRecord | undefined, field: string): string {
  const value = record?.[field];
  return typeof value === 'string' ? value : '';
}

/** Rows of each planification, by PlanificationId. */
function rowsByPlanification(built: Scenario): Map<number, AimairaRecord[]> {
  const rows = new Map<number, AimairaRecord[]>();
  for (const row of records(built, 'PlanificationRessource')) {
    const id = num(row, 'PlanificationId');
    const list = rows.get(id) ?? [];
    list.push(row);
    rows.set(id, list);
  }
  return rows;
}

function parisDay(isoText: string): string {
  return DateTime.fromISO(isoText).setZone(parisZone).toISODate() ?? '';
}

const today = DateTime.fromJSDate(now).setZone(parisZone).startOf('day');

describe('random', () => {
  it('gives the same sequence for the same seed and another for another seed', () => {
    const draw = (seed: number): number[] => {
      const random = createRandom(seed);
      return Array.from({ length: 20 }, () => random.next());
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
  });

  it('forks independent, reproducible streams', () => {
    const a = createRandom(3).fork('a');
    const b = createRandom(3).fork('b');
    const again = createRandom(3).fork('a');
    const first = Array.from({ length: 5 }, () => a.int(0, 1_000_000));
    expect(Array.from({ length: 5 }, () => again.int(0, 1_000_000))).toEqual(first);
    expect(Array.from({ length: 5 }, () => b.int(0, 1_000_000))).not.toEqual(first);
  });

  it('keeps integers in range, shuffles without losing elements and weighs choices', () => {
    const random = createRandom(11);
    const ints = Array.from({ length: 2_000 }, () => random.int(-2, 3));
    expect(Math.min(...ints)).toBe(-2);
    expect(Math.max(...ints)).toBe(3);
    const items = Array.from({ length: 50 }, (_, index) => index);
    expect([...random.shuffle(items)].sort((a, b) => a - b)).toEqual(items);
    const picks = Array.from({ length: 4_000 }, () => random.weighted([['rare', 1] as const, ['often', 9] as const]));
    const rare = picks.filter((pick) => pick === 'rare').length / picks.length;
    expect(rare).toBeGreaterThan(0.07);
    expect(rare).toBeLessThan(0.13);
    expect(() => random.pick([])).toThrow();
  });
});

describe('generateScenario: determinism', () => {
  it('gives deep-equal scenarios for the same options', () => {
    for (const size of ['small', 'medium'] as const) {
      const first = generateScenario({ size, seed: 5, now });
      const second = generateScenario({ size, seed: 5, now });
      expect(second).toEqual(first);
    }
  });

  it('gives a different scenario for another seed', () => {
    const one = scenario('small', 1);
    const two = scenario('small', 2);
    expect(two.aimaira.Apprenant).not.toEqual(one.aimaira.Apprenant);
    expect(two.manifest.typePlanificationIds.SEANCE).not.toBe(one.manifest.typePlanificationIds.SEANCE);
    expect(two.credentials.aimaira.password).not.toBe(one.credentials.aimaira.password);
  });

  it('defaults the seed to 1', () => {
    expect(generateScenario({ size: 'small', now })).toEqual(scenario('small', 1));
  });
});

describe.each(scenarioSizes)('generateScenario: %s', (size) => {
  const target = scenarioTargets[size];
  const within15 = (actual: number, expected: number): void => {
    expect(actual).toBeGreaterThanOrEqual(Math.floor(expected * 0.85));
    expect(actual).toBeLessThanOrEqual(Math.ceil(expected * 1.15));
  };

  it('lands within 15% of the size targets', () => {
    const built = scenario(size);
    const seance = built.manifest.typePlanificationIds.SEANCE;
    const { from, to } = built.manifest.range;
    const sessions = records(built, 'Planification').filter(
      (plan) =>
        num(plan, 'TypePlanificationId') === seance &&
        DateTime.fromISO(str(plan, 'Debut')) >= DateTime.fromISO(from) &&
        DateTime.fromISO(str(plan, 'Debut')) < DateTime.fromISO(to),
    );
    within15(sessions.length, target.sessions);
    within15(records(built, 'Apprenant').length, target.learners);
    within15(records(built, 'Enseignant').length, target.facilitators);
    within15(built.manifest.apprenantRows, target.apprenantRows);
    expect(records(built, 'Ecole')).toHaveLength(target.brands);
    expect(records(built, 'Campus')).toHaveLength(target.campuses);
    for (const [set, count] of Object.entries(built.manifest.counts)) {
      expect(records(built, set as EntitySetName)).toHaveLength(count);
    }
  });

  it('builds complete records: every field of the set, in order, and nothing else', () => {
    const built = scenario(size);
    const incomplete: string[] = [];
    for (const [set, list] of Object.entries(built.aimaira) as [EntitySetName, AimairaRecord[]][]) {
      const fields = Object.keys(entityFields[set]).join();
      expect(list.length, set).toBeGreaterThan(0);
      for (const record of list) {
        if (Object.keys(record).join() !== fields) incomplete.push(`${set} ${num(record, 'Id')}`);
      }
    }
    expect(incomplete).toEqual([]);
  });

  it('uses 7-digit ids, unique across sets; each Planification has its Object record', () => {
    const built = scenario(size);
    const seen = new Set<number>();
    const problems: string[] = [];
    for (const [set, list] of Object.entries(built.aimaira)) {
      if (set === 'Object') continue;
      for (const record of list) {
        const id = num(record, 'Id');
        if (!(Number.isInteger(id) && id >= 1_000_000 && id <= 9_999_999)) problems.push(`${set} ${id} not 7-digit`);
        if (seen.has(id)) problems.push(`${set} ${id} repeated`);
        seen.add(id);
      }
    }
    expect(problems).toEqual([]);
    const objectIds = records(built, 'Object').map((record) => num(record, 'Id'));
    expect(objectIds).toEqual(records(built, 'Planification').map((record) => num(record, 'Id')));
  });

  it('keeps references consistent', () => {
    const built = scenario(size);
    const problems: string[] = [];
    const check = (ok: boolean, what: string): void => void (ok || problems.push(what));
    const typeRessource = byId(built, 'TypeRessource');
    const codeOf = (id: number): string => str(typeRessource.get(id), 'Code');
    const plans = byId(built, 'Planification');
    const ressources = byId(built, 'Ressource');
    const sets: Record<string, Map<number, AimairaRecord>> = {
      APPRENANT: byId(built, 'Apprenant'),
      PROF: byId(built, 'Enseignant'),
      SALLE: ressources,
      MATERIEL: ressources,
      GROUPE: ressources,
    };
    for (const row of records(built, 'PlanificationRessource')) {
      const where = `row ${num(row, 'Id')}`;
      const plan = plans.get(num(row, 'PlanificationId'));
      check(plan !== undefined, `${where}: no planification`);
      const code = codeOf(num(row, 'TypeRessourceId'));
      const target = sets[code]?.get(num(row, 'Reference'));
      check(target !== undefined, `${where}: ${code} ${num(row, 'Reference')} missing`);
      check(str(row, 'Code') === str(target, 'Code'), `${where}: code`);
      if (code === 'SALLE' || code === 'GROUPE' || code === 'MATERIEL') {
        check(codeOf(num(target, 'TypeRessourceId')) === code, `${where}: ressource type`);
        check(str(row, 'Nom') === str(target, 'Nom'), `${where}: name`);
      }
      check(row['Debut'] === plan?.['Debut'] && row['PlanificationDebut'] === plan?.['Debut'], `${where}: start`);
      check(row['Fin'] === plan?.['Fin'] && row['PlanificationFin'] === plan?.['Fin'], `${where}: end`);
      check(row['Presence'] === false && row['ProvenancePresence'] === 'None', `${where}: attendance`);
    }

    const mails = byId(built, 'Mail');
    for (const set of ['Apprenant', 'Enseignant', 'Professionnel'] as const) {
      for (const person of records(built, set)) {
        const mailId = num(person, 'MailId');
        check(mailId === 0 || mails.has(mailId), `${set} ${num(person, 'Id')}: mail ${mailId}`);
      }
    }

    const learners = byId(built, 'Apprenant');
    const tutors = byId(built, 'Professionnel');
    const states = byId(built, 'EtatConvention');
    const types = byId(built, 'TypeConvention');
    for (const convention of records(built, 'Convention')) {
      const where = `convention ${num(convention, 'Id')}`;
      check(learners.has(num(convention, 'ApprenantId')), `${where}: learner`);
      check(tutors.has(num(convention, 'MaitreId')), `${where}: tutor`);
      const second = num(convention, 'MaitreBisId');
      check(second === 0 || tutors.has(second), `${where}: second tutor`);
      check(states.has(num(convention, 'EtatConventionId')), `${where}: state`);
      check(types.has(num(convention, 'TypeConventionId')), `${where}: type`);
    }

    const brands = byId(built, 'Ecole');
    const campuses = byId(built, 'Campus');
    const programmes = byId(built, 'Programme');
    for (const programme of programmes.values()) {
      check(brands.has(num(programme, 'EcoleId')), `programme ${num(programme, 'Id')}: brand`);
      check(campuses.has(num(programme, 'EntiteJuridiqueId')), `programme ${num(programme, 'Id')}: campus`);
    }
    const planTypes = byId(built, 'TypePlanification');
    for (const plan of plans.values()) {
      const where = `planification ${num(plan, 'Id')}`;
      check(planTypes.has(num(plan, 'TypePlanificationId')), `${where}: type`);
      check(campuses.has(num(plan, 'EntiteJuridiqueId')), `${where}: campus`);
      const programmeId = num(plan, 'ProgrammeId');
      check(programmeId === 0 || programmes.has(programmeId), `${where}: programme`);
    }
    expect(problems).toEqual([]);
  });

  it('lists each learner of a planification once', () => {
    const built = scenario(size);
    const learnerType = built.manifest.typeRessourceIds.APPRENANT;
    const repeated = [...rowsByPlanification(built)].filter(([, rows]) => {
      const learners = rows.filter((row) => num(row, 'TypeRessourceId') === learnerType).map((row) => row['Reference']);
      return new Set(learners).size !== learners.length;
    });
    expect(repeated.map(([id]) => id)).toEqual([]);
  });

  it('writes date-times as ISO with the Europe/Paris offset of that instant', () => {
    const built = scenario(size);
    const wrong: string[] = [];
    const check = (value: unknown): void => {
      if (value === null) return;
      if (typeof value !== 'string') {
        wrong.push(JSON.stringify(value));
        return;
      }
      const text = value;
      const parsed = DateTime.fromISO(text, { setZone: true });
      const inParis = parsed.setZone(parisZone).toISO({ suppressMilliseconds: true });
      if (!parsed.isValid || parsed.toISO({ suppressMilliseconds: true }) !== inParis || inParis !== text) {
        wrong.push(text);
      }
    };
    for (const plan of records(built, 'Planification')) [plan['Debut'], plan['Fin']].forEach(check);
    for (const object of records(built, 'Object')) [object['DateCreation'], object['DateModification']].forEach(check);
    for (const convention of records(built, 'Convention').slice(0, 500)) {
      ['DateDebut', 'DateFin', 'DateRupture', 'DateConclusion'].forEach((field) => check(convention[field]));
    }
    for (const learner of records(built, 'Apprenant').slice(0, 500)) check(learner['DateNaissance']);
    expect(wrong).toEqual([]);
  });

  it('schedules course sessions on weekdays, in the day, within the four weeks', () => {
    const built = scenario(size);
    const { from, to } = built.manifest.range;
    expect(from).toBe(today.minus({ days: 7 }).toISO({ suppressMilliseconds: true }));
    const dst = built.manifest.sessions.daylightSaving.id;
    const seance = built.manifest.typePlanificationIds.SEANCE;
    const outOfHours: string[] = [];
    for (const plan of records(built, 'Planification')) {
      if (num(plan, 'TypePlanificationId') !== seance || num(plan, 'Id') === dst) continue;
      const start = DateTime.fromISO(str(plan, 'Debut'), { setZone: true });
      const end = DateTime.fromISO(str(plan, 'Fin'), { setZone: true });
      const ok =
        start >= DateTime.fromISO(from) &&
        end <= DateTime.fromISO(to) &&
        start.weekday <= 5 &&
        start.hour >= 8 &&
        end.hour * 60 + end.minute <= 17 * 60 + 30 &&
        end > start;
      if (!ok) outOfHours.push(`${str(plan, 'Debut')} → ${str(plan, 'Fin')}`);
    }
    expect(outOfHours).toEqual([]);
  });

  it('has every special case, and the manifest matches the records', () => {
    const built = scenario(size);
    const { sessions } = built.manifest;
    const plans = byId(built, 'Planification');
    const objects = byId(built, 'Object');
    const rows = rowsByPlanification(built);
    const ids = built.manifest.typeRessourceIds;
    const rowsOf = (id: number, type: number): AimairaRecord[] =>
      (rows.get(id) ?? []).filter((row) => num(row, 'TypeRessourceId') === type);

    for (const [name, list] of Object.entries(sessions)) {
      if (Array.isArray(list)) expect(list.length, name).toBeGreaterThan(0);
    }
    expect(sessions.withMoreThanThreeFacilitators).toHaveLength(size === 'small' ? 1 : 2);

    // Created today: on now's Paris calendar day, not after now; nothing else is.
    const todayText = today.toISODate();
    for (const [id, object] of objects) {
      const created = str(object, 'DateCreation');
      const isToday = parisDay(created) === todayText;
      expect(isToday, `${id}`).toBe(sessions.createdToday.includes(id));
      if (isToday) expect(DateTime.fromISO(created) <= DateTime.fromJSDate(now)).toBe(true);
    }
    for (const id of sessions.createdYesterdayEvening) {
      const created = DateTime.fromISO(str(objects.get(id), 'DateCreation')).setZone(parisZone);
      expect(created.toISODate()).toBe(today.minus({ days: 1 }).toISODate());
      expect(created.hour).toBe(23);
    }

    const cancelled = [...plans.values()].filter((plan) => plan['Annule'] === true).map((plan) => num(plan, 'Id'));
    expect(cancelled).toEqual(sessions.cancelled);

    const dst = sessions.daylightSaving;
    const dstPlan = plans.get(dst.id);
    const start = DateTime.fromISO(str(dstPlan, 'Debut'), { setZone: true });
    const end = DateTime.fromISO(str(dstPlan, 'Fin'), { setZone: true });
    expect(start.offset).not.toBe(end.offset);
    expect(end.diff(start, 'minutes').minutes).toBe(dst.durationMinutes);
    expect(dst.durationMinutes).toBe(dst.kind === 'SPRING_FORWARD' ? 120 : 240);
    expect(start >= DateTime.fromJSDate(now).minus({ days: 7 }).startOf('day')).toBe(true);

    for (const id of sessions.commonEvents) {
      expect(num(plans.get(id), 'TypePlanificationId')).toBe(built.manifest.typePlanificationIds.EVENEMENT);
      expect(rowsOf(id, ids.PROF)).toHaveLength(0);
      expect(rowsOf(id, ids.APPRENANT).length).toBeGreaterThan(0);
    }
    for (const id of sessions.commonEventsWithoutProgramme) expect(num(plans.get(id), 'ProgrammeId')).toBe(0);
    for (const id of sessions.withoutFacilitator) expect(rowsOf(id, ids.PROF)).toHaveLength(0);
    for (const id of sessions.withMoreThanThreeFacilitators) expect(rowsOf(id, ids.PROF).length).toBeGreaterThan(3);
    for (const id of sessions.withoutRoom) expect(rowsOf(id, ids.SALLE)).toHaveLength(0);
    for (const id of sessions.withEquipment) expect(rowsOf(id, ids.MATERIEL)).toHaveLength(1);

    // Recompute validity from the records alone.
    const mails = byId(built, 'Mail');
    const valid = (person: AimairaRecord | undefined): boolean =>
      str(person, 'Prenoms').trim() !== '' &&
      str(person, 'Nom').trim() !== '' &&
      isPlausibleEmail(str(mails.get(num(person, 'MailId')), 'Adresse'));
    const learners = byId(built, 'Apprenant');
    const facilitators = byId(built, 'Enseignant');
    const typeIds = built.manifest.typePlanificationIds;
    const sheets = [...plans.values()].filter((plan) =>
      [typeIds.SEANCE, typeIds.EVENEMENT].includes(num(plan, 'TypePlanificationId')),
    );
    const withoutValidLearner = sheets
      .filter(
        (plan) => !rowsOf(num(plan, 'Id'), ids.APPRENANT).some((row) => valid(learners.get(num(row, 'Reference')))),
      )
      .map((plan) => num(plan, 'Id'));
    expect(withoutValidLearner).toEqual(sessions.withoutValidLearner);
    const withoutValidFacilitator = sheets
      .filter((plan) => num(plan, 'TypePlanificationId') === typeIds.SEANCE)
      .filter(
        (plan) => !rowsOf(num(plan, 'Id'), ids.PROF).some((row) => valid(facilitators.get(num(row, 'Reference')))),
      )
      .map((plan) => num(plan, 'Id'));
    expect(withoutValidFacilitator).toEqual(sessions.withoutValidFacilitator);
    expect(sessions.withoutValidFacilitator.length).toBeGreaterThan(sessions.withoutFacilitator.length);
  });

  it('puts the special sessions in the next 13 days, where a sync would otherwise pick them up', () => {
    const built = scenario(size);
    const plans = byId(built, 'Planification');
    const { sessions } = built.manifest;
    const daysAhead = (id: number): number =>
      DateTime.fromISO(str(plans.get(id), 'Debut'))
        .setZone(parisZone)
        .startOf('day')
        .diff(today, 'days').days;
    const inLookAhead = (list: number[]): boolean => list.some((id) => daysAhead(id) >= 1 && daysAhead(id) <= 13);
    for (const list of [
      sessions.createdToday,
      sessions.createdYesterdayEvening,
      sessions.cancelled,
      sessions.withoutFacilitator,
      sessions.withMoreThanThreeFacilitators,
      sessions.withoutRoom,
      sessions.withoutValidLearner,
      sessions.commonEventsWithoutProgramme,
    ]) {
      expect(inLookAhead(list)).toBe(true);
    }
  });

  it('has bad people at the documented rates, each showing its problem in the records', () => {
    const built = scenario(size);
    const expected = expectedBadPeople(size);
    const of = (set: string, problem: string): number[] =>
      built.manifest.badPeople.filter((bad) => bad.set === set && bad.problem === problem).map((bad) => bad.id);
    expect(of('Apprenant', 'MISSING_EMAIL')).toHaveLength(expected.learnerMissingEmail);
    expect(of('Apprenant', 'MALFORMED_EMAIL')).toHaveLength(expected.learnerMalformedEmail);
    expect(of('Apprenant', 'MISSING_FIRST_NAME')).toHaveLength(expected.learnerMissingFirstName);
    expect(of('Apprenant', 'SHARED_EMAIL')).toHaveLength(expected.learnerSharedEmail);
    expect(of('Enseignant', 'FACILITATOR_WITHOUT_EMAIL')).toHaveLength(expected.facilitatorWithoutEmail);
    expect(of('Professionnel', 'MISSING_EMAIL').length).toBeGreaterThan(0);
    if (size === 'large') {
      const learners = target.learners;
      expect(of('Apprenant', 'MISSING_EMAIL').length / learners).toBeCloseTo(badRecordRates.learnerMissingEmail, 3);
      expect(of('Apprenant', 'MALFORMED_EMAIL').length / learners).toBeCloseTo(badRecordRates.learnerMalformedEmail, 3);
      expect(of('Apprenant', 'MISSING_FIRST_NAME').length / learners).toBeCloseTo(
        badRecordRates.learnerMissingFirstName,
        3,
      );
      const tutors = records(built, 'Professionnel');
      const withoutEmail = of('Professionnel', 'MISSING_EMAIL').length / tutors.length;
      expect(withoutEmail).toBeGreaterThan(0.005);
      expect(withoutEmail).toBeLessThan(0.02);
    }

    const mails = byId(built, 'Mail');
    const people = { Apprenant: byId(built, 'Apprenant'), Enseignant: byId(built, 'Enseignant') };
    const addressOf = (set: 'Apprenant' | 'Enseignant', id: number): string | null => {
      const mailId = num(people[set].get(id), 'MailId');
      return mailId === 0 ? null : str(mails.get(mailId), 'Adresse');
    };
    for (const id of of('Apprenant', 'MISSING_EMAIL')) expect(addressOf('Apprenant', id) ?? '').toBe('');
    expect(of('Apprenant', 'MISSING_EMAIL').some((id) => addressOf('Apprenant', id) === null)).toBe(true);
    for (const id of of('Apprenant', 'MALFORMED_EMAIL')) {
      expect(isPlausibleEmail(addressOf('Apprenant', id) ?? 'x@y.fr')).toBe(false);
    }
    for (const id of of('Apprenant', 'MISSING_FIRST_NAME')) expect(str(people.Apprenant.get(id), 'Prenoms')).toBe('');
    for (const id of of('Enseignant', 'FACILITATOR_WITHOUT_EMAIL')) {
      expect(num(people.Enseignant.get(id), 'MailId')).toBe(0);
    }
    for (const bad of built.manifest.badPeople.filter((person) => person.problem === 'SHARED_EMAIL')) {
      const mine = addressOf('Apprenant', bad.id)?.trim().toLowerCase();
      const theirs = addressOf('Apprenant', bad.sharedWith ?? 0)
        ?.trim()
        .toLowerCase();
      expect(mine).toBeDefined();
      expect(mine).toBe(theirs);
    }

    // Everyone else has a valid address, and no two people share one.
    const bad = new Set(built.manifest.badPeople.map((person) => person.id));
    const seen = new Set<string>();
    const problems: string[] = [];
    for (const set of ['Apprenant', 'Enseignant', 'Professionnel'] as const) {
      for (const person of records(built, set)) {
        if (bad.has(num(person, 'Id'))) continue;
        const address = str(mails.get(num(person, 'MailId')), 'Adresse');
        if (!isPlausibleEmail(address)) problems.push(`invalid: ${address}`);
        const key = address.trim().toLowerCase();
        if (seen.has(key)) problems.push(`shared: ${key}`);
        seen.add(key);
      }
    }
    expect(problems).toEqual([]);
  });

  it('writes some valid addresses with capitals or surrounding spaces, and the rest tidy', () => {
    const built = scenario(size);
    const untidy = built.manifest.untidyEmails;
    const learnerUntidy = untidy.filter((email) => email.set === 'Apprenant');
    const expected = expectedBadPeople(size);
    expect(learnerUntidy.filter((email) => email.untidiness === 'CAPITALS')).toHaveLength(
      expected.learnerEmailWithCapitals,
    );
    expect(learnerUntidy.filter((email) => email.untidiness === 'SURROUNDING_SPACES')).toHaveLength(
      expected.learnerEmailWithSpaces,
    );
    for (const email of untidy) {
      expect(isPlausibleEmail(email.address)).toBe(true);
      expect(email.address === email.address.trim().toLowerCase()).toBe(false);
    }
    const untidyIds = new Set(untidy.map((email) => email.id));
    const bad = new Set(built.manifest.badPeople.map((person) => person.id));
    const mails = byId(built, 'Mail');
    const untidyButUnlisted = records(built, 'Apprenant')
      .filter((learner) => !untidyIds.has(num(learner, 'Id')) && !bad.has(num(learner, 'Id')))
      .map((learner) => str(mails.get(num(learner, 'MailId')), 'Adresse'))
      .filter((address) => !/^[a-z0-9.-]+@[a-z0-9.-]+$/.test(address));
    expect(untidyButUnlisted).toEqual([]);
  });

  it('uses French names with accents, compounds and particles, folded to ASCII in addresses', () => {
    const built = scenario(size);
    const people = [...records(built, 'Apprenant'), ...records(built, 'Enseignant')];
    const names = people.flatMap((person) => [str(person, 'Prenoms'), str(person, 'Nom')]);
    expect(names.some((name) => /[éèêëàâîïôöùûüçœæ]/i.test(name))).toBe(true);
    if (size !== 'small') {
      expect(names.some((name) => /^[\p{Lu}][\p{Ll}]+-[\p{Lu}]/u.test(name))).toBe(true);
      expect(names.some((name) => name.includes("'") || name.includes(' '))).toBe(true);
    }
    const mails = byId(built, 'Mail');
    const learner = records(built, 'Apprenant').find(
      (person) =>
        /[éèëïç]/.test(str(person, 'Prenoms')) && built.manifest.badPeople.every((bad) => bad.id !== person['Id']),
    );
    if (learner !== undefined) {
      const address = str(mails.get(num(learner, 'MailId')), 'Adresse')
        .trim()
        .toLowerCase();
      expect(address).toContain(asciiFold(str(learner, 'Prenoms')));
    }
  });

  it('has learners in several groups, listed through each group', () => {
    const built = scenario(size);
    const several = new Set(built.manifest.learnersInSeveralGroups);
    expect(several.size).toBeGreaterThan(0);
    const ids = built.manifest.typeRessourceIds;
    // Planifications with one group and no learner listed on its own give that group's members.
    const individual = new Set(built.manifest.sessions.withIndividualLearner);
    const groupsOf = new Map<number, Set<number>>();
    for (const [planId, rows] of rowsByPlanification(built)) {
      const groups = rows.filter((row) => num(row, 'TypeRessourceId') === ids.GROUPE);
      if (groups.length !== 1 || individual.has(planId)) continue;
      for (const row of rows.filter((candidate) => num(candidate, 'TypeRessourceId') === ids.APPRENANT)) {
        const learner = num(row, 'Reference');
        const set = groupsOf.get(learner) ?? new Set<number>();
        set.add(num(groups[0], 'Reference'));
        groupsOf.set(learner, set);
      }
    }
    for (const [learner, groups] of groupsOf) if (groups.size > 1) expect(several.has(learner)).toBe(true);
  });

  it('has conventions in every state, learners with and without a COMPLET one, and some with two', () => {
    const built = scenario(size);
    const states = byId(built, 'EtatConvention');
    const codes = new Set(records(built, 'Convention').map((c) => str(states.get(num(c, 'EtatConventionId')), 'Code')));
    expect([...codes].sort()).toEqual([...etatConventionCodes].sort());
    const byLearner = new Map<number, string[]>();
    for (const convention of records(built, 'Convention')) {
      const list = byLearner.get(num(convention, 'ApprenantId')) ?? [];
      list.push(str(states.get(num(convention, 'EtatConventionId')), 'Code'));
      byLearner.set(num(convention, 'ApprenantId'), list);
    }
    const select = (predicate: (codes: string[]) => boolean): number[] =>
      [...byLearner]
        .filter(([, list]) => predicate(list))
        .map(([id]) => id)
        .sort((a, b) => a - b);
    const { conventions } = built.manifest;
    expect(conventions.learnersWithCompleted).toEqual(select((list) => list.includes('COMPLET')));
    expect(conventions.learnersWithoutCompleted).toEqual(select((list) => !list.includes('COMPLET')));
    expect(conventions.learnersWithTwo).toEqual(select((list) => list.length > 1));
    for (const list of Object.values(conventions)) expect(list.length).toBeGreaterThan(0);
    // The tutor without e-mail is one a sync with tutors would import.
    const completed = states.get(built.manifest.etatConventionIds.COMPLET);
    const tutorsOfCompleted = new Set(
      records(built, 'Convention')
        .filter((c) => num(c, 'EtatConventionId') === num(completed, 'Id'))
        .flatMap((c) => [num(c, 'MaitreId'), num(c, 'MaitreBisId')]),
    );
    const badTutors = built.manifest.badPeople.filter((bad) => bad.set === 'Professionnel');
    expect(badTutors.some((bad) => tutorsOfCompleted.has(bad.id))).toBe(true);
  });

  it('resolves reference data by code, with tenant-like ids', () => {
    const built = scenario(size);
    const codes = (set: EntitySetName): Record<string, number> =>
      Object.fromEntries(records(built, set).map((record) => [str(record, 'Code'), num(record, 'Id')]));
    expect(codes('TypePlanification')).toEqual(built.manifest.typePlanificationIds);
    expect(codes('TypeRessource')).toEqual(built.manifest.typeRessourceIds);
    expect(codes('EtatConvention')).toEqual(built.manifest.etatConventionIds);
    expect(codes('TypeConvention')).toEqual(built.manifest.typeConventionIds);
    expect(records(built, 'Ecole').map((brand) => num(brand, 'Id'))).toEqual(built.manifest.brandIds);
    const programmes = records(built, 'Programme');
    for (const brand of built.manifest.brandIds) {
      expect(programmes.some((programme) => num(programme, 'EcoleId') === brand)).toBe(true);
    }
  });
});

describe('generateScenario: time', () => {
  it('spans the spring change when built just after it, and the autumn one in October', () => {
    const spring = generateScenario({ size: 'small', now: new Date('2026-03-30T10:00:00Z') });
    expect(spring.manifest.sessions.daylightSaving).toMatchObject({
      kind: 'SPRING_FORWARD',
      debut: '2026-03-29T01:00:00+01:00',
      fin: '2026-03-29T04:00:00+02:00',
      durationMinutes: 120,
    });
    const autumn = generateScenario({ size: 'small', now: new Date('2026-10-20T10:00:00Z') });
    expect(autumn.manifest.sessions.daylightSaving).toMatchObject({
      kind: 'FALL_BACK',
      debut: '2026-10-25T01:00:00+02:00',
      fin: '2026-10-25T04:00:00+01:00',
      durationMinutes: 240,
    });
  });

  it('writes summer sessions with the +02:00 offset', () => {
    const summer = generateScenario({ size: 'small', now: new Date('2026-06-10T08:00:00Z') });
    const seance = summer.manifest.typePlanificationIds.SEANCE;
    const sessions = records(summer, 'Planification').filter((plan) => num(plan, 'TypePlanificationId') === seance);
    expect(sessions.filter((plan) => str(plan, 'Debut').endsWith('+02:00'))).toHaveLength(sessions.length);
  });

  it('creates one session just after Paris midnight, which is still yesterday in UTC in winter', () => {
    const built = scenario('small');
    const [first] = built.manifest.sessions.createdToday;
    const created = str(byId(built, 'Object').get(first ?? 0), 'DateCreation');
    expect(parisDay(created)).toBe(today.toISODate());
    expect(DateTime.fromISO(created).toUTC().toISODate()).toBe(today.minus({ days: 1 }).toISODate());
  });

  it('rejects a bad seed or date', () => {
    expect(() => generateScenario({ size: 'small', seed: 1.5, now })).toThrow(/seed/);
    expect(() => generateScenario({ size: 'small', now: new Date(Number.NaN) })).toThrow(/now/);
  });
});

describe('generateScenario: credentials', () => {
  it('gives an Aimaira login with one backslash and non-empty keys', () => {
    const { credentials } = scenario('small');
    expect(credentials.aimaira.username).toBe('DEMO\\api@aimaira.fr');
    expect(credentials.aimaira.username.split('\\')).toHaveLength(2);
    expect(credentials.aimaira.password.length).toBeGreaterThan(10);
    expect(credentials.aimaira.apiKey.length).toBeGreaterThan(10);
    expect(credentials.edusign.apiKey.length).toBeGreaterThan(10);
  });
});
