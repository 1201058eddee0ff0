/**
 * `tenant add|list|show|update|remove|import|rotate-key|check|forget-person`: the tenants the service runs, kept in
 * the store (`--store`, else $AIMAIRA_EDUSIGN_STORE, else `<data-dir>/state.sqlite`) with their secrets encrypted
 * under the master key (its file in `--data-dir` unless told otherwise); `forget-person` removes one person's traces.
 *
 * Secrets are never given on the command line: `--aimaira-password-env NAME` (and the other `-env` options) name
 * the environment variable that holds one, so the value stays out of the shell history and the process list;
 * `import` reads a configuration file whose `${NAME}` are replaced the same way. Nothing printed holds a secret.
 *
 * Exit status: 0 done; 2 a connection check found a problem (or a command failed); 64 bad usage or
 * configuration (unknown tenant, refused URL, missing variable, unusable master key).
 */
import { existsSync } from 'node:fs';

import type { Command } from 'commander';

import type { TenantOptions } from '../config/config.js';
import { ConfigError } from '../errors.js';
import { findPeopleByEmail, forgetPeople, maskEmail } from '../service/forget-person.js';
import type { EmailFingerprint, PersonForgottenReport, PersonRef } from '../service/forget-person.js';
import { tenantEmailFingerprint } from '../sync/down/email-fingerprint.js';
import { acquireTenantLock, lockHolder } from '../service/tenant-lock.js';
import { systemClock } from '../clock.js';
import { personKinds } from '../store/port.js';
import type { PersonKind } from '../store/port.js';
import { resumeTenant } from '../service/scheduler.js';
import { checkTenant } from '../service/check.js';
import { formatPreflight, runPreflight } from '../service/preflight.js';
import type { TenantCheckReport } from '../service/check.js';
import { rotateMasterKey } from '../service/secrets.js';
import type { MasterKeys, RotationOutcome } from '../service/secrets.js';
import { createTenantRepository, lazyMasterKeys } from '../service/tenants.js';
import type { ImportOutcome, TenantChanges, TenantRepository, TenantView } from '../service/tenants.js';
import { urlRefusals } from '../service/url-policy.js';
import type { Stores } from '../store/port.js';
import { createTenantClients } from '../sync/clients.js';
import { loadTenants, masterKeySettings, openStores, secretFromEnvironment } from './env.js';
import type { StoreOptions } from './env.js';
import { exitCodes } from './exit-codes.js';
import type { CommandOutcome } from './main.js';
import { parseChoice, parsePositiveInteger, storeOptionHelp } from './options.js';
import type { CommandStreams } from './sync.js';

interface CommonOptions extends StoreOptions {
  keyFile?: string;
  json?: true;
  allowLoopbackHttp?: true;
}

interface AccessOptions {
  aimairaUrl?: string;
  aimairaUsername?: string;
  aimairaPasswordEnv?: string;
  aimairaApiKeyEnv?: string;
  edusignUrl?: string;
  edusignApiKeyEnv?: string;
  option: string[];
}

const processStreams: CommandStreams = { stdout: process.stdout, stderr: process.stderr };

/** The options every subcommand takes. */
function common(command: Command, { loopback = false, json = true } = {}): Command {
  command
    .option('--store <url>', storeOptionHelp)
    .option(
      '--data-dir <dir>',
      'folder of the master key file, and of the store (state.sqlite) when neither --store nor the environment ' +
        'names one',
      './data',
    )
    .option(
      '--key-file <file>',
      'master key file (default: $AIMAIRA_EDUSIGN_MASTER_KEY_FILE, else <data-dir>/master.key); ' +
        'unused when $AIMAIRA_EDUSIGN_MASTER_KEY is set',
    );
  if (json) command.option('--json', 'print the result as JSON on stdout');
  if (loopback) {
    command.option(
      '--allow-loopback-http',
      'accept http:// and loopback URLs (the simulators of the sandbox and tests); never for real tenants',
    );
  }
  return command;
}

