import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Whole stacks on the Docker engine: their own phase, after this one (vitest.engines.config.ts).
    exclude: ['test/engines/**', '**/node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Real processes and ports: forks isolate them, and two workers match a 2-core machine.
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default', './test/helpers/summary-reporter.ts'],
  },
});
