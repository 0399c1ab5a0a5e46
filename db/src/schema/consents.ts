import { index, integer, pgEnum, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { user } from './auth';
import { subjects } from './subjects';
import { bytea, createdAt, tstz } from './types';

export const consentScope = pgEnum('consent_scope', ['generate', 'train']);

/** One consent grant for one scope. Active = valid_from <= now < expires_at (or no expiry) and
 * not revoked. Revocation keeps the row: who, when and why. */
export const consents = pgTable(
  'consents',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    subjectId: uuid('subject_id')
      .notNull()
      .references(() => subjects.id, { onDelete: 'cascade' }),
    scope: consentScope('scope').notNull(),
    /** Who granted it: the person or rights holder, as written on the evidence. */
    grantedBy: text('granted_by').notNull(),
    /** The user who recorded the grant in the platform. */
    recordedBy: text('recorded_by').references(() => user.id),
    evidence: text('evidence').notNull(),
    evidenceFile: bytea('evidence_file'),
    evidenceFileName: text('evidence_file_name'),
    evidenceMimeType: text('evidence_mime_type'),
    /** Size and sha256 (hex) of the evidence file, recorded at grant: they outlive its erasure. */
    evidenceFileBytes: integer('evidence_file_bytes'),
    evidenceFileSha256: text('evidence_file_sha256'),
    validFrom: tstz('valid_from').defaultNow().notNull(),
    expiresAt: tstz('expires_at'),
    revokedAt: tstz('revoked_at'),
    revokedBy: text('revoked_by').references(() => user.id),
    revokedReason: text('revoked_reason'),
    createdAt: createdAt(),
  },
  (t) => [index().on(t.subjectId, t.scope)],
);
