import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'core',
    include: ['src/**/*.test.ts'],
    // PostgreSQL-only suites (concurrency) run in the root `postgres` project.
    exclude: ['src/**/*.pg.test.ts', '**/node_modules/**'],
    globalSetup: ['../../db/src/testing/global-setup-pglite.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
