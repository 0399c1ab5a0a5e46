import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { operatorMetrics } from '@musar/core/metrics/metrics';
import { permissionProcedure } from '../trpc';

const ZPoint = z.object({
  key: z.string().nullable(),
  label: z.string(),
  bucket: z.string(),
  outputs: z.number().int(),
  decided: z.number().int(),
  approved: z.number().int(),
  approvalRate: z.number().nullable(),
  scored: z.number().int(),
  fidelity: z.number().nullable(),
  leakage: z.number().nullable(),
  reviews: z.number().int(),
});

export const metricsRouter = {
  overTime: permissionProcedure({ routing: ['read'], model: ['read'] })
    .input(
      z
        .object({
          by: z.enum(['routingConfig', 'modelVersion']).default('routingConfig'),
          bucket: z.enum(['hour', 'day']).default('day'),
          sinceDays: z.number().int().min(1).max(365).default(30),
        })
        .default({ by: 'routingConfig', bucket: 'day', sinceDays: 30 }),
    )
    .output(
      z.object({
        points: z.array(ZPoint),
        rejectReasons: z.array(
          z.object({ key: z.string().nullable(), reason: z.string(), n: z.number().int() }),
        ),
      }),
    )
    .query(({ ctx, input }) => operatorMetrics(ctx.db, input)),
} satisfies TRPCRouterRecord;
