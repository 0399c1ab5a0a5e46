// Registers the feedback-loop consumers (retrain, evaluate) and the retraining policy schedule on
// a pg-boss instance. Called by the runner; kept apart from the generate consumer.
import type PgBoss from 'pg-boss';
import { maybeStartRetrain } from '@musar/core/retrain/retrain';
import type { Db, DbHandle } from '@musar/db';
import { listenOn, RETRAIN_CANCEL_CHANNEL } from '@musar/core/jobs/cancel-signal';
import { recordOwner } from '../queue/reclaim';
import type { TLogger } from '../log';
import { QUEUES } from '@musar/core/jobs/names';
import { handleEvaluate } from './evaluate';
import { handleRetrain } from './handler';

export const RETRAIN_POLICY_QUEUE = 'retrain-policy';

export async function registerFeedbackQueues(
  boss: PgBoss,
  o: { db: Db; log: TLogger; handle?: DbHandle; owner?: string; watchMs?: number },
) {
  const opts = { batchSize: 1, pollingIntervalSeconds: 2, includeMetadata: true as const };
  // The revocation cascade stops running retrains with a NOTIFY (the handler also polls).
  const stops = new Map<string, () => void>();
  const unlisten = o.handle
    ? await listenOn(o.handle, RETRAIN_CANCEL_CHANNEL, (id) => stops.get(id)?.())
    : async () => {};
  await boss.work(QUEUES.retrain, opts, async ([job]) => {
    if (!job) return;
    if (o.owner) await recordOwner(o.db, job, o.owner);
    const r = await handleRetrain({ db: o.db, stops, watchMs: o.watchMs }, job);
    if (r.failed)
      o.log.warn(
        { jobId: job.id, candidateId: r.candidateId, reason: r.failed },
        'retrain failed (not retried)',
      );
    else if (r.cancelled)
      o.log.warn(
        { jobId: job.id, candidateId: r.candidateId },
        'retrain stopped: its data lost consent',
      );
    else o.log.info({ jobId: job.id, candidateId: r.candidateId }, 'retrain finished');
  });
  await boss.work(QUEUES.evaluate, opts, async ([job]) => {
    if (!job) return;
    if (o.owner) await recordOwner(o.db, job, o.owner);
    const gate = await handleEvaluate({ db: o.db }, job);
    o.log.info({ jobId: job.id, passed: gate.passed }, 'evaluation finished');
  });
  // The policy: every minute, start a retrain when enough new approved outputs exist.
  await boss.createQueue(RETRAIN_POLICY_QUEUE).catch(() => {});
  await boss.schedule(RETRAIN_POLICY_QUEUE, '* * * * *');
  await boss.work(RETRAIN_POLICY_QUEUE, { pollingIntervalSeconds: 10 }, async () => {
    const started = await maybeStartRetrain(o.db);
    if (started) o.log.info(started, 'retrain policy started a retrain');
  });
  return async () => {
    for (const q of [QUEUES.retrain, QUEUES.evaluate, RETRAIN_POLICY_QUEUE])
      await boss.offWork(q).catch(() => {});
    await unlisten().catch(() => {});
  };
}
