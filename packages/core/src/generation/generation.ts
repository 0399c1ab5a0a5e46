// Generation requests: the operator's request and its job are written in one transaction (the
// job is enqueued through that transaction), so a request never exists without its job or the
// reverse. The worker re-checks consent when it runs; cancellation is a state change it watches.
import { randomInt } from 'node:crypto';
import { count, desc, eq, inArray, sql } from 'drizzle-orm';
import { executeRows, writeAudit, type Db } from '@musar/db';
import {
  generationRequests,
  generationRequestSubjects,
  outputs,
  routingConfigs,
  subjects,
} from '@musar/db/schema';
import { cancelGenerationRequests } from './cancel';
import { QUEUES } from '../jobs/names';
import { sendInTransaction } from '../jobs/job-sql';
import type { TGeneratePayload } from '../jobs/payloads';
import type { SessionUser } from '../common/actor';
import { notFound, ServiceError } from '../common/errors';
import { assertConsent } from '../consent/consent';
import { outputReadable, toBytes } from './output-access';

type TOutputState = 'pending_review' | 'approved' | 'rejected' | 'withdrawn';
import { assertRoutingForModel, parseStoredRouting } from './routing';
import type { TRoutingOverrides } from './routing-params';
import { iso } from '../common/schemas';
import type { TCreateGeneration, TGenerationRequest } from './schemas';

const actorOf = (u: SessionUser) => ({ id: u.id, email: u.email });

export async function createGeneration(
  db: Db,
  actor: SessionUser,
  input: TCreateGeneration,
  opts: { purpose?: 'production' | 'preview' } = {},
): Promise<TGenerationRequest> {
  const purpose = opts.purpose ?? 'production';
  const id = await db.transaction(async (tx) => {
    // Refuses a subject without generate consent (ConsentError, the reasons), and holds the
    // consent rows (FOR SHARE) until this request commits: a concurrent revocation waits for it
    // and then cancels it, and a request can never be written after a revocation committed.
    await assertConsent(tx, input.subjectIds, 'generate');
    let base: TRoutingOverrides = {};
    if (input.routingConfigId) {
      const [cfg] = await tx
        .select()
        .from(routingConfigs)
        .where(eq(routingConfigs.id, input.routingConfigId));
      if (!cfg) throw notFound('Routing config');
      base = parseStoredRouting(cfg.params, 'routing config');
    }
    const seed = input.seed ?? randomInt(0, 2 ** 31 - 1);
    const routing: TRoutingOverrides = { ...base, ...input.routing };
    // The model the worker will use must accept the routing (else the job fails on every retry).
    await assertRoutingForModel(tx, routing, { subjects: input.subjectIds.length });
    const [req] = await tx
      .insert(generationRequests)
      .values({
        prompt: input.prompt,
        routingConfigId: input.routingConfigId ?? null,
        routingParams: routing,
        steps: input.steps,
        count: input.count,
        seed,
        consensusK: input.consensusK,
        requestedBy: actor.id,
        purpose,
      })
      .returning();
    await tx.insert(generationRequestSubjects).values(
      input.subjectIds.map((subjectId, position) => ({
        requestId: req!.id,
        subjectId,
        position,
      })),
    );
    // Every field was parsed at the boundary (ZCreateGeneration, the stored config): typed from here.
    const payload: TGeneratePayload = {
      requestId: req!.id,
      subjectIds: input.subjectIds,
      prompt: input.prompt,
      count: input.count,
      seed,
      steps: input.steps,
      routing,
      modelVersionId: null,
    };
    // Long generations get a longer expiry so a slow (not dead) worker is not presumed dead.
    const expireInSeconds = Math.max(15 * 60, input.count * input.steps * 3);
    const jobId = await sendInTransaction(tx, QUEUES.generate, payload, { expireInSeconds });
    await tx.update(generationRequests).set({ jobId }).where(eq(generationRequests.id, req!.id));
    await writeAudit(tx, {
      actor: actorOf(actor),
      action: 'generation.request',
      targetType: 'generation_request',
      targetId: req!.id,
      after: {
        subjectIds: input.subjectIds,
        prompt: input.prompt,
        count: input.count,
        seed,
        steps: input.steps,
        routing,
        jobId,
        ...(purpose === 'preview' ? { purpose } : {}),
      },
    });
    return req!.id;
  });
  return getGeneration(db, id);
}

