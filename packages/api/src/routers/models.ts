import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { listModels, promoteModel, rollbackModel } from '@musar/core/models/models';
import { retrainStatus, startRetrain } from '@musar/core/retrain/retrain';
import { permissionProcedure } from '../trpc';
import { ZModelVersion, ZModelVersionId } from '@musar/core/models/schemas';

export const modelsRouter = {
  list: permissionProcedure({ model: ['read'] })
    .output(z.array(ZModelVersion))
    .query(({ ctx }) => listModels(ctx.db)),

  promote: permissionProcedure({ model: ['promote'] })
    .input(ZModelVersionId)
    .output(ZModelVersion)
    .mutation(({ ctx, input }) => promoteModel(ctx.db, ctx.session.user, input)),

  rollback: permissionProcedure({ model: ['rollback'] })
    .input(ZModelVersionId)
    .output(ZModelVersion)
    .mutation(({ ctx, input }) => rollbackModel(ctx.db, ctx.session.user, input)),

  retrainStatus: permissionProcedure({ model: ['read'] })
    .output(
      z.object({
        threshold: z.number().int(),
        newApproved: z.number().int(),
        newRepaints: z.number().int(),
        servingAdapter: z.object({ id: z.string(), name: z.string() }).nullable(),
        excludedSubjects: z.number().int(),
        openJobs: z.array(z.object({ id: z.string(), state: z.string(), reason: z.string() })),
        due: z.boolean(),
      }),
    )
    .query(({ ctx }) => retrainStatus(ctx.db)),

  retrain: permissionProcedure({ model: ['train'] })
    .input(z.object({ steps: z.number().int().min(1).max(100_000).optional() }).default({}))
    .output(
      z.object({
        jobId: z.string(),
        newApproved: z.number().int(),
        newRepaints: z.number().int(),
        parentVersionId: z.string().nullable(),
      }),
    )
    .mutation(({ ctx, input }) =>
      startRetrain(ctx.db, ctx.session.user, { reason: 'operator', steps: input.steps }),
    ),
} satisfies TRPCRouterRecord;
