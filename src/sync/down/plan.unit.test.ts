import { describe, expect, it } from 'vitest';

import { recordKinds } from '../../domain/types.js';
import type { RecordKind, Session } from '../../domain/types.js';
import type { Link } from '../../store/port.js';
import { personHash, planDown, rosterDiff, sheetHash, sheetLinkData } from './plan.js';
import type { AbsentSessionState, EdusignMatch, PlanInput } from './plan.js';
import type { DesiredPerson, DesiredSheet, Evaluation, SessionVerdict } from './rules.js';

const now = new Date('2026-11-30T10:30:00Z');

const learner = (aimairaId: number, email = `l${aimairaId}@ecole.fr`): DesiredPerson => ({
  kind: 'learner',
  aimairaId,
  firstName: 'Anaïs',
  lastName: 'Le Gall',
  email,
  tutorIds: [],
});

const sheet = (aimairaId: number, overrides: Partial<DesiredSheet> = {}): DesiredSheet => ({
  aimairaId,
  name: 'Titre Pro Développeur Web – Atelier',
  start: '2026-12-02T08:00:00.000Z',
  end: '2026-12-02T11:30:00.000Z',
  classroom: 'Salle 101',
  facilitatorIds: [1],
  defaultProfessorId: undefined,
  learnerIds: [10, 11],
  groupIds: [50],
  ...overrides,
});

const link = (kind: RecordKind, aimairaId: number, hash: string | null, data: Record<string, unknown> = {}): Link => ({
  tenantId: 't',
  kind,
  aimairaId,
  edusignId: `e${aimairaId}`,
  hash,
  data,
  origin: 'created',
  createdAt: '2026-11-20T00:00:00.000Z',
  updatedAt: '2026-11-20T00:00:00.000Z',
});

const emptyKinds = <T>() =>
  Object.fromEntries(recordKinds.map((kind) => [kind, new Map<number, T>()])) as Record<RecordKind, Map<number, T>>;

function input(
  desired: Partial<Evaluation['desired']>,
  options: {
    links?: Link[];
    matches?: Array<[RecordKind, number, EdusignMatch]>;
    absent?: Array<[number, AbsentSessionState]>;
    verdicts?: SessionVerdict[];
  } = {},
): PlanInput {
  const links = emptyKinds<Link>();
  for (const l of options.links ?? []) links[l.kind].set(l.aimairaId, l);
  const matches = emptyKinds<EdusignMatch>();
  for (const [kind, id, match] of options.matches ?? []) matches[kind].set(id, match);
  return {
    evaluation: {
      window: { start: now.toISOString(), end: '2026-12-14T23:00:00.000Z' },
      verdicts: options.verdicts ?? [],
      desired: { facilitators: [], tutors: [], learners: [], groups: [], sheets: [], ...desired },
      leftOutTutors: [],
    },
    links,
    matches,
    absentSessions: new Map(options.absent ?? []),
    now,
  };
}

const session = (aimairaId: number, start: string): Session => ({
  aimairaId,
  name: 'Session',
  type: 'course',
  start,
  end: start,
  cancelled: false,
  createdAt: undefined,
  brandId: undefined,
  rooms: [],
  facilitatorIds: [],
  learnerIds: [],
  groupIds: [],
  learnerRowIds: {},
});

const verdict = (aimairaId: number, start: string, exclusions: SessionVerdict['exclusions']): SessionVerdict => ({
  session: session(aimairaId, start),
  eligible: exclusions.length === 0,
  exclusions,
  facilitatorIds: [],
  defaultProfessorId: undefined,
  learnerIds: [],
  leftOut: [],
  warnings: [],
});

describe('planDown: people', () => {
  it('writes nothing for a person whose content did not change', () => {
    const person = learner(10);
    const plan = planDown(input({ learners: [person] }, { links: [link('learner', 10, personHash(person))] }));
    expect(plan.learners).toEqual([]);
  });

  it('updates a linked person whose name or e-mail changed', () => {
    const person = learner(10, 'new@ecole.fr');
    const plan = planDown(input({ learners: [person] }, { links: [link('learner', 10, personHash(learner(10)))] }));
    expect(plan.learners).toEqual([{ op: 'update', person, edusignId: 'e10', hash: personHash(person) }]);
  });

  it('creates, recovers by API_ID, adopts a hand-made record by e-mail, and refuses one owned by another id', () => {
    const people = [learner(10), learner(11), learner(12), learner(13)];
    const plan = planDown(
      input(
        { learners: people },
        {
          matches: [
            ['learner', 11, { edusignId: 'x11', foundBy: 'api-id', apiId: '11', hidden: false }],
            ['learner', 12, { edusignId: 'x12', foundBy: 'email', apiId: '', hidden: true }],
            ['learner', 13, { edusignId: 'x13', foundBy: 'email', apiId: '999', hidden: false }],
          ],
        },
      ),
    );
    expect(plan.learners.map((op) => [op.op, op.person.aimairaId])).toEqual([
      ['create', 10],
      ['recover', 11],
      ['adopt', 12],
      ['conflict', 13],
    ]);
    expect(plan.learners[2]).toMatchObject({ op: 'adopt', edusignId: 'x12', restore: true });
  });
});

