/**
 * The tenant repository: tenants as the service keeps them in the state store, added one by one or imported from
 * a configuration file, with their secrets sealed (src/service/secrets.ts) and their URLs held to the URL policy.
 *
 * What it shows (`list`, `show`) never holds a secret, only whether each is set. `toTenantConfig` is the one way
 * back to plaintext, for a run or a connection check: the configuration it returns must not be logged.
 */
import { systemClock } from '../clock.js';
import type { Clock } from '../clock.js';
import { TenantConfig, TenantOptions, formatPath } from '../config/config.js';
import type { ConnectorConfig } from '../config/config.js';
import { ConfigError } from '../errors.js';
import { StateStoreError } from '../store/schema.js';
import type { SecretField, StoredTenant, TenantRecord, TenantStatus, TenantStore } from '../store/tenant-store.js';
import { loadMasterKeys, sealedKeyId } from './secrets.js';
import type { MasterKeys } from './secrets.js';
import { checkTenantUrls } from './url-policy.js';
import type { UrlPolicyOptions } from './url-policy.js';

/** No tenant with this id. Exit status 64 on the CLI. */
export class TenantNotFoundError extends ConfigError {
  override name = 'TenantNotFoundError';
  readonly tenantId: string;
  constructor(tenantId: string) {
    super([`no tenant "${tenantId}" (tenant list shows the tenants)`]);
    this.tenantId = tenantId;
  }
}

/** `add` of an id that is taken. Exit status 64 on the CLI. */
export class TenantExistsError extends ConfigError {
  override name = 'TenantExistsError';
  readonly tenantId: string;
  constructor(tenantId: string) {
    super([`tenant "${tenantId}" exists already (use tenant update to change it)`]);
    this.tenantId = tenantId;
  }
}

export type SecretState = 'set' | 'not set';

/** A tenant as `list` and `show` print it: everything but the secrets, of which only whether each is set. */
export interface TenantView {
  id: string;
  status: TenantStatus;
  pausedReason: string | null;
  pausedAt: string | null;
  aimaira: {
    url: string;
    /** How the connector signs in to Aimaira. */
    authentication: 'password' | 'apiKey';
    username: string | null;
    password: SecretState;
    apiKey: SecretState;
  };
  edusign: { url: string; apiKey: SecretState };
  options: TenantOptions;
  /** The master keys the secrets are sealed under (one, after a rotation). */
  keyIds: string[];
  createdAt: string;
  updatedAt: string;
}

/** What `update` changes; what is absent stays. */
export interface TenantChanges {
  aimaira?: { url?: string; username?: string; password?: string; apiKey?: string };
  edusign?: { url?: string; apiKey?: string };
  /** Merged into the tenant's options, the result validated as a whole. */
  options?: Record<string, unknown>;
}

export interface ImportOutcome {
  id: string;
  action: 'added' | 'updated';
}

export interface TenantRepositoryOptions {
  store: TenantStore;
  /** The master keys, asked for only when a secret is sealed or opened (`list` and `show` need none). */
  keys: () => Promise<MasterKeys>;
  urlPolicy?: UrlPolicyOptions;
  clock?: Clock;
}

export interface TenantRepository {
  list(): Promise<TenantView[]>;
  show(id: string): Promise<TenantView>;
  add(input: unknown): Promise<TenantView>;
  update(id: string, changes: TenantChanges): Promise<TenantView>;
  remove(id: string): Promise<void>;
  /**
   * Every tenant of a configuration file (as `loadConfigFile` reads it, or raw input of that shape): new ids added,
   * known ones updated (their status kept); all of them or none.
   */
  import(config: ConnectorConfig | { tenants: readonly unknown[] }): Promise<ImportOutcome[]>;
  /**
   * The tenant with its secrets opened, for a run or a check; its URLs are held to the policy again first
   * (`checkUrls: false` lets the connection check report a refusal as one of its findings instead).
   */
  toTenantConfig(id: string, options?: { checkUrls?: boolean }): Promise<TenantConfig>;
  pause(id: string, reason: string): Promise<void>;
  resume(id: string): Promise<void>;
}

/** Marks an unchanged secret while a changed tenant is validated: the real value stays sealed. */
const keptSecret = '\u0000kept-sealed\u0000';

