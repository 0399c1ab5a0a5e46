import { z } from 'zod';

export const ZModelVersion = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['base', 'adapter']),
  state: z.enum(['candidate', 'serving', 'retired', 'tainted', 'failed']),
  parentId: z.string().nullable(),
  /** training progress (metrics.training), evaluation gate (metrics.gate), card metrics */
  metrics: z.record(z.string(), z.unknown()).nullable(),
  trainingSteps: z.number().int().nullable(),
  sizeBytes: z.number().nullable(),
  lineage: z.object({ subjects: z.number().int(), outputs: z.number().int() }),
  defaultRoutingConfigId: z.string().nullable(),
  createdAt: z.string(),
  promotedAt: z.string().nullable(),
  retiredAt: z.string().nullable(),
  taintedAt: z.string().nullable(),
  taintReason: z.string().nullable(),
});
export type TModelVersion = z.infer<typeof ZModelVersion>;

export const ZModelVersionId = z.object({ modelVersionId: z.uuid() });
