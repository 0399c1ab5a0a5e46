import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { maxAbsDiff, microConfig as cfg, randomBatch } from '../test/fixtures';
import { InvalidInputError } from './errors';
import { MusarModel } from './model/dit';
import { generate, type TSampleProgress } from './sampler';

describe('sampler', () => {
  const model = new MusarModel(cfg, { seed: 4, adaLNZero: false });
  const { prompt, condText, references } = randomBatch(cfg, 2, 2, 21);
  const inputs = { prompt, condText, references };

  it('cached condition keys/values give the same images as recomputing them every step', () => {
    for (const method of ['euler', 'heun'] as const) {
      const a = generate(model, inputs, { steps: 6, seed: 3, method, cache: true });
      const b = generate(model, inputs, { steps: 6, seed: 3, method, cache: false });
      expect(maxAbsDiff(a.images, b.images)).toBeLessThan(1e-5);
      expect(a.images.shape).toEqual([2, 16, 16, 3]);
      tf.dispose([a.images, b.images]);
    }
  });

  it('is reproducible for a seed and differs across seeds', () => {
    const a = generate(model, inputs, { steps: 4, seed: 9 });
    const b = generate(model, inputs, { steps: 4, seed: 9 });
    const c = generate(model, inputs, { steps: 4, seed: 10 });
    expect(maxAbsDiff(a.images, b.images)).toBe(0);
    expect(maxAbsDiff(a.images, c.images)).toBeGreaterThan(1e-3);
    tf.dispose([a.images, b.images, c.images]);
  });

  it('guidance changes the result and p = r = 1 equals the plain conditional model', () => {
    const plain = generate(model, inputs, {
      steps: 3,
      seed: 1,
      guidance: { prompt: 1, reference: 1 },
    });
    const guided = generate(model, inputs, {
      steps: 3,
      seed: 1,
      guidance: { prompt: 4, reference: 2 },
    });
    expect(maxAbsDiff(plain.images, guided.images)).toBeGreaterThan(1e-3);
    tf.dispose([plain.images, guided.images]);
  });

  it('does not leak tensors over 5 generations (with dynamic routing)', () => {
    tf.dispose(generate(model, inputs, { steps: 3, routing: { startStep: 1 } }).images);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      const r = generate(model, inputs, {
        steps: 3,
        seed: i,
        method: i % 2 ? 'heun' : 'euler',
        routing: { startStep: 1 },
      });
      expect(r.routingMap).toHaveLength(2 * 16);
      r.images.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('generates with adapters folded in, and leaves them unmerged afterwards', () => {
    const m = new MusarModel(cfg, { seed: 4, adaLNZero: false });
    const base = generate(m, inputs, { steps: 3, seed: 2 });
    m.attachLora(1);
    for (const v of m.lora!.variables()) v.assign(tf.randomNormal(v.shape, 0, 0.1, 'float32', 8));
    const adapted = generate(m, inputs, { steps: 3, seed: 2 });
    expect(m.lora!.isMerged).toBe(false);
    expect(maxAbsDiff(base.images, adapted.images)).toBeGreaterThan(1e-3);
    tf.dispose([base.images, adapted.images]);
    m.dispose();
  });

  it('calls onStep once per step with the step, the steps and the network evaluations it runs', () => {
    const cases = [
      // p = r: conditional + one reference-free guidance pass per evaluation
      { method: 'euler', guidance: undefined, perStep: 2, total: 5 * 2 },
      // p ≠ r: a second guidance row (prompt only)
      { method: 'euler', guidance: { prompt: 4, reference: 2 }, perStep: 3, total: 5 * 3 },
      // no guidance: the conditional pass only
      { method: 'euler', guidance: { prompt: 1, reference: 1 }, perStep: 1, total: 5 },
      // Heun: two evaluations per step, the last step one
      { method: 'heun', guidance: undefined, perStep: 4, total: (2 * 5 - 1) * 2 },
    ] as const;
    for (const c of cases) {
      const calls: TSampleProgress[] = [];
      const r = generate(model, inputs, {
        steps: 5,
        seed: 1,
        method: c.method,
        guidance: c.guidance,
        routing: { startStep: 2 },
        onStep: (p) => calls.push(p),
      });
      r.images.dispose();
      expect(calls.map((p) => p.step)).toEqual([1, 2, 3, 4, 5]);
      expect(calls.every((p) => p.steps === 5 && p.totalEvaluations === c.total)).toBe(true);
      expect(calls[0]!.evaluations).toBe(c.perStep);
      expect(calls.at(-1)!.evaluations).toBe(c.total);
    }
    // and it is optional: the same images without it
    const a = generate(model, inputs, { steps: 3, seed: 5, onStep: () => undefined });
    const b = generate(model, inputs, { steps: 3, seed: 5 });
    expect(maxAbsDiff(a.images, b.images)).toBe(0);
    tf.dispose([a.images, b.images]);
  });

  it('rejects too many subjects and wrong reference sizes with InvalidInputError', () => {
    const many = randomBatch(cfg, 1, 4, 2);
    expect(() =>
      generate(model, {
        prompt: many.prompt,
        condText: many.condText,
        references: many.references,
      }),
    ).toThrow(/at most 3/);
    const wrong = { prompt, condText, references: tf.zeros([2, 2, 8, 8, 3]) as tf.Tensor5D };
    expect(() => generate(model, wrong)).toThrow(InvalidInputError);
  });
});