/** The options that give a tenant's access; secrets only by the name of an environment variable. */
function access(command: Command): Command {
  return command
    .option('--aimaira-url <url>', 'Aimaira API root, https://.../GraphV1')
    .option('--aimaira-username <login>', 'Aimaira Basic authentication login, e.g. ORG\\api@aimaira.fr (not secret)')
    .option('--aimaira-password-env <NAME>', 'environment variable that holds the Aimaira password')
    .option(
      '--aimaira-api-key-env <NAME>',
      'environment variable that holds the Aimaira API key (instead of a password)',
    )
    .option('--edusign-url <url>', 'Edusign API root (default https://ext.edusign.fr)')
    .option('--edusign-api-key-env <NAME>', 'environment variable that holds the Edusign API key')
    .option(
      '--option <name=value>',
      'a tenant option, e.g. sendAttendance=true, structures=[1,2], defaultProfsForEvenementsCommun=ID (repeatable)',
      (value: string, previous: string[]) => [...previous, value],
      [],
    );
}

export function registerTenantCommand(program: Command, outcome: CommandOutcome): void {
  const tenant = program
    .command('tenant')
    .description(
      'Manage the tenants the service runs, kept in the state store with their secrets encrypted. Secrets are ' +
        'read from environment variables named by the -env options, never from the command line.',
    );

  common(
    access(
      tenant
        .command('add')
        .description('Add a tenant. Needs --aimaira-url, Aimaira credentials and --edusign-api-key-env.')
        .argument('<id>', 'the tenant id, [a-z0-9-]+'),
    ),
    { loopback: true },
  ).action(async (id: string, options: CommonOptions & AccessOptions) => {
    outcome.exitCode = await runTenantAdd(id, options);
  });

  common(tenant.command('list').description('List the tenants (no secret is shown).')).action(
    async (options: CommonOptions) => {
      outcome.exitCode = await runTenantList(options);
    },
  );

  common(
    tenant
      .command('show')
      .description('Show one tenant: URLs, login, options, status; of each secret only whether it is set.')
      .argument('<id>', 'the tenant id'),
  ).action(async (id: string, options: CommonOptions) => {
    outcome.exitCode = await runTenantShow(id, options);
  });

  common(
    access(
      tenant
        .command('update')
        .description(
          'Change a tenant: what is not given stays. An Aimaira API key replaces a password and the other way round; ' +
            '--option values are merged into the options.',
        )
        .argument('<id>', 'the tenant id'),
    ),
    { loopback: true },
  ).action(async (id: string, options: CommonOptions & AccessOptions) => {
    outcome.exitCode = await runTenantUpdate(id, options);
  });

  common(
    tenant
      .command('remove')
      .description('Remove a tenant and its secrets. Its sync history (links, runs, events) stays in the store.')
      .argument('<id>', 'the tenant id'),
  ).action(async (id: string, options: CommonOptions) => {
    outcome.exitCode = await runTenantRemove(id, options);
  });

  common(
    tenant
      .command('import')
      .description(
        'Add or update every tenant of a configuration file (the format of sync --config); all of them or none.',
      )
      .requiredOption(
        '--config <file>',
        'configuration file (YAML or JSON); ${NAME} in it is replaced by the environment variable NAME',
      ),
    { loopback: true },
  ).action(async (options: CommonOptions & { config: string }) => {
    outcome.exitCode = await runTenantImport(options);
  });

  common(
    tenant
      .command('rotate-key')
      .description(
        'Encrypt every stored secret under a new master key. With a key file: adds a key, re-encrypts, removes the ' +
          'old key. With $AIMAIRA_EDUSIGN_MASTER_KEY: append the new key (id:base64) to the variable first.',
      ),
  ).action(async (options: CommonOptions) => {
    outcome.exitCode = await runTenantRotateKey(options);
  });

  common(
    tenant
      .command('check')
      .description(
        "Check a tenant's connection: sign-in to both APIs, Aimaira type codes, the default professor on Edusign. " +
          'With --deep, also the preflight: how both servers behave where the public documents leave it open, ' +
          'probed with reads only, and which way the connector will work with them (kept for its runs). ' +
          'A paused tenant that passes is resumed. Exit status 2 when a connection check fails.',
      )
      .argument('<id>', 'the tenant id')
      .option('--deep', 'run the preflight too (reads only; its strategies are kept for the tenant’s runs)'),
    { loopback: true },
  ).action(async (id: string, options: CommonOptions & { deep?: true }) => {
    outcome.exitCode = await runTenantCheck(id, options);
  });

  common(
    tenant
      .command('forget-person')
      .description(
        'Remove every trace of one person from the store: their link, the events about them, a learner’s ' +
          'attendance records, their place in remembered rosters. Nothing changes in Aimaira or Edusign; a person ' +
          'still in Aimaira is found and linked again by the next sync. By --aimaira-id (with --kind when that id ' +
          'is linked as more than one kind), or by --email (every kind linked with that address).',
      )
      .requiredOption('--tenant <id>', 'the tenant id')
      .option('--aimaira-id <id>', 'the Aimaira id of the person', parsePositiveInteger('--aimaira-id'))
      .option('--kind <kind>', personKinds.join(', '), parseChoice('--kind', personKinds))
      .option('--email <address>', 'the e-mail the person was synced with (any case)'),
  ).action(async (options: ForgetPersonOptions) => {
    outcome.exitCode = await runTenantForgetPerson(options);
  });
}

