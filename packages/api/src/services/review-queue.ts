// The review queue: claim-next with a lease (FOR UPDATE SKIP LOCKED, so concurrent reviewers
// never block each other nor get the same item), lease renewal, prefetch, skip.
import { sql } from 'drizzle-orm';
import { executeRows, writeAudit, type Db, type Tx } from '@musar/db';
import { reviewSkips } from '@musar/db/schema';
import type { SessionUser } from '../context';
import { DEFAULT_HOLD, LEASE_SECONDS } from './review-rules';
import { lockOutputForReviewer } from './review-lock';

export type TClaimOptions = { hold?: number; leaseSeconds?: number };
export type THeldItem = { outputId: string; leaseExpiresAt: string };

const actorOf = (u: SessionUser) => ({ id: u.id, email: u.email });
type Row = { id: string; lease_expires_at: Date | string; created_at?: Date | string };
const toHeld = (r: Row): THeldItem => ({ outputId: r.id, leaseExpiresAt: new Date(r.lease_expires_at).toISOString() });

/** Renews the reviewer's live leases and tops them up to `hold` items (current + prefetched),
 * in queue order. Fresh items first; items this reviewer skipped only when nothing else is left. */
export async function claimNext(db: Db, reviewer: SessionUser, opts: TClaimOptions = {}) {
  const hold = opts.hold ?? DEFAULT_HOLD;
  const lease = opts.leaseSeconds ?? LEASE_SECONDS;
  return db.transaction(async (tx) => {
    const renewed = await executeRows<Row>(
      tx,
      sql`update outputs set lease_expires_at = now() + make_interval(secs => ${lease})
          where leased_by = ${reviewer.id} and state = 'pending_review' and lease_expires_at > now()
          returning id, lease_expires_at, created_at`,
    );
    // renewal gives held items one expiry: keep them in queue order
    const held = renewed.sort((a, b) => +new Date(a.created_at!) - +new Date(b.created_at!) || a.id.localeCompare(b.id));
    let claimed: Row[] = [];
    if (held.length < hold) claimed = await claim(tx, reviewer.id, hold - held.length, lease, false);
    if (held.length + claimed.length < hold) {
      claimed = claimed.concat(await claim(tx, reviewer.id, hold - held.length - claimed.length, lease, true));
    }
    if (claimed.length > 0) {
      await writeAudit(tx, {
        actor: actorOf(reviewer),
        action: 'review.claim',
        targetType: 'output',
        targetId: claimed.length === 1 ? claimed[0]!.id : null,
        after: { outputIds: claimed.map((r) => r.id), leaseSeconds: lease },
      });
    }
    return { items: [...held, ...claimed].map(toHeld) };
  });
}

async function claim(tx: Tx, reviewerId: string, n: number, lease: number, skipped: boolean): Promise<Row[]> {
  const skipFilter = skipped
    ? sql`exists (select 1 from review_skips s where s.output_id = c.id and s.reviewer_id = ${reviewerId})`
    : sql`not exists (select 1 from review_skips s where s.output_id = c.id and s.reviewer_id = ${reviewerId})`;
  return executeRows<Row>(
    tx,
    sql`with next as (
          select c.id from outputs c
          where c.state = 'pending_review'
            and (c.lease_expires_at is null or c.lease_expires_at <= now())
            and not exists (select 1 from reviews v where v.output_id = c.id and v.reviewer_id = ${reviewerId} and v.undone_at is null)
            and not exists (select 1 from review_adjudications a where a.output_id = c.id and a.resolved_at is null)
            and ${skipFilter}
          order by c.created_at, c.id
          limit ${n}
          for update of c skip locked)
        update outputs o set leased_by = ${reviewerId}, lease_expires_at = now() + make_interval(secs => ${lease})
        from next where o.id = next.id
        returning o.id, o.lease_expires_at`,
  );
}

/** Gives the item back and moves it to the end of this reviewer's queue. */
export async function skipItem(db: Db, reviewer: SessionUser, input: { outputId: string }) {
  return db.transaction(async (tx) => {
    await lockOutputForReviewer(tx, reviewer, input.outputId, { allowExpired: true });
    await tx
      .insert(reviewSkips)
      .values({ outputId: input.outputId, reviewerId: reviewer.id })
      .onConflictDoUpdate({ target: [reviewSkips.outputId, reviewSkips.reviewerId], set: { skippedAt: sql`now()` } });
    await tx.execute(sql`update outputs set leased_by = null, lease_expires_at = null where id = ${input.outputId}`);
    await writeAudit(tx, { actor: actorOf(reviewer), action: 'review.skip', targetType: 'output', targetId: input.outputId });
    return { outputId: input.outputId, skipped: true as const };
  });
}
