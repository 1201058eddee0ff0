/**
 * Tenants' secrets at rest: AES-256-GCM from `node:crypto` under a master key the database never holds.
 *
 * A sealed secret is `v1:<keyId>:<iv>:<tag>:<ciphertext>` (base64url parts): a fresh random 96-bit IV each time,
 * the 128-bit tag, and the key id so that several master keys can be read during a rotation. The tenant id and the
 * field name are authenticated with it (associated data): a value copied to another tenant or another field does
 * not decrypt. Any change to a sealed value fails with a `SecretDecryptionError`, never with wrong plaintext.
 *
 * Master keys come from the environment (`AIMAIRA_EDUSIGN_MASTER_KEY`, read by src/cli/env.ts) or from a key
 * file (`<data-dir>/master.key` by default, JSON, mode 0600), created on first use when there is neither.
 * One key encrypts at most a few secrets per tenant and per rotation, far below GCM's 2^32 random-IV budget.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmod, link, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import { z } from 'zod';

import { ConfigError, ConnectorError } from '../errors.js';
import type { TenantStore } from '../store/tenant-store.js';
import type { WebhookStore } from '../store/port.js';

/** The environment variable that holds the master key(s); read in src/cli/env.ts only. */
export const masterKeyEnvVar = 'AIMAIRA_EDUSIGN_MASTER_KEY';
/** The environment variable naming a key file elsewhere than in the data folder. */
export const masterKeyFileEnvVar = 'AIMAIRA_EDUSIGN_MASTER_KEY_FILE';
/** The key file's name inside the data folder, by default. */
export const keyFileName = 'master.key';

const algorithm = 'aes-256-gcm';
const keyBytes = 32;
const ivBytes = 12;
const tagBytes = 16;
const formatVersion = 'v1';
const keyIdPattern = /^[A-Za-z0-9_-]{1,64}$/;

/** A problem with a sealed secret or with the master keys. */
export class SecretError extends ConnectorError {
  override name = 'SecretError';
}

/** A sealed secret that does not open: altered, moved, or sealed under a key that is not available. */
export class SecretDecryptionError extends SecretError {
  override name = 'SecretDecryptionError';
  readonly tenantId: string;
  readonly field: string;
  readonly reason: 'malformed' | 'unknown-key' | 'authentication';
  readonly keyId: string | undefined;
  constructor(context: SecretContext, reason: SecretDecryptionError['reason'], keyId?: string) {
    const what = `The stored ${context.field} of tenant ${context.tenantId} cannot be decrypted`;
    super(
      reason === 'malformed'
        ? `${what}: it is not a sealed value`
        : reason === 'unknown-key'
          ? `${what}: it was sealed with master key ${keyId ?? '?'}, which is not available ` +
            `(set ${masterKeyEnvVar} or restore the key file that holds it)`
          : `${what}: it was altered, belongs to another tenant or field, or the master key ${keyId ?? ''} is wrong`,
    );
    this.tenantId = context.tenantId;
    this.field = context.field;
    this.reason = reason;
    this.keyId = keyId;
  }
}

/** The master keys cannot be loaded or created. Exit status 64 on the CLI: the operator must fix the set-up. */
export class MasterKeyError extends ConfigError {
  override name = 'MasterKeyError';
}

/** Where a secret belongs: bound to its ciphertext as associated data. */
export interface SecretContext {
  tenantId: string;
  /** A `SecretField` for tenant secrets. */
  field: string;
}

export interface MasterKey {
  readonly id: string;
  /** 32 bytes. */
  readonly key: Buffer;
}

/** Several master keys, one of which (the current one) seals; any of them opens what it sealed. */
export interface Keyring {
  readonly currentId: string;
  readonly ids: readonly string[];
  seal(plaintext: string, context: SecretContext): string;
  open(sealed: string, context: SecretContext): string;
  has(keyId: string): boolean;
}

function associatedData(keyId: string, context: SecretContext): Buffer {
  // JSON of an array: unambiguous whatever the ids hold.
  return Buffer.from(JSON.stringify(['aimaira-edusign secret', formatVersion, keyId, context.tenantId, context.field]));
}

const b64 = (bytes: Buffer) => bytes.toString('base64url');

/** The key id of a sealed value, or undefined when it is not one. */
export function sealedKeyId(sealed: string): string | undefined {
  const parts = sealed.split(':');
  return parts.length === 5 && parts[0] === formatVersion && keyIdPattern.test(parts[1] ?? '') ? parts[1] : undefined;
}

