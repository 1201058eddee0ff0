/**
 * Both simulators started together and seeded with one generated scenario: what `sim`, the sandbox, the tests
 * and the benchmarks run against.
 */
import { startAimairaSimulator } from './aimaira/server.js';
import type { AimairaSimulator } from './aimaira/server.js';
import { startEdusignSimulator } from './edusign/server.js';
import type { EdusignSimulator } from './edusign/server.js';
import type { SimProfile } from './shared/profile.js';
import { generateScenario } from './scenario/generate.js';
import type { Scenario, ScenarioSize } from './scenario/generate.js';

export interface SandboxOptions {
  size: ScenarioSize;
  seed?: number;
  /** The instant the scenario is built around; now by default. */
  now?: Date;
  /** Latency added to every request of both simulators. */
  latencyMs?: number;
  aimairaPort?: number;
  edusignPort?: number;
  /** Edusign's per-minute limit before it slows requests down. */
  edusignPerMinute?: number;
  /** How both simulators behave (sim/shared/profile.ts); `default` when absent. */
  profile?: SimProfile;
}

export interface Sandbox {
  readonly scenario: Scenario;
  readonly profile: SimProfile;
  readonly aimaira: AimairaSimulator;
  readonly edusign: EdusignSimulator;
  close(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const scenario = generateScenario({ size: options.size, seed: options.seed ?? 1, now: options.now ?? new Date() });
  const aimaira = await startAimairaSimulator({
    data: scenario.aimaira,
    credentials: scenario.credentials.aimaira,
    ...(options.profile !== undefined && { profile: options.profile }),
    ...(options.latencyMs !== undefined && { latencyMs: options.latencyMs }),
    ...(options.aimairaPort !== undefined && { port: options.aimairaPort }),
  });
  const edusign = await startEdusignSimulator({
    schools: [{ apiKey: scenario.credentials.edusign.apiKey, name: 'Sandbox school' }],
    seed: options.seed ?? 1,
    ...(options.profile !== undefined && { profile: options.profile }),
    ...(options.edusignPerMinute !== undefined && {
      rateLimit: { perMinute: options.edusignPerMinute, slowdownStepMs: 100 },
    }),
    ...(options.latencyMs !== undefined && { latencyMs: options.latencyMs }),
    ...(options.edusignPort !== undefined && { port: options.edusignPort }),
  }).catch(async (error: unknown) => {
    await aimaira.close();
    throw error;
  });
  return {
    scenario,
    profile: options.profile ?? 'default',
    aimaira,
    edusign,
    async close() {
      await Promise.all([aimaira.close(), edusign.close()]);
    },
  };
}
