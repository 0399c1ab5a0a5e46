// The generation's database steps. Each is one transaction; completion writes every output and
// the job's completion together, or nothing.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { and, asc, eq, inArray } from 'drizzle-orm';
import { writeAudit, type Db, type Tx } from '@musar/db';
import { generationRequests, outputs, subjectImages, subjects } from '@musar/db/schema';
import { completeJobAttempt, failJobPermanently, type TJobAttempt } from '@musar/core/jobs/job-sql';
import type { TGeneratePayload } from '@musar/core/jobs/payloads';
import type { TGenerateResult } from '../thread/types';
import { checkConsent } from '@musar/core/consent/consent';

/** Which process ran an attempt (in audit entries): host:pid:random — a container restarted on the
 * same host is pid 1 again, and must not pass for its dead predecessor (queue/reclaim.ts). */
export const WORKER_ID = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;

export type TBegin =
  { kind: 'run' } | { kind: 'skip'; reason: string } | { kind: 'failed'; reason: string };

/** Ends the attempt and its request as failed for good, with the reason (no retry). */
export async function failGeneration(
  db: Db,
  job: TJobAttempt,
  requestId: string | null,
  reason: string,
): Promise<void> {
  await db.transaction(async (tx) => {
    await failJobPermanently(tx, job, reason);
    if (!requestId) return;
    const [req] = await tx
      .select()
      .from(generationRequests)
      .where(eq(generationRequests.id, requestId))
      .for('update');
    // A request that already ended keeps its state and its first reason.
    if (!req || req.state === 'succeeded' || req.state === 'cancelled' || req.state === 'failed')
      return;
    await tx
      .update(generationRequests)
      .set({ state: 'failed', error: reason, finishedAt: new Date() })
      .where(eq(generationRequests.id, requestId));
    await writeAudit(tx, {
      actor: 'system',
      action: 'generation.fail',
      targetType: 'generation_request',
      targetId: requestId,
      before: { state: req.state },
      after: { state: 'failed', reason, jobId: job.id, attempt: job.retryCount },
    });
  });
}

/** Marks the request running for this attempt after re-checking consent. */
export async function beginGeneration(
  db: Db,
  job: TJobAttempt,
  p: TGeneratePayload,
): Promise<TBegin> {
  const result = await db.transaction(async (tx): Promise<TBegin> => {
    const [req] = await tx
      .select()
      .from(generationRequests)
      .where(eq(generationRequests.id, p.requestId))
      .for('update');
    if (!req) return { kind: 'failed', reason: `generation request ${p.requestId} does not exist` };
    if (req.state === 'cancelled' || req.state === 'succeeded' || req.state === 'failed')
      return { kind: 'skip', reason: `request is already ${req.state}` };
    // No FOR SHARE here: this transaction holds the request FOR UPDATE, which a revocation's
    // cascade waits on to cancel it (checkConsent in consent.ts: the lock order).
    const { lacking } = await checkConsent(tx, p.subjectIds, 'generate');
    if (lacking.length) return { kind: 'failed', reason: lacking.map((l) => l.reason).join('; ') };
    await tx
      .update(generationRequests)
      .set({
        state: 'running',
        jobId: job.id,
        startedAt: req.startedAt ?? new Date(),
        progress: 0,
        stepsDone: 0,
        stepsTotal: p.count * p.steps,
        error: null,
      })
      .where(eq(generationRequests.id, p.requestId));
    await writeAudit(tx, {
      actor: 'system',
      action: 'generation.start',
      targetType: 'generation_request',
      targetId: p.requestId,
      before: { state: req.state },
      after: { state: 'running', jobId: job.id, attempt: job.retryCount, worker: WORKER_ID },
    });
    return { kind: 'run' };
  });
  if (result.kind === 'failed') await failGeneration(db, job, p.requestId, result.reason);
  return result;
}

