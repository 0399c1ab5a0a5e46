// The review domain's fixed vocabulary and timings. Choices where the issue was silent are here.
import { z } from 'zod';

/** The fixed rejection taxonomy, in keyboard order (key 1..7 in the reject panel). */
export const REJECT_REASONS = [
  'identity_wrong',
  'attribute_leakage',
  'diptych_seam',
  'missing_subject',
  'wrong_layout',
  'low_quality',
  'other',
] as const;
export const ZRejectReason = z.enum(REJECT_REASONS);
export type TRejectReason = z.infer<typeof ZRejectReason>;

export const REASON_LABELS: Record<TRejectReason, string> = {
  identity_wrong: 'Identity wrong',
  attribute_leakage: 'Attribute leakage',
  diptych_seam: 'Diptych / seam',
  missing_subject: 'Missing subject',
  wrong_layout: 'Wrong layout',
  low_quality: 'Low quality',
  other: 'Other (explain in comment)',
};

/** Per-subject routing-weight feedback: how present the subject is in the image. */
export const STRENGTH_FEEDBACK = ['too_weak', 'right', 'too_strong'] as const;
export const ZStrengthFeedback = z.enum(STRENGTH_FEEDBACK);
export type TStrengthFeedback = z.infer<typeof ZStrengthFeedback>;

export const ZDecision = z.enum(['approve', 'reject']);
export type TDecision = z.infer<typeof ZDecision>;

/** A lease lasts this long and is renewed whenever the reviewer asks for the next item. */
export const LEASE_SECONDS = Number(process.env.MUSAR_REVIEW_LEASE_SECONDS ?? 300);
/** Undo is possible this long after a decision (Gmail-style: long enough to notice a slip). */
export const UNDO_WINDOW_SECONDS = Number(process.env.MUSAR_REVIEW_UNDO_SECONDS ?? 30);
/** Items a reviewer holds at once: the current one plus one prefetched. */
export const DEFAULT_HOLD = 2;
/** Multiplicative step of a strength suggestion per unit of mean vote (too weak = +1). */
export const STRENGTH_STEP = 0.25;
/** How far strength votes move a feedback sample's draw weight in the next retrain: weight =
 * 1 + STRENGTH_WEIGHT_STEP × (right − too weak − too strong) / votes, so 0.5…1.5 (docs/feedback-retraining.md). */
export const STRENGTH_WEIGHT_STEP = 0.5;
