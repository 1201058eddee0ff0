import { describe, expect, it } from 'vitest';

import type { Link } from '../../store/port.js';
import { createEmailFingerprint, isEmailFingerprint, tenantEmailFingerprint } from './email-fingerprint.js';
import { linkEmailHash, linkedEmails, personLinkData } from './plan.js';
import type { DesiredPerson } from './rules.js';

const tenant = { id: 'acme', edusign: { url: 'https://ext.edusign.fr', apiKey: 'edusign-key-of-acme' } };
const fingerprint = tenantEmailFingerprint(tenant);

const personLink = (aimairaId: number, data: object): Link => ({
  tenantId: 'acme',
  kind: 'learner',
  aimairaId,
  edusignId: `e${aimairaId}`,
  hash: 'h',
  data: { ...data },
  origin: 'created',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
});

describe('e-mail fingerprints', () => {
  it('are keyed hashes of the normalised e-mail, which they do not contain', () => {
    const value = fingerprint('Marie.Durand@Ecole.fr ');
    expect(isEmailFingerprint(value)).toBe(true);
    expect(value).toBe(fingerprint('marie.durand@ecole.fr'));
    expect(value).not.toMatch(/marie|durand|ecole/i);
    expect(fingerprint('paul@ecole.fr')).not.toBe(value);
  });

  it('differ from one tenant to another, and with another key: a store alone cannot be checked against guesses', () => {
    const email = 'marie.durand@ecole.fr';
    expect(tenantEmailFingerprint({ ...tenant, id: 'other' })(email)).not.toBe(fingerprint(email));
    expect(tenantEmailFingerprint({ ...tenant, edusign: { ...tenant.edusign, apiKey: 'k2' } })(email)).not.toBe(
      fingerprint(email),
    );
    expect(createEmailFingerprint(Buffer.alloc(32, 1))(email)).not.toBe(
      createEmailFingerprint(Buffer.alloc(32, 2))(email),
    );
  });

  it('is what a person link keeps, never the e-mail', () => {
    const person = { aimairaId: 7, email: 'marie.durand@ecole.fr' } as DesiredPerson;
    const data = personLinkData(person, fingerprint);
    expect(data).toEqual({ emailHash: fingerprint('marie.durand@ecole.fr') });
    expect(JSON.stringify(data)).not.toContain('@');
  });
});

describe('linkedEmails', () => {
  const people = [{ email: 'Marie.Durand@ecole.fr' }, { email: 'paul@ecole.fr' }, { email: '' }];

  it("gives back the e-mails of this run's people that a link holds a fingerprint of", () => {
    const links = [
      personLink(1, personLinkData({ email: 'marie.durand@ecole.fr' } as DesiredPerson, fingerprint)),
      personLink(2, personLinkData({ email: 'someone.gone@ecole.fr' } as DesiredPerson, fingerprint)),
    ];
    expect(linkedEmails(links, people, fingerprint)).toEqual(new Map([['marie.durand@ecole.fr', 1]]));
  });

  it('compares the e-mail an older version kept in clear by its fingerprint', () => {
    const legacy = personLink(3, { email: 'paul@ecole.fr' });
    expect(linkEmailHash(legacy, fingerprint)).toBe(fingerprint('paul@ecole.fr'));
    expect(linkedEmails([legacy], people, fingerprint)).toEqual(new Map([['paul@ecole.fr', 3]]));
  });

  it('ignores links without an e-mail, and a fingerprint made under another key matches nothing', () => {
    const otherKey = tenantEmailFingerprint({ ...tenant, edusign: { ...tenant.edusign, apiKey: 'rotated' } });
    const links = [
      personLink(4, {}),
      personLink(5, { emailHash: 'not a fingerprint' }),
      personLink(6, personLinkData({ email: 'paul@ecole.fr' } as DesiredPerson, otherKey)),
    ];
    expect(linkedEmails(links, people, fingerprint)).toEqual(new Map());
  });
});
