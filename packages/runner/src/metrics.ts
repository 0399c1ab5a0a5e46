// Prometheus metrics (prom-client). Queue depth and age are read from pg-boss's table at scrape
// time, so any process (web or worker) reports the same fleet-wide numbers.
import { sql } from 'drizzle-orm';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { executeRows, type Db } from '@musar/db';
import { QUEUE_NAMES } from '@musar/core/jobs/names';

export type TMetrics = ReturnType<typeof createMetrics>;

export function createMetrics(opts: {
  db: Db | (() => Db | null);
  role: 'web' | 'worker' | 'embedded';
  defaults?: boolean;
}) {
  const registry = new Registry();
  registry.setDefaultLabels({ role: opts.role });
  if (opts.defaults !== false) collectDefaultMetrics({ register: registry });
  let warned = false;
  // (drizzle's PGlite database is itself callable: tell a getter from a database by its API.)
  const dbOf = (): Db | null => ('select' in opts.db ? opts.db : opts.db());

  // prom-client collects every metric concurrently: the three queue gauges share one query per
  // scrape (the first collect() starts it, the others await the same promise).
  let pending: Promise<void> | null = null;
  const refresh = () => (pending ??= readQueues().finally(() => (pending = null)));
  const depth = new Gauge({
    name: 'musar_queue_jobs',
    help: 'Jobs per queue and state (pg-boss)',
    labelNames: ['queue', 'state'],
    registers: [registry],
    collect: () => refresh(),
  });
  const age = new Gauge({
    name: 'musar_queue_oldest_waiting_seconds',
    help: 'Age of the oldest job waiting to start (created or retry) per queue',
    labelNames: ['queue'],
    registers: [registry],
    collect: () => refresh(),
  });
  const scrapeOk = new Gauge({
    name: 'musar_queue_scrape_ok',
    help: '1 when queue depth could be read at the last scrape',
    registers: [registry],
    collect: () => refresh(),
  });
  async function readQueues(): Promise<void> {
    const db = dbOf();
    if (!db) return void scrapeOk.set(0);
    try {
      const rows = await executeRows<{
        name: string;
        state: string;
        n: number;
        oldest: number | null;
      }>(
        db,
        sql`SELECT name, state::text AS state, count(*)::int AS n,
              extract(epoch FROM now() - min(created_on) FILTER (WHERE state IN ('created', 'retry')))::float8 AS oldest
            FROM pgboss.job WHERE state < 'completed' GROUP BY name, state`,
      );
      depth.reset();
      age.reset();
      for (const q of QUEUE_NAMES) {
        for (const st of ['created', 'retry', 'active']) depth.set({ queue: q, state: st }, 0);
        age.set({ queue: q }, 0);
      }
      for (const r of rows) {
        depth.set({ queue: r.name, state: r.state }, r.n);
        if (r.oldest !== null) age.set({ queue: r.name }, r.oldest);
      }
      scrapeOk.set(1);
    } catch (error) {
      scrapeOk.set(0);
      if (!warned) console.error('[metrics] reading queue depth failed:', error);
      warned = true;
    }
  }
  const jobDuration = new Histogram({
    name: 'musar_job_duration_seconds',
    help: 'Wall time of a job attempt by queue and outcome',
    labelNames: ['queue', 'outcome'],
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800],
    registers: [registry],
  });
  const jobs = new Counter({
    name: 'musar_jobs_total',
    help: 'Job attempts by queue and outcome',
    labelNames: ['queue', 'outcome'],
    registers: [registry],
  });
  const perImage = new Histogram({
    name: 'musar_generation_seconds_per_image',
    help: 'Sampling + scoring seconds per generated image',
    labelNames: ['backend'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16],
    registers: [registry],
  });
  const backend = new Gauge({
    name: 'musar_backend_info',
    help: 'TF.js backend in use per compute thread (value 1)',
    labelNames: ['backend', 'thread'],
    registers: [registry],
  });
  const deadLettered = new Counter({
    name: 'musar_jobs_dead_lettered_total',
    help: 'Jobs that exhausted their retries',
    labelNames: ['queue'],
    registers: [registry],
  });
  return { registry, jobDuration, jobs, perImage, backend, deadLettered };
}
