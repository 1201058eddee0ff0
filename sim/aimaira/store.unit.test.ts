import { describe, expect, it } from 'vitest';

import { makeRecord } from './entities.js';
import { EntityNotFoundError, InvalidEntityError, createAimairaStore, legacyTypeOf } from './store.js';

function clockAt(iso: string): { now: () => Date; set(iso: string): void } {
  let current = new Date(iso);
  return {
    now: () => current,
    set(next) {
      current = new Date(next);
    },
  };
}

describe('Aimaira store', () => {
  it('completes seeded records and gives new ids above every seeded one, unique across sets', () => {
    const store = createAimairaStore({
      data: { Mail: [{ Id: 40, Adresse: 'a@example.org' }], Apprenant: [{ Id: 7, Nom: 'Lovelace', MailId: 40 }] },
    });
    expect(store.get('Apprenant', 7)).toEqual(makeRecord('Apprenant', { Id: 7, Nom: 'Lovelace', MailId: 40 }));
    expect(store.insert('Mail', { Adresse: 'b@example.org' })['Id']).toBe(41);
    expect(store.insert('Planification', {})['Id']).toBe(42);
    expect(() => store.insert('Planification', { Id: 7 })).toThrow('Id 7 is already taken by Apprenant 7');
    expect(store.insert('Programme', { Id: 100 })['Id']).toBe(100);
    expect(store.insert('Programme', {})['Id']).toBe(101);
  });

  it('creates the Object metadata of each entity, keeping seeded metadata', () => {
    const clock = clockAt('2026-03-10T09:00:00Z');
    const store = createAimairaStore({
      now: clock.now,
      data: {
        Planification: [{ Id: 1 }, { Id: 2 }],
        Object: [{ Id: 2, DateCreation: '2025-12-01T09:00:00Z' }],
      },
    });
    expect(store.get('Object', 1)).toEqual({
      Id: 1,
      Nom: '',
      Code: '',
      DateCreation: '2026-03-10T10:00:00+01:00',
      DateModification: '2026-03-10T10:00:00+01:00',
      DateSuppression: null,
      Actif: true,
      Type: 'planification.T_PLANIFICATION',
    });
    expect(store.get('Object', 2)).toMatchObject({
      DateCreation: '2025-12-01T10:00:00+01:00',
      DateModification: '2025-12-01T10:00:00+01:00',
      Actif: true,
      Type: 'planification.T_PLANIFICATION',
    });
  });

  it('replaces a whole entity, resetting what is not sent, and records the change', () => {
    const clock = clockAt('2026-03-10T09:00:00Z');
    const store = createAimairaStore({
      now: clock.now,
      data: { PlanificationRessource: [{ Id: 5, PlanificationId: 1, Reference: 9, Nom: 'Ada', Presence: false }] },
    });
    clock.set('2026-07-01T12:00:00Z');
    const replaced = store.replace('PlanificationRessource', 5, { Id: 77, Presence: true, '@odata.context': 'x' });
    expect(replaced).toEqual(makeRecord('PlanificationRessource', { Id: 5, Presence: true }));
    expect(store.get('Object', 5)?.['DateModification']).toBe('2026-07-01T14:00:00+02:00');
    expect(() => store.replace('PlanificationRessource', 6, {})).toThrow(EntityNotFoundError);
  });

  it('patches some fields as a person in the UI would', () => {
    const clock = clockAt('2026-03-10T09:00:00Z');
    const store = createAimairaStore({ now: clock.now, data: { Apprenant: [{ Id: 3, Nom: 'Hopper', Prenoms: 'G' }] } });
    clock.set('2026-03-11T09:00:00Z');
    expect(store.patch('Apprenant', 3, { Prenoms: 'Grace' })).toMatchObject({ Nom: 'Hopper', Prenoms: 'Grace' });
    expect(store.get('Object', 3)?.['DateModification']).toBe('2026-03-11T10:00:00+01:00');
  });

  it('removes an entity with its rows and deactivates its Object', () => {
    const clock = clockAt('2026-03-10T09:00:00Z');
    const store = createAimairaStore({
      now: clock.now,
      data: {
        Planification: [{ Id: 1 }, { Id: 2 }],
        PlanificationRessource: [
          { Id: 10, PlanificationId: 1 },
          { Id: 11, PlanificationId: 2 },
        ],
      },
    });
    clock.set('2026-03-12T09:00:00Z');
    store.remove('Planification', 1);
    expect(store.get('Planification', 1)).toBeUndefined();
    expect(store.list('PlanificationRessource').map((row) => row['Id'])).toEqual([11]);
    for (const id of [1, 10]) {
      expect(store.get('Object', id)).toMatchObject({
        Actif: false,
        DateSuppression: '2026-03-12T10:00:00+01:00',
        DateModification: '2026-03-12T10:00:00+01:00',
      });
    }
    expect(() => store.remove('Planification', 1)).toThrow(EntityNotFoundError);
  });

  it('keeps its foreign-key indexes right through writes', () => {
    const store = createAimairaStore({
      data: {
        PlanificationRessource: [
          { Id: 30, PlanificationId: 1 },
          { Id: 10, PlanificationId: 2 },
          { Id: 20, PlanificationId: 1 },
        ],
      },
    });
    const ids = (values: number[]): unknown[] =>
      store.where('PlanificationRessource', 'PlanificationId', values).map((row) => row['Id']);
    expect(ids([1])).toEqual([20, 30]);
    store.patch('PlanificationRessource', 10, { PlanificationId: 1 });
    store.replace('PlanificationRessource', 30, { PlanificationId: 3 });
    store.insert('PlanificationRessource', { Id: 5, PlanificationId: 1 });
    store.remove('PlanificationRessource', 20);
    expect(ids([1])).toEqual([5, 10]);
    expect(ids([2])).toEqual([]);
    expect(ids([3, 1, 3])).toEqual([5, 10, 30]);
    expect(store.where('PlanificationRessource', 'Id', [30, 99, 5]).map((row) => row['Id'])).toEqual([5, 30]);
    expect(store.list('PlanificationRessource').map((row) => row['Id'])).toEqual([5, 10, 30]);
    expect(store.countWhere('PlanificationRessource', 'PlanificationId', [1, 2])).toBe(2);
    expect(store.countWhere('PlanificationRessource', 'PlanificationId', [3])).toBe(1);
    expect(store.countWhere('PlanificationRessource', 'Id', [30, 99, 5])).toBe(2);
  });

  it('stores date-times in Paris time whatever offset or form they come in', () => {
    const store = createAimairaStore();
    const session = store.insert('Planification', {
      Debut: new Date('2026-07-01T06:00:00Z'),
      Fin: '2026-07-01T04:30:00-04:00',
      DateSynchronisation: null,
    });
    expect(session).toMatchObject({
      Debut: '2026-07-01T08:00:00+02:00',
      Fin: '2026-07-01T10:30:00+02:00',
      DateSynchronisation: null,
    });
  });

  it('refuses values that do not fit their field, naming it', () => {
    const store = createAimairaStore();
    const refusal = (values: Record<string, unknown>): InvalidEntityError => {
      try {
        store.insert('Planification', values);
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidEntityError);
        return error as InvalidEntityError;
      }
      throw new Error('expected a refusal');
    };
    expect(refusal({ Debut: '2026-07-01T08:00:00' })).toMatchObject({ field: 'Debut' });
    expect(refusal({ Debut: '2026-07-01T08:00:00' }).message).toContain('has no offset');
    expect(refusal({ Annule: 'false' }).message).toBe(
      'Invalid value for Planification.Annule (Edm.Boolean): expected true or false, got the string "false"',
    );
    expect(refusal({ ProgrammeId: 1.5 }).message).toContain('expected an integer, got number 1.5');
    expect(refusal({ Foo: 1, Bar: 2 }).message).toBe("Planification has no field 'Foo', 'Bar'");
    expect(() => createAimairaStore({ data: { Mail: [{ Id: 1 }], Apprenant: [{ Id: 1 }] } })).toThrow(
      'Id 1 is already taken by Apprenant 1',
    );
  });

  it('hands out frozen records and copies of untyped values', () => {
    const address = { Ville: 'Lyon' };
    const store = createAimairaStore({ data: { Campus: [{ Id: 1, Adresse: address }] } });
    address.Ville = 'Paris';
    const campus = store.get('Campus', 1);
    expect(campus?.['Adresse']).toEqual({ Ville: 'Lyon' });
    expect(Object.isFrozen(campus)).toBe(true);
  });

  it('names the legacy types after the set', () => {
    expect(legacyTypeOf('PlanificationRessource')).toBe('planification.T_PLANIFICATION_RESSOURCE');
    expect(legacyTypeOf('Object')).toBe('systeme.T_OBJET');
  });
});
