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
import { feedbackSamples, newFeedbackData, recordLineage } from '@musar/api/operator';
import { sendInTransaction } from '../queue/job-sql';
import { QUEUES } from '../queue/names';
import { describeZodError, ZEvaluatePayload, ZRetrainPayload } from '../queue/payloads';
import { runInThread } from './run-thread';
import {
  byId,
  num,
  servingAdapter,
  weightsOf,
  type TFeedbackDeps,
  type TFeedbackJob,
} from './versions';

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
): Promise<{ candidateId: string }> {
  const { db } = deps;
  const env = deps.env ?? process.env;
  const parsed = ZRetrainPayload.safeParse(job.data);
  if (!parsed.success)
    throw new Error(`invalid retrain payload: ${describeZodError(parsed.error)}`);
  const p = parsed.data;
  const parent = p.parentVersionId ? await byId(db, p.parentVersionId) : await servingAdapter(db);
  if (!parent) throw new Error('no adapter to continue: promote an adapter first');
  if (parent.state === 'tainted' || parent.state === 'failed')
    throw new Error(`cannot continue "${parent.name}": it is ${parent.state}`);
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
    throw new Error(
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
  };
  // One candidate per job (a retried attempt reuses it).
  const [existing] = await db
    .select()
    .from(modelVersions)
    .where(sql`${modelVersions.metrics}->'training'->>'jobId' = ${job.id}`);
  const candidate =
    existing ??
    (await db.transaction(async (tx) => {
      const [row] = await tx
        .insert(modelVersions)
        .values({
          kind: 'adapter',
          name: `${parent.name}+feedback-${new Date().toISOString().slice(0, 16)}`,
          parentId: parent.id,
          state: 'candidate',
          config: parent.config,
          metrics: { training: { status: 'running', step: 0, steps, ...base } },
        })
        .returning();
      await writeAudit(tx, {
        actor: 'system',
        action: 'model.retrain_started',
        targetType: 'model_version',
        targetId: row!.id,
        after: { ...base, steps, samples: samples.length },
      });
      return row!;
    }));
  const metrics = { ...(candidate.metrics ?? {}) };
  let lastWrite = 0;
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
        onProgress: (pr) => {
          if (Date.now() - lastWrite < 1000 && pr.step < pr.steps) return;
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
    await db.transaction(async (tx) => {
      await tx
        .update(modelVersions)
        .set({
          state: 'candidate',
          checkpoint: result.adapter,
          sizeBytes: result.adapter.byteLength,
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
    });
    return { candidateId: candidate.id };
  } catch (error) {
    await db
      .update(modelVersions)
      .set({
        state: 'failed',
        metrics: {
          ...metrics,
          training: { status: 'failed', error: (error as Error).message, ...base },
        },
      })
      .where(eq(modelVersions.id, candidate.id));
    await writeAudit(db, {
      actor: 'system',
      action: 'model.retrain_failed',
      targetType: 'model_version',
      targetId: candidate.id,
      after: { error: (error as Error).message },
    });
    throw error;
  }
}
