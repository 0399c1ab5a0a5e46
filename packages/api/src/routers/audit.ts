import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { listAudit } from '@musar/core/audit/audit';
import { permissionProcedure } from '../trpc';

const ZAuditEntry = z.object({
  id: z.number().int(),
  actorId: z.string().nullable(),
  actorLabel: z.string(),
  action: z.string(),
  targetType: z.string(),
  targetId: z.string().nullable(),
  before: z.unknown(),
  after: z.unknown(),
  at: z.string(),
});

const filterText = z.string().trim().min(1).max(200).optional();

export const auditRouter = {
  list: permissionProcedure({ audit: ['read'] })
    .input(
      z
        .object({
          action: filterText,
          targetType: filterText,
          targetId: filterText,
          actorId: filterText,
          /** e.g. `consent.` for every consent action */
          actionPrefix: filterText,
          from: z.iso.datetime().optional(),
          to: z.iso.datetime().optional(),
          cursor: z.number().int().positive().optional(),
          limit: z.number().int().min(1).max(200).default(50),
        })
        .default({ limit: 50 }),
    )
    .output(z.object({ items: z.array(ZAuditEntry), nextCursor: z.number().int().nullable() }))
    .query(({ ctx, input }) =>
      listAudit(ctx.db, {
        ...input,
        from: input.from ? new Date(input.from) : undefined,
        to: input.to ? new Date(input.to) : undefined,
      }),
    ),
} satisfies TRPCRouterRecord;
