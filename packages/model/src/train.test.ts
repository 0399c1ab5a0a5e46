import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { microConfig as cfg, randomBatch } from '../test/fixtures';
import { logitNormalTimesteps, rectifiedFlowLoss } from './diffusion';
import { MusarModel } from './model/dit';
import { Trainer } from './train';

describe('gradients', () => {
  it('match central finite differences on a micro config', () => {
    const model = new MusarModel({ ...cfg, depth: 1 }, { seed: 7, adaLNZero: false });
    model.attachLora(2);
    for (const v of model.lora!.variables())
      v.assign(tf.randomNormal(v.shape, 0, 0.2, 'float32', 9));
    const batch = randomBatch(cfg, 2, 1, 3);
    const t = tf.tensor1d([0.3, 0.7]);
    const noise = tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    const loss = () => rectifiedFlowLoss(model, batch, { t, noise });
    const named = model.namedParams();
    const checks: [string, tf.Variable][] = [
      ['blocks.0.attn.qkv.weight', named.get('blocks.0.attn.qkv.weight')!],
      ['blocks.0.mlp.fc2.weight', named.get('blocks.0.mlp.fc2.weight')!],
      ['blocks.0.adaLN.weight', named.get('blocks.0.adaLN.weight')!],
      ['token_embed', named.get('token_embed')!],
      ['patch_embed.weight', named.get('patch_embed.weight')!],
      ['lora subject B', model.lora!.adapters.get('blocks.0.attn.qkv')!.subject!.B],
      ['lora noise A', model.lora!.adapters.get('blocks.0.mlp.fc1')!.noise!.A],
    ];
    const grads = tf.variableGrads(
      loss,
      checks.map(([, v]) => v),
    ).grads;
    for (const [label, v] of checks) {
      const g = grads[v.name]!.dataSync();
      const vals = v.dataSync().slice();
      // the 3 entries with the largest analytic gradient (well above float32 noise)
      const idx = [...g.keys()].sort((a, b) => Math.abs(g[b]!) - Math.abs(g[a]!)).slice(0, 3);
      for (const i of idx) {
        const eps = 1e-2;
        const at = (delta: number) => {
          const copy = vals.slice();
          copy[i]! += delta;
          v.assign(tf.tensor(copy, v.shape));
          return tf.tidy(() => loss().dataSync()[0]!);
        };
        const fd = (at(eps) - at(-eps)) / (2 * eps);
        v.assign(tf.tensor(vals, v.shape));
        expect(Math.abs(fd - g[i]!), `${label}[${i}] fd=${fd} analytic=${g[i]}`).toBeLessThan(
          0.05 * Math.abs(g[i]!) + 2e-4,
        );
      }
    }
  });
});

