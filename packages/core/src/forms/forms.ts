// The dashboard's form schemas, importable in the browser (zod only, no server code): the routers
// validate their input with these same schemas, and the forms run them before sending, so a
// mistake is named next to its field in plain words before any request is made.
import { z } from 'zod';
import { ROLES } from '@musar/auth/permissions';

export { ZCreateGeneration, type TCreateGeneration } from '../generation/schemas';

/** Kept equal to @musar/auth's MIN_PASSWORD_LENGTH (forms.test.ts checks it). */
export const MIN_PASSWORD = 12;

export const ZCreateUser = z.object({
  email: z.email('enter an e-mail address, like name@example.com').max(320),
  name: z.string().trim().min(1, 'enter a name').max(200, 'at most 200 characters'),
  role: z.enum(ROLES, 'choose a role'),
  password: z
    .string()
    .min(MIN_PASSWORD, `at least ${MIN_PASSWORD} characters`)
    .max(128, 'at most 128 characters'),
});

/** Consent as a person records it; the evidence file travels separately (a multipart upload). */
export const ZConsentFields = z.object({
  subjectId: z.uuid('subjectId must be a UUID'),
  scope: z.enum(['generate', 'train'], 'choose generate or train'),
  grantedBy: z
    .string()
    .trim()
    .min(1, 'say who granted it (the person or rights holder)')
    .max(200, 'at most 200 characters'),
  evidence: z
    .string()
    .trim()
    .min(1, 'describe the evidence (e.g. “signed release, 2026-03-01”)')
    .max(4000, 'at most 4000 characters'),
  validFrom: z.iso.datetime('a date and time').optional(),
  expiresAt: z.iso.datetime('a date and time').nullable().optional(),
});

/** expiresAt after validFrom (both optional). */
export const expiryAfterStart: [
  (c: { validFrom?: string; expiresAt?: string | null }) => boolean,
  { message: string; path: string[] },
] = [
  (c) => !c.expiresAt || !c.validFrom || c.expiresAt > c.validFrom,
  { message: 'the expiry must be after the start', path: ['expiresAt'] },
];

export const ZConsentForm = ZConsentFields.refine(...expiryAfterStart);

/** Field path → first message, in plain words (zod's generic texts reworded). */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = issue.path.map(String).join('.') || 'form';
    if (!(key in out)) out[key] = plainMessage(issue);
  }
  return out;
}

function plainMessage(issue: z.core.$ZodIssue): string {
  const generic = /^(Too (small|big)|Invalid|Unrecognized)/.test(issue.message);
  if (!generic) return issue.message;
  if (issue.code === 'too_small') return `must be at least ${String(issue.minimum)}`;
  if (issue.code === 'too_big') return `must be at most ${String(issue.maximum)}`;
  if (issue.code === 'invalid_type')
    return issue.expected === 'number' ? 'enter a number' : 'required';
  if (issue.code === 'unrecognized_keys') return `unknown setting: ${issue.keys.join(', ')}`;
  return issue.message;
}
