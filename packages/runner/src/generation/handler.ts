// The `generate` consumer: validate → begin (consent re-check) → compute in a thread, with
// progress and cancellation → complete (outputs + job completion in one transaction).
import { sql } from 'drizzle-orm';
import { executeRows, writeAudit, type Db } from '@musar/db';
import { generationRequests } from '@musar/db/schema';
import type { TComputePool } from '../pool';
import type { TLogger } from '../log';
import type { TMetrics } from '../metrics';
import type { TJobAttempt } from '@musar/core/jobs/job-sql';
import {
  describeZodError,
  ZGeneratePayload,
  type TGeneratePayload,
} from '@musar/core/jobs/payloads';
import type { TGenerateTask, TProgress } from '../thread/types';
import { assertRoutingFitsModel, resolveModel, type TResolvedModel } from './model-source';
import { signOutputs } from './provenance';
import {
  beginGeneration,
  completeGeneration,
  failGeneration,
  loadSubjects,
  PermanentError,
} from './store';

export type THandlerDeps = {
  db: Db;
  pool: TComputePool;
  log: TLogger;
  metrics: TMetrics;
  watchMs?: number;
  /** Running attempts by request id: the runner's cancel listener calls these. */
  cancels?: Map<string, () => void>;
};
export type TJob = TJobAttempt & { data: unknown; retryLimit: number };
export type TOutcome = 'completed' | 'failed' | 'cancelled' | 'skipped' | 'stale' | 'retry';

const requestIdOf = (data: unknown): string | null => {
  const id = (data as { requestId?: unknown } | null)?.requestId;
  return typeof id === 'string' && /^[0-9a-f-]{36}$/i.test(id) ? id : null;
};

export async function handleGenerate(
  deps: THandlerDeps,
  job: TJob,
  signal?: AbortSignal,
): Promise<TOutcome> {
  const { db, log: parent } = deps;
  const log = parent.child({ jobId: job.id, queue: job.name, attempt: job.retryCount });
  const parsed = ZGeneratePayload.safeParse(job.data);
  if (!parsed.success) {
    const reason = `invalid payload: ${describeZodError(parsed.error)}`;
    log.warn({ reason }, 'job failed validation');
    await failGeneration(db, job, requestIdOf(job.data), reason);
    return 'failed';
  }
  const p = parsed.data;
  const begin = await beginGeneration(db, job, p);
  if (begin.kind !== 'run') {
    log.info(
      { requestId: p.requestId, reason: begin.reason },
      begin.kind === 'skip' ? 'job skipped' : 'job failed',
    );
    return begin.kind === 'skip' ? 'skipped' : 'failed';
  }
  const abort = new AbortController();
  const onOuterAbort = () => abort.abort(signal?.reason);
  signal?.addEventListener('abort', onOuterAbort);
  let last: TProgress = { step: 0, total: p.count * p.steps, evaluationsPerImage: 0 };
  let cancelled = false;
  let cancelledVia: 'notify' | 'poll' | null = null;
  const stop = (via: 'notify' | 'poll') => {
    cancelledVia ??= via;
    cancelled = true;
    abort.abort(new Error('cancelled'));
  };
  deps.cancels?.set(p.requestId, () => stop('notify'));
  // Cancellation is a state change in the database: pushed by NOTIFY (deps.cancels), and polled
  // here as the fallback while the thread computes.
  const watch = setInterval(async () => {
    try {
      // One round trip: the request's state and its pg-boss job's state.
      const [row] = await executeRows<{ request: string | null; job: string | null }>(
        db,
        sql`SELECT (SELECT state::text FROM generation_requests WHERE id = ${p.requestId}::uuid) AS request,
                   (SELECT state::text FROM pgboss.job WHERE name = ${job.name} AND id = ${job.id}::uuid) AS job`,
      );
      if (row?.request === 'cancelled' || row?.job === 'cancelled') stop('poll');
    } catch (error) {
      log.warn({ err: error }, 'cancellation watch failed');
    }
  }, deps.watchMs ?? 100);
  // Every sampling step reports; the database sees at most one write per PROGRESS_WRITE_MS (the
  // latest step, written when the interval has passed, or at its end), plus the last step at once.
  const progress = throttledProgressWriter(db, p.requestId, job.id, log);
  const onProgress = (at: TProgress) => {
    last = at;
    progress.report(at);
  };
  try {
    const model = await resolveModel(db, p.modelVersionId);
    assertRoutingFitsModel(model.source, p.routing, p.subjectIds.length);
    if (model.fresh)
      log.warn(
        { requestId: p.requestId },
        'no trained checkpoint stored: generating with a freshly initialised tiny model',
      );
    const subjects = await loadSubjects(db, p.subjectIds);
    const started = performance.now();
    const result = await deps.pool.generate(generateTask(p, model, subjects), {
      signal: abort.signal,
      onProgress,
    });
    for (const img of result.images)
      deps.metrics.perImage.observe({ backend: result.backend }, img.seconds);
    const done = await completeGeneration(db, job, p, result, model.modelVersionId, (tx) =>
      signOutputs(tx, p, result, model),
    );
    log.info(
      {
        requestId: p.requestId,
        ...done,
        backend: result.backend,
        seconds: (performance.now() - started) / 1000,
      },
      'generation finished',
    );
    return done.kind;
  } catch (error) {
    if (cancelled) {
      await recordStopped(db, p.requestId, job, last, cancelledVia ?? 'poll', new Date());
      log.info(
        { requestId: p.requestId, step: last.step, total: last.total, via: cancelledVia },
        'generation cancelled: thread stopped',
      );
      return 'cancelled';
    }
    if (isDeterministic(error)) {
      await failGeneration(db, job, p.requestId, (error as Error).message);
      log.warn({ requestId: p.requestId, reason: (error as Error).message }, 'job failed');
      return 'failed';
    }
    await recordAttemptFailure(db, job, p.requestId, error);
    throw error;
  } finally {
    clearInterval(watch);
    progress.stop();
    deps.cancels?.delete(p.requestId);
    signal?.removeEventListener('abort', onOuterAbort);
  }
}

