import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { claimNext, skipItem } from '@musar/core/review/queue';
import { decide, undoLast } from '@musar/core/review/decide';
import { getReviewItem } from '@musar/core/review/item';
import {
  REASON_LABELS,
  REJECT_REASONS,
  UNDO_WINDOW_SECONDS,
  LEASE_SECONDS,
} from '@musar/core/review/rules';
import { permissionProcedure } from '../trpc';
import { ZDecideInput, ZHeld, ZOutputId, ZReviewItem, ZSettled } from '@musar/core/review/schemas';
import { reviewInsightsRouter } from './review-insights';

const decider = permissionProcedure({ review: ['decide'] });

export const reviewRouter = {
  /** The fixed taxonomy and timings the UI shows. */
  config: decider
    .output(
      z.object({
        reasons: z.array(z.object({ id: z.string(), label: z.string() })),
        undoSeconds: z.number(),
        leaseSeconds: z.number(),
      }),
    )
    .query(() => ({
      reasons: REJECT_REASONS.map((id) => ({ id, label: REASON_LABELS[id] })),
      undoSeconds: UNDO_WINDOW_SECONDS,
      leaseSeconds: LEASE_SECONDS,
    })),

  /** Renews my leases and claims up to `hold` items: [current, prefetched]. */
  next: decider
    .input(z.object({ hold: z.number().int().min(1).max(5).default(2) }).default({ hold: 2 }))
    .output(ZHeld)
    .mutation(({ ctx, input }) => claimNext(ctx.db, ctx.session.user, { hold: input.hold })),

  item: decider
    .input(z.object({ outputId: ZOutputId }))
    .output(ZReviewItem)
    .query(({ ctx, input }) => getReviewItem(ctx.db, ctx.session.user, input)),

  decide: decider
    .input(ZDecideInput)
    .output(ZSettled)
    .mutation(({ ctx, input }) => decide(ctx.db, ctx.session.user, input)),

  undo: decider
    .input(z.object({ reviewId: z.uuid().optional() }).default({}))
    .output(
      z.object({
        reviewId: z.string(),
        outputId: z.string(),
        state: z.string(),
        heldAgain: z.boolean(),
      }),
    )
    .mutation(({ ctx, input }) => undoLast(ctx.db, ctx.session.user, input)),

  skip: decider
    .input(z.object({ outputId: ZOutputId }))
    .output(z.object({ outputId: z.string(), skipped: z.literal(true) }))
    .mutation(({ ctx, input }) => skipItem(ctx.db, ctx.session.user, input)),

  insights: reviewInsightsRouter,
} satisfies TRPCRouterRecord;