export interface ForgetPersonOptions extends CommonOptions {
  tenant: string;
  aimairaId?: number;
  kind?: PersonKind;
  email?: string;
}

// ---- The commands --------------------------------------------------------------------------------------------

interface Session {
  repository: TenantRepository;
  store: Stores;
  keys: () => Promise<MasterKeys>;
}

/** Opens the store and the repository, runs `work`, closes the store; master key notices go to stderr once. */
async function withRepository<T>(
  options: CommonOptions,
  mode: 'read' | 'write',
  streams: CommandStreams,
  work: (session: Session) => Promise<T>,
): Promise<T> {
  const { store } = await openStores(options, mode);
  try {
    const settings = masterKeySettings(options.dataDir, options.keyFile);
    const load = lazyMasterKeys(store.tenants, settings);
    let told = false;
    const keys = async () => {
      const loaded = await load();
      if (!told) {
        told = true;
        for (const notice of loaded.notices) streams.stderr.write(`aimaira-edusign: ${notice}\n`);
      }
      return loaded;
    };
    const repository = createTenantRepository({
      store: store.tenants,
      keys,
      urlPolicy: { allowLoopbackHttp: options.allowLoopbackHttp === true },
    });
    return await work({ repository, store, keys });
  } catch (error) {
    throw withLoopbackHint(error);
  } finally {
    await store.close();
  }
}

/** A refused loopback or http URL: say how the simulators get through. */
function withLoopbackHint(error: unknown): unknown {
  const refusals = urlRefusals(error);
  if (refusals.some((refusal) => refusal.refusal === 'loopback' || refusal.refusal === 'http')) {
    const issues = (error as ConfigError).issues;
    return new ConfigError([...issues, '(--allow-loopback-http accepts loopback URLs, for the simulators only)']);
  }
  return error;
}

/** `--option name=value`: the value as JSON when it is JSON (true, 14, [1,2], null), else as text. */
export function parseTenantOptions(values: readonly string[]): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const entry of values) {
    const equals = entry.indexOf('=');
    if (equals <= 0) throw new ConfigError([`--option: expected name=value, got "${entry}"`]);
    const name = entry.slice(0, equals).trim();
    const text = entry.slice(equals + 1).trim();
    let value: unknown = text;
    try {
      value = JSON.parse(text);
    } catch {
      // Plain text, e.g. a professor id.
    }
    options[name] = value;
  }
  return options;
}

