// The retraining policy. "New" data = approved outputs whose every subject has `train` consent and
// that no version in the serving adapter's ancestry was trained on (lineage). A retrain starts when
// MUSAR_RETRAIN_EVERY (default 20) such outputs exist, or when an operator asks; never with none,
// and never while another retrain is queued or running. The job (`retrain`, pg-boss) is enqueued
// in the transaction that writes its audit entry.
import { sql } from 'drizzle-orm';
import { executeRows, writeAudit, type DbOrTx, type Db } from '@musar/db';
import { QUEUES } from '../jobs/names';
import { sendInTransaction } from '../jobs/job-sql';
import { ZRetrainPayload } from '../jobs/payloads';
import { ServiceError } from '../common/errors';
import { auditActor, type TActor } from '../consent/consent';
import { splitByRegionGrid } from './data';
import { trainingSet } from './training-set';
import { servingVersion } from '../models/serving';
import { versionChain } from '../models/ancestry';

export const retrainThreshold = (env: Record<string, string | undefined> = process.env) => {
  const n = Number(env.MUSAR_RETRAIN_EVERY ?? 20);
  return Number.isInteger(n) && n > 0 ? n : 20;
};

/** Eligible approved outputs not yet in the serving adapter's lineage (or its ancestors'). */
export async function newFeedbackData(db: DbOrTx) {
  const serving = await servingVersion(db, 'adapter', ['id', 'name']);
  const set = await trainingSet(db);
  // what the serving adapter and every version it continued were trained on
  const chain = serving ? (await versionChain(db, serving.id)).map((l) => l.id) : [];
  const used = chain.length
    ? await executeRows<{ output_id: string }>(
        db,
        sql`select distinct l.output_id from lineage l where l.model_version_id in ${chain} and l.output_id is not null`,
      )
    : [];
  const usedIds = new Set(used.map((u) => u.output_id));
  // An approved output without a usable routing map cannot be a region-masked sample: left out
  // (and reported), never failing the whole retrain.
  const { usable: outputIds, withoutMap } = await splitByRegionGrid(
    db,
    set.outputIds.filter((id) => !usedIds.has(id)),
  );
  const repaints = outputIds.length
    ? await executeRows<{ n: number }>(
        db,
        sql`select count(distinct output_id)::int as n from reviews where output_id in ${outputIds} and decision = 'approve' and undone_at is null and routing_correction is not null`,
      )
    : [{ n: 0 }];
  return {
    servingAdapter: serving ?? null,
    outputIds,
    repaints: repaints[0]?.n ?? 0,
    excludedSubjectIds: set.excludedSubjectIds,
    withoutRoutingMapOutputIds: withoutMap,
  };
}

/** Retrain jobs not finished yet (queued, retrying or running). */
export async function openRetrainJobs(db: DbOrTx) {
  // No pg-boss schema yet (no worker or web server has started on this database): no jobs.
  const [installed] = await executeRows<{ t: string | null }>(
    db,
    sql`select to_regclass('pgboss.job')::text as t`,
  );
  if (!installed?.t) return [];
  return executeRows<{ id: string; state: string; data: Record<string, unknown> }>(
    db,
    sql`select id, state::text as state, data from pgboss.job where name = ${QUEUES.retrain} and state in ('created', 'retry', 'active')`,
  );
}

export async function retrainStatus(db: Db) {
  const data = await newFeedbackData(db);
  const open = await openRetrainJobs(db);
  const threshold = retrainThreshold();
  return {
    threshold,
    newApproved: data.outputIds.length,
    newRepaints: data.repaints,
    servingAdapter: data.servingAdapter,
    excludedSubjects: data.excludedSubjectIds.length,
    openJobs: open.map((j) => ({ id: j.id, state: j.state, reason: String(j.data.reason ?? '') })),
    due: data.outputIds.length >= threshold && open.length === 0,
  };
}

export async function startRetrain(
  db: Db,
  actor: TActor,
  input: { reason?: string; steps?: number } = {},
) {
  return db.transaction(async (tx) => {
    // One retrain at a time: serialise starters on a transaction-scoped advisory lock.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('musar:retrain'))`);
    const data = await newFeedbackData(tx);
    if (data.outputIds.length === 0)
      throw new ServiceError(
        'PRECONDITION_FAILED',
        'No eligible data to retrain on: no approved outputs since the serving adapter whose subjects all have train consent',
      );
    const open = await openRetrainJobs(tx);
    if (open.length)
      throw new ServiceError(
        'CONFLICT',
        `A retrain is already ${open[0]!.state === 'active' ? 'running' : 'queued'} (job ${open[0]!.id})`,
      );
    const payload = ZRetrainPayload.parse({
      parentVersionId: data.servingAdapter?.id ?? null,
      reason:
        input.reason ??
        (actor === 'system' ? `policy:${data.outputIds.length} approved` : 'operator'),
      excludeSubjectIds: data.excludedSubjectIds,
      ...(input.steps ? { steps: input.steps } : {}),
      requestedBy: actor === 'system' ? null : actor.id,
    });
    const jobId = await sendInTransaction(tx, QUEUES.retrain, payload);
    await writeAudit(tx, {
      actor: auditActor(actor),
      action: 'model.retrain_requested',
      targetType: 'job',
      targetId: jobId,
      after: {
        ...payload,
        newApproved: data.outputIds.length,
        newRepaints: data.repaints,
        withoutRoutingMap: data.withoutRoutingMapOutputIds.length,
        scheduled: true,
      },
    });
    return {
      jobId,
      newApproved: data.outputIds.length,
      newRepaints: data.repaints,
      parentVersionId: payload.parentVersionId,
    };
  });
}

/** The policy: starts a retrain when enough new data exists and none is open. Returns the job or null. */
export async function maybeStartRetrain(db: Db, threshold = retrainThreshold()) {
  const data = await newFeedbackData(db);
  if (data.outputIds.length < threshold || (await openRetrainJobs(db)).length) return null;
  try {
    return await startRetrain(db, 'system', { reason: `policy:${data.outputIds.length} approved` });
  } catch (error) {
    if (error instanceof ServiceError && error.code === 'CONFLICT') return null;
    throw error;
  }
}
