/** The tenant repository over a real SQLite store and key file. */
import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';

import { ConfigError } from '../errors.js';
import { openSqliteStore } from '../store/sqlite.js';
import type { SqliteStateStore } from '../store/sqlite.js';
import { MasterKeyError, sealedKeyId } from './secrets.js';
import type { MasterKeys } from './secrets.js';
import {
  TenantExistsError,
  TenantNotFoundError,
  createTenantRepository,
  lazyMasterKeys,
  redactSecrets,
  tenantSecrets,
} from './tenants.js';
import type { TenantRepository } from './tenants.js';
import type { HostResolver } from './url-policy.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const resolve: HostResolver = (hostname) =>
  Promise.resolve(hostname === 'intranet.acme.example' ? ['192.168.0.7'] : ['51.15.20.30']);

const password = 'canary-password-7f3a';
const aimairaKey = 'canary-aimaira-key-19bd';
const edusignKey = 'canary-edusign-key-c2e1';

function acme(overrides: Record<string, unknown> = {}) {
  return {
    id: 'acme',
    aimaira: { url: 'https://graphacme.aimaira.net/GraphV1/', username: 'ACME\\api@aimaira.fr', password },
    edusign: { apiKey: edusignKey },
    options: { sendAttendance: true },
    ...overrides,
  };
}

