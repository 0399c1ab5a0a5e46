import { expect, test } from '@playwright/test';
import { signIn, signInAs, demoCredentials, type RoleName } from './helpers';

// "Image credentials" (checking an image's Content Credentials) is open to everyone signed in
const AREAS: Record<RoleName, string[]> = {
  admin: ['Subjects & consent', 'Audit', 'Users', 'Image credentials'],
  operator: ['Generation & routing', 'Models', 'Image credentials'],
  reviewer: ['Review', 'Image credentials'],
};
const ALL = [
  'Review',
  'Subjects & consent',
  'Generation & routing',
  'Models',
  'Audit',
  'Users',
  'Image credentials',
];
const HREF: Record<string, string> = {
  Review: '/review',
  'Subjects & consent': '/subjects',
  'Generation & routing': '/generation',
  Models: '/models',
  Audit: '/audit',
  Users: '/users',
  'Image credentials': '/credentials',
};

test('signed out, the dashboard sends you to sign in', async ({ page }) => {
  await page.goto('/users');
  await expect(page).toHaveURL(/\/sign-in$/);
});

for (const role of Object.keys(AREAS) as RoleName[]) {
  test(`${role} sees exactly their areas`, async ({ page }) => {
    await signInAs(page, role);
    const nav = page.getByRole('navigation', { name: 'Areas' });
    await expect(nav.getByRole('link')).toHaveText(
      AREAS[role].map((label) => new RegExp(`^${label}`)),
    );
    // the first area opens on sign-in
    await expect(page).toHaveURL(new RegExp(`${HREF[AREAS[role][0]!]}$`));
    // areas of other roles are closed even by URL
    for (const label of ALL.filter((l) => !AREAS[role].includes(l))) {
      await page.goto(HREF[label]!);
      await expect(page.getByTestId('no-access')).toBeVisible();
    }
  });
}

test('strength feedback is one click from every operator page, and closed to other roles', async ({
  page,
}) => {
  await signInAs(page, 'operator');
  for (const from of ['/generation', '/generation/routing', '/generation/metrics', '/models']) {
    await page.goto(from);
    const sub = page.getByRole('navigation', { name: 'Operator pages' });
    await sub.getByRole('link', { name: 'Strength feedback' }).click();
    await expect(page).toHaveURL(/\/review\/strength$/);
    await expect(page.getByRole('heading', { name: 'Routing strength suggestions' })).toBeVisible();
    // the operator's links stay, with this page marked current
    await expect(
      page
        .getByRole('navigation', { name: 'Operator pages' })
        .getByRole('link', { name: 'Strength feedback' }),
    ).toHaveAttribute('aria-current', 'page');
  }
  // reviewers vote, admins manage consent: neither may read routing, so no link and no page
  for (const role of ['reviewer', 'admin'] as const) {
    await page.context().clearCookies();
    await signInAs(page, role);
    await expect(page.getByRole('link', { name: 'Strength feedback' })).toHaveCount(0);
    await page.goto('/review/strength');
    await expect(page.getByTestId('no-access')).toBeVisible();
  }
});

test('a reviewer calling an admin procedure directly gets FORBIDDEN', async ({ page }) => {
  await signInAs(page, 'reviewer');
  const res = await page.request.get('/api/trpc/users.list');
  expect(res.status()).toBe(403);
  expect((await res.json()).error.data.code).toBe('FORBIDDEN');
  const setRole = await page.request.post('/api/trpc/users.setRole', {
    data: { userId: 'anyone', role: 'admin' },
  });
  expect(setRole.status()).toBe(403);
  // and their own procedures work
  const me = await page.request.get('/api/trpc/me');
  expect((await me.json()).result.data.role).toBe('reviewer');
});

test('a wrong password is refused with a message', async ({ page }) => {
  await signIn(page, demoCredentials().operator.email, 'not-the-password');
  await expect(page.locator('form [role=alert]')).toHaveText(/Wrong e-mail or password/);
  await expect(page).toHaveURL(/\/sign-in$/);
});

test('keyboard: g then a key opens an area', async ({ page }) => {
  await signInAs(page, 'admin');
  await page.locator('body').click();
  await page.keyboard.press('g');
  await page.keyboard.press('a');
  await expect(page).toHaveURL(/\/audit$/);
  await expect(page.getByRole('heading', { name: 'Audit log' })).toBeVisible();
});
