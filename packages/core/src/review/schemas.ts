// zod schemas of the review procedures (inputs validated here; rules that need the database are
// checked by the services).
import { z } from 'zod';
import { ZDecision, ZRejectReason, ZStrengthFeedback } from './rules';

export const ZOutputId = z.uuid({ message: 'outputId must be a UUID' });

/** A repaint at token resolution: row-major cells, subject index 0..k-1 or -1 for background. */
export const ZRepaint = z
  .object({
    rows: z.number().int().min(1).max(128),
    cols: z.number().int().min(1).max(128),
    cells: z.array(z.number().int().min(-1).max(63)).max(128 * 128),
  })
  .refine((g) => g.cells.length === g.rows * g.cols, {
    message: 'repaint.cells must hold rows × cols entries',
  });

export const ZDecideInput = z.object({
  outputId: ZOutputId,
  decision: ZDecision,
  reasons: z
    .array(ZRejectReason)
    .max(7)
    .refine((r) => new Set(r).size === r.length, 'reasons must not repeat')
    .optional(),
  comment: z.string().max(2000).optional(),
  repaint: ZRepaint.optional(),
  strength: z.record(z.uuid(), ZStrengthFeedback).optional(),
});
export type TDecideInputSchema = z.infer<typeof ZDecideInput>;

export const ZHeld = z.object({
  items: z.array(z.object({ outputId: z.string(), leaseExpiresAt: z.string() })),
});

export const ZSettled = z.object({
  reviewId: z.string(),
  outputId: z.string(),
  state: z.enum(['pending_review', 'approved', 'rejected']),
  inAdjudication: z.boolean(),
  decisions: z.number().int(),
  needed: z.number().int(),
  undoUntil: z.string(),
});

const ZSubjectView = z.object({
  index: z.number().int(),
  id: z.string(),
  name: z.string(),
  classWord: z.string(),
  erased: z.boolean(),
  references: z.array(z.string()),
});

export const ZReviewItem = z.object({
  outputId: z.string(),
  state: z.enum(['pending_review', 'approved', 'rejected', 'withdrawn']),
  withdrawnReason: z.string().nullable(),
  heldByMe: z.boolean(),
  leaseExpiresAt: z.string().nullable(),
  image: z.string().nullable(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  seed: z.number().nullable(),
  routingMap: z
    .object({ rows: z.number().int(), cols: z.number().int(), cells: z.array(z.number().int()) })
    .nullable(),
  scores: z.record(z.string(), z.unknown()).nullable(),
  prompt: z.string(),
  routingParams: z.record(z.string(), z.unknown()),
  /** Sampling steps per image of the request. */
  steps: z.number().int(),
  routingConfig: z
    .object({ id: z.string(), name: z.string(), version: z.number().int() })
    .nullable(),
  modelVersion: z.object({ id: z.string(), name: z.string(), kind: z.string() }).nullable(),
  consensus: z.object({
    needed: z.number().int(),
    decisions: z.number().int(),
    inAdjudication: z.boolean(),
  }),
  myDecision: z.object({ reviewId: z.string(), decision: z.string(), at: z.string() }).nullable(),
  subjects: z.array(ZSubjectView),
});
