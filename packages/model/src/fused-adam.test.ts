import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { microConfig as cfg } from '../test/fixtures';
import { decodeSafetensors } from './checkpoint';
import { MusarModel } from './model/dit';
import {
  averageGradients,
  fusedAdamStats,
  fusedAdamUsable,
  loadBlasAddon,
  nativeMatMulActive,
  setFusedAdamEnabled,
} from './model/native-matmul';
import { mulberry32 } from './random';
import { Trainer, type TTrainerOptions } from './train';

// The fused optimizer update (blas.c adamEmaUpdate) against tf's Adam + EMA kernels. Tested
// wherever the addon builds; under CI a missing addon is a failure, as in native-matmul.test.
const { addon, why } = loadBlasAddon();
if (!addon && process.env.CI) throw new Error(`CI: the OpenBLAS addon must build here (${why})`);
const skip = !addon || !nativeMatMulActive();
if (skip) console.warn(`fused Adam tests skipped: ${why ?? 'MUSAR_NATIVE=off'}`);

type TAdam = {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  iterations: number;
  accumulatedFirstMoment: { variable: tf.Variable }[];
  accumulatedSecondMoment: { variable: tf.Variable }[];
};
const adam = (t: Trainer) => t.optimizer as unknown as TAdam;
const emaOf = (t: Trainer) => (t as unknown as { ema: tf.Variable[] }).ema;
type TWasm = { dataIdMap: { get(id: tf.DataId): { memoryOffset: number; refCount: number } } };
const bufferOf = (t: tf.Tensor) => (tf.backend() as unknown as TWasm).dataIdMap.get(t.dataId);

/** Everything the update writes, by name: weights, moments, EMA, accBeta1/2. */
function stateOf(t: Trainer): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  const o = adam(t);
  t.variables.forEach((v, i) => {
    out.set(`w.${t.names[i]}`, v.dataSync() as Float32Array);
    out.set(`m.${t.names[i]}`, o.accumulatedFirstMoment[i]!.variable.dataSync() as Float32Array);
    out.set(`v.${t.names[i]}`, o.accumulatedSecondMoment[i]!.variable.dataSync() as Float32Array);
    out.set(`e.${t.names[i]}`, emaOf(t)[i]!.dataSync() as Float32Array);
  });
  out.set('accBeta1', o.accBeta1.dataSync() as Float32Array);
  out.set('accBeta2', o.accBeta2.dataSync() as Float32Array);
  return out;
}

/** The largest max|a − b| / max|a| over the entries (a: the reference), and the largest
 * absolute difference. */
function compare(ref: Map<string, Float32Array>, got: Map<string, Float32Array>) {
  expect([...got.keys()]).toEqual([...ref.keys()]);
  let rel = 0;
  let abs = 0;
  for (const [name, a] of ref) {
    const b = got.get(name)!;
    let d = 0;
    let m = 0;
    for (let i = 0; i < a.length; i++) {
      d = Math.max(d, Math.abs(a[i]! - b[i]!));
      m = Math.max(m, Math.abs(a[i]!));
    }
    expect(Number.isFinite(d)).toBe(true);
    abs = Math.max(abs, d);
    rel = Math.max(rel, m > 0 ? d / m : d);
  }
  return { rel, abs };
}

/** A flat gradient of global norm `norm` (clipNorm is 1: norms above 1 are clipped). */
function gradient(size: number, seed: number, norm: number): Float32Array {
  const rnd = mulberry32(seed);
  const g = new Float32Array(size);
  let sq = 0;
  for (let i = 0; i < size; i++) {
    g[i] = rnd() * 2 - 1;
    sq += g[i]! * g[i]!;
  }
  const f = norm / Math.sqrt(sq);
  for (let i = 0; i < size; i++) g[i]! *= f;
  return g;
}

const options: TTrainerOptions = {
  mode: 'full',
  learningRate: 1e-2,
  warmupSteps: 3,
  clipNorm: 1,
  emaDecay: 0.9,
};
const make = () => new Trainer(new MusarModel(cfg, { seed: 3 }), options);
// step 0 (tf's Adam makes the moments), then clipped (norm > 1) and unclipped steps
const norms = [2, 0.5, 3, 0.25, 1.5, 0.8, 4];

