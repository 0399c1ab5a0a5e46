// A stand-in for the server process of the fault suite (test/fault.test.ts): the database (PGlite in
// MUSAR_DATA_DIR, or PostgreSQL at FAULT_DATABASE_URL), the job system with its runner (as `npm start`
// runs it in embedded mode), the consent hooks, and the services a dashboard request calls.
// Driven over stdin/stdout, one JSON command per line → one JSON answer per line, so the test
// never opens the PGlite itself while this process holds it. The test kills it with SIGKILL.
import { createInterface } from 'node:readline';
import { and, eq, sql } from 'drizzle-orm';
import { createDb, executeRows } from '@musar/db';
import { consents, generationRequests, modelVersions, outputs } from '@musar/db/schema';
import { revokeSubjectConsents } from '@musar/core/consent/revoke';
import { maybeStartRetrain } from '@musar/core/retrain/retrain';
import { callerFor, insertTestUser, seedReviewItems } from '@musar/api/testing';
import { getPreset, initBackend, MusarModel, saveCheckpoint } from '@musar/model';
import { startJobSystem } from '@musar/runner/embedded';
import { enqueueTestGeneration, insertToySubject } from '@musar/core/testing/jobs';

const say = (m: object) => process.stdout.write(`${JSON.stringify({ fault: true, ...m })}\n`);

// FAULT_DATABASE_URL, not DATABASE_URL: production mode would refuse to sign outputs without the
// instance's C2PA pair; here one is generated into MUSAR_DATA_DIR (a temporary folder).
const handle = process.env.FAULT_DATABASE_URL
  ? await createDb({ url: process.env.FAULT_DATABASE_URL, maxConnections: 10 })
  : await createDb({ dataDir: process.env.MUSAR_DATA_DIR });
await handle.migrate();
const db = handle.db;
process.env.MUSAR_EMBEDDED_RUNNER = 'on';
process.env.MUSAR_THREADS ??= '1';
const jobs = await startJobSystem(handle);
say({ ready: true, pid: process.pid, owner: jobs.runner?.owner });

