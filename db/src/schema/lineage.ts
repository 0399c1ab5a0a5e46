// Lineage: what a model version was trained on. Its own module because it refers to both
// model versions and outputs, while generation refers to model versions: models ↔ generation
// would otherwise import each other.
import { check, index, pgTable, uuid } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { subjects } from './subjects';
import { outputs } from './generation';
import { modelVersions } from './models';
import { createdAt } from './types';

/** What a model version was trained on: one row per subject and per approved output. */
export const lineage = pgTable(
  'lineage',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    modelVersionId: uuid('model_version_id')
      .notNull()
      .references(() => modelVersions.id, { onDelete: 'cascade' }),
    subjectId: uuid('subject_id').references(() => subjects.id),
    outputId: uuid('output_id').references(() => outputs.id),
    createdAt: createdAt(),
  },
  (t) => [
    check('lineage_one_target', sql`num_nonnulls(${t.subjectId}, ${t.outputId}) = 1`),
    index().on(t.modelVersionId),
    index().on(t.subjectId),
    index().on(t.outputId),
  ],
);
