// Is the dashboard responsive while the embedded worker computes? (issue 14)
// The production server in embedded mode (`next start`, PGlite data folder, the embedded runner
// with its compute thread, demo subjects) — what `npm start` runs. Three phases, each with a
// probe (one cheap tRPC query in flight at a time, every 25 ms) and the web process's own
// event-loop delay (prom-client's nodejs_eventloop_lag_* from /metrics, scraped every second;
// each scrape covers the second before it):
//   idle        10 s, nothing running
//   generation  a 12-image, 2-subject generation, from request to the last stored output
//   retrain     the dashboard's "Retrain now" (500 steps) on the approved outputs, to its end
// Prints the probe latency and event-loop lag percentiles per phase, and how long the
// generation and the retrain round took. Loopback only.
//   npm run build -w @musar/web   (once; the bench builds it when there is no build)
//   npm run bench -w @musar/web [-- --images 12 --retrain-steps 500 --port 3194]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createDb } from '@musar/db';
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
    images: { type: 'string', default: '12' },
    'retrain-steps': { type: 'string', default: '500' },
    port: { type: 'string', default: '3194' },
    'timeout-s': { type: 'string', default: '900' },
    ...CPU_PROF_OPTION,
  },
});
const IMAGES = Number(a.images);
const STEPS = Number(a['retrain-steps']);
const PORT = Number(a.port);
const TIMEOUT_MS = Number(a['timeout-s']) * 1000;
if (!(IMAGES >= 1 && IMAGES <= 16 && STEPS >= 1 && STEPS <= 5000))
  throw new Error('bounds: 1 ≤ images ≤ 16, 1 ≤ retrain-steps ≤ 5000');
