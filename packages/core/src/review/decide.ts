// Decisions: approve / reject with reasons, comment, routing repaint and per-subject strength
// feedback, in one transaction with its audit entry; undo of the reviewer's last decision.
import { sql } from 'drizzle-orm';
import { executeRows, writeAudit, type Db } from '@musar/db';
import { reviews } from '@musar/db/schema';
import type { SessionUser } from '../common/actor';
import { ServiceError } from '../common/errors';
import { assertNotWithdrawn, lockOutput, lockOutputForReviewer } from './lock';
import { readRoutingMap, validateRepaint, writeRoutingMap, type TGrid } from './routing-map';
import {
  LEASE_SECONDS,
  UNDO_WINDOW_SECONDS,
  type TDecision,
  type TRejectReason,
  type TStrengthFeedback,
} from './rules';
import { settleOutput } from './settle';

export type TDecideInput = {
  outputId: string;
  decision: TDecision;
  reasons?: TRejectReason[];
  comment?: string;
  repaint?: TGrid;
  /** subjectId → feedback */
  strength?: Record<string, TStrengthFeedback>;
};

const actorOf = (u: SessionUser) => ({ id: u.id, email: u.email });

/** Checks a decision's own rules (reasons ↔ decision, "other" needs a comment). */
export function assertDecisionShape(input: Pick<TDecideInput, 'decision' | 'reasons' | 'comment'>) {
  const reasons = input.reasons ?? [];
  if (input.decision === 'reject' && reasons.length === 0)
    throw new ServiceError('BAD_REQUEST', 'A rejection needs at least one reason');
  if (input.decision === 'approve' && reasons.length > 0)
    throw new ServiceError('BAD_REQUEST', 'An approval takes no rejection reasons');
  if (reasons.includes('other') && !input.comment?.trim())
    throw new ServiceError('BAD_REQUEST', 'Reason "other" needs a comment saying what is wrong');
}

export async function decide(db: Db, reviewer: SessionUser, input: TDecideInput) {
  assertDecisionShape(input);
  return db.transaction(async (tx) => {
    const o = await lockOutputForReviewer(tx, reviewer, input.outputId);
    const subjectIds = o.subject_ids;
    let correction: unknown = null;
    if (input.repaint) {
      const original = readRoutingMap(o.routing_map);
      validateRepaint(input.repaint, original, subjectIds.length);
      correction = writeRoutingMap(input.repaint, original!.layout);
    }
    const unknown = Object.keys(input.strength ?? {}).filter((id) => !subjectIds.includes(id));
    if (unknown.length > 0)
      throw new ServiceError(
        'BAD_REQUEST',
        `Strength feedback names subjects not in this output: ${unknown.join(', ')}`,
      );
    const [review] = await tx
      .insert(reviews)
      .values({
        outputId: o.id,
        reviewerId: reviewer.id,
        decision: input.decision,
        reasons: input.reasons ?? [],
        comment: input.comment?.trim() || null,
        routingCorrection: correction,
        strengthFeedback:
          input.strength && Object.keys(input.strength).length > 0 ? input.strength : null,
      })
      .returning({ id: reviews.id, createdAt: reviews.createdAt });
    const settled = await settleOutput(tx, o.id, o.consensus_k, reviewer.id);
    await writeAudit(tx, {
      actor: actorOf(reviewer),
      action: 'review.decide',
      targetType: 'output',
      targetId: o.id,
      before: { state: o.state },
      after: {
        reviewId: review!.id,
        decision: input.decision,
        reasons: input.reasons ?? [],
        repainted: correction !== null,
        strength: input.strength ?? null,
        ...settled,
      },
    });
    const undoUntil = new Date(
      review!.createdAt.getTime() + UNDO_WINDOW_SECONDS * 1000,
    ).toISOString();
    return { reviewId: review!.id, outputId: o.id, ...settled, undoUntil };
  });
}

/** Undoes the reviewer's last live decision within the undo window; the item comes back to them. */
export async function undoLast(db: Db, reviewer: SessionUser, input: { reviewId?: string } = {}) {
  return db.transaction(async (tx) => {
    const [last] = await executeRows<{ id: string; output_id: string; in_window: boolean }>(
      tx,
      sql`select id, output_id, created_at > now() - make_interval(secs => ${UNDO_WINDOW_SECONDS}) as in_window
          from reviews where reviewer_id = ${reviewer.id} and undone_at is null order by created_at desc, id desc limit 1`,
    );
    if (!last) throw new ServiceError('PRECONDITION_FAILED', 'You have no decision to undo');
    if (input.reviewId && input.reviewId !== last.id)
      throw new ServiceError('PRECONDITION_FAILED', 'Only your last decision can be undone');
    if (!last.in_window)
      throw new ServiceError(
        'PRECONDITION_FAILED',
        `The undo window (${UNDO_WINDOW_SECONDS} s) has passed`,
      );
    const o = await lockOutput(tx, last.output_id);
    assertNotWithdrawn(o);
    const [adj] = await executeRows<{ resolved: boolean }>(
      tx,
      sql`select resolved_at is not null as resolved from review_adjudications where output_id = ${o.id}`,
    );
    if (adj?.resolved)
      throw new ServiceError('CONFLICT', 'This item was adjudicated already; the decision stands');
    const done = await executeRows<{ id: string }>(
      tx,
      sql`update reviews set undone_at = now() where id = ${last.id} and undone_at is null returning id`,
    );
    if (done.length === 0) throw new ServiceError('CONFLICT', 'That decision was undone already');
    const settled = await settleOutput(tx, o.id, o.consensus_k, reviewer.id);
    // back to the reviewer who undid it, unless someone else holds it now
    const relet = await executeRows<{ id: string }>(
      tx,
      sql`update outputs set leased_by = ${reviewer.id}, lease_expires_at = now() + make_interval(secs => ${LEASE_SECONDS})
          where id = ${o.id} and state = 'pending_review'
            and (leased_by is null or leased_by = ${reviewer.id} or lease_expires_at <= now())
            and not exists (select 1 from review_adjudications a where a.output_id = outputs.id and a.resolved_at is null)
          returning id`,
    );
    await writeAudit(tx, {
      actor: actorOf(reviewer),
      action: 'review.undo',
      targetType: 'output',
      targetId: o.id,
      before: { reviewId: last.id, state: o.state },
      after: { ...settled, heldAgain: relet.length > 0 },
    });
    return { reviewId: last.id, outputId: o.id, state: settled.state, heldAgain: relet.length > 0 };
  });
}
