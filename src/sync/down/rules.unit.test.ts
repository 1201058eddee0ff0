import { describe, expect, it } from 'vitest';

import type { AimairaSnapshot, Person, Session } from '../../domain/types.js';
import { evaluate, findDuplicateEmails, isValidEmail, syncWindow } from './rules.js';
import type { RulesContext, RulesOptions } from './rules.js';

// Saturday 28 November 2026, 11:30 in Paris (UTC+1).
const now = new Date('2026-11-28T10:30:00Z');

const options: RulesOptions = {
  structures: [],
  importEvenementsCommuns: false,
  defaultProfsForEvenementsCommun: null,
  importStudentTutors: false,
  horizonDays: 14,
};

const person = (
  aimairaId: number,
  email = `p${aimairaId}@ecole.fr`,
  firstName = 'Zoé',
  lastName = 'Lefèvre',
): Person => ({
  aimairaId,
  firstName,
  lastName,
  email,
});

let nextSessionId = 1000;
const session = (overrides: Partial<Session> = {}): Session => ({
  aimairaId: nextSessionId++,
  name: 'BTS MCO 1A – Gestion de la relation client',
  type: 'course',
  start: '2026-12-01T07:30:00Z',
  end: '2026-12-01T11:00:00Z',
  cancelled: false,
  createdAt: '2026-11-20T09:00:00Z',
  brandId: 7,
  rooms: ['Salle 101'],
  facilitatorIds: [1],
  learnerIds: [10, 11],
  groupIds: [],
  learnerRowIds: {},
  ...overrides,
});

const snapshotOf = (sessions: Session[], extra: Partial<AimairaSnapshot> = {}): AimairaSnapshot => ({
  sessions,
  learners: new Map([10, 11, 12, 13].map((id) => [id, person(id)])),
  facilitators: new Map([1, 2, 3, 4, 5].map((id) => [id, person(id, `prof${id}@ecole.fr`)])),
  groups: new Map([[50, { aimairaId: 50, name: 'BTS MCO 1A – Groupe A' }]]),
  tutors: new Map(),
  tutorsByLearner: new Map(),
  ...extra,
});

const context = (overrides: Partial<RulesOptions> = {}, defaultProfessorExists = false): RulesContext => ({
  now,
  options: { ...options, ...overrides },
  defaultProfessorExists,
});

const exclusionsOf = (s: Session, ctx = context(), extra: Partial<AimairaSnapshot> = {}) =>
  evaluate(snapshotOf([s], extra), ctx).verdicts[0]?.exclusions;

describe('the window', () => {
  it('ends at the end of the Paris calendar day today + horizon', () => {
    expect(syncWindow(now, 14)).toEqual({ start: '2026-11-28T10:30:00.000Z', end: '2026-12-12T23:00:00.000Z' });
  });

  it('follows the Paris offset across the change to summer time', () => {
    // 20 March 2027 + 14 days = 3 April, after the change of 28 March: midnight in Paris is 22:00 UTC.
    expect(syncWindow(new Date('2027-03-20T10:00:00Z'), 14).end).toBe('2027-04-03T22:00:00.000Z');
  });

  it('excludes sessions that started before the sync instant as PAST', () => {
    expect(exclusionsOf(session({ start: '2026-11-28T10:00:00Z' }))).toEqual(['PAST']);
    expect(exclusionsOf(session({ start: '2026-11-28T10:30:00Z' }))).toEqual(['PAST']);
  });

  it('takes a session later today and one on the last day, not the day after', () => {
    expect(exclusionsOf(session({ start: '2026-11-28T13:30:00Z' }))).toEqual([]);
    expect(exclusionsOf(session({ start: '2026-12-12T22:30:00Z' }))).toEqual([]);
    expect(exclusionsOf(session({ start: '2026-12-12T23:00:00Z' }))).toEqual(['BEYOND_HORIZON']);
  });
});