function changesFrom(options: AccessOptions): TenantChanges {
  const aimaira: NonNullable<TenantChanges['aimaira']> = {
    ...(options.aimairaUrl !== undefined && { url: options.aimairaUrl }),
    ...(options.aimairaUsername !== undefined && { username: options.aimairaUsername }),
    ...(options.aimairaPasswordEnv !== undefined && {
      password: secretFromEnvironment('--aimaira-password-env', options.aimairaPasswordEnv),
    }),
    ...(options.aimairaApiKeyEnv !== undefined && {
      apiKey: secretFromEnvironment('--aimaira-api-key-env', options.aimairaApiKeyEnv),
    }),
  };
  const edusign: NonNullable<TenantChanges['edusign']> = {
    ...(options.edusignUrl !== undefined && { url: options.edusignUrl }),
    ...(options.edusignApiKeyEnv !== undefined && {
      apiKey: secretFromEnvironment('--edusign-api-key-env', options.edusignApiKeyEnv),
    }),
  };
  return {
    ...(Object.keys(aimaira).length > 0 && { aimaira }),
    ...(Object.keys(edusign).length > 0 && { edusign }),
    ...(options.option.length > 0 && { options: parseTenantOptions(options.option) }),
  };
}

export async function runTenantAdd(
  id: string,
  options: CommonOptions & AccessOptions,
  streams: CommandStreams = processStreams,
): Promise<number> {
  const changes = changesFrom(options);
  const missing = [
    options.aimairaUrl === undefined && '--aimaira-url',
    options.aimairaPasswordEnv === undefined &&
      options.aimairaApiKeyEnv === undefined &&
      '--aimaira-username with --aimaira-password-env, or --aimaira-api-key-env',
    options.edusignApiKeyEnv === undefined && '--edusign-api-key-env',
  ].filter((item): item is string => item !== false);
  if (missing.length > 0) throw new ConfigError(missing.map((option) => `tenant add: ${option} is required`));
  const input = {
    id,
    aimaira: changes.aimaira,
    edusign: changes.edusign,
    ...(changes.options && { options: changes.options }),
  };
  return withRepository(options, 'write', streams, async ({ repository }) => {
    const tenant = await repository.add(input);
    print(streams, options, tenant, () => `Added tenant ${tenant.id}.\n${formatTenant(tenant)}`);
    return exitCodes.ok;
  });
}

export async function runTenantList(options: CommonOptions, streams: CommandStreams = processStreams): Promise<number> {
  return withRepository(options, 'read', streams, async ({ repository }) => {
    const tenants = await repository.list();
    print(streams, options, tenants, () => formatTenantList(tenants));
    return exitCodes.ok;
  });
}

export async function runTenantShow(
  id: string,
  options: CommonOptions,
  streams: CommandStreams = processStreams,
): Promise<number> {
  return withRepository(options, 'read', streams, async ({ repository }) => {
    const tenant = await repository.show(id);
    print(streams, options, tenant, () => formatTenant(tenant));
    return exitCodes.ok;
  });
}

export async function runTenantUpdate(
  id: string,
  options: CommonOptions & AccessOptions,
  streams: CommandStreams = processStreams,
): Promise<number> {
  const changes = changesFrom(options);
  if (Object.keys(changes).length === 0) throw new ConfigError(['tenant update: nothing to change (see --help)']);
  return withRepository(options, 'write', streams, async ({ repository }) => {
    const tenant = await repository.update(id, changes);
    print(streams, options, tenant, () => `Updated tenant ${tenant.id}.\n${formatTenant(tenant)}`);
    return exitCodes.ok;
  });
}

