/**
 * The contract of the webhook store, run by each adapter's test file against a real database
 * (`describeWebhookStoreContract('SQLite file', () => openSqliteStore(...))`). Each test gets a fresh, empty,
 * migrated store and closes it afterwards.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { NewWebhookMessage, WebhookEndpoint, WebhookMessage, WebhookStore } from './port.js';

const t0 = '2026-03-02T08:00:00.000Z';
const t1 = '2026-03-02T09:30:00.000Z';
const t2 = '2026-03-03T07:15:00.000Z';
const t3 = '2026-03-04T07:15:00.000Z';

function anEndpoint(overrides: Partial<WebhookEndpoint> = {}): WebhookEndpoint {
  return {
    tenantId: 'acme',
    enabled: true,
    aimaira: { customerName: 'ACME Formation', clientId: 'aimaira-acme', clientSecret: 'v1:k1:aimaira-sealed' },
    edusign: { schoolId: 'school-42', clientSecret: 'v1:k1:edusign-sealed' },
    objectTypes: { Planification: 'ACME_T_PLANIFICATION', Apprenant: 'ACME_T_APPRENANT' },
    updatedAt: t0,
    ...overrides,
  };
}

function aMessage(overrides: Partial<NewWebhookMessage> = {}): NewWebhookMessage {
  return {
    tenantId: 'acme',
    source: 'aimaira',
    receivedAt: t0,
    event: 'Planification_Update',
    objectType: 'ACME_T_PLANIFICATION',
    objectId: '1234',
    hashOk: true,
    ...overrides,
  };
}

const ids = (messages: readonly WebhookMessage[]) => messages.map((message) => message.id);

export interface WebhookStoreHolder {
  readonly webhooks: WebhookStore;
  close(): Promise<void>;
}

export function describeWebhookStoreContract(name: string, makeStore: () => Promise<WebhookStoreHolder>): void {
  describe(`${name}: webhook store contract`, () => {
    let holder: WebhookStoreHolder;
    let store: WebhookStore;

    beforeEach(async () => {
      holder = await makeStore();
      store = holder.webhooks;
    });

    afterEach(async () => {
      await holder.close();
    });

    describe('endpoints', () => {
      it('starts with no endpoint and no message', async () => {
        expect(await store.getWebhookEndpoint('acme')).toBeUndefined();
        expect(await store.pendingWebhookMessages('acme', 10)).toEqual([]);
        expect(await store.tenantsWithPendingWebhookMessages()).toEqual([]);
        expect(await store.lastWebhookMessages('acme')).toEqual({});
      });

      it('gives an endpoint back as saved, its object types a JSON object, and no other tenant’s', async () => {
        const endpoint = anEndpoint();
        await store.saveWebhookEndpoint(endpoint);
        expect(await store.getWebhookEndpoint('acme')).toEqual(endpoint);
        expect(await store.getWebhookEndpoint('beta')).toBeUndefined();
      });

      it('lists every endpoint by tenant', async () => {
        expect(await store.listWebhookEndpoints()).toEqual([]);
        await store.saveWebhookEndpoint(anEndpoint({ tenantId: 'zeta' }));
        await store.saveWebhookEndpoint(anEndpoint({ tenantId: 'acme' }));
        expect((await store.listWebhookEndpoints()).map((endpoint) => endpoint.tenantId)).toEqual(['acme', 'zeta']);
      });

      it('replaces the whole endpoint when saved again, nulls and an empty object included', async () => {
        await store.saveWebhookEndpoint(anEndpoint());
        await store.saveWebhookEndpoint(anEndpoint({ tenantId: 'beta' }));
        const replaced = anEndpoint({
          enabled: false,
          aimaira: { customerName: null, clientId: null, clientSecret: null },
          edusign: { schoolId: null, clientSecret: null },
          objectTypes: {},
          updatedAt: t1,
        });
        await store.saveWebhookEndpoint(replaced);
        expect(await store.getWebhookEndpoint('acme')).toEqual(replaced);
        expect(await store.getWebhookEndpoint('beta')).toEqual(anEndpoint({ tenantId: 'beta' }));
      });
    });

    describe('messages', () => {
      it('records a message and gives it back numbered, pending, as it was received', async () => {
        const first = await store.recordWebhookMessage(aMessage());
        const second = await store.recordWebhookMessage(
          aMessage({ source: 'edusign', event: 'course.locked', objectType: null, objectId: 'c-9', hashOk: null }),
        );
        expect(first).toEqual({ ...aMessage(), id: expect.any(Number) as number, processedAt: null });
        expect(second).toMatchObject({ source: 'edusign', objectType: null, hashOk: null, processedAt: null });
        expect(second.id).toBeGreaterThan(first.id);
        expect(await store.pendingWebhookMessages('acme', 10)).toEqual([first, second]);
      });

      it('keeps a hash that did not match as false, apart from one not checked', async () => {
        const failed = await store.recordWebhookMessage(aMessage({ hashOk: false }));
        const unchecked = await store.recordWebhookMessage(aMessage({ hashOk: null }));
        expect((await store.pendingWebhookMessages('acme', 10)).map((message) => message.hashOk)).toEqual([
          false,
          null,
        ]);
        expect([failed.hashOk, unchecked.hashOk]).toEqual([false, null]);
      });

      it("lists a tenant's pending messages oldest first (then in the order recorded), up to the limit", async () => {
        const late = await store.recordWebhookMessage(aMessage({ receivedAt: t2 }));
        const early = await store.recordWebhookMessage(aMessage({ receivedAt: t0 }));
        const sameInstant = await store.recordWebhookMessage(aMessage({ receivedAt: t0, objectId: '2' }));
        await store.recordWebhookMessage(aMessage({ tenantId: 'beta', receivedAt: t0 }));
        const processed = await store.recordWebhookMessage(aMessage({ receivedAt: t0, objectId: '3' }));
        expect(await store.markWebhookMessagesProcessed([processed.id], t3)).toBe(1);

        expect(ids(await store.pendingWebhookMessages('acme', 10))).toEqual([early.id, sameInstant.id, late.id]);
        expect(ids(await store.pendingWebhookMessages('acme', 2))).toEqual([early.id, sameInstant.id]);
        expect(await store.pendingWebhookMessages('acme', 0)).toEqual([]);
        expect(await store.pendingWebhookMessages('nobody', 10)).toEqual([]);
        await expect(store.pendingWebhookMessages('acme', -1)).rejects.toThrow(RangeError);
      });

      it('marks pending messages processed once: marked again, they count for nothing', async () => {
        const a = await store.recordWebhookMessage(aMessage());
        const b = await store.recordWebhookMessage(aMessage({ objectId: '2' }));
        const c = await store.recordWebhookMessage(aMessage({ objectId: '3' }));
        expect(await store.markWebhookMessagesProcessed([a.id, b.id], t1)).toBe(2);
        expect(await store.markWebhookMessagesProcessed([a.id, b.id, c.id, c.id], t2)).toBe(1);
        expect(await store.markWebhookMessagesProcessed([a.id, b.id, c.id], t3)).toBe(0);
        expect(await store.markWebhookMessagesProcessed([], t3)).toBe(0);
        expect(await store.markWebhookMessagesProcessed([999_999], t3)).toBe(0);
        expect(await store.pendingWebhookMessages('acme', 10)).toEqual([]);
        // The first marking stays: a message was processed when it first was.
        const last = await store.lastWebhookMessages('acme');
        expect(last.aimaira).toEqual({ ...c, processedAt: t2 });
      });

      it('counts each message once when two processes mark the same ones at once', async () => {
        const recorded = await Promise.all(
          [1, 2, 3, 4, 5].map((n) => store.recordWebhookMessage(aMessage({ objectId: String(n) }))),
        );
        const counts = await Promise.all([
          store.markWebhookMessagesProcessed(ids(recorded), t1),
          store.markWebhookMessagesProcessed(ids(recorded), t1),
          store.markWebhookMessagesProcessed(ids(recorded).reverse(), t1),
        ]);
        expect(counts.reduce((sum, count) => sum + count, 0)).toBe(5);
      });

      it('marks a list of ids longer than one statement may bind', async () => {
        const a = await store.recordWebhookMessage(aMessage());
        const b = await store.recordWebhookMessage(aMessage({ objectId: '2' }));
        const many = Array.from({ length: 2_500 }, (_, index) => index + 1);
        expect(many).toContain(a.id);
        expect(many).toContain(b.id);
        expect(await store.markWebhookMessagesProcessed(many, t1)).toBe(2);
        expect(await store.pendingWebhookMessages('acme', 10)).toEqual([]);
      });

      it('lists the tenants with pending messages, each with its oldest pending reception, oldest first', async () => {
        await store.recordWebhookMessage(aMessage({ tenantId: 'acme', receivedAt: t2 }));
        await store.recordWebhookMessage(aMessage({ tenantId: 'acme', receivedAt: t1 }));
        const done = await store.recordWebhookMessage(aMessage({ tenantId: 'acme', receivedAt: t0 }));
        await store.recordWebhookMessage(aMessage({ tenantId: 'beta', receivedAt: t0, source: 'edusign' }));
        await store.recordWebhookMessage(aMessage({ tenantId: 'beta', receivedAt: t3 }));
        const gammaDone = await store.recordWebhookMessage(aMessage({ tenantId: 'gamma', receivedAt: t0 }));
        await store.markWebhookMessagesProcessed([done.id, gammaDone.id], t3);

        expect(await store.tenantsWithPendingWebhookMessages()).toEqual([
          { tenantId: 'beta', oldest: t0 },
          { tenantId: 'acme', oldest: t1 },
        ]);
      });

      it("gives the tenant's newest message of each source, processed or not, and none of a source it never got", async () => {
        await store.recordWebhookMessage(aMessage({ receivedAt: t0 }));
        const newest = await store.recordWebhookMessage(aMessage({ receivedAt: t2, objectId: 'newest' }));
        await store.recordWebhookMessage(aMessage({ receivedAt: t1 }));
        await store.recordWebhookMessage(aMessage({ tenantId: 'beta', receivedAt: t3 }));
        await store.markWebhookMessagesProcessed([newest.id], t3);
        expect(await store.lastWebhookMessages('acme')).toEqual({ aimaira: { ...newest, processedAt: t3 } });

        const edusign = await store.recordWebhookMessage(
          aMessage({ source: 'edusign', receivedAt: t1, event: 'course.locked', objectType: null, hashOk: null }),
        );
        expect(await store.lastWebhookMessages('acme')).toEqual({
          aimaira: { ...newest, processedAt: t3 },
          edusign,
        });
        expect(await store.lastWebhookMessages('nobody')).toEqual({});
      });

      it('deletes only the processed messages received before the cutoff, never a pending one', async () => {
        const oldDone = await store.recordWebhookMessage(aMessage({ receivedAt: t0 }));
        const oldPending = await store.recordWebhookMessage(aMessage({ receivedAt: t0, objectId: '2' }));
        const atCutoffDone = await store.recordWebhookMessage(aMessage({ receivedAt: t2, objectId: '3' }));
        const otherTenantDone = await store.recordWebhookMessage(aMessage({ tenantId: 'beta', receivedAt: t1 }));
        await store.markWebhookMessagesProcessed([oldDone.id, atCutoffDone.id, otherTenantDone.id], t3);

        expect(await store.deleteProcessedWebhookMessages(t2)).toBe(2);
        expect(await store.deleteProcessedWebhookMessages(t2)).toBe(0);
        expect(ids(await store.pendingWebhookMessages('acme', 10))).toEqual([oldPending.id]);
        expect(await store.lastWebhookMessages('acme')).toEqual({ aimaira: { ...atCutoffDone, processedAt: t3 } });
        expect(await store.lastWebhookMessages('beta')).toEqual({});
        await expect(store.deleteProcessedWebhookMessages('not an instant')).rejects.toThrow(RangeError);
      });
    });

    describe('secrets', () => {
      it('reseals every sealed secret of every endpoint, skipping empty ones, and counts them', async () => {
        await store.saveWebhookEndpoint(anEndpoint());
        await store.saveWebhookEndpoint(
          anEndpoint({ tenantId: 'beta', edusign: { schoolId: 'school-7', clientSecret: null } }),
        );
        await store.saveWebhookEndpoint(
          anEndpoint({
            tenantId: 'gamma',
            aimaira: { customerName: null, clientId: null, clientSecret: null },
            edusign: { schoolId: null, clientSecret: null },
          }),
        );
        const calls: string[] = [];
        const count = await store.reencryptWebhookSecrets((sealed, tenantId, field) => {
          calls.push(`${tenantId} ${field} ${sealed}`);
          return `new(${sealed})`;
        });

        expect(count).toBe(3);
        expect(calls.sort()).toEqual([
          'acme aimaira.clientSecret v1:k1:aimaira-sealed',
          'acme edusign.clientSecret v1:k1:edusign-sealed',
          'beta aimaira.clientSecret v1:k1:aimaira-sealed',
        ]);
        expect(await store.getWebhookEndpoint('acme')).toEqual(
          anEndpoint({
            aimaira: { ...anEndpoint().aimaira, clientSecret: 'new(v1:k1:aimaira-sealed)' },
            edusign: { ...anEndpoint().edusign, clientSecret: 'new(v1:k1:edusign-sealed)' },
          }),
        );
        expect(await store.getWebhookEndpoint('beta')).toMatchObject({
          aimaira: { clientSecret: 'new(v1:k1:aimaira-sealed)' },
          edusign: { schoolId: 'school-7', clientSecret: null },
        });
        expect(await store.getWebhookEndpoint('gamma')).toMatchObject({
          aimaira: { clientSecret: null },
          edusign: { clientSecret: null },
        });
      });

      it('changes no secret at all when resealing one of them fails', async () => {
        await store.saveWebhookEndpoint(anEndpoint());
        await store.saveWebhookEndpoint(anEndpoint({ tenantId: 'beta' }));
        let calls = 0;
        await expect(
          store.reencryptWebhookSecrets((sealed) => {
            calls++;
            if (calls === 3) throw new Error('wrong key');
            return `new(${sealed})`;
          }),
        ).rejects.toThrow('wrong key');
        expect(calls).toBe(3);
        expect(await store.getWebhookEndpoint('acme')).toEqual(anEndpoint());
        expect(await store.getWebhookEndpoint('beta')).toEqual(anEndpoint({ tenantId: 'beta' }));
      });

      it('reseals nothing, and says so, when no endpoint is saved', async () => {
        expect(await store.reencryptWebhookSecrets(() => 'x')).toBe(0);
      });
    });
  });
}
