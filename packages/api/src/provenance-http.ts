// POST /api/provenance/verify — the dashboard's "Image credentials" page sends the dropped file
// here as the raw request body (Content-Type image/* or application/octet-stream), because the
// tRPC endpoint caps bodies at 1 MiB and an image in base64 JSON grows by a third (anything over
// about 750 KiB would be refused there). Before a byte of the body is read: the Origin must be the
// dashboard's and there must be a session; then the body — chunked or not — is read up to
// MAX_VERIFY_BYTES and refused beyond. The bytes go to the `provenance.verify` procedure through a
// server-side caller, so its access rule and input validation are the procedure's own.
import { readCappedBody, type Auth } from '@musar/auth';
import type { Db } from '@musar/db';
import { createContext } from './context';
import { createCaller } from './root';
import { originAllowed } from './upload';
import { trpcErrorBody } from './http-errors';

/** The largest image `provenance.verify` takes (12 MiB). */
export const MAX_VERIFY_BYTES = 12 * 1024 * 1024;

const refuse = async (req: Request, status: number, error: string) => {
  await req.body?.cancel().catch(() => undefined);
  return Response.json({ error }, { status });
};

export async function handleProvenanceVerify(
  req: Request,
  deps: { db: Db; auth: Auth; allowedOrigins?: readonly string[] },
): Promise<Response> {
  if (req.method !== 'POST') return refuse(req, 405, 'Method not allowed');
  if (!originAllowed(req, deps.allowedOrigins))
    return refuse(req, 403, 'Cross-origin request refused');
  const ctx = await createContext({ db: deps.db, auth: deps.auth, headers: req.headers });
  if (!ctx.session) return refuse(req, 401, 'Sign in first');
  // a form on another site cannot send these types without a CORS preflight
  const type = (req.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (!type.startsWith('image/') && type !== 'application/octet-stream')
    return refuse(req, 415, 'Send the image itself as the request body (Content-Type image/png)');
  const body = await readCappedBody(req, MAX_VERIFY_BYTES);
  if (!body.ok) return Response.json({ error: 'The image is larger than 12 MiB' }, { status: 413 });
  if (body.bytes.length === 0)
    return Response.json({ error: 'The file is empty' }, { status: 400 });
  try {
    const result = await createCaller(ctx).provenance.verify({
      imageBase64: Buffer.from(body.bytes).toString('base64'),
    });
    return Response.json(result);
  } catch (error) {
    const { status, body } = trpcErrorBody(error);
    if (status >= 500) console.error('[provenance] verify failed:', error);
    const message = status >= 500 ? 'The image could not be checked (server error)' : body.error;
    return Response.json({ ...body, error: message }, { status });
  }
}
