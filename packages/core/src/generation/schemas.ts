import { z } from 'zod';
// client-safe (zod only): the dashboard validates its form with ZCreateGeneration too
import { ZRoutingOverrides } from './routing-params';

export const ZGenerationId = z.object({ requestId: z.uuid() });

export const ZCreateGeneration = z.object({
  /** 2–4 distinct subjects, in prompt order. */
  subjectIds: z
    .array(z.uuid())
    .min(2, 'pick at least 2 subjects')
    .max(4, 'pick at most 4 subjects')
    .refine((ids) => new Set(ids).size === ids.length, 'subjects must be distinct'),
  prompt: z.string().trim().min(1, 'write a prompt').max(500, 'at most 500 characters'),
  /** A stored routing config; its params are the base the overrides apply to. */
  routingConfigId: z.uuid().optional(),
  routing: ZRoutingOverrides.default({}),
  count: z
    .number('enter a number of images')
    .int('a whole number')
    .min(1, 'at least 1 image')
    .max(16, 'at most 16 images'),
  /** Omitted: a random seed (recorded on the request). */
  seed: z
    .number('enter a whole number, or leave it empty')
    .int('a whole number')
    .min(0, 'from 0')
    .max(2 ** 31 - 1, 'at most 2147483647')
    .optional(),
  steps: z
    .number('enter a number of steps')
    .int('a whole number')
    .min(1, 'at least 1 step')
    .max(100, 'at most 100 steps')
    .default(20),
  /** Reviews needed per output (k of n consensus). */
  consensusK: z.number().int().min(1).max(5).default(1),
});
export type TCreateGeneration = z.infer<typeof ZCreateGeneration>;

export const ZGenerationRequest = z.object({
  id: z.string(),
  prompt: z.string(),
  state: z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']),
  /** 0..1, and the same as sampling steps done / total. */
  progress: z.number(),
  /** Sampling steps done over all images, of totalSteps = count × stepsPerImage. */
  step: z.number().int(),
  totalSteps: z.number().int(),
  stepsPerImage: z.number().int(),
  /** Images whose every sampling step is done (the worker reports progress per step). */
  imagesDone: z.number().int(),
  /** Network evaluations one image takes (each step: the conditional pass plus its guidance
   * passes), as the worker's sampler counts them; null until the worker reports. */
  evaluationsPerImage: z.number().int().nullable(),
  purpose: z.enum(['production', 'preview']),
  count: z.number().int(),
  seed: z.number().nullable(),
  /** The routing parameters the request runs with (its config's, overridden by its own). */
  routingParams: z.record(z.string(), z.unknown()),
  subjects: z.array(z.object({ id: z.string(), name: z.string() })),
  outputs: z.number().int(),
  error: z.string().nullable(),
  jobId: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
export type TGenerationRequest = z.infer<typeof ZGenerationRequest>;

export const ZRequestOutput = z.object({
  id: z.string(),
  index: z.number().int(),
  state: z.enum(['pending_review', 'approved', 'rejected', 'withdrawn']),
  seed: z.number().nullable(),
  scores: z.record(z.string(), z.unknown()).nullable(),
  withdrawnReason: z.string().nullable(),
  decidedAt: z.string().nullable(),
  /** data: URL while the image may be shown, else null */
  image: z.string().nullable(),
});