describe('session rules', () => {
  it('excludes a session created today in Paris, even just after midnight', () => {
    expect(exclusionsOf(session({ createdAt: '2026-11-27T23:05:00Z' }))).toEqual(['CREATED_TODAY']);
    expect(exclusionsOf(session({ createdAt: '2026-11-27T22:55:00Z' }))).toEqual([]);
  });

  it('excludes cancelled sessions and lists every rule that applies', () => {
    expect(exclusionsOf(session({ cancelled: true, createdAt: '2026-11-28T08:00:00Z' }))).toEqual([
      'CREATED_TODAY',
      'CANCELLED',
    ]);
  });

  it('takes common events only with importEvenementsCommuns', () => {
    const event = session({ type: 'common-event', facilitatorIds: [2] });
    expect(exclusionsOf(event)).toEqual(['COMMON_EVENTS_DISABLED']);
    expect(exclusionsOf(event, context({ importEvenementsCommuns: true }))).toEqual([]);
  });

  it('gives a common event without facilitator the default professor, which must exist on Edusign', () => {
    const event = session({ type: 'common-event', facilitatorIds: [] });
    const enabled = { importEvenementsCommuns: true, defaultProfsForEvenementsCommun: 'cw7g4e59ocb6mvni' };
    expect(exclusionsOf(event, context(enabled, false))).toEqual(['DEFAULT_PROFESSOR_MISSING']);
    expect(exclusionsOf(event, context({ importEvenementsCommuns: true }, false))).toEqual([
      'DEFAULT_PROFESSOR_MISSING',
    ]);
    const verdict = evaluate(snapshotOf([event]), context(enabled, true)).verdicts[0];
    expect(verdict?.eligible).toBe(true);
    expect(verdict?.defaultProfessorId).toBe('cw7g4e59ocb6mvni');
  });

  it('does not make attendance sheets of exams and reservations', () => {
    expect(exclusionsOf(session({ type: 'other' }))).toEqual(['NOT_ATTENDANCE_TYPE']);
  });

  it('filters by brand when structures are set, but not common events without programme', () => {
    expect(exclusionsOf(session({ brandId: 7 }), context({ structures: [7, 8] }))).toEqual([]);
    expect(exclusionsOf(session({ brandId: 9 }), context({ structures: [7, 8] }))).toEqual(['WRONG_STRUCTURE']);
    expect(exclusionsOf(session({ brandId: undefined }), context({ structures: [7] }))).toEqual(['WRONG_STRUCTURE']);
    const event = session({ type: 'common-event', brandId: undefined, facilitatorIds: [2] });
    expect(exclusionsOf(event, context({ structures: [7], importEvenementsCommuns: true }))).toEqual([]);
  });
});

