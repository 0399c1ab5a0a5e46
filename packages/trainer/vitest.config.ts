import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: '@musar/trainer',
    include: ['src/**/*.test.ts'],
    setupFiles: ['./src/test-setup.ts'],
    // wasm training steps are CPU-bound on a shared 2-core machine.
    testTimeout: 180_000,
    hookTimeout: 60_000,
  },
});
