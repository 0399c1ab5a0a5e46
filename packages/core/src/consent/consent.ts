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

/** Why a subject may not be used for a scope (the reasons `checkConsent` gives). */
export type TConsentLack = { subjectId: string; name: string | null; reason: string };

/** Thrown when a subject lacks consent; `subjectIds` names them, `lacking` says why, and the
 * message is the reasons joined. Maps to PRECONDITION_FAILED. */
export class ConsentError extends ServiceError {
  readonly subjectIds: string[];
  constructor(
    readonly scope: TConsentScope,
    readonly lacking: TConsentLack[],
  ) {
    super('PRECONDITION_FAILED', lacking.map((l) => l.reason).join('; '));
    this.name = 'ConsentError';
    this.subjectIds = lacking.map((l) => l.subjectId);
  }
}

export type TConsentCheck = {
  /** The subjects that may NOT be used, in the order asked, each with its reason. */
  lacking: TConsentLack[];
  /** Per usable subject, the ids of the consents in force it is used under (ascending). */
  held: Map<string, string[]>;
};

/**
 * The consent rule — its one implementation. A subject may be used for `scope` at `now` (the
 * database clock when omitted) only while it exists, is not erased, and has a consent of that
 * scope in force (`consentActive`). Returns the subjects that may not, with the reason (the
 * subject does not exist / was erased / its consent was revoked / it has no active consent),
 * and the consent ids each usable subject holds.
 *
 * `lock: true` takes FOR SHARE locks on the consent rows relied on, in one order for every caller
 * (consent id). Take them INSIDE the transaction that uses the subjects (creates the generation
 * request, records lineage): a concurrent revocation (FOR UPDATE on the same rows) either commits
 * first — and this check then sees the row revoked and refuses — or waits until this transaction
 * has committed, after which its cascade sees (and cancels) what this transaction wrote. A caller
 * that already holds a row the cascade locks (the worker holds its request FOR UPDATE, which the
 * cascade's cancel waits on) checks without the lock, so the two never wait on each other.
 */
export async function checkConsent(
  tx: DbOrTx,
  subjectIds: readonly string[],
  scope: TConsentScope,
  opts: { lock?: boolean; now?: Date } = {},
): Promise<TConsentCheck> {
  const ids = [...new Set(subjectIds)];
  const held = new Map<string, string[]>();
  if (ids.length === 0) return { lacking: [], held };
  const inForce = tx
    .select({ id: consents.id, subjectId: consents.subjectId })
    .from(consents)
    .innerJoin(subjects, eq(subjects.id, consents.subjectId))
    .where(
      and(
        inArray(consents.subjectId, ids),
        eq(consents.scope, scope),
        consentActive(opts.now),
        isNull(subjects.erasedAt),
      ),
    )
    .orderBy(consents.id); // one lock order for every caller
  const rows = opts.lock ? await inForce.for('share', { of: consents }) : await inForce;
  for (const r of rows) held.set(r.subjectId, [...(held.get(r.subjectId) ?? []), r.id]);
  const missing = ids.filter((id) => !held.has(id));
  if (missing.length === 0) return { lacking: [], held };
  const found = await tx
    .select({
      id: subjects.id,
      name: subjects.name,
      erased: sql<boolean>`${subjects.erasedAt} is not null`,
      // (plain SQL names: drizzle leaves a one-table select's columns unqualified)
      revoked: sql<boolean>`exists (select 1 from consents c where c.subject_id = subjects.id
                                     and c.scope = ${scope} and c.revoked_at is not null)`,
    })
    .from(subjects)
    .where(inArray(subjects.id, missing));
  const lacking = missing.map((subjectId): TConsentLack => {
    const s = found.find((f) => f.id === subjectId);
    if (!s) return { subjectId, name: null, reason: 'subject does not exist' };
    if (s.erased) return { subjectId, name: s.name, reason: `subject "${s.name}" was erased` };
    const why = s.revoked ? 'consent was revoked' : 'has no active consent';
    return { subjectId, name: s.name, reason: `subject "${s.name}" ${why} for ${scope}` };
  });
  return { lacking, held };
}

/** `checkConsent` with the FOR SHARE locks (unless `lock: false`) that throws ConsentError when a
 * subject lacks consent; returns the consent ids relied on, per subject. */
export async function assertConsent(
  tx: DbOrTx,
  subjectIds: readonly string[],
  scope: TConsentScope,
  opts: { lock?: boolean; now?: Date } = {},
): Promise<Map<string, string[]>> {
  const { lacking, held } = await checkConsent(tx, subjectIds, scope, {
    lock: opts.lock ?? true,
    now: opts.now,
  });
  if (lacking.length > 0) throw new ConsentError(scope, lacking);
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