export function createKeyring(keys: readonly MasterKey[], currentId: string): Keyring {
  const byId = new Map<string, Buffer>();
  for (const { id, key } of keys) {
    if (!keyIdPattern.test(id)) throw new MasterKeyError([`master key id "${id}" must match [A-Za-z0-9_-]{1,64}`]);
    if (key.length !== keyBytes) throw new MasterKeyError([`master key ${id} must be ${keyBytes} bytes`]);
    if (byId.has(id)) throw new MasterKeyError([`master key id ${id} is given twice`]);
    byId.set(id, Buffer.from(key));
  }
  if (!byId.has(currentId)) throw new MasterKeyError([`the current master key ${currentId} is not among the keys`]);
  const ids = [...byId.keys()];

  // The keys live in this closure only: logging or serialising the keyring shows no key material.
  return {
    currentId,
    ids,
    has: (keyId) => byId.has(keyId),
    seal(plaintext, context) {
      const key = byId.get(currentId);
      if (!key) throw new SecretError(`master key ${currentId} is missing`);
      const iv = randomBytes(ivBytes);
      const cipher = createCipheriv(algorithm, key, iv, { authTagLength: tagBytes });
      cipher.setAAD(associatedData(currentId, context));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [formatVersion, currentId, b64(iv), b64(cipher.getAuthTag()), b64(ciphertext)].join(':');
    },
    open(sealed, context) {
      const parts = sealed.split(':');
      const [version, keyId = '', ivText = '', tagText = '', ciphertextText = ''] = parts;
      const base64url = /^[A-Za-z0-9_-]*$/;
      if (
        parts.length !== 5 ||
        version !== formatVersion ||
        !keyIdPattern.test(keyId) ||
        ![ivText, tagText, ciphertextText].every((part) => base64url.test(part))
      ) {
        throw new SecretDecryptionError(context, 'malformed');
      }
      const key = byId.get(keyId);
      if (!key) throw new SecretDecryptionError(context, 'unknown-key', keyId);
      const iv = Buffer.from(ivText, 'base64url');
      const tag = Buffer.from(tagText, 'base64url');
      if (iv.length !== ivBytes || tag.length !== tagBytes) {
        throw new SecretDecryptionError(context, 'authentication', keyId);
      }
      try {
        const decipher = createDecipheriv(algorithm, key, iv, { authTagLength: tagBytes });
        decipher.setAAD(associatedData(keyId, context));
        decipher.setAuthTag(tag);
        // `update` yields bytes before the tag is checked: they are returned only once `final` has verified it.
        const plaintext = Buffer.concat([decipher.update(Buffer.from(ciphertextText, 'base64url')), decipher.final()]);
        return plaintext.toString('utf8');
      } catch {
        throw new SecretDecryptionError(context, 'authentication', keyId);
      }
    },
  };
}

/** A new random master key with an id that tells when it was made. */
export function generateMasterKey(now: Date = new Date()): MasterKey {
  const day = now.toISOString().slice(0, 10).replaceAll('-', '');
  return { id: `k${day}-${randomBytes(4).toString('hex')}`, key: randomBytes(keyBytes) };
}

/** The id of a key given without one: a fingerprint, stable for that key and revealing nothing of it. */
export function fingerprintKeyId(key: Buffer): string {
  return `fp-${createHash('sha256').update('aimaira-edusign master key id').update(key).digest('hex').slice(0, 12)}`;
}

function decodeKey(text: string, where: string): Buffer {
  const trimmed = text.trim();
  const key = /^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed) ? Buffer.from(trimmed, 'base64') : Buffer.alloc(0);
  if (key.length !== keyBytes) {
    throw new MasterKeyError([
      `${where}: must be the base64 of ${keyBytes} random bytes (e.g. openssl rand -base64 32)`,
    ]);
  }
  return key;
}

/**
 * Parses the environment variable: one base64 key, or a comma-separated list of `id:base64` (or bare base64) keys
 * whose last one is current. A problem is named without ever quoting the value.
 */
export function parseEnvironmentKeys(value: string): Keyring {
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) throw new MasterKeyError([`${masterKeyEnvVar}: is empty`]);
  const keys = entries.map((entry, index): MasterKey => {
    const where = `${masterKeyEnvVar} (key ${index + 1})`;
    const colon = entry.indexOf(':');
    if (colon === -1) {
      const key = decodeKey(entry, where);
      return { id: fingerprintKeyId(key), key };
    }
    const id = entry.slice(0, colon);
    if (!keyIdPattern.test(id)) throw new MasterKeyError([`${where}: the key id must match [A-Za-z0-9_-]{1,64}`]);
    return { id, key: decodeKey(entry.slice(colon + 1), where) };
  });
  const current = keys[keys.length - 1];
  if (!current) throw new MasterKeyError([`${masterKeyEnvVar}: is empty`]);
  return createKeyring(keys, current.id);
}

