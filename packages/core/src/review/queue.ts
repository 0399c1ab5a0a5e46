// The review queue: claim-next with a lease (FOR UPDATE SKIP LOCKED, so concurrent reviewers
// never block each other nor get the same item), lease renewal, prefetch, skip.
import { sql } from 'drizzle-orm';
import { executeRows, type Db } from '@musar/db';
import { reviewSkips } from '@musar/db/schema';
import type { SessionUser } from '../common/actor';
import { DEFAULT_HOLD, LEASE_SECONDS } from './rules';
import { lockOutputForReviewer } from './lock';

export type TClaimOptions = { hold?: number; leaseSeconds?: number };
export type THeldItem = { outputId: string; leaseExpiresAt: string };

type Row = { id: string; lease_expires_at: Date | string; created_at?: Date | string };
const toHeld = (r: Row): THeldItem => ({
  outputId: r.id,
  leaseExpiresAt: new Date(r.lease_expires_at).toISOString(),
});

/** Renews the reviewer's live leases and tops them up to `hold` items (current + prefetched), in
 * queue order. Fresh items first; items this reviewer skipped only when nothing else is left.
 * One statement (renew, claim), so a claim is one round trip and atomic without BEGIN. A lease is
 * not a decision: it writes no audit row (the lease itself, outputs.leased_by, is the record),
 * so the audit log holds decisions and consent events, not every item a reviewer looked at. */
export async function claimNext(db: Db, reviewer: SessionUser, opts: TClaimOptions = {}) {
  const hold = opts.hold ?? DEFAULT_HOLD;
  const lease = opts.leaseSeconds ?? LEASE_SECONDS;
  const me = reviewer.id;
  // Routing previews are the operator's, never a reviewer's item. Written as NOT IN (a hashed
  // filter, not a join): as NOT EXISTS, a skewed estimate of that anti-join (all outputs of one
  // request) made PostgreSQL sort every pending row for each claim (15 ms at 8,000 items) instead
  // of walking the queue index to the first free ones (≤ 1 ms). request_id and id are never null.
  const claimable = sql`c.state = 'pending_review'
    and c.request_id not in (select g.id from generation_requests g where g.purpose = 'preview')
    and (c.lease_expires_at is null or c.lease_expires_at <= now())
    and not exists (select 1 from reviews v where v.output_id = c.id and v.reviewer_id = ${me} and v.undone_at is null)
    and not exists (select 1 from review_adjudications a where a.output_id = c.id and a.resolved_at is null)`;
  const rows = await executeRows<Row & { fresh: boolean; was_skipped: boolean }>(
    db,
    sql`with renewed as (
          update outputs set lease_expires_at = now() + make_interval(secs => ${lease})
          where leased_by = ${me} and state = 'pending_review' and lease_expires_at > now()
          returning id, lease_expires_at, created_at),
        fresh as (
          select c.id from outputs c
          where ${claimable} and not exists (select 1 from review_skips s where s.output_id = c.id and s.reviewer_id = ${me})
          order by c.created_at, c.id
          limit greatest(0, ${hold} - (select count(*) from renewed))
          for update of c skip locked),
        skipped as (
          select c.id from review_skips s join outputs c on c.id = s.output_id
          where s.reviewer_id = ${me} and ${claimable}
          order by s.created_at, c.id
          limit greatest(0, ${hold} - (select count(*) from renewed) - (select count(*) from fresh))
          for update of c skip locked),
        claimed as (
          update outputs o set leased_by = ${me}, lease_expires_at = now() + make_interval(secs => ${lease})
          where o.id in (select id from fresh union all select id from skipped)
          returning o.id, o.lease_expires_at, o.created_at, o.id in (select id from skipped) as was_skipped)
        select id, lease_expires_at, created_at, false as fresh, false as was_skipped from renewed
        union all select id, lease_expires_at, created_at, true, was_skipped from claimed`,
  );
  // held items first (queue order), then the new ones (queue order); skipped ones come last
  const held = rows.filter((r) => !r.fresh).sort(byQueue);
  const claimed = rows.filter((r) => r.fresh);
  claimed.sort((x, y) => Number(x.was_skipped) - Number(y.was_skipped) || byQueue(x, y));
  return { items: [...held, ...claimed].map(toHeld) };
}

const byQueue = (a: Row, b: Row) =>
  +new Date(a.created_at!) - +new Date(b.created_at!) || a.id.localeCompare(b.id);

/** Gives the item back and moves it to the end of this reviewer's queue. The review log of skips
 * is review_skips (who, which item, when); like a claim, a skip is no decision and writes no
 * audit row. */
export async function skipItem(db: Db, reviewer: SessionUser, input: { outputId: string }) {
  return db.transaction(async (tx) => {
    await lockOutputForReviewer(tx, reviewer, input.outputId, { allowExpired: true });
    await tx
      .insert(reviewSkips)
      .values({ outputId: input.outputId, reviewerId: reviewer.id })
      .onConflictDoUpdate({
        target: [reviewSkips.outputId, reviewSkips.reviewerId],
        set: { skippedAt: sql`now()` },
      });
    await tx.execute(
      sql`update outputs set leased_by = null, lease_expires_at = null where id = ${input.outputId}`,
    );
    return { outputId: input.outputId, skipped: true as const };
  });
}