/** A tenant from unknown input, every problem named by its field (`aimaira.password: ...`). */
export function parseTenant(input: unknown, source = 'tenant'): TenantConfig {
  const parsed = TenantConfig.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const where = formatPath(issue.path) || '(top level)';
        const message =
          issue.code === 'unrecognized_keys'
            ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`
            : issue.message;
        return `${source}: ${where}: ${message}`;
      }),
    );
  }
  const { aimaira } = parsed.data;
  // The Aimaira client takes one way of signing in, not both.
  if (aimaira.apiKey !== undefined && (aimaira.username !== undefined || aimaira.password !== undefined)) {
    throw new ConfigError([`${source}: aimaira: give either apiKey or username and password, not both`]);
  }
  return parsed.data;
}

/**
 * The plaintext secrets of a tenant, and the forms they take on the wire (the Basic authentication value), for
 * a scrubber that removes them from any text before it is written out.
 */
export function tenantSecrets(tenant: TenantConfig): string[] {
  const { username, password, apiKey } = tenant.aimaira;
  const secrets = [password, apiKey, tenant.edusign.apiKey].filter((value): value is string => value !== undefined);
  if (username !== undefined && password !== undefined) {
    const login = username.replace(/\\{2,}/g, '\\');
    secrets.push(Buffer.from(`${login}:${password}`, 'utf8').toString('base64'));
  }
  return secrets.filter((secret) => secret.length > 0);
}

/** `text` with every occurrence of the secrets replaced by `[secret]`. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret.length > 0) result = result.split(secret).join('[secret]');
  }
  return result;
}

function sealedValues(tenant: Pick<StoredTenant, 'aimaira' | 'edusign'>): [SecretField, string | null][] {
  return [
    ['aimaira.password', tenant.aimaira.password],
    ['aimaira.apiKey', tenant.aimaira.apiKey],
    ['edusign.apiKey', tenant.edusign.apiKey],
  ];
}

function readOptions(tenant: StoredTenant): TenantOptions {
  const parsed = TenantOptions.safeParse(tenant.options);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`).join('; ');
    throw new StateStoreError(`The stored options of tenant ${tenant.id} are not valid: ${problems}`);
  }
  return parsed.data;
}

function view(tenant: StoredTenant): TenantView {
  const state = (value: string | null): SecretState => (value === null ? 'not set' : 'set');
  const keyIds = new Set(
    sealedValues(tenant).flatMap(([, sealed]) => {
      const keyId = sealed === null ? undefined : sealedKeyId(sealed);
      return keyId === undefined ? [] : [keyId];
    }),
  );
  return {
    id: tenant.id,
    status: tenant.status,
    pausedReason: tenant.pausedReason,
    pausedAt: tenant.pausedAt,
    aimaira: {
      url: tenant.aimaira.url,
      authentication: tenant.aimaira.apiKey !== null ? 'apiKey' : 'password',
      username: tenant.aimaira.username,
      password: state(tenant.aimaira.password),
      apiKey: state(tenant.aimaira.apiKey),
    },
    edusign: { url: tenant.edusign.url, apiKey: state(tenant.edusign.apiKey) },
    options: readOptions(tenant),
    keyIds: [...keyIds].sort(),
    createdAt: tenant.createdAt,
    updatedAt: tenant.updatedAt,
  };
}

/**
 * The master keys of a tenant store, loaded on first use. A missing key file is created only while the store holds
 * no sealed secret: once it does, a new key could not open them.
 */
export function lazyMasterKeys(
  store: TenantStore,
  options: { keyFile: string; environmentValue?: string | undefined; now?: () => Date },
): () => Promise<MasterKeys> {
  let loading: Promise<MasterKeys> | undefined;
  return () => {
    loading ??= (async () => {
      const tenants = await store.list();
      const holdsSecrets = tenants.some((tenant) => sealedValues(tenant).some(([, sealed]) => sealed !== null));
      return loadMasterKeys({
        keyFile: options.keyFile,
        environmentValue: options.environmentValue,
        create: !holdsSecrets,
        ...(options.now && { now: options.now() }),
      });
    })();
    loading.catch(() => {
      loading = undefined;
    });
    return loading;
  };
}

