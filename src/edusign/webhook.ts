/**
 * Edusign's webhook events: JSON with the event type in a header and an HMAC of the body made with the
 * application's client secret. Payloads are published only in part (the Moodle plugin reads `course.ID`,
 * `student.ID`): the receiver keeps the event type and the course id, and reads the course through the API.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

import { z } from 'zod';

export const edusignWebhookHeaders = {
  type: 'x-edusign-webhook-type',
  hmac: 'x-edusign-hmac',
  schoolId: 'x-edusign-school-id',
  appId: 'x-edusign-app-id',
  clientId: 'x-edusign-client-id',
} as const;

/** What the receiver reads of a body; anything else in it is ignored. */
export const EdusignWebhookBody = z
  .object({
    type: z.string().max(100).optional(),
    course: z.object({ ID: z.union([z.string(), z.number()]).transform(String) }).optional(),
  })
  .loose();
export type EdusignWebhookBody = z.output<typeof EdusignWebhookBody>;

const hexHmac = (secret: string, text: string) => createHmac('sha256', secret).update(text, 'utf8').digest('hex');

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a.toLowerCase(), 'utf8');
  const y = Buffer.from(b.toLowerCase(), 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Whether `hmac` is the HMAC-SHA256 (hex) of the body with `secret`. Edusign's SDK signs `JSON.stringify(body)`;
 * whether its server signs those bytes or the bytes it sends is not published: both are accepted (they are the same
 * when the body is compact JSON), so the receiver works whichever a tenant's server does.
 */
export function edusignHmacMatches(secret: string, rawBody: string, parsedBody: unknown, hmac: string): boolean {
  if (!/^[0-9a-fA-F]{64}$/.test(hmac)) return false;
  if (sameHex(hexHmac(secret, rawBody), hmac)) return true;
  return sameHex(hexHmac(secret, JSON.stringify(parsedBody)), hmac);
}
