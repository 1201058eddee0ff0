/**
 * Aimaira's webhook message (its documentation, "mise en place d'un webhook"): one per creation, change or deletion
 * of a watched record, ids only, never the data. `Hash` has no secret: it is an integrity hint computed from the
 * other fields, and the documentation's own example does not come out of its formula, so a mismatch is counted,
 * never a reason to refuse; the sender is authenticated by its credentials alone.
 */
import { createHash } from 'node:crypto';

import { z } from 'zod';

/** The message's fields. Unknown fields are tolerated (a newer Aimaira may add some); the known ones are checked. */
export const AimairaWebhookMessage = z.object({
  CustomerName: z.string().min(1).max(200),
  Date: z.string().min(1).max(100),
  Hash: z.string().max(200),
  ObjectId: z.union([z.string().min(1).max(100), z.number().int()]).transform(String),
  ObjectType: z.string().min(1).max(200),
  TriggerName: z.string().min(1).max(200),
});
export type AimairaWebhookMessage = z.output<typeof AimairaWebhookMessage>;

/** base64(MD5(ASCII(TriggerName + ObjectId + ObjectType + Date + TriggerName + CustomerName))), as published. */
export function aimairaWebhookHash(message: Omit<AimairaWebhookMessage, 'Hash'>): string {
  const text = `${message.TriggerName}${message.ObjectId}${message.ObjectType}${message.Date}${message.TriggerName}${message.CustomerName}`;
  // "ASCII": what .NET's Encoding.ASCII makes of any other character, a question mark.
  const ascii = Buffer.from([...text].map((char) => (char.charCodeAt(0) < 128 ? char : '?')).join(''), 'ascii');
  return createHash('md5').update(ascii).digest('base64');
}

/** Whether the message's `Hash` is the formula's: a hint, never the proof (see above). */
export function aimairaHashMatches(message: AimairaWebhookMessage): boolean {
  return message.Hash === aimairaWebhookHash(message);
}
