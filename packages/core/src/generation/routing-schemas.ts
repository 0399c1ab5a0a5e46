import { z } from 'zod';
import { ZRoutingOverrides } from './routing-params';

export const ZRoutingConfig = z.object({
  id: z.string(),
  name: z.string(),
  version: z.number().int(),
  params: z.record(z.string(), z.unknown()),
  /** The model version this config is the default for (at most one config per version). */
  defaultFor: z.string().nullable(),
  createdAt: z.string(),
});
export type TRoutingConfig = z.infer<typeof ZRoutingConfig>;

export const ZCreateRoutingConfig = z.object({
  name: z.string().trim().min(1, 'name the config').max(80),
  params: ZRoutingOverrides,
  /** Check the fit against this model version (default: the one generations run on now — the
   * serving adapter, else the serving base, else the tiny preset). */
  modelVersionId: z.uuid().optional(),
});

export const ZSetDefaultRouting = z.object({ routingConfigId: z.uuid(), modelVersionId: z.uuid() });

export const ZPreviewRouting = z.object({
  subjectIds: z
    .array(z.uuid())
    .min(2, 'pick at least 2 subjects')
    .max(4, 'pick at most 4 subjects')
    .refine((ids) => new Set(ids).size === ids.length, 'subjects must be distinct'),
  prompt: z.string().trim().min(1, 'write a prompt').max(500),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1),
  steps: z.number().int().min(1).max(100).default(20),
  routingConfigIds: z
    .array(z.uuid())
    .min(2, 'compare at least 2 configs')
    .max(4, 'compare at most 4 configs')
    .refine((ids) => new Set(ids).size === ids.length, 'configs must be distinct'),
});
export type TPreviewRouting = z.infer<typeof ZPreviewRouting>;

export const ZPreviewItem = z.object({
  routingConfigId: z.string(),
  requestId: z.string(),
  state: z.string(),
  output: z
    .object({
      id: z.string(),
      /** pending_review / approved / rejected / withdrawn */
      state: z.string(),
      routingMap: z.unknown(),
      scores: z.record(z.string(), z.unknown()).nullable(),
      /** null once the output is withdrawn or a subject's consent is no longer in force */
      image: z.string().nullable(),
    })
    .nullable(),
});