export async function cancelGeneration(
  db: Db,
  actor: SessionUser,
  requestId: string,
): Promise<TGenerationRequest> {
  const done = await db.transaction(async (tx) => {
    const [req] = await tx
      .select({ state: generationRequests.state })
      .from(generationRequests)
      .where(eq(generationRequests.id, requestId));
    if (!req) throw notFound('Generation request');
    return cancelGenerationRequests(tx, [requestId], actorOf(actor), `cancelled by ${actor.email}`);
  });
  if (done.length === 0) {
    const current = await getGeneration(db, requestId);
    throw new ServiceError('CONFLICT', `The request is already ${current.state}`);
  }
  return getGeneration(db, requestId);
}

export async function listGenerations(
  db: Db,
  input: { limit: number; offset: number },
): Promise<{ items: TGenerationRequest[]; total: number }> {
  // routing previews are listed on the routing page, not here
  const production = eq(generationRequests.purpose, 'production');
  const rows = await db
    .select()
    .from(generationRequests)
    .where(production)
    .orderBy(desc(generationRequests.createdAt))
    .limit(input.limit)
    .offset(input.offset);
  const [total] = await db.select({ n: count() }).from(generationRequests).where(production);
  return { items: await toViews(db, rows), total: total?.n ?? 0 };
}

export async function getGeneration(db: Db, requestId: string): Promise<TGenerationRequest> {
  const rows = await db
    .select()
    .from(generationRequests)
    .where(eq(generationRequests.id, requestId));
  if (!rows[0]) throw notFound('Generation request');
  return (await toViews(db, rows))[0]!;
}

type Row = typeof generationRequests.$inferSelect;

async function toViews(db: Db, rows: Row[]): Promise<TGenerationRequest[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const subs = await db
    .select({
      requestId: generationRequestSubjects.requestId,
      id: subjects.id,
      name: subjects.name,
      position: generationRequestSubjects.position,
    })
    .from(generationRequestSubjects)
    .innerJoin(subjects, eq(subjects.id, generationRequestSubjects.subjectId))
    .where(inArray(generationRequestSubjects.requestId, ids))
    .orderBy(generationRequestSubjects.position);
  const outs = await db
    .select({ requestId: outputs.requestId, n: count() })
    .from(outputs)
    .where(inArray(outputs.requestId, ids))
    .groupBy(outputs.requestId);
  return rows.map((r) => {
    // The worker's totals once it runs (what the sampler really runs), else the request's own.
    const totalSteps = r.stepsTotal ?? r.count * r.steps;
    const steps = Math.max(1, Math.round(totalSteps / r.count));
    // steps_done is written per sampling step; rows from before it only have the fraction
    const stepsDone = Math.min(
      totalSteps,
      Math.max(r.stepsDone, Math.round(r.progress * totalSteps)),
    );
    return {
      id: r.id,
      prompt: r.prompt,
      state: r.state,
      progress: totalSteps > 0 ? stepsDone / totalSteps : 0,
      step: stepsDone,
      totalSteps,
      stepsPerImage: steps,
      imagesDone: Math.min(r.count, Math.floor(stepsDone / steps)),
      evaluationsPerImage: r.evaluationsPerImage,
      purpose: r.purpose,
      count: r.count,
      seed: r.seed,
      routingParams: r.routingParams,
      subjects: subs.filter((s) => s.requestId === r.id).map((s) => ({ id: s.id, name: s.name })),
      outputs: outs.find((o) => o.requestId === r.id)?.n ?? 0,
      error: r.error,
      jobId: r.jobId,
      createdAt: r.createdAt.toISOString(),
      startedAt: iso(r.startedAt),
      finishedAt: iso(r.finishedAt),
    };
  });
}

/** The images a request produced, for its operator: per image its state and, while it may be
 * shown (outputReadable: not withdrawn, consent in force, no subject erased), the PNG. */
export async function requestOutputs(db: Db, requestId: string) {
  await getGeneration(db, requestId);
  const rows = await executeRows<{
    id: string;
    index: number;
    state: TOutputState;
    seed: number | null;
    scores: Record<string, unknown> | null;
    withdrawn_reason: string | null;
    mime_type: string;
    decided_at: Date | string | null;
    image: unknown;
  }>(
    db,
    sql`select o.id, o.index, o.state, o.seed, o.scores, o.withdrawn_reason, o.mime_type, o.decided_at,
               case when ${outputReadable()} then coalesce(o.approved_image, o.image) end as image
        from outputs o where o.request_id = ${requestId} order by o.index`,
  );
  return rows.map((o) => {
    const bytes = toBytes(o.image);
    return {
      id: o.id,
      index: o.index,
      state: o.state,
      seed: o.seed === null ? null : Number(o.seed),
      scores: o.scores,
      withdrawnReason: o.withdrawn_reason,
      decidedAt: o.decided_at ? new Date(o.decided_at).toISOString() : null,
      image: bytes
        ? `data:${o.mime_type};base64,${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}`
        : null,
    };
  });
}
