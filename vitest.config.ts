import os from 'node:os';
import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql 16 ships CommonJS and ESM without an exports map; Node loads the CommonJS build
    // for the dependencies, so the tests must too, or two graphql instances meet.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Integration and e2e files start servers, databases and processes that spend much of their
    // time waiting on each other; one file more than there are cores keeps the cores busy.
    maxWorkers: os.availableParallelism() + 1,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      // Real HTTP, WebSocket and database in this process; the contract tests run the generators.
      { extends: true, test: { name: 'integration', include: ['test/integration/**/*.test.ts', 'test/contract/**/*.test.ts'] } },
      // Real OC, agent and worker processes, and Chromium.
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'] } },
    ],
  },
});
