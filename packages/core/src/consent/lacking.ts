// Consent as the worker must see it at run time: a subject may be used for a scope only while it
// has a grant for that scope that started, has not expired and was not revoked, and its images
// were not erased. (Issue 8 owns consent management; this is the read-side rule, kept here so the
// worker does not depend on the API package.)
import { sql } from 'drizzle-orm';
import { executeRows, type DbOrTx } from '@musar/db';

export type TConsentScope = 'generate' | 'train';

/** The subjects among `subjectIds` that may NOT be used for `scope` now, with the reason. */
export async function subjectsLackingConsent(
  db: DbOrTx,
  subjectIds: readonly string[],
  scope: TConsentScope,
): Promise<{ subjectId: string; name: string | null; reason: string }[]> {
  if (subjectIds.length === 0) return [];
  const ids = sql.join(
    subjectIds.map((id) => sql`${id}::uuid`),
    sql`, `,
  );
  const rows = await executeRows<{
    id: string;
    name: string | null;
    erased: boolean | null;
    active: boolean | null;
    revoked: boolean | null;
  }>(
    db,
    sql`SELECT want.id::text AS id, s.name, s.erased_at IS NOT NULL AS erased,
          EXISTS (SELECT 1 FROM consents c WHERE c.subject_id = want.id AND c.scope = ${scope}
                    AND c.revoked_at IS NULL AND c.valid_from <= now()
                    AND (c.expires_at IS NULL OR c.expires_at > now())) AS active,
          EXISTS (SELECT 1 FROM consents c WHERE c.subject_id = want.id AND c.scope = ${scope}
                    AND c.revoked_at IS NOT NULL) AS revoked
        FROM (SELECT unnest(ARRAY[${ids}]) AS id) want LEFT JOIN subjects s ON s.id = want.id`,
  );
  type TLack = { subjectId: string; name: string | null; reason: string };
  return rows.flatMap((r): TLack[] => {
    if (r.name === null) return [{ subjectId: r.id, name: null, reason: 'subject does not exist' }];
    if (r.erased)
      return [{ subjectId: r.id, name: r.name, reason: `subject "${r.name}" was erased` }];
    if (r.active) return [];
    const why = r.revoked ? 'consent was revoked' : 'has no active consent';
    return [{ subjectId: r.id, name: r.name, reason: `subject "${r.name}" ${why} for ${scope}` }];
  });
}
