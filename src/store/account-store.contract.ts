/**
 * The contract of the account store, run by each adapter's test file against a real database
 * (`describeAccountStoreContract('SQLite file', () => openSqliteStore(...))`). Each test gets a fresh, empty,
 * migrated store and closes it afterwards.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { AccountStore, AuditEntry, NewAuditEntry, NewUser } from './port.js';
import { DuplicateAccountError } from './schema.js';

const t0 = '2026-03-02T08:00:00.000Z';
const t1 = '2026-03-02T09:30:00.000Z';
const t2 = '2026-03-03T07:15:00.000Z';
const t3 = '2026-03-04T07:15:00.000Z';

function aUser(overrides: Partial<NewUser> = {}): NewUser {
  return { email: 'marie@example.org', operator: false, grants: [{ tenantId: 'acme', role: 'manager' }], ...overrides };
}

function anEntry(overrides: Partial<NewAuditEntry> = {}): NewAuditEntry {
  return {
    at: t0,
    actorId: 1,
    actorEmail: 'marie@example.org',
    via: 'dashboard',
    address: '203.0.113.7',
    tenantId: 'acme',
    action: 'options.update',
    detail: { options: { horizonDays: [14, 7] } },
    ...overrides,
  };
}

export interface AccountStoreHolder {
  readonly accounts: AccountStore;
  close(): Promise<void>;
}

export function describeAccountStoreContract(name: string, makeStore: () => Promise<AccountStoreHolder>): void {
  describe(`${name}: account store contract`, () => {
    let holder: AccountStoreHolder;
    let store: AccountStore;

    beforeEach(async () => {
      holder = await makeStore();
      store = holder.accounts;
    });

    afterEach(async () => {
      await holder.close();
    });

    describe('users', () => {
      it('starts with no account', async () => {
        expect(await store.countUsers()).toBe(0);
        expect(await store.listUsers()).toEqual([]);
        expect(await store.getUser(1)).toBeUndefined();
        expect(await store.getUserByEmail('marie@example.org')).toBeUndefined();
      });

      it('creates an account with its grants, enabled, its e-mail in lower case, and reads it back by id', async () => {
        const user = await store.createUser(
          aUser({
            email: 'Marie@Example.ORG',
            grants: [
              { tenantId: 'zeta', role: 'viewer' },
              { tenantId: 'acme', role: 'manager' },
            ],
          }),
          t0,
        );
        expect(user).toEqual({
          id: expect.any(Number) as number,
          email: 'marie@example.org',
          operator: false,
          grants: [
            { tenantId: 'acme', role: 'manager' },
            { tenantId: 'zeta', role: 'viewer' },
          ],
          disabled: false,
          passwordHash: null,
          lang: null,
          alerts: [],
          createdAt: t0,
          updatedAt: t0,
        });
        expect(await store.getUser(user.id)).toEqual(user);
        expect(await store.countUsers()).toBe(1);
      });

      it('keeps the password hash, language and alerts it is given', async () => {
        const user = await store.createUser(
          aUser({ passwordHash: 'scrypt$abc', lang: 'en', alerts: ['failing', 'recovered'] }),
          t0,
        );
        expect(await store.getUser(user.id)).toMatchObject({
          passwordHash: 'scrypt$abc',
          lang: 'en',
          alerts: ['failing', 'recovered'],
        });
      });

      it('finds an account by its e-mail written in any case', async () => {
        const user = await store.createUser(aUser(), t0);
        expect(await store.getUserByEmail('MARIE@example.org')).toEqual(user);
        expect(await store.getUserByEmail('marie@example.org')).toEqual(user);
        expect(await store.getUserByEmail('pierre@example.org')).toBeUndefined();
      });

      it('refuses a second account for an e-mail in any case, without naming it, and writes nothing of it', async () => {
        await store.createUser(aUser(), t0);
        const error: unknown = await store
          .createUser(aUser({ email: 'MARIE@EXAMPLE.org', grants: [{ tenantId: 'other', role: 'viewer' }] }), t1)
          .catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(DuplicateAccountError);
        expect((error as Error).message).toBe('An account with this e-mail exists');
        expect((error as Error).message.toLowerCase()).not.toContain('marie');
        expect(await store.countUsers()).toBe(1);
        expect(await store.listTenantUsers('other')).toEqual([]);
      });

      it('replaces all the grants of an account on update, and changes only what it is given', async () => {
        const user = await store.createUser(
          aUser({
            passwordHash: 'scrypt$old',
            grants: [
              { tenantId: 'acme', role: 'manager' },
              { tenantId: 'beta', role: 'viewer' },
            ],
          }),
          t0,
        );
        const updated = await store.updateUser(user.id, { grants: [{ tenantId: 'gamma', role: 'viewer' }] }, t1);
        expect(updated).toEqual({ ...user, grants: [{ tenantId: 'gamma', role: 'viewer' }], updatedAt: t1 });
        expect(await store.getUser(user.id)).toEqual(updated);
        expect(await store.listTenantUsers('acme')).toEqual([]);
      });

      it('keeps the grants of an account when an update does not name them', async () => {
        const user = await store.createUser(aUser(), t0);
        const updated = await store.updateUser(
          user.id,
          { disabled: true, passwordHash: null, lang: 'fr', alerts: ['paused'], operator: true },
          t1,
        );
        expect(updated).toEqual({
          ...user,
          disabled: true,
          passwordHash: null,
          lang: 'fr',
          alerts: ['paused'],
          operator: true,
          updatedAt: t1,
        });
        expect(await store.updateUser(user.id, { grants: [] }, t2)).toMatchObject({ grants: [] });
      });

      it('updates no account that does not exist', async () => {
        expect(await store.updateUser(999, { disabled: true }, t1)).toBeUndefined();
        expect(await store.updateUser(999, { grants: [{ tenantId: 'acme', role: 'viewer' }] }, t1)).toBeUndefined();
        expect(await store.listTenantUsers('acme')).toEqual([]);
      });

      it('lists every account by e-mail', async () => {
        await store.createUser(aUser({ email: 'zoe@example.org' }), t0);
        await store.createUser(aUser({ email: 'adam@example.org', grants: [] }), t0);
        expect((await store.listUsers()).map((user) => user.email)).toEqual(['adam@example.org', 'zoe@example.org']);
      });

      it("lists a tenant's managers and viewers and every operator, disabled ones included, by e-mail", async () => {
        await store.createUser(
          aUser({ email: 'viewer@example.org', grants: [{ tenantId: 'acme', role: 'viewer' }] }),
          t0,
        );
        const disabled = await store.createUser(aUser({ email: 'gone@example.org' }), t0);
        await store.updateUser(disabled.id, { disabled: true }, t1);
        await store.createUser(
          aUser({ email: 'other@example.org', grants: [{ tenantId: 'beta', role: 'manager' }] }),
          t0,
        );
        await store.createUser({ email: 'admin', operator: true, grants: [] }, t0);

        expect((await store.listTenantUsers('acme')).map((user) => [user.email, user.disabled])).toEqual([
          ['admin', false],
          ['gone@example.org', true],
          ['viewer@example.org', false],
        ]);
        expect((await store.listTenantUsers('beta')).map((user) => user.email)).toEqual(['admin', 'other@example.org']);
        // An operator may see every tenant, even one nobody has a grant on.
        expect((await store.listTenantUsers('nobody-has-it')).map((user) => user.email)).toEqual(['admin']);
        // With all their grants, not only the tenant's.
        expect((await store.listTenantUsers('beta'))[1]?.grants).toEqual([{ tenantId: 'beta', role: 'manager' }]);
      });
    });

    describe('invitations', () => {
      const invitation = {
        tokenHash: 'a'.repeat(64),
        email: 'pierre@example.org',
        operator: false,
        grants: [{ tenantId: 'acme', role: 'viewer' as const }],
        createdBy: 1,
        createdAt: t0,
        expiresAt: t2,
      };

      it('gives an invitation once: taken, it is marked used and cannot be taken again', async () => {
        await store.createInvitation(invitation);
        expect(await store.takeInvitation(invitation.tokenHash, t1)).toEqual({ ...invitation, usedAt: t1 });
        expect(await store.takeInvitation(invitation.tokenHash, t1)).toBeUndefined();
        expect(await store.listOpenInvitations(t1)).toEqual([]);
      });

      it('gives an invitation to exactly one of two takes at once', async () => {
        await store.createInvitation(invitation);
        const takes = await Promise.all([
          store.takeInvitation(invitation.tokenHash, t1),
          store.takeInvitation(invitation.tokenHash, t1),
          store.takeInvitation(invitation.tokenHash, t1),
        ]);
        expect(takes.filter((take) => take !== undefined)).toHaveLength(1);
      });

      it('refuses an expired invitation, from its expiry instant on, and an unknown one', async () => {
        await store.createInvitation(invitation);
        expect(await store.takeInvitation(invitation.tokenHash, t2)).toBeUndefined();
        expect(await store.takeInvitation(invitation.tokenHash, t3)).toBeUndefined();
        expect(await store.takeInvitation('b'.repeat(64), t1)).toBeUndefined();
        // Refused, not used: it is still there, unused, for the instant before it expires.
        expect(await store.takeInvitation(invitation.tokenHash, t1)).toMatchObject({ usedAt: t1 });
      });

      it('lists the open invitations newest first, without used or expired ones', async () => {
        await store.createInvitation(invitation);
        await store.createInvitation({ ...invitation, tokenHash: 'b'.repeat(64), createdAt: t1, operator: true });
        await store.createInvitation({ ...invitation, tokenHash: 'c'.repeat(64), expiresAt: t1 });
        await store.createInvitation({ ...invitation, tokenHash: 'd'.repeat(64), createdBy: null });
        await store.takeInvitation('d'.repeat(64), t0);
        const open = await store.listOpenInvitations(t1);
        expect(open.map((each) => each.tokenHash)).toEqual(['b'.repeat(64), 'a'.repeat(64)]);
        expect(open[0]).toEqual({
          ...invitation,
          tokenHash: 'b'.repeat(64),
          createdAt: t1,
          operator: true,
          usedAt: null,
        });
      });
    });

    describe('API tokens', () => {
      it('finds a live token by its hash, with its owner and their grants', async () => {
        const user = await store.createUser(aUser(), t0);
        const token = await store.createApiToken({ userId: user.id, name: 'CI', tokenHash: 'h1', createdAt: t0 });
        expect(token).toEqual({
          id: expect.any(Number) as number,
          userId: user.id,
          name: 'CI',
          tokenHash: 'h1',
          createdAt: t0,
          lastUsedAt: null,
          revokedAt: null,
        });
        expect(await store.findApiToken('h1')).toEqual({ token, user });
        expect(await store.findApiToken('h2')).toBeUndefined();
      });

      it('finds no revoked token, and revokes only its owner’s token, once', async () => {
        const user = await store.createUser(aUser(), t0);
        const other = await store.createUser(aUser({ email: 'other@example.org' }), t0);
        const token = await store.createApiToken({ userId: user.id, name: 'CI', tokenHash: 'h1', createdAt: t0 });
        expect(await store.revokeApiToken(token.id, other.id, t1)).toBe(false);
        expect(await store.findApiToken('h1')).toBeDefined();
        expect(await store.revokeApiToken(token.id, user.id, t1)).toBe(true);
        expect(await store.revokeApiToken(token.id, user.id, t2)).toBe(false);
        expect(await store.findApiToken('h1')).toBeUndefined();
        expect(await store.listApiTokens(user.id)).toEqual([{ ...token, revokedAt: t1 }]);
      });

      it("lists a user's tokens newest first, revoked ones included, and no one else's", async () => {
        const user = await store.createUser(aUser(), t0);
        const other = await store.createUser(aUser({ email: 'other@example.org' }), t0);
        const first = await store.createApiToken({ userId: user.id, name: 'one', tokenHash: 'h1', createdAt: t0 });
        const second = await store.createApiToken({ userId: user.id, name: 'two', tokenHash: 'h2', createdAt: t1 });
        await store.createApiToken({ userId: other.id, name: 'theirs', tokenHash: 'h3', createdAt: t1 });
        await store.revokeApiToken(first.id, user.id, t2);
        expect((await store.listApiTokens(user.id)).map((token) => token.name)).toEqual(['two', 'one']);
        expect(second.id).toBeGreaterThan(first.id);
      });

      it('records a use of a token at most once a minute', async () => {
        const user = await store.createUser(aUser(), t0);
        const token = await store.createApiToken({ userId: user.id, name: 'CI', tokenHash: 'h1', createdAt: t0 });
        const at = (ms: number) => new Date(Date.parse(t1) + ms).toISOString();
        await store.touchApiToken(token.id, at(0));
        expect((await store.findApiToken('h1'))?.token.lastUsedAt).toBe(at(0));
        await store.touchApiToken(token.id, at(30_000));
        expect((await store.findApiToken('h1'))?.token.lastUsedAt).toBe(at(0));
        await store.touchApiToken(token.id, at(60_000));
        expect((await store.findApiToken('h1'))?.token.lastUsedAt).toBe(at(60_000));
      });
    });

    describe('audit', () => {
      it('numbers the entries it adds and gives them back as added', async () => {
        const first = await store.addAudit(anEntry());
        const second = await store.addAudit(
          anEntry({ actorId: null, actorEmail: null, via: 'service', address: null, action: 'tenant.pause' }),
        );
        expect(first).toEqual({ ...anEntry(), id: expect.any(Number) as number });
        expect(second.id).toBeGreaterThan(first.id);
        expect(await store.listAudit({ limit: 10 })).toEqual([second, first]);
      });

      it('filters by tenant, actor, action and period, and pages newest first', async () => {
        const entries: AuditEntry[] = [];
        entries.push(await store.addAudit(anEntry({ at: t0 })));
        entries.push(await store.addAudit(anEntry({ at: t1, tenantId: 'beta' })));
        entries.push(await store.addAudit(anEntry({ at: t1, actorId: 2, action: 'tenant.sync' })));
        entries.push(await store.addAudit(anEntry({ at: t2, tenantId: null, action: 'user.invite' })));
        entries.push(await store.addAudit(anEntry({ at: t3 })));
        const ids = (list: AuditEntry[]) => list.map((entry) => entries.findIndex((added) => added.id === entry.id));

        expect(ids(await store.listAudit({ limit: 10 }))).toEqual([4, 3, 2, 1, 0]);
        expect(ids(await store.listAudit({ tenantId: 'acme', limit: 10 }))).toEqual([4, 2, 0]);
        expect(ids(await store.listAudit({ actorId: 2, limit: 10 }))).toEqual([2]);
        expect(ids(await store.listAudit({ action: 'user.invite', limit: 10 }))).toEqual([3]);
        // since <= at < until
        expect(ids(await store.listAudit({ since: t1, until: t3, limit: 10 }))).toEqual([3, 2, 1]);
        expect(ids(await store.listAudit({ tenantId: 'acme', since: t1, limit: 10 }))).toEqual([4, 2]);

        const page1 = await store.listAudit({ limit: 2 });
        const page2 = await store.listAudit({ limit: 2, beforeId: page1.at(-1)?.id ?? 0 });
        const page3 = await store.listAudit({ limit: 2, beforeId: page2.at(-1)?.id ?? 0 });
        expect([page1, page2, page3].map(ids)).toEqual([[4, 3], [2, 1], [0]]);
        expect(await store.listAudit({ limit: 0 })).toEqual([]);
      });
    });

    describe('alerts', () => {
      it('remembers where a tenant stood when last told, replacing it each time', async () => {
        expect(await store.getAlertState('acme')).toBeUndefined();
        await store.saveAlertState({ tenantId: 'acme', state: 'failing', attention: '', changedAt: t0 });
        await store.saveAlertState({ tenantId: 'beta', state: 'healthy', attention: '', changedAt: t0 });
        const next = { tenantId: 'acme', state: 'healthy', attention: 'LEARNER_NO_EMAIL,SHEET_NO_ROOM', changedAt: t1 };
        await store.saveAlertState(next);
        expect(await store.getAlertState('acme')).toEqual(next);
        expect(await store.getAlertState('beta')).toMatchObject({ state: 'healthy', changedAt: t0 });
      });

      it("keeps a tenant's alert settings, replacing them each time", async () => {
        expect(await store.getTenantAlertSettings('acme')).toBeUndefined();
        await store.saveTenantAlertSettings({ tenantId: 'acme', webhookUrl: 'https://hooks.example/x', lang: 'en' });
        expect(await store.getTenantAlertSettings('acme')).toEqual({
          tenantId: 'acme',
          webhookUrl: 'https://hooks.example/x',
          lang: 'en',
        });
        await store.saveTenantAlertSettings({ tenantId: 'acme', webhookUrl: null, lang: 'fr' });
        expect(await store.getTenantAlertSettings('acme')).toEqual({ tenantId: 'acme', webhookUrl: null, lang: 'fr' });
      });
    });
  });
}