describe('the tenant repository', () => {
  let dir: string;
  let store: SqliteStateStore;
  let keys: () => Promise<MasterKeys>;
  let repository: TenantRepository;
  let now: number;

  const open = (allowLoopbackHttp = false) =>
    createTenantRepository({
      store: store.tenants,
      keys,
      urlPolicy: { resolve, allowLoopbackHttp },
      clock: { now: () => now, sleep: () => Promise.resolve() },
    });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tenants-'));
    dirs.push(dir);
    store = await openSqliteStore({ dataDir: dir });
    keys = lazyMasterKeys(store.tenants, { keyFile: join(dir, 'master.key') });
    now = Date.parse('2026-05-04T10:00:00Z');
    repository = open();
  });
  afterEach(async () => {
    await store.close();
  });

  it('adds a tenant with its secrets sealed, shows it without them, and opens them for a run', async () => {
    const view = await repository.add(acme());
    expect(view).toMatchObject({
      id: 'acme',
      status: 'active',
      aimaira: {
        url: 'https://graphacme.aimaira.net/GraphV1',
        authentication: 'password',
        username: 'ACME\\api@aimaira.fr',
        password: 'set',
        apiKey: 'not set',
      },
      edusign: { url: 'https://ext.edusign.fr', apiKey: 'set' },
      options: { sendAttendance: true, horizonDays: 14 },
      createdAt: '2026-05-04T10:00:00.000Z',
    });
    expect(view.keyIds).toHaveLength(1);
    const shown = JSON.stringify([view, await repository.list(), await repository.show('acme')]);
    for (const secret of [password, edusignKey]) expect(shown).not.toContain(secret);

    const stored = await store.tenants.get('acme');
    expect(stored?.aimaira.password).toMatch(/^v1:/);
    expect(JSON.stringify(stored)).not.toContain(password);
    expect(sealedKeyId(stored!.edusign.apiKey)).toBe(view.keyIds[0]);

    const config = await repository.toTenantConfig('acme');
    expect(config.aimaira).toEqual({
      url: 'https://graphacme.aimaira.net/GraphV1',
      username: 'ACME\\api@aimaira.fr',
      password,
    });
    expect(config.edusign).toEqual({ url: 'https://ext.edusign.fr', apiKey: edusignKey });
    expect(config.options.sendAttendance).toBe(true);
  });

  it('creates the key file on the first secret and says so', async () => {
    await repository.add(acme());
    const loaded = await keys();
    expect(loaded.notices.join()).toMatch(/Created the master key file/);
  });

  it('refuses a taken id, a refused URL, both ways of signing in, unknown options: naming the field', async () => {
    await repository.add(acme());
    await expect(repository.add(acme())).rejects.toThrow(TenantExistsError);
    await expect(
      repository.add(
        acme({ id: 'intra', aimaira: { url: 'https://intranet.acme.example/GraphV1', apiKey: aimairaKey } }),
      ),
    ).rejects.toThrow('aimaira.url: refused: intranet.acme.example resolves to 192.168.0.7');
    await expect(
      repository.add(
        acme({ id: 'both', aimaira: { url: 'https://a.example', username: 'u', password, apiKey: aimairaKey } }),
      ),
    ).rejects.toThrow(/either apiKey or username and password/);
    await expect(repository.add(acme({ id: 'opts', options: { sendAttendence: true } }))).rejects.toThrow(
      /options: unknown key sendAttendence/,
    );
    await expect(repository.add(acme({ id: 'BAD' }))).rejects.toThrow(/id: must match/);
    const local = acme({ id: 'local', aimaira: { url: 'http://127.0.0.1:4010/GraphV1', apiKey: aimairaKey } });
    await expect(repository.add(local)).rejects.toThrow(ConfigError);
    await expect(open(true).add(local)).resolves.toMatchObject({ id: 'local' });
    // Once saved under the simulators' allowance, a run without it refuses the URL again.
    await expect(repository.toTenantConfig('local')).rejects.toThrow(/loopback/);
    await expect(repository.toTenantConfig('local', { checkUrls: false })).resolves.toMatchObject({ id: 'local' });
  });

  it('updates what is given and keeps the rest, the unchanged secrets untouched', async () => {
    await repository.add(acme());
    const before = await store.tenants.get('acme');
    now += 60_000;
    const view = await repository.update('acme', {
      edusign: { apiKey: 'canary-new-edusign-key' },
      options: { horizonDays: 7 },
    });
    expect(view.options).toMatchObject({ horizonDays: 7, sendAttendance: true });
    expect(view.updatedAt).toBe('2026-05-04T10:01:00.000Z');
    expect(view.createdAt).toBe('2026-05-04T10:00:00.000Z');
    const after = await store.tenants.get('acme');
    expect(after?.aimaira.password).toBe(before?.aimaira.password);
    expect(after?.edusign.apiKey).not.toBe(before?.edusign.apiKey);
    expect((await repository.toTenantConfig('acme')).edusign.apiKey).toBe('canary-new-edusign-key');

    // An API key replaces the password and the login; a password brings them back.
    const withKey = await repository.update('acme', { aimaira: { apiKey: aimairaKey } });
    expect(withKey.aimaira).toMatchObject({
      authentication: 'apiKey',
      username: null,
      password: 'not set',
      apiKey: 'set',
    });
    await expect(repository.update('acme', { aimaira: { password } })).rejects.toThrow(/username/);
    const withPassword = await repository.update('acme', { aimaira: { username: 'ACME\\other', password } });
    expect(withPassword.aimaira).toMatchObject({
      authentication: 'password',
      username: 'ACME\\other',
      apiKey: 'not set',
    });
    await expect(repository.update('acme', { aimaira: { apiKey: aimairaKey, password } })).rejects.toThrow(/not both/);
    await expect(repository.update('acme', { edusign: { url: 'https://10.0.0.1' } })).rejects.toThrow(/private/);
    await expect(repository.update('acme', { options: { horizonDays: 900 } })).rejects.toThrow(/horizonDays/);
    await expect(repository.update('nobody', { options: {} })).rejects.toThrow(TenantNotFoundError);
  });

  it('removes a tenant', async () => {
    await repository.add(acme());
    await repository.remove('acme');
    expect(await repository.list()).toEqual([]);
    await expect(repository.remove('acme')).rejects.toThrow('no tenant "acme"');
    await expect(repository.show('acme')).rejects.toThrow(TenantNotFoundError);
    await expect(repository.toTenantConfig('acme')).rejects.toThrow(TenantNotFoundError);
  });

  it('imports every tenant of a file: new ones added, known ones updated with their status kept', async () => {
    await repository.add(acme());
    await repository.pause('acme', 'the last 3 runs failed: bad credentials');
    const outcomes = await repository.import({
      tenants: [
        { ...acme(), options: { horizonDays: 3 } },
        {
          id: 'beta',
          aimaira: { url: 'https://graphbeta.aimaira.net/GraphV1', apiKey: aimairaKey },
          edusign: { url: 'https://ext.edusign.fr', apiKey: edusignKey },
        },
      ],
    });
    expect(outcomes).toEqual([
      { id: 'acme', action: 'updated' },
      { id: 'beta', action: 'added' },
    ]);
    expect(await repository.show('acme')).toMatchObject({ status: 'paused', options: { horizonDays: 3 } });
    expect((await repository.toTenantConfig('beta')).aimaira.apiKey).toBe(aimairaKey);
  });

  it('imports nothing when one tenant of the file is refused, and says which', async () => {
    const error = (await repository
      .import({
        tenants: [acme(), { ...acme({ id: 'bad' }), aimaira: { url: 'https://169.254.169.254/', apiKey: aimairaKey } }],
      })
      .catch((thrown: unknown) => thrown)) as ConfigError;
    expect(error.issues).toEqual(['tenants[1].aimaira.url: refused: 169.254.169.254 is the cloud metadata address']);
    expect(await repository.list()).toEqual([]);
  });

  it('pauses with a reason and resumes', async () => {
    await repository.add(acme());
    await repository.pause('acme', 'Edusign down 3 times');
    expect(await repository.show('acme')).toMatchObject({ status: 'paused', pausedReason: 'Edusign down 3 times' });
    await repository.resume('acme');
    expect(await repository.show('acme')).toMatchObject({ status: 'active', pausedReason: null });
    await expect(repository.pause('nobody', 'x')).rejects.toThrow(TenantNotFoundError);
  });

  it('does not make a new key when the key file is lost while the store holds secrets', async () => {
    await repository.add(acme());
    unlinkSync(join(dir, 'master.key'));
    const fresh = createTenantRepository({
      store: store.tenants,
      keys: lazyMasterKeys(store.tenants, { keyFile: join(dir, 'master.key') }),
      urlPolicy: { resolve },
    });
    await expect(fresh.toTenantConfig('acme')).rejects.toThrow(MasterKeyError);
    await expect(fresh.toTenantConfig('acme')).rejects.toThrow(/restore the key file/);
    // Showing needs no key.
    await expect(fresh.show('acme')).resolves.toMatchObject({ id: 'acme' });
  });

  it('lists the secrets of a tenant for scrubbing, Basic authentication value included', async () => {
    await repository.add(acme());
    const config = await repository.toTenantConfig('acme');
    const secrets = tenantSecrets(config);
    const basic = Buffer.from(`ACME\\api@aimaira.fr:${password}`).toString('base64');
    expect(secrets).toEqual([password, edusignKey, basic]);
    expect(redactSecrets(`Authorization: Basic ${basic}; key=${edusignKey}`, secrets)).toBe(
      'Authorization: Basic [secret]; key=[secret]',
    );
  });
});
