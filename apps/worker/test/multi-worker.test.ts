// Scale-out guarantees with real worker processes on one PostgreSQL: every job runs once across
// three workers, and a job whose worker is SIGKILLed is reclaimed and run by the next worker at its start.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { auditLog, generationRequests, outputs } from '@musar/db/schema';
import { executeRows } from '@musar/db';
import { startBoss } from '@musar/core/jobs/boss';
import {
  createPostgresTestDatabase,
  enqueueTestGeneration,
  insertToySubject,
} from '@musar/core/testing/jobs';
import { startWorkerProcess, type TWorkerProcess } from './workers';

let env: Awaited<ReturnType<typeof createPostgresTestDatabase>>;
const procs: TWorkerProcess[] = [];
let a: string, b: string;

const waitFor = async <T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  ms = 240_000,
): Promise<T> => {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

beforeAll(async () => {
  env = await createPostgresTestDatabase();
  // Install pg-boss and the queues once, as a deployment's first worker would.
  const boss = await startBoss(env.handle);
  await boss.stop({ graceful: false, wait: true });
  a = await insertToySubject(env.handle.db, 21);
  b = await insertToySubject(env.handle.db, 22);
});

afterAll(async () => {
  for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  await env?.drop();
});

describe('worker processes', () => {
  it('three workers, 60 jobs: every job completes exactly once', { timeout: 300_000 }, async () => {
    const workers = [0, 1, 2].map(() => startWorkerProcess(env.url));
    procs.push(...workers);
    await Promise.all(workers.map((w) => w.ready));
    const ids: string[] = [];
    for (let i = 0; i < 60; i++)
      ids.push(
        (
          await enqueueTestGeneration(env.handle.db, {
            subjectIds: [a, b],
            prompt: 'a toy',
            count: 1,
            seed: i,
            steps: 1,
          })
        ).requestId,
      );
    await waitFor('all 60 requests to succeed', async () => {
      const [row] = await executeRows<{ n: number }>(
        env.handle.db,
        sql`SELECT count(*)::int AS n FROM generation_requests WHERE state = 'succeeded'`,
      );
      return row!.n === 60;
    });
    const perRequest = await executeRows<{ request_id: string; n: number }>(
      env.handle.db,
      sql`SELECT request_id, count(*)::int AS n FROM outputs GROUP BY request_id`,
    );
    expect(perRequest).toHaveLength(60);
    expect(perRequest.every((r) => r.n === 1)).toBe(true);
    const completions = await env.handle.db
      .select({ after: auditLog.after })
      .from(auditLog)
      .where(and(eq(auditLog.action, 'generation.complete'), inArray(auditLog.targetId, ids)));
    expect(completions).toHaveLength(60);
    const byWorker = new Map<string, number>();
    for (const c of completions) {
      const w = (c.after as { worker: string }).worker;
      byWorker.set(w, (byWorker.get(w) ?? 0) + 1);
    }
    console.log('jobs per worker:', Object.fromEntries(byWorker));
    expect(byWorker.size).toBeGreaterThanOrEqual(2); // the work was shared
    const [jobs] = await executeRows<{ completed: number; other: number }>(
      env.handle.db,
      sql`SELECT count(*) FILTER (WHERE state = 'completed')::int AS completed, count(*) FILTER (WHERE state <> 'completed')::int AS other
          FROM pgboss.job WHERE name = 'generate'`,
    );
    expect(jobs).toEqual({ completed: 60, other: 0 });
    // SIGTERM: each worker stops gracefully with exit code 0.
    for (const w of workers) w.child.kill('SIGTERM');
    expect(await Promise.all(workers.map((w) => w.exited))).toEqual([0, 0, 0]);
  });

  it(
    'a worker SIGKILLed mid-job: another reclaims and runs the job; no partial output',
    { timeout: 240_000 },
    async () => {
      const first = startWorkerProcess(env.url);
      procs.push(first);
      await first.ready;
      const { requestId, jobId } = await enqueueTestGeneration(
        env.handle.db,
        { subjectIds: [a, b], prompt: 'a toy', count: 2, seed: 9, steps: 8 },
        { expireInSeconds: 20 },
      );
      // One image is done (in the dead worker's memory only) when the kill lands.
      await waitFor('the first worker to make progress', async () => {
        const [r] = await env.handle.db
          .select()
          .from(generationRequests)
          .where(eq(generationRequests.id, requestId));
        return r!.state === 'running' && r!.progress > 0;
      });
      first.child.kill('SIGKILL');
      await first.exited;
      expect(
        await env.handle.db.select().from(outputs).where(eq(outputs.requestId, requestId)),
      ).toHaveLength(0);
      const second = startWorkerProcess(env.url, { MUSAR_GENERATE_RETRY_DELAY: '1' });
      procs.push(second);
      await second.ready;
      const done = await waitFor('the request to succeed on the second worker', async () => {
        const [r] = await env.handle.db
          .select()
          .from(generationRequests)
          .where(eq(generationRequests.id, requestId));
        return r!.state === 'succeeded' && r;
      });
      expect(done.jobId).toBe(jobId);
      const rows = await env.handle.db
        .select()
        .from(outputs)
        .where(eq(outputs.requestId, requestId));
      expect(rows.map((r) => r.index).sort()).toEqual([0, 1]);
      const audits = await env.handle.db
        .select()
        .from(auditLog)
        .where(eq(auditLog.targetId, requestId))
        .orderBy(auditLog.id);
      // The second worker reclaimed the dead one's job at its start (src/queue/reclaim.ts), before expiry.
      expect(audits.map((r) => r.action)).toEqual([
        'generation.start',
        'generation.reclaimed',
        'generation.start',
        'generation.complete',
      ]);
      expect((audits[1]!.after as { owner: string; retried: boolean }).retried).toBe(true);
      const starts = audits
        .filter((r) => r.action === 'generation.start')
        .map((r) => r.after as { attempt: number; worker: string });
      expect(starts[0]!.attempt).toBe(0);
      expect(starts[1]!.attempt).toBe(1);
      expect(starts[0]!.worker).not.toBe(starts[1]!.worker);
      expect((audits[3]!.after as { attempt: number }).attempt).toBe(1);
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    },
  );

  it(
    'SIGTERM: a running job finishes within the grace period; past it, it is released for a retry',
    { timeout: 240_000 },
    async () => {
      const request = async (id: string) =>
        (
          await env.handle.db.select().from(generationRequests).where(eq(generationRequests.id, id))
        )[0]!;
      const running = (id: string) =>
        waitFor('progress', async () => (await request(id)).progress > 0);

      const patient = startWorkerProcess(env.url, { MUSAR_SHUTDOWN_GRACE_SECONDS: '120' });
      procs.push(patient);
      await patient.ready;
      const first = await enqueueTestGeneration(env.handle.db, {
        subjectIds: [a, b],
        prompt: 'a toy',
        count: 2,
        seed: 3,
        steps: 8,
      });
      await running(first.requestId);
      patient.child.kill('SIGTERM');
      expect(await patient.exited).toBe(0);
      expect((await request(first.requestId)).state).toBe('succeeded'); // finished before the exit
      expect(
        await env.handle.db.select().from(outputs).where(eq(outputs.requestId, first.requestId)),
      ).toHaveLength(2);

      const hasty = startWorkerProcess(env.url, { MUSAR_SHUTDOWN_GRACE_SECONDS: '0' });
      procs.push(hasty);
      await hasty.ready;
      const second = await enqueueTestGeneration(env.handle.db, {
        subjectIds: [a, b],
        prompt: 'a toy',
        count: 4,
        seed: 4,
        steps: 10,
      });
      await running(second.requestId);
      hasty.child.kill('SIGTERM');
      expect(await hasty.exited).toBe(0);
      const released = await request(second.requestId);
      expect(released.state).toBe('queued');
      expect(released.error).toMatch(/^attempt 1 failed \(.*\); retrying$/);
      const [job] = await executeRows<{ state: string }>(
        env.handle.db,
        sql`SELECT state::text AS state FROM pgboss.job WHERE id = ${second.jobId}::uuid`,
      );
      expect(job!.state).toBe('retry');
      expect(
        await env.handle.db.select().from(outputs).where(eq(outputs.requestId, second.requestId)),
      ).toHaveLength(0);
    },
  );
});
