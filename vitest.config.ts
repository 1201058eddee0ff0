import { defineConfig } from 'vitest/config';

// One run for every suite: unit tests (*.unit.test.ts) need nothing, integration tests
// (*.integration.test.ts) start the simulators on loopback. The JSON report feeds .ci/run's summary line.
export default defineConfig({
  test: {
    include: ['{src,sim,test,bench}/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default', ['json', { outputFile: 'test-output/results.json' }]],
  },
});
