// The `retrain` consumer (feedback loop, DESIGN §5 flow 3; `evaluate` is in evaluate.ts).
// retrain: new approved outputs (train consent, not in the serving adapter's lineage) minus a
//   held-out slice of the most recent ones → continue the serving adapter with them as region-
//   masked targets mixed with stage-2 data → a `candidate` version (checkpoint, lineage, audit) →
//   an `evaluate` job. Progress is written to the candidate's metrics.training while it trains.
// evaluate: candidate and serving adapter on the held-out suites and the held-out slice → the gate
//   (metrics.gate); the operator promotes.
import { and, eq, inArray, sql } from 'drizzle-orm';
import { writeAudit, type Db } from '@musar/db';
import { generationRequestSubjects, modelVersions, outputs } from '@musar/db/schema';
import { feedbackSamples } from '@musar/core/retrain/data';
import { newFeedbackData } from '@musar/core/retrain/retrain';
import { recordLineage } from '@musar/core/retrain/training-set';
import { failJobPermanently, sendInTransaction } from '@musar/core/jobs/job-sql';
import { PermanentError } from '../generation/store';
import { QUEUES } from '@musar/core/jobs/names';
import { describeZodError, ZEvaluatePayload, ZRetrainPayload } from '@musar/core/jobs/payloads';
import { servingVersion, VERSION_COLUMNS, versionColumns } from '@musar/core/models/serving';
import { writeCheckpoint } from '@musar/core/models/checkpoint-io';
import { versionSampling } from '../generation/model-source';
import { runInThread } from './run-thread';
import { byId, num, weightsOf, type TFeedbackDeps, type TFeedbackJob } from './versions';

const setTraining = (
  db: Db,
  id: string,
  metrics: Record<string, unknown>,
  training: Record<string, unknown>,
) =>
  db
    .update(modelVersions)
    .set({ metrics: { ...metrics, training } })
    .where(eq(modelVersions.id, id));

export async function handleRetrain(
  deps: TFeedbackDeps,
  job: TFeedbackJob,
): Promise<{ candidateId: string | null; failed?: string; cancelled?: boolean }> {
  const { db } = deps;
  try {
    return await retrain(deps, job);
  } catch (error) {
    // Deterministic failures (bad payload, nothing to train on, lost consent at the lineage
    // check) fail the job for good: a retry would fail the same way.
    if (!isDeterministicRetrainError(error)) throw error;
    const message = (error as Error).message;
    await db.transaction(async (tx) => {
      await failJobPermanently(
        tx,
        { id: job.id, name: job.name ?? QUEUES.retrain, retryCount: job.retryCount ?? 0 },
        message,
      );
      await writeAudit(tx, {
        actor: 'system',
        action: 'job.failed_permanently',
        targetType: 'job',
        targetId: job.id,
        after: { queue: QUEUES.retrain, reason: message, attempt: job.retryCount ?? 0 },
      });
    });
    return {
      candidateId: (error as { candidateId?: string }).candidateId ?? null,
      failed: message,
    };
  }
}

/** The API's ServiceError codes (its rules: consent at the lineage check, states). */
const SERVICE_CODES = new Set([
  'NOT_FOUND',
  'CONFLICT',
  'FORBIDDEN',
  'BAD_REQUEST',
  'PRECONDITION_FAILED',
]);

/** Errors no retry can fix: ours, the API's rules (ServiceError, ConsentError), zod. */
export function isDeterministicRetrainError(error: unknown): boolean {
  if (error instanceof PermanentError) return true;
  const e = error as { name?: unknown; code?: unknown } | null;
  const name = String(e?.name);
  if (name === 'ZodError' || name === 'PermanentError') return true;
  return /(Service|Consent)Error$/.test(name) && SERVICE_CODES.has(String(e?.code));
}

class StoppedError extends Error {
  override name = 'StoppedError';
}

