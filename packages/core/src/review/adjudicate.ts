// The adjudication queue: items whose k decisions disagree. A reviewer who did not decide the
// item gives the final decision.
import { eq, sql } from 'drizzle-orm';
import { reviewAdjudications } from '@musar/db/schema';
import { executeRows, writeAudit, type Db } from '@musar/db';
import type { SessionUser } from '../common/actor';
import { ServiceError } from '../common/errors';
import { assertDecisionShape } from './decide';
import { assertNotWithdrawn, lockOutput } from './lock';
import type { TDecision, TRejectReason } from './rules';
import { settleOutput } from './settle';

export async function listAdjudications(db: Db, input: { limit: number }) {
  const rows = await executeRows<{
    output_id: string;
    opened_at: Date | string;
    prompt: string;
    votes: { reviewer: string; decision: TDecision; reasons: string[] }[];
  }>(
    db,
    sql`select a.output_id, a.created_at as opened_at, r.prompt,
          (select coalesce(json_agg(json_build_object('reviewer', u.email, 'decision', v.decision, 'reasons', v.reasons) order by v.created_at), '[]'::json)
             from reviews v join "user" u on u.id = v.reviewer_id where v.output_id = a.output_id and v.undone_at is null) as votes
        from review_adjudications a join outputs o on o.id = a.output_id join generation_requests r on r.id = o.request_id
        where a.resolved_at is null and o.state = 'pending_review'
        order by a.created_at limit ${input.limit}`,
  );
  return rows.map((r) => ({
    outputId: r.output_id,
    openedAt: new Date(r.opened_at).toISOString(),
    prompt: r.prompt,
    votes: r.votes,
  }));
}

export async function adjudicate(
  db: Db,
  adjudicator: SessionUser,
  input: { outputId: string; decision: TDecision; reasons?: TRejectReason[]; comment?: string },
) {
  assertDecisionShape(input);
  return db.transaction(async (tx) => {
    const o = await lockOutput(tx, input.outputId);
    assertNotWithdrawn(o);
    if (!o.in_adjudication)
      throw new ServiceError('CONFLICT', 'This item is not waiting for adjudication');
    const [mine] = await executeRows<{ n: number }>(
      tx,
      sql`select count(*)::int as n from reviews where output_id = ${o.id} and reviewer_id = ${adjudicator.id} and undone_at is null`,
    );
    if ((mine?.n ?? 0) > 0)
      throw new ServiceError(
        'FORBIDDEN',
        'You decided this item yourself; another reviewer must adjudicate it',
      );
    await tx
      .update(reviewAdjudications)
      .set({
        resolvedAt: sql`now()`,
        resolvedBy: adjudicator.id,
        decision: input.decision,
        reasons: input.reasons ?? [],
        comment: input.comment?.trim() || null,
      })
      .where(eq(reviewAdjudications.outputId, o.id));
    const settled = await settleOutput(tx, o.id, o.consensus_k, adjudicator.id);
    await writeAudit(tx, {
      actor: { id: adjudicator.id, email: adjudicator.email },
      action: 'review.adjudicate',
      targetType: 'output',
      targetId: o.id,
      before: { state: o.state, inAdjudication: true },
      after: { decision: input.decision, reasons: input.reasons ?? [], state: settled.state },
    });
    return { outputId: o.id, state: settled.state };
  });
}
