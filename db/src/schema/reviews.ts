import { index, jsonb, pgEnum, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { user } from './auth';
import { outputs } from './generation';
import { createdAt, tstz } from './types';

export const reviewDecision = pgEnum('review_decision', ['approve', 'reject']);

export const reviews = pgTable(
  'reviews',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    outputId: uuid('output_id')
      .notNull()
      .references(() => outputs.id, { onDelete: 'cascade' }),
    reviewerId: text('reviewer_id')
      .notNull()
      .references(() => user.id),
    decision: reviewDecision('decision').notNull(),
    reasons: text('reasons')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    /** A repainted routing map, same shape as outputs.routing_map. */
    routingCorrection: jsonb('routing_correction').$type<unknown>(),
    /** Per-subject strength feedback (e.g. { "<subjectId>": "too weak" }). */
    strengthFeedback: jsonb('strength_feedback').$type<Record<string, unknown>>(),
    comment: text('comment'),
    createdAt: createdAt(),
    /** Set when the reviewer undid the decision; the row stays. */
    undoneAt: tstz('undone_at'),
  },
  (t) => [
    index().on(t.outputId),
    index().on(t.reviewerId),
    // one live decision per reviewer and item: nobody decides the same item twice
    uniqueIndex('reviews_one_live_per_reviewer')
      .on(t.outputId, t.reviewerId)
      .where(sql`${t.undoneAt} is null`),
  ],
);
