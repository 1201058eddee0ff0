/**
 * What the connector's commands take from their surroundings: the configuration file (with `process.env` for its
 * `${NAME}` substitutions; the environment is read nowhere outside `src/cli/`), the clock, the store.
 */
import { join, resolve } from 'node:path';

import { systemClock } from '../clock.js';
import type { Clock } from '../clock.js';
import { loadConfigFile } from '../config/config.js';
import type { TenantConfig } from '../config/config.js';
import { ConfigError } from '../errors.js';
import { adminPasswordEnvVar } from '../service/admin-password.js';
import { keyFileName, masterKeyEnvVar, masterKeyFileEnvVar } from '../service/secrets.js';
import { dataDirStoreUrl, describeStoreLocation, openStoreAt, parseStoreUrl } from '../store/open.js';
import type { StoreLocation } from '../store/open.js';
import type { Stores } from '../store/port.js';
import { StateStoreError } from '../store/schema.js';
import type { SmtpSettings } from '../alerts/mailer.js';

/** The environment variable that names the store when `--store` does not. */
export const storeEnvVar = 'AIMAIRA_EDUSIGN_STORE';

/** The tenants of the configuration file, or the one named by `--tenant` (a ConfigError naming it otherwise). */
export async function loadTenants(configFile: string, tenantId: string | undefined): Promise<TenantConfig[]> {
  const config = await loadConfigFile(configFile, process.env);
  if (tenantId === undefined) return config.tenants;
  const tenant = config.tenants.find((candidate) => candidate.id === tenantId);
  if (!tenant) {
    const known = config.tenants.map((candidate) => candidate.id).join(', ');
    throw new ConfigError([`--tenant: no tenant "${tenantId}" in ${configFile} (its tenants: ${known})`]);
  }
  return [tenant];
}

/**
 * The sync instant and the clock of a run. With `--now`, the clock starts at that instant and moves with real time,
 * so the run's records are dated from it while waits (retries, rate limits) still take their real time.
 */
export function runClock(now: Date | undefined): { clock: Clock; now: Date } {
  if (now === undefined) return { clock: systemClock, now: new Date(systemClock.now()) };
  const offset = now.getTime() - systemClock.now();
  return {
    clock: { now: () => systemClock.now() + offset, sleep: (ms, signal) => systemClock.sleep(ms, signal) },
    now,
  };
}

/** The options of a command that opens the store. */
export interface StoreOptions {
  /** `--store URL`. */
  store?: string;
  /** `--data-dir`: its `state.sqlite` when neither `--store` nor the environment names a store. */
  dataDir: string;
}

/** The store URL given, and where it came from (for messages): `--store`, else the environment, else none. */
function givenStoreUrl(options: Pick<StoreOptions, 'store'>): { url: string; source: string } | undefined {
  if (options.store !== undefined) return { url: options.store, source: '--store' };
  const fromEnvironment = process.env[storeEnvVar];
  return fromEnvironment ? { url: fromEnvironment, source: storeEnvVar } : undefined;
}

/** Reads a store URL; one of no accepted form is a usage error naming the option or variable (and no password). */
function parseGiven(given: { url: string; source: string }): StoreLocation {
  try {
    return parseStoreUrl(given.url);
  } catch (error) {
    if (error instanceof StateStoreError) throw new ConfigError([`${given.source}: ${error.message}`]);
    throw error;
  }
}

/** Where the store is: `--store`, else `AIMAIRA_EDUSIGN_STORE`, else `<data-dir>/state.sqlite`. */
export function storeLocation(options: StoreOptions): StoreLocation {
  return parseGiven(givenStoreUrl(options) ?? { url: dataDirStoreUrl(options.dataDir), source: '--data-dir' });
}

/**
 * The store URL the service is given (`--store`, else the environment), checked; undefined when neither names
 * one, for the service's own default (`<data-dir>/state.sqlite`).
 */
