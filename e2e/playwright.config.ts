import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from '@playwright/test';

const here = dirname(fileURLToPath(import.meta.url));
export const PORT = Number(process.env.E2E_PORT ?? 3100);
export const BASE_URL = `http://localhost:${PORT}`;
/** A fresh embedded database per run; the demo credentials file lands here (E2E_DATA_DIR with
 * E2E_PORT lets a second run go alongside: each run deletes its folder first). */
export const DATA_DIR = process.env.E2E_DATA_DIR ?? join(here, '.data-e2e');

export default defineConfig({
  testDir: './tests',
  fullyParallel: false,
  workers: 1,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  forbidOnly: process.env.CI === 'true',
  use: {
    baseURL: BASE_URL,
    browserName: 'chromium',
    trace: 'off',
    launchOptions: {
      executablePath: process.env.MUSAR_CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  webServer: {
    // the production build (npm test builds it first), embedded PGlite, demo users
    command: `rm -rf "${DATA_DIR}" && node ../node_modules/next/dist/bin/next start ../apps/web -p ${PORT}`,
    url: `${BASE_URL}/api/trpc/health`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'pipe',
    env: {
      MUSAR_DATA_DIR: DATA_DIR,
      MUSAR_DEMO: '1',
      BETTER_AUTH_URL: BASE_URL,
      PORT: String(PORT),
      // every test signs in again from one address; the limiter is tested in packages/auth
      MUSAR_AUTH_RATE_LIMIT: 'off',
    },
  },
});
