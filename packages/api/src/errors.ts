import { TRPCError } from '@trpc/server';
import { ServiceError } from '@musar/core/common/errors';

export { ServiceError, notFound, type ServiceErrorCode } from '@musar/core/common/errors';
/** Maps an error thrown inside a procedure to a TRPCError; unknown ones stay 500s. */
export function toTRPCError(error: unknown): TRPCError {
  if (error instanceof TRPCError) return error;
  if (error instanceof ServiceError)
    return new TRPCError({ code: error.code, message: error.message, cause: error });
  // drizzle wraps driver errors; the PostgreSQL SQLSTATE is on the cause
  const pgCode = sqlState(error);
  if (pgCode === '23505')
    return new TRPCError({ code: 'CONFLICT', message: 'Already exists', cause: error });
  if (pgCode === '23503')
    return new TRPCError({
      code: 'BAD_REQUEST',
      message: 'Refers to something that does not exist',
      cause: error,
    });
  if (pgCode === '22P02')
    return new TRPCError({ code: 'BAD_REQUEST', message: 'Malformed identifier', cause: error });
  // class 22 = data exception: input PostgreSQL refuses (a NUL byte in text, a malformed date or
  // cursor, a number out of range) is the caller's mistake, not a 500
  if (pgCode?.startsWith('22'))
    return new TRPCError({ code: 'BAD_REQUEST', message: 'Invalid input value', cause: error });
  return new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'Internal error', cause: error });
}

function sqlState(error: unknown): string | undefined {
  for (
    let e: unknown = error, depth = 0;
    e && depth < 4;
    e = (e as { cause?: unknown }).cause, depth++
  ) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}
