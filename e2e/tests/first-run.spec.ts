// Issue 16: the first ten minutes, exactly as the README walks them. A fresh data folder, then
// `npm start` (scripts/start.mjs, as a person runs it); the demo users it prints; the operator
// generates with the demo's toy subjects (after the form names a mistake next to its field), a
// reviewer approves, and the operator sees the approved image on the Generation page.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const PORT = Number(process.env.E2E_FIRST_RUN_PORT ?? 3120);
const BASE = `http://localhost:${PORT}`;
const dataDir = mkdtempSync(join(tmpdir(), 'musar-first-run-'));
let server: ChildProcess | null = null;
let printed = '';

test.afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server!.once('exit', r));
    server.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (server.exitCode === null) server.kill('SIGKILL');
  }
  rmSync(dataDir, { recursive: true, force: true });
});

/** The credentials `npm start` printed: "  role  email  password". */
function credentials(role: string) {
  const line = printed.split('\n').find((l) => l.trim().startsWith(`${role} `) && l.includes('@'));
  const [, email, password] = line!.trim().split(/\s+/);
  return { email: email!, password: password! };
}

async function signIn(page: Page, role: string) {
  const { email, password } = credentials(role);
  await page.goto(`${BASE}/sign-in`);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('current-user')).toHaveText(email);
}

test('first run: npm start → operator generates → reviewer approves → operator sees the image', async ({
  browser,
}) => {
  test.setTimeout(600_000);
  // README, Quick start: `npm start` (npm ci already done)
  // embedded mode, as on a fresh clone: no DATABASE_URL, no BETTER_AUTH_URL
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(PORT),
    MUSAR_DATA_DIR: dataDir,
    MUSAR_AUTH_RATE_LIMIT: 'off',
  };
  for (const key of ['BETTER_AUTH_URL', 'DATABASE_URL', 'MUSAR_MODE', 'MUSAR_DEMO'])
    delete env[key];
  server = spawn(process.execPath, [join(root, 'scripts', 'start.mjs')], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout!.on('data', (d: Buffer) => (printed += d.toString()));
  server.stderr!.on('data', (d: Buffer) => (printed += d.toString()));
  await expect
    .poll(() => printed, { timeout: 540_000, intervals: [1000] })
    .toContain('MUSAR Review is running');
  expect(printed).toMatch(/demo users \(passwords shown once/);
  // a quiet start: no tfjs platform warning, the backend named once
  expect(printed).not.toContain('has already been set');

  // README step 1: the operator opens Generation; the demo's toy subjects are ready
  const operator = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await signIn(operator, 'operator');
  await expect(operator).toHaveURL(/\/generation$/);
  // a mistake is named next to its field, in plain words, before anything is sent
  await operator.getByRole('button', { name: 'Generate', exact: true }).click();
  const form = operator.getByRole('form', { name: 'New generation' });
  await expect(form.getByTestId('field-error').first()).toBeVisible();
  await expect(form).toContainText('pick at least 2 subjects');
  await expect(form).toContainText('write a prompt');
  await expect(form).not.toContainText('"code"');
  await operator.getByLabel('Purple star').check();
  await operator.getByLabel('Red heart').check();
  await operator.getByLabel('Prompt').fill('a star toy left of a heart toy');
  await operator.getByLabel('Images').fill('1');
  await operator.getByLabel('Steps per image').fill('8');
  await operator.getByRole('button', { name: 'Generate', exact: true }).click();
  const row = operator.getByTestId('generation-row').first();
  await expect(row).toHaveAttribute('data-state', 'succeeded', { timeout: 240_000 });
  await expect(row.getByTestId('request-output')).toHaveAttribute('data-state', 'pending_review');

  // README step 2: the reviewer opens Review and approves
  const reviewer = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await signIn(reviewer, 'reviewer');
  await expect(reviewer).toHaveURL(/\/review$/);
  await expect(reviewer.getByTestId('prompt')).toContainText('a star toy left of a heart toy');
  await reviewer.getByRole('button', { name: /^Approve/ }).click();
  await expect(reviewer.getByRole('alert').filter({ hasText: 'Approved' })).toBeVisible();

  // README step 3: the operator sees the approved image
  await operator.reload();
  const out = operator.getByTestId('generation-row').first().getByTestId('request-output');
  await expect(out).toHaveAttribute('data-state', 'approved', { timeout: 20_000 });
  await expect(out.getByRole('img')).toBeVisible();
  await out.getByRole('link').click();
  await expect(operator.getByTestId('request-image')).toHaveAttribute('data-state', 'approved');
  await expect(operator.getByTestId('export-request')).toBeVisible();
});
