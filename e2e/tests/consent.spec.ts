// Issue 8's e2e: an admin creates two subjects with consent; an operator's generation over both
// reaches the reviewer; the admin revokes one subject's consent; at once the reviewer's next claim
// no longer returns the item, the export omits it, the adapter trained on it shows tainted (and
// the serving pointer moved back), and the audit log shows each step.
// Runs its own server on a fresh embedded data folder. The generation is real (dashboard + embedded
// worker); the adapters trained on the subjects are written by consent-seed.ts with the server
// stopped (PGlite is single-process; training does not fit an e2e).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';
import { encode } from 'fast-png';
import { expect, test, type Browser, type Page } from '@playwright/test';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const PORT = Number(process.env.E2E_CONSENT_PORT ?? 3120);
const BASE = `http://localhost:${PORT}`;
const dataDir = mkdtempSync(join(tmpdir(), 'musar-consent-e2e-'));
let server: ChildProcess | null = null;

type Creds = Record<'admin' | 'operator' | 'reviewer', { email: string; password: string }>;
type Generated = {
  outputId: string;
  bOutputId: string;
  v0: string;
  v1: string;
  subjectA: string;
  subjectB: string;
};

function seed(...args: string[]): string {
  const tsx = join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  const r = spawnSync(process.execPath, [tsx, join(here, 'consent-seed.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`consent-seed ${args[0]} failed:\n${r.stderr}`);
  return r.stdout.trim().split('\n').at(-1)!;
}

async function startServer() {
  const next = join(root, 'node_modules', 'next', 'dist', 'bin', 'next');
  server = spawn(process.execPath, [next, 'start', join(root, 'apps', 'web'), '-p', String(PORT)], {
    env: {
      ...process.env,
      MUSAR_DATA_DIR: dataDir,
      BETTER_AUTH_URL: BASE,
      PORT: String(PORT),
      MUSAR_AUTH_RATE_LIMIT: 'off',
      MUSAR_DEMO: '',
    },
    stdio: 'ignore',
  });
  for (let i = 0; i < 120; i++) {
    if (
      await fetch(`${BASE}/api/trpc/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('consent e2e server did not start');
}

async function stopServer() {
  if (!server || server.exitCode !== null) return;
  const exited = new Promise((r) => server!.once('exit', r));
  server.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (server.exitCode === null) server.kill('SIGKILL');
}

async function signedIn(browser: Browser, who: { email: string; password: string }): Promise<Page> {
  const page = await (await browser.newContext({ baseURL: BASE })).newPage();
  await page.goto('/sign-in');
  await page.getByLabel('E-mail').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('current-user')).toHaveText(who.email);
  return page;
}

async function createToySubject(page: Page, name: string, seedValue: number) {
  await page.goto('/subjects');
  await page.getByRole('button', { name: 'Toy subject' }).click();
  const dialog = page.getByRole('dialog', { name: 'Render a toy-world subject' });
  await dialog.getByLabel('Seed').fill(String(seedValue));
  await dialog.getByLabel('Views').fill('2');
  await dialog.getByLabel('Name (optional)').fill(name);
  await dialog.getByRole('button', { name: 'Render' }).click();
  await expect(page.locator(`[data-testid="subject-row"][data-name="${name}"]`)).toBeVisible();
}

async function recordConsent(
  page: Page,
  name: string,
  scope: 'generate' | 'train',
  evidenceFile?: { name: string; mimeType: string; buffer: Buffer },
) {
  await page.goto('/subjects');
  await page.locator(`[data-testid="subject-row"][data-name="${name}"] a`).click();
  await page.getByRole('button', { name: 'Record consent' }).click();
  const dialog = page.getByRole('dialog', { name: 'Record consent' });
  await dialog.getByLabel('Scope').selectOption(scope);
  await dialog.getByLabel('Granted by').fill(`${name} rights holder`);
  await dialog.getByLabel('Evidence', { exact: true }).fill(`signed release, ${scope}`);
  if (evidenceFile) await dialog.getByLabel(/^Evidence file/).setInputFiles(evidenceFile);
  await dialog.getByRole('button', { name: 'Record' }).click();
  await expect(
    page.locator(`[data-testid="consent-row"][data-scope="${scope}"][data-status="active"]`),
  ).toBeVisible();
}

let creds: Creds;
test.describe.configure({ mode: 'serial' });
test.beforeAll(async () => {
  test.setTimeout(120_000);
  creds = JSON.parse(seed('users', dataDir)) as Creds;
  await startServer();
});
test.afterAll(async () => {
  await stopServer();
  rmSync(dataDir, { recursive: true, force: true });
});

test('revoking one subject withdraws its item from review and export, taints its adapter, all audited', async ({
  browser,
}) => {
  test.setTimeout(240_000);
  const admin = await signedIn(browser, creds.admin);
  // a scanned release of 5 MiB — more than a whole tRPC body — is recorded with Beta's train consent
  const release = Buffer.alloc(5 * 1024 * 1024, 0x20);
  release.write('%PDF-1.7\n');
  for (const [name, s] of [
    ['Alpha toy', 101],
    ['Beta toy', 202],
  ] as const) {
    await createToySubject(admin, name, s);
    await recordConsent(admin, name, 'generate');
    await recordConsent(
      admin,
      name,
      'train',
      name === 'Beta toy'
        ? { name: 'release.pdf', mimeType: 'application/pdf', buffer: release }
        : undefined,
    );
  }
  // stored whole: listed with its size, and the download is the same bytes
  const evidenceRow = admin.locator('[data-testid="consent-row"][data-scope="train"]');
  await expect(evidenceRow).toContainText('release.pdf (5120 KiB)');
  const [download] = await Promise.all([
    admin.waitForEvent('download'),
    evidenceRow.getByRole('button', { name: /release\.pdf/ }).click(),
  ]);
  expect(download.suggestedFilename()).toBe('release.pdf');
  const downloaded = readFileSync(await download.path());
  expect(createHash('sha256').update(downloaded).digest('hex')).toBe(
    createHash('sha256').update(release).digest('hex'),
  );

  // a photo larger than a tRPC body (1 MiB) goes through the multipart upload; a non-image fails clearly
  let x = 2463534242; // xorshift32: incompressible noise
  const noise = Uint8Array.from({ length: 720 * 720 * 3 }, () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) & 255;
  });
  const photo = Buffer.from(
    encode({ width: 720, height: 720, data: noise, channels: 3, depth: 8 }),
  );
  expect(photo.length).toBeGreaterThan(1024 * 1024);
  await admin.goto('/subjects');
  await admin.getByRole('button', { name: 'New subject' }).click();
  const create = admin.getByRole('dialog', { name: 'New subject' });
  await create.getByLabel('Name').fill('Photo product');
  await create.getByLabel('Class word').fill('cube toy');
  const fileInput = create.getByLabel('Reference images');
  await fileInput.setInputFiles({
    name: 'notes.png',
    mimeType: 'image/png',
    buffer: Buffer.from('not really a picture'),
  });
  await create.getByRole('button', { name: 'Create' }).click();
  await expect(create.getByRole('alert')).toContainText('not a PNG or JPEG image');
  await fileInput.setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: photo });
  await create.getByRole('button', { name: 'Create' }).click();
  await expect(
    admin.locator('[data-testid="subject-row"][data-name="Photo product"]'),
  ).toContainText('1 image');

  // the operator generates in the dashboard; the embedded worker runs it into the review queue
  const operator = await signedIn(browser, creds.operator);
  await operator.goto('/generation');
  for (const name of ['Alpha toy', 'Beta toy']) await operator.getByLabel(name).check();
  await operator.getByLabel('Prompt').fill('a star toy left of a heart toy');
  await operator.getByLabel('Images').fill('1');
  await operator.getByLabel('Steps').fill('4');
  await operator.getByRole('button', { name: 'Generate', exact: true }).click();
  const row = operator.getByTestId('generation-row').filter({ hasText: 'Alpha toy' }).first();
  await expect(row).toHaveAttribute('data-state', 'succeeded', { timeout: 120_000 });

  // adapters trained on the subjects (see consent-seed.ts), written with the server stopped
  await stopServer();
  const gen = JSON.parse(seed('generate', dataDir, 'Alpha toy', 'Beta toy')) as Generated;
  await startServer();

  const reviewer = await signedIn(browser, creds.reviewer);
  await reviewer.goto('/review');
  await expect(reviewer.getByTestId('review-workspace')).toHaveAttribute(
    'data-output-id',
    gen.outputId,
  );

  // the admin revokes Alpha's consent (both scopes)
  await admin.goto(`/subjects/${gen.subjectA}`);
  await admin.getByRole('button', { name: 'Revoke all consent' }).click();
  const dialog = admin.getByRole('dialog', { name: /Revoke/ });
  await dialog.getByLabel('Reason').fill('the rights holder withdrew');
  await dialog.getByRole('button', { name: 'Revoke' }).click();
  await expect(admin.getByTestId('revoke-result')).toContainText('1 output(s) withdrawn');
  await expect(admin.getByTestId('revoke-result')).toContainText('1 model version(s) tainted');
  await expect(admin.getByTestId('revoke-result')).toContainText(
    `serving pointer moved to ${gen.v0}`,
  );
  await expect(admin.locator('[data-testid="consent-row"][data-status="active"]')).toHaveCount(0);

  // the reviewer's next claim: the item is gone
  await reviewer.reload();
  await expect(reviewer.getByTestId('queue-empty')).toBeVisible();

  // the export omits it and keeps Beta's approved output
  const res = await admin.request.get('/api/export/outputs');
  expect(res.status()).toBe(200);
  const files = Object.keys(unzipSync(new Uint8Array(await res.body())));
  expect(files).toContain(`outputs/${gen.bOutputId}.png`);
  expect(files).toContain(`outputs/${gen.bOutputId}.json`);
  expect(files.some((f) => f.includes(gen.outputId))).toBe(false);
  // a reviewer may not export
  expect((await reviewer.request.get('/api/export/outputs')).status()).toBe(403);

  // the adapter trained on Alpha shows tainted on both subjects' pages
  for (const id of [gen.subjectA, gen.subjectB]) {
    await admin.goto(`/subjects/${id}`);
    await expect(
      admin.locator('[data-testid="lineage-version"]').filter({ hasText: 'adapter-v1' }),
    ).toHaveAttribute('data-state', 'tainted');
  }
  await expect(admin.locator('[data-testid="lineage-output"]').first()).toBeVisible();

  // the audit log shows each step
  await admin.goto('/audit');
  for (const action of [
    'subject.create',
    'consent.grant',
    'generation.request',
    'model.lineage',
    'consent.revoke',
    'output.withdraw',
    'model.taint',
    'model.serving_moved',
    'model.retrain_requested',
    'export.outputs',
  ]) {
    await expect(
      admin.locator(`[data-testid="audit-table"] tr[data-action="${action}"]`).first(),
      action,
    ).toBeVisible();
  }
  const csv = await admin.request.get('/api/export/audit?actionPrefix=consent.');
  expect(csv.status()).toBe(200);
  const text = await csv.text();
  expect(text.split('\r\n')[0]).toBe(
    'id,at,actor,actor_id,action,target_type,target_id,before,after',
  );
  expect(text).toContain('consent.revoke');
  expect(text).not.toContain('output.withdraw');
});
