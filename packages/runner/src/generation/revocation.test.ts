// Issue 8's revocation cascade with this package's job hooks (as the web server registers them):
// revoking a subject's consent cancels its queued and running generations in the revocation's
// transaction; the running one stops through NOTIFY and leaves no output.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { auditLog, generationRequests, outputs } from '@musar/db/schema';
import { revokeSubjectConsents } from '@musar/core/consent/revoke';
import type PgBoss from 'pg-boss';
import { createLogger } from '../log';
import { createMetrics } from '../metrics';
import { createComputePool, type TComputePool } from '../pool';
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
let pool: TComputePool;
let runner: TRunner;

beforeAll(async () => {
  env = await createPostgresTestDatabase();
  boss = await startBoss(env.handle);
  pool = createComputePool(1);
  const metrics = createMetrics({ db: env.handle.db, role: 'worker', defaults: false });
  runner = await startRunner({
    handle: env.handle,
    boss,
    pool,
    log: createLogger('test', 'silent'),
    metrics,
    watchMs: 5000,
    feedbackQueues: false,
  } as Parameters<typeof startRunner>[0]);
});
afterAll(async () => {
  await runner?.stop(1000);
  await boss?.stop({ graceful: false, wait: true });
  await pool?.close();
  await env?.drop();
});

const request = async (id: string) =>
  (await env.handle.db.select().from(generationRequests).where(eq(generationRequests.id, id)))[0]!;

it('revoking consent cancels the running and the queued generation with the subject', async () => {
  const a = await insertToySubject(env.handle.db, 51);
  const b = await insertToySubject(env.handle.db, 52);
  const running = await enqueueTestGeneration(env.handle.db, {
    subjectIds: [a, b],
    prompt: 'a toy',
    count: 8,
    seed: 1,
    steps: 20,
  });
  const queued = await enqueueTestGeneration(env.handle.db, {
    subjectIds: [b, a],
    prompt: 'a toy',
    count: 1,
    seed: 2,
    steps: 2,
  });
  for (let end = Date.now() + 60_000; (await request(running.requestId)).progress === 0;) {
    if (Date.now() > end) throw new Error('the generation did not start');
    await new Promise((r) => setTimeout(r, 25));
  }
  await revokeSubjectConsents(env.handle.db, 'system', {
    subjectId: b,
    reason: 'withdrawn by the rights holder',
  });
  let stopped: (typeof auditLog.$inferSelect)[] = [];
  for (
    let end = Date.now() + 5000;
    stopped.length === 0 && Date.now() < end;
    await new Promise((r) => setTimeout(r, 25))
  )
    stopped = await env.handle.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, 'generation.stopped'));
  expect(stopped).toHaveLength(1); // well before the 5 s state poll: through NOTIFY
  expect((stopped[0]!.after as { via: string }).via).toBe('notify');
  for (const r of [running, queued]) {
    expect((await request(r.requestId)).state).toBe('cancelled');
    expect((await jobState(env.handle.db, 'generate', r.jobId))?.state).toBe('cancelled');
    expect(
      await env.handle.db.select().from(outputs).where(eq(outputs.requestId, r.requestId)),
    ).toHaveLength(0);
  }
});
