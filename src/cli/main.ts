/**
 * `aimaira-edusign <command>`: the command line. Each command lives in its own file and registers itself on the
 * program; this file wires them and turns usage mistakes into exit status 64 with a message naming the problem.
 */
import { Command, CommanderError } from 'commander';

import { ConfigError } from '../errors.js';
import { exitCodes } from './exit-codes.js';
import { registerExplainCommand } from './explain.js';
import { registerMigrateCommand } from './migrate.js';
import { registerServeCommand } from './serve.js';
import { registerSimCommand } from './sim.js';
import { registerStartCommand } from './start.js';
import { registerSyncCommand } from './sync.js';
import { registerTenantCommand } from './tenant.js';

/** What a command's action reports back: its exit status. */
export interface CommandOutcome {
  exitCode: number;
}

export async function main(argv: readonly string[]): Promise<number> {
  const outcome: CommandOutcome = { exitCode: exitCodes.ok };
  const program = new Command('aimaira-edusign')
    .description('Turns Aimaira course sessions into Edusign attendance sheets and sends attendance back.')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerStartCommand(program, outcome);
  registerServeCommand(program, outcome);
  registerSimCommand(program, outcome);
  registerSyncCommand(program, outcome);
  registerExplainCommand(program, outcome);
  registerTenantCommand(program, outcome);
  registerMigrateCommand(program, outcome);

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return outcome.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here too, with exit code 0.
      return error.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`aimaira-edusign: ${error.message}\n`);
      return exitCodes.usage;
    }
    process.stderr.write(`aimaira-edusign: ${error instanceof Error ? error.message : String(error)}\n`);
    return exitCodes.failed;
  }
}
