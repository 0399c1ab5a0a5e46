// HTTP helpers shared by the web app's route handlers: a request-body reader with a hard cap (a
// chunked body without Content-Length is never read whole), and the allow-list in front of
// better-auth's handler (only the auth routes the product uses are reachable from outside).
import type { Db } from '@musar/db';
import type { Auth } from './auth';
import { clearSignInFailures, recordSignInFailure, signInLockedFor } from './throttle';

export type CappedBody = { ok: true; bytes: Uint8Array<ArrayBuffer> } | { ok: false };

/** Reads the body, refusing (and cancelling the stream) as soon as more than `maxBytes` arrived.
 * A declared Content-Length over the cap is refused before reading anything. */
export async function readCappedBody(req: Request, maxBytes: number): Promise<CappedBody> {
  const declared = req.headers.get('content-length');
  if (declared !== null && declared.trim() !== '' && !(Number(declared) <= maxBytes)) {
    await req.body?.cancel().catch(() => undefined);
    return { ok: false };
  }
  if (!req.body) return { ok: true, bytes: new Uint8Array(0) };
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel('request body too large').catch(() => undefined);
      return { ok: false };
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return { ok: true, bytes };
}

/** The same request with an already-read body (the hop-by-hop length headers dropped). */
export function withBody(req: Request, bytes: Uint8Array<ArrayBuffer> | undefined): Request {
  const headers = new Headers(req.headers);
  headers.delete('content-length');
  headers.delete('transfer-encoding');
  return new Request(req.url, {
    method: req.method,
    headers,
    body: bytes && req.method !== 'GET' && req.method !== 'HEAD' ? bytes : undefined,
  });
}

/** The better-auth routes the dashboard uses: e-mail sign-in, sign-out, reading the session.
 * Everything else better-auth would serve (the admin plugin's impersonate, set-role,
 * remove-user, set-user-password, ..., update-user, change-password, sign-up) answers 404: user
 * changes go through the audited `users.*` procedures only. */
export const AUTH_ROUTES: ReadonlySet<string> = new Set([
  'POST /sign-in/email',
  'POST /sign-out',
  'GET /get-session',
]);

/** Auth request bodies are small JSON documents (e-mail + password). */
export const MAX_AUTH_BODY_BYTES = 16 * 1024;

/** The /api/auth/* route handler: allow-list, capped body, the per-account sign-in throttle
 * (in the database), then better-auth. */
export async function handleAuthRequest(
  auth: Auth,
  req: Request,
  opts: { db: Db; basePath?: string },
): Promise<Response> {
  const basePath = opts.basePath ?? '/api/auth';
  const { pathname } = new URL(req.url);
  const route = pathname.startsWith(`${basePath}/`) ? pathname.slice(basePath.length) : null;
  if (route === null || !AUTH_ROUTES.has(`${req.method} ${route}`)) {
    await req.body?.cancel().catch(() => undefined);
    return Response.json({ error: 'Not found' }, { status: 404 });
  }
  if (req.method !== 'POST') return auth.handler(withBody(req, undefined));
  const body = await readCappedBody(req, MAX_AUTH_BODY_BYTES);
  if (!body.ok) return Response.json({ error: 'Request body too large' }, { status: 413 });
  if (route !== '/sign-in/email') return auth.handler(withBody(req, body.bytes));
  const email = emailOf(body.bytes);
  if (email) {
    const wait = await signInLockedFor(opts.db, email);
    if (wait !== null)
      return Response.json(
        {
          code: 'TOO_MANY_ATTEMPTS',
          message: `Too many failed sign-ins for this account; try again in ${Math.ceil(wait / 60)} min`,
        },
        { status: 429, headers: { 'retry-after': String(wait) } },
      );
  }
  const res = await auth.handler(withBody(req, body.bytes));
  if (email && res.status === 401) await recordSignInFailure(opts.db, email);
  else if (email && res.ok) await clearSignInFailures(opts.db, email);
  return res;
}

/** The account a sign-in names (better-auth validates the body itself, with zod). */
function emailOf(bytes: Uint8Array): string | null {
  try {
    const body: unknown = JSON.parse(new TextDecoder().decode(bytes));
    const email = (body as { email?: unknown } | null)?.email;
    return typeof email === 'string' && email.length > 0 && email.length <= 320 ? email : null;
  } catch {
    return null;
  }
}
