/**
 * The tenants of the service in the state store: the Kysely adapter of the port's `TenantStore` (src/store/port.ts),
 * next to the sync's `StateStore`, over the same Kysely database. The store holds secrets only sealed (encrypted by
 * src/service/secrets.ts); it never sees a plaintext secret and has no key to make one.
 */
import type { Insertable, Kysely, Selectable, Transaction } from 'kysely';

import { tenantStatuses } from './port.js';
import type { SecretField, StoredTenant, TenantRecord, TenantStatus, TenantStore } from './port.js';
import { StateStoreError } from './schema.js';
import type { Database, TenantsTable } from './schema.js';

// The port's types, re-exported so that imports of them from here keep working.
export { secretFields, tenantStatuses } from './port.js';
export type { SealedSecret, SecretField, StoredTenant, TenantRecord, TenantStatus, TenantStore } from './port.js';

type TenantRow = Selectable<TenantsTable>;

function readStatus(value: string): TenantStatus {
  const status = tenantStatuses.find((candidate) => candidate === value);
  if (status === undefined) {
    throw new StateStoreError(`State store row of tenants has the unknown value "${value}" in status`);
  }
  return status;
}

function readOptions(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new StateStoreError('State store row of tenants has text that is not JSON in options');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new StateStoreError('State store row of tenants has JSON that is not an object in options');
  }
  return value as Record<string, unknown>;
}

export const DbTenant = {
  to(tenant: StoredTenant): Insertable<TenantsTable> {
    return {
      id: tenant.id,
      aimaira_url: tenant.aimaira.url,
      aimaira_username: tenant.aimaira.username,
      aimaira_password: tenant.aimaira.password,
      aimaira_api_key: tenant.aimaira.apiKey,
      edusign_url: tenant.edusign.url,
      edusign_api_key: tenant.edusign.apiKey,
      options: JSON.stringify(tenant.options),
      status: tenant.status,
      paused_reason: tenant.status === 'paused' ? tenant.pausedReason : null,
      paused_at: tenant.status === 'paused' ? tenant.pausedAt : null,
      created_at: tenant.createdAt,
      updated_at: tenant.updatedAt,
    };
  },
  from(row: TenantRow): StoredTenant {
    return {
      id: row.id,
      aimaira: {
        url: row.aimaira_url,
        username: row.aimaira_username,
        password: row.aimaira_password,
        apiKey: row.aimaira_api_key,
      },
      edusign: { url: row.edusign_url, apiKey: row.edusign_api_key },
      options: readOptions(row.options),
      status: readStatus(row.status),
      pausedReason: row.paused_reason,
      pausedAt: row.paused_at,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  },
};

async function upsert(db: Kysely<Database> | Transaction<Database>, tenant: TenantRecord, at: string): Promise<void> {
  await db
    .insertInto('tenants')
    .values(DbTenant.to({ ...tenant, createdAt: at, updatedAt: at }))
    .onConflict((conflict) =>
      // Everything but created_at: a tenant keeps the date it was first added.
      conflict.column('id').doUpdateSet((eb) => ({
        aimaira_url: eb.ref('excluded.aimaira_url'),
        aimaira_username: eb.ref('excluded.aimaira_username'),
        aimaira_password: eb.ref('excluded.aimaira_password'),
        aimaira_api_key: eb.ref('excluded.aimaira_api_key'),
        edusign_url: eb.ref('excluded.edusign_url'),
        edusign_api_key: eb.ref('excluded.edusign_api_key'),
        options: eb.ref('excluded.options'),
        status: eb.ref('excluded.status'),
        paused_reason: eb.ref('excluded.paused_reason'),
        paused_at: eb.ref('excluded.paused_at'),
        updated_at: eb.ref('excluded.updated_at'),
      })),
    )
    .execute();
}

/** The tenant store over a migrated database (see `migrateToLatest`); it does not own `db`. */
export function createTenantStore(db: Kysely<Database>): TenantStore {
  return {
    async list() {
      const rows = await db.selectFrom('tenants').selectAll().orderBy('id').execute();
      return rows.map((row) => DbTenant.from(row));
    },

    async get(id) {
      const row = await db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : DbTenant.from(row);
    },

    async put(tenant, at) {
      await upsert(db, tenant, at);
    },

    async putAll(tenants, at) {
      if (tenants.length === 0) return;
      await db.transaction().execute(async (trx) => {
        for (const tenant of tenants) await upsert(trx, tenant, at);
      });
    },

    async remove(id) {
      const result = await db.deleteFrom('tenants').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    async setStatus(id, status, reason, at) {
      const result = await db
        .updateTable('tenants')
        .set({
          status,
          paused_reason: status === 'paused' ? reason : null,
          paused_at: status === 'paused' ? at : null,
          updated_at: at,
        })
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async reencryptAll(reseal) {
      return db.transaction().execute(async (trx) => {
        const rows = await trx.selectFrom('tenants').selectAll().orderBy('id').execute();
        let count = 0;
        for (const row of rows) {
          const next = (field: SecretField, sealed: string | null): string | null => {
            if (sealed === null) return null;
            count++;
            return reseal({ tenantId: row.id, field, sealed });
          };
          const aimairaPassword = next('aimaira.password', row.aimaira_password);
          const aimairaApiKey = next('aimaira.apiKey', row.aimaira_api_key);
          const edusignApiKey = next('edusign.apiKey', row.edusign_api_key) ?? row.edusign_api_key;
          await trx
            .updateTable('tenants')
            .set({
              aimaira_password: aimairaPassword,
              aimaira_api_key: aimairaApiKey,
              edusign_api_key: edusignApiKey,
            })
            .where('id', '=', row.id)
            .execute();
        }
        return count;
      });
    },
  };
}
