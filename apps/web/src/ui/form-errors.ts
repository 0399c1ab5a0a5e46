// Form errors in plain words, per field: the browser runs the server's zod schema first; what the
// server still refuses comes back as tRPC's flattened zod error (per field) or a sentence.
import type { z } from 'zod';
import { fieldErrors } from '@musar/api/forms';

export type TErrors = Record<string, string>;

/** Field → message for `value` under `schema`, or null when it passes. */
export function check<T>(
  schema: z.ZodType<T>,
  value: unknown,
): { data: T; errors: null } | { data: null; errors: TErrors } {
  const r = schema.safeParse(value);
  return r.success ? { data: r.data, errors: null } : { data: null, errors: fieldErrors(r.error) };
}

type TServerError = {
  message: string;
  data?: {
    zodError?: { fieldErrors?: Record<string, string[] | undefined>; formErrors?: string[] } | null;
  } | null;
};

/** A tRPC error as field messages plus one sentence for the form (never the raw issue JSON). */
export function fromServer(error: TServerError): TErrors {
  const zod = error.data?.zodError;
  if (zod) {
    const out: TErrors = {};
    for (const [k, v] of Object.entries(zod.fieldErrors ?? {})) if (v?.[0]) out[k] = v[0];
    out.form = zod.formErrors?.[0] ?? 'Please correct the fields marked below.';
    return out;
  }
  return { form: error.message };
}