async function retrain(
  deps: TFeedbackDeps,
  job: TFeedbackJob,
): Promise<{ candidateId: string | null; failed?: string; cancelled?: boolean }> {
  const { db } = deps;
  const env = deps.env ?? process.env;
  const parsed = ZRetrainPayload.safeParse(job.data);
  if (!parsed.success)
    throw new PermanentError(`invalid retrain payload: ${describeZodError(parsed.error)}`);
  const p = parsed.data;
  const parent = p.parentVersionId
    ? await byId(db, p.parentVersionId)
    : await servingVersion(db, 'adapter');
  if (!parent) throw new PermanentError('no adapter to continue: promote an adapter first');
  if (parent.state === 'tainted' || parent.state === 'failed')
    throw new PermanentError(`cannot continue "${parent.name}": it is ${parent.state}`);
  const weights = await weightsOf(db, parent);
  // Eligible data now (consent may have changed since the job was queued), minus excluded subjects.
  let outputIds = (await newFeedbackData(db)).outputIds;
  if (p.excludeSubjectIds.length && outputIds.length) {
    const touching = await db
      .selectDistinct({ id: outputs.id })
      .from(outputs)
      .innerJoin(
        generationRequestSubjects,
        eq(generationRequestSubjects.requestId, outputs.requestId),
      )
      .where(
        and(
          inArray(outputs.id, outputIds),
          inArray(generationRequestSubjects.subjectId, p.excludeSubjectIds),
        ),
      );
    const drop = new Set(touching.map((t) => t.id));
    outputIds = outputIds.filter((id) => !drop.has(id));
  }
  if (outputIds.length === 0)
    throw new PermanentError(
      'no eligible data to retrain on (approved outputs with train consent since the serving adapter)',
    );
  // The most recent 20 % (at least one when there are two or more) are held out for the gate.
  const heldCount =
    outputIds.length >= 2
      ? Math.max(1, Math.round(outputIds.length * num(env.MUSAR_HELDOUT_FRACTION, 0.2)))
      : 0;
  const heldOut = outputIds.slice(outputIds.length - heldCount);
  const trainIds = outputIds.slice(0, outputIds.length - heldCount);
  const samples = await feedbackSamples(db, trainIds);
  const steps = num(env.MUSAR_RETRAIN_STEPS, p.steps);
  const base = {
    parent: parent.id,
    reason: p.reason,
    jobId: job.id,
    trainOutputIds: trainIds,
    heldOutOutputIds: heldOut,
    repaints: samples.filter((s) => s.repainted).length,
    // outputs whose strength votes set their draw weight (feedbackSamples)
    strengthVoted: samples.filter((s) => s.strength).length,
  };
  // One candidate per job (a retried attempt reuses it).
  const [existing] = await db
    .select(versionColumns(VERSION_COLUMNS))
    .from(modelVersions)
    .where(sql`${modelVersions.metrics}->'training'->>'jobId' = ${job.id}`);
  // The candidate serves as its parent does: it inherits the parent card's sampling (its guidance
  // scales were tuned for this model line; an invalid parent card fails here, not at serving).
  const name = `${parent.name}+feedback-${new Date().toISOString().slice(0, 16)}`;
  const sampling = versionSampling(parent);
  const candidate =
    existing ??
    (await db.transaction(async (tx) => {
      const [row] = await tx
        .insert(modelVersions)
        .values({
          kind: 'adapter',
          name,
          parentId: parent.id,
          state: 'candidate',
          config: parent.config,
          modelCard: {
            name,
            kind: 'adapter',
            stage: 'feedback',
            parent: parent.name,
            ...(sampling ? { sampling } : {}),
          },
          metrics: { training: { status: 'running', step: 0, steps, ...base } },
        })
        .returning(versionColumns(VERSION_COLUMNS));
      await writeAudit(tx, {
        actor: 'system',
        action: 'model.retrain_started',
        targetType: 'model_version',
        targetId: row!.id,
        after: { ...base, steps, samples: samples.length },
      });
      return row!;
    }));
  // A retried attempt never revives a candidate that already ended (failed, tainted, cancelled).
  if (candidate.state !== 'candidate')
    throw Object.assign(
      new PermanentError(
        `candidate "${candidate.name}" is ${candidate.state}: not retrained again`,
      ),
      { candidateId: candidate.id },
    );
  const metrics = { ...(candidate.metrics ?? {}) };
  let lastWrite = 0;
  // The revocation cascade stops a retrain whose data lost consent: it marks the candidate and
  // NOTIFYs (deps.stops); a poll of the candidate's state is the fallback.
  const abort = new AbortController();
  let stopped = false;
  let stoppedVia: 'notify' | 'poll' | null = null;
  let lastStep = 0;
  const stop = (via: 'notify' | 'poll') => {
    if (stopped) return;
    stopped = true;
    stoppedVia = via;
    abort.abort(new StoppedError('stopped: its training data lost consent'));
  };
  deps.stops?.set(candidate.id, () => stop('notify'));
  const watch = setInterval(() => {
    void db
      .select({ state: modelVersions.state, metrics: modelVersions.metrics })
      .from(modelVersions)
      .where(eq(modelVersions.id, candidate.id))
      .then(([row]) => {
        const status = (row?.metrics as { training?: { status?: string } } | null)?.training
          ?.status;
        if (!row || row.state !== 'candidate' || status === 'cancelled') stop('poll');
      })
      .catch(() => {});
  }, deps.watchMs ?? 2000);
  try {
    const result = await runInThread(
      {
        kind: 'train',
        ...weights,
        feedback: samples.length ? samples : [],
        steps,
        batchSize: num(env.MUSAR_RETRAIN_BATCH, 8),
        seed: 1,
      },
      {
        signal: abort.signal,
        onProgress: (pr) => {
          lastStep = pr.step;
          if (stopped || (Date.now() - lastWrite < 1000 && pr.step < pr.steps)) return;
          lastWrite = Date.now();
          void setTraining(db, candidate.id, metrics, {
            status: 'running',
            step: pr.step,
            steps: pr.steps,
            loss: pr.loss,
            ...base,
          }).catch(() => {});
        },
      },
    );
    const finished = await db.transaction(async (tx) => {
      // The candidate is still ours to finish (a revocation may have stopped it meanwhile).
      const [row] = await tx
        .select({ state: modelVersions.state, metrics: modelVersions.metrics })
        .from(modelVersions)
        .where(eq(modelVersions.id, candidate.id))
        .for('update');
      const status = (row?.metrics as { training?: { status?: string } } | null)?.training?.status;
      if (!row || row.state !== 'candidate' || status === 'cancelled') return false;
      await tx
        .update(modelVersions)
        .set({
          state: 'candidate',
          trainingSteps: (parent.trainingSteps ?? 0) + result.steps,
          metrics: {
            ...metrics,
            training: {
              status: 'done',
              step: result.steps,
              steps,
              loss: result.finalLoss,
              seconds: result.seconds,
              backend: result.backend,
              ...base,
            },
          },
        })
        .where(eq(modelVersions.id, candidate.id));
      // the adapter (and size_bytes) in pieces, in this transaction
      await writeCheckpoint(tx, candidate.id, result.adapter);
      await recordLineage(tx, 'system', {
        modelVersionId: candidate.id,
        subjectIds: [],
        outputIds: trainIds,
      });
      await writeAudit(tx, {
        actor: 'system',
        action: 'model.retrained',
        targetType: 'model_version',
        targetId: candidate.id,
        after: {
          steps: result.steps,
          seconds: result.seconds,
          loss: result.finalLoss,
          trained: trainIds.length,
          heldOut: heldOut.length,
        },
      });
      await sendInTransaction(
        tx,
        QUEUES.evaluate,
        ZEvaluatePayload.parse({ modelVersionId: candidate.id }),
      );
      return true;
    });
    if (!finished) return { candidateId: candidate.id, cancelled: true };
    return { candidateId: candidate.id };
  } catch (error) {
    // Stopped by the revocation cascade: it already marked the candidate and (through the hook)
    // cancelled the job; without the hook the job is failed here, never retried.
    if (stopped) {
      await db.transaction(async (tx) => {
        await failJobPermanently(
          tx,
          { id: job.id, name: job.name ?? QUEUES.retrain, retryCount: job.retryCount ?? 0 },
          'stopped: its training data lost consent',
        );
        await writeAudit(tx, {
          actor: 'system',
          action: 'model.retrain_stopped',
          targetType: 'model_version',
          targetId: candidate.id,
          after: {
            via: stoppedVia,
            step: lastStep,
            stoppedAt: new Date().toISOString(),
            jobId: job.id,
          },
        });
      });
      return { candidateId: candidate.id, cancelled: true };
    }
    const message = (error as Error).message;
    const permanent = isDeterministicRetrainError(error);
    const final = permanent || (job.retryCount ?? 0) >= (job.retryLimit ?? 0);
    // A failure a retry may fix leaves the candidate to the retry ('retrying'); the last or a
    // deterministic one fails it for good, and a failed row never shows `running` again.
    await db.transaction(async (tx) => {
      await tx
        .update(modelVersions)
        .set({
          ...(final ? { state: 'failed' as const } : {}),
          metrics: {
            ...metrics,
            training: { status: final ? 'failed' : 'retrying', error: message, ...base },
          },
        })
        .where(and(eq(modelVersions.id, candidate.id), eq(modelVersions.state, 'candidate')));
      await writeAudit(tx, {
        actor: 'system',
        action: final ? 'model.retrain_failed' : 'model.retrain_attempt_failed',
        targetType: 'model_version',
        targetId: candidate.id,
        after: { error: message, permanent, attempt: job.retryCount ?? 0 },
      });
    });
    throw Object.assign(error as Error, { candidateId: candidate.id });
  } finally {
    clearInterval(watch);
    deps.stops?.delete(candidate.id);
  }
}
