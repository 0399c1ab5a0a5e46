// The worker process: `DATABASE_URL=postgres://… npm start -w @musar/worker`. Consumes the job
// queues with a pool of compute threads, serves /metrics, and on SIGTERM stops fetching, lets the
// running jobs finish (or releases them after the grace period) and exits.
import { createDb, resolveDataDir } from '@musar/db';
import { prepareInstanceCredentials } from '@musar/provenance';
import { parseWorkerEnv } from './config';
import { serveMetrics } from './http';
import { createLogger } from '@musar/runner/log';
import { createMetrics } from '@musar/runner/metrics';
import { createComputePool } from '@musar/runner/pool';
import { startBoss } from '@musar/core/jobs/boss';
import { startRunner } from '@musar/runner/runner';

const log = createLogger('musar-worker');

async function main() {
  const env = parseWorkerEnv();
  if (!env.DATABASE_URL)
    throw new Error(
      'the worker process needs DATABASE_URL (embedded mode runs the runner inside the web server)',
    );
  // the C2PA signing pair every stored output is signed with (MUSAR_C2PA_CERT / MUSAR_C2PA_KEY)
  const signing = await prepareInstanceCredentials(resolveDataDir());
  if (signing.credentials) log.info(signing.message);
  else log.warn(signing.message);
  const handle = await createDb({ url: env.DATABASE_URL, maxConnections: 10 });
  const boss = await startBoss(handle, {
    maintenanceIntervalSeconds: env.MUSAR_MAINTENANCE_SECONDS,
    policy: {
      generate: {
        ...(env.MUSAR_GENERATE_EXPIRE_SECONDS
          ? { expireInSeconds: env.MUSAR_GENERATE_EXPIRE_SECONDS }
          : {}),
        ...(env.MUSAR_GENERATE_RETRY_DELAY !== undefined
          ? { retryDelay: env.MUSAR_GENERATE_RETRY_DELAY }
          : {}),
      },
    },
  });
  boss.on('error', (err) => log.error({ err }, 'pg-boss error'));
  const metrics = createMetrics({ db: handle.db, role: 'worker' });
  const pool = createComputePool(env.MUSAR_THREADS);
  const runner = await startRunner({
    handle,
    boss,
    pool,
    log,
    metrics,
    concurrency: env.MUSAR_CONCURRENCY,
    pollingIntervalSeconds: env.MUSAR_POLL_SECONDS,
  });
  let stopping = false;
  const server = env.METRICS_PORT
    ? await serveMetrics(metrics, env.METRICS_PORT, () => !stopping, env.METRICS_HOST)
    : null;
  if (server) log.info({ host: env.METRICS_HOST, port: env.METRICS_PORT }, 'metrics on /metrics');
  console.log(JSON.stringify({ ready: true, pid: process.pid }));
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, active: runner.active() }, 'shutting down');
    await runner.stop(env.MUSAR_SHUTDOWN_GRACE_SECONDS * 1000);
    await boss.stop({ graceful: true, wait: true, timeout: 5000 });
    await pool.close();
    server?.close();
    await handle.close();
    log.info('bye');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  log.fatal({ err: error }, 'worker failed to start');
  process.exit(1);
});
