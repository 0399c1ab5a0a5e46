// What the revocation cascade asks of the job system: cancel queued jobs, signal training
// threads, enqueue a retrain. `startBoss` (jobs/boss.ts) registers the real ones (job-hooks.ts)
// once the job tables and queues exist in this process; tests register fakes to observe or pause
// a cascade. Both run INSIDE the cascade's transaction, so a queued job is cancelled / a retrain
// enqueued only if the revocation commits (pg-boss enqueues through a drizzle transaction: see
// jobs/executor.ts).
//
// Without hooks the cascade still holds: generation requests are set `cancelled` in the same
// transaction and the worker re-checks request state and consent before running and before
// storing outputs; the retrain request is written to the audit log (`model.retrain_requested`,
// after.scheduled = false) so an operator sees it and can start it.
import type { Tx } from '@musar/db';

export type TRetrainRequest = {
  /** The adapter to continue from: the newest untainted one (null: the worker's default). */
  parentVersionId: string | null;
  /** e.g. `consent-revoked:<subjectId>` */
  reason: string;
  /** Subjects whose images and outputs must not be trained on. */
  excludeSubjectIds: string[];
  requestedBy: string | null;
};

export type TConsentJobHooks = {
  /** Cancels the queued/active jobs of these generation requests. */
  cancelGenerationJobs?: (tx: Tx, requestIds: string[]) => Promise<void>;
  /** Cancels the jobs of retrains the cascade stopped and signals their training threads. */
  cancelRetrainJobs?: (tx: Tx, jobIds: string[], modelVersionIds: string[]) => Promise<void>;
  /** Enqueues a retrain; returns its job id. */
  scheduleRetrain?: (tx: Tx, request: TRetrainRequest) => Promise<string | null>;
};

// One registry per process, kept on globalThis: Next bundles this module more than once (the
// instrumentation hook that registers the hooks, and each route — tRPC included — that runs a
// revocation), and a module-level variable gave the routes an empty copy, so a revocation through
// the dashboard cancelled no job and scheduled no retrain (issue 15, finding 4).
const KEY = Symbol.for('musar.api.consentJobHooks');
type Holder = { [KEY]?: TConsentJobHooks };
const holder = globalThis as Holder;

export function registerConsentJobHooks(hooks: TConsentJobHooks): void {
  holder[KEY] = { ...holder[KEY], ...hooks };
}

export function consentJobHooks(): TConsentJobHooks {
  return holder[KEY] ?? {};
}

/** For tests. */
export function resetConsentJobHooks(): void {
  holder[KEY] = {};
}