describe('Trainer', () => {
  it('does not grow tf.memory().numTensors over 20 steps (full and adapter)', () => {
    for (const mode of ['full', 'adapter'] as const) {
      const model = new MusarModel(cfg, { seed: 1 });
      const trainer = new Trainer(model, { mode, emaDecay: 0.9 });
      const batch = randomBatch(cfg, 2, 2, 5);
      trainer.trainStep(batch);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 20; i++) trainer.trainStep(batch);
      expect(tf.memory().numTensors).toBe(before);
      expect(trainer.step).toBe(21);
    }
  });

  it('adapter mode leaves the base frozen and full mode moves it', () => {
    const model = new MusarModel(cfg, { seed: 1, adaLNZero: false });
    const w = model.namedParams().get('blocks.0.attn.qkv.weight')!;
    const before = w.dataSync().slice();
    const batch = randomBatch(cfg, 2, 1, 5);
    new Trainer(model, { mode: 'adapter', learningRate: 1e-2 }).trainStep(batch);
    expect(w.dataSync()).toEqual(before);
    expect(
      Math.max(...model.lora!.variables().map((v) => tf.max(tf.abs(v)).dataSync()[0]!)),
    ).toBeGreaterThan(0);
    new Trainer(model, { mode: 'full', learningRate: 1e-2 }).trainStep(batch);
    expect(w.dataSync()).not.toEqual(before);
  });

  it('learning rate: linear warm-up, then constant or a cosine decay to its floor', () => {
    const model = new MusarModel(cfg, { seed: 1 });
    const constant = new Trainer(model, { learningRate: 1e-3, warmupSteps: 10 });
    expect(constant.learningRateAt(0)).toBeCloseTo(1e-4, 12);
    expect(constant.learningRateAt(9)).toBeCloseTo(1e-3, 12);
    expect(constant.learningRateAt(50_000)).toBeCloseTo(1e-3, 12);
    const decayed = new Trainer(model, {
      learningRate: 1e-3,
      warmupSteps: 10,
      lrDecay: { fromStep: 100, steps: 200, minLearningRate: 1e-4 },
    });
    expect(decayed.learningRateAt(99)).toBeCloseTo(1e-3, 12);
    expect(decayed.learningRateAt(100)).toBeCloseTo(1e-3, 12);
    expect(decayed.learningRateAt(200)).toBeCloseTo(5.5e-4, 12); // halfway: the mean of the two
    expect(decayed.learningRateAt(150)).toBeGreaterThan(decayed.learningRateAt(250));
    expect(decayed.learningRateAt(300)).toBeCloseTo(1e-4, 12);
    expect(decayed.learningRateAt(10_000)).toBeCloseTo(1e-4, 12);
    expect(
      () => new Trainer(model, { lrDecay: { fromStep: 0, steps: 0, minLearningRate: 0 } }),
    ).toThrow();
    // a second phase anneals from where the first ended
    const twice = new Trainer(model, {
      learningRate: 1e-3,
      lrDecay: [
        { fromStep: 100, steps: 200, minLearningRate: 1e-4 },
        { fromStep: 500, steps: 100, minLearningRate: 1e-5 },
      ],
    });
    expect(twice.learningRateAt(200)).toBeCloseTo(5.5e-4, 12);
    expect(twice.learningRateAt(400)).toBeCloseTo(1e-4, 12);
    expect(twice.learningRateAt(500)).toBeCloseTo(1e-4, 12);
    expect(twice.learningRateAt(550)).toBeCloseTo(5.5e-5, 12);
    expect(twice.learningRateAt(600)).toBeCloseTo(1e-5, 12);
    expect(twice.learningRateAt(9_000)).toBeCloseTo(1e-5, 12);
    // a restart: the second cycle starts from its own rate
    const cycle = new Trainer(model, {
      learningRate: 1e-3,
      lrDecay: [
        { fromStep: 100, steps: 200, minLearningRate: 1e-4 },
        { fromStep: 500, steps: 100, minLearningRate: 1e-5, fromLearningRate: 5e-4 },
      ],
    });
    expect(cycle.learningRateAt(499)).toBeCloseTo(1e-4, 12);
    expect(cycle.learningRateAt(500)).toBeCloseTo(5e-4, 12);
    expect(cycle.learningRateAt(550)).toBeCloseTo(2.55e-4, 12);
    expect(cycle.learningRateAt(700)).toBeCloseTo(1e-5, 12);
    expect(
      () =>
        new Trainer(model, {
          lrDecay: [
            { fromStep: 100, steps: 200, minLearningRate: 1e-4 },
            { fromStep: 250, steps: 100, minLearningRate: 1e-5 },
          ],
        }),
    ).toThrow(/must not overlap/);
    model.dispose();
  });

  it('clips the global gradient norm', () => {
    const model = new MusarModel(cfg, { seed: 1, adaLNZero: false });
    const trainer = new Trainer(model, { mode: 'full', clipNorm: 1e-3, learningRate: 1e-3 });
    const r = trainer.trainStep(randomBatch(cfg, 2, 1, 5));
    expect(r.gradNorm).toBeGreaterThan(1e-3); // reported norm is pre-clip
  });

  it('overfits 8 fixed samples adapter-only: loss falls by at least 10×', () => {
    // A frozen random base stands in for a pretrained one; only the dual-branch LoRA learns.
    // Single-subject pairs (target = reference, a flat colour) with fixed t and noise, 8×8 images.
    const small = {
      ...cfg,
      imageSize: 8,
      lora: { noiseRank: 8, noiseAlpha: 8, subjectRank: 16, subjectAlpha: 16 },
    };
    const model = new MusarModel(small, { seed: 11, adaLNZero: false });
    const trainer = new Trainer(model, {
      mode: 'adapter',
      learningRate: 1e-2,
      emaDecay: 0,
      promptDropout: 0,
      referenceDropout: 0,
    });
    const batch = randomBatch(small, 8, 1, 13);
    batch.images = tf.tile(
      tf.randomUniform([8, 1, 1, 3], -1, 1, 'float32', 5),
      [1, 8, 8, 1],
    ) as tf.Tensor4D;
    batch.references = tf.reshape(batch.images, [8, 1, 8, 8, 3]) as tf.Tensor5D;
    const base = model.namedParams().get('blocks.1.mlp.fc1.weight')!.dataSync().slice();
    const t = tf.linspace(0.2, 0.8, 8) as tf.Tensor1D;
    const noise = tf.randomNormal([8, 8, 8, 3], 0, 1, 'float32', 14) as tf.Tensor4D;
    const first = trainer.trainStep(batch, { t, noise }).loss;
    let last = first;
    for (let i = 0; i < 250 && last > first / 12; i++)
      last = trainer.trainStep(batch, { t, noise }).loss;
    expect(first / last).toBeGreaterThanOrEqual(10);
    expect(model.namedParams().get('blocks.1.mlp.fc1.weight')!.dataSync()).toEqual(base); // base stayed frozen
  });

  it('saves and restores optimizer + EMA state for resume', async () => {
    const batch = randomBatch(cfg, 2, 1, 5);
    const make = () =>
      new Trainer(new MusarModel(cfg, { seed: 3 }), { mode: 'full', emaDecay: 0.5 });
    const a = make();
    for (let i = 0; i < 3; i++) a.trainStep(batch);
    const state = await a.saveState();
    const b = make();
    b.variables.forEach((v, i) => v.assign(a.variables[i]!));
    await b.loadState(state);
    expect(b.step).toBe(3);
    const ra = a.trainStep(batch);
    const rb = b.trainStep(batch);
    expect(rb.loss).toBeCloseTo(ra.loss, 5);
    const w = (t: Trainer) => t.variables[5]!.dataSync();
    expect(Math.max(...w(a).map((x, i) => Math.abs(x - w(b)[i]!)))).toBeLessThan(1e-6);
  });
});

