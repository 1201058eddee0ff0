import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { createManualClock } from '../clock.js';
import { openSqliteStore } from '../store/sqlite.js';
import { createWebhookEndpoints } from './webhook-endpoints.js';

import type { SealedSecret, StoredTenant, TenantStore } from '../store/tenant-store.js';
import {
  MasterKeyError,
  SecretDecryptionError,
  createKeyring,
  fingerprintKeyId,
  generateMasterKey,
  loadMasterKeys,
  parseEnvironmentKeys,
  rotateMasterKey,
  sealedKeyId,
} from './secrets.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'secrets-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const context = { tenantId: 'acme', field: 'edusign.apiKey' };
const plaintext = 'sk_live_Ünïcødé:with:colons';

function keyring() {
  const key = generateMasterKey(new Date('2026-03-01T00:00:00Z'));
  return { key, keyring: createKeyring([key], key.id) };
}

/** Flips one bit of one base64url part of a sealed value. */
function flipBit(sealed: string, part: number, bit = 0): string {
  const parts = sealed.split(':');
  const bytes = Buffer.from(parts[part] ?? '', 'base64url');
  bytes[Math.floor(bit / 8)]! ^= 1 << (bit % 8);
  parts[part] = bytes.toString('base64url');
  return parts.join(':');
}

describe('sealing and opening', () => {
  it('opens what it sealed, in the v1:<keyId>:<iv>:<tag>:<ciphertext> format', () => {
    const { key, keyring: ring } = keyring();
    const sealed = ring.seal(plaintext, context);
    expect(sealed).toMatch(/^v1:k20260301-[0-9a-f]{8}:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]{22}:[A-Za-z0-9_-]+$/);
    expect(sealedKeyId(sealed)).toBe(key.id);
    expect(sealed).not.toContain(plaintext);
    expect(ring.open(sealed, context)).toBe(plaintext);
    expect(ring.open(ring.seal('', context), context)).toBe('');
  });

  it('uses a fresh IV every time: 10,000 encryptions of one value, all IVs and ciphertexts different', () => {
    const { keyring: ring } = keyring();
    const ivs = new Set<string>();
    const sealedValues = new Set<string>();
    for (let index = 0; index < 10_000; index++) {
      const sealed = ring.seal(plaintext, context);
      ivs.add(sealed.split(':')[2] ?? '');
      sealedValues.add(sealed);
    }
    expect(ivs.size).toBe(10_000);
    expect(sealedValues.size).toBe(10_000);
  });

  it('binds the tenant and the field: a value moved to another tenant or field does not open', () => {
    const { keyring: ring } = keyring();
    const sealed = ring.seal(plaintext, context);
    expect(() => ring.open(sealed, { ...context, tenantId: 'acme2' })).toThrow(SecretDecryptionError);
    expect(() => ring.open(sealed, { ...context, field: 'aimaira.password' })).toThrow(SecretDecryptionError);
    expect(() => ring.open(sealed, { tenantId: 'acm', field: `e${context.field}` })).toThrow(SecretDecryptionError);
    // One bit of the associated data: 'acme' → 'acmd'.
    expect(() => ring.open(sealed, { ...context, tenantId: 'acmd' })).toThrow(SecretDecryptionError);
  });

  it.each([
    ['the IV', 2],
    ['the tag', 3],
    ['the ciphertext', 4],
  ])('refuses a value with one bit flipped in %s, with a typed error and no plaintext', (_name, part) => {
    const { keyring: ring } = keyring();
    const sealed = ring.seal(plaintext, context);
    const bits = Buffer.from(sealed.split(':')[part] ?? '', 'base64url').length * 8;
    for (const bit of [0, 1, 7, bits - 1]) {
      const tampered = flipBit(sealed, part, bit);
      let thrown: unknown;
      try {
        ring.open(tampered, context);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(SecretDecryptionError);
      expect((thrown as SecretDecryptionError).reason).toBe('authentication');
      expect((thrown as Error).message).not.toContain(plaintext);
      expect((thrown as Error).message).toContain('acme');
    }
  });

  it('refuses a value under another key id, a key of the same id that differs, and malformed values', () => {
    const { key, keyring: ring } = keyring();
    const sealed = ring.seal(plaintext, context);
    const impostor = createKeyring([{ id: key.id, key: randomBytes(32) }], key.id);
    expect(() => impostor.open(sealed, context)).toThrow(/altered|wrong/);
    const renamed = sealed.replace(key.id, 'other-key');
    expect(() => ring.open(renamed, context)).toThrow(expect.objectContaining({ reason: 'unknown-key' }));
    const both = createKeyring([key, { id: 'other-key', key: key.key }], key.id);
    // The key id is authenticated too: the same key under another id does not open it.
    expect(() => both.open(renamed, context)).toThrow(expect.objectContaining({ reason: 'authentication' }));
    for (const bad of ['', plaintext, 'v2:a:b:c:d', 'v1:k:AAAA:AAAA', 'v1:k:!!:AAAA:AAAA', `${sealed}:x`]) {
      expect(() => ring.open(bad, context)).toThrow(SecretDecryptionError);
    }
    const shortTag = sealed.split(':');
    shortTag[3] = shortTag[3]!.slice(0, 8);
    expect(() => ring.open(shortTag.join(':'), context)).toThrow(expect.objectContaining({ reason: 'authentication' }));
  });

  it('opens values sealed under any key of the ring and seals under the current one', () => {
    const old = generateMasterKey();
    const fresh = generateMasterKey();
    const before = createKeyring([old], old.id).seal(plaintext, context);
    const ring = createKeyring([old, fresh], fresh.id);
    expect(ring.open(before, context)).toBe(plaintext);
    expect(sealedKeyId(ring.seal(plaintext, context))).toBe(fresh.id);
  });

  it('shows no key material when the keyring is logged', () => {
    const { key, keyring: ring } = keyring();
    const shown = JSON.stringify(ring) + String(Object.values(ring));
    expect(shown).not.toContain(key.key.toString('base64'));
    expect(shown).not.toContain(key.key.toString('hex'));
  });
});