export function serviceStoreUrl(options: Pick<StoreOptions, 'store'>): string | undefined {
  const given = givenStoreUrl(options);
  if (given === undefined) return undefined;
  parseGiven(given);
  return given.url;
}

/**
 * The store of a command, and how to name it in its output (a file, or a URL without credentials). For a command
 * that writes nothing (`--dry-run`, `explain`) a SQLite file that does not exist yet is not created: an empty
 * in-memory store answers instead, which is what a new file would hold. A PostgreSQL schema is migrated at open,
 * whatever the command.
 */
export async function openStores(
  options: StoreOptions,
  mode: 'write' | 'read',
): Promise<{ store: Stores; description: string }> {
  const location = storeLocation(options);
  const store = await openStoreAt(location, { createMissing: mode === 'write' });
  return { store, description: describeStoreLocation(location) };
}

/**
 * Where the master keys come from: `AIMAIRA_EDUSIGN_MASTER_KEY` when set, else the key file (`--key-file`, else
 * `AIMAIRA_EDUSIGN_MASTER_KEY_FILE`, else `<dataDir>/master.key`).
 */
export function masterKeySettings(
  dataDir: string,
  keyFileOption?: string,
): { environmentValue: string | undefined; keyFile: string } {
  const fromEnvironment = process.env[masterKeyFileEnvVar];
  const keyFile = keyFileOption ?? (fromEnvironment ? fromEnvironment : join(dataDir, keyFileName));
  return { environmentValue: process.env[masterKeyEnvVar], keyFile: resolve(keyFile) };
}

/**
 * The value of the environment variable an option names (`--edusign-api-key-env NAME`): secrets come this way so
 * that they stay out of the shell history and of the process list. A problem names the variable, never a value.
 */
export function secretFromEnvironment(option: string, name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new ConfigError([`${option}: "${name}" is not an environment variable name`]);
  }
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new ConfigError([`${option}: the environment variable ${name} is not set`]);
  }
  return value;
}

/**
 * The dashboard's administrator password from `AIMAIRA_EDUSIGN_ADMIN_PASSWORD`, in plaintext (the service hashes
 * it at start and never writes it); undefined when unset or empty (then `<data-dir>/admin.json`, or the set-up page).
 */
export function adminPasswordFromEnvironment(): string | undefined {
  const value = process.env[adminPasswordEnvVar];
  return value === undefined || value === '' ? undefined : value;
}

export const smtpUrlEnvVar = 'AIMAIRA_EDUSIGN_SMTP_URL';
export const mailFromEnvVar = 'AIMAIRA_EDUSIGN_MAIL_FROM';

/**
 * The SMTP server of invitations and alerts, from `AIMAIRA_EDUSIGN_SMTP_URL` (`smtp://user:password@host:587`, STARTTLS
 * when offered, or `smtps://...:465`, TLS from the first byte) and `AIMAIRA_EDUSIGN_MAIL_FROM`. Nothing when the URL
 * is unset: then no e-mail goes out and invitation links are handed over by the operator.
 */
export function smtpFromEnvironment(): { smtp?: SmtpSettings } {
  const value = process.env[smtpUrlEnvVar];
  if (value === undefined || value === '') return {};
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // Never the value: it holds the SMTP password.
    throw new ConfigError([`${smtpUrlEnvVar} is not a URL such as smtp://user:password@mail.example.fr:587`]);
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw new ConfigError([`${smtpUrlEnvVar} must start with smtp:// or smtps://, not ${url.protocol}//`]);
  }
  const from = process.env[mailFromEnvVar];
  if (from === undefined || !from.includes('@')) {
    throw new ConfigError([`${mailFromEnvVar} must give the sender of the e-mails, e.g. connecteur@example.fr`]);
  }
  const secure = url.protocol === 'smtps:';
  return {
    smtp: {
      host: url.hostname,
      port: url.port === '' ? (secure ? 465 : 587) : Number(url.port),
      secure,
      ...(url.username !== '' && {
        user: decodeURIComponent(url.username),
        password: decodeURIComponent(url.password),
      }),
      from,
    },
  };
}
