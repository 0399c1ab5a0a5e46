// The feedback loop end to end on a small scale (throwaway PostgreSQL, tiny freshly initialised
// models so it stays fast): generate → approve and repaint → the policy starts a retrain → the
// candidate is trained in a thread and evaluated → the operator promotes → new generations use it.
// The registry and the audit log show each step.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type PgBoss from 'pg-boss';
import { auditLog, consents, lineage, modelVersions, outputs } from '@musar/db/schema';
import { getPreset, initBackend, MusarModel, saveCheckpoint } from '@musar/model';
import { callerFor, insertTestUser, type Caller } from '@musar/api/testing';
import { maybeStartRetrain } from '@musar/core/retrain/retrain';
import { revokeSubjectConsents } from '@musar/core/consent/revoke';
import { executeRows } from '@musar/db';
import { jobState } from '@musar/core/jobs/job-sql';
import { createLogger } from '../log';
import { createMetrics } from '../metrics';
import { createComputePool, type TComputePool } from '../pool';
import { startBoss } from '@musar/core/jobs/boss';
import { startRunner, type TRunner } from '../runner';
import { createPostgresTestDatabase, insertToySubject } from '@musar/core/testing/jobs';

Object.assign(process.env, {
  MUSAR_RETRAIN_STEPS: '4',
  MUSAR_RETRAIN_BATCH: '2',
  MUSAR_EVAL_COUNT: '2',
  MUSAR_EVAL_STEPS: '2',
  // Untrained tiny models: the gate's comparison is exercised, its tolerance opened wide.
  MUSAR_GATE_FIDELITY_TOLERANCE: '1',
  MUSAR_GATE_LEAKAGE_TOLERANCE: '1',
});

let env: Awaited<ReturnType<typeof createPostgresTestDatabase>>;
let boss: PgBoss;
let pool: TComputePool;
let runner: TRunner;
let operator: Caller;
let reviewer: Caller;
let subjectIds: string[];
let adapterId: string;