describe('master keys from the environment', () => {
  const a = randomBytes(32);
  const b = randomBytes(32);

  it('takes one base64 key, named by its fingerprint', () => {
    const ring = parseEnvironmentKeys(a.toString('base64'));
    expect(ring.currentId).toBe(fingerprintKeyId(a));
    expect(ring.ids).toEqual([fingerprintKeyId(a)]);
  });

  it('names a key by a fingerprint worked out apart from the code: sha256 of a fixed label and the key', () => {
    // Known answers, computed once with Python's hashlib (not with this code):
    // sha256("aimaira-edusign master key id" + key) in hex, first 12 digits.
    const counting = Buffer.from(Array.from({ length: 32 }, (_, index) => index));
    const ones = Buffer.alloc(32, 0xff);
    expect(counting.toString('base64')).toBe('AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=');
    expect(parseEnvironmentKeys('AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=').currentId).toBe('fp-55aabbe99063');
    expect(fingerprintKeyId(counting)).toBe('fp-55aabbe99063');
    expect(fingerprintKeyId(ones)).toBe('fp-20c8d41f524b');
    // Two keys, two ids: an id that does not depend on the key would name every key alike.
    expect(fingerprintKeyId(a)).not.toBe(fingerprintKeyId(b));
    expect(parseEnvironmentKeys(a.toString('base64')).currentId).not.toBe(
      parseEnvironmentKeys(b.toString('base64')).currentId,
    );
  });

  it('takes an id:base64 list whose last key is current', () => {
    const ring = parseEnvironmentKeys(`old:${a.toString('base64')}, new:${b.toString('base64')}`);
    expect(ring.ids).toEqual(['old', 'new']);
    expect(ring.currentId).toBe('new');
  });

  it('refuses a short key or a bad id without quoting the value', () => {
    const short = randomBytes(16).toString('base64');
    for (const value of [
      short,
      `bad id:${a.toString('base64')}`,
      ' , ',
      `x:${a.toString('base64')},x:${b.toString('base64')}`,
    ]) {
      let thrown: unknown;
      try {
        parseEnvironmentKeys(value);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(MasterKeyError);
      expect((thrown as Error).message).not.toContain(short);
      expect((thrown as Error).message).not.toContain(a.toString('base64'));
    }
  });

  it('wins over the key file, which is then neither read nor created', async () => {
    const dir = tempDir();
    const keys = await loadMasterKeys({
      environmentValue: a.toString('base64'),
      keyFile: join(dir, 'master.key'),
      create: true,
    });
    expect(keys.source).toBe('environment');
    expect(() => statSync(join(dir, 'master.key'))).toThrow();
    const sealed = await keys.seal(plaintext, context);
    expect(await keys.open(sealed, context)).toBe(plaintext);
  });
});

describe('the key file', () => {
  it('is created on first use with mode 0600, and says so', async () => {
    const file = join(tempDir(), 'nested', 'master.key');
    const keys = await loadMasterKeys({ keyFile: file, create: true });
    expect(keys.source).toBe('file');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(keys.notices.join('\n')).toMatch(/Created the master key file .*master\.key/);
    const document = JSON.parse(readFileSync(file, 'utf8')) as { keys: { id: string; key: string }[]; current: string };
    expect(document.current).toBe(keys.keyring().currentId);
    expect(Buffer.from(document.keys[0]!.key, 'base64')).toHaveLength(32);

    const again = await loadMasterKeys({ keyFile: file, create: true });
    expect(again.notices).toEqual([]);
    expect(again.keyring().currentId).toBe(keys.keyring().currentId);
  });

  it('is not created when the store already holds secrets: the lost key must come back', async () => {
    await expect(loadMasterKeys({ keyFile: join(tempDir(), 'master.key'), create: false })).rejects.toThrow(
      /restore the key file/,
    );
  });

  it('is one key for two processes creating it at once', async () => {
    const file = join(tempDir(), 'master.key');
    const [first, second] = await Promise.all([
      loadMasterKeys({ keyFile: file, create: true }),
      loadMasterKeys({ keyFile: file, create: true }),
    ]);
    expect(first.keyring().currentId).toBe(second.keyring().currentId);
  });

  it('warns when others can read it, and refuses one that is not a key file', async () => {
    const dir = tempDir();
    const file = join(dir, 'master.key');
    const key = generateMasterKey();
    writeFileSync(file, JSON.stringify({ keys: [{ id: key.id, key: key.key.toString('base64') }], current: key.id }), {
      mode: 0o644,
    });
    const keys = await loadMasterKeys({ keyFile: file, create: true });
    expect(keys.notices.join()).toMatch(/can be read by other users .*chmod 600/);

    const broken = join(dir, 'broken.key');
    writeFileSync(broken, JSON.stringify({ keys: [{ id: 'a', key: 'c2hvcnQ=' }], current: 'a' }));
    await expect(loadMasterKeys({ keyFile: broken, create: true })).rejects.toThrow(/32 random bytes/);
    writeFileSync(broken, JSON.stringify({ keys: [{ id: key.id, key: key.key.toString('base64') }], current: 'b' }));
    await expect(loadMasterKeys({ keyFile: broken, create: true })).rejects.toThrow(/current master key b/);
  });

  it('is read again when a value was sealed under a key added since (a rotation by another process)', async () => {
    const file = join(tempDir(), 'master.key');
    const service = await loadMasterKeys({ keyFile: file, create: true });
    const cli = await loadMasterKeys({ keyFile: file, create: true });
    const store = memoryTenantStore([]);
    await rotateMasterKey(cli, store);
    const sealed = await cli.seal(plaintext, context);
    expect(service.keyring().has(sealedKeyId(sealed)!)).toBe(false);
    expect(await service.open(sealed, context)).toBe(plaintext);
  });
});

/** A tenant store in memory holding sealed secrets, enough for the rotation. */
function memoryTenantStore(initial: StoredTenant[]): TenantStore & { tenants: StoredTenant[] } {
  let tenants = structuredClone(initial);
  const store = {
    get tenants() {
      return tenants;
    },
    list: () => Promise.resolve(structuredClone(tenants)),
    get: (id: string) => Promise.resolve(tenants.find((tenant) => tenant.id === id)),
    put: () => Promise.reject(new Error('not used')),
    putAll: () => Promise.reject(new Error('not used')),
    remove: () => Promise.reject(new Error('not used')),
    setStatus: () => Promise.reject(new Error('not used')),
    reencryptAll(reseal: (secret: SealedSecret) => string) {
      // All or none, like the real store's transaction.
      const next = structuredClone(tenants);
      let count = 0;
      for (const tenant of next) {
        const fields = [
          ['aimaira.password', tenant.aimaira, 'password'],
          ['aimaira.apiKey', tenant.aimaira, 'apiKey'],
          ['edusign.apiKey', tenant.edusign, 'apiKey'],
        ] as const;
        for (const [field, holder, key] of fields) {
          const sealed = (holder as Record<string, string | null>)[key];
          if (sealed === null || sealed === undefined) continue;
          (holder as Record<string, string | null>)[key] = reseal({ tenantId: tenant.id, field, sealed });
          count++;
        }
      }
      tenants = next;
      return Promise.resolve(count);
    },
  };
  return store;
}

describe('rotateMasterKey', () => {
  async function storeWith(keys: Awaited<ReturnType<typeof loadMasterKeys>>, count: number) {
    const tenants: StoredTenant[] = [];
    for (let index = 0; index < count; index++) {
      const id = `tenant-${index}`;
      tenants.push({
        id,
        aimaira: {
          url: 'https://aimaira.example',
          username: 'u',
          password: await keys.seal(`password-${index}`, { tenantId: id, field: 'aimaira.password' }),
          apiKey: null,
        },
        edusign: {
          url: 'https://edusign.example',
          apiKey: await keys.seal(`edusign-${index}`, { tenantId: id, field: 'edusign.apiKey' }),
        },
        options: {},
        status: 'active',
        pausedReason: null,
        pausedAt: null,
        createdAt: 'x',
        updatedAt: 'x',
      });
    }
    return memoryTenantStore(tenants);
  }

  it('re-encrypts every secret under a new key and retires the old one from the file', async () => {
    const file = join(tempDir(), 'master.key');
    const keys = await loadMasterKeys({ keyFile: file, create: true });
    const oldId = keys.keyring().currentId;
    const store = await storeWith(keys, 50);

    const rotation = await rotateMasterKey(keys, store, new Date('2027-01-02T00:00:00Z'));
    expect(rotation.reencrypted).toBe(100);
    expect(rotation.retiredKeyIds).toEqual([oldId]);
    expect(rotation.currentKeyId).toMatch(/^k20270102-/);

    const document = JSON.parse(readFileSync(file, 'utf8')) as { keys: { id: string }[]; current: string };
    expect(document.keys.map((key) => key.id)).toEqual([rotation.currentKeyId]);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    // A process that loads the file now opens everything, without the old key.
    const reloaded = await loadMasterKeys({ keyFile: file, create: false });
    expect(reloaded.keyring().has(oldId)).toBe(false);
    for (const [index, tenant] of store.tenants.entries()) {
      expect(sealedKeyId(tenant.aimaira.password!)).toBe(rotation.currentKeyId);
      expect(await reloaded.open(tenant.aimaira.password!, { tenantId: tenant.id, field: 'aimaira.password' })).toBe(
        `password-${index}`,
      );
      expect(await reloaded.open(tenant.edusign.apiKey, { tenantId: tenant.id, field: 'edusign.apiKey' })).toBe(
        `edusign-${index}`,
      );
    }
  });

  it('re-seals the tenants’ webhook secrets too, which open after the old key is gone', async () => {
    const file = join(tempDir(), 'master.key');
    const keys = await loadMasterKeys({ keyFile: file, create: true });
    const oldId = keys.keyring().currentId;
    const tenants = await storeWith(keys, 1);
    const stores = await openSqliteStore({ file: ':memory:' });
    const clock = createManualClock(Date.parse('2027-01-01T00:00:00Z'));
    const endpoints = createWebhookEndpoints({
      store: stores.webhooks,
      keys: () => Promise.resolve(keys.keyring()),
      clock,
    });
    const { clientSecret } = await endpoints.newAimairaCredentials('tenant-0');
    await endpoints.setEdusign('tenant-0', { schoolId: 's', clientSecret: 'le secret edusign' });

    const rotation = await rotateMasterKey(keys, tenants, new Date('2027-01-02T00:00:00Z'), stores.webhooks);
    expect(rotation.reencrypted).toBe(4);
    expect(rotation.retiredKeyIds).toEqual([oldId]);
    const reloaded = await loadMasterKeys({ keyFile: file, create: false });
    const reopened = createWebhookEndpoints({
      store: stores.webhooks,
      keys: () => Promise.resolve(reloaded.keyring()),
      clock,
    });
    expect((await reopened.opened('tenant-0'))?.aimaira.clientSecret).toBe(clientSecret);
    expect((await reopened.opened('tenant-0'))?.edusign.clientSecret).toBe('le secret edusign');
    await stores.close();
  });

  it('changes nothing in the store and keeps the old key when a secret does not open', async () => {
    const file = join(tempDir(), 'master.key');
    const keys = await loadMasterKeys({ keyFile: file, create: true });
    const oldId = keys.keyring().currentId;
    const store = await storeWith(keys, 3);
    store.tenants[1]!.edusign.apiKey = flipBit(store.tenants[1]!.edusign.apiKey, 4);
    const before = structuredClone(store.tenants);

    await expect(rotateMasterKey(keys, store)).rejects.toThrow(SecretDecryptionError);
    expect(store.tenants).toEqual(before);
    const document = JSON.parse(readFileSync(file, 'utf8')) as { keys: { id: string }[] };
    // Old and new key both kept: the store is still under the old one.
    expect(document.keys.map((key) => key.id)).toContain(oldId);
  });

  it('with keys from the environment, re-encrypts under the last key and names the ones that can go', async () => {
    const a = randomBytes(32).toString('base64');
    const b = randomBytes(32).toString('base64');
    const first = await loadMasterKeys({ environmentValue: `a:${a}`, keyFile: '/nonexistent', create: false });
    const store = await storeWith(first, 2);
    const second = await loadMasterKeys({ environmentValue: `a:${a},b:${b}`, keyFile: '/nonexistent', create: false });
    const rotation = await rotateMasterKey(second, store);
    expect(rotation).toMatchObject({ currentKeyId: 'b', reencrypted: 4, unusedKeyIds: ['a'], retiredKeyIds: [] });
    const third = await loadMasterKeys({ environmentValue: `b:${b}`, keyFile: '/nonexistent', create: false });
    expect(
      await third.open(store.tenants[0]!.aimaira.password!, { tenantId: 'tenant-0', field: 'aimaira.password' }),
    ).toBe('password-0');
  });
});