const BASE = `http://127.0.0.1:${PORT}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
};

ensureWebBuild();

const dataDir = mkdtempSync(join(tmpdir(), 'musar-bench-resp-'));
let server: TWebServer | null = null;
try {
  // Accounts with a password, written before the server owns the data folder (PGlite: one process).
  const { password, hash } = await benchPassword();
  const people = [
    { email: 'operator@bench.example.com', role: 'operator' },
    ...[0, 1, 2].map((i) => ({ email: `reviewer${i}@bench.example.com`, role: 'reviewer' })),
  ];
  {
    const handle = await createDb({ dataDir });
    await handle.migrate();
    await insertAccounts(handle.db, people, hash);
    await handle.close();
  }

  server = await startWebServer(
    PORT,
    {
      DATABASE_URL: '',
      MUSAR_DATA_DIR: dataDir,
      MUSAR_DEMO: '1',
      MUSAR_RETRAIN_EVERY: '1000000', // only "Retrain now" starts one
    },
    { cpuProfDir: a['cpu-prof'] },
  );

  const cookie = Object.fromEntries(
    await Promise.all(
      people.map(async (p) => [p.email, await signIn(BASE, p.email, password)] as const),
    ),
  );
  const operator = cookie['operator@bench.example.com']!;
  const reviewers = [0, 1, 2].map((i) => cookie[`reviewer${i}@bench.example.com`]!);

  // tRPC answers, read loosely: each call site states the shape it reads
  const trpc = async (
    who: string,
    path: string,
    input: unknown,
    mutation: boolean,
  ): Promise<unknown> => {
    const res = mutation
      ? await fetch(`${BASE}/api/trpc/${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', cookie: who, origin: BASE },
          body: JSON.stringify(input),
        })
      : await fetch(
          `${BASE}/api/trpc/${path}` +
            (input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`),
          { headers: { cookie: who } },
        );
    const body = (await res.json()) as {
      result?: { data: unknown };
      error?: { message: string };
    };
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${body.error?.message}`);
    return body.result!.data;
  };

  // The probe and the scraper run for the whole bench; phases slice their samples by time.
  const probes: { t: number; ms: number }[] = [];
  const lags: { t: number; p99: number; max: number }[] = [];
  let running = true;
  const probe = (async () => {
    while (running) {
      const t = performance.now();
      await fetch(`${BASE}/api/trpc/health`).then(
        (r) => r.arrayBuffer(),
        () => null,
      );
      probes.push({ t, ms: performance.now() - t });
      await sleep(25);
    }
  })();
  const metric = (text: string, name: string) =>
    Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? NaN);
  const scraper = (async () => {
    while (running) {
      await sleep(1000);
      const text = await fetch(`${BASE}/metrics`).then(
        (r) => r.text(),
        () => '',
      );
      lags.push({
        t: performance.now(),
        p99: metric(text, 'nodejs_eventloop_lag_p99_seconds') * 1000,
        max: metric(text, 'nodejs_eventloop_lag_max_seconds') * 1000,
      });
    }
  })();

  type TPhase = { name: string; t0: number; t1: number; note: string };
  const phases: TPhase[] = [];
  const phase = async (name: string, body: () => Promise<string>) => {
    const t0 = performance.now();
    const note = await body();
    phases.push({ name, t0, t1: performance.now(), note });
  };

  await phase('idle', async () => (await sleep(10_000), '10 s'));

  await phase('generation', async () => {
    const subjects = (await trpc(
      operator,
      'subjects.list',
      { limit: 50, usableFor: 'generate' },
      false,
    )) as {
      items: { id: string }[];
    };
    const ids = subjects.items.slice(0, 2).map((s) => s.id);
    if (ids.length < 2) throw new Error('the demo subjects are missing');
    const request = (await trpc(
      operator,
      'generation.create',
      { subjectIds: ids, prompt: 'two friends on a beach', count: IMAGES, seed: 7 },
      true,
    )) as { id: string };
    const t0 = performance.now();
    for (const end = Date.now() + TIMEOUT_MS; ; await sleep(500)) {
      const got = (await trpc(operator, 'generation.get', { requestId: request.id }, false)) as {
        state: string;
      };
      if (got.state === 'succeeded') break;
      if (got.state === 'failed' || got.state === 'cancelled')
        throw new Error(`generation ${got.state}`);
      if (Date.now() > end) throw new Error('generation did not finish in time');
    }
    return `${IMAGES} images in ${((performance.now() - t0) / 1000).toFixed(1)} s`;
  });

  // Approve every output (a few reviewers, so any consensus setting is met), outside any phase.
  for (let round = 0; round < 20; round++) {
    let decided = 0;
    for (const r of reviewers) {
      const held = (await trpc(r, 'review.next', { hold: 5 }, true)) as {
        items: { outputId: string }[];
      };
      for (const item of held.items) {
        await trpc(r, 'review.decide', { outputId: item.outputId, decision: 'approve' }, true);
        decided++;
      }
    }
    if (decided === 0) break;
  }

  await phase('retrain', async () => {
    type TVersion = {
      id: string;
      kind: string;
      state: string;
      metrics: Record<string, unknown> | null;
    };
    const before = new Set(
      ((await trpc(operator, 'models.list', undefined, false)) as TVersion[]).map((v) => v.id),
    );
    const started = (await trpc(operator, 'models.retrain', { steps: STEPS }, true)) as {
      jobId: string;
      newApproved: number;
    };
    const t0 = performance.now();
    let trainedS = NaN;
    // the round: the retrain job trains a candidate, then the evaluate job gates it
    for (const end = Date.now() + TIMEOUT_MS; ; await sleep(1000)) {
      if (Date.now() > end) throw new Error('the retrain round did not finish in time');
      const status = (await trpc(operator, 'models.retrainStatus', undefined, false)) as {
        openJobs: { id: string }[];
      };
      if (status.openJobs.some((j) => j.id === started.jobId)) continue;
      if (Number.isNaN(trainedS)) trainedS = (performance.now() - t0) / 1000;
      const versions = (await trpc(operator, 'models.list', undefined, false)) as TVersion[];
      const mine = versions.find((v) => v.kind === 'adapter' && !before.has(v.id));
      if (!mine) throw new Error('the retrain produced no candidate');
      if (mine.state === 'failed') throw new Error('the retrain failed');
      if (mine.metrics?.gate || mine.state !== 'candidate') break;
    }
    const total = (performance.now() - t0) / 1000;
    return `${STEPS} steps on ${started.newApproved} approved outputs: trained in ${trainedS.toFixed(1)} s, gated at ${total.toFixed(1)} s`;
  });

  running = false;
  await Promise.all([probe, scraper]);

  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '—');
  console.log(
    `\nWeb process responsiveness while the embedded worker computes (probe: one tRPC health query every 25 ms)\n`,
  );
  console.log(
    '| phase | what ran | probe p50 | probe p95 | probe p99 | probe max | loop-lag p99, median second | loop-lag p99, worst second | seconds with a stall > 100 ms | longest stall |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const p of phases) {
    const ms = probes.filter((x) => x.t >= p.t0 && x.t <= p.t1).map((x) => x.ms);
    const lag = lags.filter((x) => x.t > p.t0 + 1000 && x.t <= p.t1 + 1000);
    console.log(
      `| ${p.name} | ${p.note} | ${f(pct(ms, 50))} ms | ${f(pct(ms, 95))} ms | ${f(pct(ms, 99))} ms | ${f(Math.max(...ms))} ms | ${f(
        pct(
          lag.map((l) => l.p99),
          50,
        ),
      )} ms | ${f(Math.max(...lag.map((l) => l.p99)))} ms | ${lag.filter((l) => l.max > 100).length} of ${lag.length} | ${f(Math.max(...lag.map((l) => l.max)))} ms |`,
    );
  }
  console.log(
    '\ntarget (issue 14): event-loop lag p99 ≤ 100 ms during the generation and the retrain',
  );
} finally {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
