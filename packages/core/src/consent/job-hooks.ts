// The job side of consent revocation: the cascade calls these inside its transaction once
// `startBoss` has registered them (consent/hooks.ts).
import { inArray } from 'drizzle-orm';
import type { DbOrTx } from '@musar/db';
import { generationRequests } from '@musar/db/schema';
import { cancelInTransaction, sendInTransaction } from '../jobs/job-sql';
import { QUEUES } from '../jobs/names';
import { ZRetrainPayload, type TRetrainPayload } from '../jobs/payloads';
import { notifyCancelled, notifyRetrainCancelled } from '../jobs/cancel-signal';

/** Cancels the pg-boss jobs of these generation requests (the cascade already set them cancelled). */
export async function cancelGenerationJobs(tx: DbOrTx, requestIds: string[]): Promise<void> {
  if (requestIds.length === 0) return;
  const rows = await tx
    .select({ jobId: generationRequests.jobId })
    .from(generationRequests)
    .where(inArray(generationRequests.id, requestIds));
  await cancelInTransaction(
    tx,
    QUEUES.generate,
    rows.flatMap((r) => (r.jobId ? [r.jobId] : [])),
  );
  await notifyCancelled(tx, requestIds);
}

/** Cancels the jobs of retrains the cascade stopped (in its transaction) and signals their threads. */
export async function cancelRetrainJobs(
  tx: DbOrTx,
  jobIds: string[],
  modelVersionIds: string[],
): Promise<void> {
  await cancelInTransaction(tx, QUEUES.retrain, jobIds);
  await notifyRetrainCancelled(tx, modelVersionIds);
}

/** Enqueues a retrain job in the caller's transaction; returns its job id. */
export async function scheduleRetrain(
  tx: DbOrTx,
  request: Partial<TRetrainPayload> & { reason: string },
): Promise<string> {
  return sendInTransaction(tx, QUEUES.retrain, ZRetrainPayload.parse(request));
}

export const consentJobHooks = { cancelGenerationJobs, cancelRetrainJobs, scheduleRetrain };