export async function runTenantRemove(
  id: string,
  options: CommonOptions,
  streams: CommandStreams = processStreams,
): Promise<number> {
  return withRepository(options, 'write', streams, async ({ repository }) => {
    await repository.remove(id);
    print(streams, options, { removed: id }, () => `Removed tenant ${id} and its secrets.\n`);
    return exitCodes.ok;
  });
}

export async function runTenantImport(
  options: CommonOptions & { config: string },
  streams: CommandStreams = processStreams,
): Promise<number> {
  const tenants = await loadTenants(options.config, undefined);
  return withRepository(options, 'write', streams, async ({ repository }) => {
    const outcomes = await repository.import({ tenants });
    print(streams, options, { tenants: outcomes }, () => formatImport(outcomes, options.config));
    return exitCodes.ok;
  });
}

export async function runTenantRotateKey(
  options: CommonOptions,
  streams: CommandStreams = processStreams,
): Promise<number> {
  const settings = masterKeySettings(options.dataDir, options.keyFile);
  if (!settings.environmentValue && !existsSync(settings.keyFile)) {
    throw new ConfigError([
      `tenant rotate-key: there is no master key yet (no ${settings.keyFile}): nothing to rotate`,
    ]);
  }
  return withRepository(options, 'write', streams, async ({ store, keys }) => {
    const rotation = await rotateMasterKey(await keys(), store.tenants, new Date(), store.webhooks);
    for (const notice of rotation.notices) streams.stderr.write(`aimaira-edusign: ${notice}\n`);
    print(streams, options, rotation, () => formatRotation(rotation));
    return exitCodes.ok;
  });
}

export async function runTenantCheck(
  id: string,
  options: CommonOptions & { deep?: true },
  streams: CommandStreams = processStreams,
): Promise<number> {
  return withRepository(options, 'write', streams, async ({ repository, store }) => {
    const before = await repository.show(id);
    // URL refusals are findings of the check, not a reason not to report the rest.
    const tenant = await repository.toTenantConfig(id, { checkUrls: false });
    const clients = createTenantClients(tenant);
    const report = await checkTenant(tenant, clients, {
      urlPolicy: { allowLoopbackHttp: options.allowLoopbackHttp === true },
    });
    // The preflight only where both services answered: its probes would only repeat the connection's failure.
    const preflight =
      options.deep === true && report.ok ? await runPreflight(tenant, clients, { now: new Date() }) : undefined;
    if (preflight) await store.savePreflight(preflight);
    const resumed = report.ok && before.status === 'paused';
    if (resumed) await repository.resume(id);
    // A passing check also ends the scheduler's pause and failure streak at once, not at its next tick.
    if (report.ok) await resumeTenant(store.schedule, id, new Date().toISOString(), store.tenants);
    print(
      streams,
      options,
      { ...report, resumed, ...(options.deep === true && { preflight: preflight ?? null }) },
      () =>
        [
          formatCheck(report, resumed ? before.pausedReason : undefined),
          ...(preflight ? [formatPreflight(preflight)] : []),
          ...(options.deep === true && !preflight ? ['Preflight not run: the connection check failed.\n'] : []),
        ].join('\n'),
    );
    return report.ok ? exitCodes.ok : exitCodes.failed;
  });
}

