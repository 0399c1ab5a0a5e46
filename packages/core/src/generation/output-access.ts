// The one rule for handing out an output's pixels. Every read path of output bytes (review item,
// routing preview, export, training set) goes through it, so a revoked, expired or erased subject
// is honoured the same way everywhere — also in the moment between a consent running out and the
// expiry job's cascade marking the outputs `withdrawn`.
import { sql, type SQL } from 'drizzle-orm';
import type { TConsentScope } from '../consent/consent';

/** SQL: consent of `scope` in force for the subject (at `now`, default the statement's time). */
export function consentInForce(subjectId: SQL, scope: TConsentScope, now?: Date): SQL {
  const at = now ? sql`${now.toISOString()}::timestamptz` : sql`now()`;
  return sql`exists (select 1 from consents c where c.subject_id = ${subjectId} and c.scope = ${scope}
                     and c.revoked_at is null and c.valid_from <= ${at}
                     and (c.expires_at is null or c.expires_at > ${at}))`;
}

/** SQL boolean over the outputs row aliased `alias`: its bytes may be shown / exported / used.
 * Not withdrawn, an image present, and every subject of its request not erased and holding
 * consent of `scope` (`generate` to show or export it, `train` to train on it). */
export function outputReadable(
  opts: { alias?: string; scope?: TConsentScope; now?: Date } = {},
): SQL {
  const o = sql.raw(opts.alias ?? 'o');
  return sql`(${o}.state <> 'withdrawn' and ${o}.image is not null
    and not exists (select 1 from generation_request_subjects g join subjects s on s.id = g.subject_id
                    where g.request_id = ${o}.request_id
                      and (s.erased_at is not null or not ${consentInForce(sql`g.subject_id`, opts.scope ?? 'generate', opts.now)})))`;
}

/** A bytea column as a driver returns it (PGlite: Uint8Array; some paths: `\x…` hex text). */
export const toBytes = (v: unknown): Uint8Array | null =>
  v == null
    ? null
    : typeof v === 'string'
      ? Uint8Array.from(Buffer.from(v.replace(/^\\x/, ''), 'hex'))
      : (v as Uint8Array);