const KeyFile = z
  .object({
    keys: z
      .array(
        z
          .object({
            id: z.string().regex(keyIdPattern, 'must match [A-Za-z0-9_-]{1,64}'),
            key: z.string(),
            createdAt: z.string().optional(),
          })
          .strict(),
      )
      .min(1, 'must hold at least one key'),
    current: z.string(),
  })
  .strict();
type KeyFile = z.output<typeof KeyFile>;

async function readKeyFile(file: string): Promise<{ keyring: Keyring; document: KeyFile } | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return undefined;
    throw new MasterKeyError([`master key file ${file}: cannot be read`]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new MasterKeyError([`master key file ${file}: not JSON`]);
  }
  const parsed = KeyFile.safeParse(json);
  if (!parsed.success) {
    throw new MasterKeyError(
      parsed.error.issues.map(
        (issue) => `master key file ${file}: ${issue.path.join('.') || '(top level)'}: ${issue.message}`,
      ),
    );
  }
  const keys = parsed.data.keys.map(({ id, key }) => ({
    id,
    key: decodeKey(key, `master key file ${file}: key ${id}`),
  }));
  try {
    return { keyring: createKeyring(keys, parsed.data.current), document: parsed.data };
  } catch (error) {
    throw error instanceof MasterKeyError
      ? new MasterKeyError(error.issues.map((issue) => `master key file ${file}: ${issue}`))
      : error;
  }
}

