import { createRequire } from 'node:module';
import os from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);
const cores = os.availableParallelism();

/**
 * Left out of the PostgreSQL pass (TEST_DATABASE_URL): the browser and command-line tests drive the
 * OC through its dashboard and CLI, where the database engine makes no difference (every API they
 * call is tested on both engines in the integration tier), and agent-deploy runs no OC at all.
 * Both passes must fit CI's half hour.
 */
const ENGINE_INDEPENDENT = ['test/e2e/dashboard*.test.ts', 'test/e2e/status-page.test.ts', 'test/e2e/cli*.test.ts', 'test/e2e/agent-deploy.test.ts'];

export default defineConfig({
  resolve: {
    // graphql 16 ships CommonJS and ESM without an exports map; Node loads the CommonJS build
    // for the dependencies, so the tests must too, or two graphql instances meet.
    // The dashboard's pure modules (forms, labels) are unit-tested as the dashboard imports them.
    alias: [
      { find: /^graphql$/, replacement: require.resolve('graphql') },
      { find: /^\$lib\//, replacement: `${import.meta.dirname}/ui/src/lib/` },
    ],
  },
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['test/helpers/global-setup.ts'],
    projects: [
      {
        extends: true,
        // Pure code: no server, database or process.
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], maxWorkers: cores, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        // Real HTTP, WebSocket and database in the test process, on the OC's ManualClock; the contract
        // tests run the generators. One file per core: more starves the 20 000-node file of its timeouts.
        test: { name: 'integration', include: ['test/integration/**/*.test.ts', 'test/contract/**/*.test.ts'], maxWorkers: cores, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        // Real OC, agent and worker processes and Chromium, judged on wall-clock time: they run after
        // the other tiers, on a machine left to them.
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...(process.env.TEST_DATABASE_URL ? ENGINE_INDEPENDENT : [])],
          maxWorkers: Math.max(1, cores - 1),
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
