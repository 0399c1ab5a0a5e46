// Load test of the review queue through the real path (issue 15): the production web server
// (`next start` of the built app, production mode on PostgreSQL, its own bounded pool of 10
// connections), reviewers signed in over HTTP (better-auth sessions), claiming with `review.next`
// and deciding with `review.decide` through tRPC. Loopback only; bounded in reviewers, items and
// time. Prints claim/decide latency percentiles, throughput, the invariants (nothing lost, nothing
// decided twice, an audit entry per decision), the database connections the server held, and the
// load average of the machine. `--saturate` then runs closed-loop stages (no think time) with more
// and more reviewers to find where throughput stops growing.
//   npm run build -w @musar/web   (once; the bench builds it when there is no build)
//   npm run bench:review:http [-- --reviewers 500 --think-ms 5000 --seconds 60 --items 8000 --saturate]
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { createDb } from '@musar/db';
import { startThrowawayPostgres } from '@musar/db/testing/postgres';
import { seedReviewItems } from '@musar/core/testing/review-fixtures';
import {
  benchPassword,
  CPU_PROF_OPTION,
  ensureWebBuild,
  insertAccounts,
  signIn,
  startWebServer,
  type TWebServer,
} from './server';

const { values: a } = parseArgs({
  options: {
    reviewers: { type: 'string', default: '500' },
    'think-ms': { type: 'string', default: '5000' },
    seconds: { type: 'string', default: '60' },
    items: { type: 'string', default: '8000' },
    port: { type: 'string', default: '3193' },
    saturate: { type: 'boolean', default: false },
    ...CPU_PROF_OPTION,
  },
});
const R = Number(a.reviewers),
  THINK = Number(a['think-ms']),
  SECONDS = Number(a.seconds),
  N = Number(a.items),
  PORT = Number(a.port);
if (!(R > 0 && R <= 2000 && SECONDS > 0 && SECONDS <= 600 && N > 0 && N <= 50_000))
  throw new Error('bounds: reviewers ≤ 2000, seconds ≤ 600, items ≤ 50000');
const BASE = `http://127.0.0.1:${PORT}`;
ensureWebBuild();

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const f = (x: number) => x.toFixed(1);