/** Writes `document` to a new file next to `file`, readable by its owner only, flushed to disk. */
async function writeTemporary(file: string, document: KeyFile): Promise<string> {
  // The data folder, when the key comes first: the owner's alone, as the store makes it (src/store/sqlite.ts).
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = join(dirname(file), `.${keyFileName}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(document, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await chmod(temporary, 0o600);
  return temporary;
}

/** Creates the key file unless it exists; never replaces one (two processes starting together keep one key). */
async function createKeyFile(file: string, document: KeyFile): Promise<boolean> {
  const temporary = await writeTemporary(file, document);
  try {
    await link(temporary, file);
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === 'EEXIST') return false;
    throw new MasterKeyError([`master key file ${file}: cannot be created`]);
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
}

/** Replaces the key file in one step (a reader sees the old file or the new one, never half of one). */
async function replaceKeyFile(file: string, document: KeyFile): Promise<void> {
  const temporary = await writeTemporary(file, document);
  try {
    await rename(temporary, file);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw new MasterKeyError([
      `master key file ${file}: cannot be written (${(error as { code?: string }).code ?? 'error'})`,
    ]);
  }
}

export interface MasterKeyOptions {
  /** The value of `AIMAIRA_EDUSIGN_MASTER_KEY`, when set: it wins over the key file. */
  environmentValue?: string | undefined;
  /** The key file (`<data-dir>/master.key` by default). */
  keyFile: string;
  /**
   * Whether a missing key file may be created. The caller says no when the store already holds sealed secrets:
   * a new key could not open them, and the right fix is to bring the lost key back.
   */
  create: boolean;
  now?: Date;
}

/**
 * The master keys of the service. `keyring()` is the keys as last loaded; `refresh()` reloads a key file changed
 * by another process (a `rotate-key` while the service runs).
 */
export interface MasterKeys {
  readonly source: 'environment' | 'file';
  /** The key file, when the keys come from one. */
  readonly file: string | undefined;
  /** What the caller should log once: a key file created, a key file readable by others... */
  readonly notices: readonly string[];
  keyring(): Keyring;
  /** Re-reads the key file; true when its keys changed. Always false for keys from the environment. */
  refresh(): Promise<boolean>;
  /** Opens a sealed value, re-reading the key file once when it was sealed under a key not loaded yet. */
  open(sealed: string, context: SecretContext): Promise<string>;
  /** Seals under the current key, after re-reading the key file so that a rotated-away key is never used. */
  seal(plaintext: string, context: SecretContext): Promise<string>;
  /** Replaces the key file's keys (file source only): used by `rotateMasterKey`. */
  replaceFileKeys(keys: readonly MasterKey[], currentId: string, createdAt: ReadonlyMap<string, string>): Promise<void>;
  /** When each key of the file was made (file source), to keep the dates across rewrites. */
  readonly createdAt: ReadonlyMap<string, string>;
}

/** Loads the master keys: the environment variable, else the key file, else (when allowed) a new key file. */
export async function loadMasterKeys(options: MasterKeyOptions): Promise<MasterKeys> {
  const notices: string[] = [];
  const file = options.keyFile;
  const environmentValue = options.environmentValue?.trim();

  if (environmentValue) {
    const keyring = parseEnvironmentKeys(environmentValue);
    const fail = (): never => {
      throw new MasterKeyError([`the master keys come from ${masterKeyEnvVar}: change that variable instead`]);
    };
    return {
      source: 'environment',
      file: undefined,
      notices,
      createdAt: new Map(),
      keyring: () => keyring,
      refresh: () => Promise.resolve(false),
      open: (sealed, context) => Promise.resolve(keyring.open(sealed, context)),
      seal: (plaintext, context) => Promise.resolve(keyring.seal(plaintext, context)),
      replaceFileKeys: () => Promise.resolve(fail()),
    };
  }

  let loaded = await readKeyFile(file);
  if (!loaded) {
    if (!options.create) {
      throw new MasterKeyError([
        `no master key: ${masterKeyEnvVar} is not set and ${file} does not exist, but the store holds encrypted ` +
          'secrets; restore the key file (or set the variable) that holds their key',
      ]);
    }
    const key = generateMasterKey(options.now);
    const createdAt = (options.now ?? new Date()).toISOString();
    const created = await createKeyFile(file, {
      keys: [{ id: key.id, key: key.key.toString('base64'), createdAt }],
      current: key.id,
    });
    loaded = await readKeyFile(file);
    if (!loaded) throw new MasterKeyError([`master key file ${file}: was created but cannot be read back`]);
    if (created) {
      notices.push(
        `Created the master key file ${file} (readable by its owner only), with key ${loaded.keyring.currentId}. ` +
          'Back it up apart from the data: without it the stored secrets cannot be decrypted. ' +
          `In production, prefer the ${masterKeyEnvVar} environment variable or a key file outside the data folder.`,
      );
    }
  }

  const status = await stat(file).catch(() => undefined);
  if (status && process.platform !== 'win32' && (status.mode & 0o077) !== 0) {
    notices.push(
      `The master key file ${file} can be read by other users (mode ${(status.mode & 0o777).toString(8)}): run chmod 600 ${file}`,
    );
  }

  let current = loaded;
  const createdAt = new Map<string, string>();
  const remember = (document: KeyFile) => {
    createdAt.clear();
    for (const key of document.keys) if (key.createdAt) createdAt.set(key.id, key.createdAt);
  };
  remember(current.document);

  const refresh = async (): Promise<boolean> => {
    const next = await readKeyFile(file);
    if (!next) throw new MasterKeyError([`master key file ${file}: has disappeared`]);
    const changed =
      next.keyring.currentId !== current.keyring.currentId || next.keyring.ids.join() !== current.keyring.ids.join();
    current = next;
    remember(next.document);
    return changed;
  };

  return {
    source: 'file',
    file,
    notices,
    createdAt,
    keyring: () => current.keyring,
    refresh,
    async open(sealed, context) {
      const keyId = sealedKeyId(sealed);
      if (keyId !== undefined && !current.keyring.has(keyId)) await refresh();
      return current.keyring.open(sealed, context);
    },
    async seal(plaintext, context) {
      await refresh();
      return current.keyring.seal(plaintext, context);
    },
    async replaceFileKeys(keys, currentId, dates) {
      const keyring = createKeyring(keys, currentId);
      await replaceKeyFile(file, {
        keys: keys.map(({ id, key }) => ({
          id,
          key: key.toString('base64'),
          ...(dates.get(id) !== undefined && { createdAt: dates.get(id) }),
        })),
        current: currentId,
      });
      await refresh();
      if (current.keyring.currentId !== keyring.currentId) {
        throw new MasterKeyError([`master key file ${file}: was changed by another process while being rewritten`]);
      }
    },
  };
}

/** The key material of a keyring, for the rotation only (kept out of `Keyring` so it is never handed around). */
function keysOf(file: string): Promise<MasterKey[]> {
  return readFile(file, 'utf8').then((text) => {
    const document = KeyFile.parse(JSON.parse(text));
    return document.keys.map(({ id, key }) => ({ id, key: decodeKey(key, `master key file ${file}: key ${id}`) }));
  });
}

export interface RotationOutcome {
  /** The key every secret is now sealed under. */
  currentKeyId: string;
  /** Secrets re-sealed. */
  reencrypted: number;
  /** Keys removed from the key file (file source). */
  retiredKeyIds: string[];
  /** Keys no secret uses any more that the operator can remove from the environment variable (environment source). */
  unusedKeyIds: string[];
  notices: string[];
}

/**
 * Re-seals every tenant secret under a new master key.
 *
 * Key file: a new key is added as current (the file then holds old and new), every secret is re-sealed in one
 * store transaction, then the old keys are removed from the file. A crash at any point leaves a file that opens
 * every stored secret: before the transaction the old key is still there, after it the new one already is.
 *
 * Environment: the variable cannot be rewritten from here, so the operator adds the new key at the end of
 * `AIMAIRA_EDUSIGN_MASTER_KEY` first; this re-seals every secret under it and lists the keys that can go.
 */
export async function rotateMasterKey(
  keys: MasterKeys,
  tenants: TenantStore,
  now = new Date(),
  webhooks?: Pick<WebhookStore, 'reencryptWebhookSecrets' | 'listWebhookEndpoints'>,
): Promise<RotationOutcome> {
  const notices: string[] = [];
  /** The tenants' own secrets, then their webhook secrets (sealed under `webhooks.<field>`, see webhook-endpoints.ts). */
  const resealAll = async (keyring: Keyring) => {
    const reseal = (sealed: string, context: SecretContext) => keyring.seal(keyring.open(sealed, context), context);
    const own = await tenants.reencryptAll((secret) =>
      reseal(secret.sealed, { tenantId: secret.tenantId, field: secret.field }),
    );
    const hooks =
      (await webhooks?.reencryptWebhookSecrets((sealed, tenantId, field) =>
        reseal(sealed, { tenantId, field: `webhooks.${field}` }),
      )) ?? 0;
    return own + hooks;
  };
  if (keys.source === 'environment' || keys.file === undefined) {
    const keyring = keys.keyring();
    const reencrypted = await resealAll(keyring);
    const unusedKeyIds = keyring.ids.filter((id) => id !== keyring.currentId);
    if (unusedKeyIds.length === 0) {
      notices.push(
        `${masterKeyEnvVar} holds one key, so every secret was re-sealed under the same key. To rotate, append ` +
          `a new key (id:base64) to ${masterKeyEnvVar}, then run rotate-key again.`,
      );
    }
    return { currentKeyId: keyring.currentId, reencrypted, retiredKeyIds: [], unusedKeyIds, notices };
  }

  await keys.refresh();
  const file = keys.file;
  const old = await keysOf(file);
  const oldIds = old.map((key) => key.id);
  const fresh = generateMasterKey(now);
  const dates = new Map(keys.createdAt);
  dates.set(fresh.id, now.toISOString());
  // 1. Old and new keys in the file, the new one current.
  await keys.replaceFileKeys([...old, fresh], fresh.id, dates);
  const keyring = keys.keyring();
  // 2. Every secret re-sealed under the new key, all or none.
  const reencrypted = await resealAll(keyring);
  // 3. Only now the old keys can go, unless a secret saved meanwhile by another process still uses one.
  const sealedSecrets = [
    ...(await tenants.list()).flatMap((tenant) => [
      tenant.aimaira.password,
      tenant.aimaira.apiKey,
      tenant.edusign.apiKey,
    ]),
    ...((await webhooks?.listWebhookEndpoints()) ?? []).flatMap((endpoint) => [
      endpoint.aimaira.clientSecret,
      endpoint.edusign.clientSecret,
    ]),
  ];
  const stillUsed = new Set(
    sealedSecrets.flatMap((sealed) => {
      const keyId = sealed === null ? undefined : sealedKeyId(sealed);
      return keyId !== undefined && keyId !== fresh.id ? [keyId] : [];
    }),
  );
  if (stillUsed.size > 0) {
    notices.push(
      `Kept master key ${[...stillUsed].join(', ')}: a secret saved during the rotation still uses it. Run rotate-key again.`,
    );
  }
  const kept = old.filter((key) => stillUsed.has(key.id));
  await keys.replaceFileKeys([...kept, fresh], fresh.id, dates);
  const retiredKeyIds = oldIds.filter((id) => !stillUsed.has(id));
  return { currentKeyId: fresh.id, reencrypted, retiredKeyIds, unusedKeyIds: [], notices };
}
