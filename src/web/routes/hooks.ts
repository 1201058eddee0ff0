/**
 * The webhook receivers, one per tenant and service, and the OAuth token endpoint Aimaira's client-credentials
 * authentication asks for. Public routes with an authentication of their own (Basic or a bearer token made here for
 * Aimaira, the HMAC of the body for Edusign). A message is recorded in the store before it is answered, and nothing
 * else is done here: answering within a second matters (Edusign waits 15 s and never retries), the work is done
 * from the record. Unauthenticated, malformed, oversized or another tenant's: 401, 400, 413, nothing recorded, and
 * counted.
 */
import { createHmac } from 'node:crypto';

import { AimairaWebhookMessage, aimairaHashMatches } from '../../aimaira/webhook.js';
import { EdusignWebhookBody, edusignHmacMatches, edusignWebhookHeaders } from '../../edusign/webhook.js';
import { tenantIdPattern } from '../../config/config.js';
import type { OpenedWebhookEndpoint, WebhookSource } from '../../store/port.js';
import type { WebhookOutcome } from '../deps.js';
import type { Web, WebContext } from '../env.js';
import type { Routes } from '../routing.js';
import { sameSecret } from '../security.js';

/** A message is a few hundred bytes; anything much larger is not one. */
export const maxWebhookBytes = 16 * 1024;
/** Aimaira's access tokens from the token endpoint: short-lived, as the issue asks. */
export const webhookTokenLifetimeSeconds = 15 * 60;

/**
 * A bearer token for Aimaira: its expiry and an HMAC of the tenant and expiry keyed by the tenant's client secret.
 * Nothing stored: every process checks it, and new credentials void the tokens made with the old ones.
 */
export function makeWebhookToken(tenantId: string, clientSecret: string, expiresAt: number): string {
  return `${expiresAt}.${tokenSignature(tenantId, clientSecret, expiresAt)}`;
}

function tokenSignature(tenantId: string, clientSecret: string, expiresAt: number): string {
  return createHmac('sha256', clientSecret)
    .update(`aimaira-edusign webhook token|${tenantId}|${expiresAt}`)
    .digest('base64url');
}

export function webhookTokenValid(tenantId: string, clientSecret: string, token: string, now: number): boolean {
  const match = /^(\d{10,13})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return false;
  const expiresAt = Number(match[1]);
  return expiresAt > now / 1000 && sameSecret(match[2] ?? '', tokenSignature(tenantId, clientSecret, expiresAt));
}

/** `Basic base64(id:secret)` → [id, secret]; undefined when it is not one. */
function basicCredentials(header: string | undefined): [string, string] | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1] ?? '', 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : [decoded.slice(0, colon), decoded.slice(colon + 1)];
}

function clientMatches(endpoint: OpenedWebhookEndpoint, id: string, secret: string): boolean {
  const { clientId, clientSecret } = endpoint.aimaira;
  if (clientId === null || clientSecret === null) return false;
  // Both compared, always: the answer takes as long whichever is wrong.
  const idOk = sameSecret(id, clientId);
  const secretOk = sameSecret(secret, clientSecret);
  return idOk && secretOk;
}

