import { expect, test } from '@playwright/test';
import { demoCredentials, signIn, signInAs } from './helpers';

test.describe.configure({ mode: 'serial' });

test('admin creates a user, changes their role, bans them; the audit log shows it', async ({
  page,
  browser,
}) => {
  await signInAs(page, 'admin');
  await page.goto('/users');
  const email = `e2e-${Date.now()}@example.com`;
  const password = 'e2e-password-123';

  await page.getByRole('button', { name: 'New user' }).click();
  const create = page.getByRole('dialog', { name: 'New user' });
  await create.getByLabel('Name').fill('E2E Person');
  await create.getByLabel('E-mail').fill(email);
  await create.getByLabel('Initial password').fill(password);
  await create.getByRole('button', { name: 'Create' }).click();
  const row = page.locator(`tr[data-email="${email}"]`);
  await expect(row).toBeVisible();

  // the new reviewer can sign in
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await signIn(otherPage, email, password);
  await expect(otherPage.getByTestId('current-user')).toHaveText(email);

  // role change
  await row.getByLabel(`Role of ${email}`).selectOption('operator');
  await expect(row.getByLabel(`Role of ${email}`)).toHaveValue('operator');

  // ban: their session ends and they can no longer sign in
  await row.getByRole('button', { name: `Ban ${email}` }).click();
  const ban = page.getByRole('dialog', { name: `Ban ${email}` });
  // only spaces: past the browser's `required`, refused by the server's schema — the message is
  // next to the field, in plain words, and nothing happened
  await ban.getByLabel('Reason').fill('   ');
  await ban.getByRole('button', { name: 'Ban user' }).click();
  await expect(ban.getByTestId('field-error')).toHaveText('required');
  await expect(ban.getByLabel('Reason')).toHaveAttribute('aria-invalid', 'true');
  await expect(ban).not.toContainText('"code"');
  await expect(ban).not.toContainText('Too small');
  await ban.getByLabel('Reason').fill('e2e check');
  await ban.getByRole('button', { name: 'Ban user' }).click();
  await expect(row.getByText('banned')).toBeVisible();
  const after = await otherPage.request.get('/api/trpc/me');
  expect(after.status()).toBe(401);
  await signIn(otherPage, email, password);
  await expect(otherPage.locator('form [role=alert]')).toHaveText(/banned/);
  await other.close();

  // audit entries with actor, before and after
  await page.goto('/audit');
  const table = page.getByTestId('audit-table');
  const admin = demoCredentials().admin.email;
  const roleRow = table.locator('tr[data-action="user.set_role"]').first();
  await expect(roleRow).toContainText(admin);
  await expect(roleRow).toContainText('{"role":"reviewer"}');
  await expect(roleRow).toContainText('{"role":"operator"}');
  const banRow = table.locator('tr[data-action="user.ban"]').first();
  await expect(banRow).toContainText(admin);
  await expect(banRow).toContainText('"banned":false');
  await expect(banRow).toContainText('"banReason":"e2e check"');
});

test('admin cannot change their own role from the page', async ({ page }) => {
  await signInAs(page, 'admin');
  await page.goto('/users');
  const self = page.locator(`tr[data-email="${demoCredentials().admin.email}"]`);
  await expect(self.getByRole('combobox')).toBeDisabled();
});
