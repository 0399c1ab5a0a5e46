// What other packages import from `@musar/worker/queue`: queue names, payload schemas, and the
// transactional enqueue / cancel functions (they run in the caller's drizzle transaction).
export {
  QUEUES,
  QUEUE_NAMES,
  QUEUE_POLICIES,
  deadLetterOf,
  type TQueueName,
  type TQueuePolicy,
} from './names';
export * from './payloads';
export {
  sendInTransaction,
  cancelInTransaction,
  jobState,
  completeJobAttempt,
  failJobPermanently,
  type TJobAttempt,
} from './job-sql';
export {
  createBoss,
  startBoss,
  ensureQueues,
  pgliteOf,
  handleExecutor,
  type TBossOptions,
} from './boss';
export { drizzleExecutor, pgliteExecutor, postgresJsExecutor, type TSqlExecutor } from './executor';
export { cancelGenerationRequests, cancelJobsForSubject } from '../generation/cancel';
export { subjectsLackingConsent, type TConsentScope } from '../generation/consent';
export {
  consentJobHooks,
  cancelGenerationJobs,
  scheduleRetrain,
} from '../generation/consent-hooks';
