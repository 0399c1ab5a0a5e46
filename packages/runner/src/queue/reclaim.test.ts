// Reclaiming the jobs of dead workers (issue 15 #8), on a throwaway PostgreSQL: a job whose owner
// holds no liveness lock is failed (retried, or failed for good on its last attempt) and its request
// put back, with audit entries; a live owner's job — alive through its advisory lock held on another
// connection, not only through this process's registry — is left alone.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import type PgBoss from 'pg-boss';
import { auditLog, generationRequests } from '@musar/db/schema';
import { startBoss } from '@musar/core/jobs/boss';
import { jobState } from '@musar/core/jobs/job-sql';
import { holdOwnership, reclaimOrphans, recordOwner } from './reclaim';
import {
  createPostgresTestDatabase,
  enqueueTestGeneration,
  insertToySubject,
} from '@musar/core/testing/jobs';

let env: Awaited<ReturnType<typeof createPostgresTestDatabase>>;
let boss: PgBoss;

beforeAll(async () => {
  env = await createPostgresTestDatabase();
  boss = await startBoss(env.handle);
});
afterAll(async () => {
  await boss?.stop({ graceful: false, wait: true });
  await env?.drop();
});

/** A job started as a runner starts it: fetched (active), owned, its request `running`. */
async function startedJob(owner: string, retryLimit: number) {
  const db = env.handle.db;
  const [a, b] = [
    await insertToySubject(db, Math.floor(Math.random() * 1e6)),
    await insertToySubject(db, Math.floor(Math.random() * 1e6)),
  ];
  const { requestId, jobId } = await enqueueTestGeneration(
    db,
    { subjectIds: [a!, b!], prompt: 'a toy', count: 1, seed: 1 },
    { retryLimit },
  );
  const [job] = await boss.fetch('generate', { batchSize: 1 });
  expect(job?.id).toBe(jobId);
  await recordOwner(db, { id: jobId, name: 'generate' }, owner);
  await db
    .update(generationRequests)
    .set({ state: 'running', jobId })
    .where(eq(generationRequests.id, requestId));
  return { requestId, jobId };
}

const requestOf = async (id: string) =>
  (await env.handle.db.select().from(generationRequests).where(eq(generationRequests.id, id)))[0]!;

it('fails the jobs of dead owners (retry, or failed on the last attempt) and leaves live owners alone', async () => {
  const live = await holdOwnership(env.handle);
  // Forget it in this process: only its advisory lock (another connection) says it is alive now.
  (globalThis as unknown as Record<symbol, Set<string>>)[
    Symbol.for('musar.worker.liveOwners')
  ]!.delete(live.owner);
  const alive = await startedJob(live.owner, 3);
  const dead = await startedJob('host:4242:dead00/abc123', 3);
  const deadLast = await startedJob('host:4243:dead01/abc124', 0);

  const reclaimed = await reclaimOrphans(env.handle);
  expect(reclaimed.map((r) => r.jobId).sort()).toEqual([dead.jobId, deadLast.jobId].sort());

  expect(await jobState(env.handle.db, 'generate', alive.jobId)).toEqual({
    state: 'active',
    retryCount: 0,
  });
  expect((await requestOf(alive.requestId)).state).toBe('running');

  expect(await jobState(env.handle.db, 'generate', dead.jobId)).toEqual({
    state: 'retry',
    retryCount: 0,
  });
  expect(await requestOf(dead.requestId)).toMatchObject({
    state: 'queued',
    error: expect.stringMatching(/interrupted .*died.*retrying/),
  });

  expect(await jobState(env.handle.db, 'generate', deadLast.jobId)).toMatchObject({
    state: 'failed',
  });
  expect((await requestOf(deadLast.requestId)).state).toBe('failed');

  const audit = await env.handle.db
    .select()
    .from(auditLog)
    .where(eq(auditLog.action, 'generation.reclaimed'));
  expect(audit.map((a) => a.targetId).sort()).toEqual([dead.requestId, deadLast.requestId].sort());
  expect(
    await env.handle.db.select().from(auditLog).where(eq(auditLog.action, 'job.reclaimed')),
  ).toHaveLength(2);

  // A second pass finds nothing more; once the live owner is gone, its job is reclaimed too.
  expect(await reclaimOrphans(env.handle)).toEqual([]);
  await live.release();
  expect((await reclaimOrphans(env.handle)).map((r) => r.jobId)).toEqual([alive.jobId]);
  expect((await requestOf(alive.requestId)).state).toBe('queued');
});