export async function runTenantForgetPerson(
  options: ForgetPersonOptions,
  streams: CommandStreams = processStreams,
): Promise<number> {
  const { tenant: tenantId, aimairaId, email } = options;
  if ((aimairaId === undefined) === (email === undefined)) {
    throw new ConfigError(['tenant forget-person: give --aimaira-id ID or --email ADDRESS (one of them)']);
  }
  if (email !== undefined && options.kind !== undefined) {
    throw new ConfigError(['tenant forget-person: --kind goes with --aimaira-id; --email finds every kind']);
  }
  return withRepository(options, 'read', streams, async ({ repository, store }) => {
    const configured = (await store.tenants.get(tenantId)) !== undefined;
    // Links keep a keyed hash of the e-mail, keyed from the tenant's Edusign API key: only a configured tenant has one.
    const fingerprint =
      email !== undefined && configured
        ? tenantEmailFingerprint(await repository.toTenantConfig(tenantId, { checkUrls: false }))
        : undefined;
    const people = await peopleToForget(store, options, fingerprint);
    // No run of the tenant may be live: it holds the links in memory and would write the person back.
    const attempt = await acquireTenantLock(store.schedule, tenantId, {
      holder: lockHolder('forget-person'),
      clock: systemClock,
    });
    if (!attempt.acquired) {
      streams.stderr.write(`aimaira-edusign: ${attempt.message}; try again once it is over\n`);
      return exitCodes.failed;
    }
    let reports: PersonForgottenReport[];
    try {
      reports = await forgetPeople(store, tenantId, people);
    } finally {
      await attempt.lock.release();
    }
    const masked = email === undefined ? undefined : maskEmail(email);
    print(streams, options, { tenant: tenantId, ...(masked && { email: masked }), configured, people: reports }, () =>
      formatForgotten(tenantId, reports, masked, configured),
    );
    return exitCodes.ok;
  });
}

/** The people `options` name: by e-mail, every kind linked with it; by id, the kind given or the only one linked. */
async function peopleToForget(
  store: Stores,
  options: ForgetPersonOptions,
  fingerprint: EmailFingerprint | undefined,
): Promise<PersonRef[]> {
  if (options.email !== undefined) return findPeopleByEmail(store, options.tenant, options.email, fingerprint);
  const aimairaId = options.aimairaId ?? 0;
  if (options.kind !== undefined) return [{ kind: options.kind, aimairaId }];
  const linked: PersonKind[] = [];
  for (const kind of personKinds) {
    if ((await store.getLink(options.tenant, kind, aimairaId)) !== undefined) linked.push(kind);
  }
  const [only] = linked;
  if (only !== undefined && linked.length === 1) return [{ kind: only, aimairaId }];
  // Aimaira ids are per kind: learner 42 and facilitator 42 are two people, and only the user knows which.
  throw new ConfigError([
    linked.length === 0
      ? `tenant forget-person: no person has a link with Aimaira id ${aimairaId} in tenant ${options.tenant}; ` +
        `say which kind with --kind (${personKinds.join(', ')}) to remove what else is left of them`
      : `tenant forget-person: Aimaira id ${aimairaId} is linked as ${linked.join(' and ')} (two people): ` +
        'say which with --kind',
  ]);
}

function formatForgotten(
  tenantId: string,
  reports: readonly PersonForgottenReport[],
  maskedEmail: string | undefined,
  configured: boolean,
): string {
  const lines: string[] = [];
  if (!configured) {
    lines.push(
      `Tenant ${tenantId} is not configured in the store: its stored history was searched all the same, but by ` +
        'e-mail only links of older versions (e-mail in clear) can be matched; --aimaira-id finds the others.',
    );
  }
  if (reports.length === 0) {
    lines.push(`No person of tenant ${tenantId} is linked with the e-mail ${maskedEmail ?? ''}: nothing removed.`);
    return `${lines.join('\n')}\n`;
  }
  for (const { kind, aimairaId, removed } of reports) {
    lines.push(
      `Forgot ${kind} ${aimairaId} of tenant ${tenantId}${maskedEmail ? ` (e-mail ${maskedEmail})` : ''}: ` +
        `${removed.links} link, ${removed.events} event(s), ${removed.attendance} attendance record(s), ` +
        `${removed.rosters} sheet or group roster(s).`,
    );
  }
  lines.push(
    'Nothing was changed in Aimaira or Edusign. If the person is still in Aimaira, the next sync links them again.',
  );
  return `${lines.join('\n')}\n`;
}

// ---- Output --------------------------------------------------------------------------------------------------

