// POST /api/subjects/upload through the handler the web route mounts, with real better-auth
// sessions (issue 15: finding 1, unauthenticated memory exhaustion; Lower: no Origin check).
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '@musar/db';
import { subjects } from '@musar/db/schema';
import { createTestDb } from '@musar/db/testing';
import { createAuth, createUserWithPassword, type Auth } from '@musar/auth';
import { countingBody, streamingRequest } from '@musar/auth/http-testing';
import { outputPng } from '@musar/core/testing/consent-fixtures';
import { handleSubjectUpload, MAX_UPLOAD_BYTES } from './upload';

let handle: DbHandle;
let auth: Auth;
const origin = 'http://localhost:3000';
const url = `${origin}/api/subjects/upload`;
const cookies: Record<string, string> = {};

beforeAll(async () => {
  handle = await createTestDb();
  auth = createAuth({ db: handle.db, secret: 'u'.repeat(32), baseURL: origin, rateLimit: false });
  for (const role of ['admin', 'reviewer'] as const) {
    const email = `${role}@example.com`;
    const password = `${role}-password-123`;
    await createUserWithPassword(handle.db, { email, name: role, role, password }, 'system');
    const res = await auth.api.signInEmail({ body: { email, password }, asResponse: true });
    cookies[role] = res.headers.get('set-cookie')!.split(';')[0]!;
  }
});
afterAll(() => handle.close());

const deps = () => ({ db: handle.db, auth, allowedOrigins: [origin] });
const multipart = { 'content-type': 'multipart/form-data; boundary=x' };

describe('POST /api/subjects/upload', () => {
  it('signed out: a chunked 256 MiB body is 401 before it is read', async () => {
    const body = countingBody();
    const res = await handleSubjectUpload(
      streamingRequest(url, body.stream, { ...multipart, origin }),
      deps(),
    );
    expect(res.status).toBe(401);
    expect(body.pulled()).toBeLessThanOrEqual(body.chunkBytes);
  });

  it('a role without a subject capability is 403 before the body is read', async () => {
    const body = countingBody();
    const res = await handleSubjectUpload(
      streamingRequest(url, body.stream, { ...multipart, origin, cookie: cookies.reviewer! }),
      deps(),
    );
    expect(res.status).toBe(403);
    expect(body.pulled()).toBeLessThanOrEqual(body.chunkBytes);
  });

  it('signed in: a chunked 256 MiB body is 413 after reading at most the cap', async () => {
    const body = countingBody();
    const res = await handleSubjectUpload(
      streamingRequest(url, body.stream, { ...multipart, origin, cookie: cookies.admin! }),
      deps(),
    );
    expect(res.status).toBe(413);
    expect(body.pulled()).toBeGreaterThan(0);
    expect(body.pulled()).toBeLessThanOrEqual(MAX_UPLOAD_BYTES + 2 * body.chunkBytes);
    expect(body.cancelled()).toBe(true);
  });

  it('a declared Content-Length over the cap is 413 without reading', async () => {
    const body = countingBody();
    const res = await handleSubjectUpload(
      streamingRequest(url, body.stream, {
        ...multipart,
        origin,
        cookie: cookies.admin!,
        'content-length': String(MAX_UPLOAD_BYTES + 1),
      }),
      deps(),
    );
    expect(res.status).toBe(413);
    expect(body.pulled()).toBeLessThanOrEqual(body.chunkBytes);
  });

  it('a cross-site post (foreign or missing Origin) is 403 and changes nothing', async () => {
    for (const headers of [{ origin: 'https://evil.example' }, {}] as Record<string, string>[]) {
      const form = new FormData();
      form.set('name', 'Cross site');
      form.set('kind', 'product');
      form.set('classWord', 'mug');
      form.append(
        'images',
        new Blob([new Uint8Array(outputPng(7001))], { type: 'image/png' }),
        'a.png',
      );
      const res = await handleSubjectUpload(
        new Request(url, {
          method: 'POST',
          headers: { ...headers, cookie: cookies.admin! },
          body: form,
        }),
        deps(),
      );
      expect(res.status).toBe(403);
    }
    const rows = await handle.db.select().from(subjects).where(eq(subjects.name, 'Cross site'));
    expect(rows).toHaveLength(0);
  });

  it('a same-origin upload by an admin creates the subject', async () => {
    const form = new FormData();
    form.set('name', 'Blue mug');
    form.set('kind', 'product');
    form.set('classWord', 'mug');
    form.append(
      'images',
      new Blob([new Uint8Array(outputPng(7002))], { type: 'image/png' }),
      'a.png',
    );
    const res = await handleSubjectUpload(
      new Request(url, { method: 'POST', headers: { origin, cookie: cookies.admin! }, body: form }),
      deps(),
    );
    expect(res.status).toBe(200);
    const created = (await res.json()) as { id: string; imageIds: string[] };
    expect(created.imageIds).toHaveLength(1);
    const [row] = await handle.db.select().from(subjects).where(eq(subjects.id, created.id));
    expect(row!.name).toBe('Blue mug');
  });
});
