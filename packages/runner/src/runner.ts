// The job runner: pg-boss consumers over a pool of compute threads. Used by the worker process
// (src/main.ts) and, in embedded mode, inside the web server (src/embedded.ts).
import type PgBoss from 'pg-boss';
import { writeAudit, type DbHandle } from '@musar/db';
import { handleGenerate, type TJob, type TOutcome } from './generation/handler';
import { listenForCancels } from '@musar/core/jobs/cancel-signal';
import { failGeneration } from './generation/store';
import type { TLogger } from './log';
import type { TMetrics } from './metrics';
import type { TComputePool } from './pool';
import { deadLetterOf, QUEUES } from '@musar/core/jobs/names';
import { holdOwnership, reclaimOrphans, recordOwner } from './queue/reclaim';
import { registerFeedbackQueues } from './retrain/register';

export type TRunnerOptions = {
  handle: DbHandle;
  boss: PgBoss;
  pool: TComputePool;
  log: TLogger;
  metrics: TMetrics;
  /** Concurrent generate jobs in this process (default: one per compute thread). */
  concurrency?: number;
  pollingIntervalSeconds?: number;
  /** How often a running job re-reads its cancellation state. */
  watchMs?: number;
  /** Consume retrain/evaluate jobs and run the retraining policy (src/retrain/; default on). */
  feedbackQueues?: boolean;
  /** How often to reclaim the jobs of dead workers (queue/reclaim.ts; also once at start). */
  reclaimEverySeconds?: number;
};

export type TRunner = {
  /** Stops fetching, lets running jobs finish for up to graceMs, then aborts and releases them. */
  stop(graceMs?: number): Promise<void>;
  active(): number;
  /** The owner id this runner records on the jobs it runs (queue/reclaim.ts). */
  owner: string;
};

export async function startRunner(o: TRunnerOptions): Promise<TRunner> {
  const { boss, log, metrics } = o;
  const db = o.handle.db;
  const running = new Map<string, { abort: AbortController; done: Promise<unknown>; job: TJob }>();
  const backends = await o.pool.probe();
  for (const b of backends)
    metrics.backend.set({ backend: b.backend, thread: String(b.threadId) }, 1);
  // Once, in words: every thread makes the same choice.
  const kinds = [...new Set(backends.map((b) => `TF.js ${b.backend} (${b.note})`))];
  log.info(
    `model compute: ${backends.length} thread${backends.length === 1 ? '' : 's'} on ${kinds.join(' / ')}`,
  );
  const cancels = new Map<string, () => void>();
  const unlisten = await listenForCancels(o.handle, (requestId) => cancels.get(requestId)?.());
  const deps = { db, pool: o.pool, log, metrics, watchMs: o.watchMs, cancels };
  // What a killed process held (its active jobs, its `running` rows) is reclaimed before this
  // runner takes work, then periodically (a fellow worker's death). On PGlite nothing else can
  // be running: every active job left over is an orphan at once.
  const ownership = await holdOwnership(o.handle, log);
  await reclaimOrphans(o.handle, {
    log,
    ownerlessAfterSeconds: o.handle.driver === 'pglite' ? 0 : undefined,
  });
  let sweeping = false;
  const sweep = setInterval(
    () => {
      if (sweeping) return;
      sweeping = true;
      reclaimOrphans(o.handle, { log })
        .catch((error: unknown) => log.warn({ err: error }, 'reclaim sweep failed'))
        .finally(() => (sweeping = false));
    },
    (o.reclaimEverySeconds ?? 30) * 1000,
  );
  sweep.unref();
  const runOne = async (raw: PgBoss.JobWithMetadata<unknown>) => {
    const job: TJob = {
      id: raw.id,
      name: raw.name,
      retryCount: raw.retryCount,
      retryLimit: raw.retryLimit,
      data: raw.data,
    };
    await recordOwner(db, job, ownership.owner);
    const abort = new AbortController();
    const started = performance.now();
    let outcome: TOutcome | 'error' = 'error';
    const done = handleGenerate(deps, job, abort.signal).then((r) => (outcome = r));
    running.set(job.id, { abort, done: done.catch(() => {}), job });
    try {
      await done;
    } finally {
      running.delete(job.id);
      const seconds = (performance.now() - started) / 1000;
      metrics.jobDuration.observe({ queue: job.name, outcome }, seconds);
      metrics.jobs.inc({ queue: job.name, outcome });
    }
  };
  const workOptions = {
    includeMetadata: true as const,
    batchSize: 1,
    pollingIntervalSeconds: o.pollingIntervalSeconds ?? 0.5,
  };
  const concurrency = o.concurrency ?? o.pool.threads;
  for (let i = 0; i < concurrency; i++)
    await boss.work(QUEUES.generate, workOptions, async (jobs) => {
      for (const job of jobs) await runOne(job);
    });
  // Dead letters: a job that exhausted its retries. Its request is failed (if still open) and audited.
  await boss.work(
    deadLetterOf(QUEUES.generate),
    { ...workOptions, pollingIntervalSeconds: 2 },
    async (jobs) => {
      for (const dead of jobs) {
        await recordOwner(db, dead, ownership.owner);
        const requestId = (dead.data as { requestId?: string } | null)?.requestId ?? null;
        metrics.deadLettered.inc({ queue: QUEUES.generate });
        log.error({ jobId: dead.id, requestId }, 'generate job dead-lettered after its last retry');
        const attempt = { id: dead.id, name: dead.name, retryCount: dead.retryCount };
        await failGeneration(
          db,
          attempt,
          requestId,
          'gave up after the last retry (dead-lettered)',
        );
        await writeAudit(db, {
          actor: 'system',
          action: 'job.dead_letter',
          targetType: 'job',
          targetId: dead.id,
          after: { queue: QUEUES.generate, requestId },
        });
      }
    },
  );
  // Feedback loop (retrain + evaluate consumers, retraining policy): src/retrain/.
  const stopFeedback =
    o.feedbackQueues === false
      ? async () => {}
      : await registerFeedbackQueues(boss, { db, log, handle: o.handle, owner: ownership.owner });
  log.info({ concurrency, threads: o.pool.threads, driver: o.handle.driver }, 'runner started');
  return {
    active: () => running.size,
    owner: ownership.owner,
    async stop(graceMs = 30_000) {
      clearInterval(sweep);
      await boss.offWork(QUEUES.generate).catch(() => {});
      await boss.offWork(deadLetterOf(QUEUES.generate)).catch(() => {});
      await stopFeedback().catch(() => {});
      const all = Promise.all([...running.values()].map((r) => r.done));
      const timedOut = await Promise.race([
        all.then(() => false),
        new Promise<boolean>((r) => setTimeout(() => r(true), graceMs).unref()),
      ]);
      if (timedOut && running.size) {
        log.warn({ jobs: [...running.keys()] }, 'grace period over: releasing running jobs');
        for (const r of running.values()) r.abort.abort(new Error('worker shutting down'));
        await all;
      }
      await unlisten().catch(() => {});
      await ownership.release().catch(() => {});
      log.info('runner stopped');
    },
  };
}
