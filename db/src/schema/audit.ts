import { bigint, index, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { tstz } from './types';

/** Append-only (a trigger in migration 0001 rejects UPDATE and DELETE). No foreign keys on
 * purpose: entries outlive what they describe. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    /** The user who acted; null for the system (bootstrap, worker). */
    actorId: text('actor_id'),
    /** The actor's e-mail (or 'system') at the time, so the entry reads on its own. */
    actorLabel: text('actor_label').notNull(),
    action: text('action').notNull(),
    targetType: text('target_type').notNull(),
    targetId: text('target_id'),
    before: jsonb('before').$type<unknown>(),
    after: jsonb('after').$type<unknown>(),
    at: tstz('at').defaultNow().notNull(),
  },
  (t) => [index().on(t.at), index().on(t.targetType, t.targetId), index().on(t.actorId)],
);
