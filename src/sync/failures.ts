/** What a failure means for a run, the same in both directions. */
import { HttpStatusError } from '../errors.js';

/**
 * A refusal of the tenant's access (401 bad credentials, 402 no subscription, 403 missing scope) concerns every
 * record, not one: the run stops instead of reporting the same refusal for each record.
 */
export function isAccessRefused(error: unknown): boolean {
  return error instanceof HttpStatusError && [401, 402, 403].includes(error.status);
}
