import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { microConfig as cfg, randomBatch } from '../../test/fixtures';
import { Trainer } from '../train';
import { MusarModel } from './dit';

/** Plain-JS reference slice of a row-major array. */
function refSlice(data: Float32Array, shape: number[], begin: number[], size: number[]): number[] {
  const strides = tf.util.computeStrides(shape);
  const out: number[] = [];
  const idx = new Array(shape.length).fill(0);
  const total = size.reduce((a, b) => a * b, 1);
  for (let o = 0; o < total; o++) {
    out.push(data[idx.reduce((s, v, d) => s + (v + begin[d]!) * (strides[d] ?? 1), 0)]!);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d] < size[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

describe('fast wasm Slice / SplitV / Concat', () => {
  it('matches a reference on contiguous and strided slices of ranks 1–5', () => {
    expect(tf.getBackend()).toBe('wasm');
    const cases: [number[], number[], number[]][] = [
      [[10], [3], [4]],
      [
        [6, 5],
        [2, 0],
        [3, 5],
      ],
      [
        [6, 5],
        [1, 2],
        [4, 2],
      ],
      [
        [3, 4, 5],
        [1, 1, 1],
        [2, 2, 3],
      ],
      [
        [2, 3, 4, 5],
        [0, 1, 2, 1],
        [2, 2, 2, 3],
      ],
      [
        [2, 2, 3, 4, 5],
        [1, 0, 1, 2, 0],
        [1, 2, 2, 2, 5],
      ],
    ];
    for (const [shape, begin, size] of cases) {
      const x = tf.reshape(tf.range(0, tf.util.sizeFromShape(shape)), shape);
      expect([...tf.slice(x, begin, size).dataSync()]).toEqual(
        refSlice(x.dataSync() as Float32Array, shape, begin, size),
      );
    }
  });

  it('splits along any axis like concat inverts', () => {
    const x = tf.randomNormal([4, 6, 5]);
    for (const axis of [0, 1, 2]) {
      const parts = tf.split(x, axis === 2 ? [2, 3] : 2, axis);
      expect([...tf.concat(parts, axis).dataSync()]).toEqual([...x.dataSync()]);
    }
    const ints = tf.tensor2d(
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      [3, 2],
      'int32',
    );
    expect(tf.split(ints, [1, 2], 0).map((p) => [...p.dataSync()])).toEqual([
      [1, 2],
      [3, 4, 5, 6],
    ]);
  });
});

/** Plain-JS reference concat of row-major arrays along `axis`. */
function refConcat(parts: { data: ArrayLike<number>; shape: number[] }[], axis: number): number[] {
  const outer = tf.util.sizeFromShape(parts[0]!.shape.slice(0, axis));
  const out: number[] = [];
  for (let o = 0; o < outer; o++)
    for (const p of parts) {
      const n = tf.util.sizeFromShape(p.shape.slice(axis));
      for (let j = 0; j < n; j++) out.push(p.data[o * n + j]!);
    }
  return out;
}

describe('fast wasm Concat', () => {
  it('matches a reference along every axis, for float32, int32 and bool, skipping empty inputs', () => {
    for (const axis of [0, 1, 2]) {
      const shapes = [0, 1, 2].map((i) => {
        const s = [2, 3, 4];
        s[axis] = i + 1;
        return s;
      });
      for (const dtype of ['float32', 'int32', 'bool'] as const) {
        const parts = shapes.map((s, i) =>
          tf.cast(tf.reshape(tf.range(i * 100, i * 100 + tf.util.sizeFromShape(s)), s), dtype),
        );
        const expected = refConcat(
          parts.map((p) => ({ data: p.dataSync(), shape: p.shape })),
          axis,
        );
        const got = tf.concat(parts, axis);
        expect(got.dtype).toBe(dtype);
        expect([...got.dataSync()]).toEqual(expected);
      }
    }
    const a = tf.randomNormal([3, 5]);
    const empty = tf.zeros([3, 0]);
    expect([...tf.concat([empty, a, empty], 1).dataSync()]).toEqual([...a.dataSync()]);
    const big = tf.randomNormal([2816, 128]);
    const row = tf.tile(tf.slice(a, [0, 0], [1, 5]), [2816, 1]);
    const got = tf.concat([big, row, big], 1);
    expect(got.shape).toEqual([2816, 261]);
    expect(
      refConcat(
        [big, row, big].map((p) => ({
          data: p.dataSync(),
          shape: p.shape,
        })),
        1,
      ),
    ).toEqual([...got.dataSync()]);
  });
});

describe('zero-copy wasm Identity', () => {
  it('clones share data (no new buffer), survive disposal of the original, and gradients are unchanged', () => {
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const x = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const before = backend.numDataIds();
    const y = tf.clone(x);
    expect(backend.numDataIds()).toBe(before); // a reference, not a copy
    x.dispose();
    expect([...y.dataSync()]).toEqual([1, 2, 3, 4]);
    y.dispose();
    expect(backend.numDataIds()).toBe(before - 1); // freed with its last reference

    // Training (which clones every saved tensor) gives the same gradients as with the stock
    // kernel: compare against finite differences of the loss along the gradient.
    const model = new MusarModel(cfg, { seed: 2, adaLNZero: false });
    const trainer = new Trainer(model, { learningRate: 1e-3, emaDecay: 0 });
    const batch = randomBatch(cfg, 2, 1);
    const t = tf.tensor1d([0.3, 0.7]);
    const noise = tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    const { loss, grads } = trainer.computeGradients(batch, { t, noise, dropout: false });
    const l0 = loss.dataSync()[0]!;
    const g = grads.map((x) => x.dataSync().slice() as Float32Array);
    const sq = g.reduce((a, x) => a + x.reduce((s, v) => s + v * v, 0), 0);
    const eps = 1e-3 / Math.sqrt(sq);
    trainer.variables.forEach((v, i) =>
      v.assign(tf.add(v, tf.mul(tf.tensor(g[i]!, v.shape), eps))),
    );
    const { loss: l1, grads: g1 } = trainer.computeGradients(batch, { t, noise, dropout: false });
    // Directional derivative: (L(w + ε·g) − L(w)) / ε ≈ |g|².
    expect((l1.dataSync()[0]! - l0) / eps / sq).toBeCloseTo(1, 1);
    tf.dispose([
      loss,
      l1,
      ...grads,
      ...g1,
      t,
      noise,
      batch.images,
      batch.prompt,
      batch.condText!,
      batch.references!,
    ]);
    trainer.dispose();
    model.dispose();
  });
});