function print(streams: CommandStreams, options: CommonOptions, data: unknown, text: () => string): void {
  streams.stdout.write(options.json ? `${JSON.stringify(data, null, 2)}\n` : text());
}

function formatOptions(options: TenantOptions): string {
  return Object.entries(options)
    .map(([name, value]) => `${name} ${JSON.stringify(value)}`)
    .join(', ');
}

export function formatTenant(tenant: TenantView): string {
  const { aimaira, edusign } = tenant;
  const signIn =
    aimaira.authentication === 'apiKey'
      ? `API key ${aimaira.apiKey}`
      : `username ${aimaira.username ?? '(none)'}, password ${aimaira.password}`;
  const status =
    tenant.status === 'paused'
      ? `paused since ${tenant.pausedAt ?? '?'}: ${tenant.pausedReason ?? 'no reason given'}`
      : 'active';
  return [
    `Tenant ${tenant.id} (${status})`,
    `  Aimaira  ${aimaira.url}`,
    `           sign-in: ${signIn}`,
    `  Edusign  ${edusign.url}`,
    `           API key ${edusign.apiKey}`,
    `  Options  ${formatOptions(tenant.options)}`,
    `  Secrets  encrypted under master key ${tenant.keyIds.join(', ') || '(none)'}`,
    `  Added ${tenant.createdAt}, updated ${tenant.updatedAt}`,
    '',
  ].join('\n');
}

export function formatTenantList(tenants: readonly TenantView[]): string {
  if (tenants.length === 0) {
    return 'No tenant yet. Add one with: tenant add ID --aimaira-url ... (or tenant import --config FILE)\n';
  }
  const rows = tenants.map((tenant) => [tenant.id, tenant.status, tenant.aimaira.url, tenant.edusign.url]);
  const header = ['ID', 'STATUS', 'AIMAIRA', 'EDUSIGN'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  ');
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

function formatImport(outcomes: readonly ImportOutcome[], file: string): string {
  const added = outcomes.filter((outcome) => outcome.action === 'added').map((outcome) => outcome.id);
  const updated = outcomes.filter((outcome) => outcome.action === 'updated').map((outcome) => outcome.id);
  return [
    `Imported ${outcomes.length} tenant${outcomes.length === 1 ? '' : 's'} from ${file}.`,
    ...(added.length > 0 ? [`  added    ${added.join(', ')}`] : []),
    ...(updated.length > 0 ? [`  updated  ${updated.join(', ')}`] : []),
    '',
  ].join('\n');
}

function formatRotation(rotation: RotationOutcome): string {
  return [
    `Every secret is now encrypted under master key ${rotation.currentKeyId} (${rotation.reencrypted} re-encrypted).`,
    ...(rotation.retiredKeyIds.length > 0
      ? [`Removed the old key ${rotation.retiredKeyIds.join(', ')} from the key file.`]
      : []),
    ...(rotation.unusedKeyIds.length > 0
      ? [`No secret uses ${rotation.unusedKeyIds.join(', ')} any more: remove it from AIMAIRA_EDUSIGN_MASTER_KEY.`]
      : []),
    '',
  ].join('\n');
}

export function formatCheck(report: TenantCheckReport, resumedFrom?: string | null): string {
  const width = Math.max(...report.checks.map((check) => check.check.length));
  const problems = report.checks.filter((check) => !check.ok).length;
  return [
    `Connection check of tenant ${report.tenantId}:`,
    ...report.checks.map((check) => `  ${check.ok ? 'ok  ' : 'FAIL'}  ${check.check.padEnd(width)}  ${check.message}`),
    problems === 0 ? 'Every check passed.' : `${problems} problem${problems === 1 ? '' : 's'} found.`,
    ...(resumedFrom !== undefined
      ? [`The tenant was paused (${resumedFrom ?? 'no reason given'}); it is active again.`]
      : []),
    '',
  ].join('\n');
}
