import { describe, expect, it } from 'vitest';

import { EdusignWebhookBody, edusignHmacMatches } from './webhook.js';

const secret = 'le-secret-de-l-application';
const compact = '{"type":"on_course_locked","course":{"ID":"abc123"}}';
const spaced = '{ "type": "on_course_locked", "course": { "ID": "abc123" } }';
// Worked out apart from the code: printf '<body>' | openssl dgst -sha256 -hmac '<secret>' -hex
const compactHmac = '9e5dfeb87ea80da125b8317461d5b047fbf23fa098dc97d477469cfb56554cdc';
const spacedHmac = '822ac031184da5d563e4439c5c4c7c25e0c8d38f6951da6060c450b4c217799f';

describe("Edusign's webhook signature", () => {
  it('accepts the HMAC of the bytes sent, and of JSON.stringify of the body (the SDK’s way)', () => {
    expect(edusignHmacMatches(secret, compact, JSON.parse(compact), compactHmac)).toBe(true);
    expect(edusignHmacMatches(secret, spaced, JSON.parse(spaced), spacedHmac)).toBe(true);
    // Spaced bytes, signed as compact JSON: the SDK's way.
    expect(edusignHmacMatches(secret, spaced, JSON.parse(spaced), compactHmac)).toBe(true);
    expect(edusignHmacMatches(secret, compact, JSON.parse(compact), compactHmac.toUpperCase())).toBe(true);
  });

  it('refuses another secret, another body, and what is not a hex HMAC', () => {
    expect(edusignHmacMatches('another secret', compact, JSON.parse(compact), compactHmac)).toBe(false);
    const other = compact.replace('abc123', 'abc124');
    expect(edusignHmacMatches(secret, other, JSON.parse(other), compactHmac)).toBe(false);
    expect(edusignHmacMatches(secret, compact, JSON.parse(compact), 'not-hex')).toBe(false);
  });

  it('reads the course id as text, whatever else the body holds', () => {
    const body = EdusignWebhookBody.parse({ type: 'on_course_edited', course: { ID: 42, NAME: 'x' }, extra: 1 });
    expect(body.course?.ID).toBe('42');
  });
});
