// Operator domain on PGlite: routing configs (validation, versions, default per model version),
// the model registry (promotion gate, tainted/failed refused, rollback, audit), the retraining
// policy (no data refused, threshold, train consent) and feedback data with the repaint as a
// region mask that the static routing plan routes to each subject.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, inArray, sql } from 'drizzle-orm';
import { executeRows, type DbHandle } from '@musar/db';
import { createTestDb } from '@musar/db/testing';
import { auditLog, consents, modelVersions } from '@musar/db/schema';
import { staticRoutingPlan } from '@musar/model';
import { toBatchArrays } from '@musar/trainer';
import { startBoss } from '@musar/core/jobs/boss';
import { insertToySubject } from '@musar/core/testing/jobs';
import { callerFor, insertTestUser, type Caller } from '../testing';
import { seedReviewItems } from '@musar/core/testing/review-fixtures';
import { claimNext } from '@musar/core/review/queue';
import { decide } from '@musar/core/review/decide';
import { feedbackSamples } from '@musar/core/retrain/data';
import { maybeStartRetrain, newFeedbackData } from '@musar/core/retrain/retrain';
import type { SessionUser } from '../context';
import { gateDecision, gateTolerance } from '@musar/core/retrain/gate';

let handle: DbHandle;
let op: Caller;
let reviewer: SessionUser;

beforeAll(async () => {
  handle = await createTestDb();
  const boss = await startBoss(handle);
  await boss.stop({ graceful: false, wait: true });
  op = callerFor(handle.db, await insertTestUser(handle.db, 'operator'));
  reviewer = await insertTestUser(handle.db, 'reviewer');
});
afterAll(() => handle?.close());

const auditActions = async (targetId: string) =>
  (
    await handle.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.targetId, targetId))
      .orderBy(auditLog.id)
  ).map((a) => a.action);

