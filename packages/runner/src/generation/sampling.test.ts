// A model's own sampling defaults reach the sampler: the model card's `sampling.guidance` (the
// chosen version's: an adapter's, not its base's) goes from the stored card through the handler
// into the compute task, and from the task into `generate`'s options. On a throwaway PostgreSQL,
// with a compute pool that records the task it is handed instead of computing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import type PgBoss from 'pg-boss';
import { generationRequests, modelVersions } from '@musar/db/schema';
import { getPreset } from '@musar/model/config';
import { startBoss } from '@musar/core/jobs/boss';
import {
  createPostgresTestDatabase,
  enqueueTestGeneration,
  insertToySubject,
} from '@musar/core/testing/jobs';
import { createLogger } from '../log';
import { createMetrics } from '../metrics';
import type { TComputePool } from '../pool';
import { startRunner, type TRunner } from '../runner';
import { sampleOptions } from '../thread/sample-options';
import type { TGenerateTask } from '../thread/types';

describe('sampleOptions: what the compute thread passes to generate', () => {
  const task = { steps: 7, routing: {} };
  it("passes the task's guidance, and none (the sampler's default) without it", () => {
    const guidance = { prompt: 1.5, reference: 4.5 };
    expect(sampleOptions({ ...task, guidance }, 11)).toEqual({
      steps: 7,
      seed: 11,
      routing: {},
      guidance,
    });
    expect(sampleOptions(task, 11)).toEqual({ steps: 7, seed: 11, routing: {} });
    expect(sampleOptions(task, 11)).not.toHaveProperty('guidance');
  });
});

let env: Awaited<ReturnType<typeof createPostgresTestDatabase>>;
let boss: PgBoss;
let runner: TRunner;
const seen: Omit<TGenerateTask, 'kind' | 'progress'>[] = [];
/** Records the task, then stops the job with a deterministic error (no retry, no outputs). */
const recordingPool: TComputePool = {
  threads: 1,
  probe: async () => [{ backend: 'cpu', note: 'test', threadId: 1 }],
  generate: async (task) => {
    seen.push(task);
    throw Object.assign(new Error('recorded, not computed'), { name: 'InvalidInputError' });
  },
  close: async () => {},
};
let subjectIds: string[];

async function insertVersion(values: {
  kind: 'base' | 'adapter';
  name: string;
  parentId?: string;
  modelCard?: Record<string, unknown>;
}): Promise<string> {
  const [row] = await env.handle.db
    .insert(modelVersions)
    .values({
      ...values,
      state: 'candidate',
      config: getPreset('tiny'),
      checkpoint: new Uint8Array([1, 2, 3]), // never decoded: the pool records the task
    })
    .returning({ id: modelVersions.id });
  return row!.id;
}

/** Runs a generation on `modelVersionId`; the request's final row and the task the pool got. */
async function generateWith(modelVersionId: string) {
  const before = seen.length;
  const { requestId } = await enqueueTestGeneration(env.handle.db, {
    subjectIds,
    prompt: 'a toy',
    count: 1,
    seed: 1,
    steps: 5,
    modelVersionId,
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const [req] = await env.handle.db
      .select()
      .from(generationRequests)
      .where(eq(generationRequests.id, requestId));
    if (req!.state === 'failed' || req!.state === 'succeeded')
      return { request: req!, task: seen.length > before ? seen.at(-1)! : null };
    if (Date.now() > deadline) throw new Error(`request ${requestId} did not finish`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  env = await createPostgresTestDatabase();
  boss = await startBoss(env.handle, { maintenanceIntervalSeconds: 1 });
  runner = await startRunner({
    handle: env.handle,
    boss,
    pool: recordingPool,
    log: createLogger('test', 'silent'),
    metrics: createMetrics({ db: () => null, role: 'worker', defaults: false }),
    pollingIntervalSeconds: 0.5,
  });
  subjectIds = [
    await insertToySubject(env.handle.db, 21),
    await insertToySubject(env.handle.db, 22),
  ];
});
afterAll(async () => {
  await runner?.stop(1000);
  await boss?.stop({ graceful: false, wait: true });
  await env?.drop();
});

describe("generation with the model card's sampling defaults", () => {
  let baseId: string;
  beforeAll(async () => {
    baseId = await insertVersion({
      kind: 'base',
      name: 'base',
      modelCard: { name: 'base', sampling: { guidance: { prompt: 7, reference: 7 } } },
    });
  });

  it("hands the adapter card's guidance to the compute thread, and the request's steps", async () => {
    const id = await insertVersion({
      kind: 'adapter',
      name: 'identity',
      parentId: baseId,
      modelCard: {
        name: 'identity',
        sampling: { guidance: { prompt: 1.5, reference: 4.5 }, steps: 30 },
      },
    });
    const { task } = await generateWith(id);
    expect(task?.guidance).toEqual({ prompt: 1.5, reference: 4.5 });
    expect(task?.steps).toBe(5); // the request's steps win over the card's 30
    expect(sampleOptions(task!, 1).guidance).toEqual({ prompt: 1.5, reference: 4.5 });
  });

  it("an adapter without `sampling` gets the sampler's defaults, not its base's scales", async () => {
    const id = await insertVersion({
      kind: 'adapter',
      name: 'plain',
      parentId: baseId,
      modelCard: { name: 'plain' },
    });
    const { task } = await generateWith(id);
    expect(task).not.toBeNull();
    expect(task).not.toHaveProperty('guidance');
    // the base on its own uses its own card
    expect((await generateWith(baseId)).task?.guidance).toEqual({ prompt: 7, reference: 7 });
  });

  it('fails a request on a card with guidance out of range, naming the version and the field', async () => {
    const id = await insertVersion({
      kind: 'adapter',
      name: 'broken',
      parentId: baseId,
      modelCard: { name: 'broken', sampling: { guidance: { prompt: 999, reference: 3 } } },
    });
    const { request, task } = await generateWith(id);
    expect(task).toBeNull(); // refused before any compute
    expect(request.state).toBe('failed');
    expect(request.error).toMatch(
      /model version "broken": invalid "sampling" in the model card: sampling\.guidance\.prompt: /,
    );
  });
});
