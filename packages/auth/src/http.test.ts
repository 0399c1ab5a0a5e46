// The /api/auth/* handler the web app mounts: only the product's auth routes reach better-auth
// (issue 15, finding 3), and auth bodies are read with a hard cap (finding 1).
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '@musar/db';
import { account, auditLog, session, user } from '@musar/db/schema';
import { createTestDb } from '@musar/db/testing';
import { countingBody, streamingRequest } from './http-testing';
import {
  createAuth,
  createUserWithPassword,
  handleAuthRequest,
  MAX_AUTH_BODY_BYTES,
  type Auth,
} from './index';

let handle: DbHandle;
let auth: Auth;
const baseURL = 'http://localhost:3000';
const ids: Record<string, string> = {};
const cookies: Record<string, string> = {};

const call = (path: string, init: { method?: string; cookie?: string; body?: unknown } = {}) => {
  const headers = new Headers({ 'content-type': 'application/json', origin: baseURL });
  if (init.cookie) headers.set('cookie', init.cookie);
  return new Request(`${baseURL}/api/auth${path}`, {
    method: init.method ?? (init.body !== undefined ? 'POST' : 'GET'),
    headers,
    body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
  });
};

beforeAll(async () => {
  handle = await createTestDb();
  auth = createAuth({ db: handle.db, secret: 'h'.repeat(32), baseURL, rateLimit: false });
  for (const role of ['admin', 'reviewer'] as const) {
    const email = `${role}@example.com`;
    ids[role] = (
      await createUserWithPassword(
        handle.db,
        { email, name: role, role, password: `${role}-password-123` },
        'system',
      )
    ).id;
    const res = await authRoute(
      call('/sign-in/email', { body: { email, password: `${role}-password-123` } }),
    );
    expect(res.status).toBe(200);
    cookies[role] = res.headers.get('set-cookie')!.split(';')[0]!;
  }
});
afterAll(() => handle.close());

const authRoute = (req: Request) => handleAuthRequest(auth, req, { db: handle.db });

// What an admin session could do through better-auth's admin plugin (and any user through the
// profile routes), each bypassing the audited users service.
const ATTACKS: { path: string; body?: (ids: Record<string, string>) => unknown }[] = [
  { path: '/admin/impersonate-user', body: (i) => ({ userId: i.reviewer }) },
  { path: '/admin/set-role', body: (i) => ({ userId: i.admin, role: 'reviewer' }) },
  { path: '/admin/remove-user', body: (i) => ({ userId: i.reviewer }) },
  {
    path: '/admin/set-user-password',
    body: (i) => ({ userId: i.reviewer, newPassword: 'attacker-password-1' }),
  },
  {
    path: '/admin/create-user',
    body: () => ({ email: 'x@example.com', password: 'attacker-password-1', name: 'x' }),
  },
  { path: '/admin/ban-user', body: (i) => ({ userId: i.reviewer }) },
  { path: '/admin/revoke-user-sessions', body: (i) => ({ userId: i.reviewer }) },
  { path: '/admin/update-user', body: (i) => ({ userId: i.reviewer, data: { role: 'admin' } }) },
  { path: '/admin/list-users' },
  { path: '/update-user', body: () => ({ name: 'n'.repeat(1024 * 1024) }) },
  {
    path: '/change-password',
    body: () => ({ currentPassword: 'admin-password-123', newPassword: 'other-password-12' }),
  },
  {
    path: '/sign-up/email',
    body: () => ({ email: 'self@example.com', password: 'self-password-123', name: 's' }),
  },
  { path: '/list-sessions' },
];

describe('/api/auth allow-list', () => {
  it('the attack works against the bare better-auth handler (what was mounted before)', async () => {
    const res = await auth.handler(call('/admin/list-users', { cookie: cookies.admin }));
    expect(res.status).toBe(200);
  });

  it('every admin-plugin and profile route answers 404 and changes nothing', async () => {
    const auditBefore = (await handle.db.select().from(auditLog)).length;
    const usersBefore = await handle.db.select().from(user).orderBy(user.id);
    const accountsBefore = await handle.db.select().from(account).orderBy(account.id);
    const sessionsBefore = (await handle.db.select().from(session)).length;
    for (const attack of ATTACKS) {
      for (const cookie of [cookies.admin, undefined]) {
        const body = attack.body?.(ids);
        const res = await authRoute(call(attack.path, { cookie, body }));
        expect(res.status, attack.path).toBe(404);
        // the other method too
        const other = await authRoute(
          call(attack.path, { cookie, method: body === undefined ? 'POST' : 'GET' }),
        );
        expect(other.status, attack.path).toBe(404);
      }
    }
    // path tricks resolve to the same 404
    for (const path of [
      '/sign-in/email/../../admin/set-role',
      '/admin%2Fset-role',
      '/sign-in/email/',
      '/SIGN-IN/EMAIL',
    ]) {
      const res = await authRoute(
        call(path, { cookie: cookies.admin, body: { userId: ids.admin, role: 'reviewer' } }),
      );
      expect(res.status, path).toBe(404);
    }
    expect(await handle.db.select().from(user).orderBy(user.id)).toEqual(usersBefore);
    expect(await handle.db.select().from(account).orderBy(account.id)).toEqual(accountsBefore);
    expect((await handle.db.select().from(session)).length).toBe(sessionsBefore);
    expect((await handle.db.select().from(auditLog)).length).toBe(auditBefore);
    const [admin] = await handle.db.select().from(user).where(eq(user.id, ids.admin!));
    expect(admin!.role).toBe('admin');
  });

  it('the routes the product uses still work: sign-in, get-session, sign-out', async () => {
    const res = await authRoute(call('/get-session', { cookie: cookies.reviewer }));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { user: { id: string } }).user.id).toBe(ids.reviewer);
    const wrong = await authRoute(
      call('/sign-in/email', {
        body: { email: 'admin@example.com', password: 'wrong-password-1' },
      }),
    );
    expect(wrong.status).toBe(401);
    const out = await authRoute(call('/sign-out', { cookie: cookies.reviewer, body: {} }));
    expect(out.status).toBe(200);
    const after = await authRoute(call('/get-session', { cookie: cookies.reviewer }));
    expect(await after.json()).toBeNull();
  });

  it('a chunked 256 MiB sign-in body is refused (413) after reading at most the cap', async () => {
    const body = countingBody();
    const res = await authRoute(
      streamingRequest(`${baseURL}/api/auth/sign-in/email`, body.stream, {
        'content-type': 'application/json',
        origin: baseURL,
      }),
    );
    expect(res.status).toBe(413);
    expect(body.pulled()).toBeLessThanOrEqual(MAX_AUTH_BODY_BYTES + 2 * body.chunkBytes);
    expect(body.cancelled()).toBe(true);
  });

  it('a chunked body to a route not on the list is not read at all', async () => {
    const body = countingBody();
    const res = await authRoute(
      streamingRequest(`${baseURL}/api/auth/admin/set-role`, body.stream, {
        'content-type': 'application/json',
        origin: baseURL,
      }),
    );
    expect(res.status).toBe(404);
    expect(body.pulled()).toBeLessThanOrEqual(body.chunkBytes);
  });
});
