// The second phase of `npm test`: the tests that run whole stacks on the Docker engine (test/engines),
// after the rest and alone, one at a time — see test/engines/example-containers.test.ts.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/engines/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 1,
    reporters: ['default', './test/helpers/summary-reporter.ts'],
  },
});
