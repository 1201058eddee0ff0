/** The two API clients of one tenant, built from its configuration; one Edusign limiter per tenant. */
import { createAimairaClient } from '../aimaira/client.js';
import type { AimairaClient, AimairaClientOptions, AimairaStrategyHints } from '../aimaira/client.js';
import { systemClock } from '../clock.js';
import type { Clock } from '../clock.js';
import type { TenantConfig } from '../config/config.js';
import { createEdusignClient, createEdusignRateLimiter } from '../edusign/client.js';
import type { EdusignClient } from '../edusign/client.js';
import { createRateLimiter } from '../http/rate-limiter.js';
import type { RateLimiter } from '../http/rate-limiter.js';
import type { Exchange } from '../http/transport.js';

/** The options of an Aimaira client but its strategies. */
export type AimairaConnection = Omit<AimairaClientOptions, 'strategies'>;

export interface TenantClients {
  aimaira: AimairaClient;
  edusign: EdusignClient;
}

export interface TenantClientOptions {
  clock?: Clock;
  fetch?: typeof fetch;
  onExchange?: (exchange: Exchange) => void;
  /** Edusign requests a minute for this tenant; Edusign's own limit (kept a little under 480) by default. */
  edusignRequestsPerMinute?: number;
  /**
   * The tenant's Edusign limiter, shared by every run of the tenant in this process (scheduled, on demand,
   * targeted): one run after another cannot go over the limit together. A new one per clients by default.
   */
  edusignLimiter?: RateLimiter;
}

/** One Edusign limiter per tenant, made at first use and kept: what `edusignLimiter` expects. */
export function createTenantEdusignLimiters(
  clock: Clock,
  requestsPerMinute?: number,
): (tenantId: string) => RateLimiter {
  const limiters = new Map<string, RateLimiter>();
  return (tenantId) => {
    let limiter = limiters.get(tenantId);
    if (!limiter) {
      limiter =
        requestsPerMinute === undefined
          ? createEdusignRateLimiter(clock)
          : createRateLimiter({ limit: requestsPerMinute, windowMs: 60_000, clock });
      limiters.set(tenantId, limiter);
    }
    return limiter;
  };
}

export interface TenantAimairaOptions extends Pick<TenantClientOptions, 'clock' | 'fetch' | 'onExchange'> {
  /** How the tenant's server behaves, as its last preflight found (src/service/preflight.ts). */
  strategies?: AimairaStrategyHints;
}

/** How to reach the tenant's Aimaira: its root, credentials and the transport's hooks (for the preflight's probes). */
export function aimairaConnection(tenant: TenantConfig, options: TenantAimairaOptions = {}): AimairaConnection {
  const { url, username, password, apiKey } = tenant.aimaira;
  return {
    baseUrl: url,
    ...(username !== undefined && { username }),
    ...(password !== undefined && { password }),
    ...(apiKey !== undefined && { apiKey }),
    clock: options.clock ?? systemClock,
    ...(options.fetch && { fetch: options.fetch }),
    ...(options.onExchange && { onExchange: options.onExchange }),
  };
}

/** The tenant's Aimaira client, starting with the strategies given (else it finds them out at first use). */
export function createTenantAimairaClient(tenant: TenantConfig, options: TenantAimairaOptions = {}): AimairaClient {
  return createAimairaClient({
    ...aimairaConnection(tenant, options),
    ...(options.strategies && { strategies: options.strategies }),
  });
}

export function createTenantClients(tenant: TenantConfig, options: TenantClientOptions = {}): TenantClients {
  const clock = options.clock ?? systemClock;
  const shared = {
    clock,
    ...(options.fetch && { fetch: options.fetch }),
    ...(options.onExchange && { onExchange: options.onExchange }),
  };
  const aimaira = createTenantAimairaClient(tenant, shared);
  const edusign = createEdusignClient({
    baseUrl: tenant.edusign.url,
    apiKey: tenant.edusign.apiKey,
    limiter: options.edusignLimiter ?? createTenantEdusignLimiters(clock, options.edusignRequestsPerMinute)(tenant.id),
    ...shared,
  });
  return { aimaira, edusign };
}
