// Issue 15, finding 6: the sign-in throttle was keyed on the client-supplied X-Forwarded-For
// (rotating it gave unlimited guesses), per process, with no per-account limit.
import { eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '@musar/db';
import { auditLog, session, verification } from '@musar/db/schema';
import { createTestDb } from '@musar/db/testing';
import {
  createAuth,
  createUserWithPassword,
  handleAuthRequest,
  SIGN_IN_MAX_FAILURES,
  type Auth,
} from './index';

let handle: DbHandle;
let auth: Auth;
const baseURL = 'http://localhost:3000';
const email = 'victim@example.com';
const password = 'the-right-password-1';

beforeAll(async () => {
  handle = await createTestDb();
  // better-auth's per-IP limiter off: this is the per-account throttle alone
  auth = createAuth({ db: handle.db, secret: 't'.repeat(32), baseURL, rateLimit: false });
  await createUserWithPassword(
    handle.db,
    { email, name: 'Victim', role: 'reviewer', password },
    'system',
  );
});
afterAll(() => handle.close());

const signIn = (body: { email: string; password: string }, forwardedFor: string, a = auth) =>
  handleAuthRequest(
    a,
    new Request(`${baseURL}/api/auth/sign-in/email`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        origin: baseURL,
        'x-forwarded-for': forwardedFor,
      },
      body: JSON.stringify(body),
    }),
    { db: handle.db },
  );

describe('sign-in throttle', () => {
  it('locks an account after 5 failures whatever X-Forwarded-For says, in the database, audited', async () => {
    for (let i = 0; i < SIGN_IN_MAX_FAILURES; i++) {
      const res = await signIn(
        { email: 'Victim@Example.com', password: `guess-number-${i}-x` },
        `198.51.100.${i}`,
      );
      expect(res.status).toBe(401);
    }
    // rotating the header, and even the right password, is refused now without a check
    const locked = await signIn({ email, password }, '192.0.2.200');
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(60);
    expect(((await locked.json()) as { code: string }).code).toBe('TOO_MANY_ATTEMPTS');
    // another process (another auth instance on the same database) sees the same lock
    const other = createAuth({ db: handle.db, secret: 't'.repeat(32), baseURL, rateLimit: false });
    expect((await signIn({ email, password }, '192.0.2.201', other)).status).toBe(429);
    const audit = await handle.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, 'auth.sign_in_locked'));
    expect(audit).toHaveLength(1);
    expect(audit[0]!.targetId).toBe(email);
    // other accounts are not affected
    expect(
      (await signIn({ email: 'someone@example.com', password: 'whatever-pass-1' }, '192.0.2.200'))
        .status,
    ).toBe(401);
  });

  it('once the window has passed the right password signs in and clears the failures', async () => {
    const failures = like(verification.identifier, 'musar:sign-in-failure:victim%');
    await handle.db
      .update(verification)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(failures);
    const res = await signIn({ email, password }, '192.0.2.7');
    expect(res.status).toBe(200);
    expect(await handle.db.select().from(verification).where(failures)).toHaveLength(0);
  });

  it('with a trusted proxy, rotating the client-supplied part of X-Forwarded-For does not evade the per-IP limiter', async () => {
    const limited = createAuth({
      db: handle.db,
      secret: 't'.repeat(32),
      baseURL,
      rateLimit: true,
      trustedProxies: ['10.0.0.0/8'],
    });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      // different accounts, so the per-account throttle stays out of it; the proxy appended the real client
      const res = await signIn(
        { email: `spray-${i}@example.com`, password: 'wrong-password-1' },
        `203.0.113.${i}, 198.51.100.77`,
        limited,
      );
      statuses.push(res.status);
    }
    expect(statuses).toContain(429);
  });

  it('without a trusted proxy no client IP is taken from the header', async () => {
    const res = await signIn({ email, password }, '203.0.113.99');
    expect(res.status).toBe(200);
    const sessions = await handle.db.select({ ip: session.ipAddress }).from(session);
    expect(sessions.length).toBeGreaterThan(0);
    expect(sessions.map((s) => s.ip).filter((ip) => ip === '203.0.113.99')).toEqual([]);
  });
});
