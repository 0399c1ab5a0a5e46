// Exports. The zip itself is served by the web app's route (`/api/export/outputs`, binary); here:
// what it would contain, and the audit log as CSV.
import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { auditCsv } from '@musar/core/audit/audit-csv';
import { exportableOutputs } from '@musar/core/consent/export-outputs';
import { permissionProcedure, rolesProcedure } from '../trpc';
import { ZIsoDate } from '@musar/core/common/schemas';

const filterText = z.string().trim().min(1).max(200).optional();

export const exportRouter = {
  /** Approved, consented outputs the zip would hold (manifests only, no image bytes). */
  outputs: rolesProcedure('admin', 'operator')
    .input(
      z
        .object({
          requestId: z.uuid().optional(),
          limit: z.number().int().min(1).max(2000).default(200),
        })
        .default({ limit: 200 }),
    )
    .output(
      z.object({
        count: z.number().int(),
        items: z.array(
          z.object({ outputId: z.string(), manifest: z.record(z.string(), z.unknown()) }),
        ),
      }),
    )
    .query(async ({ ctx, input }) => {
      const items = await exportableOutputs(ctx.db, input);
      return {
        count: items.length,
        items: items.map((i) => ({ outputId: i.manifest.outputId, manifest: i.manifest })),
      };
    }),

  auditCsv: permissionProcedure({ audit: ['read'] })
    .input(
      z
        .object({
          action: filterText,
          actionPrefix: filterText,
          targetType: filterText,
          targetId: filterText,
          actorId: filterText,
          from: ZIsoDate.optional(),
          to: ZIsoDate.optional(),
        })
        .default({}),
    )
    .output(z.object({ csv: z.string(), rows: z.number().int(), truncated: z.boolean() }))
    .query(({ ctx, input }) =>
      auditCsv(ctx.db, {
        ...input,
        from: input.from ? new Date(input.from) : undefined,
        to: input.to ? new Date(input.to) : undefined,
      }),
    ),
} satisfies TRPCRouterRecord;
