/**
 * `start` (what `npm start` runs): until the connector service exists, the sandbox: both simulators with the
 * medium scenario, so a new user sees the two APIs the connector speaks, with data in them.
 */
import type { Command } from 'commander';

import type { CommandOutcome } from './main.js';
import { startSimulators, untilStopped } from './sim.js';

export function registerStartCommand(program: Command, _outcome: CommandOutcome): void {
  program
    .command('start')
    .description('Start the sandbox: both simulators with the medium scenario (the connector service comes later).')
    .action(async () => {
      process.stdout.write('Sandbox mode: nothing is configured, so these are simulators, not real accounts.\n');
      const sandbox = await startSimulators({
        scenario: 'medium',
        seed: 1,
        latency: 0,
        aimairaPort: 0,
        edusignPort: 0,
      });
      await untilStopped();
      await sandbox.close();
    });
}