const waitFor = async <T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  ms = 240_000,
): Promise<T> => {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

beforeAll(async () => {
  env = await createPostgresTestDatabase();
  const db = env.handle.db;
  boss = await startBoss(env.handle, { maintenanceIntervalSeconds: 1 });
  pool = createComputePool(1);
  runner = await startRunner({
    handle: env.handle,
    boss,
    pool,
    log: createLogger('test', 'silent'),
    metrics: createMetrics({ db, role: 'worker', defaults: false }),
  });
  await initBackend('cpu'); // only to write the fixture checkpoints; jobs compute in threads
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
  const [a] = await db
    .insert(modelVersions)
    .values({
      kind: 'adapter',
      name: 'tiny-musar',
      parentId: b!.id,
      state: 'serving',
      promotedAt: new Date(),
      config: model.cfg,
      checkpoint: adapter.weights,
      // its own guidance: the candidate must inherit it and the gate must sample with it
      modelCard: { ...adapter.card, sampling: { guidance: { prompt: 2, reference: 4 } } },
    })
    .returning();
  adapterId = a!.id;
  model.dispose();
  subjectIds = [await insertToySubject(db, 11), await insertToySubject(db, 12)];
  await db.insert(consents).values(
    subjectIds.map((subjectId) => ({
      subjectId,
      scope: 'train' as const,
      grantedBy: 'test',
      evidence: 'fixture',
    })),
  );
  operator = callerFor(db, await insertTestUser(db, 'operator'));
  reviewer = callerFor(db, await insertTestUser(db, 'reviewer'));
});

afterAll(async () => {
  await runner?.stop(1000);
  await boss?.stop({ graceful: false, wait: true });
  await pool?.close();
  await env?.drop();
});

const generateAndWait = async (seed: number) => {
  const r = await operator.generation.create({
    subjectIds,
    prompt: 'a star toy left of a heart toy',
    count: 4,
    seed,
    steps: 3,
    routing: { startStep: 1 },
  });
  await waitFor(
    'generation',
    async () => (await operator.generation.get({ requestId: r.id })).state === 'succeeded',
  );
  return env.handle.db
    .select()
    .from(outputs)
    .where(eq(outputs.requestId, r.id))
    .orderBy(outputs.index);
};

describe('feedback loop', () => {
  it('generate → approve + repaint → policy retrain → evaluate → promote → new generations use the candidate', async () => {
    const db = env.handle.db;
    const first = await generateAndWait(5);
    expect(first.map((o) => o.modelVersionId)).toEqual(Array(4).fill(adapterId));

    // Review: approve all four, repainting two (subject 0 ↔ subject 1 swapped in the top rows).
    for (let i = 0; i < 4; i++) {
      const { items } = await reviewer.review.next({ hold: 1 });
      const out = first.find((o) => o.id === items[0]!.outputId)!;
      const cells = (out.routingMap as number[]).map((v, t) =>
        i < 2 && t < 16 ? (t % 2 === 0 ? 0 : 1) : v,
      );
      await reviewer.review.decide({
        outputId: out.id,
        decision: 'approve',
        ...(i < 2 ? { repaint: { rows: 8, cols: 8, cells } } : {}),
      });
    }
    const status = await operator.models.retrainStatus();
    expect(status).toMatchObject({
      newApproved: 4,
      newRepaints: 2,
      servingAdapter: { id: adapterId },
    });

    // The policy (threshold 4) starts the retrain; the runner trains and evaluates the candidate.
    const started = await maybeStartRetrain(db, 4);
    expect(started).toMatchObject({ newApproved: 4, newRepaints: 2, parentVersionId: adapterId });
    const seen = new Set<string>();
    const candidate = await waitFor('an evaluated candidate', async () => {
      const list = await operator.models.list();
      const c = list.find((m) => m.parentId === adapterId);
      const training = c?.metrics?.training as { status?: string } | undefined;
      if (training?.status) seen.add(training.status);
      if (c?.state === 'failed') throw new Error(`retrain failed: ${JSON.stringify(c.metrics)}`);
      return c?.metrics?.gate ? c : null;
    });
    expect(seen.has('done')).toBe(true);
    expect(candidate).toMatchObject({
      state: 'candidate',
      trainingSteps: 4,
      lineage: { subjects: 0, outputs: 3 },
    });
    const gate = candidate.metrics!.gate as {
      passed: boolean;
      sets: { name: string; candidate: { n: number }; serving: { n: number } | null }[];
    };
    expect(gate.sets.map((s) => s.name).sort()).toEqual([
      'recent-approved',
      'three-subject',
      'two-subject',
    ]);
    expect(gate.sets.find((s) => s.name === 'recent-approved')).toMatchObject({
      candidate: { n: 1 },
      serving: { n: 1 },
    });
    expect(gate.sets.find((s) => s.name === 'two-subject')).toMatchObject({
      candidate: { n: 2 },
      serving: { n: 2 },
    });
    expect(gate.passed).toBe(true);
    // The candidate serves as its parent does (the card's sampling) and both were scored so.
    const [row] = await db
      .select({ modelCard: modelVersions.modelCard, metrics: modelVersions.metrics })
      .from(modelVersions)
      .where(eq(modelVersions.id, candidate.id));
    expect(row!.modelCard).toMatchObject({
      kind: 'adapter',
      stage: 'feedback',
      parent: 'tiny-musar',
      sampling: { guidance: { prompt: 2, reference: 4 } },
    });
    expect((row!.metrics as { evaluation: { guidance: unknown } }).evaluation.guidance).toEqual({
      candidate: { prompt: 2, reference: 4 },
      serving: { prompt: 2, reference: 4 },
    });
    // lineage = the three trained outputs; the most recent approved one was held out
    const trained = await db.select().from(lineage).where(eq(lineage.modelVersionId, candidate.id));
    const held = (candidate.metrics!.training as { heldOutOutputIds: string[] }).heldOutOutputIds;
    expect(held).toHaveLength(1);
    expect(trained.map((l) => l.outputId)).not.toContain(held[0]);
    expect(new Set([...trained.map((l) => l.outputId), ...held])).toEqual(
      new Set(first.map((o) => o.id)),
    );

    // Operator promotes; the old adapter is retired; new generations use the candidate.
    await operator.models.promote({ modelVersionId: candidate.id });
    const states = Object.fromEntries((await operator.models.list()).map((m) => [m.id, m.state]));
    expect(states[candidate.id]).toBe('serving');
    expect(states[adapterId]).toBe('retired');
    const second = await generateAndWait(9);
    expect(second.map((o) => o.modelVersionId)).toEqual(Array(4).fill(candidate.id));
    // only the held-out item (never trained on) is left as new data for the next round
    expect((await operator.models.retrainStatus()).newApproved).toBe(1);

    const audit = await db
      .select()
      .from(auditLog)
      .where(inArray(auditLog.targetId, [candidate.id, started!.jobId]))
      .orderBy(auditLog.id);
    expect(audit.map((a) => a.action)).toEqual([
      'model.retrain_requested',
      'model.retrain_started',
      'model.lineage',
      'model.retrained',
      'model.evaluated',
      'model.promote',
    ]);
    // rollback is one action
    await operator.models.rollback({ modelVersionId: adapterId });
    const third = await generateAndWait(11);
    expect(third.map((o) => o.modelVersionId)).toEqual(Array(4).fill(adapterId));
  });

  // issue 15 #10: consent lost while a retrain trains.
  const candidateOf = async (jobId: string) =>
    waitFor('the candidate of the retrain', async () => {
      const [c] = await env.handle.db
        .select()
        .from(modelVersions)
        .where(sql`${modelVersions.metrics}->'training'->>'jobId' = ${jobId}`);
      return c && ((c.metrics as { training?: { step?: number } }).training?.step ?? 0) >= 1 && c;
    });
  const approveNew = async (seed: number) => {
    for (const _ of await generateAndWait(seed)) {
      const { items } = await reviewer.review.next({ hold: 1 });
      await reviewer.review.decide({ outputId: items[0]!.outputId, decision: 'approve' });
    }
  };

  it("consent lost behind the cascade's back fails the retrain at the lineage check once: not retried, never `running` again", async () => {
    const db = env.handle.db;
    await approveNew(21);
    process.env.MUSAR_RETRAIN_STEPS = '40';
    const started = (await maybeStartRetrain(db, 4))!;
    const c = await candidateOf(started.jobId);
    // A consent row changed without the cascade (what the lineage check is there for).
    await db
      .update(consents)
      .set({ revokedAt: new Date(), revokedReason: 'test: no cascade' })
      .where(and(eq(consents.subjectId, subjectIds[0]!), eq(consents.scope, 'train')));
    const failed = await waitFor('the candidate to fail', async () => {
      const [row] = await db.select().from(modelVersions).where(eq(modelVersions.id, c.id));
      return row?.state === 'failed' && row;
    });
    expect(
      (failed.metrics as { training: { status: string; error: string } }).training,
    ).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/consent/),
    });
    await waitFor(
      'the job to fail',
      async () => (await jobState(db, 'retrain', started.jobId))?.state === 'failed',
    );
    await new Promise((r) => setTimeout(r, 3000)); // no retry comes back to it
    expect(await jobState(db, 'retrain', started.jobId)).toEqual({
      state: 'failed',
      retryCount: 0,
    });
    const [after] = await db.select().from(modelVersions).where(eq(modelVersions.id, c.id));
    expect(after!.state).toBe('failed');
    expect((after!.metrics as { training: { status: string } }).training.status).toBe('failed');
    const actions = (await db.select().from(auditLog).where(eq(auditLog.targetId, c.id))).map(
      (a) => a.action,
    );
    expect(actions.filter((a) => a === 'model.retrain_started')).toHaveLength(1);
    expect(actions).toContain('model.retrain_failed');
    expect(actions).not.toContain('model.retrained');
    // consent given again for the next case
    await db.insert(consents).values({
      subjectId: subjectIds[0]!,
      scope: 'train',
      grantedBy: 'test',
      evidence: 'fixture',
    });
  });

  it('a revocation while a retrain trains stops it at once: tainted, job cancelled, counted in the summary', async () => {
    const db = env.handle.db;
    process.env.MUSAR_RETRAIN_STEPS = '5000'; // far longer than the test: it must be stopped
    const started = (await maybeStartRetrain(db, 4))!;
    expect(started).toBeTruthy();
    const c = await candidateOf(started.jobId);
    const admin = await insertTestUser(db, 'admin');
    const t0 = Date.now();
    const res = await revokeSubjectConsents(db, admin, {
      subjectId: subjectIds[0]!,
      reason: 'subject asked',
      scopes: ['train'],
    });
    const committed = Date.now();
    expect(res.cascade?.cancelledRetrainIds).toEqual([c.id]);
    const [row] = await db.select().from(modelVersions).where(eq(modelVersions.id, c.id));
    expect(row!.state).toBe('tainted');
    expect((row!.metrics as { training: { status: string } }).training.status).toBe('cancelled');
    expect((await jobState(db, 'retrain', started.jobId))?.state).toBe('cancelled');
    const stopped = await waitFor(
      'the training thread to stop',
      async () => {
        const [a] = await db
          .select()
          .from(auditLog)
          .where(and(eq(auditLog.targetId, c.id), eq(auditLog.action, 'model.retrain_stopped')));
        return a;
      },
      30_000,
    );
    const at = stopped.after as { via: string; step: number; stoppedAt: string };
    console.log(
      `revocation committed in ${committed - t0} ms → retrain thread stopped ${Date.parse(at.stoppedAt) - committed} ms later (via ${at.via}, step ${at.step} of 5000)`,
    );
    expect(at.via).toBe('notify');
    expect(Date.parse(at.stoppedAt) - committed).toBeLessThan(5000);
    await new Promise((r) => setTimeout(r, 2500)); // no progress write, no retry revives it
    const [later] = await db.select().from(modelVersions).where(eq(modelVersions.id, c.id));
    expect(later!.state).toBe('tainted');
    expect((later!.metrics as { training: { status: string } }).training.status).toBe('cancelled');
    expect(await db.select().from(lineage).where(eq(lineage.modelVersionId, c.id))).toHaveLength(0);
    const actions = (
      await db.select().from(auditLog).where(eq(auditLog.targetId, c.id)).orderBy(auditLog.id)
    ).map((a) => a.action);
    expect(actions).toEqual([
      'model.retrain_started',
      'model.retrain_cancelled',
      'model.retrain_stopped',
    ]);
    // The retrain the cascade schedules (without the subject) has no data left: it fails for good
    // at once — no retry.
    const next = res.cascade!.retrainJobId!;
    await waitFor(
      'the follow-up retrain to fail',
      async () => (await jobState(db, 'retrain', next))?.state === 'failed',
    );
    expect(await jobState(db, 'retrain', next)).toEqual({ state: 'failed', retryCount: 0 });
    const [failedAudit] = await executeRows<{ n: number }>(
      db,
      sql`SELECT count(*)::int AS n FROM audit_log WHERE action = 'job.failed_permanently' AND target_id = ${next}`,
    );
    expect(failedAudit!.n).toBe(1);
  });
});
