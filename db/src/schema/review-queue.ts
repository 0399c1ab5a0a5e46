// Review-queue bookkeeping beside `reviews` (issue 7): skips and k-of-n adjudication.
import { index, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { user } from './auth';
import { outputs } from './generation';
import { reviewDecision } from './reviews';
import { createdAt, tstz } from './types';

/** A reviewer skipped an item: it goes to the end of their queue (others still get it first). */
export const reviewSkips = pgTable(
  'review_skips',
  {
    outputId: uuid('output_id')
      .notNull()
      .references(() => outputs.id, { onDelete: 'cascade' }),
    reviewerId: text('reviewer_id')
      .notNull()
      .references(() => user.id),
    skippedAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.outputId, t.reviewerId] }), index().on(t.reviewerId)],
);

/** Opened when an item's k decisions disagree; resolved by one adjudicator's final decision. */
export const reviewAdjudications = pgTable(
  'review_adjudications',
  {
    outputId: uuid('output_id')
      .primaryKey()
      .references(() => outputs.id, { onDelete: 'cascade' }),
    openedAt: createdAt(),
    resolvedAt: tstz('resolved_at'),
    resolvedBy: text('resolved_by').references(() => user.id),
    decision: reviewDecision('decision'),
    reasons: text('reasons')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    comment: text('comment'),
  },
  (t) => [index().on(t.resolvedAt)],
);
