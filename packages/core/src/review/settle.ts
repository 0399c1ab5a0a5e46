// k-of-n consensus: an output's state follows from its live (not undone) decisions. Fewer than k:
// still in the queue. k that agree: decided. k that disagree: an adjudication opens, and the
// adjudicator's decision is final.
import { sql } from 'drizzle-orm';
import { executeRows, type Tx } from '@musar/db';
import { syncApprovalCredentials } from '../provenance/provenance';

export type TSettled = {
  state: 'pending_review' | 'approved' | 'rejected';
  inAdjudication: boolean;
  decisions: number;
  needed: number;
};

/** Recomputes the state; `releaseFor` (the deciding reviewer) loses their lease on the item. */
export async function settleOutput(
  tx: Tx,
  outputId: string,
  consensusK: number,
  releaseFor: string,
): Promise<TSettled> {
  const [read] = await executeRows<{
    decisions: ('approve' | 'reject')[];
    adj_decision: 'approve' | 'reject' | null;
    adj_exists: boolean;
    adj_resolved: boolean;
  }>(
    tx,
    sql`select array(select decision::text from reviews where output_id = ${outputId} and undone_at is null) as decisions,
          a.decision as adj_decision, a.output_id is not null as adj_exists, a.resolved_at is not null as adj_resolved
        from (select 1) one left join review_adjudications a on a.output_id = ${outputId}`,
  );
  const rows = read!.decisions.map((decision) => ({ decision }));
  const adj = read!.adj_exists
    ? { decision: read!.adj_decision, resolved: read!.adj_resolved }
    : undefined;
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
    await tx.execute(
      sql`delete from review_adjudications where output_id = ${outputId} and resolved_at is null`,
    );
  }
  if (inAdjudication && !adj) {
    await tx.execute(
      sql`insert into review_adjudications (output_id) values (${outputId}) on conflict do nothing`,
    );
  }
  await tx.execute(
    sql`update outputs set state = ${state},
          leased_by = case when leased_by = ${releaseFor} or ${state} <> 'pending_review' then null else leased_by end,
          lease_expires_at = case when leased_by = ${releaseFor} or ${state} <> 'pending_review' then null else lease_expires_at end,
          decided_at = ${state === 'pending_review' ? null : sql`now()`}
        where id = ${outputId}`,
  );
  await syncApprovalCredentials(tx, outputId, state, adj?.resolved ? 'adjudication' : 'consensus');
  return { state, inAdjudication, decisions: rows.length, needed };
}
