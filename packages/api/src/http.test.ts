// The HTTP endpoint with real better-auth sessions: what the web app mounts at /api/trpc.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '@musar/db';
import { session } from '@musar/db/schema';
import { createTestDb } from '@musar/db/testing';
import { createAuth, createUserWithPassword, type Auth } from '@musar/auth';
import { countingBody, streamingRequest } from '@musar/auth/http-testing';
import { COMPRESS_FROM_BYTES, handleTrpcRequest, MAX_BATCH_SIZE, MAX_BODY_BYTES } from './http';

let handle: DbHandle;
let auth: Auth;
const cookies: Record<string, string> = {};
const ids: Record<string, string> = {};
const base = 'http://localhost:3000/api/trpc';

beforeAll(async () => {
  handle = await createTestDb();
  auth = createAuth({ db: handle.db, secret: 's'.repeat(32), baseURL: 'http://localhost:3000' });
  for (const role of ['admin', 'reviewer'] as const) {
    const email = `${role}@example.com`;
    const password = `${role}-password-123`;
    ids[role] = (
      await createUserWithPassword(handle.db, { email, name: role, role, password }, 'system')
    ).id;
    const res = await auth.api.signInEmail({ body: { email, password }, asResponse: true });
    cookies[role] = res.headers.get('set-cookie')!.split(';')[0]!;
  }
});
afterAll(() => handle.close());

function send(
  path: string,
  init: { cookie?: string; input?: unknown; body?: string; method?: string } = {},
) {
  const method =
    init.method ?? (init.body !== undefined || init.input !== undefined ? 'POST' : 'GET');
  const headers = new Headers({ 'content-type': 'application/json' });
  if (init.cookie) headers.set('cookie', init.cookie);
  const body = init.body ?? (init.input !== undefined ? JSON.stringify(init.input) : undefined);
  return handleTrpcRequest(new Request(`${base}/${path}`, { method, headers, body }), {
    db: handle.db,
    auth,
  });
}
const errorCode = async (res: Response) =>
  ((await res.json()) as { error: { data: { code: string } } }).error.data.code;

