import { defineConfig } from 'vitest/config';

// One run for every suite: unit tests (*.unit.test.ts) need nothing, integration tests
// (*.integration.test.ts) start the simulators on loopback. The JSON report feeds .ci/run's summary line.
// The end-to-end suites under test/ run a second time against the simulators' harsh profile
// (sim/shared/profile.ts): what passes only against our plainest reading of the APIs is not done.
export default defineConfig({
  test: {
    // Most files wait on simulators, child processes and PostgreSQL rather than compute: three files at a time even
    // on a 2-core machine (vitest's default there is one), which keeps CI's two runs (Node 20, Node 24) short.
    maxWorkers: 3,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default', ['json', { outputFile: 'test-output/results.json' }]],
    projects: [
      { extends: true, test: { name: 'default', include: ['{src,sim,test,bench}/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'harsh',
          include: ['test/**/*.integration.test.ts'],
          // Near real time's plumbing (receivers, inbox, queue) does not meet the APIs' quirks; the targeted runs it
          // makes do, and run here (test/down/targeted, test/up/targeted).
          exclude: ['test/realtime.integration.test.ts'],
          env: { AIMAIRA_EDUSIGN_SIM_PROFILE: 'harsh' },
        },
      },
    ],
  },
});
