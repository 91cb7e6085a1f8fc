import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // test/ holds the slow packed-tarball consumer test: `npm run test:consumer` (CI runs it)
    include: ['src/**/*.test.ts', 'evals/**/*.test.ts', 'bench/**/*.test.ts', ...(process.env['REHEARSE_CONSUMER_TEST'] ? ['test/**/*.test.ts'] : [])],
    setupFiles: ['./vitest.setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
