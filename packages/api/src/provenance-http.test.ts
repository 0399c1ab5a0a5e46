// POST /api/provenance/verify (the "Image credentials" page): an image too big for the tRPC body
// cap is checked here, with the session and Origin checked before the body is read.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '@musar/db';
import { createTestDb } from '@musar/db/testing';
import { createAuth, createUserWithPassword, type Auth } from '@musar/auth';
import { countingBody, streamingRequest } from '@musar/auth/http-testing';
import { generateCredentials, sign } from '@musar/provenance';
import { makePng } from '@musar/provenance/testing';
import { handleTrpcRequest, MAX_BODY_BYTES } from './http';
import { handleProvenanceVerify, MAX_VERIFY_BYTES } from './provenance-http';
import { useSigningCredentials, type TImageCredentials } from '@musar/core/provenance/provenance';

let handle: DbHandle;
let auth: Auth;
let cookie: string;
let creds: Awaited<ReturnType<typeof generateCredentials>>;
let bigSigned: Uint8Array;
const origin = 'http://localhost:3000';
const url = `${origin}/api/provenance/verify`;
const subjectIds = ['0b3d3f1e-4a8e-4c7b-9f5d-1f2e3d4c5b6a'];

beforeAll(async () => {
  handle = await createTestDb();
  auth = createAuth({ db: handle.db, secret: 'p'.repeat(32), baseURL: origin, rateLimit: false });
  const email = 'reviewer@example.com';
  const password = 'reviewer-password-123';
  await createUserWithPassword(
    handle.db,
    { email, name: 'r', role: 'reviewer', password },
    'system',
  );
  const res = await auth.api.signInEmail({ body: { email, password }, asResponse: true });
  cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  creds = await generateCredentials({ organization: 'Verify route test' });
  useSigningCredentials(async () => ({ ...creds, source: 'test' }));
  // ~1.9 MiB (stored, not compressed): over the tRPC body cap once base64-encoded
  bigSigned = await sign(
    makePng(800, 800, 3),
    {
      requestId: 'req-1',
      index: 0,
      seed: 7,
      model: { versionId: null, name: 'test model', weightsSha256: 'ab'.repeat(32) },
      routing: { threshold: 0.3 },
      subjectIds,
      consentRecordIds: [],
      createdAt: new Date().toISOString(),
    },
    creds,
  );
});
afterAll(() => handle.close());

const deps = () => ({ db: handle.db, auth, allowedOrigins: [origin] });
const post = (body: BodyInit, headers: Record<string, string> = {}) =>
  handleProvenanceVerify(
    new Request(url, {
      method: 'POST',
      headers: { origin, cookie, 'content-type': 'image/png', ...headers },
      body,
    }),
    deps(),
  );

describe('POST /api/provenance/verify', () => {
  it('checks a signed image larger than the tRPC endpoint accepts', async () => {
    expect(bigSigned.length).toBeGreaterThan(MAX_BODY_BYTES);
    // the same image as tRPC JSON is refused by the 1 MiB cap …
    const viaTrpc = await handleTrpcRequest(
      new Request(`${origin}/api/trpc/provenance.verify`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json' },
        body: JSON.stringify({ imageBase64: Buffer.from(bigSigned).toString('base64') }),
      }),
      { db: handle.db, auth },
    );
    expect(viaTrpc.status).toBe(413);
    // … and checked here
    const res = await post(new Uint8Array(bigSigned));
    expect(res.status).toBe(200);
    const result = (await res.json()) as TImageCredentials;
    expect(result).toMatchObject({ hasCredentials: true, valid: true, trusted: true, errors: [] });
    expect(result.manifests[0]!.generation).toMatchObject({
      model: { name: 'test model', weightsSha256: 'ab'.repeat(32) },
      subjectIds,
    });
    // a subject this instance does not know: listed, and its consent not in force
    expect(result.subjects).toEqual([
      { subjectId: subjectIds[0], name: null, erased: false, inForce: false, records: [] },
    ]);
    expect(result.consentInForce).toBe(false);
  });

  it('a plain PNG has no credentials; a file that is not a PNG says so', async () => {
    const plain = (await (await post(new Uint8Array(makePng(8, 8)))).json()) as TImageCredentials;
    expect(plain).toMatchObject({ hasCredentials: false, valid: false, manifests: [] });
    const text = (await (await post('hello, not an image')).json()) as TImageCredentials;
    expect(text).toMatchObject({ hasCredentials: false, errors: ['not a PNG image'] });
  });

  it('one changed byte of the image makes it invalid', async () => {
    const tampered = new Uint8Array(bigSigned);
    const at = tampered.length - 100; // inside the pixel data, before IEND
    tampered[at] = tampered[at]! ^ 0x01;
    const result = (await (await post(tampered)).json()) as TImageCredentials;
    expect(result.hasCredentials).toBe(true);
    expect(result.valid).toBe(false);
  });

  it('signed out is 401 and another origin 403, before the body is read', async () => {
    for (const [headers, status] of [
      [{ origin, 'content-type': 'image/png' }, 401],
      [{ origin: 'https://evil.example', cookie, 'content-type': 'image/png' }, 403],
      [{ cookie, 'content-type': 'image/png' }, 403],
    ] as const) {
      const body = countingBody();
      const res = await handleProvenanceVerify(streamingRequest(url, body.stream, headers), deps());
      expect(res.status).toBe(status);
      expect(body.pulled()).toBeLessThanOrEqual(body.chunkBytes);
    }
  });

  it('a form-encodable body type is 415; an empty body 400', async () => {
    const res = await post('x', { 'content-type': 'text/plain' });
    expect(res.status).toBe(415);
    expect(((await res.json()) as { error: string }).error).toMatch(/image itself/);
    const empty = await post(new Uint8Array(0));
    expect(empty.status).toBe(400);
    expect(await empty.json()).toEqual({ error: 'The file is empty' });
  });

  it('a chunked body over 12 MiB is 413 after reading at most the cap', async () => {
    const body = countingBody(64 * 1024 * 1024);
    const res = await handleProvenanceVerify(
      streamingRequest(url, body.stream, { origin, cookie, 'content-type': 'image/png' }),
      deps(),
    );
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: 'The image is larger than 12 MiB' });
    expect(body.pulled()).toBeLessThanOrEqual(MAX_VERIFY_BYTES + 2 * body.chunkBytes);
  });
});
