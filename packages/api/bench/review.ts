// Load test of the review queue on PostgreSQL: N concurrent simulated reviewers claim (with
// prefetch) and decide M items until none is left; a few reviewers abandon an item (its lease
// must expire and someone else must decide it). Prints latency percentiles and the invariants:
// no item decided more often than consensus asks, none lost, an audit entry per action.
//   npm run bench:review [-- --reviewers 50 --items 1000 --k 1 --hold 2 --think-ms 1000 --abandon 3]
// A simulated reviewer looks at each item for think-ms × U(0.5, 1.5) (people take seconds);
// --think-ms 0 is a closed-loop stress mode that measures saturation, not a reviewer's wait.
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { createDb, executeRows } from '@musar/db';
import { startThrowawayPostgres } from '@musar/db/testing/postgres';
import { insertTestUser } from '../src/testing';
import { claimNext } from '@musar/core/review/queue';
import { decide } from '@musar/core/review/decide';
import { seedReviewItems } from '@musar/core/testing/review-fixtures';
import { REJECT_REASONS } from '@musar/core/review/rules';
import { adjudicate, listAdjudications } from '@musar/core/review/adjudicate';

const { values: a } = parseArgs({
  options: {
    reviewers: { type: 'string', default: '50' },
    items: { type: 'string', default: '1000' },
    k: { type: 'string', default: '1' },
    hold: { type: 'string', default: '2' },
    'think-ms': { type: 'string', default: '1000' },
    abandon: { type: 'string', default: '3' },
    url: { type: 'string' },
  },
});
const R = Number(a.reviewers),
  N = Number(a.items),
  K = Number(a.k),
  HOLD = Number(a.hold),
  THINK = Number(a['think-ms']),
  ABANDON = Number(a.abandon);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const server = a.url ? null : await startThrowawayPostgres();
