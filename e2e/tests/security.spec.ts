// Issue 15 at HTTP level, against the production server: security headers, the better-auth admin
// routes answer 404, chunked oversized bodies are refused before they are read whole, batches are
// capped. Uses only HTTP requests (no browser page).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { BASE_URL } from '../playwright.config';
import { demoCredentials } from './helpers';

/** POSTs a chunked body (no Content-Length) of up to `total` bytes, stopping once the server has
 * answered; returns the status and how many bytes had been sent by then. */
function chunkedPost(path: string, headers: Record<string, string>, total = 256 * 1024 * 1024) {
  return new Promise<{ status: number; sentBeforeAnswer: number }>((resolve, reject) => {
    const url = new URL(path, BASE_URL);
    let sent = 0;
    let answered = false;
    const req = httpRequest(url, { method: 'POST', headers }, (res) => {
      answered = true;
      const status = res.statusCode ?? 0;
      res.resume();
      req.destroy();
      resolve({ status, sentBeforeAnswer: sent });
    });
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const pump = () => {
      while (!answered && sent < total) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}

async function adminCookie(request: import('@playwright/test').APIRequestContext) {
  const { email, password } = demoCredentials().admin;
  const res = await request.post('/api/auth/sign-in/email', {
    data: { email, password },
    headers: { origin: BASE_URL },
  });
  expect(res.status()).toBe(200);
  return res.headers()['set-cookie']!.split(';')[0]!;
}

test('every page and API response carries the security headers', async ({ request }) => {
  for (const path of ['/sign-in', '/api/trpc/health']) {
    const res = await request.get(path);
    const h = res.headers();
    expect(h['content-security-policy'], path).toContain("frame-ancestors 'none'");
    expect(h['x-content-type-options'], path).toBe('nosniff');
    expect(h['referrer-policy'], path).toBe('same-origin');
    expect(h['x-frame-options'], path).toBe('DENY');
  }
});

test('small tRPC answers go out uncompressed, large ones gzipped', async ({ request }) => {
  const gzip = { 'accept-encoding': 'gzip' };
  const small = await request.get('/api/trpc/health', { headers: gzip });
  expect(small.status()).toBe(200);
  expect(small.headers()['content-encoding']).toBeUndefined();
  expect(small.headers()['cache-control']).toBe('no-store, no-transform');
  // a batch of 20 health answers is over the compressor's 1 KiB threshold
  const paths = Array.from({ length: 20 }, () => 'health').join(',');
  const big = await request.get(`/api/trpc/${paths}?batch=1&input={}`, { headers: gzip });
  expect(big.status()).toBe(200);
  expect(big.headers()['content-encoding']).toBe('gzip');
  expect(JSON.parse((await big.body()).toString())).toHaveLength(20);
});

test("better-auth's admin and profile routes answer 404, even for an admin", async ({
  request,
}) => {
  const cookie = await adminCookie(request);
  const headers = { cookie, origin: BASE_URL };
  for (const path of [
    '/api/auth/admin/impersonate-user',
    '/api/auth/admin/set-role',
    '/api/auth/admin/remove-user',
    '/api/auth/admin/set-user-password',
    '/api/auth/update-user',
  ]) {
    const res = await request.post(path, { data: { userId: 'x', role: 'reviewer' }, headers });
    expect(res.status(), path).toBe(404);
  }
  expect((await request.get('/api/auth/admin/list-users', { headers })).status()).toBe(404);
  // the routes the dashboard uses still answer
  expect((await request.get('/api/auth/get-session', { headers })).status()).toBe(200);
});

test('chunked oversized bodies are refused before they are read whole', async ({ request }) => {
  const json = { 'content-type': 'application/json' };
  const signedOut = await chunkedPost('/api/trpc/users.setRole', json);
  expect(signedOut.status).toBe(401);
  expect(signedOut.sentBeforeAnswer).toBeLessThan(64 * 1024 * 1024);

  const upload = await chunkedPost('/api/subjects/upload', {
    'content-type': 'multipart/form-data; boundary=x',
    origin: BASE_URL,
  });
  expect(upload.status).toBe(401);
  expect(upload.sentBeforeAnswer).toBeLessThan(64 * 1024 * 1024);

  const evidence = await chunkedPost('/api/consents/grant', {
    'content-type': 'multipart/form-data; boundary=x',
    origin: BASE_URL,
  });
  expect(evidence.status).toBe(401);
  expect(evidence.sentBeforeAnswer).toBeLessThan(64 * 1024 * 1024);

  const cookie = await adminCookie(request);
  const tooBig = await chunkedPost('/api/trpc/users.setRole', { ...json, cookie });
  expect(tooBig.status).toBe(413);
  expect(tooBig.sentBeforeAnswer).toBeLessThan(64 * 1024 * 1024);
});

test('a tRPC batch of more than 20 procedures is refused', async ({ request }) => {
  const batch = (n: number) =>
    `/api/trpc/${Array(n).fill('health').join(',')}?batch=1&input=${encodeURIComponent('{}')}`;
  expect((await request.get(batch(21))).status()).toBe(400);
  expect((await request.get(batch(20))).status()).toBe(200);
});

test('production mode without BETTER_AUTH_SECRET exits instead of running on', async () => {
  test.setTimeout(90_000);
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const dataDir = mkdtempSync(join(tmpdir(), 'musar-nosecret-'));
  const env: Record<string, string | undefined> = {
    ...process.env,
    MUSAR_MODE: 'production',
    MUSAR_DATA_DIR: dataDir,
  };
  delete env.BETTER_AUTH_SECRET;
  delete env.DATABASE_URL;
  try {
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(
        process.execPath,
        [
          join(root, 'node_modules/next/dist/bin/next'),
          'start',
          join(root, 'apps/web'),
          '-p',
          '3199',
        ],
        { env, stdio: 'ignore' },
      );
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(-1);
      }, 60_000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(code).toBe(1);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
