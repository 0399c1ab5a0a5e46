// Cancellation of generation requests, in the caller's transaction: the request row, its pg-boss
// job and the audit entry change together. A running job notices within its watch interval (the
// runner is notified on commit, and polls as a fallback) and its thread is terminated: no output.
import { and, inArray } from 'drizzle-orm';
import { writeAudit, type AuditActor, type DbOrTx } from '@musar/db';
import { generationRequests } from '@musar/db/schema';
import { cancelInTransaction } from '../jobs/job-sql';
import { QUEUES } from '../jobs/names';
import { notifyCancelled } from '../jobs/cancel-signal';

const OPEN_STATES = ['queued', 'running'] as const;

/** Cancels the given requests that are still queued or running. Returns the ids it cancelled. */
export async function cancelGenerationRequests(
  tx: DbOrTx,
  requestIds: readonly string[],
  actor: AuditActor,
  reason: string,
): Promise<string[]> {
  if (requestIds.length === 0) return [];
  const rows = await tx
    .select({
      id: generationRequests.id,
      state: generationRequests.state,
      jobId: generationRequests.jobId,
    })
    .from(generationRequests)
    .where(
      and(
        inArray(generationRequests.id, [...requestIds]),
        inArray(generationRequests.state, [...OPEN_STATES]),
      ),
    )
    .for('update');
  if (rows.length === 0) return [];
  await tx
    .update(generationRequests)
    .set({ state: 'cancelled', error: reason, finishedAt: new Date() })
    .where(
      inArray(
        generationRequests.id,
        rows.map((r) => r.id),
      ),
    );
  await cancelInTransaction(
    tx,
    QUEUES.generate,
    rows.flatMap((r) => (r.jobId ? [r.jobId] : [])),
  );
  await notifyCancelled(
    tx,
    rows.map((r) => r.id),
  );
  for (const row of rows)
    await writeAudit(tx, {
      actor,
      action: 'generation.cancel',
      targetType: 'generation_request',
      targetId: row.id,
      before: { state: row.state },
      after: { state: 'cancelled', reason },
    });
  return rows.map((r) => r.id);
}
