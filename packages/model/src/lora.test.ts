import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { maxAbsDiff, microConfig as cfg, randomBatch } from '../test/fixtures';
import { initAdapter, loadAdapter, saveCheckpoint } from './checkpoint';
import { lowRankFactors } from './lora';
import { MusarModel } from './model/dit';
import { staticRoutingPlan, targetContextBias } from './routing/plan';

const batch = randomBatch(cfg, 2, 2, 31);
const xt = tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 32) as tf.Tensor4D;
const t = tf.tensor1d([0.25, 0.75]);
const plan = staticRoutingPlan({ subjects: 2, batch: 2 });

function randomizeAdapters(model: MusarModel, seed: number) {
  for (const v of model.lora!.variables())
    v.assign(tf.randomNormal(v.shape, 0, 0.2, 'float32', seed++));
}

function outputs(model: MusarModel, p = plan) {
  return tf.tidy(() => {
    const cache = model.encodeContext(batch, { hidden: true });
    const r = model.forwardTarget(xt, t, cache, { bias: targetContextBias(p, model.layout()) });
    return { v: r.velocity, P: cache.hidden.prompt, C: cache.hidden.conditions!, X: r.hidden };
  });
}

describe('DualBranchLora', () => {
  it('zero-initialised adapters leave every output identical to the base', () => {
    const model = new MusarModel(cfg, { seed: 5, adaLNZero: false });
    const base = outputs(model);
    model.attachLora(1);
    const withLora = outputs(model);
    for (const k of ['v', 'P', 'C', 'X'] as const) expect(maxAbsDiff(base[k], withLora[k])).toBe(0);
    // B = 0, A ≠ 0 (peft's initialisation)
    const a = model.lora!.adapters.get('blocks.0.attn.qkv')!.noise!;
    expect(tf.max(tf.abs(a.B)).dataSync()[0]).toBe(0);
    expect(tf.max(tf.abs(a.A)).dataSync()[0]).toBeGreaterThan(0);
  });

  it('merge keeps outputs and the shared base weight; unmerge restores the unmerged path', () => {
    const model = new MusarModel(cfg, { seed: 5, adaLNZero: false });
    model.attachLora(2);
    randomizeAdapters(model, 40);
    const w = model.namedParams().get('blocks.1.mlp.fc2.weight')!;
    const wBefore = w.dataSync().slice();
    const unmerged = outputs(model);
    model.lora!.merge(model.loraBaseWeights());
    expect(model.lora!.isMerged).toBe(true);
    expect(w.dataSync()).toEqual(wBefore);
    const merged = outputs(model);
    for (const k of ['v', 'P', 'C', 'X'] as const)
      expect(maxAbsDiff(unmerged[k], merged[k])).toBeLessThan(1e-4);
    // the merged noise weight really is W + A·B·α/r
    const delta = model.lora!.deltaWeight('blocks.1.mlp.fc2', 'noise');
    expect(tf.max(tf.abs(delta)).dataSync()[0]).toBeGreaterThan(1e-3);
    model.lora!.unmerge();
    expect(model.lora!.isMerged).toBe(false);
    expect(w.dataSync()).toEqual(wBefore);
    const after = outputs(model);
    for (const k of ['v', 'P', 'C', 'X'] as const)
      expect(maxAbsDiff(unmerged[k], after[k])).toBe(0);
  });

  it('prompt tokens never depend on adapter weights', () => {
    const model = new MusarModel(cfg, { seed: 6, adaLNZero: false });
    const base = outputs(model);
    model.attachLora(3);
    randomizeAdapters(model, 50);
    const adapted = outputs(model);
    expect(maxAbsDiff(base.P, adapted.P)).toBe(0);
    expect(maxAbsDiff(base.C, adapted.C)).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(base.X, adapted.X)).toBeGreaterThan(1e-3);
  });

  it('noise branch learns only through X tokens, subject branch only through condition tokens', () => {
    const model = new MusarModel(cfg, { seed: 7, adaLNZero: false });
    model.attachLora(4);
    randomizeAdapters(model, 60);
    const noise = model.lora!.variables('noise');
    const subject = model.lora!.variables('subject');
    const all = [...noise, ...subject];
    const maxGrad = (f: () => tf.Scalar, vars: tf.Variable[]) => {
      let r: ReturnType<typeof tf.variableGrads>;
      try {
        r = tf.variableGrads(f, all);
      } catch (e) {
        // tfjs refuses when no variable is connected to the loss at all: no gradient anywhere.
        if (/Cannot find a connection/.test((e as Error).message)) return 0;
        throw e;
      }
      const { value, grads } = r;
      value.dispose();
      const m = Math.max(
        0,
        ...vars.map((v) => (grads[v.name] ? tf.max(tf.abs(grads[v.name]!)).dataSync()[0]! : 0)),
      );
      tf.dispose(Object.values(grads));
      return m;
    };
    // Loss on the condition tokens alone: the noise branch gets exactly no gradient.
    const condLoss = () =>
      tf.sum(
        tf.square(model.encodeContext(batch, { hidden: true }).hidden.conditions!),
      ) as tf.Scalar;
    expect(maxGrad(condLoss, noise)).toBe(0);
    expect(maxGrad(condLoss, subject)).toBeGreaterThan(1e-6);
    // Loss on X alone, with X cut off from the conditions: the subject branch gets no gradient.
    const cut = staticRoutingPlan({
      subjects: 2,
      batch: 2,
      keepSubject: [
        [false, false],
        [false, false],
      ],
    });
    const xLoss = () =>
      tf.sum(
        tf.square(
          model.forwardTarget(xt, t, model.encodeContext(batch), {
            bias: targetContextBias(cut, model.layout()),
          }).velocity,
        ),
      ) as tf.Scalar;
    expect(maxGrad(xLoss, subject)).toBe(0);
    expect(maxGrad(xLoss, noise)).toBeGreaterThan(1e-6);
    // Loss on the prompt tokens: neither branch.
    const promptLoss = () =>
      tf.sum(tf.square(model.encodeContext(batch, { hidden: true }).hidden.prompt)) as tf.Scalar;
    expect(maxGrad(promptLoss, all)).toBe(0);
  });

  it('single-LoRA ablation mode: one adapter per layer shared by X and conditions, saved as lora_shared', () => {
    const model = new MusarModel(cfg, { seed: 9, adaLNZero: false });
    const lora = model.attachLora(1, { shared: true });
    const qkv = lora.adapters.get('blocks.0.attn.qkv')!;
    expect(qkv.noise).toBe(qkv.subject);
    const names = [...lora.namedVariables().keys()];
    expect(names).toContain('blocks.0.attn.qkv.lora_shared.A');
    expect(names.some((n) => n.includes('lora_noise') || n.includes('lora_subject'))).toBe(false);
    randomizeAdapters(model, 70);
    const before = outputs(model);
    const saved = saveCheckpoint(model, { name: 'single', kind: 'adapter' });
    const other = new MusarModel(cfg, { seed: 9, adaLNZero: false });
    loadAdapter(other, saved.weights);
    expect(other.lora!.shared).toBe(true);
    expect(maxAbsDiff(outputs(other).v, before.v)).toBe(0);
  });

  it('saves adapters apart from the base (names carry the branch)', () => {
    const model = new MusarModel(cfg);
    const names = [...model.attachLora().namedVariables().keys()];
    expect(names).toContain('blocks.0.attn.qkv.lora_noise.A');
    expect(names).toContain('blocks.0.attn.qkv.lora_subject.B');
    expect(names).toContain('final.linear.lora_noise.B');
    expect(names).not.toContain('final.linear.lora_subject.B'); // the head only sees X
    expect(names.some((n) => model.namedParams().has(n))).toBe(false);
  });
});

