// The "Image credentials" page: anyone signed in drops a PNG and sees its Content Credentials.
// A plain PNG has none; an output signed with this instance's key (made at server start) is
// valid, trusted and names its subject, whose consent shows as in force — then as revoked.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { BASE_URL, DATA_DIR } from '../playwright.config';
import { signInAs } from './helpers';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

function seed(...args: string[]) {
  const tsx = join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  const r = spawnSync(process.execPath, [tsx, join(here, 'credentials-seed.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`credentials-seed ${args[0]} failed:\n${r.stderr}`);
}

async function trpc<T>(request: APIRequestContext, path: string, input: unknown): Promise<T> {
  const res = await request.post(`/api/trpc/${path}`, {
    data: input,
    headers: { origin: BASE_URL },
  });
  expect(res.status(), `${path}: ${await res.text()}`).toBe(200);
  return ((await res.json()) as { result: { data: T } }).result.data;
}

async function check(page: Page, file: string) {
  await page.goto('/credentials');
  await page.getByLabel('PNG image to check').setInputFiles(file);
}

test.describe.configure({ mode: 'serial' });

test('every role has the page; a plain PNG has no credentials', async ({ page }, info) => {
  const plain = info.outputPath('plain.png');
  seed('plain', plain);
  await signInAs(page, 'reviewer');
  await page
    .getByRole('navigation', { name: 'Areas' })
    .getByRole('link', { name: /^Image credentials/ })
    .click();
  await expect(page).toHaveURL(/\/credentials$/);
  await expect(page.getByRole('heading', { name: 'Image credentials' })).toBeVisible();
  await expect(page.getByTestId('credentials-empty')).toContainText('Drop a PNG');
  await page.getByLabel('PNG image to check').setInputFiles(plain);
  const summary = page.getByTestId('credentials-summary');
  await expect(summary).toHaveAttribute('data-verdict', 'none');
  await expect(summary).toContainText('No credentials');
  await expect(summary).toContainText('plain.png');
  await expect(page.getByTestId('credential-manifest')).toHaveCount(0);
});

test('a signed output: valid, trusted, its subject listed — then shown as revoked', async ({
  browser,
}, info) => {
  const admin = await browser.newPage();
  await signInAs(admin, 'admin');
  const name = `Credentials toy ${Date.now()}`;
  const subject = await trpc<{ id: string }>(admin.request, 'subjects.createToy', {
    seed: 11,
    views: 1,
    name,
  });
  const consent = await trpc<{ id: string }>(admin.request, 'consents.grant', {
    subjectId: subject.id,
    scope: 'generate',
    grantedBy: 'E2E rights holder',
    evidence: 'signed release (e2e)',
  });
  const signed = info.outputPath('signed.png');
  seed('sign', DATA_DIR, signed, subject.id, consent.id);

  const page = await browser.newPage();
  await signInAs(page, 'operator');
  await check(page, signed);
  const summary = page.getByTestId('credentials-summary');
  await expect(summary).toHaveAttribute('data-verdict', 'valid');
  await expect(summary).toHaveAttribute('data-trusted', 'true');
  await expect(summary).toContainText('Signed by this instance');
  await expect(summary).toContainText('Consent in force for every subject');
  const generation = page.locator('[data-testid="credential-manifest"][data-kind="generation"]');
  await expect(generation).toContainText('Created');
  await expect(generation).toContainText('AI-generated (trained algorithmic media)');
  await expect(generation).toContainText('e2e-adapter');
  await expect(generation).toContainText('e2'.repeat(32));
  await expect(generation).toContainText(subject.id);
  await expect(generation).toContainText(consent.id);
  const row = page.locator(`[data-testid="credential-subject"][data-subject-id="${subject.id}"]`);
  await expect(row).toHaveAttribute('data-status', 'in-force');
  await expect(row).toContainText(name);
  await expect(row).toContainText('Consent in force today');

  // the subject withdraws: the same image now shows the revocation
  await trpc(admin.request, 'consents.revoke', { consentId: consent.id, reason: 'e2e withdrawal' });
  await check(page, signed);
  await expect(summary).toHaveAttribute('data-verdict', 'valid');
  await expect(summary).toContainText('Consent not in force for 1 of 1 subject');
  await expect(row).toHaveAttribute('data-status', 'revoked');
  await expect(row).toContainText('Consent revoked');
  await expect(row).toContainText(`${consent.id} — revoked on`);
});

test('a file that is too large is refused in plain words', async ({ page }) => {
  await signInAs(page, 'admin');
  await page.goto('/credentials');
  await page.getByLabel('PNG image to check').setInputFiles({
    name: 'huge.png',
    mimeType: 'image/png',
    buffer: Buffer.alloc(12 * 1024 * 1024 + 1),
  });
  await expect(page.getByTestId('credentials-error')).toHaveText(
    'huge.png: This image is larger than 12 MiB, the most this page can check.',
  );
});