export function createTenantRepository(options: TenantRepositoryOptions): TenantRepository {
  const { store } = options;
  const clock = options.clock ?? systemClock;
  const policy = options.urlPolicy ?? {};
  const at = () => new Date(clock.now()).toISOString();

  const load = async (id: string): Promise<StoredTenant> => {
    const tenant = await store.get(id);
    if (!tenant) throw new TenantNotFoundError(id);
    return tenant;
  };

  /** The record to store for a validated tenant: secrets sealed, except those kept sealed as they were. */
  const seal = async (
    tenant: TenantConfig,
    kept: Partial<Record<SecretField, string | null>>,
    status: Pick<StoredTenant, 'status' | 'pausedReason' | 'pausedAt'>,
  ): Promise<TenantRecord> => {
    let keys: MasterKeys | undefined;
    const sealOne = async (field: SecretField, value: string | undefined): Promise<string | null> => {
      if (value === undefined) return null;
      if (value === keptSecret) return kept[field] ?? null;
      keys ??= await options.keys();
      return keys.seal(value, { tenantId: tenant.id, field });
    };
    return {
      id: tenant.id,
      aimaira: {
        url: tenant.aimaira.url,
        username: tenant.aimaira.username ?? null,
        password: await sealOne('aimaira.password', tenant.aimaira.password),
        apiKey: await sealOne('aimaira.apiKey', tenant.aimaira.apiKey),
      },
      edusign: {
        url: tenant.edusign.url,
        apiKey: (await sealOne('edusign.apiKey', tenant.edusign.apiKey)) ?? '',
      },
      options: tenant.options,
      status: status.status,
      pausedReason: status.pausedReason,
      pausedAt: status.pausedAt,
    };
  };

  const activeStatus = { status: 'active', pausedReason: null, pausedAt: null } as const;

  return {
    async list() {
      return (await store.list()).map(view);
    },

    async show(id) {
      return view(await load(id));
    },

    async add(input) {
      const tenant = parseTenant(input);
      if (await store.get(tenant.id)) throw new TenantExistsError(tenant.id);
      await checkTenantUrls({ aimaira: tenant.aimaira.url, edusign: tenant.edusign.url }, policy);
      await store.put(await seal(tenant, {}, activeStatus), at());
      return view(await load(tenant.id));
    },

    async update(id, changes) {
      const current = await load(id);
      const aimaira = changes.aimaira ?? {};
      const switchesToApiKey = aimaira.apiKey !== undefined;
      const switchesToPassword = aimaira.username !== undefined || aimaira.password !== undefined;
      if (switchesToApiKey && switchesToPassword) {
        throw new ConfigError(['aimaira: give either an API key or a username and password, not both']);
      }
      // A new way of signing in replaces the other one; otherwise what is not given stays.
      const keep = (sealed: string | null) => (sealed === null ? undefined : keptSecret);
      const aimairaAccess = switchesToApiKey
        ? { apiKey: aimaira.apiKey }
        : switchesToPassword
          ? {
              username: aimaira.username ?? current.aimaira.username ?? undefined,
              password: aimaira.password ?? keep(current.aimaira.password),
            }
          : {
              username: current.aimaira.username ?? undefined,
              password: keep(current.aimaira.password),
              apiKey: keep(current.aimaira.apiKey),
            };
      const candidate = {
        id,
        aimaira: {
          url: aimaira.url ?? current.aimaira.url,
          ...Object.fromEntries(Object.entries(aimairaAccess).filter(([, value]) => value !== undefined)),
        },
        edusign: {
          url: changes.edusign?.url ?? current.edusign.url,
          apiKey: changes.edusign?.apiKey ?? keptSecret,
        },
        options: { ...readOptions(current), ...changes.options },
      };
      const tenant = parseTenant(candidate);
      await checkTenantUrls({ aimaira: tenant.aimaira.url, edusign: tenant.edusign.url }, policy);
      const kept = Object.fromEntries(sealedValues(current));
      await store.put(await seal(tenant, kept, current), at());
      return view(await load(id));
    },

    async remove(id) {
      if (!(await store.remove(id))) throw new TenantNotFoundError(id);
    },

    async import(config) {
      // Every tenant is checked before any is written: a file with one bad tenant changes nothing.
      const issues: string[] = [];
      const tenants: TenantConfig[] = [];
      for (const [index, input] of config.tenants.entries()) {
        try {
          const tenant = parseTenant(input, `tenants[${index}]`);
          await checkTenantUrls(
            { aimaira: tenant.aimaira.url, edusign: tenant.edusign.url },
            policy,
            `tenants[${index}].`,
          );
          tenants.push(tenant);
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          issues.push(...error.issues);
        }
      }
      const ids = tenants.map((tenant) => tenant.id);
      const twice = ids.filter((id, index) => ids.indexOf(id) !== index);
      if (twice.length > 0) issues.push(`tenants: the id ${[...new Set(twice)].join(', ')} is given twice`);
      if (issues.length > 0) throw new ConfigError(issues);

      const records: TenantRecord[] = [];
      const outcomes: ImportOutcome[] = [];
      for (const tenant of tenants) {
        const existing = await store.get(tenant.id);
        records.push(await seal(tenant, {}, existing ?? activeStatus));
        outcomes.push({ id: tenant.id, action: existing ? 'updated' : 'added' });
      }
      await store.putAll(records, at());
      return outcomes;
    },

    async toTenantConfig(id, { checkUrls = true } = {}) {
      const stored = await load(id);
      const keys = await options.keys();
      const open = async (field: SecretField, sealed: string | null) =>
        sealed === null ? undefined : keys.open(sealed, { tenantId: id, field });
      const [password, apiKey, edusignApiKey] = await Promise.all([
        open('aimaira.password', stored.aimaira.password),
        open('aimaira.apiKey', stored.aimaira.apiKey),
        open('edusign.apiKey', stored.edusign.apiKey),
      ]);
      const tenant = parseTenant(
        {
          id,
          aimaira: {
            url: stored.aimaira.url,
            ...(stored.aimaira.username !== null && { username: stored.aimaira.username }),
            ...(password !== undefined && { password }),
            ...(apiKey !== undefined && { apiKey }),
          },
          edusign: { url: stored.edusign.url, apiKey: edusignApiKey },
          options: stored.options,
        },
        `tenant ${id}`,
      );
      if (checkUrls) await checkTenantUrls({ aimaira: tenant.aimaira.url, edusign: tenant.edusign.url }, policy);
      return tenant;
    },

    async pause(id, reason) {
      if (!(await store.setStatus(id, 'paused', reason, at()))) throw new TenantNotFoundError(id);
    },

    async resume(id) {
      if (!(await store.setStatus(id, 'active', null, at()))) throw new TenantNotFoundError(id);
    },
  };
}
