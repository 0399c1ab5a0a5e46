// Revocation and expiry. Each revokes consent rows and runs the cascade in ONE transaction;
// revoking what is already revoked changes nothing and writes nothing.
import { and, eq, inArray, isNull, lte } from 'drizzle-orm';
import { writeAudit, type Db, type Tx } from '@musar/db';
import { consents, subjects } from '@musar/db/schema';
import { notFound } from '../common/errors';
import {
  auditActor,
  actorId,
  scopesWithoutConsent,
  CONSENT_SCOPES,
  EXPIRED_REASON,
  type TActor,
  type TConsentScope,
} from './consent';
import { runRevocationCascade, type TCascadeResult } from './cascade';
import { toConsent, type TConsent } from './grant';

type ConsentRow = typeof consents.$inferSelect;
export type TRevokeResult = {
  consents: TConsent[];
  alreadyRevoked: boolean;
  cascade: TCascadeResult | null;
};

/** Revokes locked, unrevoked rows of ONE subject, then cascades for the scopes left without consent. */
export async function revokeRows(
  tx: Tx,
  rows: ConsentRow[],
  opts: {
    actor: TActor;
    reason: string;
    subjectId: string;
    /** When each row ended (default: now). */
    endedAt?: (row: ConsentRow) => Date;
    /** The clock consent is judged by (default: the database's). */
    now?: Date;
    action?: string;
    /** Cascade these scopes whatever consent is left (erasure). */
    forceScopes?: TConsentScope[];
  },
): Promise<TRevokeResult> {
  const revoked: TConsent[] = [];
  for (const row of rows) {
    const [updated] = await tx
      .update(consents)
      .set({
        revokedAt: opts.endedAt?.(row) ?? new Date(),
        revokedBy: actorId(opts.actor),
        revokedReason: opts.reason,
      })
      .where(eq(consents.id, row.id))
      .returning();
    const after = toConsent(updated!);
    revoked.push(after);
    await writeAudit(tx, {
      actor: auditActor(opts.actor),
      action: opts.action ?? 'consent.revoke',
      targetType: 'consent',
      targetId: row.id,
      before: toConsent(row),
      after,
    });
  }
  // Lock order: consent rows (above, by the caller), then the subject row. FOR UPDATE on the
  // subject conflicts with the FOR KEY SHARE that inserting generation_request_subjects takes, so
  // a generation that already wrote its request (even one that read consent without locking)
  // commits before the cascade looks for requests, and is cancelled by it.
  await tx
    .select({ id: subjects.id })
    .from(subjects)
    .where(eq(subjects.id, opts.subjectId))
    .for('update');
  const scopes = [...new Set([...rows.map((r) => r.scope), ...(opts.forceScopes ?? [])])];
  const lost =
    opts.forceScopes ?? (await scopesWithoutConsent(tx, opts.subjectId, scopes, opts.now));
  const cascade =
    lost.length > 0
      ? await runRevocationCascade(tx, {
          subjectId: opts.subjectId,
          lostScopes: lost,
          actor: opts.actor,
          reason: opts.reason,
        })
      : null;
  return { consents: revoked, alreadyRevoked: rows.length === 0, cascade };
}

export async function revokeConsent(
  db: Db,
  actor: TActor,
  input: { consentId: string; reason: string },
): Promise<TRevokeResult> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select()
      .from(consents)
      .where(eq(consents.id, input.consentId))
      .for('update');
    if (!row) throw notFound('Consent');
    if (row.revokedAt) return { consents: [toConsent(row)], alreadyRevoked: true, cascade: null };
    return revokeRows(tx, [row], { actor, reason: input.reason, subjectId: row.subjectId });
  });
}

/** Revokes every unrevoked consent of a subject (optionally only some scopes). */
export async function revokeSubjectConsents(
  db: Db,
  actor: TActor,
  input: { subjectId: string; reason: string; scopes?: TConsentScope[] },
): Promise<TRevokeResult> {
  return db.transaction(async (tx) => {
    const [subject] = await tx
      .select({ id: subjects.id })
      .from(subjects)
      .where(eq(subjects.id, input.subjectId));
    if (!subject) throw notFound('Subject');
    const rows = await tx
      .select()
      .from(consents)
      .where(
        and(
          eq(consents.subjectId, input.subjectId),
          isNull(consents.revokedAt),
          inArray(consents.scope, input.scopes ?? [...CONSENT_SCOPES]),
        ),
      )
      .orderBy(consents.id)
      .for('update');
    return revokeRows(tx, rows, { actor, reason: input.reason, subjectId: input.subjectId });
  });
}

/**
 * The expiry job (pg-boss schedule `consent-expiry`, every minute): consents whose expiry has
 * passed end like a revocation — marked revoked at their expiry time with reason `expired`, by
 * the system — and the cascade runs for each subject left without consent. Idempotent.
 */
export async function expireConsents(db: Db, now: Date = new Date()) {
  return db.transaction(async (tx) => {
    const due = await tx
      .select()
      .from(consents)
      .where(and(isNull(consents.revokedAt), lte(consents.expiresAt, now)))
      .orderBy(consents.id)
      .for('update', { skipLocked: true });
    const cascades: TCascadeResult[] = [];
    for (const subjectId of new Set(due.map((r) => r.subjectId))) {
      const { cascade } = await revokeRows(
        tx,
        due.filter((r) => r.subjectId === subjectId),
        {
          actor: 'system',
          reason: EXPIRED_REASON,
          subjectId,
          endedAt: (row) => row.expiresAt!,
          now,
          action: 'consent.expire',
        },
      );
      if (cascade) cascades.push(cascade);
    }
    return { expiredConsentIds: due.map((r) => r.id), cascades };
  });
}
