// The job system inside the web server process. Embedded mode (no DATABASE_URL): pg-boss on the
// shared PGlite plus a runner whose model compute runs in worker threads, off the web server's
// event loop. Production mode: pg-boss only (queues installed, jobs enqueued by requests); the
// runner lives in separate worker processes. MUSAR_EMBEDDED_RUNNER=on|off overrides.
import type PgBoss from 'pg-boss';
import type { DbHandle } from '@musar/db';
import { createLogger } from './log';
import { createMetrics, type TMetrics } from './metrics';
import { createComputePool, type TComputePool } from './pool';
import { startBoss } from '@musar/core/jobs/boss';
import { startRunner, type TRunner } from './runner';

export type TJobSystem = {
  boss: PgBoss;
  metrics: TMetrics;
  runner: TRunner | null;
  pool: TComputePool | null;
  stop(): Promise<void>;
};

const KEY = Symbol.for('musar.jobs');
type Holder = { [KEY]?: Promise<TJobSystem> };

export function runsEmbeddedRunner(handle: DbHandle): boolean {
  const flag = process.env.MUSAR_EMBEDDED_RUNNER;
  if (flag === 'on' || flag === 'off') return flag === 'on';
  return handle.driver === 'pglite';
}

/** Starts once per process (Next may load this module from several bundles). */
export function startJobSystem(handle: DbHandle): Promise<TJobSystem> {
  const holder = globalThis as Holder;
  holder[KEY] ??= init(handle).catch((error: unknown) => {
    delete holder[KEY];
    throw error;
  });
  return holder[KEY];
}

/** The running job system, if this process started one. */
export function currentJobSystem(): Promise<TJobSystem> | null {
  return (globalThis as Holder)[KEY] ?? null;
}

async function init(handle: DbHandle): Promise<TJobSystem> {
  const log = createLogger('musar-web-jobs');
  const embedded = runsEmbeddedRunner(handle);
  const boss = await startBoss(handle, { maintenanceIntervalSeconds: embedded ? 10 : 60 });
  boss.on('error', (err) => log.error({ err }, 'pg-boss error'));
  const metrics = createMetrics({ db: handle.db, role: embedded ? 'embedded' : 'web' });
  let pool: TComputePool | null = null;
  let runner: TRunner | null = null;
  if (embedded) {
    // One compute thread by default, leaving the other cores to the web server (MUSAR_THREADS overrides).
    // Compute threads run at a lower CPU priority than the web server's event loop.
    process.env.MUSAR_COMPUTE_NICE ??= '10';
    pool = createComputePool(Number(process.env.MUSAR_THREADS) || 1);
    runner = await startRunner({ handle, boss, pool, log, metrics });
  }
  log.info(
    { embedded, driver: handle.driver },
    embedded ? 'embedded job runner started' : 'job queues ready (runner in worker processes)',
  );
  return {
    boss,
    metrics,
    runner,
    pool,
    async stop() {
      await runner?.stop(10_000);
      await boss.stop({ graceful: true, wait: true, timeout: 5000 });
      await pool?.close();
    },
  };
}
