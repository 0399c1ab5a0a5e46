// The `evaluate` consumer: candidate and serving adapter on the held-out suites and on the
// held-out slice of recent approved items (regenerated with their own prompt, subjects, seed and
// routing), in a worker thread → the gate (metrics.gate, audited). The operator promotes.
import { eq, inArray } from 'drizzle-orm';
import { writeAudit, type Db } from '@musar/db';
import {
  generationRequestSubjects,
  generationRequests,
  modelVersions,
  outputs,
  subjectImages,
  subjects,
} from '@musar/db/schema';
import { gateDecision, gateTolerance } from '@musar/core/retrain/gate';
import { describeZodError, ZEvaluatePayload } from '@musar/core/jobs/payloads';
import { ZRoutingOverrides } from '@musar/core/generation/routing-params';
import { servingVersion } from '@musar/core/models/serving';
import { runInThread } from './run-thread';
import type { THeldOutItem } from './types';
import { byId, num, weightsOf, type TFeedbackDeps, type TFeedbackJob } from './versions';

async function heldOutItems(db: Db, outputIds: string[]): Promise<THeldOutItem[]> {
  if (!outputIds.length) return [];
  const outs = await db
    .select({
      id: outputs.id,
      seed: outputs.seed,
      requestId: outputs.requestId,
      prompt: generationRequests.prompt,
      routing: generationRequests.routingParams,
    })
    .from(outputs)
    .innerJoin(generationRequests, eq(generationRequests.id, outputs.requestId))
    .where(inArray(outputs.id, outputIds));
  const subs = await db
    .select({
      requestId: generationRequestSubjects.requestId,
      position: generationRequestSubjects.position,
      id: subjects.id,
      classWord: subjects.classWord,
      attributes: subjects.attributes,
    })
    .from(generationRequestSubjects)
    .innerJoin(subjects, eq(subjects.id, generationRequestSubjects.subjectId))
    .where(
      inArray(
        generationRequestSubjects.requestId,
        outs.map((o) => o.requestId),
      ),
    )
    .orderBy(generationRequestSubjects.position);
  const imgs = await db
    .select({ subjectId: subjectImages.subjectId, image: subjectImages.image })
    .from(subjectImages)
    .where(
      inArray(
        subjectImages.subjectId,
        subs.map((s) => s.id),
      ),
    )
    .orderBy(subjectImages.createdAt);
  return outs.map((o) => {
    // read back from the database: parsed like any routing from outside (routing-params.ts)
    const routing = ZRoutingOverrides.safeParse(o.routing);
    if (!routing.success)
      throw new Error(
        `held-out output ${o.id}: stored routing parameters: ${describeZodError(routing.error)}`,
      );
    return {
      prompt: o.prompt,
      seed: Number(o.seed ?? 0),
      routing: routing.data,
      subjects: subs
        .filter((s) => s.requestId === o.requestId)
        .map((s) => ({
          classWord: s.classWord,
          referencePng: imgs.find((i) => i.subjectId === s.id)!.image,
          spec: (s.attributes as { toyworld?: unknown } | null)?.toyworld ?? null,
        })),
    };
  });
}

export async function handleEvaluate(deps: TFeedbackDeps, job: TFeedbackJob) {
  const { db } = deps;
  const env = deps.env ?? process.env;
  const parsed = ZEvaluatePayload.safeParse(job.data);
  if (!parsed.success)
    throw new Error(`invalid evaluate payload: ${describeZodError(parsed.error)}`);
  const p = parsed.data;
  const candidate = await byId(db, p.modelVersionId);
  if (!candidate) throw new Error(`model version ${p.modelVersionId} does not exist`);
  const serving = await servingVersion(db, 'adapter');
  const training = ((candidate.metrics ?? {}) as { training?: { heldOutOutputIds?: string[] } })
    .training;
  const models = [{ label: 'candidate', ...(await weightsOf(db, candidate)) }];
  if (serving && serving.id !== candidate.id)
    models.push({ label: 'serving', ...(await weightsOf(db, serving)) });
  const result = await runInThread({
    kind: 'evaluate',
    models,
    suites: p.suites,
    suiteCount: num(env.MUSAR_EVAL_COUNT, 8),
    steps: num(env.MUSAR_EVAL_STEPS, 10),
    heldOut: await heldOutItems(db, training?.heldOutOutputIds ?? []),
  });
  const cand = result.byModel.candidate ?? {};
  const gate = gateDecision(
    Object.keys(cand).map((name) => ({
      name,
      candidate: cand[name]!,
      serving: result.byModel.serving?.[name] ?? null,
    })),
    gateTolerance(env),
  );
  await db.transaction(async (tx) => {
    const [fresh] = await tx
      .select({ metrics: modelVersions.metrics })
      .from(modelVersions)
      .where(eq(modelVersions.id, candidate.id))
      .for('update');
    await tx
      .update(modelVersions)
      .set({
        metrics: {
          ...(fresh?.metrics ?? {}),
          evaluation: {
            ...result.byModel,
            guidance: result.guidance,
            servingId: serving?.id ?? null,
            seconds: result.seconds,
            backend: result.backend,
          },
          gate,
        },
      })
      .where(eq(modelVersions.id, candidate.id));
    await writeAudit(tx, {
      actor: 'system',
      action: 'model.evaluated',
      targetType: 'model_version',
      targetId: candidate.id,
      after: { passed: gate.passed, sets: gate.sets, servingId: serving?.id ?? null },
    });
  });
  return gate;
}
