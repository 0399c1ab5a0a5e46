import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { errorsOf, FormError, fromHttp, fromServer, plainText } from './form-errors';

/** What tRPC's client error carries for invalid input (the server's errorFormatter). */
function trpcError(schema: z.ZodType, value: unknown) {
  const r = schema.safeParse(value);
  if (r.success) throw new Error('expected invalid input');
  return { message: r.error.message, data: { zodError: z.flattenError(r.error) } };
}

describe('plainText: zod’s generic texts in plain words', () => {
  it.each([
    ['Too small: expected string to have >=1 characters', 'required'],
    ['Too small: expected string to have >=12 characters', 'at least 12 characters'],
    ['Too big: expected string to have <=500 characters', 'at most 500 characters'],
    ['Too small: expected number to be >=60', 'must be at least 60'],
    ['Too big: expected number to be <=8', 'must be at most 8'],
    ['Too small: expected array to have >=2 items', 'choose at least 2'],
    ['Invalid input: expected number, received NaN', 'enter a number'],
    ['Invalid input: expected number, received null', 'enter a number'],
    ['Invalid input: expected int, received number', 'a whole number'],
    ['Invalid input: expected string, received undefined', 'required'],
    [
      'Invalid option: expected one of "product"|"mascot"|"person"',
      'choose one of product, mascot, person',
    ],
    ['give a reason', 'give a reason'],
  ])('%s → %s', (raw, plain) => expect(plainText(raw)).toBe(plain));
});

describe('fromServer: a tRPC BAD_REQUEST as field messages', () => {
  const ban = z.object({
    userId: z.string().min(1),
    reason: z.string().trim().min(1).max(500),
    expiresInSeconds: z.number().int().min(60).optional(),
  });

  it('puts each message next to its field, in plain words', () => {
    const e = trpcError(ban, { userId: 'u1', reason: '   ', expiresInSeconds: 5 });
    expect(fromServer(e, ['reason', 'expiresInSeconds'])).toEqual({
      reason: 'required',
      expiresInSeconds: 'must be at least 60',
      form: 'Please correct the fields marked below.',
    });
  });

  it('a message for a field the form does not show goes into the sentence, not lost', () => {
    const e = trpcError(ban, { userId: '', reason: 'ok' });
    expect(fromServer(e, ['reason'])).toEqual({ form: 'userId: required' });
  });

  it('nested keys go to their top field only when the form shows just that', () => {
    const e = {
      message: 'x',
      data: {
        zodError: { fieldErrors: { 'routing.beta': ['must be at least 0'] }, formErrors: [] },
      },
    };
    expect(fromServer(e, ['routing'])).toMatchObject({ routing: 'beta: must be at least 0' });
    expect(fromServer(e, ['routing.beta'])).toMatchObject({ 'routing.beta': 'must be at least 0' });
  });

  it('a refusal that is not invalid input is one sentence', () => {
    expect(fromServer({ message: 'Confirm with the exact name', data: null })).toEqual({
      form: 'Confirm with the exact name',
    });
  });
});

describe('fromHttp: an upload route’s error body', () => {
  const fields = ['name', 'kind', 'classWord', 'images'];

  it('reads { error, fieldErrors } (packages/api http-errors)', () => {
    expect(
      fromHttp(
        { error: 'x', fieldErrors: { name: 'required', 'images.0': 'not an image' } },
        400,
        fields,
      ),
    ).toEqual({
      name: 'required',
      images: 'not an image',
      form: 'Please correct the fields marked below.',
    });
  });

  it('reads zod’s issue list passed on as the error (never shown raw)', () => {
    const r = z
      .object({ classWord: z.string().trim().min(1), kind: z.enum(['product', 'mascot']) })
      .safeParse({ classWord: ' ', kind: 'toy' });
    const errors = fromHttp({ error: r.error!.message }, 400, fields);
    expect(errors).toEqual({
      classWord: 'required',
      kind: 'choose one of product, mascot',
      form: 'Please correct the fields marked below.',
    });
    expect(JSON.stringify(errors)).not.toContain('"code"');
  });

  it('a sentence stays a sentence; no body names the status', () => {
    expect(fromHttp({ error: 'Upload too large' }, 413, fields)).toEqual({
      form: 'Upload too large',
    });
    expect(fromHttp(null, 502, fields)).toEqual({ form: 'Request failed (502)' });
    expect(fromHttp({ error: '[not json' }, 400, fields)).toEqual({ form: '[not json' });
  });
});

describe('errorsOf: whatever a mutation failed with', () => {
  it('takes a FormError’s fields, a tRPC error’s zod fields, or a plain message', () => {
    expect(errorsOf(new FormError({ name: 'required', form: 'Fix it' }))).toEqual({
      name: 'required',
      form: 'Fix it',
    });
    const e = Object.assign(
      new Error('x'),
      trpcError(z.object({ seed: z.number() }), { seed: NaN }),
    );
    expect(errorsOf(e, ['seed'])).toMatchObject({ seed: 'enter a number' });
    expect(errorsOf(new Error('Network down'))).toEqual({ form: 'Network down' });
  });
});
