import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import {
  createRoutingConfig,
  listRoutingConfigs,
  setDefaultRoutingConfig,
} from '@musar/core/generation/routing';
import { readPreview, startPreview } from '@musar/core/generation/routing-preview';
import { permissionProcedure } from '../trpc';
import {
  ZCreateRoutingConfig,
  ZPreviewItem,
  ZPreviewRouting,
  ZRoutingConfig,
  ZSetDefaultRouting,
} from '@musar/core/generation/routing-schemas';

const reader = permissionProcedure({ routing: ['read'] });
const writer = permissionProcedure({ routing: ['write'] });

export const routingRouter = {
  list: reader.output(z.array(ZRoutingConfig)).query(({ ctx }) => listRoutingConfigs(ctx.db)),

  create: writer
    .input(ZCreateRoutingConfig)
    .output(ZRoutingConfig)
    .mutation(({ ctx, input }) => createRoutingConfig(ctx.db, ctx.session.user, input)),

  setDefault: writer
    .input(ZSetDefaultRouting)
    .output(ZRoutingConfig)
    .mutation(({ ctx, input }) => setDefaultRoutingConfig(ctx.db, ctx.session.user, input)),

  preview: permissionProcedure({ routing: ['write'], generation: ['create'] })
    .input(ZPreviewRouting)
    .output(
      z.object({
        items: z.array(z.object({ routingConfigId: z.string(), requestId: z.string() })),
      }),
    )
    .mutation(({ ctx, input }) => startPreview(ctx.db, ctx.session.user, input)),

  previewResult: reader
    .input(z.object({ requestIds: z.array(z.uuid()).min(1).max(4) }))
    .output(z.array(ZPreviewItem))
    .query(({ ctx, input }) => readPreview(ctx.db, input.requestIds)),
} satisfies TRPCRouterRecord;
