/** The two API clients of one tenant, built from its configuration; one Edusign limiter per tenant. */
import { createAimairaClient } from '../aimaira/client.js';
import type { AimairaClient } from '../aimaira/client.js';
import { systemClock } from '../clock.js';
import type { Clock } from '../clock.js';
import type { TenantConfig } from '../config/config.js';
import { createEdusignClient, createEdusignRateLimiter } from '../edusign/client.js';
import type { EdusignClient } from '../edusign/client.js';
import { createRateLimiter } from '../http/rate-limiter.js';
import type { Exchange } from '../http/transport.js';

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
}

export function createTenantClients(tenant: TenantConfig, options: TenantClientOptions = {}): TenantClients {
  const clock = options.clock ?? systemClock;
  const shared = {
    clock,
    ...(options.fetch && { fetch: options.fetch }),
    ...(options.onExchange && { onExchange: options.onExchange }),
  };
  const { url, username, password, apiKey } = tenant.aimaira;
  const aimaira = createAimairaClient({
    baseUrl: url,
    ...(username !== undefined && { username }),
    ...(password !== undefined && { password }),
    ...(apiKey !== undefined && { apiKey }),
    ...shared,
  });
  const edusign = createEdusignClient({
    baseUrl: tenant.edusign.url,
    apiKey: tenant.edusign.apiKey,
    limiter:
      options.edusignRequestsPerMinute === undefined
        ? createEdusignRateLimiter(clock)
        : createRateLimiter({ limit: options.edusignRequestsPerMinute, windowMs: 60_000, clock }),
    ...shared,
  });
  return { aimaira, edusign };
}
