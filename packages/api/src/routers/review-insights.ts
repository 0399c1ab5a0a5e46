// History, stats, agreement, adjudication and routing-strength suggestions.
import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { adjudicate, listAdjudications } from '@musar/core/review/adjudicate';
import { reviewAgreement } from '@musar/core/review/agreement';
import { listReviewHistory, reviewerThroughput } from '@musar/core/review/history';
import { ZDecision, ZRejectReason } from '@musar/core/review/rules';
import { suggestStrengths } from '@musar/core/review/strength';
import { permissionProcedure, rolesProcedure } from '../trpc';
import { ZOutputId } from '@musar/core/review/schemas';

const decider = permissionProcedure({ review: ['decide'] });
/** Operators read review outcomes too: they tune routing and start retraining from them. */
const reader = rolesProcedure('reviewer', 'operator');

export const reviewInsightsRouter = {
  history: reader
    .input(
      z
        .object({
          reviewerId: z.string().max(200).optional(),
          outputId: z.uuid().optional(),
          requestId: z.uuid().optional(),
          decision: ZDecision.optional(),
          reason: ZRejectReason.optional(),
          includeUndone: z.boolean().default(false),
          since: z.iso.datetime().optional(),
          until: z.iso.datetime().optional(),
          cursor: z
            .string()
            .regex(/^[0-9T:.\-Z+]+\|[0-9a-f-]{36}$/, 'malformed cursor')
            .optional(),
          limit: z.number().int().min(1).max(200).default(50),
        })
        .default({ includeUndone: false, limit: 50 }),
    )
    .output(
      z.object({
        items: z.array(z.record(z.string(), z.unknown())),
        nextCursor: z.string().nullable(),
      }),
    )
    .query(({ ctx, input }) => listReviewHistory(ctx.db, input, ctx.session.user)),

  /** My throughput and agreement. */
  myStats: decider
    .output(
      z.object({
        throughput: z.record(z.string(), z.number().nullable()),
        agreement: z.record(z.string(), z.unknown()).nullable(),
      }),
    )
    .query(async ({ ctx }) => {
      const me = ctx.session.user.id;
      const [throughput, agreement] = await Promise.all([
        reviewerThroughput(ctx.db, me),
        reviewAgreement(ctx.db, { reviewerId: me }),
      ]);
      return { throughput, agreement: agreement.perReviewer[0] ?? null };
    }),

  agreement: reader
    .input(z.object({ requestId: z.uuid().optional() }).default({}))
    .output(
      z.object({
        perReviewer: z.array(z.record(z.string(), z.unknown())),
        perSubject: z.array(z.record(z.string(), z.unknown())),
      }),
    )
    .query(({ ctx, input }) => reviewAgreement(ctx.db, input)),

  adjudications: decider
    .input(z.object({ limit: z.number().int().min(1).max(200).default(50) }).default({ limit: 50 }))
    .output(
      z.array(
        z.object({
          outputId: z.string(),
          openedAt: z.string(),
          prompt: z.string(),
          votes: z.array(z.unknown()),
        }),
      ),
    )
    .query(({ ctx, input }) => listAdjudications(ctx.db, input)),

  adjudicate: decider
    .input(
      z.object({
        outputId: ZOutputId,
        decision: ZDecision,
        reasons: z.array(ZRejectReason).max(7).optional(),
        comment: z.string().max(2000).optional(),
      }),
    )
    .output(z.object({ outputId: z.string(), state: z.string() }))
    .mutation(({ ctx, input }) => adjudicate(ctx.db, ctx.session.user, input)),

  /** Per routing config, per subject: votes and a suggested strength (operators). */
  strengthSuggestions: permissionProcedure({ routing: ['read'] })
    .input(z.object({ routingConfigId: z.uuid().optional() }).default({}))
    .output(
      z.array(
        z.object({
          routingConfigId: z.string().nullable(),
          name: z.string().nullable(),
          version: z.number().nullable(),
          subjects: z.array(z.record(z.string(), z.union([z.string(), z.number()]))),
        }),
      ),
    )
    .query(({ ctx, input }) => suggestStrengths(ctx.db, input)),
} satisfies TRPCRouterRecord;
