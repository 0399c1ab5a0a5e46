// The generate flow end to end in one process on a throwaway PostgreSQL: outputs + completion,
// invalid payloads, consent lost after the request, and cancellation of a running job.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, inArray } from 'drizzle-orm';
import { verify } from '@musar/provenance';
import { auditLog, consents, generationRequests, outputs } from '@musar/db/schema';
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
import { cancelGenerationRequests } from '@musar/core/generation/cancel';
import { getGeneration } from '@musar/core/generation/generation';
import { PROGRESS_WRITE_MS } from './handler';

let env: Awaited<ReturnType<typeof createPostgresTestDatabase>>;
let boss: PgBoss;
let pool: TComputePool;
let runner: TRunner;
let metrics: ReturnType<typeof createMetrics>;
let a: string, b: string;

const waitFor = async <T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  ms = 60_000,
  everyMs = 25,
): Promise<T> => {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
};
const request = async (id: string) =>
  (await env.handle.db.select().from(generationRequests).where(eq(generationRequests.id, id)))[0]!;
const outputsOf = async (id: string) =>
  env.handle.db.select().from(outputs).where(eq(outputs.requestId, id));
const auditOf = async (id: string) =>
  (
    await env.handle.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.targetId, id))
      .orderBy(auditLog.id)
  ).map((r) => r.action);
const finished = (id: string) =>
  waitFor(`request ${id} to finish`, async () => {
    const r = await request(id);
    return ['succeeded', 'failed', 'cancelled'].includes(r.state) && r;
  });

beforeAll(async () => {
  env = await createPostgresTestDatabase();
  boss = await startBoss(env.handle, { maintenanceIntervalSeconds: 1 });
  pool = createComputePool(1);
  metrics = createMetrics({ db: env.handle.db, role: 'worker', defaults: false });
  runner = await startRunner({
    handle: env.handle,
    boss,
    pool,
    log: createLogger('test', 'silent'),
    metrics,
    watchMs: 1000,
  }); // slow poll: cancellation must come through NOTIFY
  a = await insertToySubject(env.handle.db, 11);
  b = await insertToySubject(env.handle.db, 12);
});

afterAll(async () => {
  await runner?.stop(1000);
  await boss?.stop({ graceful: false, wait: true });
  await pool?.close();
  await env?.drop();
});

