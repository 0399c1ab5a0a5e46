import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import type { Auth } from '@musar/auth';
import type { Db } from '@musar/db';
import { createContext } from './context';
import { appRouter } from './root';

/** Larger bodies are refused before parsing (413 PAYLOAD_TOO_LARGE). */
export const MAX_BODY_BYTES = 1024 * 1024;

/** The tRPC HTTP endpoint (mounted by apps/web at /api/trpc). */
export async function handleTrpcRequest(
  req: Request,
  deps: { db: Db; auth: Auth; endpoint?: string },
) {
  const length = Number(req.headers.get('content-length') ?? 0);
  if (length > MAX_BODY_BYTES) return payloadTooLarge();
  let body: string | undefined;
  if (req.method === 'POST') {
    body = await req.text();
    if (Buffer.byteLength(body) > MAX_BODY_BYTES) return payloadTooLarge();
  }
  const request = new Request(req.url, { method: req.method, headers: req.headers, body });
  return fetchRequestHandler({
    endpoint: deps.endpoint ?? '/api/trpc',
    req: request,
    router: appRouter,
    createContext: () => createContext({ db: deps.db, auth: deps.auth, headers: req.headers }),
    onError({ error, path }) {
      if (error.code === 'INTERNAL_SERVER_ERROR')
        console.error(`[trpc] ${path ?? '?'}:`, error.cause ?? error);
    },
  });
}

function payloadTooLarge() {
  const error = {
    message: 'Request body too large',
    code: -32600,
    data: { code: 'PAYLOAD_TOO_LARGE', httpStatus: 413 },
  };
  return Response.json({ error }, { status: 413 });
}
