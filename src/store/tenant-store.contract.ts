/**
 * The contract of the tenant store, run by each adapter's test file against a real database
 * (`describeTenantStoreContract('SQLite file', () => openSqliteStore(...))`). Each test gets a fresh, empty,
 * migrated store and closes it afterwards.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { StoredTenant, TenantRecord, TenantStore } from './tenant-store.js';

const t0 = '2026-03-02T08:00:00.000Z';
const t1 = '2026-03-02T09:30:00.000Z';
const t2 = '2026-03-03T07:15:00.000Z';

function aTenant(overrides: Partial<TenantRecord> = {}): TenantRecord {
  return {
    id: 'acme',
    aimaira: {
      url: 'https://graphacme.aimaira.net/GraphV1',
      username: 'ACME\\api@aimaira.fr',
      password: 'v1:k1:sealed-password',
      apiKey: null,
    },
    edusign: { url: 'https://ext.edusign.fr', apiKey: 'v1:k1:sealed-edusign' },
    options: { sendAttendance: true, structures: [3, 4], defaultProfsForEvenementsCommun: 'prof-1' },
    status: 'active',
    pausedReason: null,
    pausedAt: null,
    ...overrides,
  };
}

export interface TenantStoreHolder {
  readonly tenants: TenantStore;
  close(): Promise<void>;
}

export function describeTenantStoreContract(name: string, makeStore: () => Promise<TenantStoreHolder>): void {
  describe(`${name}: tenant store contract`, () => {
    let holder: TenantStoreHolder;
    let store: TenantStore;

    beforeEach(async () => {
      holder = await makeStore();
      store = holder.tenants;
    });

    afterEach(async () => {
      await holder.close();
    });

    it('starts empty', async () => {
      expect(await store.list()).toEqual([]);
      expect(await store.get('acme')).toBeUndefined();
    });

    it('puts and gets a tenant as given, with its dates', async () => {
      await store.put(aTenant(), t0);
      const expected: StoredTenant = { ...aTenant(), createdAt: t0, updatedAt: t0 };
      expect(await store.get('acme')).toEqual(expected);
      expect(await store.list()).toEqual([expected]);
    });

    it('replaces a tenant on a second put, keeping the date it was added', async () => {
      await store.put(aTenant(), t0);
      const changed = aTenant({
        aimaira: { url: 'https://other.aimaira.net/GraphV1', username: null, password: null, apiKey: 'v1:k2:key' },
        options: {},
      });
      await store.put(changed, t1);
      expect(await store.get('acme')).toEqual({ ...changed, createdAt: t0, updatedAt: t1 });
    });

    it('lists tenants by id and keeps them apart', async () => {
      await store.put(aTenant({ id: 'zeta' }), t0);
      await store.put(aTenant({ id: 'alpha', edusign: { url: 'https://ext.edusign.fr', apiKey: 'v1:k1:alpha' } }), t1);
      const tenants = await store.list();
      expect(tenants.map((tenant) => tenant.id)).toEqual(['alpha', 'zeta']);
      expect(tenants[0]?.edusign.apiKey).toBe('v1:k1:alpha');
      expect(tenants[1]?.edusign.apiKey).toBe('v1:k1:sealed-edusign');
    });

    it('puts many in one go, all or none', async () => {
      await store.putAll([aTenant({ id: 'a' }), aTenant({ id: 'b' })], t0);
      expect((await store.list()).map((tenant) => tenant.id)).toEqual(['a', 'b']);
      // A row the database refuses (NOT NULL) after a good one: neither is written.
      const broken = aTenant({
        id: 'd',
        edusign: { url: 'https://ext.edusign.fr', apiKey: null as unknown as string },
      });
      await expect(store.putAll([aTenant({ id: 'c' }), broken], t1)).rejects.toThrow();
      expect((await store.list()).map((tenant) => tenant.id)).toEqual(['a', 'b']);
      await store.putAll([], t1);
    });

    it('removes a tenant, and says whether there was one', async () => {
      await store.put(aTenant(), t0);
      expect(await store.remove('acme')).toBe(true);
      expect(await store.remove('acme')).toBe(false);
      expect(await store.get('acme')).toBeUndefined();
    });

    it('pauses with a reason and resumes, the reason going with the pause', async () => {
      await store.put(aTenant(), t0);
      expect(await store.setStatus('acme', 'paused', 'the last 3 runs failed: bad credentials', t1)).toBe(true);
      expect(await store.get('acme')).toMatchObject({
        status: 'paused',
        pausedReason: 'the last 3 runs failed: bad credentials',
        pausedAt: t1,
        updatedAt: t1,
        createdAt: t0,
      });
      expect(await store.setStatus('acme', 'active', 'ignored', t2)).toBe(true);
      expect(await store.get('acme')).toMatchObject({ status: 'active', pausedReason: null, pausedAt: null });
      expect(await store.setStatus('nobody', 'paused', 'x', t2)).toBe(false);
    });

    it('re-encrypts every sealed secret, and only those, in one pass', async () => {
      await store.put(aTenant({ id: 'a' }), t0);
      await store.put(
        aTenant({
          id: 'b',
          aimaira: { url: 'https://b.example', username: null, password: null, apiKey: 'v1:k1:b-key' },
        }),
        t0,
      );
      const seen: string[] = [];
      const count = await store.reencryptAll((secret) => {
        seen.push(`${secret.tenantId} ${secret.field} ${secret.sealed}`);
        return `${secret.sealed}+`;
      });
      expect(count).toBe(4);
      expect(seen.sort()).toEqual([
        'a aimaira.password v1:k1:sealed-password',
        'a edusign.apiKey v1:k1:sealed-edusign',
        'b aimaira.apiKey v1:k1:b-key',
        'b edusign.apiKey v1:k1:sealed-edusign',
      ]);
      const a = await store.get('a');
      const b = await store.get('b');
      expect(a?.aimaira).toMatchObject({ password: 'v1:k1:sealed-password+', apiKey: null });
      expect(a?.edusign.apiKey).toBe('v1:k1:sealed-edusign+');
      expect(b?.aimaira).toMatchObject({ password: null, apiKey: 'v1:k1:b-key+' });
      // The configuration did not change.
      expect(a?.updatedAt).toBe(t0);
    });

    it('re-encrypts nothing when one secret fails: the transaction is all or none', async () => {
      await store.put(aTenant({ id: 'a' }), t0);
      await store.put(aTenant({ id: 'b' }), t0);
      await expect(
        store.reencryptAll((secret) => {
          if (secret.tenantId === 'b') throw new Error('cannot open');
          return 'v1:k2:new';
        }),
      ).rejects.toThrow('cannot open');
      expect((await store.get('a'))?.aimaira.password).toBe('v1:k1:sealed-password');
      expect(await store.reencryptAll((secret) => secret.sealed)).toBe(4);
    });
  });
}
