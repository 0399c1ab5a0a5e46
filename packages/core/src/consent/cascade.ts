// The revocation cascade: what losing a subject's consent does, run inside the transaction that
// revoked (or expired, or erased) it, so it all commits together or not at all.
//   generate lost → queued/running generation requests with the subject cancelled (and their
//                   jobs, through the worker's hook); every output holding it withdrawn (gone from
//                   review queues — claims take only pending_review — exports and training sets).
//   train lost    → model versions whose lineage includes it (directly, or through an output
//                   holding it), and every version continued from one of those, marked tainted; a
//                   serving version that is tainted hands the pointer to the newest untainted
//                   version that has served before; a retrain without the subject is scheduled.
//   either lost   → retrains still training on data that holds the subject (an output of it in
//                   their training or held-out set, or a parent just tainted) are stopped at once:
//                   the candidate `tainted` (train lost / tainted parent) or `failed`, its job
//                   cancelled and the training thread signalled through the worker's hook.
import { sql } from 'drizzle-orm';
import { executeRows, writeAudit, type AuditEntry, type Tx } from '@musar/db';
import { auditLog } from '@musar/db/schema';
import { auditActor, actorId, type TActor, type TConsentScope } from './consent';
import { consentJobHooks } from './hooks';
import { servingVersion } from '../models/serving';

export type TCascadeResult = {
  subjectId: string;
  lostScopes: TConsentScope[];
  cancelledRequestIds: string[];
  withdrawnOutputIds: string[];
  taintedVersionIds: string[];
  /** Running retrains stopped because their training data lost consent. */
  cancelledRetrainIds: string[];
  /** Set when the serving version was tainted: where the pointer went (null: none left). */
  servingMoved: { kind: string; from: string; to: string | null } | null;
  retrainJobId: string | null;
  retrainScheduled: boolean;
};

type TCascadeInput = {
  subjectId: string;
  lostScopes: TConsentScope[];
  actor: TActor;
  reason: string;
};

export async function runRevocationCascade(tx: Tx, input: TCascadeInput): Promise<TCascadeResult> {
  const result: TCascadeResult = {
    subjectId: input.subjectId,
    lostScopes: input.lostScopes,
    cancelledRequestIds: [],
    withdrawnOutputIds: [],
    taintedVersionIds: [],
    cancelledRetrainIds: [],
    servingMoved: null,
    retrainJobId: null,
    retrainScheduled: false,
  };
  if (input.lostScopes.includes('generate')) await stopGeneration(tx, input, result);
  if (input.lostScopes.includes('train')) await taintModels(tx, input, result);
  if (input.lostScopes.length > 0) await stopRetrains(tx, input, result);
  return result;
}

/** Retrains still training (`metrics.training.status = 'running'`) on data that holds the subject:
 * an output of it among their training or held-out outputs, or a parent tainted by this cascade.
 * Stopped in the revoking transaction; the worker's hook cancels their jobs and signals the
 * thread (without it the worker notices the row at its next poll). */
async function stopRetrains(tx: Tx, input: TCascadeInput, result: TCascadeResult) {
  const { subjectId, actor, reason } = input;
  const trainLost = input.lostScopes.includes('train');
  const holdingOutputs = sql`(select o.id::text from outputs o where o.request_id in ${holding(subjectId)})`;
  const tainted = result.taintedVersionIds;
  const stopped = await executeRows<{
    id: string;
    previous: string;
    job_id: string | null;
    now: string;
  }>(
    tx,
    sql`with hit as (
          select id, state from model_versions m
          where m.metrics->'training'->>'status' in ('running', 'retrying', 'interrupted') and m.state in ('candidate', 'tainted')
            and (exists (select 1 from jsonb_array_elements_text(coalesce(m.metrics->'training'->'trainOutputIds', '[]'::jsonb)
                                                                 || coalesce(m.metrics->'training'->'heldOutOutputIds', '[]'::jsonb)) d(oid)
                         where d.oid in ${holdingOutputs})
                 ${tainted.length ? sql`or m.id in ${tainted} or m.parent_id in ${tainted}` : sql``})
          for update)
        update model_versions m
        set state = case when ${trainLost}::boolean or m.state = 'tainted' then 'tainted'::model_state else 'failed'::model_state end,
            tainted_at = case when ${trainLost}::boolean or m.state = 'tainted' then coalesce(m.tainted_at, now()) else m.tainted_at end,
            taint_reason = case when ${trainLost}::boolean or m.state = 'tainted'
                                then coalesce(m.taint_reason, ${`trained on subject ${subjectId} (${reason})`}::text) else m.taint_reason end,
            metrics = jsonb_set(m.metrics, '{training}', (m.metrics->'training') || jsonb_build_object(
              'status', 'cancelled', 'error', ${`stopped: consent for subject ${subjectId} was lost (${reason})`}::text))
        from hit where m.id = hit.id
        returning m.id, m.state::text as now, hit.state::text as previous, m.metrics->'training'->>'jobId' as job_id`,
  );
  if (stopped.length === 0) return;
  result.cancelledRetrainIds = stopped.map((r) => r.id);
  await consentJobHooks().cancelRetrainJobs?.(
    tx,
    stopped.flatMap((r) => (r.job_id ? [r.job_id] : [])),
    result.cancelledRetrainIds,
  );
  await writeAuditBatch(
    tx,
    stopped.map((r) => ({
      actor: auditActor(actor),
      action: 'model.retrain_cancelled',
      targetType: 'model_version',
      targetId: r.id,
      before: { state: r.previous, training: 'running' },
      after: { state: r.now, training: 'cancelled', subjectId, reason, jobId: r.job_id },
    })),
  );
}

