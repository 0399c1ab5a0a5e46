// Locks an output for a reviewer's change and refuses, with a message a reviewer can act on,
// when the item is gone, withdrawn, decided, in adjudication, or not (any longer) theirs.
import { sql } from 'drizzle-orm';
import { executeRows, type Tx } from '@musar/db';
import type { SessionUser } from '../common/actor';
import { notFound, ServiceError } from '../common/errors';

export type TLockedOutput = {
  id: string;
  state: 'pending_review' | 'approved' | 'rejected' | 'withdrawn';
  routing_map: unknown;
  request_id: string;
  consensus_k: number;
  leased_by: string | null;
  lease_expires_at: Date | string | null;
  lease_live: boolean;
  withdrawn_reason: string | null;
  in_adjudication: boolean;
  /** the request's subjects in prompt order (index = routing-map value) */
  subject_ids: string[];
};

export async function lockOutput(tx: Tx, outputId: string): Promise<TLockedOutput> {
  const [row] = await executeRows<TLockedOutput>(
    tx,
    sql`select o.id, o.state, o.routing_map, o.request_id, r.consensus_k, o.leased_by, o.lease_expires_at,
               coalesce(o.lease_expires_at > now(), false) as lease_live, o.withdrawn_reason,
               exists (select 1 from review_adjudications a where a.output_id = o.id and a.resolved_at is null) as in_adjudication,
               array(select g.subject_id::text from generation_request_subjects g where g.request_id = o.request_id order by g.position) as subject_ids
        from outputs o join generation_requests r on r.id = o.request_id
        where o.id = ${outputId} for update of o`,
  );
  if (!row) throw notFound('Review item');
  return row;
}

export function assertNotWithdrawn(o: TLockedOutput) {
  if (o.state === 'withdrawn') {
    throw new ServiceError(
      'PRECONDITION_FAILED',
      `This item was withdrawn from review${o.withdrawn_reason ? ` (${o.withdrawn_reason})` : ''}; nothing was saved`,
    );
  }
}

export async function lockOutputForReviewer(
  tx: Tx,
  reviewer: SessionUser,
  outputId: string,
  opts: { allowExpired?: boolean } = {},
): Promise<TLockedOutput> {
  const o = await lockOutput(tx, outputId);
  assertNotWithdrawn(o);
  if (o.state !== 'pending_review')
    throw new ServiceError('CONFLICT', `This item is already ${o.state}; nothing was saved`);
  if (o.in_adjudication)
    throw new ServiceError('CONFLICT', 'This item is waiting for adjudication; nothing was saved');
  if (o.leased_by !== reviewer.id) {
    throw new ServiceError(
      'PRECONDITION_FAILED',
      'You do not hold this item (claim it from the queue first); nothing was saved',
    );
  }
  if (!o.lease_live && !opts.allowExpired) {
    const at = o.lease_expires_at ? new Date(o.lease_expires_at).toISOString() : 'unknown';
    throw new ServiceError(
      'PRECONDITION_FAILED',
      `Your lease on this item expired at ${at}; nothing was saved. Claim the next item to go on`,
    );
  }
  return o;
}
