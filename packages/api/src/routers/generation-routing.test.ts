// Issue 15, finding 9: generation.create accepted routing overrides the model rejects (strength
// length ≠ subjects, layer ≥ depth); the worker then retried the hopeless job. Now refused at
// create against the model the worker will use, and nothing is written or enqueued.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeRows, type DbHandle } from '@musar/db';
import { generationRequests, modelVersions } from '@musar/db/schema';
import { createTestDb } from '@musar/db/testing';
import { startBoss } from '@musar/core/jobs/boss';
import { insertToySubject } from '@musar/core/testing/jobs';
import { callerFor, insertTestUser, type Caller } from '../testing';

let handle: DbHandle;
let operator: Caller;
let a: string, b: string;

beforeAll(async () => {
  handle = await createTestDb();
  const boss = await startBoss(handle);
  await boss.stop({ graceful: false, wait: true });
  operator = callerFor(handle.db, await insertTestUser(handle.db, 'operator'));
  a = await insertToySubject(handle.db, 11);
  b = await insertToySubject(handle.db, 12);
});
afterAll(() => handle?.close());

const counts = async () => {
  const [row] = await executeRows<{ requests: number; jobs: number }>(
    handle.db,
    sql`select (select count(*)::int from generation_requests) as requests,
               (select count(*)::int from pgboss.job where name = 'generate') as jobs`,
  );
  return row!;
};
const create = (routing: Record<string, unknown>) =>
  operator.generation.create({
    subjectIds: [a, b],
    prompt: 'a star toy left of a moon toy',
    count: 1,
    seed: 1,
    steps: 4,
    routing,
  });

describe('generation.create validates routing against the model', () => {
  it('refuses a strength per subject of the wrong length and a layer beyond the depth', async () => {
    // a serving base of depth 3 with an 8×8 patch grid
    await handle.db.insert(modelVersions).values({
      kind: 'base',
      name: 'base-depth-3',
      state: 'serving',
      promotedAt: new Date(),
      config: { depth: 3, imageSize: 32, patchSize: 4 },
    });
    const before = await counts();
    for (const routing of [
      { strength: [1, 1, 1] }, // 3 entries for 2 subjects
      { layers: [3] }, // layer 3 of a depth-3 model
    ]) {
      await expect(create(routing), JSON.stringify(routing)).rejects.toMatchObject({
        code: 'BAD_REQUEST',
        message: expect.stringMatching(/routing parameters/),
      });
    }
    expect(await counts()).toEqual(before);
    // within the model's limits it is accepted
    const ok = await create({ strength: [1, 1.2], layers: [2] });
    expect(ok.state).toBe('queued');
    expect(await counts()).toEqual({ requests: before.requests + 1, jobs: before.jobs + 1 });
    const rows = await handle.db.select().from(generationRequests);
    expect(rows).toHaveLength(before.requests + 1);
  });

  it('checks a saved routing config against the serving model (no version named)', async () => {
    await expect(
      operator.routing.create({ name: 'too-deep', params: { layers: [3] } }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/< depth 3/) });
    const cfg = await operator.routing.create({ name: 'fits', params: { layers: [2] } });
    // generating with it: checked again against the same model, then queued
    const req = await operator.generation.create({
      subjectIds: [a, b],
      prompt: 'a star toy left of a moon toy',
      count: 1,
      seed: 1,
      routingConfigId: cfg.id,
    });
    expect(req.routingParams).toEqual({ layers: [2] });
    expect(req.stepsPerImage).toBe(20);
  });
});
