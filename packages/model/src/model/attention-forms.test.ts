import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { attend, blockKeys, setHeadBatchedAttention, targetAttention } from './attention';
import { nativeMatMulActive } from './native-matmul';

// The two forms of attention (block-diagonal per group, head-batched) must agree to float
// precision: outputs, probabilities, the routing readout and every gradient.
const maxDiff = (a: tf.Tensor, b: tf.Tensor) =>
  tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

describe('attention forms', () => {
  afterEach(() => setHeadBatchedAttention(() => nativeMatMulActive()));

  it('block-diagonal and head-batched attention give the same rows, probabilities and gradients', () => {
    const [n, T, L, H, D] = [3, 5, 7, 2, 8];
    const q = tf.randomNormal([n * T, D], 0, 1, 'float32', 1) as tf.Tensor2D;
    const k = tf.randomNormal([n * L, D], 0, 1, 'float32', 2) as tf.Tensor2D;
    const v = tf.randomNormal([n * L, D], 0, 1, 'float32', 3) as tf.Tensor2D;
    const ks = tf.randomNormal([n * T, D], 0, 1, 'float32', 4) as tf.Tensor2D;
    const vs = tf.randomNormal([n * T, D], 0, 1, 'float32', 5) as tf.Tensor2D;
    const bias = tf.where(
      tf.less(tf.randomUniform([n * T, 1, L], 0, 1, 'float32', 6), 0.3),
      -1e9,
      0,
    );
    const run = (heads: boolean) => {
      setHeadBatchedAttention(() => heads);
      const f = (qq: tf.Tensor, kk: tf.Tensor, vv: tf.Tensor) => {
        const a = attend(
          qq as tf.Tensor2D,
          n,
          H,
          [blockKeys(kk as tf.Tensor2D, vv as tf.Tensor2D, n, L, H), blockKeys(ks, vs, n, T, H)],
          [bias, null],
        );
        return tf.add(
          tf.sum(tf.mul(a.rows, tf.reshape(tf.range(0, a.rows.size), a.rows.shape))),
          tf.sum(tf.mul(a.probs[0]!, 0.5)),
        );
      };
      const a = attend(
        q,
        n,
        H,
        [blockKeys(k, v, n, L, H), blockKeys(ks, vs, n, T, H)],
        [bias, null],
      );
      const grads = tf.grads(f)([q, k, v]);
      return { rows: a.rows, probs: a.probs, grads };
    };
    const d = run(false);
    const h = run(true);
    expect(maxDiff(d.rows, h.rows)).toBeLessThan(1e-5);
    d.probs.forEach((p, j) => expect(maxDiff(p, h.probs[j]!)).toBeLessThan(1e-6));
    d.grads.forEach((g, j) =>
      expect(maxDiff(g, h.grads[j]!) / (tf.max(tf.abs(g)).dataSync()[0]! + 1e-9)).toBeLessThan(
        1e-5,
      ),
    );
    // …and the masked keys really get no probability in either form.
    const masked = tf.tidy(
      () => tf.sum(tf.mul(h.probs[0]!, tf.cast(tf.less(bias, -1), 'float32'))).dataSync()[0]!,
    );
    expect(masked).toBeLessThan(1e-6);
  });

  it('the routing readout (ungated probabilities on subject columns) is the same in both forms', () => {
    const [B, Nx, H, D, lp, ksub, tc] = [2, 4, 2, 8, 2, 2, 3];
    const lc = lp + ksub * tc;
    const q = tf.randomNormal([B * Nx, D], 0, 1, 'float32', 7) as tf.Tensor2D;
    const k = tf.randomNormal([B * Nx, D], 0, 1, 'float32', 8) as tf.Tensor2D;
    const v = tf.randomNormal([B * Nx, D], 0, 1, 'float32', 9) as tf.Tensor2D;
    const ck = tf.randomNormal([B * lc, D], 0, 1, 'float32', 10) as tf.Tensor2D;
    const cv = tf.randomNormal([B * lc, D], 0, 1, 'float32', 11) as tf.Tensor2D;
    const gate = tf.where(
      tf.less(tf.randomUniform([B * Nx, 1, lc], 0, 1, 'float32', 12), 0.4),
      -1e9,
      0,
    );
    const out = (heads: boolean) => {
      setHeadBatchedAttention(() => heads);
      return targetAttention(q, k, v, B, Nx, H, blockKeys(ck, cv, B, lc, H), gate, {
        promptLength: lp,
        subjects: ksub,
        condLength: tc,
        bias: null,
      });
    };
    const [d, h] = [out(false), out(true)];
    expect(maxDiff(d.rows, h.rows)).toBeLessThan(1e-5);
    expect(maxDiff(d.mass!, h.mass!)).toBeLessThan(1e-6);
  });
});