/**
 * What the compute thread gets for a request. The request's steps always win (its schema fills in
 * 20, so the model card's `sampling.steps` does not apply here); the request has no guidance field,
 * so the model's own scales (its card's `sampling.guidance`) apply when it has them, else the
 * sampler's defaults.
 */
export function generateTask(
  p: TGeneratePayload,
  model: Pick<TResolvedModel, 'source' | 'sampling'>,
  subjects: TGenerateTask['subjects'],
): Omit<TGenerateTask, 'kind' | 'progress'> {
  return {
    model: model.source,
    prompt: p.prompt,
    subjects,
    count: p.count,
    seed: p.seed,
    steps: p.steps,
    ...(model.sampling?.guidance ? { guidance: { ...model.sampling.guidance } } : {}),
    routing: p.routing,
  };
}

/** The shortest interval between two progress writes of one generation. */
export const PROGRESS_WRITE_MS = 250;

/** Writes a running attempt's progress (steps done, the totals, the fraction) at most once per
 * PROGRESS_WRITE_MS: a report inside the interval is kept and written when it ends (so the last
 * step before a pause is not lost), the final step at once. A write never moves the steps back
 * and only touches the request while this attempt runs it. */
export function throttledProgressWriter(db: Db, requestId: string, jobId: string, log: TLogger) {
  let lastWrite = 0;
  let pending: TProgress | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;
  const write = (at: TProgress) => {
    lastWrite = Date.now();
    db.update(generationRequests)
      .set({
        progress: at.total > 0 ? at.step / at.total : 0,
        stepsDone: at.step,
        stepsTotal: at.total,
        evaluationsPerImage: at.evaluationsPerImage,
      })
      .where(
        sql`${generationRequests.id} = ${requestId} AND ${generationRequests.state} = 'running'
            AND ${generationRequests.jobId} = ${jobId} AND ${generationRequests.stepsDone} <= ${at.step}`,
      )
      .catch((error: unknown) => log.warn({ err: error }, 'progress write failed'));
  };
  const flush = () => {
    timer = null;
    if (pending && !stopped) write(pending);
    pending = null;
  };
  return {
    report(at: TProgress) {
      if (stopped) return;
      const wait = lastWrite + PROGRESS_WRITE_MS - Date.now();
      if (wait <= 0 || at.step >= at.total) {
        if (timer) clearTimeout(timer);
        timer = null;
        pending = null;
        write(at);
      } else {
        pending = at;
        timer ??= setTimeout(flush, wait);
      }
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      pending = null;
    },
  };
}

/** Errors no retry can fix: ours (bad input data), and the model's refusal of its inputs (routing,
 * config) — the thread's errors cross the thread boundary by name, not by class. */
const DETERMINISTIC = new Set([
  'PermanentError',
  'InvalidRoutingError',
  'InvalidInputError',
  'InvalidConfigError',
  'ZodError',
]);
export function isDeterministic(error: unknown): boolean {
  if (error instanceof PermanentError) return true;
  const e = error as { name?: unknown; code?: unknown } | null;
  return Boolean(
    e &&
    (DETERMINISTIC.has(String(e.name)) ||
      e.code === 'INVALID_ROUTING' ||
      e.code === 'INVALID_INPUT'),
  );
}

async function recordStopped(
  db: Db,
  requestId: string,
  job: TJobAttempt,
  at: TProgress,
  via: 'notify' | 'poll',
  stoppedAt: Date,
): Promise<void> {
  await db.transaction(async (tx) => {
    await writeAudit(tx, {
      actor: 'system',
      action: 'generation.stopped',
      targetType: 'generation_request',
      targetId: requestId,
      before: { state: 'running' },
      after: {
        state: 'cancelled',
        jobId: job.id,
        step: at.step,
        total: at.total,
        outputs: 0,
        via,
        stoppedAt: stoppedAt.toISOString(),
      },
    });
  });
}

/** A failed attempt: back to `queued` while retries remain (pg-boss retries), else `failed`. */
async function recordAttemptFailure(
  db: Db,
  job: TJob,
  requestId: string,
  error: unknown,
): Promise<void> {
  const message = error instanceof Error ? error.message : String(error);
  const final = job.retryCount >= job.retryLimit;
  await db
    .update(generationRequests)
    .set(
      final
        ? {
            state: 'failed',
            error: `failed after ${job.retryCount + 1} attempts: ${message}`,
            finishedAt: new Date(),
          }
        : { state: 'queued', error: `attempt ${job.retryCount + 1} failed (${message}); retrying` },
    )
    .where(
      sql`${generationRequests.id} = ${requestId} AND ${generationRequests.state} = 'running' AND ${generationRequests.jobId} = ${job.id}`,
    );
}
