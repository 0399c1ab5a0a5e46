// Retries with backoff and dead-lettering: a compute pool whose thread crashes on every attempt
// (a stand-in for an OOM-killed thread) makes the job retry, then land in `generate_dead`, where
// the dead-letter consumer records it. On a throwaway PostgreSQL.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { auditLog, generationRequests, outputs } from '@musar/db/schema';
import type PgBoss from 'pg-boss';
import { createLogger } from '../log';
import { createMetrics } from '../metrics';
import type { TComputePool } from '../pool';
import { startBoss } from '@musar/core/jobs/boss';
import { jobState } from '@musar/core/jobs/job-sql';
import { startRunner, type TRunner } from '../runner';
import {
  createPostgresTestDatabase,
  enqueueTestGeneration,
  insertToySubject,
} from '@musar/core/testing/jobs';

let env: Awaited<ReturnType<typeof createPostgresTestDatabase>>;
let boss: PgBoss;
let runner: TRunner;
const metrics = createMetrics({ db: () => null, role: 'worker', defaults: false });
let attempts = 0;
const crashingPool: TComputePool = {
  threads: 1,
  probe: async () => [{ backend: 'wasm', note: 'test', threadId: 1 }],
  generate: async () => {
    attempts++;
    throw new Error('compute thread exited (code 134)');
  },
  close: async () => {},
};

beforeAll(async () => {
  env = await createPostgresTestDatabase();
  boss = await startBoss(env.handle, { maintenanceIntervalSeconds: 1 });
  runner = await startRunner({
    handle: env.handle,
    boss,
    pool: crashingPool,
    log: createLogger('test', 'silent'),
    metrics,
    pollingIntervalSeconds: 0.5,
  });
});
afterAll(async () => {
  await runner?.stop(1000);
  await boss?.stop({ graceful: false, wait: true });
  await env?.drop();
});

it('retries a failing job with backoff, then dead-letters it and fails the request', async () => {
  const a = await insertToySubject(env.handle.db, 31);
  const b = await insertToySubject(env.handle.db, 32);
  // 1 retry, 1 s base delay with backoff (the queue's 3 × 5 s would make this test slow).
  const { requestId, jobId } = await enqueueTestGeneration(
    env.handle.db,
    { subjectIds: [a, b], prompt: 'a toy', count: 1, seed: 1, steps: 2 },
    { retryLimit: 1, retryDelay: 1 },
  );
  const deadline = Date.now() + 60_000;
  let dead: unknown[] = [];
  while (Date.now() < deadline && dead.length === 0) {
    await new Promise((r) => setTimeout(r, 250));
    dead = await env.handle.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, 'job.dead_letter'));
  }
  expect(dead).toHaveLength(1);
  expect(attempts).toBe(2);
  const [req] = await env.handle.db
    .select()
    .from(generationRequests)
    .where(eq(generationRequests.id, requestId));
  expect(req!.state).toBe('failed');
  expect(req!.error).toBe('failed after 2 attempts: compute thread exited (code 134)');
  expect(
    await env.handle.db.select().from(outputs).where(eq(outputs.requestId, requestId)),
  ).toHaveLength(0);
  expect(await jobState(env.handle.db, 'generate', jobId)).toEqual({
    state: 'failed',
    retryCount: 1,
  });
  const starts = await env.handle.db
    .select()
    .from(auditLog)
    .where(eq(auditLog.targetId, requestId));
  expect(
    starts
      .filter((s) => s.action === 'generation.start')
      .map((s) => (s.after as { attempt: number }).attempt),
  ).toEqual([0, 1]);
  expect((await metrics.deadLettered.get()).values[0]?.value).toBe(1);
  const outcomes = (await metrics.jobs.get()).values.map((v) => v.labels.outcome);
  expect(outcomes).toContain('error');
});
