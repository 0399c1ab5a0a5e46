// Issue 7's e2e: a reviewer signs in and, by keyboard alone, approves one item, rejects one with
// two reasons (after approving it by mistake and undoing), repaints a region of the third and
// approves it; the database then holds exactly those decisions and the repaint.
// The spec runs its own server on a data folder it seeded (review items need no worker).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const PORT = Number(process.env.E2E_REVIEW_PORT ?? 3110);
const BASE = `http://localhost:${PORT}`;
const dataDir = mkdtempSync(join(tmpdir(), 'musar-review-e2e-'));
let server: ChildProcess | null = null;

type Seed = {
  reviewer: { email: string; password: string };
  outputIds: string[];
  subjectIds: string[];
  map: number[];
};
type Verify = {
  reviews: {
    output_id: string;
    decision: string;
    reasons: string[];
    routing_correction: number[] | null;
    undone: boolean;
  }[];
  outputs: { id: string; state: string }[];
  audit: { action: string; target_id: string | null }[];
};

function tsx(...args: string[]): string {
  const r = spawnSync(
    process.execPath,
    [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(here, 'review-seed.ts'), ...args],
    { cwd: root, encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`review-seed ${args[0]} failed:\n${r.stderr}`);
  return r.stdout.trim().split('\n').at(-1)!;
}

async function startServer() {
  server = spawn(
    process.execPath,
    [
      join(root, 'node_modules', 'next', 'dist', 'bin', 'next'),
      'start',
      join(root, 'apps', 'web'),
      '-p',
      String(PORT),
    ],
    {
      env: {
        ...process.env,
        MUSAR_DATA_DIR: dataDir,
        BETTER_AUTH_URL: BASE,
        PORT: String(PORT),
        MUSAR_AUTH_RATE_LIMIT: 'off',
        MUSAR_DEMO: '',
      },
      stdio: 'ignore',
    },
  );
  for (let i = 0; i < 120; i++) {
    const ok = await fetch(`${BASE}/api/trpc/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('review e2e server did not start');
}

async function stopServer() {
  if (!server || server.exitCode !== null) return;
  const exited = new Promise((r) => server!.once('exit', r));
  server.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (server.exitCode === null) server.kill('SIGKILL');
}

let seed: Seed;
test.describe.configure({ mode: 'serial' });
test.beforeAll(async () => {
  test.setTimeout(90_000);
  seed = JSON.parse(tsx('seed', dataDir)) as Seed;
  await startServer();
});
test.afterAll(async () => {
  await stopServer();
  rmSync(dataDir, { recursive: true, force: true });
});

test('a reviewer reviews three items by keyboard alone, with an undo and a repaint', async ({
  page,
}) => {
  test.setTimeout(90_000);
  const [a, b, c] = seed.outputIds as [string, string, string];
  await page.goto(`${BASE}/sign-in`);
  await page.getByLabel('E-mail').fill(seed.reviewer.email);
  await page.getByLabel('Password').fill(seed.reviewer.password);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('current-user')).toHaveText(seed.reviewer.email);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(`${BASE}/review`);
  const ws = page.getByTestId('review-workspace');
  const showing = (id: string) => expect(ws).toHaveAttribute('data-output-id', id);

  // the item view: output, legend, references of both subjects, scores
  await showing(a);
  await expect(page.getByLabel('Routing legend')).toContainText('background');
  await expect(page.getByTestId('subject-1').getByRole('img')).toHaveCount(1);
  await expect(page.getByTestId('subject-2').getByRole('img')).toHaveCount(1);
  await expect(page.getByTestId('auto-scores')).toContainText('fidelity');
  // at 1280×800 the image, the references and the decision are all in the first viewport
  for (const target of [
    page.getByTestId('output-view'),
    page.getByTestId('references'),
    page.getByRole('button', { name: /^Approve/ }),
    page.getByRole('button', { name: /^Reject/ }),
  ])
    await expect(target).toBeInViewport({ ratio: 1 });
  // references do not overlap the details column (model, seed, scores) nor the decision
  const refs = (await page.getByTestId('references').boundingBox())!;
  const panel = (await page.getByTestId('decision-panel').boundingBox())!;
  expect(refs.x + refs.width).toBeLessThanOrEqual(panel.x);
  expect(
    await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
  ).toBeLessThanOrEqual(0);
  // the routing map is off by default (nothing tints the colours to judge); o shows it as
  // outlines only, and hides it again
  await expect(page.getByTestId('routing-overlay')).toHaveCount(0);
  await page.keyboard.press('o');
  await expect(page.getByTestId('routing-overlay')).toHaveAttribute('data-style', 'outline');
  expect(
    await page
      .locator('[data-testid="routing-overlay"] [data-cell]')
      .evaluateAll(
        (cells) =>
          cells.filter((c) => getComputedStyle(c).backgroundColor !== 'rgba(0, 0, 0, 0)').length,
      ),
  ).toBe(0);
  await page.keyboard.press('o');
  await expect(page.getByTestId('routing-overlay')).toHaveCount(0);

  // Esc leaves reject mode and forgets the reasons (a stale "other" would demand a comment)
  await page.keyboard.press('r');
  await page.keyboard.press('7');
  await expect(page.locator('[data-reason="other"]')).toBeChecked();
  await page.keyboard.press('Escape');
  await expect(ws).toHaveAttribute('data-mode', 'normal');
  await page.keyboard.press('r');
  await expect(page.locator('[data-reason="other"]')).not.toBeChecked();
  await page.keyboard.press('Escape');

  // help overlay
  await page.keyboard.press('?');
  await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toHaveCount(0);

  // 1: approve
  await page.keyboard.press('a');
  await showing(b);

  // 2: approve by mistake, undo, reject with two reasons
  await page.keyboard.press('a');
  await showing(c);
  await page.keyboard.press('u');
  await showing(b);
  await page.keyboard.press('r');
  await expect(ws).toHaveAttribute('data-mode', 'reject');
  await page.keyboard.press('1');
  await page.keyboard.press('2');
  await page.keyboard.press('Enter');
  await showing(c);

  // 3: paint the top-left three tokens as subject 2, then approve
  await page.keyboard.press('p');
  await expect(ws).toHaveAttribute('data-mode', 'paint');
  await page.keyboard.press('2');
  await page.keyboard.press(' ');
  await page.keyboard.press('Shift+ArrowRight');
  await page.keyboard.press('Shift+ArrowRight');
  await expect(page.locator('[data-cell="2"]')).toHaveAttribute('data-subject', '1');
  await page.keyboard.press('p');
  await expect(page.getByTestId('mode-line')).toContainText('repainted');
  await page.keyboard.press('a');
  await expect(page.getByTestId('queue-empty')).toBeVisible();

  // the database, read with the server stopped
  await stopServer();
  const db = JSON.parse(tsx('verify', dataDir)) as Verify;
  const live = db.reviews.filter((r) => !r.undone);
  expect(live.map((r) => [r.output_id, r.decision])).toEqual([
    [a, 'approve'],
    [b, 'reject'],
    [c, 'approve'],
  ]);
  expect(live[1]!.reasons).toEqual(['identity_wrong', 'attribute_leakage']);
  const painted = seed.map.map((v, i) => (i < 3 ? 1 : v));
  expect(live[2]!.routing_correction).toEqual(painted);
  expect(live[0]!.routing_correction).toBeNull();
  expect(db.reviews.filter((r) => r.undone).map((r) => [r.output_id, r.decision])).toEqual([
    [b, 'approve'],
  ]);
  expect(db.outputs.map((o) => o.state)).toEqual(['approved', 'rejected', 'approved']);
  expect(db.audit.filter((e) => e.action === 'review.decide')).toHaveLength(4);
  expect(db.audit.filter((e) => e.action === 'review.undo').map((e) => e.target_id)).toEqual([b]);
  // decisions are audited; claims (leases) are not
  expect(db.audit.filter((e) => e.action === 'review.claim')).toHaveLength(0);
});