/** What the compute thread needs from the database: class words, first reference image, spec. */
export async function loadSubjects(db: Db, subjectIds: readonly string[]) {
  const rows = await db
    .select()
    .from(subjects)
    .where(inArray(subjects.id, [...subjectIds]));
  const images = await db
    .select({ subjectId: subjectImages.subjectId, image: subjectImages.image })
    .from(subjectImages)
    .where(inArray(subjectImages.subjectId, [...subjectIds]))
    .orderBy(asc(subjectImages.createdAt), asc(subjectImages.id));
  return subjectIds.map((id) => {
    const row = rows.find((r) => r.id === id);
    const image = images.find((i) => i.subjectId === id);
    if (!row) throw new PermanentError(`subject ${id} does not exist`);
    if (!image) throw new PermanentError(`subject "${row.name}" has no reference image`);
    // Toy subjects carry their toy-world spec (subjects service: attributes.toyworld); it lets the
    // analytic scorer score the outputs. Other subjects get no auto scores.
    const attrs = (row.attributes ?? {}) as { toyworld?: unknown };
    return { classWord: row.classWord, referencePng: image.image, spec: attrs.toyworld ?? null };
  });
}

/** An error no retry can fix (bad input data): the job fails at once with this message. */
export class PermanentError extends Error {
  override name = 'PermanentError';
}

export type TComplete =
  | { kind: 'completed'; outputs: number }
  | { kind: 'stale'; reason: string }
  | { kind: 'failed'; reason: string };

/** Writes the outputs, the request's success and the job's completion in one transaction. */
export async function completeGeneration(
  db: Db,
  job: TJobAttempt,
  p: TGeneratePayload,
  result: TGenerateResult,
  modelVersionId: string | null,
  /** Signs the images (Content Credentials) inside the transaction, after the consent re-check. */
  sign?: (tx: Tx) => Promise<Uint8Array[]>,
): Promise<TComplete> {
  const outcome = await db.transaction(async (tx): Promise<TComplete> => {
    const [req] = await tx
      .select()
      .from(generationRequests)
      .where(eq(generationRequests.id, p.requestId))
      .for('update');
    if (!req || req.state !== 'running' || req.jobId !== job.id)
      return { kind: 'stale', reason: `request is ${req?.state ?? 'gone'}` };
    const { lacking } = await checkConsent(tx, p.subjectIds, 'generate'); // no lock: see beginGeneration
    if (lacking.length) return { kind: 'failed', reason: lacking.map((l) => l.reason).join('; ') };
    if (
      !(await completeJobAttempt(tx, job, {
        outputs: result.images.length,
        backend: result.backend,
      }))
    )
      return { kind: 'stale', reason: 'this attempt is no longer the active one' };
    const signed = sign ? await sign(tx) : null;
    await tx.insert(outputs).values(
      result.images.map((img, i) => ({
        requestId: p.requestId,
        index: img.index,
        image: signed?.[i] ?? img.png,
        width: img.width,
        height: img.height,
        seed: img.seed,
        routingMap: img.routingMap,
        scores: img.scores,
        modelVersionId,
      })),
    );
    await tx
      .update(generationRequests)
      .set({
        state: 'succeeded',
        progress: 1,
        stepsDone: p.count * p.steps,
        stepsTotal: p.count * p.steps,
        finishedAt: new Date(),
        error: null,
      })
      .where(and(eq(generationRequests.id, p.requestId)));
    await writeAudit(tx, {
      actor: 'system',
      action: 'generation.complete',
      targetType: 'generation_request',
      targetId: p.requestId,
      before: { state: 'running' },
      after: {
        state: 'succeeded',
        outputs: result.images.length,
        jobId: job.id,
        attempt: job.retryCount,
        backend: result.backend,
        worker: WORKER_ID,
      },
    });
    return { kind: 'completed', outputs: result.images.length };
  });
  if (outcome.kind === 'failed') await failGeneration(db, job, p.requestId, outcome.reason);
  return outcome;
}
