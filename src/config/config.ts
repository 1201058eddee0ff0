/**
 * The configuration file: tenants with their Aimaira and Edusign access and their options (the option names of
 * the product's help article). YAML or JSON; `${NAME}` is replaced by the environment variable NAME; an unknown
 * key is an error. Every problem is reported at once, each naming its field.
 */
import { open } from 'node:fs/promises';

import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

import { ConfigError } from '../errors.js';

/**
 * A tenant id names the tenant in URLs, logs and the store: one length limit for the configuration file, the CLI
 * and the dashboard, which all read ids through this pattern.
 */
export const tenantIdMaxLength = 100;
export const tenantIdPattern = new RegExp(`^[a-z0-9-]{1,${tenantIdMaxLength}}$`);

/** The longest credential accepted (user name, password, API key), in the file, the CLI and the dashboard alike. */
export const credentialMaxLength = 2000;

/**
 * A configuration file lists tenants and their options: a few kilobytes each, so 1 MiB is room for thousands. A
 * bigger file is a mistake (a log, a dump), and reading it whole would only make the parser slow.
 */
export const configFileMaxBytes = 1024 * 1024;

const loopbackHosts = new Set(['127.0.0.1', '::1', '[::1]', 'localhost']);

/** https, or http on loopback (the simulators). */
const serviceUrl = z
  .string()
  .trim()
  .refine(
    (value) => {
      try {
        const url = new URL(value);
        return url.protocol === 'https:' || (url.protocol === 'http:' && loopbackHosts.has(url.hostname));
      } catch {
        return false;
      }
    },
    { message: 'must be an https:// URL (plain http:// only on loopback, for the simulators)' },
  )
  .transform((value) => value.replace(/\/+$/, ''));

export const TenantOptions = z
  .object({
    sendCredentials: z.boolean().default(false),
    sendAttendance: z.boolean().default(false),
    structures: z.array(z.number().int().positive()).default([]),
    importEvenementsCommuns: z.boolean().default(false),
    defaultProfsForEvenementsCommun: z.string().trim().min(1).nullable().default(null),
    importStudentTutors: z.boolean().default(false),
    planifRealise: z.boolean().default(false),
    studentExclusion: z.boolean().default(false),
    studentDelay: z.boolean().default(false),
    studentEarlyDeparture: z.boolean().default(false),
    horizonDays: z.number().int().min(0).max(90).default(14),
    /** How many days back an upward run looks for locked sheets (sheets locked late, runs missed). */
    attendanceLookbackDays: z.number().int().min(1).max(365).default(30),
    /**
     * The `ProvenancePresence` an upward run writes on the learner rows it marks; null (the default) keeps the value
     * each row has. Written only when Aimaira's `$metadata` lists it among the field's values (or does not say).
     */
    provenancePresence: z.string().trim().min(1).max(100).nullable().default(null),
  })
  .strict();
export type TenantOptions = z.output<typeof TenantOptions>;

/** A credential: never empty, never over the limit, and said so in words (the value itself is never repeated). */
const credential = z
  .string()
  .min(1, 'is empty')
  .max(credentialMaxLength, `is longer than ${credentialMaxLength} characters`);

const AimairaAccess = z
  .object({
    url: serviceUrl,
    username: credential.optional(),
    password: credential.optional(),
    apiKey: credential.optional(),
  })
  .strict()
  .superRefine((access, ctx) => {
    const basic = access.username !== undefined || access.password !== undefined;
    if (basic && (access.username === undefined || access.password === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: 'username and password go together',
        path: [access.username ? 'password' : 'username'],
      });
    }
    if (!basic && access.apiKey === undefined) {
      ctx.addIssue({ code: 'custom', message: 'needs username and password, or apiKey' });
    }
  });

const EdusignAccess = z
  .object({
    url: serviceUrl.default('https://ext.edusign.fr'),
    apiKey: credential,
  })
  .strict();

export const TenantConfig = z
  .object({
    id: z
      .string()
      .regex(/^[a-z0-9-]+$/, 'must match [a-z0-9-]+')
      .max(tenantIdMaxLength, `must be at most ${tenantIdMaxLength} characters`),
    aimaira: AimairaAccess,
    edusign: EdusignAccess,
    options: TenantOptions.default(TenantOptions.parse({})),
  })
  .strict();
export type TenantConfig = z.output<typeof TenantConfig>;

export const ConnectorConfig = z
  .object({ tenants: z.array(TenantConfig).min(1, 'must list at least one tenant') })
  .strict()
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.tenants.forEach((tenant, index) => {
      if (seen.has(tenant.id)) {
        ctx.addIssue({ code: 'custom', message: `duplicate tenant id "${tenant.id}"`, path: ['tenants', index, 'id'] });
      }
      seen.add(tenant.id);
    });
  });
export type ConnectorConfig = z.output<typeof ConnectorConfig>;

/** `tenants[0].aimaira.url` from a zod path. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key)),
    '',
  );
}

/** Replaces `${NAME}` in every string of a parsed document; a variable that is not set is a problem of that field. */
function substituteEnvironment(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
  path: PropertyKey[],
  problems: string[],
): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_match, name: string) => {
      const replacement = env[name];
      if (replacement === undefined) {
        problems.push(`${formatPath(path)}: environment variable ${name} is not set`);
        return '';
      }
      return replacement;
    });
  }
  if (Array.isArray(value)) {
    return value.map((item, index) => substituteEnvironment(item, env, [...path, index], problems));
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, substituteEnvironment(item, env, [...path, key], problems)]),
    );
  }
  return value;
}

/** Parses configuration text (YAML, of which JSON is a subset) into a validated configuration. */
export function parseConfig(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
  source = 'configuration',
): ConnectorConfig {
  let document: unknown;
  try {
    document = parseYaml(text, { uniqueKeys: true });
  } catch (error) {
    throw new ConfigError([
      `${source}: not valid YAML or JSON: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
    ]);
  }
  const problems: string[] = [];
  const substituted = substituteEnvironment(document, env, [], problems);
  if (problems.length > 0) throw new ConfigError(problems.map((p) => `${source}: ${p}`));
  const parsed = ConnectorConfig.safeParse(substituted);
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
  return parsed.data;
}

/** The file's text, read up to one byte past `limit`: a bigger file is refused without being read whole. */
async function readAtMost(file: string, limit: number): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(limit + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > limit) {
      throw new ConfigError([
        `--config ${file}: larger than ${limit.toLocaleString('en-GB')} bytes, the limit of a configuration file`,
      ]);
    }
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    await handle.close();
  }
}

export async function loadConfigFile(
  file: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<ConnectorConfig> {
  let text: string;
  try {
    text = await readAtMost(file, configFileMaxBytes);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const code = (error as { code?: string }).code;
    throw new ConfigError([`--config ${file}: ${code === 'ENOENT' ? 'no such file' : 'cannot be read'}`]);
  }
  return parseConfig(text, env, file);
}
