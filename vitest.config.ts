import { defineConfig } from 'vitest/config';

// One test command for the monorepo: every workspace is a Vitest project with its own
// config (setup files, timeouts) where it needs one.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'db'],
  },
});
