/**
 * The webhooks in the store: the Kysely adapter of the port's `WebhookStore` (src/store/port.ts), next to the state
 * store, over the same Kysely database. Each tenant's receiving endpoints, their secrets sealed by the caller (the
 * store never opens one), and the inbox of the messages received: a message is recorded before its sender is
 * answered, so an accepted message survives a crash until a run has acted on it.
 */
import type { Kysely } from 'kysely';

import { maxBoundValues } from './kysely-store.js';
import { webhookSources } from './port.js';
import type { WebhookMessage, WebhookSource, WebhookStore } from './port.js';
import { DbWebhookEndpoint, DbWebhookMessage } from './schema.js';
import type { Database } from './schema.js';

/** The sealed secrets of an endpoint, as `reencryptWebhookSecrets` names them to its `reseal`. */
export const webhookSecretFields = ['aimaira.clientSecret', 'edusign.clientSecret'] as const;
export type WebhookSecretField = (typeof webhookSecretFields)[number];

function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`A list limit must be a whole number ≥ 0: ${limit}`);
  return limit;
}

/** Instants are compared as text (ISO, as toISOString writes them): anything else would compare wrongly. */
function checkInstant(at: string): string {
  if (Number.isNaN(Date.parse(at))) throw new RangeError(`Not an ISO instant: ${at}`);
  return at;
}

/** The webhook store over a migrated database (see `migrateToLatest`); it does not own `db`. */
export function createWebhookStore(db: Kysely<Database>): WebhookStore {
  return {
    async getWebhookEndpoint(tenantId) {
      const row = await db
        .selectFrom('webhook_endpoints')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .executeTakeFirst();
      return row === undefined ? undefined : DbWebhookEndpoint.from(row);
    },

    async listWebhookEndpoints() {
      const rows = await db.selectFrom('webhook_endpoints').selectAll().orderBy('tenant_id').execute();
      return rows.map((row) => DbWebhookEndpoint.from(row));
    },

    async saveWebhookEndpoint(endpoint) {
      await db
        .insertInto('webhook_endpoints')
        .values(DbWebhookEndpoint.to(endpoint))
        .onConflict((conflict) =>
          conflict.column('tenant_id').doUpdateSet((eb) => ({
            enabled: eb.ref('excluded.enabled'),
            aimaira_customer_name: eb.ref('excluded.aimaira_customer_name'),
            aimaira_client_id: eb.ref('excluded.aimaira_client_id'),
            aimaira_client_secret: eb.ref('excluded.aimaira_client_secret'),
            edusign_school_id: eb.ref('excluded.edusign_school_id'),
            edusign_client_secret: eb.ref('excluded.edusign_client_secret'),
            object_types: eb.ref('excluded.object_types'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .execute();
    },

    async recordWebhookMessage(message) {
      checkInstant(message.receivedAt);
      // One statement, committed when it returns (autocommit): the caller may then answer the sender.
      const row = await db
        .insertInto('webhook_messages')
        .values(DbWebhookMessage.to({ ...message, processedAt: null }))
        .returningAll()
        .executeTakeFirstOrThrow();
      return DbWebhookMessage.from(row);
    },

    async pendingWebhookMessages(tenantId, limit) {
      const rows = await db
        .selectFrom('webhook_messages')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('processed_at', 'is', null)
        .orderBy('received_at')
        .orderBy('id')
        .limit(checkLimit(limit))
        .execute();
      return rows.map((row) => DbWebhookMessage.from(row));
    },

    async tenantsWithPendingWebhookMessages() {
      const rows = await db
        .selectFrom('webhook_messages')
        .select((eb) => ['tenant_id', eb.fn.min('received_at').as('oldest')])
        .where('processed_at', 'is', null)
        .groupBy('tenant_id')
        .orderBy('oldest')
        .orderBy('tenant_id')
        .execute();
      return rows.map((row) => ({ tenantId: row.tenant_id, oldest: row.oldest }));
    },

    async markWebhookMessagesProcessed(ids, at) {
      checkInstant(at);
      const unique = [...new Set(ids)];
      if (unique.length === 0) return 0;
      // Only pending rows are set: of two processes marking the same messages, each row counts for one of them.
      // One transaction, so that a long list is marked all at once or not at all.
      return db.transaction().execute(async (trx) => {
        let marked = 0;
        for (let index = 0; index < unique.length; index += maxBoundValues - 1) {
          const chunk = unique.slice(index, index + maxBoundValues - 1);
          const result = await trx
            .updateTable('webhook_messages')
            .set({ processed_at: at })
            .where('id', 'in', chunk)
            .where('processed_at', 'is', null)
            .executeTakeFirst();
          marked += Number(result.numUpdatedRows);
        }
        return marked;
      });
    },

    async lastWebhookMessages(tenantId) {
      const last: Partial<Record<WebhookSource, WebhookMessage>> = {};
      for (const source of webhookSources) {
        const row = await db
          .selectFrom('webhook_messages')
          .selectAll()
          .where('tenant_id', '=', tenantId)
          .where('source', '=', source)
          .orderBy('received_at', 'desc')
          .orderBy('id', 'desc')
          .limit(1)
          .executeTakeFirst();
        if (row !== undefined) last[source] = DbWebhookMessage.from(row);
      }
      return last;
    },

    async deleteProcessedWebhookMessages(before) {
      checkInstant(before);
      // Never a pending one, whatever its age: it is the only copy of a message its sender was told was accepted.
      const result = await db
        .deleteFrom('webhook_messages')
        .where('processed_at', 'is not', null)
        .where('received_at', '<', before)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async reencryptWebhookSecrets(reseal) {
      // One transaction: a `reseal` that throws half-way leaves every secret sealed as it was, never some with the
      // old key and some with the new.
      return db.transaction().execute(async (trx) => {
        const rows = await trx
          .selectFrom('webhook_endpoints')
          .select(['tenant_id', 'aimaira_client_secret', 'edusign_client_secret'])
          .orderBy('tenant_id')
          .execute();
        let count = 0;
        for (const row of rows) {
          const next = (field: WebhookSecretField, sealed: string | null): string | null => {
            if (sealed === null) return null;
            count++;
            return reseal(sealed, row.tenant_id, field);
          };
          const aimairaClientSecret = next('aimaira.clientSecret', row.aimaira_client_secret);
          const edusignClientSecret = next('edusign.clientSecret', row.edusign_client_secret);
          if (aimairaClientSecret === null && edusignClientSecret === null) continue;
          await trx
            .updateTable('webhook_endpoints')
            .set({ aimaira_client_secret: aimairaClientSecret, edusign_client_secret: edusignClientSecret })
            .where('tenant_id', '=', row.tenant_id)
            .execute();
        }
        return count;
      });
    },
  };
}
