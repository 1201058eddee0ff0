import { describe, expect, it } from 'vitest';

import { AimairaWebhookMessage, aimairaHashMatches, aimairaWebhookHash } from './webhook.js';

// Worked out apart from the code: printf '<the concatenation>' | openssl md5 -binary | base64
const known = {
  CustomerName: 'ECOLE-DEMO',
  Date: '2026-12-03T09:00:00Z',
  ObjectId: '1234',
  ObjectType: 'planification.T_PLANIFICATION',
  TriggerName: 'Modification',
};
const knownHash = '4tcf6f4g4F0fcjUxAY+hjg==';

describe("Aimaira's webhook message", () => {
  it('hashes TriggerName, ObjectId, ObjectType, Date, TriggerName and CustomerName as published', () => {
    expect(aimairaWebhookHash(known)).toBe(knownHash);
  });

  it('tells a matching hash from another, without refusing the message for it', () => {
    expect(aimairaHashMatches(AimairaWebhookMessage.parse({ ...known, Hash: knownHash }))).toBe(true);
    const other = AimairaWebhookMessage.parse({ ...known, Hash: 'bm90IHRoZSBoYXNo' });
    expect(aimairaHashMatches(other)).toBe(false);
  });

  it('takes a numeric ObjectId as text, and refuses a message without its fields', () => {
    expect(AimairaWebhookMessage.parse({ ...known, ObjectId: 1234, Hash: '' }).ObjectId).toBe('1234');
    expect(AimairaWebhookMessage.safeParse({ ...known, ObjectType: undefined, Hash: '' }).success).toBe(false);
  });
});
