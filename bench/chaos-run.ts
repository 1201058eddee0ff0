/**
 * One sync of the chaos soak (bench/chaos.ts): down, then up unless down was interrupted, as `syncTenant` orders
 * them, with clients built for the soak: a clock whose backoffs cost no time (test/helpers.ts) and a short budget per
 * request, so that a request the simulator never answers times out in about a second instead of thirty.
 *
 * Run in the soak's process, or in a child of its own (bench/chaos-child.ts) that the soak can kill.
 */
import { createAimairaClient } from '../src/aimaira/client.js';
import type { TenantConfig } from '../src/config/config.js';
import { createEdusignClient, createEdusignRateLimiter } from '../src/edusign/client.js';
import type { StateStore } from '../src/store/port.js';
import { runDown } from '../src/sync/down/run.js';
import { runUp } from '../src/sync/up/run.js';
import { createSkippingClock } from '../test/helpers.js';

export interface ChaosRunResult {
  down: string;
  up: string | undefined;
  errors: string[];
  /** Both runs' counts, `down.` and `up.` before each key. */
  counts: Record<string, number>;
}

/** Budget of one request attempt: a hung request costs this much real time. */
export const chaosTimeoutMs = 1_000;

export async function chaosSync(tenant: TenantConfig, store: StateStore, now: Date): Promise<ChaosRunResult> {
  const clock = createSkippingClock();
  const { url, username, password } = tenant.aimaira;
  const aimaira = createAimairaClient({
    baseUrl: url,
    ...(username !== undefined && { username }),
    ...(password !== undefined && { password }),
    clock,
    timeoutMs: chaosTimeoutMs,
  });
  const edusign = createEdusignClient({
    baseUrl: tenant.edusign.url,
    apiKey: tenant.edusign.apiKey,
    clock,
    timeoutMs: chaosTimeoutMs,
    limiter: createEdusignRateLimiter(clock),
  });
  const common = { tenant, aimaira, edusign, store, clock, now };
  const down = await runDown({ ...common, dryRun: false });
  const errors = down.error ? [`down: ${down.error}`] : [];
  const counts: Record<string, number> = {};
  for (const [key, value] of Object.entries(down.counts)) counts[`down.${key}`] = value;
  if (down.status === 'interrupted') return { down: down.status, up: undefined, errors, counts };
  const up = await runUp({ ...common, dryRun: false });
  if (up.error) errors.push(`up: ${up.error}`);
  for (const [key, value] of Object.entries(up.counts)) counts[`up.${key}`] = value;
  return { down: down.status, up: up.status, errors, counts };
}