const pg = await startThrowawayPostgres();
const dataDir = mkdtempSync(join(tmpdir(), 'musar-bench-http-'));
let server: TWebServer | null = null;
const monitor = postgres(pg.url, {
  max: 1,
  onnotice: () => {},
  connection: { application_name: 'musar-bench' },
});
try {
  const handle = await createDb({ url: pg.url, maxConnections: 4 });
  await handle.migrate();
  const db = handle.db;
  const seed = await seedReviewItems(db, { count: N, subjects: 2, consensusK: 1 });
  // Reviewer accounts with a password (one hash for all: the server still verifies each sign-in).
  const { password, hash } = await benchPassword();
  const emails = Array.from({ length: R }, (_, i) => `reviewer${i}@bench.example.com`);
  await insertAccounts(
    db,
    emails.map((email, i) => ({ email, role: 'reviewer', name: `Reviewer ${i}` })),
    hash,
  );
  await handle.close();

  // The production server, as deployed: production mode on PostgreSQL, default pool, no runner.
  server = await startWebServer(
    PORT,
    {
      DATABASE_URL: pg.url,
      BETTER_AUTH_SECRET: randomBytes(32).toString('base64'),
      MUSAR_DATA_DIR: dataDir,
      MUSAR_DEMO: '0',
    },
    { readyWithinMs: 120_000, cpuProfDir: a['cpu-prof'] },
  );

  // Sign every reviewer in over HTTP (8 at a time).
  const cookies: string[] = new Array(R);
  const t0s = performance.now();
  for (let i = 0; i < R; i += 8)
    await Promise.all(
      emails.slice(i, i + 8).map(async (email, j) => {
        cookies[i + j] = await signIn(BASE, email, password);
      }),
    );
  console.log(
    `${R} reviewers signed in over HTTP in ${((performance.now() - t0s) / 1000).toFixed(1)} s`,
  );

  // node:http with a keep-alive agent rather than fetch: the client shares the server's two cores,
  // and fetch's web streams cost it about twice the CPU per request.
  const agent = new Agent({ keepAlive: true });
  const call = <T = unknown>(cookie: string, path: string, input: unknown) =>
    new Promise<T>((resolve, reject) => {
      const payload = JSON.stringify(input);
      const req = httpRequest(
        `${BASE}/api/trpc/${path}`,
        {
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(payload),
            cookie,
            origin: BASE,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            try {
              const body = JSON.parse(Buffer.concat(chunks).toString()) as {
                result?: { data: T };
                error?: { message: string };
              };
              if (res.statusCode !== 200)
                reject(
                  Object.assign(new Error(`${path}: ${res.statusCode} ${body.error?.message}`), {
                    status: res.statusCode,
                  }),
                );
              else resolve(body.result!.data);
            } catch (error) {
              reject(error as Error);
            }
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });

  let maxServerConns = 0;
  const sampler = setInterval(() => {
    monitor`select count(*)::int as n from pg_stat_activity where datname = current_database() and application_name <> 'musar-bench' and backend_type = 'client backend'`
      .then(([r]) => (maxServerConns = Math.max(maxServerConns, r!.n)))
      .catch(() => {});
  }, 250);

  type TStage = { reviewers: number; thinkMs: number; seconds: number };
  const runStage = async (s: TStage) => {
    const claimMs: number[] = [],
      decideMs: number[] = [];
    let refused = 0,
      errors = 0,
      decisions = 0;
    const t0 = performance.now();
    const until = t0 + s.seconds * 1000;
    await Promise.all(
      cookies.slice(0, s.reviewers).map(async (cookie, i) => {
        // Spread the first claims over one think time, as people arrive.
        await sleep(s.thinkMs ? (i / s.reviewers) * s.thinkMs : 0);
        while (performance.now() < until) {
          let t = performance.now();
          let held: { items: { outputId: string }[] };
          try {
            held = await call<typeof held>(cookie, 'review.next', { hold: 2 });
          } catch {
            errors++;
            await sleep(500);
            continue;
          }
          claimMs.push(performance.now() - t);
          const item = held.items[0];
          if (!item) return;
          if (s.thinkMs) await sleep(s.thinkMs * (0.5 + Math.random()));
          t = performance.now();
          try {
            await call(cookie, 'review.decide', { outputId: item.outputId, decision: 'approve' });
            decideMs.push(performance.now() - t);
            decisions++;
          } catch (error) {
            if (
              (error as { status?: number }).status === 409 ||
              (error as { status?: number }).status === 412
            )
              refused++;
            else errors++;
          }
        }
      }),
    );
    const wall = (performance.now() - t0) / 1000;
    return {
      ...s,
      claims: claimMs.length,
      decisions,
      perSecond: decisions / wall,
      claimP50: pct(claimMs, 50),
      claimP95: pct(claimMs, 95),
      claimP99: pct(claimMs, 99),
      decideP95: pct(decideMs, 95),
      refused,
      errors,
      load: loadavg()[0]!,
    };
  };

  const main = await runStage({ reviewers: R, thinkMs: THINK, seconds: SECONDS });
  const [check] = await monitor<
    {
      decided: number;
      pending: number;
      twice: number;
      reviews: number;
      audits: number;
      total: number;
    }[]
  >`
    select (select count(*)::int from outputs where request_id = ${seed.requestId} and state in ('approved', 'rejected')) as decided,
           (select count(*)::int from outputs where request_id = ${seed.requestId} and state = 'pending_review') as pending,
           (select count(*)::int from outputs where request_id = ${seed.requestId}) as total,
           (select count(*)::int from (select output_id from reviews where undone_at is null group by output_id having count(*) > 1) d) as twice,
           (select count(*)::int from reviews where undone_at is null) as reviews,
           (select count(*)::int from audit_log where action = 'review.decide') as audits`;
  console.log(
    `\n## ${R} reviewers, think ${THINK} ms × U(0.5, 1.5), ${SECONDS} s, through HTTP (next start, production mode, pool 10)`,
  );
  console.log(
    `claims ${main.claims}, decisions ${main.decisions} (${f(main.perSecond)}/s), claim p50 ${f(main.claimP50)} ms, p95 ${f(main.claimP95)} ms, p99 ${f(main.claimP99)} ms, decide p95 ${f(main.decideP95)} ms, refused ${main.refused}, errors ${main.errors}`,
  );
  console.log(
    `invariants: decided ${check!.decided} + pending ${check!.pending} = ${check!.decided + check!.pending} of ${check!.total} items (lost: ${check!.total - check!.decided - check!.pending}); items decided twice: ${check!.twice}; live decisions ${check!.reviews} = decided ${check!.decided}; audit entries review.decide ${check!.audits}`,
  );
  console.log(
    `server connections to PostgreSQL: at most ${maxServerConns} (pool max 10); load average (1 min) ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' / ')} on ${(await import('node:os')).availableParallelism()} cores`,
  );
  const ok =
    check!.total === check!.decided + check!.pending &&
    check!.twice === 0 &&
    check!.reviews === check!.decided &&
    check!.audits >= check!.decided &&
    maxServerConns <= 10;
  console.log(ok ? 'invariants hold' : 'INVARIANT VIOLATED');

  if (a.saturate) {
    console.log('\n## saturation (closed loop: no think time, 15 s per stage)');
    console.log(
      '| reviewers | decisions/s | claim p50 ms | claim p95 ms | decide p95 ms | errors | load avg |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- |');
    for (const reviewers of [5, 10, 25, 50, 100].filter((n) => n <= R)) {
      const s = await runStage({ reviewers, thinkMs: 0, seconds: 15 });
      console.log(
        `| ${reviewers} | ${f(s.perSecond)} | ${f(s.claimP50)} | ${f(s.claimP95)} | ${f(s.decideP95)} | ${s.errors} | ${s.load.toFixed(2)} |`,
      );
    }
    console.log(`server connections: at most ${maxServerConns}`);
  }
  clearInterval(sampler);
  if (!ok) process.exitCode = 1;
} finally {
  await server?.stop();
  await monitor.end({ timeout: 2 }).catch(() => {});
  await pg.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
