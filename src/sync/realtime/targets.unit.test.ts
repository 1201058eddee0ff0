import { describe, expect, it } from 'vitest';

import type { WebhookMessage } from '../../store/port.js';
import { neededFacts, personKey, planRealtimeTargets, readWebhookMessage } from './targets.js';
import type { RealtimeFacts } from './targets.js';

const objectTypes = {
  Planification: 'planification.T_PLANIFICATION',
  PlanificationRessource: 'planification.T_PLANIFICATION_RESSOURCE',
  Apprenant: 'apprenant.T_APPRENANT',
  Enseignant: 'enseignant.T_ENSEIGNANT',
  Mail: 'contact.T_MAIL',
};

let nextId = 1;
const aimaira = (objectType: string | null, objectId: string | null, event = 'Modification'): WebhookMessage => ({
  id: nextId++,
  tenantId: 't',
  source: 'aimaira',
  receivedAt: '2026-11-30T10:00:00Z',
  event,
  objectType,
  objectId,
  hashOk: true,
  processedAt: null,
});
const edusign = (event: string, courseId: string | null): WebhookMessage => ({
  id: nextId++,
  tenantId: 't',
  source: 'edusign',
  receivedAt: '2026-11-30T10:00:00Z',
  event,
  objectType: null,
  objectId: courseId,
  hashOk: null,
  processedAt: null,
});

const noFacts: RealtimeFacts = {
  rowSessions: new Map(),
  otherRows: new Set(),
  unknownRows: new Set(),
  personSessions: new Map(),
  mailOwners: new Map(),
  courses: new Map(),
};
const plan = (messages: WebhookMessage[], facts: Partial<RealtimeFacts> = {}) =>
  planRealtimeTargets(messages, { objectTypes, facts: { ...noFacts, ...facts } });

describe('reading a message', () => {
  it('knows an Aimaira table by the name learned for the tenant, whatever its case or spaces', () => {
    expect(readWebhookMessage(aimaira(' Planification.t_planification ', '12'), objectTypes)).toEqual({
      kind: 'session',
      sessionId: 12,
    });
  });

  it('says which tables were not learned when it meets a table it does not know', () => {
    const reading = readWebhookMessage(aimaira('recrutement.T_CANDIDAT', '3'), { Planification: 'p.T_P' });
    expect(reading.kind).toBe('ignored');
    expect(reading).toMatchObject({ why: expect.stringContaining('not learned: PlanificationRessource') as string });
  });

  it('refuses an ObjectId that is not a record id', () => {
    for (const id of ['', 'abc', '-4', '0', '1.5', null]) {
      expect(readWebhookMessage(aimaira(objectTypes.Planification, id), objectTypes).kind).toBe('ignored');
    }
  });
});

