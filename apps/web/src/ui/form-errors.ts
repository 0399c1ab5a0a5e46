// Form errors in plain words, per field: the browser runs the server's zod schema first where the
// form has one; what the server still refuses comes back as tRPC's flattened zod error (per field),
// an upload route's { error, fieldErrors } (or zod's issue list as its error), or a sentence.
// Every dialog shows a field's message next to its field and the rest as one sentence (`form`).
import type { z } from 'zod';
import { fieldErrors } from '@musar/core/forms/forms';

export type TErrors = Record<string, string>;

const GENERIC = 'Please correct the fields marked below.';

/** Field → message for `value` under `schema`, or null when it passes. */
export function check<T>(
  schema: z.ZodType<T>,
  value: unknown,
): { data: T; errors: null } | { data: null; errors: TErrors } {
  const r = schema.safeParse(value);
  return r.success ? { data: r.data, errors: null } : { data: null, errors: fieldErrors(r.error) };
}

/** zod's generic texts (what the server's flattened errors carry for a schema without its own
 * messages) in plain words; any other message as it is. */
export function plainText(message: string): string {
  const rules: [RegExp, (m: RegExpMatchArray) => string][] = [
    [/^Too small: expected string to have >=1 characters?$/, () => 'required'],
    [
      /^Too small: expected string to have >=?(\d+) characters?$/,
      (m) => `at least ${m[1]} characters`,
    ],
    [
      /^Too big: expected string to have <=?(\d+) characters?$/,
      (m) => `at most ${m[1]} characters`,
    ],
    [/^Too small: expected number to be >=(\S+)$/, (m) => `must be at least ${m[1]}`],
    [/^Too small: expected number to be >(\S+)$/, (m) => `must be more than ${m[1]}`],
    [/^Too big: expected number to be <=(\S+)$/, (m) => `must be at most ${m[1]}`],
    [/^Too big: expected number to be <(\S+)$/, (m) => `must be less than ${m[1]}`],
    [/^Too small: expected array to have >=?(\d+) items?$/, (m) => `choose at least ${m[1]}`],
    [/^Too big: expected array to have <=?(\d+) items?$/, (m) => `at most ${m[1]}`],
    // a number field left empty or not a number: NaN, which JSON sends as null
    [/^Invalid input: expected (number|int), received (NaN|null)$/, () => 'enter a number'],
    [/^Invalid input: expected int, received number$/, () => 'a whole number'],
    [/^Invalid input: expected \w+, received (undefined|null)$/, () => 'required'],
    [
      /^Invalid option: expected one of (.+)$/,
      (m) => `choose one of ${m[1]!.replaceAll('"', '').split('|').join(', ')}`,
    ],
  ];
  for (const [pattern, say] of rules) {
    const m = message.match(pattern);
    if (m) return say(m);
  }
  return message;
}

/** Field messages (first per field) into `fields` (shown next to a control; a nested key such as
 * `images.0` goes to its top field `images` when only that is shown) plus one sentence: the
 * form-level message, and any message for a key the form does not show (an id it fills in
 * itself), so no message is lost. Without `fields` every key is taken as shown. */
/** A nested key shown at its top field names the part that is wrong (`threshold: must be at most
 * 1` under Parameters); list positions (`subjectIds.1`) are not names and stay out. */
function subPathMessage(key: string, field: string, message: string): string {
  if (key === field) return message;
  const rest = key.slice(field.length + 1);
  return /^\d/.test(rest) ? message : `${rest}: ${message}`;
}

function arrange(
  entries: [string, string][],
  formLevel: string | undefined,
  fields?: readonly string[],
): TErrors {
  const fieldOf = (key: string): string | null => {
    if (key === 'form') return null;
    if (!fields || fields.includes(key)) return key;
    const top = key.split('.')[0]!;
    return fields.includes(top) ? top : null;
  };
  const out: TErrors = {};
  const sentence = formLevel ? [plainText(formLevel)] : [];
  for (const [key, raw] of entries) {
    const message = plainText(raw);
    const field = fieldOf(key);
    if (field === null) sentence.push(key === 'form' ? message : `${key}: ${message}`);
    else out[field] ??= subPathMessage(key, field, message);
  }
  out.form = sentence.join('; ') || GENERIC;
  return out;
}

type TServerError = {
  message: string;
  data?: {
    zodError?: { fieldErrors?: Record<string, string[] | undefined>; formErrors?: string[] } | null;
  } | null;
};

/** A tRPC error as field messages plus one sentence for the form (never the raw issue JSON).
 * `fields`: the keys the form shows next to its controls (see arrange). */
export function fromServer(error: TServerError, fields?: readonly string[]): TErrors {
  const zod = error.data?.zodError;
  if (!zod) return { form: error.message };
  const entries = Object.entries(zod.fieldErrors ?? {}).flatMap(([k, v]): [string, string][] =>
    v?.[0] ? [[k, v[0]]] : [],
  );
  return arrange(entries, zod.formErrors?.[0], fields);
}

/** zod's issue list, if `text` is one (what a route returns as `error` for invalid input when
 * it passes the TRPCError's message on). */
function issuesIn(text: string): [string, string][] | null {
  if (!text.trimStart().startsWith('[')) return null;
  try {
    const issues = JSON.parse(text) as unknown;
    if (!Array.isArray(issues) || !issues.length) return null;
    const out: [string, string][] = [];
    for (const issue of issues as { path?: unknown; message?: unknown }[]) {
      if (typeof issue?.message !== 'string') return null;
      const path = Array.isArray(issue.path) ? issue.path.map(String).join('.') : '';
      out.push([path || 'form', issue.message]);
    }
    return out;
  } catch {
    return null;
  }
}

/** A route's JSON error body ({ error, fieldErrors? }, see packages/api/src/http-errors.ts) as
 * field messages plus one sentence; `status` names a failure that brought no message. */
export function fromHttp(body: unknown, status: number, fields?: readonly string[]): TErrors {
  const b = (body ?? {}) as { error?: unknown; fieldErrors?: unknown };
  const text = typeof b.error === 'string' && b.error ? b.error : `Request failed (${status})`;
  if (b.fieldErrors && typeof b.fieldErrors === 'object') {
    const entries = Object.entries(b.fieldErrors as Record<string, unknown>).flatMap(
      ([k, v]): [string, string][] => (typeof v === 'string' ? [[k, v]] : []),
    );
    if (entries.length) return arrange(entries, undefined, fields);
  }
  const issues = issuesIn(text);
  return issues ? arrange(issues, undefined, fields) : { form: text };
}

/** An Error that carries field messages (mutations that are a plain fetch, not tRPC). */
export class FormError extends Error {
  constructor(readonly errors: TErrors) {
    super(errors.form ?? Object.values(errors)[0] ?? 'Invalid input');
    this.name = 'FormError';
  }
}

/** Whatever a mutation failed with, as field messages plus one sentence. */
export function errorsOf(error: unknown, fields?: readonly string[]): TErrors {
  if (error instanceof FormError) return error.errors;
  if (error && typeof error === 'object' && 'data' in error)
    return fromServer(error as TServerError, fields);
  return { form: error instanceof Error ? error.message : String(error) };
}
