import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';

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

describe('fast wasm Slice / SplitV', () => {
  it('matches a reference on contiguous and strided slices of ranks 1–5', () => {
    expect(tf.getBackend()).toBe('wasm');
    const cases: [number[], number[], number[]][] = [
      [[10], [3], [4]],
      [[6, 5], [2, 0], [3, 5]],
      [[6, 5], [1, 2], [4, 2]],
      [[3, 4, 5], [1, 1, 1], [2, 2, 3]],
      [[2, 3, 4, 5], [0, 1, 2, 1], [2, 2, 2, 3]],
      [[2, 2, 3, 4, 5], [1, 0, 1, 2, 0], [1, 2, 2, 2, 5]],
    ];
    for (const [shape, begin, size] of cases) {
      const x = tf.reshape(tf.range(0, tf.util.sizeFromShape(shape)), shape);
      expect([...tf.slice(x, begin, size).dataSync()]).toEqual(refSlice(x.dataSync() as Float32Array, shape, begin, size));
    }
  });

  it('splits along any axis like concat inverts', () => {
    const x = tf.randomNormal([4, 6, 5]);
    for (const axis of [0, 1, 2]) {
      const parts = tf.split(x, axis === 2 ? [2, 3] : 2, axis);
      expect([...tf.concat(parts, axis).dataSync()]).toEqual([...x.dataSync()]);
    }
    const ints = tf.tensor2d([[1, 2], [3, 4], [5, 6]], [3, 2], 'int32');
    expect(tf.split(ints, [1, 2], 0).map((p) => [...p.dataSync()])).toEqual([[1, 2], [3, 4, 5, 6]]);
  });
});