const handle = await createDb({ url: a.url ?? server!.url, maxConnections: R });
try {
  await handle.migrate();
  const db = handle.db;
  const seed = await seedReviewItems(db, { count: N, subjects: 2, consensusK: K });
  const reviewers = [];
  for (let i = 0; i < R; i++) reviewers.push(await insertTestUser(db, 'reviewer', `Reviewer ${i}`));
  const claimMs: number[] = [],
    hitMs: number[] = [],
    decideMs: number[] = [];
  let refused = 0;
  const pending = async () =>
    (
      await executeRows<{ n: number }>(
        db,
        sql`select count(*)::int as n from outputs o where request_id = ${seed.requestId} and state = 'pending_review'
      and not exists (select 1 from review_adjudications a where a.output_id = o.id and a.resolved_at is null)`,
      )
    )[0]!.n;

  // a server's pool is warm: open every connection before measuring (a cold one costs a fork)
  await Promise.all(Array.from({ length: R }, () => db.execute(sql`select pg_sleep(0.05)`)));
  const t0 = performance.now();
  await Promise.all(
    reviewers.map(async (me, i) => {
      if (i < ABANDON) {
        // claims one item with a 1 s lease and walks away
        await claimNext(db, me, { hold: 1, leaseSeconds: 1 });
        return;
      }
      for (let round = 0; ; round++) {
        if (performance.now() - t0 > 300_000) throw new Error('load test did not finish in 300 s');
        let t = performance.now();
        const { items } = await claimNext(db, me, { hold: HOLD });
        claimMs.push(performance.now() - t);
        const item = items[0];
        if (item) hitMs.push(claimMs.at(-1)!);
        if (!item) {
          if ((await pending()) === 0) return;
          await sleep(1000); // held by others or an abandoned lease not yet expired (the page waits 10 s)
          continue;
        }
        if (THINK) await sleep(THINK * (0.5 + Math.random()));
        const reject = (i + round) % 4 === 0;
        const input = reject
          ? {
              outputId: item.outputId,
              decision: 'reject' as const,
              reasons: [REJECT_REASONS[(i + round) % 6]!],
            }
          : {
              outputId: item.outputId,
              decision: 'approve' as const,
              ...(round % 10 === 0
                ? { repaint: { rows: seed.grid, cols: seed.grid, cells: seed.map } }
                : {}),
            };
        t = performance.now();
        try {
          await decide(db, me, input);
        } catch (e) {
          refused++;
          if (!String(e).includes('lease')) throw e;
        }
        decideMs.push(performance.now() - t);
      }
    }),
  );
  const wall = (performance.now() - t0) / 1000;
  // disagreements (k > 1) go to adjudication: one reviewer who decided none of them settles them
  const adjudicator = await insertTestUser(db, 'reviewer', 'Adjudicator');
  const open = await listAdjudications(db, { limit: N });
  for (const o of open)
    await adjudicate(db, adjudicator, { outputId: o.outputId, decision: 'approve' });

  const [inv] = await executeRows<{
    outputs: number;
    decided: number;
    lost: number;
    over: number;
    dup: number;
    reviews: number;
    audits: number;
    adjudications: number;
  }>(
    db,
    sql`
    select (select count(*)::int from outputs where request_id = ${seed.requestId}) as outputs,
           (select count(*)::int from outputs where request_id = ${seed.requestId} and state in ('approved', 'rejected')) as decided,
           (select count(*)::int from outputs where request_id = ${seed.requestId} and state = 'pending_review'
               and not exists (select 1 from review_adjudications j where j.output_id = outputs.id)) as lost,
           (select count(*)::int from (select output_id from reviews where undone_at is null group by output_id having count(*) > ${K}) x) as over,
           (select count(*)::int from (select output_id, reviewer_id from reviews where undone_at is null group by 1, 2 having count(*) > 1) y) as dup,
           (select count(*)::int from reviews) as reviews,
           (select count(*)::int from audit_log where action = 'review.decide') as audits,
           (select count(*)::int from review_adjudications) as adjudications`,
  );
  const row = (k: string, v: string | number) =>
    console.log(`| ${k.padEnd(40)} | ${String(v).padStart(12)} |`);
  console.log(
    `\nReview queue load test — PostgreSQL ${server ? '(throwaway, local)' : a.url}, pool ${R} connections\n`,
  );
  console.log(
    `| ${'metric'.padEnd(40)} | ${'value'.padStart(12)} |\n|${'-'.repeat(42)}|${'-'.repeat(14)}|`,
  );
  row('reviewers (of which abandon 1 item)', `${R} (${ABANDON})`);
  row('items / consensus k / hold', `${N} / ${K} / ${HOLD}`);
  row('think time per item (ms)', THINK);
  row('claims', claimMs.length);
  row('claim p50 (ms)', pct(claimMs, 50).toFixed(1));
  row('claim p95 (ms)', pct(claimMs, 95).toFixed(1));
  row('claim p99 (ms)', pct(claimMs, 99).toFixed(1));
  row('claim max (ms)', Math.max(...claimMs).toFixed(1));
  row('claim p95, claims that got an item (ms)', pct(hitMs, 95).toFixed(1));
  row('decide p50 (ms)', pct(decideMs, 50).toFixed(1));
  row('decide p95 (ms)', pct(decideMs, 95).toFixed(1));
  row('decisions / s', (inv!.reviews / wall).toFixed(0));
  row('wall (s)', wall.toFixed(2));
  row('decisions refused (lease)', refused);
  row('items decided', `${inv!.decided} / ${inv!.outputs}`);
  row('items lost (pending, unheld)', inv!.lost);
  row('items decided > k times', inv!.over);
  row('same reviewer twice on an item', inv!.dup);
  row('live reviews / audit review.decide', `${inv!.reviews} / ${inv!.audits}`);
  row('adjudications opened (all settled)', inv!.adjudications);
  const ok =
    inv!.decided === N &&
    inv!.lost === 0 &&
    inv!.over === 0 &&
    inv!.dup === 0 &&
    inv!.reviews === inv!.audits &&
    pct(claimMs, 95) <= 50;
  console.log(
    `\n${ok ? 'PASS' : 'FAIL'}: claim p95 ≤ 50 ms, every item decided once per consensus slot, none lost, every decision audited\n`,
  );
  process.exitCode = ok ? 0 : 1;
} finally {
  await handle.close();
  await server?.stop();
}
