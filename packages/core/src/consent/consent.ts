// Consent: the rule every use of a subject goes through. A subject may be used for a scope only
// while an unexpired, unrevoked consent of that scope exists (valid_from <= now < expires_at).
import { and, eq, inArray, isNull, lte, or, gt, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '@musar/db';
import { consents, subjects } from '@musar/db/schema';
import type { SessionUser } from '../common/actor';
import { ServiceError } from '../common/errors';

export type TConsentScope = 'generate' | 'train';
export const CONSENT_SCOPES = ['generate', 'train'] as const satisfies readonly TConsentScope[];
/** revoked_reason of consents ended by the expiry job (revoked_by stays null). */
export const EXPIRED_REASON = 'expired';
/** The user who acted, or the system (expiry job, worker). */
export type TActor = SessionUser | 'system';
export const auditActor = (a: TActor) => (a === 'system' ? 'system' : { id: a.id, email: a.email });
export const actorId = (a: TActor) => (a === 'system' ? null : a.id);

/** Rows of `consents` that are in force at `now` (the database clock when omitted). */
export function consentActive(now?: Date): SQL {
  const at = now ? sql`${now.toISOString()}::timestamptz` : sql`now()`;
  return and(
    isNull(consents.revokedAt),
    lte(consents.validFrom, at),
    or(isNull(consents.expiresAt), gt(consents.expiresAt, at)),
  )!;
}

/** Thrown when a subject lacks consent; `subjectIds` names them. Maps to PRECONDITION_FAILED. */
export class ConsentError extends ServiceError {
  constructor(
    readonly scope: TConsentScope,
    readonly subjectIds: string[],
    names: string[],
  ) {
    super('PRECONDITION_FAILED', `No active ${scope} consent for: ${names.join(', ')}`);
    this.name = 'ConsentError';
  }
}

/**
 * Throws ConsentError unless every subject has an active consent for `scope`; returns the
 * consent ids relied on, per subject. Call it INSIDE the transaction that uses the subjects
 * (creates the generation request, stores outputs, records lineage): it takes FOR SHARE locks on
 * the consent rows, so a concurrent revocation (FOR UPDATE on the same rows) either commits first
 * — and this call then sees the row revoked and refuses — or waits until this transaction has
 * committed, after which its cascade sees (and cancels) what this transaction wrote.
 */
export async function assertConsent(
  tx: DbOrTx,
  subjectIds: readonly string[],
  scope: TConsentScope,
  now?: Date,
): Promise<Map<string, string[]>> {
  const ids = [...new Set(subjectIds)];
  const held = new Map<string, string[]>();
  if (ids.length === 0) return held;
  const rows = await tx
    .select({ id: consents.id, subjectId: consents.subjectId })
    .from(consents)
    .innerJoin(subjects, eq(subjects.id, consents.subjectId))
    .where(
      and(
        inArray(consents.subjectId, ids),
        eq(consents.scope, scope),
        consentActive(now),
        isNull(subjects.erasedAt),
      ),
    )
    .orderBy(consents.id) // one lock order for every caller
    .for('share', { of: consents });
  for (const r of rows) held.set(r.subjectId, [...(held.get(r.subjectId) ?? []), r.id]);
  const missing = ids.filter((id) => !held.has(id));
  if (missing.length > 0) {
    const named = await tx
      .select({ id: subjects.id, name: subjects.name })
      .from(subjects)
      .where(inArray(subjects.id, missing));
    const nameOf = new Map(named.map((s) => [s.id, s.name]));
    throw new ConsentError(
      scope,
      missing,
      missing.map((id) => nameOf.get(id) ?? `unknown subject ${id}`),
    );
  }
  return held;
}

/** The scopes (of `scopes`) for which the subject has no active consent left. */
export async function scopesWithoutConsent(
  tx: DbOrTx,
  subjectId: string,
  scopes: readonly TConsentScope[],
  now?: Date,
): Promise<TConsentScope[]> {
  const rows = await tx
    .selectDistinct({ scope: consents.scope })
    .from(consents)
    .where(and(eq(consents.subjectId, subjectId), consentActive(now)));
  const active = new Set(rows.map((r) => r.scope));
  return scopes.filter((s) => !active.has(s));
}