describe('generate job', () => {
  it('stores images, routing maps and scores with the completion, exactly once', async () => {
    const { requestId, jobId } = await enqueueTestGeneration(env.handle.db, {
      subjectIds: [a, b],
      prompt: 'a star toy left of a heart toy',
      count: 2,
      seed: 7,
      steps: 3,
      routing: { startStep: 1 },
    });
    const done = await finished(requestId);
    expect(done.state).toBe('succeeded');
    expect(done.progress).toBe(1);
    const rows = await outputsOf(requestId);
    expect(rows.map((r) => r.index).sort()).toEqual([0, 1]);
    for (const r of rows) {
      expect(Buffer.from(r.image!).subarray(1, 4).toString()).toBe('PNG');
      expect((r.routingMap as number[]).length).toBe(64); // 8×8 patch grid of the tiny preset
      expect(r.scores).toHaveProperty('fidelity');
      expect(r.state).toBe('pending_review');
    }
    expect(rows.map((r) => r.seed)).toEqual(expect.arrayContaining([7, 8]));
    // each output carries a valid C2PA generation manifest naming the subjects and consents relied on
    const consentIds = (
      await env.handle.db
        .select({ id: consents.id })
        .from(consents)
        .where(inArray(consents.subjectId, [a, b]))
    )
      .map((c) => c.id)
      .sort();
    for (const r of rows) {
      const credentials = await verify(r.image!);
      expect(credentials).toMatchObject({ hasCredentials: true, valid: true, errors: [] });
      expect(credentials.manifests[0]!.actions[0]).toMatchObject({
        action: 'c2pa.created',
        digitalSourceType: expect.stringContaining('trainedAlgorithmicMedia'),
      });
      expect(credentials.manifests[0]!.generation).toMatchObject({
        requestId,
        index: r.index,
        seed: r.seed,
        subjectIds: [a, b],
        consentRecordIds: consentIds,
        routing: { startStep: 1 },
      });
    }
    expect((await jobState(env.handle.db, 'generate', jobId))?.state).toBe('completed');
    expect(await auditOf(requestId)).toEqual(['generation.start', 'generation.complete']);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/musar_jobs_total\{[^}]*outcome="completed"[^}]*\} 1/);
    const perImage = (await metrics.perImage.get()).values.find((v) =>
      v.metricName?.endsWith('_count'),
    );
    expect(perImage).toMatchObject({ value: 2, labels: { backend: 'wasm' } });
    expect(text).toMatch(/musar_backend_info\{[^}]*backend="wasm"[^}]*\} 1/);
    expect(text).toMatch(/musar_queue_jobs\{[^}]*queue="generate",state="created"[^}]*\} 0/);
  });

  it("stores progress per sampling step (throttled), with the sampler's totals, ending at 100 %", async () => {
    const { requestId } = await enqueueTestGeneration(env.handle.db, {
      subjectIds: [a, b],
      prompt: 'a star toy left of a heart toy',
      count: 2,
      seed: 11,
      steps: 60,
    });
    // what a dashboard poll sees, sampled far more often than the worker may write
    const seen: { at: number; step: number; total: number | null; progress: number }[] = [];
    const done = await waitFor(
      'the generation to finish',
      async () => {
        const r = await request(requestId);
        const last = seen.at(-1);
        if (r.state === 'running' && (!last || last.step !== r.stepsDone))
          seen.push({
            at: Date.now(),
            step: r.stepsDone,
            total: r.stepsTotal,
            progress: r.progress,
          });
        return r.state === 'succeeded' && r;
      },
      120_000,
      5,
    );
    const steps = seen.map((s) => s.step);
    // advances through the steps: never backwards, and inside an image, not only per image
    expect(steps).toEqual([...steps].sort((x, y) => x - y));
    expect(steps.some((s) => s > 0 && s < 120 && s % 60 !== 0)).toBe(true);
    expect(new Set(steps.filter((s) => s > 0)).size).toBeGreaterThan(2);
    // honest totals: 2 images × 60 steps from the start, and the fraction is steps / total
    for (const s of seen) {
      expect(s.total).toBe(120);
      expect(s.progress).toBeCloseTo(s.step / 120, 5);
    }
    // throttled: at most one write per PROGRESS_WRITE_MS (plus the final one)
    const span = seen.at(-1)!.at - seen[0]!.at;
    expect(seen.length).toBeLessThanOrEqual(Math.ceil(span / PROGRESS_WRITE_MS) + 2);
    // ends at 100 %: every step, and what a step costs (conditional + guidance pass)
    expect(done).toMatchObject({ progress: 1, stepsDone: 120, stepsTotal: 120 });
    expect(done.evaluationsPerImage).toBe(60 * 2);
    // the API's view says the same
    const view = await getGeneration(env.handle.db, requestId);
    expect(view).toMatchObject({
      step: 120,
      totalSteps: 120,
      stepsPerImage: 60,
      imagesDone: 2,
      progress: 1,
      evaluationsPerImage: 120,
    });
  });

  it('fails a payload that does not validate with a readable reason and writes nothing else', async () => {
    const { requestId, jobId } = await enqueueTestGeneration(
      env.handle.db,
      { subjectIds: [a, b], prompt: 'x', count: 1, seed: 1 },
      { rawData: { subjectIds: [a], prompt: 'a star toy', count: 0, seed: 1 } },
    );
    const done = await finished(requestId);
    expect(done.state).toBe('failed');
    expect(done.error).toMatch(
      /invalid payload: subjectIds: a generation needs at least 2 subjects; count: .*>=1/,
    );
    expect(await outputsOf(requestId)).toHaveLength(0);
    const js = await jobState(env.handle.db, 'generate', jobId);
    expect(js).toEqual({ state: 'failed', retryCount: 0 }); // permanent: not retried
    expect(await auditOf(requestId)).toEqual(['generation.fail']);
  });

  it('routing the model rejects fails the job at once as a permanent error (no retries)', async () => {
    // Enqueued straight to the queue (the API refuses it at create since issue 15 #9): three
    // strengths for two subjects, a layer past the tiny preset's depth.
    for (const routing of [{ strength: [1, 1, 1] }, { layers: [60] }]) {
      const { requestId, jobId } = await enqueueTestGeneration(
        env.handle.db,
        { subjectIds: [a, b], prompt: 'a toy', count: 1, seed: 1, steps: 2, routing },
        { retryLimit: 3, retryDelay: 1 },
      );
      const done = await finished(requestId);
      expect(done.state).toBe('failed');
      expect(done.error).toMatch(/^the model rejects the routing parameters: /);
      expect(await jobState(env.handle.db, 'generate', jobId)).toEqual({
        state: 'failed',
        retryCount: 0,
      });
      expect(await auditOf(requestId)).toEqual(['generation.start', 'generation.fail']);
      expect(await outputsOf(requestId)).toHaveLength(0);
    }
  });

  it('re-checks consent at run time: revoked since the request → failed, no output', async () => {
    const c = await insertToySubject(env.handle.db, 13);
    // Hold the runner's only thread so the revocation lands before this job starts.
    const blocker = await enqueueTestGeneration(env.handle.db, {
      subjectIds: [a, b],
      prompt: 'a toy',
      count: 1,
      seed: 3,
      steps: 6,
    });
    const { requestId } = await enqueueTestGeneration(env.handle.db, {
      subjectIds: [a, c],
      prompt: 'a toy',
      count: 1,
      seed: 2,
      steps: 2,
    });
    await env.handle.db
      .update(consents)
      .set({ revokedAt: new Date(), revokedReason: 'test' })
      .where(eq(consents.subjectId, c));
    const done = await finished(requestId);
    expect(done.state).toBe('failed');
    expect(done.error).toBe('subject "toy 13" consent was revoked for generate');
    expect(await outputsOf(requestId)).toHaveLength(0);
    expect((await finished(blocker.requestId)).state).toBe('succeeded');
  });

  it('cancelling a running job stops it within one sampling step and leaves no output', async () => {
    const { requestId, jobId } = await enqueueTestGeneration(env.handle.db, {
      subjectIds: [a, b],
      prompt: 'a toy',
      count: 6,
      seed: 5,
      steps: 20,
    });
    // The duration of one sampling step, from the per-step progress of this very job (written at
    // most every PROGRESS_WRITE_MS, each write holding the step just done): over 30+ steps.
    const stepAt = (min: number) =>
      waitFor(
        `step ${min}`,
        async () => {
          const r = await request(requestId);
          return r.stepsDone >= min && { at: performance.now(), step: r.stepsDone };
        },
        60_000,
        2,
      );
    const first = await stepAt(10);
    const second = await stepAt(first.step + 30);
    const stepMs = (second.at - first.at) / (second.step - first.step);
    const started = Date.now(); // the runner runs in this process: one clock
    await env.handle.db.transaction((tx) =>
      cancelGenerationRequests(tx, [requestId], 'system', 'operator cancelled'),
    );
    // The cancellation exists from its commit on (NOTIFY is delivered then; it can beat the ack).
    const committedAt = Date.now();
    const stopped = await waitFor('the stop audit entry', async () => {
      const [row] = await env.handle.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.targetId, requestId), eq(auditLog.action, 'generation.stopped')));
      return row;
    });
    const at = stopped.after as { step: number; total: number; via: string; stoppedAt: string };
    // From the cancellation's commit to the compute thread's termination.
    const latencyMs = Math.max(0, Date.parse(at.stoppedAt) - committedAt);
    console.log(
      `cancel committed in ${committedAt - started} ms → compute thread stopped ${latencyMs} ms later (via ${at.via}); one sampling step ≈ ${stepMs.toFixed(0)} ms`,
    );
    expect(at.via).toBe('notify');
    expect(latencyMs).toBeLessThan(stepMs);
    const r = await request(requestId);
    expect(r.state).toBe('cancelled');
    expect(r.error).toBe('operator cancelled');
    expect(at.total).toBe(120);
    expect(at.step).toBeLessThan(120);
    expect(await outputsOf(requestId)).toHaveLength(0);
    expect((await jobState(env.handle.db, 'generate', jobId))?.state).toBe('cancelled');
    expect(await auditOf(requestId)).toEqual([
      'generation.start',
      'generation.cancel',
      'generation.stopped',
    ]);
  });
});
