import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: '@musar/model',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    setupFiles: ['./test/setup.ts'],
    // wasm model tests are CPU-bound on a shared 2-core machine.
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