export function hookRoutes(routes: Routes, web: Web): void {
  const hooks = web.deps.webhooks;
  if (!hooks) return;

  const answer = (c: WebContext, source: WebhookSource, outcome: WebhookOutcome, status: number, body: object) => {
    hooks.count?.(source, outcome);
    c.header('cache-control', 'no-store');
    return c.json(body, status as 200);
  };
  /** The tenant's endpoint when it is enabled; an unknown tenant looks like a disabled one. */
  const endpointOf = async (c: WebContext) => {
    const tenantId = c.req.param('hookTenant') ?? '';
    if (!tenantIdPattern.test(tenantId) || !(await web.deps.tenants.get(tenantId))) return undefined;
    const endpoint = await hooks.endpoints.opened(tenantId);
    return endpoint?.enabled ? endpoint : undefined;
  };
  const readBody = async (c: WebContext) => {
    const raw = await c.req.text();
    return Buffer.byteLength(raw, 'utf8') > maxWebhookBytes ? undefined : raw;
  };

  routes.post('/hooks/aimaira/:hookTenant/token', 'public', async (c) => {
    const endpoint = await endpointOf(c);
    if (!endpoint) return answer(c, 'aimaira', 'disabled', 404, { error: 'invalid_request' });
    const raw = await readBody(c);
    if (raw === undefined) return answer(c, 'aimaira', 'too-large', 413, { error: 'invalid_request' });
    const form = new URLSearchParams(raw);
    if (form.get('grant_type') !== 'client_credentials') {
      return answer(c, 'aimaira', 'malformed', 400, { error: 'unsupported_grant_type' });
    }
    // The client authenticates with Basic (RFC 6749 §2.3.1) or, as some clients do, in the form.
    const [id, secret] = basicCredentials(c.req.header('authorization')) ?? [
      form.get('client_id') ?? '',
      form.get('client_secret') ?? '',
    ];
    if (!clientMatches(endpoint, id, secret)) {
      c.header('www-authenticate', 'Basic realm="aimaira-edusign webhooks"');
      return answer(c, 'aimaira', 'unauthenticated', 401, { error: 'invalid_client' });
    }
    const expiresAt = Math.floor(web.now() / 1000) + webhookTokenLifetimeSeconds;
    return c.json(
      {
        access_token: makeWebhookToken(endpoint.tenantId, endpoint.aimaira.clientSecret ?? '', expiresAt),
        token_type: 'Bearer',
        expires_in: webhookTokenLifetimeSeconds,
      },
      200,
      { 'cache-control': 'no-store' },
    );
  });

  routes.post('/hooks/aimaira/:hookTenant', 'public', async (c) => {
    const endpoint = await endpointOf(c);
    if (!endpoint) return answer(c, 'aimaira', 'disabled', 404, { error: 'no receiver here' });
    const authorization = c.req.header('authorization');
    const basic = basicCredentials(authorization);
    const bearer = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    const authenticated = basic
      ? clientMatches(endpoint, basic[0], basic[1])
      : bearer !== undefined &&
        endpoint.aimaira.clientSecret !== null &&
        webhookTokenValid(endpoint.tenantId, endpoint.aimaira.clientSecret, bearer, web.now());
    if (!authenticated) {
      c.header('www-authenticate', 'Basic realm="aimaira-edusign webhooks", Bearer');
      return answer(c, 'aimaira', 'unauthenticated', 401, { error: 'authentication required' });
    }
    const raw = await readBody(c);
    if (raw === undefined) return answer(c, 'aimaira', 'too-large', 413, { error: 'too large' });
    let parsed;
    try {
      parsed = AimairaWebhookMessage.safeParse(JSON.parse(raw));
    } catch {
      return answer(c, 'aimaira', 'malformed', 400, { error: 'not JSON' });
    }
    if (!parsed.success) {
      const fields = [...new Set(parsed.error.issues.map((issue) => String(issue.path[0] ?? 'body')))];
      return answer(c, 'aimaira', 'malformed', 400, { error: `missing or invalid: ${fields.join(', ')}` });
    }
    const message = parsed.data;
    const expected = endpoint.aimaira.customerName;
    if (expected !== null && expected.toLowerCase() !== message.CustomerName.toLowerCase()) {
      return answer(c, 'aimaira', 'other-tenant', 401, { error: 'another customer' });
    }
    const hashOk = aimairaHashMatches(message);
    if (!hashOk) hooks.count?.('aimaira', 'hash-mismatch');
    const recorded = await hooks.inbox.recordWebhookMessage({
      tenantId: endpoint.tenantId,
      source: 'aimaira',
      receivedAt: new Date(web.now()).toISOString(),
      event: message.TriggerName,
      objectType: message.ObjectType,
      objectId: message.ObjectId,
      hashOk,
    });
    hooks.onRecorded?.(recorded);
    return answer(c, 'aimaira', 'accepted', 200, { received: true });
  });

  routes.post('/hooks/edusign/:hookTenant', 'public', async (c) => {
    const endpoint = await endpointOf(c);
    const { schoolId, clientSecret } = endpoint?.edusign ?? { schoolId: null, clientSecret: null };
    if (!endpoint || schoolId === null || clientSecret === null) {
      return answer(c, 'edusign', 'disabled', 404, { error: 'no receiver here' });
    }
    const raw = await readBody(c);
    if (raw === undefined) return answer(c, 'edusign', 'too-large', 413, { error: 'too large' });
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return answer(c, 'edusign', 'malformed', 400, { error: 'not JSON' });
    }
    const hmac = c.req.header(edusignWebhookHeaders.hmac) ?? '';
    if (!edusignHmacMatches(clientSecret, raw, body, hmac)) {
      return answer(c, 'edusign', 'unauthenticated', 401, { error: 'bad signature' });
    }
    if (c.req.header(edusignWebhookHeaders.schoolId) !== schoolId) {
      return answer(c, 'edusign', 'other-tenant', 401, { error: 'another school' });
    }
    const parsed = EdusignWebhookBody.safeParse(body);
    const event = c.req.header(edusignWebhookHeaders.type) ?? (parsed.success ? parsed.data.type : undefined);
    if (!parsed.success || event === undefined || event.length > 100) {
      return answer(c, 'edusign', 'malformed', 400, { error: 'no event type' });
    }
    const recorded = await hooks.inbox.recordWebhookMessage({
      tenantId: endpoint.tenantId,
      source: 'edusign',
      receivedAt: new Date(web.now()).toISOString(),
      event,
      objectType: null,
      objectId: parsed.data.course?.ID ?? null,
      hashOk: null,
    });
    hooks.onRecorded?.(recorded);
    return answer(c, 'edusign', 'accepted', 200, { received: true });
  });
}
