import {
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  real,
  text,
  unique,
  uuid,
  bigint,
  type AnyPgColumn,
} from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { user } from './auth';
import { subjects } from './subjects';
import { modelVersions } from './models';
import { bytea, createdAt, tstz } from './types';

/** Named, versioned dynamic-routing parameters (start step, layers, beta, threshold, ...). */
export const routingConfigs = pgTable(
  'routing_configs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    version: integer('version').notNull().default(1),
    params: jsonb('params').$type<Record<string, unknown>>().notNull(),
    modelVersionId: uuid('model_version_id').references((): AnyPgColumn => modelVersions.id),
    createdBy: text('created_by').references(() => user.id),
    createdAt: createdAt(),
  },
  (t) => [unique('routing_configs_name_version').on(t.name, t.version)],
);

export const generationState = pgEnum('generation_state', [
  'queued',
  'running',
  'succeeded',
  'failed',
  'cancelled',
]);

export const generationRequests = pgTable(
  'generation_requests',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    prompt: text('prompt').notNull(),
    routingConfigId: uuid('routing_config_id').references(() => routingConfigs.id),
    /** The routing parameters actually used (config params plus per-request overrides). */
    routingParams: jsonb('routing_params').$type<Record<string, unknown>>().notNull(),
    /** Sampling steps per image. */
    steps: integer('steps').notNull().default(20),
    modelVersionId: uuid('model_version_id').references((): AnyPgColumn => modelVersions.id),
    count: integer('count').notNull(),
    seed: bigint('seed', { mode: 'number' }),
    state: generationState('state').notNull().default('queued'),
    /** 0..1: sampling steps done / steps_total. */
    progress: real('progress').notNull().default(0),
    /** Sampling steps done over all images, as the worker reports them (throttled). */
    stepsDone: integer('steps_done').notNull().default(0),
    /** Images × sampling steps per image, as the worker runs them (null until it starts). */
    stepsTotal: integer('steps_total'),
    /** Network evaluations one image takes (each step's conditional pass plus its guidance
     * passes), from the sampler (null until the worker reports it). */
    evaluationsPerImage: integer('evaluations_per_image'),
    jobId: text('job_id'),
    /** Reviews needed to decide an output (k of n consensus); 1 = a single reviewer. */
    consensusK: integer('consensus_k').notNull().default(1),
    /** `preview`: a routing preview's one image, shown on the routing page only; its outputs stay
     * out of the review queue, the metrics and the request list. */
    purpose: text('purpose', { enum: ['production', 'preview'] })
      .notNull()
      .default('production'),
    error: text('error'),
    requestedBy: text('requested_by').references(() => user.id),
    createdAt: createdAt(),
    startedAt: tstz('started_at'),
    finishedAt: tstz('finished_at'),
  },
  (t) => [index().on(t.state), index().on(t.createdAt)],
);

/** The subjects of a request, in prompt order. */
export const generationRequestSubjects = pgTable(
  'generation_request_subjects',
  {
    requestId: uuid('request_id')
      .notNull()
      .references(() => generationRequests.id, { onDelete: 'cascade' }),
    subjectId: uuid('subject_id')
      .notNull()
      .references(() => subjects.id),
    position: integer('position').notNull(),
  },
  (t) => [primaryKey({ columns: [t.requestId, t.subjectId] }), index().on(t.subjectId)],
);

export const outputState = pgEnum('output_state', [
  'pending_review',
  'approved',
  'rejected',
  'withdrawn',
]);

export const outputs = pgTable(
  'outputs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    requestId: uuid('request_id')
      .notNull()
      .references(() => generationRequests.id, { onDelete: 'cascade' }),
    /** Position within the request (0..count-1). */
    index: integer('index').notNull(),
    image: bytea('image'),
    /** While approved: the image with its C2PA approval manifest added (the generated one as ingredient). */
    approvedImage: bytea('approved_image'),
    mimeType: text('mime_type').notNull().default('image/png'),
    width: integer('width'),
    height: integer('height'),
    seed: bigint('seed', { mode: 'number' }),
    /** Final dynamic routing map: per target token, the subject index it drew from (or -1). */
    routingMap: jsonb('routing_map').$type<unknown>(),
    /** Auto scores from the analytic scorer (identity, leakage, count, ...). */
    scores: jsonb('scores').$type<Record<string, unknown>>(),
    state: outputState('state').notNull().default('pending_review'),
    modelVersionId: uuid('model_version_id').references((): AnyPgColumn => modelVersions.id),
    /** Review lease: the reviewer holding the item and until when. */
    leasedBy: text('leased_by').references(() => user.id),
    leaseExpiresAt: tstz('lease_expires_at'),
    withdrawnReason: text('withdrawn_reason'),
    createdAt: createdAt(),
    decidedAt: tstz('decided_at'),
  },
  (t) => [
    unique('outputs_request_index').on(t.requestId, t.index),
    index().on(t.state, t.createdAt),
    // a reviewer's held items (lease renewal on every claim) without scanning the table
    index('outputs_leased_by_idx')
      .on(t.leasedBy)
      .where(sql`${t.leasedBy} is not null`),
  ],
);