/** applyFlat with the fused update on or off; the norm it returns. */
function apply(t: Trainer, g: Float32Array, fused: boolean): number {
  setFusedAdamEnabled(fused);
  try {
    return t.applyFlat(g);
  } finally {
    setFusedAdamEnabled(true);
  }
}

describe.skipIf(skip)('fused Adam + EMA update (native, in place on the wasm heap)', () => {
  afterEach(() => setFusedAdamEnabled(true));

  it('matches tf Adam + EMA over clipped and unclipped steps: weights, EMA, moments, accBeta', () => {
    expect(fusedAdamUsable()).toBe(true);
    const fused = make();
    const stock = make();
    const before = fusedAdamStats().updates;
    for (const [s, norm] of norms.entries()) {
      const g = gradient(fused.size, 100 + s, norm);
      const nf = apply(fused, g, true);
      const ns = apply(stock, g, false);
      expect(nf).toBeCloseTo(norm, 4);
      expect(Math.abs(nf - ns) / ns).toBeLessThan(1e-12);
      const { rel, abs } = compare(stateOf(stock), stateOf(fused));
      expect(rel).toBeLessThanOrEqual(1e-5);
      expect(abs).toBeLessThanOrEqual(1e-6);
    }
    // Every step after the first ran fused (the first creates the moments through tf).
    expect(fusedAdamStats().updates - before).toBe(norms.length - 1);
    expect(fused.step).toBe(norms.length);
    expect(adam(fused).iterations).toBe(adam(stock).iterations);
    fused.dispose();
    stock.dispose();
  });

  it('does not grow tf.memory().numTensors over fused steps', () => {
    const t = make();
    t.applyFlat(gradient(t.size, 1, 2));
    t.applyFlat(gradient(t.size, 2, 2)); // the first fused step may copy shared buffers
    const tensors = tf.memory().numTensors;
    const { updates } = fusedAdamStats();
    for (let s = 0; s < 5; s++) t.applyFlat(gradient(t.size, 3 + s, 0.5 + s));
    expect(fusedAdamStats().updates - updates).toBe(5);
    expect(tf.memory().numTensors).toBe(tensors);
    t.dispose();
  });

  it('state saved after fused steps restores the same numbers, and resumes alike', async () => {
    const a = make();
    const stock = make();
    for (const [s, norm] of norms.slice(0, 4).entries()) {
      const g = gradient(a.size, 200 + s, norm);
      apply(a, g, true);
      apply(stock, g, false);
    }
    const bytes = await a.saveState();
    const saved = decodeSafetensors(bytes).tensors;
    // The file holds the fused moments and EMA (read through tf's optimizer).
    const o = adam(a);
    a.names.forEach((n, i) => {
      expect(saved.get(`ema.${n}`)!.data).toEqual(emaOf(a)[i]!.dataSync());
    });
    const moments = [...saved.entries()]
      .filter(([n]) => n.startsWith('optimizer.'))
      .sort(([x], [y]) => x.localeCompare(y))
      .slice(1)
      .map(([, t]) => t.data);
    const live = [...o.accumulatedFirstMoment, ...o.accumulatedSecondMoment].map(
      (m) => m.variable.dataSync() as Float32Array,
    );
    expect(moments).toEqual(live);

    const b = make();
    b.variables.forEach((v, i) => v.assign(a.variables[i]!));
    await b.loadState(bytes);
    expect(b.step).toBe(a.step);
    expect(compare(stateOf(a), stateOf(b)).abs).toBe(0);

    // After the load (its moments and EMA share buffers with the loaded tensors): fused steps
    // on both, tf's on the reference, all alike.
    const { updates, copies } = fusedAdamStats();
    for (const [s, norm] of norms.slice(4).entries()) {
      const g = gradient(a.size, 300 + s, norm);
      apply(a, g, true);
      apply(b, g, true);
      apply(stock, g, false);
    }
    expect(fusedAdamStats().updates - updates).toBe(2 * (norms.length - 4));
    expect(fusedAdamStats().copies).toBeGreaterThan(copies);
    expect(compare(stateOf(a), stateOf(b)).abs).toBe(0);
    const { rel, abs } = compare(stateOf(stock), stateOf(b));
    expect(rel).toBeLessThanOrEqual(1e-5);
    expect(abs).toBeLessThanOrEqual(1e-6);
    for (const t of [a, b, stock]) t.dispose();
  });

  it('on wasm, reshape and clone share a buffer (clone: the zero-copy Identity)', () => {
    const x = tf.tensor1d([1, 2, 3, 4]);
    const r = tf.reshape(x, [2, 2]);
    expect(bufferOf(r).memoryOffset).toBe(bufferOf(x).memoryOffset);
    expect(bufferOf(x).refCount).toBe(2);
    const c = tf.clone(x);
    if (!process.env.NO_ZERO_COPY_IDENTITY) {
      expect(bufferOf(c).memoryOffset).toBe(bufferOf(x).memoryOffset);
      expect(bufferOf(x).refCount).toBe(3);
    }
    // …so tf.variable(tf.clone(w)) (the trainer's EMA) starts on the weight's own buffer.
    const t = make();
    expect(bufferOf(emaOf(t)[0]!).memoryOffset).toBe(bufferOf(t.variables[0]!).memoryOffset);
    tf.dispose([x, r, c]);
    t.dispose();
  });

  it('leaves a tensor that shares a variable buffer untouched (copies first)', () => {
    const fused = make();
    const stock = make();
    for (const t of [fused, stock]) t.applyFlat(gradient(t.size, 400, 2)); // moments exist
    const o = adam(fused);
    // Views sharing the buffers of a weight, a first moment, a second moment and an EMA.
    const shared = [
      fused.variables[0]!,
      o.accumulatedFirstMoment[1]!.variable,
      o.accumulatedSecondMoment[2]!.variable,
      emaOf(fused)[3]!,
    ];
    const views = shared.map((s, i) => (i % 2 ? tf.clone(s) : tf.reshape(s, [-1])));
    const kept = views.map((x) => x.dataSync().slice());
    views.forEach((x, i) =>
      expect(bufferOf(x).memoryOffset).toBe(bufferOf(shared[i]!).memoryOffset),
    );
    const { updates, copies } = fusedAdamStats();
    const g = gradient(fused.size, 401, 0.7);
    apply(fused, g, true);
    apply(stock, g, false);
    expect(fusedAdamStats().updates - updates).toBe(1);
    expect(fusedAdamStats().copies - copies).toBeGreaterThanOrEqual(4);
    views.forEach((x, i) => {
      expect(x.dataSync()).toEqual(kept[i]);
      expect(bufferOf(x).refCount).toBe(1);
      expect(bufferOf(shared[i]!).memoryOffset).not.toBe(bufferOf(x).memoryOffset);
    });
    const { rel, abs } = compare(stateOf(stock), stateOf(fused));
    expect(rel).toBeLessThanOrEqual(1e-5);
    expect(abs).toBeLessThanOrEqual(1e-6);
    tf.dispose(views);
    fused.dispose();
    stock.dispose();
  });

  it('averages gradient slots with weights like the JS loop, and returns Σ avg²', () => {
    const n = 10_007;
    const slots = [1, 2, 3].map((s) => gradient(n, 500 + s, 3 + s));
    const weights = [2 / 9, 3 / 9, 4 / 9];
    const native = new Float32Array(n).fill(7); // overwritten, not accumulated into
    const sqNative = averageGradients(slots, weights, native);
    setFusedAdamEnabled(false);
    const js = new Float32Array(n);
    const sqJs = averageGradients(slots, weights, js);
    const sqOne = averageGradients([slots[0]!], [1], null);
    setFusedAdamEnabled(true);
    expect(native).toEqual(js);
    expect(Math.abs(sqNative - sqJs) / sqJs).toBeLessThan(1e-12);
    expect(Math.abs(averageGradients([slots[0]!], [1], null) - sqOne) / sqOne).toBeLessThan(1e-12);
    expect(Math.sqrt(sqOne)).toBeCloseTo(4, 4);
  });
});
