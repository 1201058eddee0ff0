/**
 * A tenant's alert webhook: one JSON POST per alert. `text` is the field Slack and Teams incoming webhooks display
 * (Teams' workflow webhooks read it too); the other fields are for any JSON receiver.
 *
 * The URL is typed by a tenant's manager, so it is held to the tenant URL policy (src/service/url-policy.ts): https
 * to a public address, checked before the request and again at connect time by the guarded dispatcher
 * (src/http/connect-guard.ts), as the Aimaira and Edusign clients are. One exception: its query is allowed, since
 * Teams' workflow URLs carry their signature there (the policy refuses queries on base URLs, a host is what it
 * guards). No redirect is followed, a short timeout, and a non-2xx answer is an error. The URL is a secret (its
 * path or query is the token): errors name its host only.
 */
import { fetch as undiciFetch } from 'undici';
import type { Dispatcher } from 'undici';
import { z } from 'zod';

import { createGuardedAgent, sharedGuardedAgent } from '../http/connect-guard.js';
import { checkServiceUrl } from '../service/url-policy.js';
import type { HostResolver } from '../service/url-policy.js';
import { alertKinds } from '../store/port.js';

export const webhookPayloadSchema = z.object({
  /** What Slack and Teams show: the subject, then the message. */
  text: z.string().min(1),
  tenant: z.string().min(1),
  kind: z.enum(alertKinds),
  subject: z.string(),
  /** ISO instant of the change. */
  at: z.string(),
  /** The reason codes needing a person, for `attention`. */
  reasons: z.array(z.string()).optional(),
  /** The tenant's dashboard page, when the service has a public URL. */
  url: z.string().optional(),
});

export type WebhookPayload = z.infer<typeof webhookPayloadSchema>;

export type SendWebhook = (url: string, payload: WebhookPayload) => Promise<void>;

export interface WebhookOptions {
  /** Let http and loopback through: the tests and the sandbox only. */
  allowLoopback?: boolean;
  /** DNS look-up for the policy and the connect step; the system resolver by default (tests inject their own). */
  resolve?: HostResolver;
  /** Replaces the guarded pool (tests). */
  dispatcher?: Dispatcher;
  timeoutMs?: number;
}

export const defaultWebhookTimeoutMs = 10_000;

/** The webhook did not take the alert; the message names the host, never the URL. */
export class WebhookError extends Error {
  override name = 'WebhookError';
}

export function createWebhookSender(options: WebhookOptions = {}): SendWebhook {
  const allowLoopback = options.allowLoopback ?? false;
  const timeoutMs = options.timeoutMs ?? defaultWebhookTimeoutMs;
  // A test's resolver must also be the one at connect time; otherwise the process's shared pool.
  const dispatcher =
    options.dispatcher ??
    (options.resolve
      ? createGuardedAgent({ allowLoopback, resolve: options.resolve })
      : sharedGuardedAgent(allowLoopback));

  return async (url, payload) => {
    const body = JSON.stringify(webhookPayloadSchema.parse(payload));
    let parsed: URL;
    try {
      parsed = new URL(url.trim());
    } catch {
      throw new WebhookError('the alert webhook URL is not a valid URL');
    }
    const withoutQuery = new URL(parsed);
    withoutQuery.search = '';
    withoutQuery.hash = '';
    await checkServiceUrl('alerts.webhookUrl', withoutQuery.toString(), {
      allowLoopbackHttp: allowLoopback,
      ...(options.resolve && { resolve: options.resolve }),
    });
    const host = parsed.host;
    let response: Awaited<ReturnType<typeof undiciFetch>>;
    try {
      response = await undiciFetch(parsed, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body,
        redirect: 'manual',
        dispatcher,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
      const why = cause instanceof Error && cause.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : cause;
      throw new WebhookError(
        `the alert webhook at ${host} could not be reached: ${why instanceof Error ? why.message : String(why)}`,
        { cause: error },
      );
    }
    // The answer's body is not needed, but must be read for the connection to be reused.
    await response.arrayBuffer().catch(() => undefined);
    if (response.status >= 300 && response.status < 400) {
      throw new WebhookError(`the alert webhook at ${host} answered HTTP ${response.status}, a redirect: not followed`);
    }
    if (!response.ok) throw new WebhookError(`the alert webhook at ${host} answered HTTP ${response.status}`);
  };
}
