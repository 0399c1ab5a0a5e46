import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { readCappedBody, withBody, type Auth } from '@musar/auth';
import type { Db } from '@musar/db';
import { createContext } from './context';
import { appRouter } from './root';

/** Larger bodies are refused (413 PAYLOAD_TOO_LARGE) after reading at most this many bytes. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Procedures per batched call; the web client's batch link uses the same limit. */
export const MAX_BATCH_SIZE = 20;

/** The tRPC HTTP endpoint (mounted by apps/web at /api/trpc). The session is resolved from the
 * cookies first: a POST (every mutation; no public procedure is one) without a session is 401
 * before a byte of its body is read, and a body — chunked or not — is read only up to the cap. */
export async function handleTrpcRequest(
  req: Request,
  deps: { db: Db; auth: Auth; endpoint?: string },
) {
  const ctx = await createContext({ db: deps.db, auth: deps.auth, headers: req.headers });
  let body: Uint8Array<ArrayBuffer> | undefined;
  if (req.method === 'POST') {
    if (!ctx.session) {
      await req.body?.cancel().catch(() => undefined);
      return errorResponse(401, 'UNAUTHORIZED', 'Sign in first');
    }
    const read = await readCappedBody(req, MAX_BODY_BYTES);
    if (!read.ok) return errorResponse(413, 'PAYLOAD_TOO_LARGE', 'Request body too large');
    body = read.bytes;
  } else {
    await req.body?.cancel().catch(() => undefined);
  }
  const res = await fetchRequestHandler({
    endpoint: deps.endpoint ?? '/api/trpc',
    req: withBody(req, body),
    router: appRouter,
    maxBatchSize: MAX_BATCH_SIZE,
    createContext: () => ctx,
    onError({ error, path }) {
      if (error.code === 'INTERNAL_SERVER_ERROR')
        console.error(`[trpc] ${path ?? '?'}:`, error.cause ?? error);
    },
  });
  return withLength(res);
}

/** Answers under this size are sent uncompressed (the compressor's own threshold is the same). */
export const COMPRESS_FROM_BYTES = 1024;

/** tRPC answers a batch with one whole JSON document but hands it over as a stream, and Next
 * then gzips every answer (it drops Content-Length, so its compressor's size threshold never
 * applies): a fresh gzip stream per 200-byte answer was the largest single cost after the
 * database in a CPU profile of the review load (docs/security.md). So the answer is buffered,
 * sent with its length, and marked `no-transform` when small — which the compressor (and any
 * proxy) honours; larger answers (lists) are still compressed. No answer is cacheable. */
async function withLength(res: Response): Promise<Response> {
  if (!res.body) return res;
  const body = await res.arrayBuffer();
  const headers = new Headers(res.headers);
  headers.set('content-length', String(body.byteLength));
  headers.set(
    'cache-control',
    body.byteLength < COMPRESS_FROM_BYTES ? 'no-store, no-transform' : 'no-store',
  );
  return new Response(body, { status: res.status, statusText: res.statusText, headers });
}

function errorResponse(status: number, code: string, message: string) {
  const error = {
    message,
    code: status === 401 ? -32001 : -32600,
    data: { code, httpStatus: status },
  };
  return Response.json({ error }, { status });
}
