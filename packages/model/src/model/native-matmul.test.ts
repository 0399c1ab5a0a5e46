import { spawnSync } from 'node:child_process';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { microConfig, randomBatch } from '../../test/fixtures';
import { currentBackend } from '../backend';
import { getPreset } from '../config';
import type { TTrainBatch } from '../diffusion';
import { Trainer } from '../train';
import { composedGelu, composedLayerNorm, gelu, layerNorm } from './block';
import { MusarModel } from './dit';
import {
  installNativeMatMul,
  loadBlasAddon,
  nativeGelu,
  nativeLayerNorm,
  nativeMatMulActive,
  setNativeMatMulEnabled,
} from './native-matmul';

// The native path is tested wherever the addon builds (cc + libopenblas-dev; CI installs both).
// Without them the suite skips with the reason — except under CI, where that is a failure.
const { addon, why } = loadBlasAddon();
if (!addon && process.env.CI) throw new Error(`CI: the OpenBLAS addon must build here (${why})`);
const skip = !addon || !nativeMatMulActive();
if (skip) console.warn(`native-matmul tests skipped: ${why ?? 'MUSAR_NATIVE=off'}`);

/** The same computation on the stock wasm kernel and on OpenBLAS. */
function both<T>(f: () => T): { stock: T; native: T } {
  setNativeMatMulEnabled(false);
  try {
    const stock = f();
    setNativeMatMulEnabled(true);
    return { stock, native: f() };
  } finally {
    setNativeMatMulEnabled(true);
  }
}

/** max |a − b| relative to max |a| (a is the reference). */
function relErr(ref: tf.Tensor, got: tf.Tensor): number {
  expect(got.shape).toEqual(ref.shape);
  return tf.tidy(
    () =>
      tf.max(tf.abs(tf.sub(ref, got))).dataSync()[0]! /
      Math.max(tf.max(tf.abs(ref)).dataSync()[0]!, 1e-30),
  );
}

