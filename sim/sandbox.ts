/**
 * Both simulators started together and seeded with one generated scenario: what `sim`, the sandbox, the tests
 * and the benchmarks run against.
 */
import { startAimairaSimulator } from './aimaira/server.js';
import type {
  AimairaSimulator,
  AimairaWebhookOptions,
  AimairaWebhookRegistration,
  AimairaWebhookSubscription,
} from './aimaira/server.js';
import { startEdusignSimulator } from './edusign/server.js';
import type {
  EdusignSimulator,
  EdusignWebhookOptions,
  EdusignWebhookRegistration,
  EdusignWebhookSubscription,
} from './edusign/server.js';
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
  /** Webhook timing: Aimaira's retry delays and timeout, Edusign's wait (15 s), and drop seeds. */
  webhooks?: { aimaira?: AimairaWebhookOptions; edusign?: EdusignWebhookOptions };
}

/** An Edusign registration for the sandbox school: `schoolId` defaults to it. */
export type SandboxEdusignWebhookRegistration = Omit<EdusignWebhookRegistration, 'schoolId'> & { schoolId?: string };

export interface Sandbox {
  readonly scenario: Scenario;
  readonly profile: SimProfile;
  readonly aimaira: AimairaSimulator;
  readonly edusign: EdusignSimulator;
  /** Subscribes a loopback receiver to Aimaira's change messages (the delivery log: `aimaira.webhooks`). */
  registerAimairaWebhook(registration: AimairaWebhookRegistration): AimairaWebhookSubscription;
  /** Registers a loopback receiver for the sandbox school's Edusign events (the log: `edusign.webhooks`). */
  registerEdusignWebhook(registration: SandboxEdusignWebhookRegistration): EdusignWebhookSubscription;
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
    ...(options.webhooks?.aimaira !== undefined && { webhooks: options.webhooks.aimaira }),
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
    ...(options.webhooks?.edusign !== undefined && { webhooks: options.webhooks.edusign }),
  }).catch(async (error: unknown) => {
    await aimaira.close();
    throw error;
  });
  return {
    scenario,
    profile: options.profile ?? 'default',
    aimaira,
    edusign,
    registerAimairaWebhook: (registration) => aimaira.registerWebhook(registration),
    registerEdusignWebhook: (registration) =>
      edusign.registerWebhook({
        ...registration,
        schoolId: registration.schoolId ?? edusign.school(scenario.credentials.edusign.apiKey).id,
      }),
    async close() {
      await Promise.all([aimaira.close(), edusign.close()]);
    },
  };
}
