// Typed job payloads. Every consumer parses its payload with these before touching anything, so a
// malformed job fails with a readable reason and writes nothing else.
import { z } from 'zod';
import { ZRoutingOverrides } from '../generation/routing-params';

export const ZGeneratePayload = z
  .object({
    requestId: z.uuid(),
    /** Subjects in prompt order; 2–4 per generation (DESIGN §5 flow 1). */
    subjectIds: z
      .array(z.uuid())
      .min(2, 'a generation needs at least 2 subjects')
      .max(4, 'a generation takes at most 4 subjects')
      .refine((ids) => new Set(ids).size === ids.length, 'subjects must be distinct'),
    prompt: z.string().trim().min(1, 'prompt is empty').max(500),
    count: z.number().int().min(1).max(16),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1),
    /** Sampling steps (Euler). */
    steps: z.number().int().min(1).max(100).default(20),
    /** The product's routing schema (generation/routing-params.ts). */
    routing: ZRoutingOverrides.default({}),
    /** The model version to generate with; null = the serving one (or a fresh tiny model). */
    modelVersionId: z.uuid().nullable().default(null),
  })
  .strict();
export type TGeneratePayload = z.infer<typeof ZGeneratePayload>;
export type TGeneratePayloadInput = z.input<typeof ZGeneratePayload>;

export const ZRetrainPayload = z
  .object({
    /** The adapter to continue from; null = the serving adapter. */
    parentVersionId: z.uuid().nullable().default(null),
    /** Why: `policy:<n> approved`, `operator`, `consent-revoked:<subjectId>`. */
    reason: z.string().trim().min(1).max(200),
    /** Subjects whose data must not be used (consent revoked for training). */
    excludeSubjectIds: z.array(z.uuid()).max(10_000).default([]),
    steps: z.number().int().min(1).max(100_000).default(500),
    requestedBy: z.string().max(200).nullable().default(null),
  })
  .strict();
export type TRetrainPayload = z.infer<typeof ZRetrainPayload>;

export const ZEvaluatePayload = z
  .object({
    modelVersionId: z.uuid(),
    /** Held-out suites (subjects per scene) to evaluate on. */
    suites: z.array(z.number().int().min(2).max(4)).min(1).default([2, 3]),
    /** Promote the candidate when it beats the serving version. */
    promoteIfBetter: z.boolean().default(false),
  })
  .strict();
export type TEvaluatePayload = z.infer<typeof ZEvaluatePayload>;

export const PAYLOADS = {
  generate: ZGeneratePayload,
  retrain: ZRetrainPayload,
  evaluate: ZEvaluatePayload,
} as const;

/** A readable one-line reason from a zod error. */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}
