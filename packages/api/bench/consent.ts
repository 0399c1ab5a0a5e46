// How long the consent rules take on PostgreSQL: the revocation cascade and erasure for a subject
// held by N outputs and V model versions (lineage through outputs, a parent chain), and the
// latency of assertConsent (FOR SHARE) under C concurrent callers. Prints tables.
//   npx tsx packages/api/bench/consent.ts [-- --sizes 100,1000,5000 --versions 20 --callers 20 --url postgres://…]
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { createDb } from '@musar/db';
import {
  generationRequestSubjects,
  generationRequests,
  lineage,
  modelVersions,
  outputs,
} from '@musar/db/schema';
import { startThrowawayPostgres } from '@musar/db/testing/postgres';
import { insertTestUser } from '../src/testing';
import { assertConsent } from '@musar/core/consent/consent';
import { revokeSubjectConsents } from '@musar/core/consent/revoke';
import { seedSubject, outputPng } from '@musar/core/testing/consent-fixtures';
import { eraseSubject } from '@musar/core/consent/erasure';
import { getSubject } from '@musar/core/subjects/read';

const { values: a } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100,1000,5000' },
    versions: { type: 'string', default: '20' },
    callers: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '3' },
    url: { type: 'string' },
  },
});
const SIZES = a.sizes.split(',').map(Number);
const V = Number(a.versions);
const C = Number(a.callers);
const pct = (xs: number[], p: number) =>
  [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)] ??
  NaN;

const server = a.url ? null : await startThrowawayPostgres();
const handle = await createDb({ url: a.url ?? server!.url, maxConnections: C + 2 });
try {
  await handle.migrate();
  const db = handle.db;
  const admin = await insertTestUser(db, 'admin');
  const image = outputPng(1);
  console.log(
    `\nRevocation cascade and erasure on PostgreSQL (${V} model versions per subject, each output a separate request)`,
  );
  console.log(
    '| outputs | revoke + cascade ms | withdrawn | tainted | erase ms | output images erased |',
  );
  console.log(
    '|--------:|--------------------:|----------:|--------:|---------:|---------------------:|',
  );
  for (const n of SIZES) {
    const s = await seedSubject(db, admin, ['generate', 'train']);
    const other = await seedSubject(db, admin, ['generate', 'train']);
    const outputIds: string[] = [];
    for (let start = 0; start < n; start += 500) {
      const k = Math.min(500, n - start);
      const reqs = await db
        .insert(generationRequests)
        .values(
          Array.from({ length: k }, () => ({
            prompt: 'p',
            routingParams: {},
            count: 1,
            state: 'succeeded' as const,
          })),
        )
        .returning({ id: generationRequests.id });
      await db.insert(generationRequestSubjects).values(
        reqs.flatMap((r) =>
          [s.id, other.id].map((subjectId, position) => ({
            requestId: r.id,
            subjectId,
            position,
          })),
        ),
      );
      const outs = await db
        .insert(outputs)
        .values(
          reqs.map((r, i) => ({
            requestId: r.id,
            index: 0,
            image,
            state: i % 2 ? ('approved' as const) : ('pending_review' as const),
          })),
        )
        .returning({ id: outputs.id });
      outputIds.push(...outs.map((o) => o.id));
    }
    let parent: string | null = null;
    for (let v = 0; v < V; v++) {
      const [m]: { id: string }[] = await db
        .insert(modelVersions)
        .values({
          kind: 'adapter',
          name: `b${n}-v${v}`,
          state: v === V - 1 ? 'serving' : 'retired',
          parentId: parent,
          promotedAt: new Date(),
        })
        .returning({ id: modelVersions.id });
      parent = m!.id;
      if (v === 0)
        await db
          .insert(lineage)
          .values(outputIds.slice(0, 50).map((outputId) => ({ modelVersionId: m!.id, outputId })));
    }
    const t0 = performance.now();
    const res = await revokeSubjectConsents(db, admin, { subjectId: s.id, reason: 'bench' });
    const revokeMs = performance.now() - t0;
    const name = (await getSubject(db, s.id)).name;
    const t1 = performance.now();
    const erased = await eraseSubject(db, admin, {
      subjectId: s.id,
      confirmName: name,
      reason: 'bench',
    });
    const eraseMs = performance.now() - t1;
    console.log(
      `| ${n} | ${revokeMs.toFixed(0)} | ${res.cascade?.withdrawnOutputIds.length} | ${res.cascade?.taintedVersionIds.length} | ${eraseMs.toFixed(0)} | ${erased.erasedOutputIds.length} |`,
    );
  }

  const subjectsUsed = [
    await seedSubject(db, admin, ['generate']),
    await seedSubject(db, admin, ['generate']),
  ].map((x) => x.id);
  const ms: number[] = [];
  const until = performance.now() + Number(a.seconds) * 1000;
  await Promise.all(
    Array.from({ length: C }, async () => {
      while (performance.now() < until) {
        const t = performance.now();
        await db.transaction((tx) => assertConsent(tx, subjectsUsed, 'generate'));
        ms.push(performance.now() - t);
      }
    }),
  );
  console.log(
    `\nassertConsent (2 subjects, in its own transaction, FOR SHARE) with ${C} concurrent callers for ${a.seconds} s`,
  );
  console.log('| calls | calls/s | p50 ms | p95 ms | p99 ms |');
  console.log('|------:|--------:|-------:|-------:|-------:|');
  console.log(
    `| ${ms.length} | ${(ms.length / Number(a.seconds)).toFixed(0)} | ${pct(ms, 50).toFixed(1)} | ${pct(ms, 95).toFixed(1)} | ${pct(ms, 99).toFixed(1)} |`,
  );
} finally {
  await handle.close();
  await server?.stop();
}