const holding = (subjectId: string) =>
  sql`(select request_id from generation_request_subjects where subject_id = ${subjectId})`;

async function stopGeneration(tx: Tx, input: TCascadeInput, result: TCascadeResult) {
  const { subjectId, actor, reason } = input;
  const cancelled = await executeRows<{ id: string; previous: string }>(
    tx,
    sql`update generation_requests r
        set state = 'cancelled', finished_at = now(), error = ${`consent revoked: ${reason}`}
        from (select id, state from generation_requests
              where state in ('queued', 'running') and id in ${holding(subjectId)} for update) old
        where r.id = old.id returning r.id, old.state as previous`,
  );
  result.cancelledRequestIds = cancelled.map((r) => r.id);
  if (cancelled.length > 0) {
    await consentJobHooks().cancelGenerationJobs?.(tx, result.cancelledRequestIds);
    await writeAuditBatch(
      tx,
      cancelled.map((r) => ({
        actor: auditActor(actor),
        action: 'generation.cancel',
        targetType: 'generation_request',
        targetId: r.id,
        before: { state: r.previous },
        after: { state: 'cancelled', subjectId, reason },
      })),
    );
  }
  const withdrawn = await executeRows<{ id: string; previous: string }>(
    tx,
    sql`update outputs o
        set state = 'withdrawn', withdrawn_reason = ${`consent revoked: ${reason}`},
            leased_by = null, lease_expires_at = null
        from (select id, state from outputs
              where state <> 'withdrawn' and request_id in ${holding(subjectId)} for update) old
        where o.id = old.id returning o.id, old.state as previous`,
  );
  result.withdrawnOutputIds = withdrawn.map((r) => r.id);
  await writeAuditBatch(
    tx,
    withdrawn.map((r) => ({
      actor: auditActor(actor),
      action: 'output.withdraw',
      targetType: 'output',
      targetId: r.id,
      before: { state: r.previous },
      after: { state: 'withdrawn', subjectId, reason },
    })),
  );
}

async function taintModels(tx: Tx, input: TCascadeInput, result: TCascadeResult) {
  const { subjectId, actor, reason } = input;
  const tainted = await executeRows<{ id: string; name: string; kind: string; previous: string }>(
    tx,
    sql`with recursive hit(id) as (
          select l.model_version_id from lineage l
          where l.subject_id = ${subjectId}
             or l.output_id in (select o.id from outputs o where o.request_id in ${holding(subjectId)})
          union
          select m.id from model_versions m join hit on m.parent_id = hit.id)
        update model_versions m
        set state = 'tainted', tainted_at = now(), taint_reason = ${`trained on subject ${subjectId} (${reason})`}
        from (select id, state from model_versions
              where id in (select id from hit) and state <> 'tainted' for update) old
        where m.id = old.id returning m.id, m.name, m.kind, old.state as previous`,
  );
  result.taintedVersionIds = tainted.map((r) => r.id);
  await writeAuditBatch(
    tx,
    tainted.map((r) => ({
      actor: auditActor(actor),
      action: 'model.taint',
      targetType: 'model_version',
      targetId: r.id,
      before: { state: r.previous },
      after: { state: 'tainted', subjectId, reason },
    })),
  );
  const wasServing = tainted.find((r) => r.previous === 'serving');
  if (wasServing) result.servingMoved = await moveServingPointer(tx, wasServing, actor);
  if (tainted.length === 0) return;
  const request = {
    parentVersionId: result.servingMoved
      ? result.servingMoved.to
      : ((await servingVersion(tx, 'adapter', ['id']))?.id ?? null),
    reason: `consent-revoked:${subjectId}`,
    excludeSubjectIds: [subjectId],
    requestedBy: actorId(actor),
  };
  const schedule = consentJobHooks().scheduleRetrain;
  result.retrainJobId = schedule ? await schedule(tx, request) : null;
  result.retrainScheduled = Boolean(schedule);
  await writeAudit(tx, {
    actor: auditActor(actor),
    action: 'model.retrain_requested',
    targetType: 'subject',
    targetId: subjectId,
    after: { ...request, scheduled: result.retrainScheduled, jobId: result.retrainJobId },
  });
}

/** The newest untainted version of the same kind that has served before (retired, promoted once). */
async function moveServingPointer(tx: Tx, from: { id: string; kind: string }, actor: TActor) {
  const [next] = await executeRows<{ id: string }>(
    tx,
    sql`update model_versions set state = 'serving', promoted_at = now(), retired_at = null
        where id = (select id from model_versions
                    where kind = ${from.kind} and state = 'retired' and promoted_at is not null
                    order by created_at desc, id desc limit 1 for update)
        returning id`,
  );
  const moved = { kind: from.kind, from: from.id, to: next?.id ?? null };
  await writeAudit(tx, {
    actor: auditActor(actor),
    action: 'model.serving_moved',
    targetType: 'model_version',
    targetId: moved.to,
    before: { serving: from.id },
    after: { serving: moved.to, why: 'serving version tainted by consent revocation' },
  });
  return moved;
}

/** Many audit entries, one INSERT per 1000 (the columns writeAudit fills), in entry order. */
async function writeAuditBatch(tx: Tx, entries: AuditEntry[]) {
  for (let i = 0; i < entries.length; i += 1000) {
    await tx.insert(auditLog).values(
      entries.slice(i, i + 1000).map((e) => {
        const who = e.actor === 'system' ? null : e.actor;
        return {
          actorId: who?.id ?? null,
          actorLabel: who?.email ?? 'system',
          action: e.action,
          targetType: e.targetType,
          targetId: e.targetId ?? null,
          before: e.before ?? null,
          after: e.after ?? null,
        };
      }),
    );
  }
}
