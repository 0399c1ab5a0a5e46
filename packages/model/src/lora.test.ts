import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { maxAbsDiff, microConfig as cfg, randomBatch } from '../test/fixtures';
import { loadAdapter, saveCheckpoint } from './checkpoint';
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
