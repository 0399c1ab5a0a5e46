// The one tRPC-error → HTTP mapping the route handlers use (exports, uploads, verification).
import { TRPCError } from '@trpc/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { ServiceError } from './errors';
import { httpStatusOf, trpcErrorResponse } from './http-errors';

afterEach(() => vi.restoreAllMocks());

const body = async (res: Response) =>
  (await res.json()) as { error: string; code: string; fieldErrors?: Record<string, string> };

describe('trpcErrorResponse', () => {
  it.each([
    ['UNAUTHORIZED', 401],
    ['FORBIDDEN', 403],
    ['BAD_REQUEST', 400],
    ['NOT_FOUND', 404],
    ['CONFLICT', 409],
    ['PRECONDITION_FAILED', 412],
    ['PAYLOAD_TOO_LARGE', 413],
  ] as const)('%s → %i, with its message and code', async (code, status) => {
    const res = trpcErrorResponse(new TRPCError({ code, message: `no: ${code}` }));
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await body(res)).toEqual({ error: `no: ${code}`, code });
    expect(httpStatusOf(new TRPCError({ code }))).toBe(status);
  });

  it('maps anything carrying a tRPC code the same way (a ServiceError, a plain object)', async () => {
    const res = trpcErrorResponse(new ServiceError('NOT_FOUND', 'subject not found'));
    expect(res.status).toBe(404);
    expect(await body(res)).toEqual({ error: 'subject not found', code: 'NOT_FOUND' });
    expect(httpStatusOf({ code: 'FORBIDDEN' })).toBe(403);
  });

  it('a plain Error is a 500 with a generic message (nothing of it leaks)', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const secret = new Error('connect ECONNREFUSED 10.0.0.5:5432 (password=hunter2)');
    const res = trpcErrorResponse(secret);
    expect(res.status).toBe(500);
    const json = await body(res);
    expect(json).toEqual({ error: 'Internal error', code: 'INTERNAL_SERVER_ERROR' });
    expect(JSON.stringify(json)).not.toMatch(/ECONNREFUSED|hunter2/);
    expect(log).toHaveBeenCalledWith('[api] internal error:', secret);
  });

  it('an INTERNAL_SERVER_ERROR TRPCError and non-tRPC codes are 500s with the same message', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const internal = trpcErrorResponse(
      new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'relation "x" does not exist' }),
    );
    expect(internal.status).toBe(500);
    expect((await body(internal)).error).toBe('Internal error');
    // a driver's SQLSTATE or an fs error code is not a tRPC code
    expect(httpStatusOf(Object.assign(new Error('dup'), { code: '23505' }))).toBe(500);
    expect(httpStatusOf(Object.assign(new Error('gone'), { code: 'ENOENT' }))).toBe(500);
    expect(httpStatusOf('a string')).toBe(500);
    expect(httpStatusOf(null)).toBe(500);
  });

  it('invalid input (a zod cause): 400 with one plain message per field, never the issue JSON', async () => {
    const schema = z.object({
      name: z.string().trim().min(1, 'enter a name'),
      views: z.number().int().max(8),
    });
    const parsed = schema.safeParse({ name: ' ', views: 9 });
    expect(parsed.success).toBe(false);
    const error = new TRPCError({
      code: 'BAD_REQUEST',
      message: parsed.error!.message,
      cause: parsed.error,
    });
    const res = trpcErrorResponse(error);
    expect(res.status).toBe(400);
    const json = await body(res);
    expect(json.code).toBe('BAD_REQUEST');
    expect(json.fieldErrors).toEqual({ name: 'enter a name', views: 'must be at most 8' });
    expect(json.error).toBe('name: enter a name; views: must be at most 8');
  });

  it('passes extra headers through', () => {
    const res = trpcErrorResponse(new TRPCError({ code: 'FORBIDDEN' }), {
      headers: { 'cache-control': 'no-store' },
    });
    expect(res.headers.get('cache-control')).toBe('no-store');
  });
});
