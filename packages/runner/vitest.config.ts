import { defineProject } from 'vitest/config';
import { findPostgresBin } from '../../db/src/testing/postgres';

// The worker's tests run against a throwaway PostgreSQL (multi-process, SKIP LOCKED, expiry);
// without PostgreSQL binaries they are skipped locally and fail in CI (see root vitest.config.ts).
const pg = findPostgresBin();
if (!pg && process.env.CI === 'true') throw new Error('CI=true but PostgreSQL is not installed');

export default defineProject({
  test: {
    name: 'runner',
    include: pg ? ['src/**/*.test.ts'] : ['src/**/*.pglite.test.ts'],
    globalSetup: pg
      ? ['../../db/src/testing/global-setup-postgres.ts']
      : ['../../db/src/testing/global-setup-pglite.ts'],
    env: pg ? { MUSAR_TEST_POSTGRES: '1' } : {},
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
