// The queue through the router: leases, prefetch, expiry, skip, and that two reviewers never hold
// the same item (run against PGlite and, in the `postgres` project, real PostgreSQL).
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeRows, type DbHandle } from '@musar/db';
import { createTestDb } from '@musar/db/testing';
import { callerFor, insertTestUser, type Caller } from '../testing';
import type { SessionUser } from '../context';
import { seedReviewItems } from '@musar/core/testing/review-fixtures';

let handle: DbHandle;
let alice: SessionUser, bob: SessionUser;
let asAlice: Caller, asBob: Caller;
let outputIds: string[];

beforeAll(async () => {
  handle = await createTestDb();
  alice = await insertTestUser(handle.db, 'reviewer', 'Alice');
  bob = await insertTestUser(handle.db, 'reviewer', 'Bob');
  asAlice = callerFor(handle.db, alice);
  asBob = callerFor(handle.db, bob);
  outputIds = (await seedReviewItems(handle.db, { count: 6 })).outputIds;
});
afterAll(() => handle.close());

const holder = async (id: string) =>
  (
    await executeRows<{ leased_by: string | null }>(
      handle.db,
      sql`select leased_by from outputs where id = ${id}`,
    )
  )[0]!.leased_by;
const expire = (id: string) =>
  handle.db.execute(
    sql`update outputs set lease_expires_at = now() - interval '1 second' where id = ${id}`,
  );
const audits = async (action: string) =>
  (
    await executeRows<{ n: number }>(
      handle.db,
      sql`select count(*)::int as n from audit_log where action = ${action}`,
    )
  )[0]!.n;

describe('review queue', () => {
  it('claims the current item plus one prefetched, oldest first, and renews rather than re-claims', async () => {
    const first = await asAlice.review.next();
    expect(first.items.map((i) => i.outputId)).toEqual([outputIds[0], outputIds[1]]);
    const again = await asAlice.review.next();
    expect(again.items.map((i) => i.outputId)).toEqual([outputIds[0], outputIds[1]]);
    expect(Date.parse(again.items[0]!.leaseExpiresAt)).toBeGreaterThanOrEqual(
      Date.parse(first.items[0]!.leaseExpiresAt),
    );
    // a lease is no decision: no audit row for claims (the audit log holds decisions)
    expect(await audits('review.claim')).toBe(0);
  });

  it('never gives a held item to another reviewer, even when both claim at once', async () => {
    const [a, b] = await Promise.all([
      asAlice.review.next({ hold: 3 }),
      asBob.review.next({ hold: 3 }),
    ]);
    const ids = [...a.items, ...b.items].map((i) => i.outputId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(6);
    for (const item of b.items) expect(await holder(item.outputId)).toBe(bob.id);
  });

  it('an expired lease frees the item for others; the old holder may no longer decide it', async () => {
    const mine = (await asAlice.review.next({ hold: 3 })).items[0]!.outputId;
    await expire(mine);
    const bobs = await asBob.review.next({ hold: 4 });
    expect(bobs.items.map((i) => i.outputId)).toContain(mine);
    await expect(
      asAlice.review.decide({ outputId: mine, decision: 'approve' }),
    ).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: expect.stringMatching(/do not hold this item/),
    });
  });

  it('a decision after the lease expired (nobody else claimed it) is refused and changes nothing', async () => {
    const mine = (await asAlice.review.next({ hold: 2 })).items[0]!.outputId;
    await expire(mine);
    const before = await audits('review.decide');
    await expect(
      asAlice.review.decide({ outputId: mine, decision: 'approve' }),
    ).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: expect.stringMatching(/lease on this item expired at .*nothing was saved/),
    });
    const [row] = await executeRows<{ state: string; n: number }>(
      handle.db,
      sql`select state, (select count(*)::int from reviews where output_id = ${mine}) as n from outputs where id = ${mine}`,
    );
    expect(row).toEqual({ state: 'pending_review', n: 0 });
    expect(await audits('review.decide')).toBe(before);
  });

  it('skip hands the item back and puts it last in my queue only', async () => {
    const fresh = await createTestDb();
    try {
      const carol = await insertTestUser(fresh.db, 'reviewer', 'Carol');
      const dave = await insertTestUser(fresh.db, 'reviewer', 'Dave');
      const ids = (await seedReviewItems(fresh.db, { count: 3 })).outputIds;
      const asCarol = callerFor(fresh.db, carol);
      const [first] = (await asCarol.review.next({ hold: 1 })).items;
      expect(first!.outputId).toBe(ids[0]);
      await asCarol.review.skip({ outputId: ids[0]! });
      expect((await asCarol.review.next({ hold: 1 })).items[0]!.outputId).toBe(ids[1]);
      // Dave did not skip it: he gets it first
      expect((await callerFor(fresh.db, dave).review.next({ hold: 1 })).items[0]!.outputId).toBe(
        ids[0],
      );
      await expect(asCarol.review.skip({ outputId: ids[2]! })).rejects.toMatchObject({
        code: 'PRECONDITION_FAILED',
      });
    } finally {
      await fresh.close();
    }
  });

  it('twelve reviewers claiming at once hold disjoint items and leave the rest queued', async () => {
    const fresh = await createTestDb();
    try {
      const ids = (await seedReviewItems(fresh.db, { count: 40 })).outputIds;
      const callers = [];
      for (let i = 0; i < 12; i++)
        callers.push(callerFor(fresh.db, await insertTestUser(fresh.db, 'reviewer', `R${i}`)));
      const held = (await Promise.all(callers.map((c) => c.review.next({ hold: 3 })))).flatMap(
        (r) => r.items.map((i) => i.outputId),
      );
      expect(held).toHaveLength(36);
      expect(new Set(held).size).toBe(36);
      const rows = await executeRows<{ n: number }>(
        fresh.db,
        sql`select count(*)::int as n from outputs where leased_by is not null`,
      );
      expect(rows[0]!.n).toBe(36);
      // the four left are the newest: the queue is served oldest first
      expect(ids.filter((id) => !held.includes(id))).toEqual(ids.slice(36));
    } finally {
      await fresh.close();
    }
  });

  it('is empty when everything is held or decided', async () => {
    const eve = callerFor(handle.db, await insertTestUser(handle.db, 'reviewer', 'Eve'));
    await handle.db.execute(
      sql`update outputs set lease_expires_at = now() + interval '1 hour', leased_by = ${bob.id}`,
    );
    expect((await eve.review.next()).items).toEqual([]);
  });
});