describe('lowRankFactors (truncated SVD for LoRA factors)', () => {
  const product = (A: Float32Array, B: Float32Array, m: number, r: number, n: number, s: number) =>
    Array.from({ length: m * n }, (_, idx) => {
      const i = Math.floor(idx / n);
      const j = idx % n;
      let acc = 0;
      for (let q = 0; q < r; q++) acc += A[i * r + q]! * B[q * n + j]!;
      return acc * s;
    });

  it('recovers a planted low-rank matrix exactly and keeps all its energy', () => {
    const [m, n] = [7, 5];
    const u = [1, -2, 0.5, 3, 0, 1, -1];
    const w = [0.3, 2, -1, 0, 4, 1, 1];
    const v1 = [1, 0, -1, 2, 0.5];
    const v2 = [0, 1, 1, -1, 2];
    const delta = new Float64Array(m * n).map((_, idx) => {
      const i = Math.floor(idx / n);
      const j = idx % n;
      return u[i]! * v1[j]! + w[i]! * v2[j]!;
    });
    const f = lowRankFactors(delta, m, n, 3, 0.5);
    const back = product(f.A, f.B, m, 3, n, 0.5);
    back.forEach((x, k) => expect(x).toBeCloseTo(delta[k]!, 4));
    expect(f.keptEnergy / f.totalEnergy).toBeCloseTo(1, 6);
  });

  it('leaves exactly the dropped singular values as error (Eckart–Young), A and B balanced', () => {
    const [m, n, r] = [9, 6, 2];
    const delta = Float32Array.from(tf.randomNormal([m * n], 0, 1, 'float32', 3).dataSync());
    const f = lowRankFactors(delta, m, n, r, 2);
    const back = product(f.A, f.B, m, r, n, 2);
    const err = back.reduce((acc, x, k) => acc + (x - delta[k]!) ** 2, 0);
    const total = delta.reduce((acc, x) => acc + x * x, 0);
    expect(f.totalEnergy).toBeCloseTo(total, 3);
    expect(err).toBeCloseTo(f.totalEnergy - f.keptEnergy, 3);
    expect(f.keptEnergy).toBeLessThan(f.totalEnergy);
    // The kept energy is the largest possible: more than any single column pair's projection.
    expect(f.keptEnergy / f.totalEnergy).toBeGreaterThan(r / Math.min(m, n));
    for (let q = 0; q < r; q++) {
      let a = 0;
      let b = 0;
      for (let i = 0; i < m; i++) a += f.A[i * r + q]! ** 2;
      for (let j = 0; j < n; j++) b += f.B[q * n + j]! ** 2;
      expect(a).toBeCloseTo(b, 4);
    }
  });

  it('refuses a size mismatch and a non-positive scaling', () => {
    expect(() => lowRankFactors(new Float32Array(5), 2, 3, 1, 1)).toThrow(/size/);
    expect(() => lowRankFactors(new Float32Array(6), 2, 3, 1, 0)).toThrow(/scaling/);
  });
});

