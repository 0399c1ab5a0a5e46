import { index, integer, jsonb, pgTable, text, unique, uuid } from 'drizzle-orm/pg-core';
import { user } from './auth';
import { bytea, createdAt, tstz } from './types';

/** A subject: a product, mascot or consenting person the company holds single photos of. */
export const subjects = pgTable('subjects', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  /** What text may say about the subject ("a star toy"); identity lives only in its images. */
  classWord: text('class_word').notNull(),
  description: text('description'),
  /** Free-form descriptive attributes (e.g. the toy-world spec it was rendered from). */
  attributes: jsonb('attributes').$type<Record<string, unknown>>(),
  createdBy: text('created_by').references(() => user.id),
  createdAt: createdAt(),
  updatedAt: tstz('updated_at').defaultNow().notNull(),
  /** Set when consent revocation erased its images; the row stays for lineage and audit. */
  erasedAt: tstz('erased_at'),
});

export const subjectImages = pgTable(
  'subject_images',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    subjectId: uuid('subject_id')
      .notNull()
      .references(() => subjects.id, { onDelete: 'cascade' }),
    image: bytea('image').notNull(),
    mimeType: text('mime_type').notNull().default('image/png'),
    width: integer('width'),
    height: integer('height'),
    /** sha256 of the image bytes, hex; the same photo is stored once per subject. */
    contentHash: text('content_hash').notNull(),
    createdBy: text('created_by').references(() => user.id),
    createdAt: createdAt(),
  },
  (t) => [
    unique('subject_images_subject_hash').on(t.subjectId, t.contentHash),
    index().on(t.subjectId),
  ],
);
