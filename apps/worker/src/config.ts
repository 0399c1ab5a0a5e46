// Worker process settings from the environment, validated.
import { z } from 'zod';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const ZWorkerEnv = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  /** Compute threads (one TF.js backend each). */
  MUSAR_THREADS: int(1, 64).optional(),
  /** Concurrent generate jobs (default: one per thread). */
  MUSAR_CONCURRENCY: int(1, 256).optional(),
  /** Port of GET /metrics and /healthz; 0 = none. */
  METRICS_PORT: int(0, 65535).default(9464),
  /** Address the metrics server binds: loopback unless set (a container sets 0.0.0.0 so
   * Prometheus and the kubelet's probes reach it). */
  METRICS_HOST: z.union([z.ipv4(), z.ipv6(), z.literal('localhost')]).default('127.0.0.1'),
  /** Seconds a running job may take to finish after SIGTERM before it is released. */
  MUSAR_SHUTDOWN_GRACE_SECONDS: int(0, 3600).default(30),
  MUSAR_MAINTENANCE_SECONDS: int(1, 3600).default(30),
  MUSAR_POLL_SECONDS: z.coerce.number().min(0.5).max(60).default(0.5),
  /** Overrides of the generate queue's expiry (seconds): tests shorten it to recover quickly. */
  MUSAR_GENERATE_EXPIRE_SECONDS: int(1, 86_400).optional(),
  MUSAR_GENERATE_RETRY_DELAY: int(0, 86_400).optional(),
});
export type TWorkerEnv = z.infer<typeof ZWorkerEnv>;

export function parseWorkerEnv(env: NodeJS.ProcessEnv = process.env): TWorkerEnv {
  const parsed = ZWorkerEnv.safeParse(env);
  if (!parsed.success)
    throw new Error(
      `invalid worker environment: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}
