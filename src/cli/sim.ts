/** `sim`: both simulators on loopback, seeded with a generated scenario, until interrupted. */
import type { Command } from 'commander';

import { startSandbox } from '../../sim/sandbox.js';
import type { Sandbox } from '../../sim/sandbox.js';
import { scenarioSizes } from '../../sim/scenario/generate.js';
import { simProfiles } from '../../sim/shared/profile.js';
import type { SimProfile } from '../../sim/shared/profile.js';
import type { ScenarioSize } from '../../sim/scenario/generate.js';
import type { CommandOutcome } from './main.js';
import { parseChoice, parseInstant, parseNonNegativeInteger } from './options.js';

export interface SimCommandOptions {
  scenario: ScenarioSize;
  seed: number;
  now?: Date;
  latency: number;
  aimairaPort: number;
  edusignPort: number;
  /** Edusign's per-minute limit before it slows requests down (480, as documented). */
  edusignPerMinute?: number;
  profile: SimProfile;
}

export function registerSimCommand(program: Command, _outcome: CommandOutcome): void {
  program
    .command('sim')
    .description('Start the Aimaira and Edusign simulators on loopback with a generated scenario, until Ctrl-C.')
    .option(
      '--scenario <size>',
      `scenario size: ${scenarioSizes.join(', ')}`,
      parseChoice('--scenario', scenarioSizes),
      'medium',
    )
    .option(
      '--profile <profile>',
      `how the simulators behave: ${simProfiles.join(', ')} (harsh: every way public clients show the real APIs ` +
        'may differ, at once; see docs/contracts/)',
      parseChoice('--profile', simProfiles),
      'default',
    )
    .option('--seed <n>', 'seed of the scenario generator', parseNonNegativeInteger('--seed'), 1)
    .option('--now <instant>', 'build the scenario around this instant (ISO 8601 with offset)', parseInstant('--now'))
    .option('--latency <ms>', 'latency added to every simulated request', parseNonNegativeInteger('--latency'), 0)
    .option(
      '--edusign-per-minute <n>',
      'requests a minute above which the Edusign simulator slows down (480 like Edusign; raise it only for benchmarks)',
      parseNonNegativeInteger('--edusign-per-minute'),
    )
    .option(
      '--aimaira-port <port>',
      'Aimaira simulator port (0 = any free port)',
      parseNonNegativeInteger('--aimaira-port'),
      0,
    )
    .option(
      '--edusign-port <port>',
      'Edusign simulator port (0 = any free port)',
      parseNonNegativeInteger('--edusign-port'),
      0,
    )
    .action(async (options: SimCommandOptions) => {
      const sandbox = await startSimulators(options);
      await untilStopped();
      await sandbox.close();
    });
}

export async function startSimulators(options: SimCommandOptions): Promise<Sandbox> {
  const sandbox = await startSandbox({
    size: options.scenario,
    seed: options.seed,
    profile: options.profile,
    latencyMs: options.latency,
    aimairaPort: options.aimairaPort,
    edusignPort: options.edusignPort,
    ...(options.now && { now: options.now }),
    ...(options.edusignPerMinute !== undefined && { edusignPerMinute: options.edusignPerMinute }),
  });
  process.stdout.write(describeSandbox(sandbox));
  return sandbox;
}

export function describeSandbox(sandbox: Sandbox): string {
  const { scenario, aimaira, edusign } = sandbox;
  const counts = scenario.manifest.counts;
  return [
    `Simulators running (scenario ${scenario.size}, seed ${scenario.seed}, profile ${sandbox.profile}, built around ${scenario.now}):`,
    '',
    `  Aimaira  ${aimaira.rootUrl}`,
    `           username ${scenario.credentials.aimaira.username}`,
    `           password ${scenario.credentials.aimaira.password}`,
    `           X-ApiKey ${scenario.credentials.aimaira.apiKey}`,
    `  Edusign  ${edusign.url}`,
    `           Bearer   ${scenario.credentials.edusign.apiKey}`,
    '',
    `  ${counts['Planification'] ?? 0} planifications, ${counts['Apprenant'] ?? 0} learners, ${counts['Enseignant'] ?? 0} facilitators.`,
    `  Try: curl -u '${scenario.credentials.aimaira.username}:${scenario.credentials.aimaira.password}' '${aimaira.rootUrl}/TypePlanification'`,
    `  Fault injection: POST ${aimaira.url}/__sim/faults '{"kind":"rate-limit","path":"/GraphV1/Planification","times":1}'`,
    '  Stop with Ctrl-C.',
    '',
  ].join('\n');
}

/** Resolves on SIGINT or SIGTERM. */
export function untilStopped(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
