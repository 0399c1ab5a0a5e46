// `npm run bench:queue`: queue throughput on a throwaway PostgreSQL.
//  1. no-op jobs/s with 1 and 3 worker processes (pg-boss fetch + complete, batch 1 and 20),
//  2. generation jobs/s per worker process (tiny preset, 1 image × 20 steps per job; the backend
//     is the worker's choice — MUSAR_BACKEND=webgpu on a GPU host),
//  3. database load per job (transactions and rows written, from pg_stat_database).
// Prints a table. BENCH_NOOP_JOBS / BENCH_GEN_JOBS change the sizes.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { createDb, executeRows, type DbHandle } from '@musar/db';
import { startThrowawayPostgres } from '@musar/db/testing/postgres';
import { startBoss } from '@musar/core/jobs/boss';
import { enqueueTestGeneration, insertToySubject } from '@musar/core/testing/jobs';

const here = dirname(fileURLToPath(import.meta.url));
const NOOP_JOBS = Number(process.env.BENCH_NOOP_JOBS ?? 3000);
const GEN_JOBS = Number(process.env.BENCH_GEN_JOBS ?? 8);
const tsxArgs = ['--import', 'tsx'];

type Row = {
  scenario: string;
  workers: number;
  batch: string;
  jobs: number;
  seconds: number;
  jobsPerSec: number;
  xactPerJob: number;
  rowsPerJob: number;
};

async function dbStats(handle: DbHandle) {
  const [r] = await executeRows<{ xact: number; rows: number }>(
    handle.db,
    sql`SELECT (xact_commit + xact_rollback)::float8 AS xact, (tup_inserted + tup_updated + tup_deleted)::float8 AS rows FROM pg_stat_database WHERE datname = current_database()`,
  );
  return r!;
}

function child(args: string[], env: Record<string, string> = {}) {
  const p = spawn(process.execPath, [...tsxArgs, ...args], {
    cwd: join(here, '..'),
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  const ready = new Promise<void>((resolve) =>
    p.stdout!.on(
      'data',
      (c: Buffer) => ((out += c.toString()), /(^|\n)ready\n|"ready":true/.test(out) && resolve()),
    ),
  );
  const exited = new Promise<string>((resolve) => p.on('exit', () => resolve(out)));
  return { p, ready, exited };
}

async function noop(url: string, handle: DbHandle, workers: number, batch: number): Promise<Row> {
  const boss = await startBoss(handle);
  await boss.createQueue('bench_noop').catch(() => {});
  await boss.purgeQueue('bench_noop');
  const procs = Array.from({ length: workers }, () =>
    child([join(here, 'noop-worker.ts'), url, String(batch)]),
  );
  await Promise.all(procs.map((c) => c.ready));
  await boss.insert(
    Array.from({ length: NOOP_JOBS }, (_, i) => ({ name: 'bench_noop', data: { i } })),
  );
  const s0 = await dbStats(handle);
  const t0 = performance.now();
  for (const c of procs) c.p.stdin!.write('go\n');
  const outs = await Promise.all(procs.map((c) => c.exited));
  const seconds = (performance.now() - t0) / 1000 - 0.06; // minus the drain check's idle polls
  const s1 = await dbStats(handle);
  const done = outs.reduce(
    (n, o) => n + (JSON.parse(o.trim().split('\n').at(-1)!) as { done: number }).done,
    0,
  );
  await boss.stop({ graceful: false, wait: true });
  if (done !== NOOP_JOBS)
    throw new Error(`completed ${done} of ${NOOP_JOBS}: a job ran twice or was lost`);
  return {
    scenario: 'no-op',
    workers,
    batch: String(batch),
    jobs: done,
    seconds,
    jobsPerSec: done / seconds,
    xactPerJob: (s1.xact - s0.xact) / done,
    rowsPerJob: (s1.rows - s0.rows) / done,
  };
}

async function generation(url: string, handle: DbHandle, threads: number): Promise<Row> {
  const a = await insertToySubject(handle.db, 101);
  const b = await insertToySubject(handle.db, 102);
  const w = child([join(here, '..', 'src', 'main.ts')], {
    DATABASE_URL: url,
    MUSAR_THREADS: String(threads),
    METRICS_PORT: '0',
    LOG_LEVEL: 'info',
  });
  let log = '';
  w.p.stdout!.on('data', (c: Buffer) => (log += c.toString()));
  await w.ready;
  const backend = /"backend":"(\w+)"/.exec(log)?.[1] ?? '?';
  const s0 = await dbStats(handle);
  const t0 = performance.now();
  for (let i = 0; i < GEN_JOBS; i++)
    await enqueueTestGeneration(handle.db, {
      subjectIds: [a, b],
      prompt: 'a star toy left of a heart toy',
      count: 1,
      seed: i,
      steps: 20,
    });
  for (;;) {
    const [r] = await executeRows<{ n: number }>(
      handle.db,
      sql`SELECT count(*)::int AS n FROM generation_requests WHERE state IN ('succeeded', 'failed')`,
    );
    if (r!.n >= GEN_JOBS) break;
    await new Promise((res) => setTimeout(res, 50));
  }
  const seconds = (performance.now() - t0) / 1000;
  const s1 = await dbStats(handle);
  w.p.kill('SIGTERM');
  await w.exited;
  await executeRows(handle.db, sql`DELETE FROM generation_requests`);
  return {
    scenario: `generate (${backend}, 1 img × 20 steps)`,
    workers: 1,
    batch: `${threads} thread${threads > 1 ? 's' : ''}`,
    jobs: GEN_JOBS,
    seconds,
    jobsPerSec: GEN_JOBS / seconds,
    xactPerJob: (s1.xact - s0.xact) / GEN_JOBS,
    rowsPerJob: (s1.rows - s0.rows) / GEN_JOBS,
  };
}

const server = await startThrowawayPostgres();
try {
  const admin = postgres(server.url, { max: 1, onnotice: () => {} });
  await admin.unsafe('CREATE DATABASE bench');
  await admin.end();
  const url = server.urlFor('bench');
  const handle = await createDb({ url, maxConnections: 4 });
  await handle.migrate();
  (await startBoss(handle)).stop({ graceful: false, wait: true });
  const rows: Row[] = [];
  for (const [workers, batch] of [
    [1, 1],
    [3, 1],
    [1, 20],
    [3, 20],
  ] as const)
    rows.push(await noop(url, handle, workers, batch));
  for (const threads of [1, 2]) rows.push(await generation(url, handle, threads));
  console.log(
    `\nqueue benchmark — PostgreSQL ${server.port}, Node ${process.version}, ${new Date().toISOString()}`,
  );
  console.table(
    rows.map((r) => ({
      ...r,
      seconds: +r.seconds.toFixed(2),
      jobsPerSec: +r.jobsPerSec.toFixed(2),
      xactPerJob: +r.xactPerJob.toFixed(2),
      rowsPerJob: +r.rowsPerJob.toFixed(2),
    })),
  );
  await handle.close();
} finally {
  await server.stop();
}
