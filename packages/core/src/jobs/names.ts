// Queue names and their policies. One place, so the API (enqueue), the runner (consume) and the
// metrics (depth per queue) agree.
export const QUEUES = { generate: 'generate', retrain: 'retrain', evaluate: 'evaluate' } as const;
export type TQueueName = (typeof QUEUES)[keyof typeof QUEUES];
export const QUEUE_NAMES = Object.values(QUEUES) as TQueueName[];

/** Where a job lands after its last retry failed (pg-boss copies it there). */
export const deadLetterOf = (name: TQueueName) => `${name}_dead` as const;

export type TQueuePolicy = {
  /** Attempts after the first (pg-boss retry_limit). */
  retryLimit: number;
  /** Seconds before the first retry; doubled (with jitter) each time when backoff is on. */
  retryDelay: number;
  retryBackoff: boolean;
  /** A job active this long is presumed dead (its worker died) and retried by another worker. */
  expireInSeconds: number;
};

/** Defaults chosen for a 2–4 subject, ≤16 image generation on a CPU worker (≈1 s per image). */
export const QUEUE_POLICIES: Record<TQueueName, TQueuePolicy> = {
  generate: { retryLimit: 3, retryDelay: 5, retryBackoff: true, expireInSeconds: 15 * 60 },
  retrain: { retryLimit: 1, retryDelay: 60, retryBackoff: true, expireInSeconds: 4 * 60 * 60 },
  evaluate: { retryLimit: 2, retryDelay: 30, retryBackoff: true, expireInSeconds: 60 * 60 },
};