type TCmd = { rid: number; cmd: string; [k: string]: unknown };
const commands: Record<string, (c: TCmd) => Promise<unknown>> = {
  async seed() {
    // Review items (synthetic outputs, generate + train consent) and a real tiny base + adapter.
    const items = await seedReviewItems(db, {
      count: 12,
      subjects: 2,
      consentScopes: ['generate', 'train'],
    });
    await db
      .update(modelVersions)
      .set({ state: 'retired' })
      .where(eq(modelVersions.state, 'serving'));
    await initBackend('cpu');
    const model = new MusarModel(getPreset('tiny'), { seed: 0 });
    const base = saveCheckpoint(model, { name: 'tiny-base', kind: 'base' });
    const [b] = await db
      .insert(modelVersions)
      .values({
        kind: 'base',
        name: 'tiny-base',
        state: 'serving',
        promotedAt: new Date(),
        config: model.cfg,
        checkpoint: base.weights,
      })
      .returning();
    model.attachLora(1);
    const adapter = saveCheckpoint(model, { name: 'tiny-musar', kind: 'adapter' });
    await db.insert(modelVersions).values({
      kind: 'adapter',
      name: 'tiny-musar',
      parentId: b!.id,
      state: 'serving',
      promotedAt: new Date(),
      config: model.cfg,
      checkpoint: adapter.weights,
    });
    model.dispose();
    const toys = [await insertToySubject(db, 71), await insertToySubject(db, 72)];
    await db.insert(consents).values(
      toys.map((subjectId) => ({
        subjectId,
        scope: 'train' as const,
        grantedBy: 'test',
        evidence: 'fixture',
      })),
    );
    const admin = await insertTestUser(db, 'admin');
    const reviewers = [await insertTestUser(db, 'reviewer'), await insertTestUser(db, 'reviewer')];
    const review = await seedReviewItems(db, { count: 40, subjects: 2 });
    await db
      .update(modelVersions)
      .set({ state: 'retired' })
      .where(and(eq(modelVersions.state, 'serving'), sql`${modelVersions.checkpoint} IS NULL`));
    return {
      requestId: items.requestId,
      itemSubjects: items.subjectIds,
      reviewRequestId: review.requestId,
      toys,
      admin,
      reviewers,
    };
  },
  async generate(c) {
    return enqueueTestGeneration(db, {
      subjectIds: c.subjectIds as string[],
      prompt: 'a toy',
      count: Number(c.count),
      seed: 3,
      steps: Number(c.steps),
    });
  },
  async approve(c) {
    // Approves the request's outputs (as the review would) so a retrain has data.
    await db
      .update(outputs)
      .set({ state: 'approved' })
      .where(eq(outputs.requestId, String(c.requestId)));
    return {};
  },
  async retrain() {
    process.env.MUSAR_RETRAIN_STEPS = '3000';
    return maybeStartRetrain(db, 1);
  },
  async revoke(c) {
    const res = await revokeSubjectConsents(db, c.admin as never, {
      subjectId: String(c.subjectId),
      reason: 'fault suite',
    });
    return {
      cancelled: res.cascade?.cancelledRequestIds.length,
      withdrawn: res.cascade?.withdrawnOutputIds.length,
    };
  },
  async decideLoop(c) {
    // Each reviewer claims and approves items back to back until told otherwise (killed).
    const reviewers = c.reviewers as never[];
    let decided = 0;
    await Promise.all(
      reviewers.map(async (r) => {
        const caller = callerFor(db, r);
        for (;;) {
          const { items } = await caller.review.next({ hold: 1 });
          if (!items[0]) return;
          await caller.review.decide({ outputId: items[0].outputId, decision: 'approve' });
          if (++decided === 3) say({ decidedSome: true });
        }
      }),
    );
    return { decided };
  },
  async state(c) {
    const requestId = c.requestId ? String(c.requestId) : null;
    const [req] = requestId
      ? await db.select().from(generationRequests).where(eq(generationRequests.id, requestId))
      : [];
    const outs = requestId
      ? await db
          .select({ id: outputs.id, index: outputs.index })
          .from(outputs)
          .where(eq(outputs.requestId, requestId))
      : [];
    const running = await executeRows<{ n: number }>(
      db,
      sql`SELECT count(*)::int AS n FROM generation_requests WHERE state = 'running'`,
    );
    const active = await executeRows<{ name: string; n: number }>(
      db,
      sql`SELECT name, count(*)::int AS n FROM pgboss.job WHERE state = 'active' GROUP BY name`,
    );
    const training = await executeRows<{
      id: string;
      state: string;
      status: string | null;
      step: number | null;
      job_id: string | null;
    }>(
      db,
      sql`SELECT id, state::text, metrics->'training'->>'status' AS status, (metrics->'training'->>'step')::int AS step, metrics->'training'->>'jobId' AS job_id
          FROM model_versions WHERE metrics ? 'training' ORDER BY created_at`,
    );
    const retrainJobs = await executeRows<{ id: string; state: string; retry_count: number }>(
      db,
      sql`SELECT id, state::text, retry_count FROM pgboss.job WHERE name = 'retrain' ORDER BY created_on`,
    );
    const audit = await executeRows<{ action: string; n: number }>(
      db,
      sql`SELECT action, count(*)::int AS n FROM audit_log GROUP BY action`,
    );
    const consent = c.subjectId
      ? await db
          .select({ revokedAt: consents.revokedAt })
          .from(consents)
          .where(and(eq(consents.subjectId, String(c.subjectId))))
      : [];
    const subjectOutputs = c.subjectId
      ? await executeRows<{ state: string; n: number }>(
          db,
          sql`SELECT o.state::text, count(*)::int AS n FROM outputs o JOIN generation_request_subjects g ON g.request_id = o.request_id
              WHERE g.subject_id = ${String(c.subjectId)} GROUP BY o.state`,
        )
      : [];
    const reviews = await executeRows<{
      dup: number;
      decided: number;
      pending: number;
      leased: number;
      settled_wrong: number;
    }>(
      db,
      sql`SELECT
            (SELECT count(*)::int FROM (SELECT output_id, reviewer_id FROM reviews WHERE undone_at IS NULL GROUP BY 1, 2 HAVING count(*) > 1) d) AS dup,
            (SELECT count(*)::int FROM outputs WHERE state IN ('approved', 'rejected')) AS decided,
            (SELECT count(*)::int FROM outputs WHERE state = 'pending_review') AS pending,
            (SELECT count(*)::int FROM outputs WHERE state = 'pending_review' AND lease_expires_at > now()) AS leased,
            (SELECT count(*)::int FROM outputs o WHERE o.state = 'approved'
               AND NOT EXISTS (SELECT 1 FROM reviews r WHERE r.output_id = o.id AND r.undone_at IS NULL)
               AND o.request_id = ${c.reviewRequestId ? String(c.reviewRequestId) : null}::uuid) AS settled_wrong`,
    );
    return {
      request: req ? { state: req.state, progress: req.progress, error: req.error } : null,
      outputs: outs.length,
      distinctIndexes: new Set(outs.map((o) => o.index)).size,
      running: running[0]!.n,
      active: Object.fromEntries(active.map((r) => [r.name, r.n])),
      training,
      retrainJobs,
      audit: Object.fromEntries(audit.map((r) => [r.action, r.n])),
      consent: consent.map((x) => Boolean(x.revokedAt)),
      subjectOutputs: Object.fromEntries(subjectOutputs.map((r) => [r.state, r.n])),
      reviews: reviews[0],
      metrics: (await jobs.metrics.registry.metrics())
        .split('\n')
        .filter((l) => l.startsWith('musar_queue_jobs{') && l.includes('state="active"')),
    };
  },
};

const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const c = JSON.parse(line) as TCmd & { rid: number };
  const run = commands[c.cmd];
  if (!run) return say({ rid: c.rid, error: `unknown command ${c.cmd}` });
  run(c).then(
    (result) => say({ rid: c.rid, result }),
    (error: unknown) => say({ rid: c.rid, error: (error as Error).message }),
  );
});
rl.on('close', () => {
  void jobs.stop().then(() => handle.close().then(() => process.exit(0)));
});
