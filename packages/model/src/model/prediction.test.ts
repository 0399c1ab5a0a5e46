import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { maxAbsDiff, microConfig as cfg, randomBatch } from '../../test/fixtures';
import { loadCheckpoint, saveCheckpoint } from '../checkpoint';
import { staticRoutingPlan, targetContextBias } from '../routing/plan';
import { MusarModel } from './dit';

// x0-prediction: the same network, its head read as the clean image and turned into a velocity.
describe('prediction target', () => {
  it('an x0 model returns (x_t − head) / max(t, 0.05) on both forward paths, and the choice survives a checkpoint', () => {
    const v = new MusarModel(cfg, { seed: 4, adaLNZero: false });
    const x0 = new MusarModel({ ...cfg, prediction: 'x0' }, { seed: 4, adaLNZero: false }); // same weights as v
    expect(v.cfg.prediction).toBe('v');
    expect(x0.cfg.prediction).toBe('x0');
    const batch = randomBatch(cfg, 2, 2);
    const xt = tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 9) as tf.Tensor4D;
    const t = tf.tensor1d([0.02, 0.6]); // one below the 0.05 clamp
    const plan = staticRoutingPlan({
      subjects: 2,
      batch: 2,
      region: null,
      keepSubject: null,
      targetLength: 16,
    });
    const bias = targetContextBias(plan, v.layout());
    const head = v.forwardTarget(xt, t, v.encodeContext(batch), { bias }).velocity; // same weights: the raw head
    const expected = tf.div(tf.sub(xt, head), tf.reshape(tf.tensor1d([0.05, 0.6]), [2, 1, 1, 1]));
    const fast = x0.forwardTarget(xt, t, x0.encodeContext(batch), { bias }).velocity;
    const masked = x0.forwardMasked(batch, xt, t, plan).velocity;
    expect(maxAbsDiff(fast, expected)).toBeLessThan(1e-3);
    expect(maxAbsDiff(masked, fast)).toBeLessThan(1e-3);
    expect(maxAbsDiff(fast, head)).toBeGreaterThan(0.1);
    const again = loadCheckpoint({
      weights: saveCheckpoint(x0, { name: 'x0', kind: 'base' }).weights,
      config: x0.cfg,
    });
    expect(again.cfg.prediction).toBe('x0');
    tf.dispose([
      head,
      expected,
      fast,
      masked,
      xt,
      t,
      batch.images,
      batch.prompt,
      batch.condText!,
      batch.references!,
    ]);
    [v, x0, again].forEach((m) => m.dispose());
  });
});