describe('routing configs', () => {
  it('refuses NaN, out-of-range values, unknown keys and layers the model does not have', async () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ beta: Number.NaN }, /beta/],
      [{ threshold: 1.5 }, /threshold/],
      [{ startStep: -1 }, /startStep/],
      [{ layers: [0, 9] }, /routing layers 0,9 must be < depth 4/],
      [{ smoothing: 2, gamma: 1 }, /gamma|Unrecognized/i],
    ];
    for (const [params, message] of bad)
      await expect(op.routing.create({ name: 'bad', params })).rejects.toMatchObject({
        code: 'BAD_REQUEST',
        message: expect.stringMatching(message),
      });
    expect(await op.routing.list()).toHaveLength(0);
  });

  it('versions a name and sets one default per model version (audited)', async () => {
    const v1 = await op.routing.create({ name: 'soft', params: { beta: 4, layers: [2, 3] } });
    const v2 = await op.routing.create({ name: 'soft', params: { beta: 6, layers: [3] } });
    expect([v1.version, v2.version]).toEqual([1, 2]);
    const [mv] = await handle.db
      .insert(modelVersions)
      .values({ kind: 'adapter', name: 'a1', config: { depth: 4 } })
      .returning();
    await op.routing.setDefault({ routingConfigId: v1.id, modelVersionId: mv!.id });
    await op.routing.setDefault({ routingConfigId: v2.id, modelVersionId: mv!.id });
    const all = await op.routing.list();
    expect(all.filter((c) => c.defaultFor === mv!.id).map((c) => c.id)).toEqual([v2.id]);
    expect(await auditActions(mv!.id)).toEqual(['routing.set_default', 'routing.set_default']);
    // a config valid for depth 4 is refused as the default of a 2-block model
    const [shallow] = await handle.db
      .insert(modelVersions)
      .values({ kind: 'adapter', name: 'a2', config: { depth: 2 } })
      .returning();
    await expect(
      op.routing.setDefault({ routingConfigId: v2.id, modelVersionId: shallow!.id }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});

describe('routing preview', () => {
  it('queues one single-image generation per config with the same subjects, prompt and seed', async () => {
    const subjects = [await insertToySubject(handle.db, 31), await insertToySubject(handle.db, 32)];
    const a = await op.routing.create({ name: 'hard', params: { startStep: 2 } });
    const b = await op.routing.create({
      name: 'soft-2',
      params: { startStep: 2, beta: 3, threshold: 0.4 },
    });
    const { items } = await op.routing.preview({
      subjectIds: subjects,
      prompt: 'a star toy left of a heart toy',
      seed: 77,
      steps: 5,
      routingConfigIds: [a.id, b.id],
    });
    expect(items.map((i) => i.routingConfigId)).toEqual([a.id, b.id]);
    const jobs = await executeRows<{
      data: {
        requestId: string;
        seed: number;
        count: number;
        subjectIds: string[];
        routing: Record<string, unknown>;
      };
    }>(
      handle.db,
      sql`select data from pgboss.job where name = 'generate' and data->>'requestId' in ${items.map((i) => i.requestId)}`,
    );
    const byRequest = (id: string) => jobs.find((j) => j.data.requestId === id)!.data;
    expect(byRequest(items[0]!.requestId)).toMatchObject({
      seed: 77,
      count: 1,
      subjectIds: subjects,
      routing: { startStep: 2 },
    });
    expect(byRequest(items[1]!.requestId)).toMatchObject({
      seed: 77,
      count: 1,
      subjectIds: subjects,
      routing: { startStep: 2, beta: 3, threshold: 0.4 },
    });
    const result = await op.routing.previewResult({ requestIds: items.map((i) => i.requestId) });
    expect(result.map((r) => [r.routingConfigId, r.state, r.output])).toEqual([
      [a.id, 'queued', null],
      [b.id, 'queued', null],
    ]);
    await expect(
      op.routing.preview({ subjectIds: subjects, prompt: 'x', seed: 1, routingConfigIds: [a.id] }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});

describe('evaluation gate', () => {
  const tol = gateTolerance({});
  const set = (fidelity: number, leakage: number, n = 8) => ({ n, fidelity, leakage });
  it('passes within the tolerance and fails beyond it on any set, saying which', () => {
    expect(tol).toEqual({ fidelity: 0.02, leakage: 0.02 });
    expect(
      gateDecision(
        [{ name: 'two-subject', candidate: set(0.59, 0.11), serving: set(0.6, 0.1) }],
        tol,
      ).passed,
    ).toBe(true);
    const worse = gateDecision(
      [
        { name: 'two-subject', candidate: set(0.7, 0.1), serving: set(0.6, 0.1) },
        { name: 'recent-approved', candidate: set(0.55, 0.13), serving: set(0.6, 0.1) },
      ],
      tol,
    );
    expect(worse.passed).toBe(false);
    expect(worse.sets.map((s) => s.passed)).toEqual([true, false]);
    expect(worse.sets[1]!.reasons).toEqual([
      'recent-approved: fidelity 0.550 < serving 0.600 − 0.02',
      'recent-approved: leakage 0.130 > serving 0.100 + 0.02',
    ]);
    // a set the candidate could not be scored on never passes; no serving version = nothing to be worse than
    expect(
      gateDecision([{ name: 'x', candidate: set(Number.NaN, Number.NaN, 0), serving: null }], tol)
        .passed,
    ).toBe(false);
    expect(gateDecision([{ name: 'x', candidate: set(0.1, 0.5), serving: null }], tol).passed).toBe(
      true,
    );
    expect(() => gateTolerance({ MUSAR_GATE_LEAKAGE_TOLERANCE: '-1' })).toThrow();
  });
});

describe('model registry', () => {
  it('refuses tainted, failed and unevaluated or gate-failing candidates; promotes a passing one; rolls back', async () => {
    const ins = async (name: string, values: Partial<typeof modelVersions.$inferInsert>) =>
      (
        await handle.db
          .insert(modelVersions)
          .values({ kind: 'adapter', name, ...values })
          .returning()
      )[0]!;
    const serving = await ins('serving', {
      state: 'serving',
      promotedAt: new Date(Date.now() - 1000),
    });
    const tainted = await ins('tainted', {
      state: 'tainted',
      taintReason: 'consent revoked for subject X',
    });
    const failed = await ins('failed', { state: 'failed' });
    const fresh = await ins('fresh', {});
    const worse = await ins('worse', {
      metrics: {
        gate: {
          passed: false,
          sets: [{ reasons: ['suite-2: leakage 0.300 > serving 0.100 + 0.02'] }],
        },
      },
    });
    const good = await ins('good', { metrics: { gate: { passed: true, sets: [] } } });
    await expect(op.models.promote({ modelVersionId: tainted.id })).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: expect.stringMatching(/tainted \(consent revoked for subject X\)/),
    });
    await expect(op.models.promote({ modelVersionId: failed.id })).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: expect.stringMatching(/failed/),
    });
    await expect(op.models.promote({ modelVersionId: fresh.id })).rejects.toMatchObject({
      message: expect.stringMatching(/not been evaluated/),
    });
    await expect(op.models.promote({ modelVersionId: worse.id })).rejects.toMatchObject({
      message: expect.stringMatching(/failed the evaluation gate \(suite-2: leakage/),
    });
    const promoted = await op.models.promote({ modelVersionId: good.id });
    expect(promoted.state).toBe('serving');
    const states = async () =>
      Object.fromEntries((await op.models.list()).map((m) => [m.name, m.state]));
    expect(await states()).toMatchObject({
      serving: 'retired',
      good: 'serving',
      tainted: 'tainted',
      failed: 'failed',
    });
    await expect(op.models.rollback({ modelVersionId: tainted.id })).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
    });
    await expect(op.models.rollback({ modelVersionId: fresh.id })).rejects.toMatchObject({
      message: expect.stringMatching(/never served/),
    });
    await op.models.rollback({ modelVersionId: serving.id });
    expect(await states()).toMatchObject({ serving: 'serving', good: 'retired' });
    expect(await auditActions(good.id)).toEqual(['model.promote']);
    expect(await auditActions(serving.id)).toEqual(['model.rollback']);
    await handle.db
      .update(modelVersions)
      .set({ state: 'retired' })
      .where(inArray(modelVersions.id, [serving.id]));
  });
});

describe('retraining policy and data', () => {
  it('refuses a retrain with no eligible data, with a clear message', async () => {
    await expect(op.models.retrain({})).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: expect.stringMatching(/No eligible data/),
    });
  });

  it('counts approved outputs with train consent, starts one job at the threshold, and the repaint is the region mask', async () => {
    const seeded = await seedReviewItems(handle.db, { count: 4, subjects: 2 });
    for (const outputId of seeded.outputIds.slice(0, 3)) {
      await claimNext(handle.db, reviewer, { hold: 1 });
      const repaint =
        outputId === seeded.outputIds[0]
          ? {
              rows: 8,
              cols: 8,
              cells: seeded.map.map((_, i) => (i % 8 < 3 ? 1 : i % 8 > 5 ? 0 : -1)),
            }
          : undefined;
      await decide(handle.db, reviewer, {
        outputId,
        decision: 'approve',
        ...(repaint ? { repaint } : {}),
      });
    }
    // no train consent yet: nothing is eligible
    expect((await newFeedbackData(handle.db)).outputIds).toHaveLength(0);
    await handle.db.insert(consents).values(
      seeded.subjectIds.map((subjectId) => ({
        subjectId,
        scope: 'train' as const,
        grantedBy: 'test',
        evidence: 'fixture',
      })),
    );
    const data = await newFeedbackData(handle.db);
    expect(data.outputIds.sort()).toEqual(seeded.outputIds.slice(0, 3).sort());
    expect(data.repaints).toBe(1);
    expect(await maybeStartRetrain(handle.db, 4)).toBeNull();
    const started = await maybeStartRetrain(handle.db, 3);
    expect(started).toMatchObject({ newApproved: 3, newRepaints: 1 });
    expect(await maybeStartRetrain(handle.db, 3)).toBeNull();
    await expect(op.models.retrain({})).rejects.toMatchObject({ code: 'CONFLICT' });
    const [job] = await executeRows<{ data: Record<string, unknown> }>(
      handle.db,
      sql`select data from pgboss.job where id = ${started!.jobId}::uuid`,
    );
    expect(job!.data).toMatchObject({ reason: 'policy:3 approved' });

    const [sample] = await feedbackSamples(handle.db, [seeded.outputIds[0]!]);
    expect(sample!.repainted).toBe(true);
    const arrays = toBatchArrays(
      [sample!],
      { imageSize: 32, patchSize: 4, promptLength: 24, condTextLength: 4 },
      { regions: true },
    );
    const plan = staticRoutingPlan({
      subjects: 2,
      batch: 1,
      region: arrays.regions,
      targetLength: 64,
    });
    const X = 3;
    let checked = 0;
    for (let t = 0; t < 64; t++) {
      const want = t % 8 < 3 ? 1 : t % 8 > 5 ? 0 : -1;
      for (let i = 0; i < 2; i++) {
        const routed = plan.allow[X]![i + 1]! && plan.region![t] === i;
        expect(routed, `token ${t} → subject ${i}`).toBe(want === i);
        checked++;
      }
    }
    expect(checked).toBe(128);
    // the repaint differs from what the model produced: the mask is the reviewer's, not the model's
    expect(Array.from(arrays.regions!)).not.toEqual(seeded.map);
    const [plain] = await feedbackSamples(handle.db, [seeded.outputIds[1]!]);
    expect(Array.from(plain!.regionGrid!)).toEqual(seeded.map);
  });

  it('metrics per routing config: approval rate, scores and reasons with the items behind each point', async () => {
    const seeded = await seedReviewItems(handle.db, { count: 3, subjects: 2 });
    for (const [i, outputId] of seeded.outputIds.entries()) {
      await claimNext(handle.db, reviewer, { hold: 1 });
      await decide(
        handle.db,
        reviewer,
        i === 0
          ? { outputId, decision: 'approve' }
          : { outputId, decision: 'reject', reasons: ['attribute_leakage'] },
      );
    }
    const m = await op.metrics.overTime({ by: 'routingConfig', bucket: 'day', sinceDays: 365 });
    const mine = m.points.filter((p) => p.key === seeded.routingConfigId);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ outputs: 3, decided: 3, approved: 1, scored: 3, reviews: 3 });
    expect(mine[0]!.approvalRate).toBeCloseTo(1 / 3, 6);
    expect(mine[0]!.fidelity).toBeCloseTo(0.8, 6);
    expect(mine[0]!.leakage).toBeCloseTo(0.1, 6);
    expect(m.rejectReasons.filter((r) => r.key === seeded.routingConfigId)).toEqual([
      { key: seeded.routingConfigId, reason: 'attribute_leakage', n: 2 },
    ]);
  });
});

