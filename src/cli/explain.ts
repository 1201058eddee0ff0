/**
 * `explain`: "why doesn't my sheet come down?" for one Aimaira session, from live data: whether it is eligible,
 * every rule that excludes it, each person left out and why, its sheet on Edusign and what the next sync would do.
 *
 * Writes nothing. A session Aimaira does not know is an answer too (exit status 0); exit 2 when Aimaira or Edusign
 * cannot be read, 64 for bad usage or configuration.
 */
import type { Command } from 'commander';

import { checkConfiguredTenants } from '../service/url-policy.js';
import { createTenantClients } from '../sync/clients.js';
import { explainSession } from '../sync/down/explain.js';
import { loadTenants, openStores, runClock } from './env.js';
import type { StoreOptions } from './env.js';
import { exitCodes } from './exit-codes.js';
import { formatExplanation } from './format.js';
import type { CommandOutcome } from './main.js';
import { parseInstant, parseNonNegativeInteger, storeOptionHelp } from './options.js';
import type { CommandStreams } from './sync.js';

export interface ExplainCommandOptions extends StoreOptions {
  config: string;
  tenant: string;
  session: number;
  now?: Date;
  json: boolean;
  /** Accept http and loopback URLs (the simulators); the URL policy refuses them by default. */
  allowLoopbackHttp?: boolean;
}

export function registerExplainCommand(program: Command, outcome: CommandOutcome): void {
  program
    .command('explain')
    .description(
      "Explain from live data why a session's sheet does or does not come down to Edusign, and what the next " +
        'sync would do with it. Writes nothing.',
    )
    .requiredOption(
      '--config <file>',
      'configuration file (YAML or JSON); ${NAME} in it is replaced by the environment variable NAME',
    )
    .requiredOption('--tenant <id>', 'the tenant the session belongs to')
    .requiredOption('--session <id>', 'the Aimaira session: its Planification id', parseNonNegativeInteger('--session'))
    .option(
      '--now <instant>',
      'answer for a sync at this instant instead of now (ISO 8601 with its offset, e.g. 2026-12-01T07:00:00+01:00)',
      parseInstant('--now'),
    )
    .option('--store <url>', `${storeOptionHelp}; read only`)
    .option(
      '--data-dir <dir>',
      'folder of the store (state.sqlite) when neither --store nor the environment names one; read only',
      './data',
    )
    .option('--json', 'print the answer as one JSON document on stdout')
    .option(
      '--allow-loopback-http',
      'accept http:// and loopback URLs in the configuration file (the simulators of the sandbox and tests); never for real tenants',
    )
    .action(async (options: Omit<ExplainCommandOptions, 'json'> & { json?: true }) => {
      outcome.exitCode = await runExplainCommand({ ...options, json: options.json === true });
    });
}

export async function runExplainCommand(
  options: ExplainCommandOptions,
  streams: Pick<CommandStreams, 'stdout'> = { stdout: process.stdout },
): Promise<number> {
  const [tenant] = await loadTenants(options.config, options.tenant);
  if (!tenant) return exitCodes.usage;
  // The policy of `tenant add`, before the store opens; every connection is checked again as it is made.
  await checkConfiguredTenants([tenant], { allowLoopbackHttp: options.allowLoopbackHttp === true });
  const { clock, now } = runClock(options.now);
  const { store } = await openStores(options, 'read');
  try {
    const explanation = await explainSession({
      tenant,
      ...createTenantClients(tenant, { clock }),
      store,
      now,
      sessionId: options.session,
    });
    streams.stdout.write(options.json ? `${JSON.stringify(explanation, null, 2)}\n` : formatExplanation(explanation));
    return exitCodes.ok;
  } finally {
    await store.close();
  }
}