describe('HTTP /api/trpc', () => {
  it('answers health without a session', async () => {
    const res = await send('health');
    expect(res.status).toBe(200);
    expect(
      ((await res.json()) as { result: { data: { status: string } } }).result.data.status,
    ).toBe('ok');
  });

  it('answers carry their length; small ones are marked no-transform, none is cacheable', async () => {
    let small = 0;
    for (const res of [
      await send('health'),
      await send('me', { cookie: cookies.reviewer }),
      await send('users.setRole', {
        input: { userId: 'x', role: 'admin' },
        cookie: cookies.reviewer,
      }),
    ]) {
      const bytes = new Uint8Array(await res.clone().arrayBuffer()).length;
      expect(bytes).toBeGreaterThan(0);
      small += bytes < COMPRESS_FROM_BYTES ? 1 : 0;
      expect(res.headers.get('content-length')).toBe(String(bytes));
      expect(res.headers.get('content-type')).toContain('application/json');
      expect(res.headers.get('cache-control')).toBe(
        bytes < COMPRESS_FROM_BYTES ? 'no-store, no-transform' : 'no-store',
      );
    }
    expect(small).toBeGreaterThanOrEqual(2);
    const batch = await send(`${Array.from({ length: 20 }, () => 'health').join(',')}?batch=1`);
    const bytes = new Uint8Array(await batch.arrayBuffer()).length;
    expect(bytes).toBeGreaterThanOrEqual(COMPRESS_FROM_BYTES);
    expect(batch.headers.get('content-length')).toBe(String(bytes));
    expect(batch.headers.get('cache-control')).toBe('no-store');
  });

  it('signed out is 401, a reviewer calling an admin procedure is 403 FORBIDDEN', async () => {
    const signedOut = await send('users.list');
    expect(signedOut.status).toBe(401);
    expect(await errorCode(signedOut)).toBe('UNAUTHORIZED');
    const reviewer = await send('users.list', { cookie: cookies.reviewer });
    expect(reviewer.status).toBe(403);
    expect(await errorCode(reviewer)).toBe('FORBIDDEN');
    const admin = await send('users.list', { cookie: cookies.admin });
    expect(admin.status).toBe(200);
  });

  it('me reflects the session user and their areas', async () => {
    const res = await send('me', { cookie: cookies.reviewer });
    const me = (
      (await res.json()) as { result: { data: { role: string; areas: { id: string }[] } } }
    ).result.data;
    expect(me.role).toBe('reviewer');
    expect(me.areas.map((a) => a.id)).toEqual(['review', 'credentials']);
  });

  it('malformed JSON, bad and oversized input are 4xx, never 500', async () => {
    const malformed = await send('users.setRole', { cookie: cookies.admin, body: '{"userId": ' });
    expect(malformed.status).toBe(400);
    const bad = await send('users.setRole', {
      cookie: cookies.admin,
      input: { userId: ids.reviewer, role: 'root' },
    });
    expect(bad.status).toBe(400);
    const json = (await bad.json()) as {
      error: { message: string; data: { code: string; zodError: unknown } };
    };
    expect(json.error.data.code).toBe('BAD_REQUEST');
    expect(json.error.message).toMatch(/role/);
    expect(json.error.data.zodError).toBeTruthy();
    const huge = await send('users.list', {
      cookie: cookies.admin,
      method: 'POST',
      body: JSON.stringify({ search: 'a'.repeat(MAX_BODY_BYTES) }),
    });
    expect(huge.status).toBe(413);
    const longSearch = await send(
      `users.list?input=${encodeURIComponent(JSON.stringify({ search: 'a'.repeat(5000) }))}`,
      { cookie: cookies.admin },
    );
    expect(longSearch.status).toBe(400);
    const wrongMethod = await send('users.setRole', { cookie: cookies.admin, method: 'GET' });
    expect(wrongMethod.status).toBeLessThan(500);
  });

  it('a chunked 256 MiB body without a session is 401 before its body is read', async () => {
    const body = countingBody();
    const res = await handleTrpcRequest(
      streamingRequest(`${base}/users.setRole`, body.stream, {
        'content-type': 'application/json',
      }),
      { db: handle.db, auth },
    );
    expect(res.status).toBe(401);
    expect(await errorCode(res)).toBe('UNAUTHORIZED');
    // at most what the stream queued on its own before anyone read it
    expect(body.pulled()).toBeLessThanOrEqual(body.chunkBytes);
  });

  it('a chunked 256 MiB body with a session is 413 after reading at most the cap', async () => {
    const body = countingBody();
    const before = process.memoryUsage();
    const res = await handleTrpcRequest(
      streamingRequest(`${base}/users.list`, body.stream, {
        'content-type': 'application/json',
        cookie: cookies.admin!,
      }),
      { db: handle.db, auth },
    );
    expect(res.status).toBe(413);
    expect(await errorCode(res)).toBe('PAYLOAD_TOO_LARGE');
    expect(body.pulled()).toBeLessThanOrEqual(MAX_BODY_BYTES + 2 * body.chunkBytes);
    expect(body.cancelled()).toBe(true);
    const after = process.memoryUsage();
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(64 * 1024 * 1024);
  });

  it(`a batch of more than ${MAX_BATCH_SIZE} procedures is refused, one at the limit runs`, async () => {
    const batch = (n: number) =>
      `${Array.from({ length: n }, () => 'health').join(',')}?batch=1&input=${encodeURIComponent(
        JSON.stringify({}),
      )}`;
    const over = await send(batch(MAX_BATCH_SIZE + 1));
    expect(over.status).toBe(400);
    const huge = await send(batch(1000));
    expect(huge.status).toBe(400);
    const ok = await send(batch(MAX_BATCH_SIZE));
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as unknown[]).length).toBe(MAX_BATCH_SIZE);
  });

  it('an expired session is 401', async () => {
    await handle.db
      .update(session)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(session.userId, ids.reviewer!));
    const res = await send('me', { cookie: cookies.reviewer });
    expect(res.status).toBe(401);
  });

  it('a banned user loses access at once', async () => {
    const ban = await send('users.ban', {
      cookie: cookies.admin,
      input: { userId: ids.reviewer, reason: 'test' },
    });
    expect(ban.status).toBe(200);
    const error = await auth.api
      .signInEmail({ body: { email: 'reviewer@example.com', password: 'reviewer-password-123' } })
      .catch((e: { statusCode?: number; body?: { code?: string } }) => e);
    expect(error).toMatchObject({ statusCode: 403, body: { code: 'BANNED_USER' } });
  });
});
