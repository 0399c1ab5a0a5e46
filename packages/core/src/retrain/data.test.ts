// Issue 15, finding 5: one approved output without a routing map made every retrain fail
// (feedbackSamples threw for it). It is now left out of the new data, and counted.
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeRows, type DbHandle } from '@musar/db';
import { outputs } from '@musar/db/schema';
import { createTestDb } from '@musar/db/testing';
import { startBoss } from '../jobs/boss';
import { insertTestUser } from '../testing/users';
import type { SessionUser } from '../common/actor';
import { seedGeneration, seedSubject } from '../testing/consent-fixtures';
import { newFeedbackData, startRetrain } from './retrain';
import { feedbackSamples } from './data';
import { nextBatch, stageConfig, type TTrainSample } from '@musar/trainer';
import { seedReviewItems } from '../testing/review-fixtures';
import { claimNext } from '../review/queue';
import { decide, undoLast } from '../review/decide';
import { STRENGTH_STEP } from '../review/rules';
import type { TStrengthFeedback } from '../review/rules';

let handle: DbHandle;
let admin: SessionUser;
beforeAll(async () => {
  handle = await createTestDb();
  admin = await insertTestUser(handle.db, 'admin');
  // the pg-boss schema and queues, so startRetrain can enqueue
  const boss = await startBoss(handle);
  await boss.stop({ graceful: false, wait: true });
});
afterAll(() => handle.close());

describe('retrain data', () => {
  it('an approved output without a routing map is left out, not failing the retrain', async () => {
    const a = await seedSubject(handle.db, admin);
    const b = await seedSubject(handle.db, admin);
    const gen = await seedGeneration(handle.db, [a.id, b.id], {
      outputs: ['approved', 'approved', 'approved'],
    });
    const [good, noMap, notSquare] = gen.outputIds as [string, string, string];
    const square = Array.from({ length: 8 }, (_, r) =>
      Array.from({ length: 8 }, (_, c) => (c < 4 ? 0 : r < 4 ? 1 : -1)),
    );
    await handle.db.update(outputs).set({ routingMap: square }).where(eq(outputs.id, good));
    await handle.db.update(outputs).set({ routingMap: null }).where(eq(outputs.id, noMap));
    await handle.db
      .update(outputs)
      .set({ routingMap: [[0, 1, 1]] })
      .where(eq(outputs.id, notSquare));

    // before the fix the bad outputs were in the new data, and feedbackSamples threw on them
    await expect(feedbackSamples(handle.db, [good, noMap])).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
    });

    const data = await newFeedbackData(handle.db);
    expect(data.outputIds).toEqual([good]);
    expect(data.withoutRoutingMapOutputIds.sort()).toEqual([noMap, notSquare].sort());
    const samples = await feedbackSamples(handle.db, data.outputIds);
    expect(samples.map((s) => s.outputId)).toEqual([good]);
    expect(samples[0]!.regionGrid).toHaveLength(64);

    const started = await startRetrain(handle.db, 'system');
    expect(started.newApproved).toBe(1);
    const [audit] = await executeRows<{ after: Record<string, unknown> }>(
      handle.db,
      sql`select after from audit_log where action = 'model.retrain_requested' order by id desc limit 1`,
    );
    expect(audit!.after).toMatchObject({ newApproved: 1, withoutRoutingMap: 2 });
  });

  it('strength votes travel with the samples and change what the retrain draws', async () => {
    const reviewer = await insertTestUser(handle.db, 'reviewer');
    const seeded = await seedReviewItems(handle.db, {
      count: 3,
      subjects: 2,
      consentScopes: ['generate', 'train'],
    });
    const [a, b] = seeded.subjectIds as [string, string];
    await handle.db.execute(
      sql`update generation_requests set routing_params = routing_params || '{"strength":[1.2,1]}'::jsonb where id = ${seeded.requestId}`,
    );
    const vote = async (strength?: Record<string, TStrengthFeedback>) => {
      const outputId = (await claimNext(handle.db, reviewer, { hold: 1 })).items[0]!.outputId;
      await decide(handle.db, reviewer, { outputId, decision: 'approve', strength });
      return outputId;
    };
    const confirmed = await vote({ [a]: 'right', [b]: 'right' });
    const off = await vote({ [a]: 'too_strong', [b]: 'too_weak' });
    // a vote undone does not count: the same output approved again without one
    await vote({ [a]: 'too_weak', [b]: 'too_weak' });
    await undoLast(handle.db, reviewer);
    const unvoted = await vote();

    const samples = await feedbackSamples(handle.db, [confirmed, off, unvoted]);
    const [c, o, u] = samples as [(typeof samples)[0], (typeof samples)[0], (typeof samples)[0]];
    expect(u.outputId).toBe(unvoted);
    // the strengths the votes favour (used × (1 + STRENGTH_STEP × mean vote)), per subject
    expect(c.strength).toMatchObject({
      used: [1.2, 1],
      favoured: [1.2, 1],
      votes: { tooWeak: 0, right: 2, tooStrong: 0 },
      weight: 1.5,
    });
    expect(o.strength!.favoured[0]).toBeCloseTo(1.2 * (1 - STRENGTH_STEP), 9);
    expect(o.strength!.favoured[1]).toBeCloseTo(1 + STRENGTH_STEP, 9);
    expect(o.strength).toMatchObject({
      votes: { tooWeak: 1, right: 0, tooStrong: 1 },
      weight: 0.5,
    });
    expect(u.strength).toBeNull();
    expect(samples.map((s) => s.weight)).toEqual([1.5, 0.5, 1]);

    // the retrain's input: the feedback batches draw each output by its weight
    const stage = stageConfig('feedback', { batchSize: 8, data: { feedback: 1 } });
    const draws = (pool: TTrainSample[]) => {
      const counts = new Map<TTrainSample, number>();
      for (let step = 0; step < 300; step++)
        for (const s of nextBatch(stage, step, pool)) counts.set(s, (counts.get(s) ?? 0) + 1);
      return pool.map((s) => (counts.get(s) ?? 0) / (300 * 8));
    };
    const voted = draws(samples);
    expect(voted[0]).toBeCloseTo(1.5 / 3, 1);
    expect(voted[1]).toBeCloseTo(0.5 / 3, 1);
    expect(voted[2]).toBeCloseTo(1 / 3, 1);
    // without the votes every output is drawn as often as the others
    for (const p of draws(samples.map((s) => ({ ...s, weight: 1 }))))
      expect(p).toBeCloseTo(1 / 3, 2);
  });
});