describe('initAdapter: a dual-branch LoRA from a single-branch adapter', () => {
  function sharedAdapter(lowRank: boolean) {
    const single = new MusarModel(cfg, { seed: 5, adaLNZero: false });
    single.attachLora(1, { shared: true });
    randomizeAdapters(single, 40);
    if (lowRank)
      // Rows ≥ noiseRank of every B are zero, so ΔW has rank ≤ noiseRank and converts exactly.
      for (const [name, v] of single.lora!.namedVariables())
        if (name.endsWith('.B'))
          v.assign(
            tf.tidy(() => {
              const keep = tf.slice(v, [0, 0], [cfg.lora.noiseRank, -1]);
              const drop = tf.zeros([v.shape[0]! - cfg.lora.noiseRank, v.shape[1]!]);
              return tf.concat([keep, drop], 0);
            }),
          );
    return { single, bytes: saveCheckpoint(single, { name: 's', kind: 'adapter' }).weights };
  }

  it('keeps the subject branch exactly and the noise branch to its rank (exact when ΔW fits)', () => {
    const { single, bytes } = sharedAdapter(true);
    const dual = new MusarModel(cfg, { seed: 5, adaLNZero: false });
    dual.attachLora(9);
    const r = initAdapter(dual, bytes);
    expect(r.converted).toBe(true);
    expect(r.noiseEnergy).toBeCloseTo(1, 5);
    const a = outputs(single);
    const b = outputs(dual);
    expect(maxAbsDiff(a.C, b.C)).toBe(0); // condition tokens: the subject branch, unchanged
    expect(maxAbsDiff(a.v, b.v)).toBeLessThan(1e-4);
    expect(maxAbsDiff(a.X, b.X)).toBeLessThan(1e-4);
  });

  it('a full-rank shared adapter converts to the best rank-r noise branch, reported', () => {
    const { single, bytes } = sharedAdapter(false);
    const dual = new MusarModel(cfg, { seed: 5, adaLNZero: false });
    dual.attachLora(9);
    const r = initAdapter(dual, bytes);
    expect(r.noiseEnergy).toBeGreaterThan(0.3);
    expect(r.noiseEnergy).toBeLessThan(1);
    const name = 'blocks.0.attn.qkv';
    const shared = single.lora!.deltaWeight(name, 'subject');
    const noise = dual.lora!.deltaWeight(name, 'noise');
    const subject = dual.lora!.deltaWeight(name, 'subject');
    expect(maxAbsDiff(shared, subject)).toBe(0);
    // Noise ΔW is rank-limited: close to the shared ΔW, not equal to it.
    const rel = tf.norm(tf.sub(shared, noise)).dataSync()[0]! / tf.norm(shared).dataSync()[0]!;
    expect(rel).toBeGreaterThan(1e-3);
    expect(rel).toBeLessThan(1);
  });

  it('loads a same-kind adapter as it is and refuses a dual adapter for a single LoRA', () => {
    const dual = new MusarModel(cfg, { seed: 5, adaLNZero: false });
    dual.attachLora(2);
    randomizeAdapters(dual, 70);
    const bytes = saveCheckpoint(dual, { name: 'd', kind: 'adapter' }).weights;
    const other = new MusarModel(cfg, { seed: 5, adaLNZero: false });
    other.attachLora(3);
    expect(initAdapter(other, bytes)).toEqual({ converted: false });
    expect(maxAbsDiff(outputs(dual).v, outputs(other).v)).toBe(0);
    const single = new MusarModel(cfg, { seed: 5, adaLNZero: false });
    single.attachLora(3, { shared: true });
    expect(() => initAdapter(single, bytes)).toThrow(/dual-branch/);
  });

  it('refuses an adapter trained with another config', () => {
    const other = new MusarModel({ ...cfg, promptLength: 6 }, { seed: 5, adaLNZero: false });
    other.attachLora(1, { shared: true });
    const bytes = saveCheckpoint(other, { name: 'o', kind: 'adapter' }).weights;
    const dual = new MusarModel(cfg, { seed: 5, adaLNZero: false });
    dual.attachLora(2);
    expect(() => initAdapter(dual, bytes)).toThrow(/another config.*promptLength/);
  });
});