describe('loss weights', () => {
  const model = new MusarModel(cfg, { seed: 3 });
  const batch = randomBatch(cfg, 2, 1, 5);
  const S = cfg.imageSize;
  const t = tf.tensor1d([0.4, 0.6]);
  const noise = tf.randomNormal([2, S, S, 3], 0, 1, 'float32', 8) as tf.Tensor4D;
  const lossWith = (w: Float32Array | null) =>
    rectifiedFlowLoss(
      model,
      { ...batch, lossWeights: w ? tf.tensor4d(w, [2, S, S, 1]) : null },
      { t, noise },
    ).dataSync()[0]!;

  it('equal weights give the plain mean; a zero weight removes a sample', () => {
    const plain = lossWith(null);
    expect(lossWith(new Float32Array(2 * S * S).fill(5))).toBeCloseTo(plain, 5);
    // weight only sample 1: the loss is sample 1's own mean
    const only1 = new Float32Array(2 * S * S);
    only1.fill(1, S * S);
    const one = rectifiedFlowLoss(
      model,
      {
        ...batch,
        images: tf.slice(batch.images, [1], [1]),
        prompt: tf.slice(batch.prompt, [1], [1]),
        condText: tf.slice(batch.condText!, [1], [1]),
        references: tf.slice(batch.references!, [1], [1]),
        regions: null,
      },
      { t: tf.slice(t, [1], [1]), noise: tf.slice(noise, [1], [1]) },
    ).dataSync()[0]!;
    expect(lossWith(only1)).toBeCloseTo(one, 4);
    expect(Math.abs(lossWith(only1) - plain)).toBeGreaterThan(1e-4);
  });

  it('all-zero weights give a zero loss, not NaN (a shard with nothing to learn)', () => {
    expect(lossWith(new Float32Array(2 * S * S))).toBe(0);
  });

  it('rejects weights of the wrong shape', () => {
    expect(() =>
      rectifiedFlowLoss(
        model,
        { ...batch, lossWeights: tf.ones([2, S, S, 3]) as tf.Tensor4D },
        { t, noise },
      ),
    ).toThrow(/lossWeights is \[2, 16, 16, 3\]/);
  });
});

describe('timestep location', () => {
  const median = (x: Float32Array) => [...x].sort((a, b) => a - b)[x.length >> 1]!;
  it('moves the logit-normal median to sigmoid(location)', () => {
    expect(median(logitNormalTimesteps(4096, 5).dataSync() as Float32Array)).toBeCloseTo(0.5, 1);
    const low = median(logitNormalTimesteps(4096, 5, -1).dataSync() as Float32Array);
    expect(Math.abs(low - 1 / (1 + Math.E))).toBeLessThan(0.03);
  });
  it('is validated as a trainer option', () => {
    const model = new MusarModel(cfg, { seed: 3 });
    expect(() => new Trainer(model, { timestepLocation: 5 })).toThrow();
  });
});
