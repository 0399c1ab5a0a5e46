// POST /api/consents/grant through the handler the web route mounts, with real better-auth
// sessions: a consent's evidence file of a few MiB (too big for a tRPC JSON body) is streamed in,
// capped while it streams, and stored byte for byte.
import { createHash, randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '@musar/db';
import { consents } from '@musar/db/schema';
import { createTestDb } from '@musar/db/testing';
import { createAuth, createUserWithPassword, type Auth } from '@musar/auth';
import { countingBody, streamingRequest } from '@musar/auth/http-testing';
import { getEvidenceFile, MAX_EVIDENCE_BYTES } from '@musar/core/consent/grant';
import { createToySubject } from '@musar/core/subjects/subjects';
import { handleConsentGrantUpload, MAX_EVIDENCE_UPLOAD_BYTES } from './evidence-upload';

let handle: DbHandle;
let auth: Auth;
let subjectId: string;
const origin = 'http://localhost:3000';
const url = `${origin}/api/consents/grant`;
const cookies: Record<string, string> = {};

beforeAll(async () => {
  handle = await createTestDb();
  auth = createAuth({ db: handle.db, secret: 'e'.repeat(32), baseURL: origin, rateLimit: false });
  for (const role of ['admin', 'operator'] as const) {
    const email = `${role}@example.com`;
    const password = `${role}-password-123`;
    await createUserWithPassword(handle.db, { email, name: role, role, password }, 'system');
    const res = await auth.api.signInEmail({ body: { email, password }, asResponse: true });
    cookies[role] = res.headers.get('set-cookie')!.split(';')[0]!;
  }
  subjectId = (await createToySubject(handle.db, 'system', { seed: 4242, views: 1 })).id;
});
afterAll(() => handle.close());

const deps = () => ({ db: handle.db, auth, allowedOrigins: [origin] });
const multipart = { 'content-type': 'multipart/form-data; boundary=x' };
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
/** A PDF-looking file of `bytes` bytes (the type is sniffed from its first bytes). */
const pdf = (bytes: number) => {
  const out = new Uint8Array(randomBytes(bytes));
  out.set(new TextEncoder().encode('%PDF-1.7\n'));
  return out;
};
const grantForm = (fields: Record<string, string>, file?: { bytes: Uint8Array; name: string }) => {
  const form = new FormData();
  const all = {
    subjectId,
    scope: 'generate',
    grantedBy: 'Jo Example',
    evidence: 'signed release',
    ...fields,
  };
  for (const [k, v] of Object.entries(all)) form.set(k, v);
  if (file) form.set('evidenceFile', new Blob([new Uint8Array(file.bytes)]), file.name);
  return form;
};
const post = (
  form: FormData,
  headers: Record<string, string> = { origin, cookie: cookies.admin! },
) => handleConsentGrantUpload(new Request(url, { method: 'POST', headers, body: form }), deps());

describe('POST /api/consents/grant', () => {
  it('records a consent with a 5 MiB evidence PDF, stored byte for byte', async () => {
    const file = pdf(5 * 1024 * 1024);
    expect(file.length).toBeGreaterThan(1024 * 1024); // more than a whole tRPC body
    const res = await post(
      grantForm({ scope: 'train' }, { bytes: file, name: 'release 2026.pdf' }),
    );
    expect(res.status).toBe(200);
    const consent = (await res.json()) as {
      id: string;
      scope: string;
      status: string;
      evidenceFile: {
        name: string;
        mimeType: string;
        bytes: number;
        sha256: string;
        erased: boolean;
      };
    };
    expect(consent).toMatchObject({ scope: 'train', status: 'active' });
    expect(consent.evidenceFile).toEqual({
      name: 'release 2026.pdf',
      mimeType: 'application/pdf',
      bytes: file.length,
      sha256: sha256(file),
      erased: false,
    });
    const [row] = await handle.db.select().from(consents).where(eq(consents.id, consent.id));
    expect(row!.evidenceFile!.length).toBe(file.length);
    expect(sha256(row!.evidenceFile!)).toBe(sha256(file));
    const stored = await getEvidenceFile(handle.db, consent.id);
    expect(Buffer.from(stored.bytes).equals(Buffer.from(file))).toBe(true);
  });

  it('signed out: a chunked 256 MiB body is 401 before it is read', async () => {
    const body = countingBody();
    const res = await handleConsentGrantUpload(
      streamingRequest(url, body.stream, { ...multipart, origin }),
      deps(),
    );
    expect(res.status).toBe(401);
    expect(body.pulled()).toBeLessThanOrEqual(body.chunkBytes);
  });

  it('a role that may not grant consent is 403 before the body is read', async () => {
    const body = countingBody();
    const res = await handleConsentGrantUpload(
      streamingRequest(url, body.stream, { ...multipart, origin, cookie: cookies.operator! }),
      deps(),
    );
    expect(res.status).toBe(403);
    expect(body.pulled()).toBeLessThanOrEqual(body.chunkBytes);
  });

  it('signed in: a chunked 256 MiB body is 413 after reading at most the cap', async () => {
    const body = countingBody();
    const res = await handleConsentGrantUpload(
      streamingRequest(url, body.stream, { ...multipart, origin, cookie: cookies.admin! }),
      deps(),
    );
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      fieldErrors: { evidenceFile: 'at most 8 MiB' },
    });
    expect(body.pulled()).toBeGreaterThan(0);
    expect(body.pulled()).toBeLessThanOrEqual(MAX_EVIDENCE_UPLOAD_BYTES + 2 * body.chunkBytes);
    expect(body.cancelled()).toBe(true);
  });

  it('a declared Content-Length over the cap is 413 without reading', async () => {
    const body = countingBody();
    const res = await handleConsentGrantUpload(
      streamingRequest(url, body.stream, {
        ...multipart,
        origin,
        cookie: cookies.admin!,
        'content-length': String(MAX_EVIDENCE_UPLOAD_BYTES + 1),
      }),
      deps(),
    );
    expect(res.status).toBe(413);
    expect(body.pulled()).toBeLessThanOrEqual(body.chunkBytes);
  });

  it('a file just over the limit is 413 at its field, and nothing is recorded', async () => {
    const before = await handle.db.select().from(consents).where(eq(consents.subjectId, subjectId));
    const res = await post(grantForm({}, { bytes: pdf(MAX_EVIDENCE_BYTES + 1), name: 'big.pdf' }));
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ fieldErrors: { evidenceFile: 'at most 8 MiB' } });
    const after = await handle.db.select().from(consents).where(eq(consents.subjectId, subjectId));
    expect(after).toHaveLength(before.length);
  });

  it("the procedure's own rules: field messages at their fields, the file's type sniffed", async () => {
    const invalid = await post(grantForm({ grantedBy: ' ', validFrom: 'yesterday' }));
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({
      code: 'BAD_REQUEST',
      fieldErrors: {
        grantedBy: expect.stringMatching(/who granted it/),
        validFrom: expect.any(String),
      },
    });
    const binary = await post(
      grantForm({}, { bytes: new Uint8Array([0, 1, 2, 3, 0, 255]), name: 'x.pdf' }),
    );
    expect(binary.status).toBe(400);
    expect(((await binary.json()) as { error: string }).error).toMatch(
      /must be a PDF, PNG, JPEG or plain-text file/,
    );
  });

  it('a cross-site post (foreign or missing Origin) is 403 and records nothing', async () => {
    const before = await handle.db.select().from(consents).where(eq(consents.subjectId, subjectId));
    for (const headers of [{ origin: 'https://evil.example' }, {}] as Record<string, string>[]) {
      const res = await post(grantForm({ evidence: 'cross site' }), {
        ...headers,
        cookie: cookies.admin!,
      });
      expect(res.status).toBe(403);
    }
    const after = await handle.db.select().from(consents).where(eq(consents.subjectId, subjectId));
    expect(after).toHaveLength(before.length);
  });
});
