export * from '@musar/core/jobs/payloads';
export { startRunner, type TRunner, type TRunnerOptions } from './runner';
export { createComputePool, defaultThreadCount, type TComputePool } from './pool';
export { createMetrics, type TMetrics } from './metrics';
export { createLogger, type TLogger } from './log';
