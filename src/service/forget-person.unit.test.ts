import { describe, expect, it } from 'vitest';

import type { Link } from '../store/port.js';
import { findPeopleByEmail, linkHasEmail, maskEmail } from './forget-person.js';

const link = (kind: Link['kind'], aimairaId: number, data: Record<string, unknown>): Link => ({
  tenantId: 'acme',
  kind,
  aimairaId,
  edusignId: `e${aimairaId}`,
  hash: 'h',
  data,
  origin: 'created',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
});

/** A stand-in for the tenant's keyed hash: what matters is that the typed e-mail is hashed the same way. */
const fingerprint = (email: string) => `h1:${email.trim().toLowerCase().split('').reverse().join('')}`;

describe('finding a person by e-mail', () => {
  it('matches a hashed e-mail through the tenant’s fingerprint, and an e-mail in clear of older links', () => {
    const hashed = link('learner', 1, { emailHash: fingerprint('ana@example.org') });
    const clear = link('tutor', 2, { email: 'Ana@Example.org' });
    expect(linkHasEmail(hashed, ' ANA@example.org ', fingerprint)).toBe(true);
    expect(linkHasEmail(hashed, 'ana@example.org')).toBe(false);
    expect(linkHasEmail(clear, '  ana@EXAMPLE.org', fingerprint)).toBe(true);
    expect(linkHasEmail(clear, 'bob@example.org', fingerprint)).toBe(false);
    expect(linkHasEmail(link('learner', 3, {}), 'ana@example.org', fingerprint)).toBe(false);
  });

  it('finds every kind linked with the e-mail, hashing it once', async () => {
    const links = [
      link('learner', 1, { emailHash: fingerprint('ana@example.org') }),
      link('learner', 4, { emailHash: fingerprint('bob@example.org') }),
      link('tutor', 2, { email: 'ana@example.org' }),
    ];
    let hashed = 0;
    const counting = (email: string) => {
      hashed++;
      return fingerprint(email);
    };
    const store = {
      listLinks: (_tenantId: string, kind?: Link['kind']) =>
        Promise.resolve(links.filter((candidate) => candidate.kind === kind)),
    };
    expect(await findPeopleByEmail(store, 'acme', 'ANA@example.org', counting)).toEqual([
      { kind: 'learner', aimairaId: 1 },
      { kind: 'tutor', aimairaId: 2 },
    ]);
    expect(hashed).toBe(1);
  });
});

describe('masking an e-mail', () => {
  it('keeps the first character and the top-level domain only', () => {
    expect(maskEmail(' Jeanne.Martin@ecole.example.fr ')).toBe('J•••@•••.fr');
    expect(maskEmail('no-at-sign')).toBe('•••');
    expect(maskEmail('a@localhost')).toBe('a•••@•••');
  });
});
