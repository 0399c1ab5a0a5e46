import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APIError } from 'better-auth/api';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '@musar/db';
import { auditLog, session, user } from '@musar/db/schema';
import { createTestDb } from '@musar/db/testing';
import {
  areasFor,
  completeFirstAdminSetup,
  createAuth,
  createUserWithPassword,
  ensureFirstAdmin,
  readDemoCredentials,
  resolveSecret,
  roleCan,
  seedDemoUsers,
  type Auth,
} from './index';

let handle: DbHandle;
let auth: Auth;
const dataDir = mkdtempSync(join(tmpdir(), 'musar-auth-'));
const baseURL = 'http://localhost:3000';

beforeAll(async () => {
  handle = await createTestDb();
  auth = createAuth({ db: handle.db, secret: 'x'.repeat(32), baseURL });
});
afterAll(async () => {
  await handle.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const signIn = (email: string, password: string) =>
  auth.api.signInEmail({ body: { email, password }, asResponse: true });
const cookieOf = (res: Response) => res.headers.get('set-cookie')!.split(';')[0]!;

describe('permissions', () => {
  it('grants each role its own capabilities only', () => {
    expect(roleCan('admin', { user: ['list', 'ban', 'set-role'] })).toBe(true);
    expect(roleCan('admin', { consent: ['revoke'], audit: ['read'] })).toBe(true);
    expect(roleCan('admin', { model: ['promote'] })).toBe(false);
    expect(roleCan('operator', { model: ['promote'], generation: ['create'] })).toBe(true);
    expect(roleCan('operator', { user: ['list'] })).toBe(false);
    expect(roleCan('reviewer', { review: ['decide'] })).toBe(true);
    expect(roleCan('reviewer', { audit: ['read'] })).toBe(false);
    expect(roleCan('user', { review: ['decide'] })).toBe(false);
    expect(roleCan(null, { review: ['read'] })).toBe(false);
  });

  it('shows each role its areas', () => {
    expect(areasFor('admin').map((a) => a.id)).toEqual([
      'subjects',
      'audit',
      'users',
      'credentials',
    ]);
    expect(areasFor('operator').map((a) => a.id)).toEqual(['generation', 'models', 'credentials']);
    expect(areasFor('reviewer').map((a) => a.id)).toEqual(['review', 'credentials']);
    // checking an image's credentials needs no role, only a session
    expect(areasFor(undefined).map((a) => a.id)).toEqual(['credentials']);
  });
});

describe('first start', () => {
  it('prints a one-time setup link when no admin is configured, and it works once', async () => {
    const lines: string[] = [];
    const result = await ensureFirstAdmin({
      db: handle.db,
      baseURL,
      env: {},
      log: (l) => lines.push(l),
    });
    expect(result.state).toBe('setup-link');
    if (result.state !== 'setup-link') return;
    expect(lines.join('\n')).toContain(result.url);
    const token = new URL(result.url).searchParams.get('token')!;
    const form = { email: 'Root@Example.com', name: 'Root', password: 'a-long-password-1' };
    await expect(completeFirstAdminSetup(handle.db, { ...form, token: 'wrong' })).rejects.toThrow(
      /invalid/,
    );
    await expect(
      completeFirstAdminSetup(handle.db, { ...form, token, password: 'short' }),
    ).rejects.toThrow(/at least/);
    const admin = await completeFirstAdminSetup(handle.db, { ...form, token });
    expect(admin).toMatchObject({ email: 'root@example.com', role: 'admin' });
    await expect(completeFirstAdminSetup(handle.db, { ...form, token })).rejects.toThrow(/invalid/);
    expect((await signIn('root@example.com', form.password)).status).toBe(200);
    // once a user exists, first start does nothing
    expect((await ensureFirstAdmin({ db: handle.db, baseURL, env: {}, log: () => {} })).state).toBe(
      'ready',
    );
  });

  it('creates the first admin from MUSAR_ADMIN_EMAIL/PASSWORD on an empty database', async () => {
    const fresh = await createTestDb();
    try {
      const env = {
        MUSAR_ADMIN_EMAIL: 'boss@example.com',
        MUSAR_ADMIN_PASSWORD: 'correct-horse-battery',
      };
      const result = await ensureFirstAdmin({ db: fresh.db, baseURL, env, log: () => {} });
      expect(result).toEqual({ state: 'admin-created', email: 'boss@example.com' });
      const [row] = await fresh.db.select().from(user);
      expect(row?.role).toBe('admin');
      const audit = await fresh.db.select().from(auditLog);
      expect(audit.map((a) => a.action)).toEqual(['user.create']);
    } finally {
      await fresh.close();
    }
  });

  it('never accepts a weak admin password from the environment', async () => {
    const fresh = await createTestDb();
    try {
      const env = { MUSAR_ADMIN_EMAIL: 'a@b.c', MUSAR_ADMIN_PASSWORD: 'admin' };
      await expect(ensureFirstAdmin({ db: fresh.db, baseURL, env, log: () => {} })).rejects.toThrow(
        /at least/,
      );
    } finally {
      await fresh.close();
    }
  });
});

describe('demo users', () => {
  it('are refused in production mode', async () => {
    await expect(
      seedDemoUsers({
        db: handle.db,
        dataDir,
        env: { DATABASE_URL: 'postgres://x' },
        log: () => {},
      }),
    ).rejects.toThrow(/production/);
    expect(() => resolveSecret(dataDir, { DATABASE_URL: 'postgres://x' })).toThrow(
      /BETTER_AUTH_SECRET/,
    );
  });

  it('get random passwords, kept in a private file, and can sign in', async () => {
    const lines: string[] = [];
    const first = await seedDemoUsers({
      db: handle.db,
      dataDir,
      env: {},
      log: (l) => lines.push(l),
    });
    expect(first.created).toBe(true);
    expect(statSync(first.file).mode & 0o777).toBe(0o600);
    const creds = readDemoCredentials(dataDir);
    expect(Object.keys(creds).sort()).toEqual(['admin', 'operator', 'reviewer']);
    const passwords = Object.values(creds).map((c) => c.password);
    expect(new Set(passwords).size).toBe(3);
    for (const p of passwords) expect(p.length).toBeGreaterThanOrEqual(16);
    expect(lines.join('\n')).toContain(passwords[0]);
    const res = await signIn(creds.operator!.email, creds.operator!.password);
    expect(res.status).toBe(200);
    // a second start does not make new ones
    expect((await seedDemoUsers({ db: handle.db, dataDir, env: {}, log: () => {} })).created).toBe(
      false,
    );
  });
});

describe('sign-in errors', () => {
  const password = 'reviewer-password-1';
  let reviewerId = '';
  beforeAll(async () => {
    const created = await createUserWithPassword(
      handle.db,
      { email: 'rev@example.com', name: 'Rev', role: 'reviewer', password },
      'system',
    );
    reviewerId = created.id;
  });

  it('a wrong password is 401 INVALID_EMAIL_OR_PASSWORD', async () => {
    const error = await auth.api
      .signInEmail({ body: { email: 'rev@example.com', password: 'not-the-password' } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).statusCode).toBe(401);
    expect((error as APIError).body?.code).toBe('INVALID_EMAIL_OR_PASSWORD');
  });

  it('self sign-up is disabled', async () => {
    const error = await auth.api
      .signUpEmail({ body: { email: 'new@example.com', password: 'whatever-password', name: 'N' } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
  });

  it('an expired session is no session', async () => {
    const cookie = cookieOf(await signIn('rev@example.com', password));
    const headers = new Headers({ cookie });
    expect((await auth.api.getSession({ headers }))?.user.id).toBe(reviewerId);
    await handle.db
      .update(session)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(session.userId, reviewerId));
    expect(await auth.api.getSession({ headers })).toBeNull();
  });

  it('a banned user is 403 BANNED_USER', async () => {
    await handle.db
      .update(user)
      .set({ banned: true, banReason: 'test' })
      .where(eq(user.id, reviewerId));
    const error = await auth.api
      .signInEmail({ body: { email: 'rev@example.com', password } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).statusCode).toBe(403);
    expect((error as APIError).body?.code).toBe('BANNED_USER');
  });
});

describe('rate limit', () => {
  it('throttles repeated sign-in attempts from one address', async () => {
    // per-IP limiting needs a trusted proxy: the client IP is the rightmost untrusted address
    const limited = createAuth({
      db: handle.db,
      secret: 'y'.repeat(32),
      baseURL,
      rateLimit: true,
      trustedProxies: ['10.0.0.0/8'],
    });
    const attempt = () =>
      limited.handler(
        new Request(`${baseURL}/api/auth/sign-in/email`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-forwarded-for': '203.0.113.7, 10.0.0.1',
            origin: baseURL,
          },
          body: JSON.stringify({ email: 'nobody@example.com', password: 'wrong-password-1' }),
        }),
      );
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await attempt()).status);
    expect(statuses).toContain(429);
  });
});
