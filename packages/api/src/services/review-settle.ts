// k-of-n consensus: an output's state follows from its live (not undone) decisions. Fewer than k:
// still in the queue. k that agree: decided. k that disagree: an adjudication opens, and the
// adjudicator's decision is final.
import { sql } from 'drizzle-orm';
import { executeRows, type Tx } from '@musar/db';

export type TSettled = { state: 'pending_review' | 'approved' | 'rejected'; inAdjudication: boolean; decisions: number; needed: number };

/** Recomputes the state; `releaseFor` (the deciding reviewer) loses their lease on the item. */
export async function settleOutput(tx: Tx, outputId: string, consensusK: number, releaseFor: string): Promise<TSettled> {
  const rows = await executeRows<{ decision: 'approve' | 'reject' }>(
    tx,
    sql`select decision from reviews where output_id = ${outputId} and undone_at is null`,
  );
  const [adj] = await executeRows<{ decision: 'approve' | 'reject' | null; resolved: boolean }>(
    tx,
    sql`select decision, resolved_at is not null as resolved from review_adjudications where output_id = ${outputId}`,
  );
  const needed = Math.max(1, consensusK);
  const kinds = new Set(rows.map((r) => r.decision));
  let state: TSettled['state'] = 'pending_review';
  let inAdjudication = false;
  if (adj?.resolved && adj.decision) {
    state = adj.decision === 'approve' ? 'approved' : 'rejected';
  } else if (rows.length >= needed && kinds.size === 1) {
    state = rows[0]!.decision === 'approve' ? 'approved' : 'rejected';
  } else if (rows.length >= needed) {
    inAdjudication = true;
  }
  if (!inAdjudication && adj && !adj.resolved) {
    await tx.execute(sql`delete from review_adjudications where output_id = ${outputId} and resolved_at is null`);
  }
  if (inAdjudication && !adj) {
    await tx.execute(sql`insert into review_adjudications (output_id) values (${outputId}) on conflict do nothing`);
  }
  await tx.execute(
    sql`update outputs set state = ${state},
          leased_by = case when leased_by = ${releaseFor} or ${state} <> 'pending_review' then null else leased_by end,
          lease_expires_at = case when leased_by = ${releaseFor} or ${state} <> 'pending_review' then null else lease_expires_at end,
          decided_at = ${state === 'pending_review' ? null : sql`now()`}
        where id = ${outputId}`,
  );
  return { state, inAdjudication, decisions: rows.length, needed };
}