describe('previews stay the operator’s', () => {
  it('a preview request is marked, its output is never claimed for review, counted in metrics or listed', async () => {
    const seeded = await seedReviewItems(handle.db, { count: 1, subjects: 2 });
    await handle.db.execute(
      sql`update generation_requests set purpose = 'preview' where id = ${seeded.requestId}`,
    );
    const reviewer2 = await insertTestUser(handle.db, 'reviewer');
    const held = await claimNext(handle.db, reviewer2, { hold: 50 });
    expect(held.items.map((i) => i.outputId)).not.toContain(seeded.outputIds[0]);
    const m = await op.metrics.overTime({ by: 'routingConfig', bucket: 'day', sinceDays: 365 });
    expect(m.points.filter((p) => p.key === seeded.routingConfigId)).toHaveLength(0);
    const list = await op.generation.list({ limit: 100, offset: 0 });
    expect(list.items.map((r) => r.id)).not.toContain(seeded.requestId);
    expect(list.items.every((r) => r.purpose === 'production')).toBe(true);
    // the same output, as a production request: claimable
    await handle.db.execute(
      sql`update generation_requests set purpose = 'production' where id = ${seeded.requestId}`,
    );
    const again = await claimNext(handle.db, reviewer2, { hold: 50 });
    expect(again.items.map((i) => i.outputId)).toContain(seeded.outputIds[0]);
  });

  it('routing.preview stores its requests as previews', async () => {
    const subjects = [await insertToySubject(handle.db, 41), await insertToySubject(handle.db, 42)];
    const cfg = await op.routing.create({ name: 'preview-mark', params: { startStep: 2 } });
    const other = await op.routing.create({ name: 'preview-mark-2', params: { startStep: 3 } });
    const { items } = await op.routing.preview({
      subjectIds: subjects,
      prompt: 'a star toy left of a heart toy',
      seed: 5,
      steps: 5,
      routingConfigIds: [cfg.id, other.id],
    });
    const rows = await executeRows<{ purpose: string }>(
      handle.db,
      sql`select purpose from generation_requests where id in ${items.map((i) => i.requestId)}`,
    );
    expect(rows.map((r) => r.purpose)).toEqual(['preview', 'preview']);
  });
});

describe('a request’s outputs', () => {
  it('lists each image with its state, and the image only while it may be shown', async () => {
    const seeded = await seedReviewItems(handle.db, { count: 2, subjects: 2 });
    const outs = await op.generation.outputs({ requestId: seeded.requestId });
    expect(outs.map((o) => [o.id, o.state])).toEqual([
      [seeded.outputIds[0], 'pending_review'],
      [seeded.outputIds[1], 'pending_review'],
    ]);
    expect(outs[0]!.image).toMatch(/^data:image\/png;base64,/);
    await handle.db.execute(
      sql`update outputs set state = 'withdrawn', withdrawn_reason = 'test' where id = ${seeded.outputIds[1]!}`,
    );
    const after = await op.generation.outputs({ requestId: seeded.requestId });
    expect(after[1]).toMatchObject({ state: 'withdrawn', image: null, withdrawnReason: 'test' });
    const req = await op.generation.get({ requestId: seeded.requestId });
    expect(req).toMatchObject({ stepsPerImage: expect.any(Number), purpose: 'production' });
  });
});