describe('planning the runs of a batch', () => {
  it('targets a session created, changed or deleted, once however many messages name it', () => {
    const messages = ['Creation', 'Modification', 'Modification', 'Suppression'].map((event) =>
      aimaira(objectTypes.Planification, '40', event),
    );
    expect(plan(messages)).toEqual({ sessionIds: [40], sheetIds: [], ignored: [] });
  });

  it('coalesces a burst of 1,000 messages about 40 sessions into those 40 sessions', () => {
    const messages = Array.from({ length: 1000 }, (_, index) =>
      aimaira(objectTypes.Planification, String(100 + (index % 40))),
    );
    const targets = plan(messages);
    expect(targets.sessionIds).toEqual(Array.from({ length: 40 }, (_, index) => 100 + index));
    expect(targets.ignored).toEqual([]);
  });

  it('targets the session of a row, and of a deleted row the store remembered', () => {
    const targets = plan(
      [aimaira(objectTypes.PlanificationRessource, '501'), aimaira(objectTypes.PlanificationRessource, '502')],
      {
        rowSessions: new Map([
          [501, 7],
          [502, 8],
        ]),
      },
    );
    expect(targets.sessionIds).toEqual([7, 8]);
  });

  it('leaves a deleted row whose session nothing tells to the next window, and says so', () => {
    const message = aimaira(objectTypes.PlanificationRessource, '503', 'Suppression');
    const targets = plan([message], { unknownRows: new Set([503]) });
    expect(targets.sessionIds).toEqual([]);
    expect(targets.ignored).toEqual([{ messageId: message.id, why: expect.stringContaining('next window') as string }]);
  });

  it('runs nothing for a row of a type the sync does not read', () => {
    const targets = plan([aimaira(objectTypes.PlanificationRessource, '504')], { otherRows: new Set([504]) });
    expect(targets.sessionIds).toEqual([]);
    expect(targets.ignored).toHaveLength(1);
  });

  it('targets every window session that lists a learner or a facilitator', () => {
    const targets = plan([aimaira(objectTypes.Apprenant, '9'), aimaira(objectTypes.Enseignant, '5')], {
      personSessions: new Map([
        [personKey('Apprenant', 9), [3, 4, 6]],
        [personKey('Enseignant', 5), [4, 11]],
      ]),
    });
    expect(targets.sessionIds).toEqual([3, 4, 6, 11]);
  });

  it('ignores a person no window session lists', () => {
    const targets = plan([aimaira(objectTypes.Apprenant, '9')], {
      personSessions: new Map([[personKey('Apprenant', 9), []]]),
    });
    expect(targets.ignored[0]?.why).toBe('no session of the window lists learner 9');
  });

  it('targets the sessions of whoever owns a changed e-mail', () => {
    const targets = plan([aimaira(objectTypes.Mail, '77')], {
      mailOwners: new Map([[77, [{ set: 'Enseignant' as const, id: 5 }]]]),
      personSessions: new Map([[personKey('Enseignant', 5), [4, 11]]]),
    });
    expect(targets.sessionIds).toEqual([4, 11]);
  });

  it('ignores an e-mail that is no learner’s or facilitator’s', () => {
    const targets = plan([aimaira(objectTypes.Mail, '78')], { mailOwners: new Map([[78, []]]) });
    expect(targets.ignored[0]?.why).toContain('no learner');
  });

  it('takes every window session when more people were named than are looked up one by one', () => {
    const targets = plan([aimaira(objectTypes.Apprenant, '9')], { windowSessionIds: [1, 2, 3] });
    expect(targets.sessionIds).toEqual([1, 2, 3]);
  });

  it('sends a locked sheet up, and an edit of a locked sheet too', () => {
    const courses = new Map([
      ['c1', { sessionId: 1, locked: false }],
      ['c2', { sessionId: 2, locked: true }],
    ]);
    const targets = plan([edusign('on_course_locked', 'c1'), edusign('on_course_edited', 'c2')], { courses });
    expect(targets).toEqual({ sessionIds: [], sheetIds: ['c1', 'c2'], ignored: [] });
  });

  it('brings down again the session of an unlocked linked sheet edited or deleted on Edusign', () => {
    const courses = new Map([
      ['c1', { sessionId: 1, locked: false }],
      ['c3', { sessionId: 3, locked: false }],
    ]);
    const targets = plan([edusign('on_course_edited', 'c1'), edusign('on_course_deleted', 'c3')], { courses });
    expect(targets).toEqual({ sessionIds: [1, 3], sheetIds: [], ignored: [] });
  });

  it('ignores a course the connector did not make, a course created, a signature and other events', () => {
    const messages = [
      edusign('on_course_locked', 'hand-made'),
      edusign('on_course_created', 'c1'),
      edusign('on_student_sign', 'c1'),
      edusign('on_survey_answered', 'c1'),
      edusign('on_course_edited', null),
    ];
    const targets = plan(messages, { courses: new Map([['c1', { sessionId: 1, locked: false }]]) });
    expect(targets.sessionIds).toEqual([]);
    expect(targets.sheetIds).toEqual([]);
    expect(targets.ignored.map((entry) => entry.messageId)).toEqual(messages.map((message) => message.id));
    expect(targets.ignored[0]?.why).toContain('no link');
  });

  it('ignores an Aimaira table that was not learned', () => {
    const message = aimaira('recrutement.T_CANDIDAT', '3');
    expect(plan([message]).ignored).toEqual([
      { messageId: message.id, why: 'ObjectType recrutement.T_CANDIDAT is none of the tables learned for this tenant' },
    ]);
  });
});

describe('what a batch needs looked up', () => {
  it('lists each id once, and the courses a message says are locked or edited', () => {
    const needed = neededFacts(
      [
        aimaira(objectTypes.PlanificationRessource, '1'),
        aimaira(objectTypes.PlanificationRessource, '1'),
        aimaira(objectTypes.Apprenant, '2'),
        aimaira(objectTypes.Enseignant, '3'),
        aimaira(objectTypes.Mail, '4'),
        aimaira(objectTypes.Planification, '5'),
        edusign('on_course_locked', 'c1'),
        edusign('on_course_edited', 'c2'),
      ],
      objectTypes,
    );
    expect(needed).toEqual({
      rowIds: [1],
      learnerIds: [2],
      facilitatorIds: [3],
      mailIds: [4],
      courseIds: ['c1', 'c2'],
      lockedInBatch: ['c1'],
      editedCourseIds: ['c2'],
    });
  });
});
