// k-of-n consensus, adjudication, agreement (decisions and repaint IoU), history, stats and the
// per-routing-config strength suggestion.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeRows, type DbHandle } from '@musar/db';
import { createTestDb } from '@musar/db/testing';
import { callerFor, insertTestUser, type Caller } from '../testing';
import type { SessionUser } from '../context';
import { seedReviewItems } from '@musar/core/testing/review-fixtures';
import { regionIoU } from '@musar/core/review/routing-map';
import { STRENGTH_STEP } from '@musar/core/review/rules';

let handle: DbHandle;
let users: SessionUser[];
let as: Caller[];
let operator: Caller;
let seed: Awaited<ReturnType<typeof seedReviewItems>>;

beforeAll(async () => {
  handle = await createTestDb();
  users = [];
  for (const name of ['A', 'B', 'C']) users.push(await insertTestUser(handle.db, 'reviewer', name));
  as = users.map((u) => callerFor(handle.db, u));
  operator = callerFor(handle.db, await insertTestUser(handle.db, 'operator'));
  seed = await seedReviewItems(handle.db, { count: 2, subjects: 2, consensusK: 2 });
});
afterAll(() => handle.close());

const stateOf = async (id: string) =>
  (
    await executeRows<{ state: string }>(handle.db, sql`select state from outputs where id = ${id}`)
  )[0]!.state;

