import {
  bigint,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  uuid,
  type AnyPgColumn,
} from 'drizzle-orm/pg-core';
import { user } from './auth';
import { bytea, createdAt, tstz } from './types';

export const modelKind = pgEnum('model_kind', ['base', 'adapter']);
export const modelState = pgEnum('model_state', [
  'candidate',
  'serving',
  'retired',
  'tainted',
  'failed',
]);

export const modelVersions = pgTable(
  'model_versions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    kind: modelKind('kind').notNull(),
    name: text('name').notNull(),
    /** The base an adapter was trained on, or the adapter a retrain continued. */
    parentId: uuid('parent_id').references((): AnyPgColumn => modelVersions.id),
    state: modelState('state').notNull().default('candidate'),
    config: jsonb('config').$type<Record<string, unknown>>(),
    metrics: jsonb('metrics').$type<Record<string, unknown>>(),
    modelCard: jsonb('model_card').$type<Record<string, unknown>>(),
    /** The checkpoint itself (safetensors layout), or a key in the object store. */
    checkpoint: bytea('checkpoint'),
    storageKey: text('storage_key'),
    sizeBytes: bigint('size_bytes', { mode: 'number' }),
    trainingSteps: integer('training_steps'),
    createdBy: text('created_by').references(() => user.id),
    createdAt: createdAt(),
    promotedAt: tstz('promoted_at'),
    retiredAt: tstz('retired_at'),
    taintedAt: tstz('tainted_at'),
    taintReason: text('taint_reason'),
  },
  (t) => [index().on(t.state), index().on(t.kind, t.state)],
);
