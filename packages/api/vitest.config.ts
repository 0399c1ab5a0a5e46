import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'api',
    include: ['src/**/*.test.ts'],
    globalSetup: ['../../db/src/testing/global-setup-pglite.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