describe('planDown: sheets', () => {
  it('writes nothing for an unchanged sheet', () => {
    const s = sheet(100);
    const plan = planDown(
      input({ sheets: [s] }, { links: [link('sheet', 100, sheetHash(s), { ...sheetLinkData(s) })] }),
    );
    expect(plan.sheets).toEqual([]);
  });

  it('knows whether the fields, the groups or only the roster changed', () => {
    const written = sheet(100);
    const rosterOnly = sheet(100, { learnerIds: [10, 11, 12] });
    const movedRoom = sheet(100, { classroom: 'Amphi B' });
    const newGroups = sheet(100, { groupIds: [50, 51] });
    const links = [link('sheet', 100, sheetHash(written), { ...sheetLinkData(written) })];
    expect(planDown(input({ sheets: [rosterOnly] }, { links })).sheets[0]).toMatchObject({
      op: 'update',
      fieldsChanged: false,
      groupsChanged: false,
      previousLearnerIds: [10, 11],
    });
    expect(planDown(input({ sheets: [movedRoom] }, { links })).sheets[0]).toMatchObject({
      fieldsChanged: true,
      groupsChanged: false,
    });
    expect(planDown(input({ sheets: [newGroups] }, { links })).sheets[0]).toMatchObject({
      fieldsChanged: true,
      groupsChanged: true,
    });
  });

  it('finishes a sheet whose roster was left incomplete (no hash)', () => {
    const s = sheet(100);
    const plan = planDown(input({ sheets: [s] }, { links: [link('sheet', 100, null, { ...sheetLinkData(s, [10]) })] }));
    expect(plan.sheets[0]).toMatchObject({ op: 'update', fieldsChanged: false, previousLearnerIds: [10] });
  });

  it('deletes the sheet of a session deleted, cancelled or moved out of the window, and keeps one excluded for a data problem', () => {
    const upcoming = '2026-12-03T08:00:00.000Z';
    const written = (id: number) => link('sheet', id, 'h', { ...sheetLinkData(sheet(id, { start: upcoming })) });
    const plan = planDown(
      input(
        {},
        {
          links: [written(1), written(2), written(3), written(4)],
          absent: [
            [1, { state: 'gone' }],
            [2, { state: 'present', verdict: verdict(2, upcoming, ['CANCELLED']) }],
            [3, { state: 'present', verdict: verdict(3, '2027-01-20T08:00:00.000Z', ['BEYOND_HORIZON']) }],
            [4, { state: 'present', verdict: verdict(4, upcoming, ['NO_VALID_LEARNER']) }],
          ],
        },
      ),
    );
    expect(plan.sheets).toEqual([
      { op: 'delete', aimairaId: 1, edusignId: 'e1', reason: 'SESSION_GONE' },
      { op: 'delete', aimairaId: 2, edusignId: 'e2', reason: 'CANCELLED' },
      { op: 'delete', aimairaId: 3, edusignId: 'e3', reason: 'SESSION_GONE' },
      { op: 'keep', aimairaId: 4, edusignId: 'e4', reason: 'NO_VALID_LEARNER' },
    ]);
  });

  it('leaves alone the sheet of a session that simply started', () => {
    const start = '2026-11-30T08:00:00.000Z';
    const plan = planDown(
      input(
        {},
        {
          links: [link('sheet', 5, 'h', { ...sheetLinkData(sheet(5, { start })) })],
          absent: [[5, { state: 'present', verdict: verdict(5, start, ['PAST']) }]],
        },
      ),
    );
    expect(plan.sheets).toEqual([]);
  });

  it('lists every skipped session of the window with all its reasons, but not past ones', () => {
    const plan = planDown(
      input(
        {},
        {
          verdicts: [
            verdict(7, '2026-12-01T08:00:00.000Z', ['CREATED_TODAY', 'NO_FACILITATOR']),
            verdict(8, '2026-11-20T08:00:00.000Z', ['PAST']),
          ],
        },
      ),
    );
    expect(plan.skips).toEqual([{ aimairaId: 7, name: 'Session', reasons: ['CREATED_TODAY', 'NO_FACILITATOR'] }]);
  });
});

describe('rosterDiff', () => {
  it('adds the missing and removes the extra, each once', () => {
    expect(rosterDiff([3, 1, 2, 2], [2, 4, 4, 1])).toEqual({ add: [4], remove: [3] });
  });
});

describe('planDown: a targeted run', () => {
  const upcoming = '2026-12-03T08:00:00.000Z';
  const written = (id: number) => link('sheet', id, 'h', { ...sheetLinkData(sheet(id, { start: upcoming })) });

  it('deletes or changes no sheet of a session outside its targets, whatever it is told of them', () => {
    const plan = planDown({
      ...input(
        { sheets: [sheet(1, { classroom: 'Amphi' }), sheet(2, { classroom: 'Amphi' })] },
        {
          links: [written(1), written(2), written(3), written(4)],
          absent: [
            [3, { state: 'gone' }],
            [4, { state: 'present', verdict: verdict(4, upcoming, ['CANCELLED']) }],
          ],
        },
      ),
      targets: new Set([1, 4]),
    });
    expect(
      plan.sheets.map((operation) => [
        operation.op,
        'sheet' in operation ? operation.sheet.aimairaId : operation.aimairaId,
      ]),
    ).toEqual([
      ['update', 1],
      ['delete', 4],
    ]);
  });

  it('creates and updates the people its sheets need, but writes no group: their members come from the whole window', () => {
    const group = { aimairaId: 50, name: 'BTS 1', memberIds: [10, 11] };
    const args = input(
      { learners: [learner(10), learner(11, 'new@ecole.fr')], groups: [group], sheets: [sheet(1)] },
      { links: [link('learner', 10, personHash(learner(10))), link('learner', 11, 'old'), link('group', 50, 'old')] },
    );
    const full = planDown(args);
    const targeted = planDown({ ...args, targets: new Set([1]) });
    expect(full.groups.map((operation) => operation.op)).toEqual(['update']);
    expect(targeted.groups).toEqual([]);
    expect(targeted.learners).toEqual(full.learners);
    expect(targeted.learners.map((operation) => operation.op)).toEqual(['update']);
    expect(targeted.sheets).toEqual(full.sheets);
  });
});
