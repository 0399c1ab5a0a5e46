// Content Credentials in the API: the approval manifest added when an output becomes approved
// (kept in outputs.approved_image while it stays approved), and verification of an uploaded image
// with a look-up of its subjects' consent as of today.
import { sql } from 'drizzle-orm';
import { executeRows, resolveDataDir, type DbOrTx, type Tx } from '@musar/db';
import {
  instanceCredentials,
  isPng,
  signApproval,
  trustAnchorOf,
  verify,
  type TSigningCredentials,
  type TVerifyResult,
} from '@musar/provenance';

type TCredentialSource = () => Promise<TSigningCredentials>;
let credentialSource: TCredentialSource = () => instanceCredentials(resolveDataDir());

/** Tests: sign with these credentials instead of the instance's. */
export function useSigningCredentials(source: TCredentialSource) {
  credentialSource = source;
}

const iso = (d: Date | string) => new Date(d).toISOString();

/**
 * Keeps outputs.approved_image in step with the settled state: on approval the image gets an
 * approval manifest (decision, time, deciding reviewers' roles) chained to its generation manifest;
 * any other state clears it. Images without Content Credentials (made before signing existed) stay
 * as they are.
 */
export async function syncApprovalCredentials(
  tx: Tx,
  outputId: string,
  state: string,
  via: 'consensus' | 'adjudication',
) {
  if (state !== 'approved') {
    await tx.execute(
      sql`update outputs set approved_image = null where id = ${outputId} and approved_image is not null`,
    );
    return;
  }
  const [o] = await executeRows<{ image: Uint8Array | null; decided_at: Date | string | null }>(
    tx,
    sql`select image, decided_at from outputs where id = ${outputId}`,
  );
  if (!o?.image || !isPng(o.image) || !(await verify(o.image)).hasCredentials) return;
  const reviewers =
    via === 'adjudication'
      ? await executeRows<{ role: string | null; at: Date | string }>(
          tx,
          sql`select u.role, a.resolved_at as at from review_adjudications a join "user" u on u.id = a.resolved_by where a.output_id = ${outputId}`,
        )
      : await executeRows<{ role: string | null; at: Date | string }>(
          tx,
          sql`select u.role, v.created_at as at from reviews v join "user" u on u.id = v.reviewer_id
              where v.output_id = ${outputId} and v.undone_at is null and v.decision = 'approve' order by v.created_at, v.id`,
        );
  const approved = await signApproval(
    o.image,
    {
      outputId,
      decision: 'approved',
      decidedAt: iso(o.decided_at ?? new Date()),
      via,
      reviewers: reviewers.map((r) => ({ role: r.role ?? 'reviewer', at: iso(r.at) })),
    },
    await credentialSource(),
  );
  await tx.execute(sql`update outputs set approved_image = ${approved} where id = ${outputId}`);
}

export type TConsentStanding = {
  subjectId: string;
  /** null when the subject is not (or no longer) known here. */
  name: string | null;
  erased: boolean;
  /** A `generate` consent is in force today. */
  inForce: boolean;
  /** The consent records the image relied on, as they stand today. */
  records: {
    id: string;
    revoked: boolean;
    revokedAt: string | null;
    expired: boolean;
    inForce: boolean;
  }[];
};

export type TImageCredentials = TVerifyResult & {
  /** From the generation manifest: its subjects and their consent today. */
  subjects: TConsentStanding[];
  /** Every subject's consent is in force today (false when there are none to check). */
  consentInForce: boolean;
};

/** Verifies an image and reports, for the subjects its credentials name, whether consent still holds. */
export async function verifyImage(db: DbOrTx, png: Uint8Array): Promise<TImageCredentials> {
  let anchors: string[] = [];
  try {
    anchors = [trustAnchorOf((await credentialSource()).certPem)];
  } catch {
    // no instance credentials: still verify, nothing is trusted
  }
  const result = await verify(png, { trustAnchors: anchors });
  const generation = result.manifests.find((m) => m.generation)?.generation;
  if (!generation) return { ...result, subjects: [], consentInForce: false };
  const subjectIds = generation.subjectIds.filter((id) => /^[0-9a-f-]{36}$/i.test(id));
  const recordIds = generation.consentRecordIds.filter((id) => /^[0-9a-f-]{36}$/i.test(id));
  const subjectRows = subjectIds.length
    ? await executeRows<{ id: string; name: string; erased: boolean; in_force: boolean }>(
        db,
        sql`select s.id::text as id, s.name, s.erased_at is not null as erased,
              exists (select 1 from consents c where c.subject_id = s.id and c.scope = 'generate' and c.revoked_at is null
                        and c.valid_from <= now() and (c.expires_at is null or c.expires_at > now())) as in_force
            from subjects s where s.id in (${sql.join(
              subjectIds.map((id) => sql`${id}::uuid`),
              sql`, `,
            )})`,
      )
    : [];
  const recordRows = recordIds.length
    ? await executeRows<{
        id: string;
        subject_id: string;
        revoked_at: Date | string | null;
        expired: boolean;
        in_force: boolean;
      }>(
        db,
        sql`select c.id::text as id, c.subject_id::text as subject_id, c.revoked_at,
              (c.expires_at is not null and c.expires_at <= now()) as expired,
              (c.revoked_at is null and c.valid_from <= now() and (c.expires_at is null or c.expires_at > now())) as in_force
            from consents c where c.id in (${sql.join(
              recordIds.map((id) => sql`${id}::uuid`),
              sql`, `,
            )})`,
      )
    : [];
  const subjects = generation.subjectIds.map((subjectId): TConsentStanding => {
    const row = subjectRows.find((r) => r.id === subjectId);
    const records = recordRows.filter((r) => r.subject_id === subjectId);
    return {
      subjectId,
      name: row?.name ?? null,
      erased: row?.erased ?? false,
      inForce: Boolean(row && !row.erased && row.in_force),
      records: records.map((r) => ({
        id: r.id,
        revoked: r.revoked_at !== null,
        revokedAt: r.revoked_at ? iso(r.revoked_at) : null,
        expired: r.expired,
        inForce: r.in_force,
      })),
    };
  });
  return {
    ...result,
    subjects,
    consentInForce: subjects.length > 0 && subjects.every((s) => s.inForce),
  };
}
