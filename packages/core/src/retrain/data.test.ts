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
});
