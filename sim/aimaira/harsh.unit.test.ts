import { describe, expect, it } from 'vitest';

import { harshDataset, isProvenanceMember, roundToSqlDatetime } from './harsh.js';
import type { AimairaDataset } from './store.js';

const dataset = (): AimairaDataset => ({
  TypePlanification: [
    { Id: 10, Code: 'SEANCE', Nom: 'Séance' },
    { Id: 12, Code: 'EVENEMENT', Nom: 'Événement' },
  ],
  TypeRessource: [{ Id: 20, Code: 'APPRENANT', Nom: 'Apprenant' }],
  EtatConvention: [{ Id: 30, Code: 'COMPLET', Nom: 'Complet' }],
  Planification: [
    { Id: 101, TypePlanificationId: 10 },
    { Id: 102, TypePlanificationId: 10 },
    { Id: 103, TypePlanificationId: 12 },
  ],
  PlanificationRessource: [
    { Id: 201, PlanificationId: 101, TypeRessourceId: 20, ProvenancePresence: 'Badge' },
    { Id: 202, PlanificationId: 101, TypeRessourceId: 20 },
  ],
  Convention: [
    { Id: 301, EtatConventionId: 30 },
    { Id: 302, EtatConventionId: 30 },
  ],
});

describe('harshDataset', () => {
  it('lists every type and agreement-state code twice, the twin with a new id above every id in use', () => {
    const harsh = harshDataset(dataset());
    expect(harsh.TypePlanification?.map((t) => [t['Code'], t['Id']])).toEqual([
      ['SEANCE', 10],
      ['EVENEMENT', 12],
      ['SEANCE', 303],
      ['EVENEMENT', 304],
    ]);
    expect(harsh.TypeRessource?.map((t) => t['Id'])).toEqual([20, 305]);
    expect(harsh.EtatConvention?.map((t) => [t['Code'], t['Id']])).toEqual([
      ['COMPLET', 30],
      ['COMPLET', 306],
    ]);
  });

  it('points every second record of a code at the twin, so that both ids of a code are in use', () => {
    const harsh = harshDataset(dataset());
    expect(harsh.Planification?.map((p) => p['TypePlanificationId'])).toEqual([10, 303, 12]);
    expect(harsh.PlanificationRessource?.map((r) => r['TypeRessourceId'])).toEqual([20, 305]);
    expect(harsh.Convention?.map((c) => c['EtatConventionId'])).toEqual([30, 306]);
  });

  it('gives None to a row whose ProvenancePresence is no member, and leaves the input untouched', () => {
    const input = dataset();
    const harsh = harshDataset(input);
    expect(harsh.PlanificationRessource?.map((r) => r['ProvenancePresence'])).toEqual(['Badge', 'None']);
    expect(input).toEqual(dataset());
  });

  it('knows the members of the ProvenancePresence enumeration, and Edusign is not one', () => {
    expect(['None', 'Badge', 'Salle'].every(isProvenanceMember)).toBe(true);
    expect(isProvenanceMember('Edusign')).toBe(false);
    expect(isProvenanceMember('')).toBe(false);
  });
});

describe('roundToSqlDatetime', () => {
  const at = (ms: number) => Date.parse('2026-01-05T08:03:00Z') + ms;
  it.each([
    [0, 0],
    [1, 0],
    [2, 3],
    [4, 3],
    [5, 7],
    [9, 10],
    [500, 500],
    [998, 997],
    [999, 1000],
  ])('rounds %i ms to %i ms, as SQL Server datetime (1/300 s) does', (ms, stored) => {
    expect(roundToSqlDatetime(at(ms))).toBe(at(stored));
  });
});
