// Issue 15, finding 7: first-admin setup accepted e-mails better-auth's sign-in refuses
// (`admin@localhost`): the link was spent, the admin could never sign in, the instance was locked.
import { APIError } from 'better-auth/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '@musar/db';
import { auditLog, user } from '@musar/db/schema';
import { createTestDb } from '@musar/db/testing';
import {
  completeFirstAdminSetup,
  createAuth,
  EMAIL_PATTERN,
  ensureFirstAdmin,
  localTrustedOrigins,
  resolveSecret,
  SetupError,
  type Auth,
} from './index';

let handle: DbHandle;
let auth: Auth;
const baseURL = 'http://localhost:3000';
beforeAll(async () => {
  handle = await createTestDb();
  auth = createAuth({ db: handle.db, secret: 'z'.repeat(32), baseURL, rateLimit: false });
});
afterAll(() => handle.close());

/** What better-auth's sign-in says about the e-mail's form (a wrong password either way). */
async function signInRefusesEmail(email: string): Promise<boolean> {
  const error = await auth.api
    .signInEmail({ body: { email, password: 'not-the-password-1' } })
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(APIError);
  return (error as APIError).body?.code === 'INVALID_EMAIL';
}

const SAMPLES = [
  'admin@localhost',
  'root@127.0.0.1',
  'a@b.c',
  'a..b@example.com',
  '.a@example.com',
  'user name@example.com',
  'a@-example.com',
  'admin@example.com',
  'first.last+tag@sub.example.co',
  "o'brien@example.org",
  'x_y-z@example-mail.io',
];

describe('first-admin setup', () => {
  it('the e-mail rule is the one better-auth signs in with', async () => {
    for (const email of SAMPLES)
      expect(EMAIL_PATTERN.test(email), email).toBe(!(await signInRefusesEmail(email)));
  });

  it('from the environment, an e-mail sign-in would refuse stops the start and creates nothing', async () => {
    await expect(
      ensureFirstAdmin({
        db: handle.db,
        baseURL,
        env: { MUSAR_ADMIN_EMAIL: 'admin@localhost', MUSAR_ADMIN_PASSWORD: 'a-long-password-1' },
        log: () => {},
      }),
    ).rejects.toThrow(/MUSAR_ADMIN_EMAIL/);
    expect(await handle.db.select().from(user)).toHaveLength(0);
  });

  it('a refused e-mail or a 1 MiB name does not spend the link; the admin created can sign in', async () => {
    const result = await ensureFirstAdmin({ db: handle.db, baseURL, env: {}, log: () => {} });
    expect(result.state).toBe('setup-link');
    if (result.state !== 'setup-link') return;
    const token = new URL(result.url).searchParams.get('token')!;
    const form = { token, name: 'Root', password: 'a-long-password-1' };
    for (const bad of [
      { ...form, email: 'admin@localhost' },
      { ...form, email: 'root@127.0.0.1' },
      { ...form, email: 'admin@example.com', name: 'n'.repeat(1024 * 1024) },
    ]) {
      const error = await completeFirstAdminSetup(handle.db, bad).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SetupError);
    }
    expect(await handle.db.select().from(user)).toHaveLength(0);
    expect(await handle.db.select().from(auditLog)).toHaveLength(0);

    const created = await completeFirstAdminSetup(handle.db, {
      ...form,
      email: 'Admin@Example.com',
    });
    expect(created.role).toBe('admin');
    const res = await auth.api.signInEmail({
      body: { email: 'admin@example.com', password: 'a-long-password-1' },
      asResponse: true,
    });
    expect(res.status).toBe(200);
    // and the link is spent now
    await expect(
      completeFirstAdminSetup(handle.db, { ...form, email: 'other@example.com' }),
    ).rejects.toThrow(/invalid or expired/);
  });
});

describe('trusted origins', () => {
  it('production trusts no localhost origin; embedded mode does (issue 15, Lower)', () => {
    expect(localTrustedOrigins('3000', { DATABASE_URL: 'postgres://db/musar' })).toEqual([]);
    expect(localTrustedOrigins('3000', { MUSAR_MODE: 'production' })).toEqual([]);
    expect(localTrustedOrigins('3000', {})).toEqual([
      'http://localhost:3000',
      'http://127.0.0.1:3000',
    ]);
  });
});

describe('BETTER_AUTH_SECRET', () => {
  it('the placeholder of infra/k8s/secrets.yaml and other non-secrets are refused (issue 15, Lower)', () => {
    const env = (secret: string) => ({
      DATABASE_URL: 'postgres://db/musar',
      BETTER_AUTH_SECRET: secret,
    });
    for (const secret of [
      'change-me-to-at-least-32-random-characters',
      'CHANGEME-CHANGEME-CHANGEME-CHANGEME',
      'replace-with-a-long-random-string-please',
      'x'.repeat(40),
    ])
      expect(() => resolveSecret('unused', env(secret)), secret).toThrow(/placeholder/);
    const real = 'q3J0v8m2ZkT9yXbR4hLw7NcP1sFd6GaU0eYiKoMn';
    expect(resolveSecret('unused', env(real))).toBe(real);
  });
});
