/**
 * Each tenant's webhook receivers, as the service keeps them: what Aimaira's team is given (a client id and a
 * secret the service makes, for Basic or OAuth client credentials), what Edusign signs with (the application's
 * client secret, given by the tenant's manager), the customer name and school id the messages must carry. Secrets
 * are sealed with the tenants' master keys (src/service/secrets.ts) and opened only to check a message.
 */
import { randomBytes } from 'node:crypto';

import type { Clock } from '../clock.js';
import type { OpenedWebhookEndpoint, WebhookEndpoint, WebhookStore } from '../store/port.js';
import type { Keyring } from './secrets.js';

export const webhookSecretFields = ['aimaira.clientSecret', 'edusign.clientSecret'] as const;
export type WebhookSecretField = (typeof webhookSecretFields)[number];

/** The sealing context of a webhook secret: its own field names, apart from the tenants' `SecretField`s. */
export function webhookSecretContext(tenantId: string, field: WebhookSecretField) {
  return { tenantId, field: `webhooks.${field}` };
}

export interface WebhookEndpoints {
  /** As stored (secrets sealed): what the settings page shows (whether a secret is set, never its value). */
  get(tenantId: string): Promise<WebhookEndpoint | undefined>;
  opened(tenantId: string): Promise<OpenedWebhookEndpoint | undefined>;
  setEnabled(tenantId: string, enabled: boolean): Promise<void>;
  /** New credentials for Aimaira's team (the old ones stop working): returned in clear once, kept sealed. */
  newAimairaCredentials(tenantId: string): Promise<{ clientId: string; clientSecret: string }>;
  setAimairaCustomerName(tenantId: string, customerName: string | null): Promise<void>;
  /** An absent field keeps its value. */
  setEdusign(tenantId: string, change: { schoolId?: string | null; clientSecret?: string }): Promise<void>;
  /** Aimaira's table names learned for the tenant (src/sync/realtime/object-types.ts). */
  setObjectTypes(tenantId: string, objectTypes: Record<string, string>): Promise<void>;
}

export function createWebhookEndpoints(options: {
  store: Pick<WebhookStore, 'getWebhookEndpoint' | 'saveWebhookEndpoint'>;
  keys: () => Promise<Keyring>;
  clock: Clock;
}): WebhookEndpoints {
  const { store } = options;
  const blank = (tenantId: string): WebhookEndpoint => ({
    tenantId,
    enabled: false,
    aimaira: { customerName: null, clientId: null, clientSecret: null },
    edusign: { schoolId: null, clientSecret: null },
    objectTypes: {},
    updatedAt: new Date(options.clock.now()).toISOString(),
  });
  const change = async (
    tenantId: string,
    edit: (endpoint: WebhookEndpoint) => WebhookEndpoint | Promise<WebhookEndpoint>,
  ) => {
    const current = (await store.getWebhookEndpoint(tenantId)) ?? blank(tenantId);
    await store.saveWebhookEndpoint({
      ...(await edit(current)),
      updatedAt: new Date(options.clock.now()).toISOString(),
    });
  };
  const seal = async (tenantId: string, field: WebhookSecretField, value: string) =>
    (await options.keys()).seal(value, webhookSecretContext(tenantId, field));

  return {
    get: (tenantId) => store.getWebhookEndpoint(tenantId),
    async opened(tenantId) {
      const endpoint = await store.getWebhookEndpoint(tenantId);
      if (!endpoint) return undefined;
      const open = async (field: WebhookSecretField, sealed: string | null) =>
        sealed === null ? null : (await options.keys()).open(sealed, webhookSecretContext(tenantId, field));
      return {
        tenantId,
        enabled: endpoint.enabled,
        aimaira: {
          ...endpoint.aimaira,
          clientSecret: await open('aimaira.clientSecret', endpoint.aimaira.clientSecret),
        },
        edusign: {
          ...endpoint.edusign,
          clientSecret: await open('edusign.clientSecret', endpoint.edusign.clientSecret),
        },
        objectTypes: endpoint.objectTypes,
      };
    },
    setEnabled: (tenantId, enabled) => change(tenantId, (endpoint) => ({ ...endpoint, enabled })),
    async newAimairaCredentials(tenantId) {
      // 256 random bits: a secret nobody guesses, printable for Aimaira's team.
      const clientSecret = randomBytes(32).toString('base64url');
      const clientId = `aimaira-edusign-${tenantId}`;
      const sealed = await seal(tenantId, 'aimaira.clientSecret', clientSecret);
      await change(tenantId, (endpoint) => ({
        ...endpoint,
        aimaira: { ...endpoint.aimaira, clientId, clientSecret: sealed },
      }));
      return { clientId, clientSecret };
    },
    setObjectTypes: (tenantId, objectTypes) => change(tenantId, (endpoint) => ({ ...endpoint, objectTypes })),
    setAimairaCustomerName: (tenantId, customerName) =>
      change(tenantId, (endpoint) => ({ ...endpoint, aimaira: { ...endpoint.aimaira, customerName } })),
    setEdusign: (tenantId, edit) =>
      change(tenantId, async (endpoint) => ({
        ...endpoint,
        edusign: {
          schoolId: edit.schoolId === undefined ? endpoint.edusign.schoolId : edit.schoolId,
          clientSecret:
            edit.clientSecret === undefined
              ? endpoint.edusign.clientSecret
              : await seal(tenantId, 'edusign.clientSecret', edit.clientSecret),
        },
      })),
  };
}
