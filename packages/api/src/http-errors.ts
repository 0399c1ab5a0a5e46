// One mapping from an error a procedure threw to an HTTP response, for the route handlers that
// call procedures through a server-side caller (exports, uploads, verification). The status is
// tRPC's own (getHTTPStatusCodeFromError), so a route answers exactly what /api/trpc answers for
// the same error; anything that is not a tRPC error is a 500 whose body says nothing about it.
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { TRPC_ERROR_CODES_BY_KEY, type TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import type { z } from 'zod';
import { fieldErrors } from '@musar/core/forms/forms';

/** What a route answers for an error: a sentence, the tRPC code, and (for invalid input) one
 * message per field in plain words — the same keys the dashboard's forms use. */
export type THttpErrorBody = {
  error: string;
  code: TRPC_ERROR_CODE_KEY;
  fieldErrors?: Record<string, string>;
};

const INTERNAL_MESSAGE = 'Internal error';

const isCode = (code: unknown): code is TRPC_ERROR_CODE_KEY =>
  typeof code === 'string' && Object.hasOwn(TRPC_ERROR_CODES_BY_KEY, code);

/** `error` as a TRPCError: itself, or one of the same code for anything carrying a tRPC code (a
 * ServiceError, `{ code: 'FORBIDDEN' }`); null for anything else (a driver error's SQLSTATE, an
 * fs error's ENOENT and a plain Error are not tRPC codes). */
export function asTRPCError(error: unknown): TRPCError | null {
  if (error instanceof TRPCError) return error;
  const code = (error as { code?: unknown } | null | undefined)?.code;
  if (!isCode(code)) return null;
  const message = (error as { message?: unknown }).message;
  return new TRPCError({
    code,
    message: typeof message === 'string' ? message : undefined,
    cause: error,
  });
}

/** The HTTP status for `error`: tRPC's for a tRPC code (UNAUTHORIZED 401, FORBIDDEN 403,
 * BAD_REQUEST 400, NOT_FOUND 404, CONFLICT 409, PRECONDITION_FAILED 412, PAYLOAD_TOO_LARGE 413…),
 * else 500. */
export function httpStatusOf(error: unknown): number {
  const trpc = asTRPCError(error);
  return trpc ? getHTTPStatusCodeFromError(trpc) : 500;
}

/** The zod issues behind a BAD_REQUEST (a procedure's input validation), if that is its cause. */
function zodIssues(error: TRPCError): z.core.$ZodIssue[] | null {
  const issues = (error.cause as { issues?: unknown } | undefined)?.issues;
  return Array.isArray(issues) && issues.length ? (issues as z.core.$ZodIssue[]) : null;
}

/** The JSON body for `error` (see trpcErrorResponse). */
export function trpcErrorBody(error: unknown): { status: number; body: THttpErrorBody } {
  const trpc = asTRPCError(error);
  const status = trpc ? getHTTPStatusCodeFromError(trpc) : 500;
  if (!trpc || status >= 500)
    return { status, body: { error: INTERNAL_MESSAGE, code: 'INTERNAL_SERVER_ERROR' } };
  const issues = zodIssues(trpc);
  if (!issues) return { status, body: { error: trpc.message, code: trpc.code } };
  // never the raw issue JSON that is the TRPCError's message: each field's message in plain words
  const fields = fieldErrors({ issues } as z.ZodError);
  const sentence = Object.entries(fields)
    .map(([field, message]) => (field === 'form' ? message : `${field}: ${message}`))
    .join('; ');
  return { status, body: { error: sentence, code: trpc.code, fieldErrors: fields } };
}

/** A JSON error response for whatever a procedure (or the code around it) threw: the status from
 * its tRPC code (getHTTPStatusCodeFromError), `{ error, code, fieldErrors? }` as the body, and for
 * anything else a 500 saying only "Internal error" (the error itself is logged here). */
export function trpcErrorResponse(error: unknown, init: { headers?: HeadersInit } = {}): Response {
  const { status, body } = trpcErrorBody(error);
  if (status >= 500) console.error('[api] internal error:', error);
  return Response.json(body, { status, headers: init.headers });
}
