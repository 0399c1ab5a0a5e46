// Issue 17, no empty first paint: the dashboard pages whose data comes from tRPC queries have it
// in their first HTML — each page prefetches its first queries on the server and hydrates them
// into the browser's cache. Checked with JavaScript off, so nothing can be fetched after load:
// what is on the page is what the server sent.
import { expect, test, type Browser, type Page } from '@playwright/test';
import { demoCredentials, signInAs, type RoleName } from './helpers';

test.describe.configure({ mode: 'serial' });

async function trpc<T>(page: Page, path: string, input: unknown, query = true): Promise<T> {
  const res = query
    ? await page.request.get(`/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`)
    : await page.request.post(`/api/trpc/${path}`, { data: input });
  const body = await res.json();
  if (!res.ok()) throw new Error(`${path}: ${JSON.stringify(body)}`);
  return body.result.data as T;
}

/** Signed in as `role` (with scripts, to sign in), then a second page with the same session and
 * JavaScript disabled: it shows only the server's HTML. */
async function asRole(browser: Browser, role: RoleName) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signInAs(page, role);
  const noJs = await browser.newContext({
    javaScriptEnabled: false,
    storageState: await context.storageState(),
  });
  return {
    page,
    html: await noJs.newPage(),
    close: () => Promise.all([context, noJs].map((c) => c.close())),
  };
}

test('admin pages: users, subjects and a subject in the first HTML', async ({ browser }) => {
  const { page, html, close } = await asRole(browser, 'admin');
  await html.goto('/users');
  await expect(html.locator(`tr[data-email="${demoCredentials().admin.email}"]`)).toBeVisible();

  const subjects = await trpc<{ items: { id: string; name: string }[] }>(page, 'subjects.list', {
    limit: 200,
  });
  const subject = subjects.items[0]!;
  await html.goto('/subjects');
  await expect(
    html.locator(`[data-testid="subject-row"][data-name="${subject.name}"]`),
  ).toBeVisible();
  await html.goto(`/subjects/${subject.id}`);
  await expect(html.getByRole('heading', { name: subject.name })).toBeVisible();
  await expect(html.getByTestId('consent-table')).toBeVisible();
  await close();
});

test('operator pages: generation, a request, routing, metrics, strength, models', async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const { page, html, close } = await asRole(browser, 'operator');
  const usable = await trpc<{ items: { id: string; name: string }[] }>(page, 'subjects.list', {
    usableFor: 'generate',
    limit: 200,
    offset: 0,
  });
  expect(usable.items.length).toBeGreaterThanOrEqual(2);
  // a request to show: an earlier spec's, else a tiny one (its state does not matter here)
  const list = await trpc<{ items: { id: string; prompt: string }[] }>(page, 'generation.list', {
    limit: 20,
    offset: 0,
  });
  let request = list.items[0];
  if (!request) {
    const prompt = 'a star toy left of a heart toy (server html)';
    const subjectIds = usable.items.slice(0, 2).map((s) => s.id);
    const input = { subjectIds, prompt, count: 1, steps: 1 };
    const created = await trpc<{ id: string }>(page, 'generation.create', input, false);
    request = { id: created.id, prompt };
  }

  await html.goto('/generation');
  await expect(html.getByRole('checkbox', { name: usable.items[0]!.name })).toBeVisible();
  await expect(html.getByTestId('generation-row').first()).toBeVisible();
  await expect(html.getByRole('link', { name: request.prompt, exact: true }).first()).toBeVisible();

  await html.goto(`/generation/${request.id}`);
  await expect(html.getByTestId('request-detail')).toBeVisible();
  await expect(html.getByRole('heading', { name: `“${request.prompt}”` })).toBeVisible();

  await html.goto('/generation/routing');
  await expect(
    html
      .getByRole('group', { name: 'Preview subjects' })
      .getByRole('checkbox', { name: usable.items[0]!.name }),
  ).toBeVisible();
  await expect(
    html.getByTestId('routing-config-row').first().or(html.getByText('No routing configs yet.')),
  ).toBeVisible();

  await html.goto('/generation/metrics');
  await expect(
    html
      .getByText('No data in the last 30 days.')
      .or(html.getByText('No rejections in the last 30 days.'))
      .or(html.getByTestId('reject-reasons').locator('td'))
      .first(),
  ).toBeVisible();

  await html.goto('/review/strength');
  await expect(
    html
      .getByText('No strength feedback from reviewers yet.')
      .or(html.getByTestId('strength-suggestions').locator('caption'))
      .first(),
  ).toBeVisible();

  await html.goto('/models');
  await expect(html.getByTestId('retrain-status')).toContainText('the policy retrains at');
  await close();
});

test('reviewer pages: history and adjudication in the first HTML', async ({ browser }) => {
  const { html, close } = await asRole(browser, 'reviewer');
  await html.goto('/review/history');
  // my numbers: a count, not the placeholder shown before data arrives
  await expect(html.getByTestId('my-stats').locator('dd').first()).toHaveText(/^\d+$/);
  await expect(
    html.getByText('No decisions match.').or(html.locator('tr[data-decision]')).first(),
  ).toBeVisible();

  await html.goto('/review/adjudication');
  await expect(
    html
      .getByTestId('adjudication-empty')
      .or(html.getByText(/^[1-9]\d* waiting/))
      .first(),
  ).toBeVisible();
  await close();
});

test('a role without access gets no data: the page says so', async ({ browser }) => {
  const { html, close } = await asRole(browser, 'reviewer');
  await html.goto('/users');
  await expect(html.getByTestId('no-access')).toBeVisible();
  await expect(html.locator('tr[data-email]')).toHaveCount(0);
  await close();
});