describe('adapter ranks belong to the adapter', () => {
  const ranks = { noiseRank: 4, noiseAlpha: 4, subjectRank: 4, subjectAlpha: 4 };

  it('an adapter with its own ranks saves them and loads into a bare model with them', () => {
    const a = new MusarModel(cfg, { seed: 5, adaLNZero: false });
    a.attachLora(1, { config: ranks });
    randomizeAdapters(a, 90);
    const bytes = saveCheckpoint(a, { name: 'r', kind: 'adapter' }).weights;
    const b = new MusarModel(cfg, { seed: 5, adaLNZero: false });
    loadAdapter(b, bytes);
    expect(b.lora!.config).toEqual(ranks);
    expect(b.lora!.adapters.get('blocks.0.attn.qkv')!.noise!.A.shape[1]).toBe(4);
    expect(maxAbsDiff(outputs(a).v, outputs(b).v)).toBe(0);
    // A LoRA already attached with other ranks refuses it, naming both.
    const c = new MusarModel(cfg, { seed: 5, adaLNZero: false });
    c.attachLora(2);
    expect(() => loadAdapter(c, bytes)).toThrow(/noise 4\/4, subject 4\/4.*noise 2\/2/);
  });

  it('a single adapter converts exactly into a dual LoRA whose noise rank equals its rank', () => {
    const single = new MusarModel(cfg, { seed: 5, adaLNZero: false });
    single.attachLora(1, { shared: true });
    randomizeAdapters(single, 41);
    const bytes = saveCheckpoint(single, { name: 's', kind: 'adapter' }).weights;
    const dual = new MusarModel(cfg, { seed: 5, adaLNZero: false });
    dual.attachLora(9, { config: ranks });
    expect(initAdapter(dual, bytes).noiseEnergy).toBeCloseTo(1, 5);
    const [a, b] = [outputs(single), outputs(dual)];
    expect(maxAbsDiff(a.C, b.C)).toBe(0);
    expect(maxAbsDiff(a.v, b.v)).toBeLessThan(1e-4);
    // Its subject rank must match the adapter's (the subject branch is the adapter itself).
    const wide = new MusarModel(cfg, { seed: 5, adaLNZero: false });
    wide.attachLora(9, { config: { ...ranks, subjectRank: 8, subjectAlpha: 8 } });
    expect(() => initAdapter(wide, bytes)).toThrow(/same rank/);
  });
});
