/**
 * `migrate`: brings the store's schema up to date and says where it stands. Every command migrates the store it
 * opens anyway; this one does only that, for a deployment step before the processes start (on PostgreSQL under the
 * migration lock, so it may run while other processes open the same database).
 *
 * Exit status: 0 done; 2 the store could not be opened or migrated; 64 a store URL of no accepted form.
 */
import type { Command } from 'commander';

import { migrateStore } from '../store/migrate.js';
import type { MigrationReport } from '../store/migrate.js';
import { storeLocation } from './env.js';
import type { StoreOptions } from './env.js';
import { exitCodes } from './exit-codes.js';
import type { CommandOutcome } from './main.js';
import { dataDirOptionHelp, storeOptionHelp } from './options.js';
import type { CommandStreams } from './sync.js';

export interface MigrateCommandOptions extends StoreOptions {
  json: boolean;
}

/** What `migrate --json` prints. */
export interface MigrateSummary extends MigrationReport {
  command: 'migrate';
}

export function registerMigrateCommand(program: Command, outcome: CommandOutcome): void {
  program
    .command('migrate')
    .description(
      "Bring the store's schema up to date (creating the store, or the PostgreSQL schema, when missing) and say " +
        'which version it is at and how many migrations were applied now. Safe to run at any time.',
    )
    .option('--store <url>', storeOptionHelp)
    .option('--data-dir <dir>', dataDirOptionHelp, './data')
    .option('--json', 'print the result as JSON on stdout')
    .action(async (options: Omit<MigrateCommandOptions, 'json'> & { json?: true }) => {
      outcome.exitCode = await runMigrateCommand({ ...options, json: options.json === true });
    });
}

export async function runMigrateCommand(
  options: MigrateCommandOptions,
  streams: Pick<CommandStreams, 'stdout'> = { stdout: process.stdout },
): Promise<number> {
  const report = await migrateStore(storeLocation(options));
  const summary: MigrateSummary = { command: 'migrate', ...report };
  streams.stdout.write(options.json ? `${JSON.stringify(summary, null, 2)}\n` : formatMigration(report));
  return exitCodes.ok;
}

export function formatMigration(report: MigrationReport): string {
  const now =
    report.appliedNow.length === 0
      ? 'Nothing to apply: it was up to date.'
      : `Applied ${report.appliedNow.length} migration${report.appliedNow.length === 1 ? '' : 's'} now: ` +
        `${report.appliedNow.join(', ')}.`;
  return [
    `Store ${report.store}`,
    `  schema version ${report.version ?? '(none)'} (${report.applied} migration${report.applied === 1 ? '' : 's'} applied)`,
    `  ${now}`,
    '',
  ].join('\n');
}