describe('k-of-n consensus', () => {
  const [x, y] = [0, 1];
  it('an item needs k distinct reviewers; agreement decides it, disagreement goes to adjudication', async () => {
    const ox = seed.outputIds[x]!;
    const oy = seed.outputIds[y]!;
    // A decides both (one by one), repainting x
    const painted = seed.map.map((c) => (c === 1 ? 0 : c)); // A: subject 0 everywhere subject 1 was
    expect((await as[0]!.review.next({ hold: 1 })).items[0]!.outputId).toBe(ox);
    expect(
      await as[0]!.review.decide({
        outputId: ox,
        decision: 'approve',
        repaint: { rows: 8, cols: 8, cells: painted },
      }),
    ).toMatchObject({ state: 'pending_review', decisions: 1, needed: 2 });
    expect((await as[0]!.review.next({ hold: 1 })).items[0]!.outputId).toBe(oy);
    await as[0]!.review.decide({ outputId: oy, decision: 'approve' });
    // A has nothing left: never the same item twice
    expect((await as[0]!.review.next()).items).toEqual([]);
    // B agrees on x (with the original map as repaint), disagrees on y
    const b = await as[1]!.review.next();
    expect(b.items.map((i) => i.outputId)).toEqual([ox, oy]);
    expect(
      await as[1]!.review.decide({
        outputId: ox,
        decision: 'approve',
        repaint: { rows: 8, cols: 8, cells: seed.map },
      }),
    ).toMatchObject({ state: 'approved' });
    expect(
      await as[1]!.review.decide({
        outputId: oy,
        decision: 'reject',
        reasons: ['missing_subject'],
      }),
    ).toMatchObject({ state: 'pending_review', inAdjudication: true });
    expect(await stateOf(oy)).toBe('pending_review');
    // in adjudication, no longer in anyone's queue
    expect((await as[2]!.review.next()).items).toEqual([]);
    const queue = await as[2]!.review.insights.adjudications();
    expect(queue.map((q) => q.outputId)).toEqual([oy]);
    expect(queue[0]!.votes).toHaveLength(2);
    // A took part: may not adjudicate; C does
    await expect(
      as[0]!.review.insights.adjudicate({ outputId: oy, decision: 'approve' }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(
      await as[2]!.review.insights.adjudicate({
        outputId: oy,
        decision: 'reject',
        reasons: ['missing_subject'],
      }),
    ).toEqual({ outputId: oy, state: 'rejected' });
    await expect(
      as[2]!.review.insights.adjudicate({ outputId: oy, decision: 'approve' }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await as[2]!.review.insights.adjudications()).toEqual([]);
    // B's decision on y stands after adjudication: undo is refused
    await expect(as[1]!.review.undo()).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringMatching(/adjudicated/),
    });
  });

  it('agreement: per reviewer against the final decision, per subject as repaint IoU', async () => {
    const report = await operator.review.insights.agreement();
    expect(report.perReviewer).toHaveLength(2);
    const a = report.perReviewer.find((r) => r.reviewerId === users[0]!.id)!;
    const b = report.perReviewer.find((r) => r.reviewerId === users[1]!.id)!;
    expect(a).toMatchObject({ decided: 2, agreed: 1, rate: 0.5 });
    expect(b).toMatchObject({ decided: 2, agreed: 2, rate: 1 });
    const painted = seed.map.map((c) => (c === 1 ? 0 : c));
    const iou0 = regionIoU(painted, seed.map, 0)!;
    expect(iou0).toBeCloseTo(0.5, 5); // A's subject 0 covers both bands, B's one of them
    const s0 = report.perSubject.find((s) => s.subjectId === seed.subjectIds[0])!;
    const s1 = report.perSubject.find((s) => s.subjectId === seed.subjectIds[1])!;
    expect(s0.meanIoU).toBeCloseTo(iou0, 6);
    expect(s1.meanIoU).toBe(0); // A painted subject 1 away entirely
    expect(a.repaintIoU).toBeCloseTo((iou0 + 0) / 2, 6);
  });

  it('history filters by decision, reason, reviewer and pages; stats count my work', async () => {
    const all = await operator.review.insights.history({ limit: 3 });
    expect(all.items).toHaveLength(3);
    const rest = await operator.review.insights.history({ limit: 3, cursor: all.nextCursor! });
    expect(rest.items).toHaveLength(2);
    expect(rest.nextCursor).toBeNull();
    expect(new Set([...all.items, ...rest.items].map((i) => i.reviewId)).size).toBe(5); // 4 reviews + 1 adjudication
    const rejects = await operator.review.insights.history({ reason: 'missing_subject' });
    // B's reject and C's adjudication, newest first
    expect(rejects.items.map((i) => [i.kind, i.reviewerId])).toEqual([
      ['adjudication', users[2]!.id],
      ['review', users[1]!.id],
    ]);
    const mine = await as[0]!.review.insights.history({
      reviewerId: users[0]!.id,
      decision: 'approve',
    });
    expect(mine.items).toHaveLength(2);
    const stats = await as[1]!.review.insights.myStats();
    expect(stats.throughput).toMatchObject({ decisions: 2, approved: 1, rejected: 1, undone: 0 });
    expect(stats.agreement).toMatchObject({ decided: 2, agreed: 2 });
    await expect(operator.review.insights.history({ cursor: 'x' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
  });
});

describe('routing-weight feedback', () => {
  it('is aggregated per routing config into a suggested strength per subject', async () => {
    const fresh = await createTestDb();
    try {
      const s = await seedReviewItems(fresh.db, { count: 4, subjects: 2 });
      await fresh.db.execute(
        sql`update generation_requests set routing_params = routing_params || '{"strength":[1.2,1]}'::jsonb where id = ${s.requestId}`,
      );
      const r = callerFor(fresh.db, await insertTestUser(fresh.db, 'reviewer'));
      const votes: ['too_weak' | 'right' | 'too_strong', 'too_weak' | 'right' | 'too_strong'][] = [
        ['too_weak', 'too_strong'],
        ['too_weak', 'right'],
        ['right', 'too_strong'],
        ['too_weak', 'too_strong'],
      ];
      for (const [v0, v1] of votes) {
        const id = (await r.review.next({ hold: 1 })).items[0]!.outputId;
        await r.review.decide({
          outputId: id,
          decision: 'approve',
          strength: { [s.subjectIds[0]!]: v0, [s.subjectIds[1]!]: v1 },
        });
      }
      const op = callerFor(fresh.db, await insertTestUser(fresh.db, 'operator'));
      const [cfg] = await op.review.insights.strengthSuggestions({
        routingConfigId: s.routingConfigId,
      });
      const bySubject = Object.fromEntries(cfg!.subjects.map((x) => [x.subjectId, x]));
      expect(bySubject[s.subjectIds[0]!]).toMatchObject({
        votes: 4,
        tooWeak: 3,
        right: 1,
        tooStrong: 0,
        currentStrength: 1.2,
      });
      expect(bySubject[s.subjectIds[0]!]!.suggestedStrength).toBeCloseTo(
        1.2 * (1 + STRENGTH_STEP * 0.75),
        9,
      );
      expect(bySubject[s.subjectIds[1]!]!.suggestedStrength).toBeCloseTo(
        1 * (1 - STRENGTH_STEP * 0.75),
        9,
      );
      await expect(r.review.insights.strengthSuggestions()).rejects.toMatchObject({
        code: 'FORBIDDEN',
      });
    } finally {
      await fresh.close();
    }
  });
});
