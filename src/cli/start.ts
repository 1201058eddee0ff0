/**
 * `start` (what `npm start` runs): the same as `serve`. With no tenant configured that is the sandbox: both
 * simulators with the medium scenario, a demo tenant, and a first sync a new user sees within a minute.
 */
import type { Command } from 'commander';

import type { CommandOutcome } from './main.js';
import { addServeOptions, runServeCommand } from './serve.js';
import type { ServeCommandOptions } from './serve.js';

export function registerStartCommand(program: Command, outcome: CommandOutcome): void {
  addServeOptions(
    program
      .command('start')
      .description(
        'What npm start runs: the same as serve. With no tenant configured, the sandbox (simulators, a demo ' +
          'tenant and a first sync right away).',
      ),
  ).action(async (options: ServeCommandOptions) => {
    outcome.exitCode = await runServeCommand(options);
  });
}