describe.skipIf(skip)('native OpenBLAS BatchMatMul on the wasm heap', () => {
  afterEach(() => setNativeMatMulEnabled(true));

  it('is active and reported at start', () => {
    expect(tf.getBackend()).toBe('wasm');
    expect(currentBackend()!.note).toMatch(
      /native OpenBLAS matmul \(OpenBLAS [\d.]+, .*1 thread\)/,
    );
    expect(addon!.threads()).toBe(1);
  });

  // [a shape, b shape, transposeA, transposeB]
  const cases: [number[], number[], boolean, boolean][] = [
    [[5, 7], [7, 3], false, false],
    [[7, 5], [7, 3], true, false],
    [[5, 7], [3, 7], false, true],
    [[7, 5], [3, 7], true, true],
    [[1, 1], [1, 1], false, false],
    [[4, 5, 7], [4, 7, 3], false, false],
    [[4, 7, 5], [4, 3, 7], true, true],
    [[2, 3, 5, 7], [2, 3, 7, 6], false, false],
    // broadcast: a batch of 1 (or no batch dims) on one side
    [[1, 5, 7], [3, 7, 4], false, false],
    [[3, 5, 7], [1, 7, 4], false, false],
    [[3, 5, 7], [1, 4, 7], false, true],
    [[5, 7], [2, 3, 7, 4], false, false],
    [[2, 3, 7, 5], [7, 4], true, false],
    [[2, 3, 5, 7], [4, 7], false, true],
    [[6, 5, 7], [7, 4], false, false],
    // shapes a training step and a sampling step of `tiny` run (attention per group, linears)
    [[64, 128], [128, 32], false, false],
    [[64, 32], [32, 128], false, false],
    [[8, 128], [128, 32], false, false],
    [[2048, 128], [128, 512], false, false],
    [[2048, 512], [512, 128], false, false],
    [[128, 2048], [2048, 48], false, false],
    [[1, 128], [128, 768], false, false],
    [[128, 1], [1, 768], false, false],
    [[256, 128], [128, 384], false, false],
    // the same with the transposes a gradient could fold in
    [[2048, 128], [2048, 512], true, false],
    [[2048, 512], [128, 512], false, true],
  ];
  it.each(cases)('matches the stock kernel to 1e-5: %j · %j (tA=%s, tB=%s)', (as, bs, tA, tB) => {
    const a = tf.randomNormal(as, 0, 1, 'float32', 1);
    const b = tf.randomNormal(bs, 0, 1, 'float32', 2);
    const { stock, native } = both(() => tf.matMul(a, b, tA, tB));
    expect(relErr(stock, native)).toBeLessThanOrEqual(1e-5);
    tf.dispose([a, b, stock, native]);
  });

  it('broadcasts batch dims inside ([2,1,…] against [1,2,…]) like explicitly tiled operands', () => {
    // The stock kernel computes only max(batchA, batchB) matrices here: the reference tiles first.
    for (const [as, bs, tA, tB] of [
      [[2, 1, 5, 7], [1, 2, 7, 4], false, false],
      [[3, 1, 7, 5], [2, 4, 7], true, true],
      [[1, 3, 5, 7], [2, 1, 7, 4], false, false],
    ] as [number[], number[], boolean, boolean][]) {
      const a = tf.randomNormal(as, 0, 1, 'float32', 7);
      const b = tf.randomNormal(bs, 0, 1, 'float32', 8);
      const outer = tf.broadcast_util.assertAndGetBroadcastShape(as.slice(0, -2), bs.slice(0, -2));
      const tile = (x: tf.Tensor) => {
        const r = tf.reshape(x, [...new Array(outer.length + 2 - x.rank).fill(1), ...x.shape]);
        return tf.tile(r, [...outer.map((n, i) => n / r.shape[i]!), 1, 1]);
      };
      const { stock } = both(() => tf.matMul(tile(a), tile(b), tA, tB));
      const native = tf.matMul(a, b, tA, tB);
      expect(relErr(stock, native)).toBeLessThanOrEqual(1e-5);
    }
  });

  it('gives a zero product for an empty inner dimension and keeps errors of the stock kernel', () => {
    const z = both(() => tf.matMul(tf.zeros([3, 0]), tf.zeros([0, 4])));
    expect([...z.native.dataSync()]).toEqual(new Array(12).fill(0));
    expect(() => tf.matMul(tf.ones([2, 3]), tf.ones([4, 2]))).toThrow(/inner shapes/);
  });

  it('writes into the heap as it is after the output allocation grew it', () => {
    const backend = tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } };
    const heapBefore = backend.wasm.HEAPU8.buffer;
    // An output larger than the whole heap forces wasm memory.grow inside makeOutput.
    const n = Math.ceil(Math.sqrt(heapBefore.byteLength / 4)) + 64;
    const a = tf.randomNormal([n, 1], 0, 1, 'float32', 3);
    const b = tf.randomNormal([1, n], 0, 1, 'float32', 4);
    const native = tf.matMul(a, b);
    expect(backend.wasm.HEAPU8.buffer).not.toBe(heapBefore);
    const [av, bv, cv] = [a.dataSync(), b.dataSync(), native.dataSync()];
    for (const [i, j] of [
      [0, 0],
      [n - 1, n - 1],
      [n >> 1, 7],
      [3, n - 2],
    ] as const)
      expect(cv[i * n + j]).toBeCloseTo(av[i]! * bv[j]!, 5);
    tf.dispose([a, b, native]);
  });

  it('gives the stock gradients through matMul (all transpose combinations)', () => {
    const a = tf.randomNormal([3, 6, 5], 0, 1, 'float32', 5);
    const b = tf.randomNormal([3, 5, 4], 0, 1, 'float32', 6);
    for (const [tA, tB] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      const aa = tA ? tf.transpose(a, [0, 2, 1]) : a;
      const bb = tB ? tf.transpose(b, [0, 2, 1]) : b;
      const f = (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(tf.matMul(x, y, tA, tB)));
      const { stock, native } = both(() => tf.grads(f)([aa, bb]));
      for (let i = 0; i < 2; i++) expect(relErr(stock[i]!, native[i]!)).toBeLessThanOrEqual(1e-5);
    }
  });

  it('sums over leading and middle axis blocks like the stock Sum (bias and modulation gradients)', () => {
    const cases: [number[], number[], boolean][] = [
      [[2048, 384], [0], false],
      [[300, 7], [0], true],
      [[32, 64, 128], [1], false],
      [[32, 24, 128], [0, 1], false],
      [[4, 5, 6, 7], [1, 2], true],
      [[9, 10], [1], false], // last axis: stock
      [[3, 4], [0, 1], false], // everything: stock
    ];
    for (const [shape, axis, keepDims] of cases) {
      const x = tf.randomNormal(shape, 0, 1, 'float32', shape.length);
      const { stock, native } = both(() => tf.sum(x, axis, keepDims));
      expect(relErr(stock, native)).toBeLessThanOrEqual(1e-5);
      tf.dispose([x, stock, native]);
    }
  });

  it('fused GELU matches the composed one to 1e-5, values and gradients, saturated tails too', () => {
    const x = tf.concat(
      [
        tf.mul(tf.randomNormal([2816, 64], 0, 1, 'float32', 5), 3),
        tf.reshape(tf.linspace(-120, 120, 2816 * 4), [2816, 4]),
      ],
      1,
    ) as tf.Tensor2D;
    const dy = tf.randomNormal([2816, 68], 0, 1, 'float32', 6) as tf.Tensor2D;
    const f = (t: tf.Tensor) => tf.sum(tf.mul(gelu(t as tf.Tensor2D), dy));
    const { stock, native } = both(() => [gelu(x), tf.grad(f)(x)] as const);
    expect(nativeGelu(x)).not.toBeNull();
    expect(relErr(stock[0], native[0])).toBeLessThanOrEqual(1e-5);
    expect(relErr(stock[1], native[1])).toBeLessThanOrEqual(1e-5);
    expect(relErr(composedGelu(x), native[0])).toBeLessThanOrEqual(1e-5);
    // far tails: gelu(x) → x for large x, → 0 for very negative x; no NaN or Inf anywhere
    const tails = native[0].dataSync();
    expect(tails.every(Number.isFinite)).toBe(true);
    expect(native[1].dataSync().every(Number.isFinite)).toBe(true);
    setNativeMatMulEnabled(false);
    expect(nativeGelu(x)).toBeNull(); // off: the composed kernels run instead
  });

  it('fused layer norm matches the composed one to 1e-5, values and gradients', () => {
    for (const [rows, D] of [
      [2816, 128],
      [7, 5],
    ] as const) {
      // rows with different offsets and scales, and one constant row (variance 0)
      const x = tf.tidy(() =>
        tf.concat([
          tf.add(
            tf.mul(
              tf.randomNormal([rows, D], 0, 1, 'float32', 7),
              tf.randomUniform([rows, 1], 0.1, 10, 'float32', 8),
            ),
            tf.randomUniform([rows, 1], -5, 5, 'float32', 9),
          ),
          tf.fill([1, D], 3),
        ]),
      ) as tf.Tensor2D;
      const dy = tf.randomNormal(x.shape, 0, 1, 'float32', 10) as tf.Tensor2D;
      const f = (t: tf.Tensor) => tf.sum(tf.mul(layerNorm(t as tf.Tensor2D), dy));
      const { stock, native } = both(() => [layerNorm(x), tf.grad(f)(x)] as const);
      expect(nativeLayerNorm(x, 1e-6)).not.toBeNull();
      expect(relErr(stock[0], native[0])).toBeLessThanOrEqual(1e-5);
      expect(relErr(stock[1], native[1])).toBeLessThanOrEqual(1e-5);
      expect(relErr(composedLayerNorm(x), native[0])).toBeLessThanOrEqual(1e-5);
      expect(native[1].dataSync().every(Number.isFinite)).toBe(true);
    }
  });

  it('trains tiny (full) and micro (adapter, 2 subjects) on the stock loss curve within 1e-4', () => {
    const curve = (cfgName: 'tiny' | 'micro', steps: number) => {
      const cfg = cfgName === 'tiny' ? getPreset('tiny') : microConfig;
      const model = new MusarModel(cfg, { seed: 3 });
      const trainer = new Trainer(model, {
        mode: cfgName === 'tiny' ? 'full' : 'adapter',
        seed: 1,
      });
      const batch: TTrainBatch = randomBatch(cfg, 4, cfgName === 'tiny' ? 0 : 2, 9);
      const losses: number[] = [];
      for (let i = 0; i < steps; i++) losses.push(trainer.trainStep(batch).loss);
      trainer.dispose();
      model.dispose();
      return losses;
    };
    for (const [name, steps] of [
      ['tiny', 4],
      ['micro', 6],
    ] as const) {
      const { stock, native } = both(() => curve(name, steps));
      for (let i = 0; i < steps; i++)
        expect(Math.abs(native[i]! - stock[i]!)).toBeLessThanOrEqual(1e-4);
      expect(native[steps - 1]).not.toBe(native[0]); // the steps did change the weights
    }
  });

  it('MUSAR_NATIVE=off switches it off; auto without an addon (e.g. a bundle) stays on wasm', () => {
    expect(installNativeMatMul('off').active).toBe(false);
    expect(nativeMatMulActive()).toBe(false);
    expect(installNativeMatMul('on').active).toBe(true);
    expect(nativeMatMulActive()).toBe(true);
    expect(() => installNativeMatMul('fast')).toThrow(/auto\|on\|off/);
    const backendTs = path.join(import.meta.dirname, '..', 'backend.ts');
    const run = (mode: string) =>
      spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          '-e',
          `import('${backendTs}').then(async (m) => console.log(JSON.stringify(await m.initBackend('wasm'))))`,
        ],
        {
          encoding: 'utf8',
          timeout: 60_000,
          env: {
            ...process.env,
            MUSAR_NATIVE: mode,
            MUSAR_NATIVE_ADDON: '/nonexistent/musar_blas.node',
          },
        },
      );
    const auto = JSON.parse(run('auto').stdout.trim().split('\n').pop()!);
    expect(auto.name).toBe('wasm');
    expect(auto.note).toMatch(/no native matmul \(.*nonexistent/);
    const on = run('on');
    expect(on.status).not.toBe(0);
    expect(on.stderr).toMatch(
      /BackendUnavailableError: MUSAR_NATIVE=on: OpenBLAS addon: .*nonexistent/,
    );
  });
});
