import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import {
  cancelGeneration,
  createGeneration,
  getGeneration,
  listGenerations,
  requestOutputs,
} from '@musar/core/generation/generation';
import { permissionProcedure } from '../trpc';
import {
  ZCreateGeneration,
  ZGenerationId,
  ZGenerationRequest,
  ZRequestOutput,
} from '@musar/core/generation/schemas';

const reader = permissionProcedure({ generation: ['read'] });

export const generationRouter = {
  list: reader
    .input(
      z
        .object({
          limit: z.number().int().min(1).max(100).default(20),
          offset: z.number().int().min(0).max(1_000_000).default(0),
        })
        .default({ limit: 20, offset: 0 }),
    )
    .output(z.object({ items: z.array(ZGenerationRequest), total: z.number().int() }))
    .query(({ ctx, input }) => listGenerations(ctx.db, input)),

  get: reader
    .input(ZGenerationId)
    .output(ZGenerationRequest)
    .query(({ ctx, input }) => getGeneration(ctx.db, input.requestId)),

  /** The images of a request with their review state (the operator sees what it produced). */
  outputs: reader
    .input(ZGenerationId)
    .output(z.array(ZRequestOutput))
    .query(({ ctx, input }) => requestOutputs(ctx.db, input.requestId)),

  create: permissionProcedure({ generation: ['create'] })
    .input(ZCreateGeneration)
    .output(ZGenerationRequest)
    .mutation(({ ctx, input }) => createGeneration(ctx.db, ctx.session.user, input)),

  cancel: permissionProcedure({ generation: ['cancel'] })
    .input(ZGenerationId)
    .output(ZGenerationRequest)
    .mutation(({ ctx, input }) => cancelGeneration(ctx.db, ctx.session.user, input.requestId)),
} satisfies TRPCRouterRecord;
