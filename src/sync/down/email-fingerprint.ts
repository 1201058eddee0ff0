/**
 * A person link remembers the e-mail last written to Edusign only to compare it: is another person's e-mail one a
 * linked person already holds there? A comparison needs no e-mail in clear, so the link keeps a keyed hash of it
 * (HMAC-SHA-256 of the normalised e-mail), and a stolen store file gives no learner's address, nor a way to test
 * guesses without the key.
 *
 * The key is derived (HKDF-SHA-256) from the tenant's Edusign API key: a secret every run already has, whatever the
 * mode (tenants in the store, where it is sealed under the master key; a configuration file, where it comes from
 * the environment), and that the store never holds in clear. Derived per tenant and for this purpose only, it
 * never signs anything else. When the API key changes, fingerprints made before no longer match: a linked person
 * who is gone from Aimaira then no longer reserves their e-mail in the rules, and Edusign's own look-up by e-mail
 * still finds the record, which carries our API_ID (a conflict instead of a duplicate); each link gets the new
 * fingerprint at its next write.
 */
import { createHmac, hkdfSync } from 'node:crypto';

import type { TenantConfig } from '../../config/config.js';
import { normaliseEmail } from './rules.js';

/** The keyed hash of an e-mail, as a person link keeps it: `h1:` then base64url. */
export type EmailFingerprint = (email: string) => string;

const fingerprintVersion = 'h1';
const fingerprintPattern = /^h1:[A-Za-z0-9_-]{43}$/;

/** Whether a stored value is a fingerprint (and not an e-mail an older version kept in clear). */
export function isEmailFingerprint(value: string): boolean {
  return fingerprintPattern.test(value);
}

/** The fingerprint function under a 32-byte key. */
export function createEmailFingerprint(key: Buffer): EmailFingerprint {
  const secret = Buffer.from(key);
  return (email) =>
    `${fingerprintVersion}:${createHmac('sha256', secret).update(normaliseEmail(email), 'utf8').digest('base64url')}`;
}

/** The tenant's fingerprint function: its key derived from the tenant's Edusign API key, bound to the tenant id. */
export function tenantEmailFingerprint(tenant: Pick<TenantConfig, 'id' | 'edusign'>): EmailFingerprint {
  const key = hkdfSync(
    'sha256',
    tenant.edusign.apiKey,
    'aimaira-edusign e-mail fingerprint v1',
    JSON.stringify(['tenant', tenant.id]),
    32,
  );
  return createEmailFingerprint(Buffer.from(key));
}
