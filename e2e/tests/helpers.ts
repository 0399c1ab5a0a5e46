import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Page } from '@playwright/test';
import { DATA_DIR } from '../playwright.config';

export type RoleName = 'admin' | 'operator' | 'reviewer';

/** The demo users the server created with random passwords on its first start. */
export function demoCredentials(): Record<RoleName, { email: string; password: string }> {
  const out: Record<string, { email: string; password: string }> = {};
  for (const line of readFileSync(join(DATA_DIR, 'demo-credentials.txt'), 'utf8').split('\n')) {
    const [role, email, password] = line.trim().split(/\s+/);
    if (role && email && password && !role.startsWith('#')) out[role] = { email, password };
  }
  return out as Record<RoleName, { email: string; password: string }>;
}

export async function signIn(page: Page, email: string, password: string) {
  await page.goto('/sign-in');
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

export async function signInAs(page: Page, role: RoleName) {
  const { email, password } = demoCredentials()[role];
  await signIn(page, email, password);
  await expect(page.getByTestId('current-user')).toHaveText(email);
}
