import { defineConfig } from 'vitest/config';
import { findPostgresBin } from './db/src/testing/postgres.ts';

// One test command for the monorepo: every workspace is a Vitest project with its own config
// (setup files, timeouts) where it needs one. The `postgres` project runs the database-backed
// suites (db, packages/api) again against a throwaway PostgreSQL.
const pgBin = findPostgresBin();
if (!pgBin) {
  if (process.env.CI === 'true') {
    throw new Error('CI=true but PostgreSQL is not installed: apt-get install -y postgresql');
  }
  console.warn(
    '\n\x1b[33m!! NOTICE: PostgreSQL binaries not found — the PostgreSQL suite is SKIPPED.' +
      ' Install them (apt-get install -y postgresql) to run it; CI requires it.\x1b[0m\n',
  );
}

export default defineConfig({
  test: {
    projects: [
      'packages/*',
      'apps/*',
      'db',
      // the repository's own rules (workspace graph, declared imports)
      { test: { name: 'repo', include: ['scripts/**/*.test.ts'] } },
      ...(pgBin
        ? [
            {
              test: {
                name: 'postgres',
                include: [
                  'db/src/**/*.test.ts',
                  'packages/core/src/**/*.test.ts',
                  'packages/api/src/**/*.test.ts',
                ],
                exclude: ['**/*.pglite.test.ts', '**/node_modules/**'],
                globalSetup: ['./db/src/testing/global-setup-postgres.ts'],
                env: { MUSAR_TEST_POSTGRES: '1' },
                testTimeout: 30_000,
                hookTimeout: 60_000,
              },
            },
          ]
        : []),
    ],
  },
});
