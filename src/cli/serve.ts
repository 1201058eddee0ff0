/**
 * `serve` (and `start`, what `npm start` runs): the connector as a service until SIGTERM or Ctrl-C. With no tenant
 * in the store, the sandbox. A first signal stops gracefully (syncs in progress finish their current record and
 * are recorded as interrupted) and exits 0; a second one ends the process at once.
 */
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';

import { systemClock } from '../clock.js';
import { createServiceLogger } from '../service/logging.js';
import { startService } from '../service/serve.js';
import { adminPasswordFromEnvironment, masterKeySettings, serviceStoreUrl, smtpFromEnvironment } from './env.js';
import { exitCodes } from './exit-codes.js';
import type { CommandOutcome } from './main.js';
import { defaultRetentionMonths } from '../service/retention.js';
import { defaultWorkerConcurrency, serviceRoles } from '../service/serve.js';
import type { ServiceRole } from '../service/serve.js';
import type { ScheduleWindow } from '../service/schedule.js';
import {
  parseChoice,
  parseNonNegativeInteger,
  parsePositiveInteger,
  parseWindows,
  storeOptionHelp,
} from './options.js';
import { untilStopped } from './sim.js';

export const logLevels = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof logLevels)[number];

export interface ServeCommandOptions {
  dataDir: string;
  store?: string;
  port: number;
  host: string;
  keyFile?: string;
  sandbox?: true;
  allowLoopbackHttp?: true;
  logLevel: LogLevel;
  role: ServiceRole;
  workerConcurrency: number;
  windows?: ScheduleWindow[];
  retentionMonths: number;
  publicUrl?: string;
  trustProxy?: true;
}

/** The options `serve` and `start` share. */
export function addServeOptions(command: Command): Command {
  return command
    .option('--store <url>', storeOptionHelp)
    .option(
      '--data-dir <dir>',
      'folder of the master key file and the sandbox, and of the store (state.sqlite) when neither --store nor ' +
        'the environment names one',
      './data',
    )
    .option(
      '--port <n>',
      'port of /metrics, /healthz and the dashboard (0 = any free port)',
      parseNonNegativeInteger('--port'),
      8080,
    )
    .option('--host <host>', 'address to listen on (0.0.0.0 to be reachable from other machines)', '127.0.0.1')
    .option(
      '--key-file <file>',
      'master key file (default: $AIMAIRA_EDUSIGN_MASTER_KEY_FILE, else <data-dir>/master.key); unused when ' +
        '$AIMAIRA_EDUSIGN_MASTER_KEY is set',
    )
    .option('--sandbox', 'run the sandbox (simulators and a demo tenant) even when tenants are configured')
    .option(
      '--allow-loopback-http',
      "accept tenants whose URLs are plain http on loopback (the simulators'); refused otherwise",
    )
    .option('--log-level <level>', `${logLevels.join(', ')}`, parseChoice('--log-level', logLevels), 'info')
    .option(
      '--role <role>',
      `${serviceRoles.join(', ')}: with a PostgreSQL store, what this process does (scheduler: queues the due runs, ` +
        'one leader at a time; worker: runs them; web: the dashboard; all: the three). SQLite: all only',
      parseChoice('--role', serviceRoles),
      'all',
    )
    .option(
      '--worker-concurrency <n>',
      'PostgreSQL store, worker roles: tenants this process syncs at once',
      parsePositiveInteger('--worker-concurrency'),
      defaultWorkerConcurrency,
    )
    .option(
      '--windows <list>',
      "the daily windows, Paris time (default 11:00-14:00,18:00-21:00, the product's promise; other windows are " +
        'for trials)',
      parseWindows('--windows'),
    )
    .option(
      '--public-url <url>',
      'where people reach the dashboard, e.g. https://connector.example.fr: the one host name answered (IP ' +
        'addresses and localhost always are), Secure cookies over https, the links in e-mails',
      parsePublicUrl,
    )
    .option(
      '--trust-proxy',
      'behind a reverse proxy: the client address (sign-in throttle, audit) is the last of X-Forwarded-For',
    )
    .option(
      '--retention-months <n>',
      'runs and their events are deleted this many months after they end (daily; each tenant keeps its last run)',
      parsePositiveInteger('--retention-months'),
      defaultRetentionMonths,
    );
}

export function registerServeCommand(program: Command, outcome: CommandOutcome): void {
  addServeOptions(
    program
      .command('serve')
      .description(
        'Run the connector as a service: every tenant synced twice a day (Paris time), the web dashboard ' +
          '(password: $AIMAIRA_EDUSIGN_ADMIN_PASSWORD, else chosen at first start with the link in the log), ' +
          'Prometheus /metrics, /healthz, JSON logs. With no tenant configured, the sandbox. Stops gracefully on ' +
          'SIGTERM or Ctrl-C.',
      ),
  ).action(async (options: ServeCommandOptions) => {
    outcome.exitCode = await runServeCommand(options);
  });
}

export async function runServeCommand(options: ServeCommandOptions): Promise<number> {
  // A store URL of no accepted form is a usage error, before anything starts.
  const store = serviceStoreUrl(options);
  const log = createServiceLogger({ level: options.logLevel });
  // Listening from the start: a SIGTERM while the sandbox is being built stops the service as soon as it is up.
  const stopAsked = untilStopped();
  const service = await startService({
    dataDir: options.dataDir,
    ...(store !== undefined && { store }),
    clock: systemClock,
    log,
    port: options.port,
    host: options.host,
    masterKey: masterKeySettings(options.dataDir, options.keyFile),
    urlPolicy: { allowLoopbackHttp: options.allowLoopbackHttp === true },
    adminPassword: adminPasswordFromEnvironment(),
    ...(options.sandbox && { sandbox: true }),
    role: options.role,
    workerConcurrency: options.workerConcurrency,
    ...(options.windows && { scheduler: { windows: options.windows } }),
    retention: { months: options.retentionMonths },
    ...(options.publicUrl !== undefined && { publicUrl: options.publicUrl }),
    ...(options.trustProxy && { trustProxy: true }),
    ...smtpFromEnvironment(),
  });
  await stopAsked;
  // untilStopped removed its handlers: a second signal now ends the process at once, as Node does by default.
  log.logger.info('stop asked (a second Ctrl-C or SIGTERM stops at once)');
  await service.stop();
  return exitCodes.ok;
}

/** `--public-url`: an http(s) URL without credentials, query or fragment; its path is where the dashboard is reached. */
export function parsePublicUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('--public-url must be a URL such as https://connector.example.fr');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InvalidArgumentError(`--public-url must be an https:// URL, not ${url.protocol}`);
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw new InvalidArgumentError('--public-url must not hold credentials, a query or a fragment');
  }
  return url.href.replace(/\/+$/, '');
}