describe('people', () => {
  it('validates e-mails after trimming, case-insensitively', () => {
    expect(isValidEmail('  Zoe.Lefevre@Ecole.fr ')).toBe(true);
    for (const bad of ['', 'jean.dupont@', 'marie@@ecole.fr', 'a b@x.fr', 'no-at-sign.fr']) {
      expect(isValidEmail(bad)).toBe(false);
    }
  });

  it('needs a facilitator, and a valid one', () => {
    expect(exclusionsOf(session({ facilitatorIds: [] }))).toEqual(['NO_FACILITATOR']);
    const facilitators = new Map([[1, person(1, '')]]);
    const verdict = evaluate(snapshotOf([session()], { facilitators }), context()).verdicts[0];
    expect(verdict?.exclusions).toEqual(['INVALID_FACILITATOR']);
    expect(verdict?.leftOut).toEqual([
      { kind: 'facilitator', aimairaId: 1, reason: 'INVALID_FACILITATOR', problems: ['no e-mail'] },
    ]);
  });

  it('comes down with its valid learners and says who was left out', () => {
    const learners = new Map([
      [10, person(10)],
      [11, person(11, 'jean.dupont@')],
      [12, person(12, 'p12@ecole.fr', '  ')],
    ]);
    const verdict = evaluate(snapshotOf([session({ learnerIds: [10, 11, 12] })], { learners }), context()).verdicts[0];
    expect(verdict?.eligible).toBe(true);
    expect(verdict?.learnerIds).toEqual([10]);
    expect(verdict?.leftOut).toEqual([
      { kind: 'learner', aimairaId: 11, reason: 'INVALID_LEARNER', problems: ['malformed e-mail'] },
      { kind: 'learner', aimairaId: 12, reason: 'INVALID_LEARNER', problems: ['no first name'] },
    ]);
  });

  it('needs one valid learner', () => {
    const learners = new Map([[10, person(10, '')]]);
    expect(exclusionsOf(session({ learnerIds: [10] }), context(), { learners })).toEqual(['NO_VALID_LEARNER']);
    expect(exclusionsOf(session({ learnerIds: [] }))).toEqual(['NO_VALID_LEARNER']);
  });

  it('keeps an e-mail for the first person and leaves out the second with DUPLICATE_EMAIL', () => {
    const people = [person(12, 'Same@ecole.fr'), person(11, ' same@ecole.fr'), person(13, 'other@ecole.fr')];
    expect([...findDuplicateEmails(people)]).toEqual([12]);
    // A person already linked keeps the e-mail, whatever the ids.
    expect([...findDuplicateEmails(people, new Set([12]))]).toEqual([11]);
  });

  it('leaves out with DUPLICATE_EMAIL whoever has an e-mail that a linked person absent from the run holds', () => {
    const people = [person(11, 'Same@ecole.fr'), person(13, 'other@ecole.fr')];
    expect([...findDuplicateEmails(people, new Set(), new Map([['same@ecole.fr', 9]]))]).toEqual([11]);
    // When the holder is in the run, its current e-mail decides, not the one last written.
    const withHolder = [...people, person(9, 'new@ecole.fr')];
    expect([...findDuplicateEmails(withHolder, new Set([9]), new Map([['same@ecole.fr', 9]]))]).toEqual([]);
  });

  it('keeps the first three valid facilitators and warns', () => {
    const verdict = evaluate(snapshotOf([session({ facilitatorIds: [4, 1, 2, 3] })]), context()).verdicts[0];
    expect(verdict?.facilitatorIds).toEqual([4, 1, 2]);
    expect(verdict?.warnings).toEqual(['TOO_MANY_FACILITATORS']);
  });
});

describe('the desired Edusign state', () => {
  it('creates people only for sheets that come down', () => {
    const coming = session({ learnerIds: [10], facilitatorIds: [1] });
    const past = session({ start: '2026-11-20T08:00:00Z', learnerIds: [11], facilitatorIds: [2] });
    const { desired } = evaluate(snapshotOf([coming, past]), context());
    expect(desired.learners.map((p) => p.aimairaId)).toEqual([10]);
    expect(desired.facilitators.map((p) => p.aimairaId)).toEqual([1]);
    expect(desired.sheets.map((s) => s.aimairaId)).toEqual([coming.aimairaId]);
  });

  it('makes a group of the learners every sheet carrying it lists', () => {
    const a = session({ groupIds: [50], learnerIds: [10, 11, 12] });
    const b = session({ groupIds: [50], learnerIds: [10, 11, 13] });
    const { desired } = evaluate(snapshotOf([a, b]), context());
    expect(desired.groups).toEqual([{ aimairaId: 50, name: 'BTS MCO 1A – Groupe A', memberIds: [10, 11] }]);
  });

  it('gives learners the tutors of their completed agreements when importStudentTutors is on', () => {
    const tutors = new Map([
      [90, person(90, 'tutor@entreprise.fr')],
      [91, person(91, 'bad@')],
    ]);
    const tutorsByLearner = new Map([[10, [91, 90]]]);
    const off = evaluate(snapshotOf([session({ learnerIds: [10] })], { tutors, tutorsByLearner }), context());
    expect(off.desired.tutors).toEqual([]);
    expect(off.desired.learners[0]?.tutorIds).toEqual([]);
    const on = evaluate(
      snapshotOf([session({ learnerIds: [10] })], { tutors, tutorsByLearner }),
      context({ importStudentTutors: true }),
    );
    expect(on.desired.tutors.map((t) => t.aimairaId)).toEqual([90]);
    expect(on.desired.learners[0]?.tutorIds).toEqual([90]);
    expect(on.leftOutTutors).toEqual([
      { kind: 'tutor', aimairaId: 91, reason: 'INVALID_TUTOR', problems: ['malformed e-mail'] },
    ]);
  });
});
