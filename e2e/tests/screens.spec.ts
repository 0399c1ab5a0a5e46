// Issue 16: every page at phone, tablet and laptop size — no page scrolls sideways, no serious or
// critical accessibility violation (axe), and a screenshot of each (test-results/screens/, for a
// person to look at). One small generation first, so the request, review and history pages
// have something to show.
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { signInAs, type RoleName } from './helpers';

const SIZES = [
  { name: 'phone', width: 390, height: 844 },
  { name: 'tablet', width: 768, height: 1024 },
  { name: 'laptop', width: 1280, height: 800 },
] as const;

async function trpc<T>(page: Page, path: string, input: unknown, query = false): Promise<T> {
  const res = query
    ? await page.request.get(`/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`)
    : await page.request.post(`/api/trpc/${path}`, { data: input });
  const body = await res.json();
  if (!res.ok()) throw new Error(`${path}: ${JSON.stringify(body)}`);
  return body.result.data as T;
}

/** Visits `path` at every size: no sideways scroll, axe clean (serious/critical), a screenshot. */
async function checkPage(
  page: Page,
  role: string,
  name: string,
  path: string,
  ready?: (p: Page) => Promise<void>,
) {
  for (const size of SIZES) {
    await page.setViewportSize({ width: size.width, height: size.height });
    await page.goto(path);
    await expect(page.locator('main, form').first()).toBeVisible();
    if (ready) await ready(page);
    await page.waitForLoadState('networkidle').catch(() => undefined);
    const overflow = await page.evaluate(() => {
      const over = document.documentElement.scrollWidth - window.innerWidth;
      // the outermost element that sticks out, to name in the failure
      const culprit = [...document.querySelectorAll('body *')].find(
        (e) =>
          e.getBoundingClientRect().right > window.innerWidth + 1 &&
          !e.parentElement?.closest('.overflow-x-auto'),
      );
      return {
        over,
        culprit: culprit ? `${culprit.tagName}.${culprit.className}`.slice(0, 160) : '',
      };
    });
    expect(
      overflow.over,
      `${path} at ${size.width}px scrolls sideways by ${overflow.over}px (${overflow.culprit})`,
    ).toBeLessThanOrEqual(0);
    await page.screenshot({
      path: join(test.info().project.outputDir, 'screens', size.name, `${role}-${name}.png`),
      fullPage: true,
    });
    const axe = await new AxeBuilder({ page })
      .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
      .analyze();
    const bad = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(
      bad.map(
        (v) =>
          `${v.id} (${v.impact}): ${v.nodes
            .map((n) => n.target.join(' '))
            .slice(0, 3)
            .join(' | ')}`,
      ),
      `${path} at ${size.width}px`,
    ).toEqual([]);
  }
}

test.describe.configure({ mode: 'serial' });

let requestId = '';
test('operator pages, after one small generation', async ({ page }) => {
  test.setTimeout(300_000);
  await signInAs(page, 'operator');
  // the demo's toy subjects are there on a fresh install
  const subjects = await trpc<{ items: { id: string; name: string }[] }>(
    page,
    'subjects.list',
    { usableFor: 'generate', limit: 50, offset: 0 },
    true,
  );
  expect(subjects.items.length).toBeGreaterThanOrEqual(2);
  const req = await trpc<{ id: string }>(page, 'generation.create', {
    subjectIds: subjects.items.slice(0, 2).map((s) => s.id),
    prompt: 'a star toy left of a heart toy',
    count: 1,
    steps: 4,
  });
  requestId = req.id;
  await expect
    .poll(
      async () =>
        (await trpc<{ state: string }>(page, 'generation.get', { requestId }, true)).state,
      { timeout: 180_000 },
    )
    .toBe('succeeded');
  for (const [name, path] of [
    ['generation', '/generation'],
    ['request', `/generation/${requestId}`],
    ['routing', '/generation/routing'],
    ['metrics', '/generation/metrics'],
    ['strength', '/review/strength'],
    ['models', '/models'],
    ['credentials', '/credentials'],
  ] as const)
    await checkPage(page, 'operator', name, path);
});

test('reviewer pages', async ({ page }) => {
  test.setTimeout(180_000);
  await signInAs(page, 'reviewer');
  await checkPage(page, 'reviewer', 'review', '/review', (p) =>
    expect(p.getByTestId('review-workspace')).toBeVisible(),
  );
  await checkPage(page, 'reviewer', 'adjudication', '/review/adjudication');
  await checkPage(page, 'reviewer', 'history', '/review/history');
});

test('admin pages', async ({ page }) => {
  test.setTimeout(180_000);
  await signInAs(page, 'admin');
  const subjects = await trpc<{ items: { id: string }[] }>(
    page,
    'subjects.list',
    { limit: 1, offset: 0 },
    true,
  );
  for (const [name, path] of [
    ['subjects', '/subjects'],
    ['subject', `/subjects/${subjects.items[0]!.id}`],
    ['audit', '/audit'],
    ['users', '/users'],
  ] as const)
    await checkPage(page, 'admin', name, path);
});

test('signed out: the sign-in page', async ({ page }) => {
  await checkPage(page, 'anyone', 'sign-in', '/sign-in');
});

test('phone: the navigation collapses behind a Menu button and opens on demand', async ({
  page,
}) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signInAs(page, 'operator' as RoleName);
  await page.goto('/generation');
  const areas = page.getByRole('navigation', { name: 'Areas' });
  await expect(areas).toBeHidden();
  await page.getByTestId('nav-toggle').click();
  await expect(areas).toBeVisible();
  await areas.getByRole('link', { name: 'Models' }).click();
  await expect(page).toHaveURL(/\/models$/);
  await expect(areas).toBeHidden();
  // every operator page is one click away from the others
  const sub = page.getByRole('navigation', { name: 'Operator pages' });
  for (const name of ['Requests', 'Routing configs', 'Metrics', 'Strength feedback', 'Models'])
    await expect(sub.getByRole('link', { name })).toBeVisible();
});

test('laptop: the areas are a sidebar; the favicon is served', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await signInAs(page, 'reviewer');
  await expect(page.getByRole('navigation', { name: 'Areas' })).toBeVisible();
  await expect(page.getByTestId('nav-toggle')).toBeHidden();
  expect((await page.request.get('/favicon.ico')).status()).toBe(200);
  await page.goto('/review');
  const sub = page.getByRole('navigation', { name: 'Review pages' });
  await sub.getByRole('link', { name: 'History & my stats' }).click();
  await expect(page).toHaveURL(/\/review\/history$/);
  await expect(page.getByTestId('my-stats')).not.toContainText(
    /windowHours|perHour|identity_wrong/,
  );
});
