import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { BackendUnavailableError } from '../errors';
import { useTransposeFlagsWhen } from './matmul-grad';
import { replaceWasmKernel } from './wasm-kernels';

// ---------------------------------------------------------------------------------------------
// A native path past the wasm ceiling: BatchMatMul on the wasm backend computed by OpenBLAS
// (AVX-512/FMA here, against wasm's 128-bit SIMD without FMA) through a small N-API addon,
// `native/blas.c`, that reads and writes the wasm heap in place — no copies.
//
// MUSAR_NATIVE=auto (default) | on | off. auto uses the addon when it loads and stays on wasm
// otherwise; on throws BackendUnavailableError when it cannot. The addon is built on first use
// by `native/build.sh` (needs cc + libopenblas-dev) into native/build/musar_blas-<hash>.node, the
// hash covering blas.c and build.sh, so an edited source is rebuilt and a stale build never runs.
// MUSAR_NATIVE_ADDON=/path/to/x.node uses a prebuilt addon instead. A bundle (the device pack)
// has no native/ folder beside it: auto → absent → wasm.
// ---------------------------------------------------------------------------------------------

export type TNativeMode = 'auto' | 'on' | 'off';
export type TNativeStatus = { active: boolean; note: string };

type TBlasAddon = {
  sgemmBatched(
    heap: Uint8Array,
    aOff: number,
    bOff: number,
    cOff: number,
    batch: number,
    M: number,
    N: number,
    K: number,
    transA: number,
    transB: number,
    strideA: number,
    strideB: number,
    strideC: number,
  ): void;
  geluForward(heap: Uint8Array, xOff: number, yOff: number, n: number): void;
  geluBackward(heap: Uint8Array, xOff: number, dyOff: number, dxOff: number, n: number): void;
  layerNormForward(
    heap: Uint8Array,
    xOff: number,
    yOff: number,
    rows: number,
    D: number,
    eps: number,
  ): void;
  layerNormBackward(
    heap: Uint8Array,
    xOff: number,
    dyOff: number,
    dxOff: number,
    rows: number,
    D: number,
    eps: number,
  ): void;
  adamEmaUpdate(
    heap: Uint8Array,
    wOff: number,
    mOff: number,
    vOff: number,
    eOff: number,
    grad: Float32Array,
    gradOffset: number,
    n: number,
    scale: number,
    lr: number,
    beta1: number,
    beta2: number,
    epsilon: number,
    oneMinusAccBeta1: number,
    oneMinusAccBeta2: number,
    emaDecay: number,
  ): void;
  gradAverage(out: Float32Array | null, slots: Float32Array[], weights: number[]): number;
  threads(): number;
  config(): string;
};

type TWasmBackend = {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(id: tf.DataId): { memoryOffset: number; refCount: number } };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  disposeData(id: tf.DataId): boolean;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
};

function parseMode(value: string | undefined): TNativeMode {
  const v = (value ?? 'auto').trim().toLowerCase() || 'auto';
  if (v === 'auto' || v === 'on' || v === 'off') return v;
  throw new BackendUnavailableError(`MUSAR_NATIVE="${value}" is not one of auto|on|off`);
}

/** native/ beside src/ (undefined in a bundle, where import.meta.url is the bundle's). */
function nativeDir(): string {
  return fileURLToPath(new URL('../../native/', import.meta.url));
}

let addon: TBlasAddon | null = null;
let loadError: string | null = null;

/** Loads (building first when needed) the addon once per thread; the reason when it cannot. */
export function loadBlasAddon(): { addon: TBlasAddon | null; why: string | null } {
  if (addon || loadError) return { addon, why: loadError };
  try {
    let file = process.env.MUSAR_NATIVE_ADDON;
    if (!file) {
      const dir = nativeDir();
      const src = path.join(dir, 'blas.c');
      const script = path.join(dir, 'build.sh');
      if (!fs.existsSync(src) || !fs.existsSync(script))
        throw new Error(`no addon source (${src}) beside this build`);
      const hash = createHash('sha256')
        .update(fs.readFileSync(src))
        .update(fs.readFileSync(script))
        .digest('hex')
        .slice(0, 12);
      file = path.join(dir, 'build', `musar_blas-${hash}.node`);
      if (!fs.existsSync(file)) {
        const r = spawnSync('bash', [script, file], { encoding: 'utf8', timeout: 120_000 });
        if (r.status !== 0 || !fs.existsSync(file)) {
          const msg = `${r.stderr ?? ''}${r.error?.message ?? ''}`.trim().split('\n')[0];
          throw new Error(`build failed (${msg || `exit ${r.status}`})`);
        }
      }
    }
    // Before OpenBLAS starts: no idle pool of its own threads (it also pins 1 thread at load).
    process.env.OPENBLAS_NUM_THREADS ??= '1';
    const mod = { exports: {} as TBlasAddon };
    process.dlopen(mod, file);
    addon = mod.exports;
  } catch (err) {
    loadError = (err as Error).message.split('\n')[0]!;
  }
  return { addon, why: loadError };
}

let stock: tf.KernelFunc | null = null;
let enabled = false;

/** The stock wasm BatchMatMul (for tests and benchmarks); null before installNativeMatMul. */
export function stockBatchMatMul(): tf.KernelFunc | null {
  return stock;
}

/** Switches the native kernel on or off at run time (tests compare both paths in one process). */
export function setNativeMatMulEnabled(on: boolean): void {
  enabled = on && addon !== null && stock !== null;
}

export function nativeMatMulActive(): boolean {
  return enabled;
}

function nativeBatchMatMul(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo | tf.TensorInfo[] {
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB } = args.attrs as unknown as {
    transposeA: boolean;
    transposeB: boolean;
  };
  if (!enabled || a.dtype !== 'float32' || b.dtype !== 'float32') return stock!(args);
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (ra < 2 || rb < 2) return stock!(args);
  const M = transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const K = transposeA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
  const Kb = transposeB ? b.shape[rb - 1]! : b.shape[rb - 2]!;
  const N = transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2));
  const batchB = tf.util.sizeFromShape(b.shape.slice(0, -2));
  const batch = Math.max(batchA, batchB);
  // The stock kernel raises the errors and handles empty outputs.
  if (K !== Kb || M * N * batch === 0) return stock!(args);
  let outer: number[];
  try {
    outer = tf.broadcast_util.assertAndGetBroadcastShape(
      a.shape.slice(0, -2),
      b.shape.slice(0, -2),
    );
  } catch {
    return stock!(args);
  }
  const backend = args.backend as unknown as TWasmBackend;
  const out = backend.makeOutput([...outer, M, N], 'float32');
  // The heap only after makeOutput: allocating may grow (and replace) the wasm memory.
  const heap = backend.wasm.HEAPU8;
  const map = backend.dataIdMap;
  const aOff = map.get(a.dataId).memoryOffset;
  const bOff = map.get(b.dataId).memoryOffset;
  const cOff = map.get(out.dataId).memoryOffset;
  const tA = transposeA ? 1 : 0;
  const tB = transposeB ? 1 : 0;
  const outBatch = tf.util.sizeFromShape(outer);
  if (outBatch === batch && (batchA === batchB || batchA === 1 || batchB === 1)) {
    // One stride per side describes it: equal batches, or one side's single matrix reused.
    const sA = batchA === 1 ? 0 : M * K;
    const sB = batchB === 1 ? 0 : K * N;
    addon!.sgemmBatched(heap, aOff, bOff, cOff, batch, M, N, K, tA, tB, sA, sB, M * N);
    return out;
  }
  // Batch dims that broadcast inside ([2,1] against [1,2]): one GEMM per output matrix (the
  // stock kernel computes only max(batchA, batchB) of them and leaves the rest unwritten).
  const aDims = a.shape.slice(0, -2);
  const bDims = b.shape.slice(0, -2);
  const aStrides = tf.util.computeStrides(aDims);
  const bStrides = tf.util.computeStrides(bDims);
  const oStrides = tf.util.computeStrides(outer);
  for (let o = 0; o < outBatch; o++) {
    let ia = 0;
    let ib = 0;
    let rest = o;
    for (let d = 0; d < outer.length; d++) {
      const idx = d < outer.length - 1 ? Math.floor(rest / oStrides[d]!) : rest;
      if (d < outer.length - 1) rest -= idx * oStrides[d]!;
      const da = d - (outer.length - aDims.length);
      const db = d - (outer.length - bDims.length);
      if (da >= 0 && aDims[da]! > 1) ia += idx * (da < aDims.length - 1 ? aStrides[da]! : 1);
      if (db >= 0 && bDims[db]! > 1) ib += idx * (db < bDims.length - 1 ? bStrides[db]! : 1);
    }
    const at = aOff + ia * M * K * 4;
    const bt = bOff + ib * K * N * 4;
    addon!.sgemmBatched(heap, at, bt, cOff + o * M * N * 4, 1, M, N, K, tA, tB, 0, 0, M * N);
  }
  return out;
}

// Sum over leading axes (every bias gradient: [rows, C] → [C]) as ones[1, R] · x[R, C] in one
// GEMM. The stock wasm Sum transposes first and ran at ~10 M elements/s on these shapes:
// 0.2–0.3 s of a 1 s training step.
let stockSum: tf.KernelFunc | null = null;

function nativeSum(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo | tf.TensorInfo[] {
  const x = args.inputs.x as tf.TensorInfo;
  const { axis, keepDims } = args.attrs as unknown as {
    axis: number | number[];
    keepDims: boolean;
  };
  if (!enabled || x.dtype !== 'float32') return stockSum!(args);
  const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
  const first = axes[0] ?? 0;
  const last = axes[axes.length - 1] ?? -1;
  // One contiguous block of axes [first, last] that leaves the last axis: x viewed as
  // [outer, R, C] → [outer, C], one GEMM ones[1, R] · x_o[R, C] per outer index.
  if (axes.length === 0 || last >= x.shape.length - 1 || axes.some((a, i) => a !== first + i))
    return stockSum!(args);
  const outer = tf.util.sizeFromShape(x.shape.slice(0, first));
  const R = tf.util.sizeFromShape(x.shape.slice(first, last + 1));
  const C = tf.util.sizeFromShape(x.shape.slice(last + 1));
  if (R < 8 || C === 0 || outer === 0) return stockSum!(args);
  const backend = args.backend as unknown as TWasmBackend;
  const outShape = keepDims
    ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d))
    : x.shape.filter((_, i) => !axes.includes(i));
  const out = backend.makeOutput(outShape, 'float32');
  const ones = backend.makeOutput([R], 'float32');
  backend.typedArrayFromHeap(ones).fill(1);
  // The heap only after the allocations: they may grow (and replace) the wasm memory.
  const map = backend.dataIdMap;
  const [o, xo, co] = [
    map.get(ones.dataId).memoryOffset,
    map.get(x.dataId).memoryOffset,
    map.get(out.dataId).memoryOffset,
  ];
  addon!.sgemmBatched(backend.wasm.HEAPU8, o, xo, co, outer, 1, C, R, 0, 0, 0, R * C, C);
  backend.disposeData(ones.dataId);
  return out;
}

// Fused GELU: one native pass forward and one backward (the composite gelu() in block.ts is 7
// wasm kernels forward and ~12 backward over [rows, 4·D] activations). Kernels of their own
// names on the wasm backend, joined by a custom gradient; used only while the native path is on.
const GELU = 'MusarGelu';
const GELU_GRAD = 'MusarGeluGrad';

/** A fused elementwise kernel: `run` gets the heap, the byte offsets of the named inputs and
 * of a new output shaped like the first input, and that input's shape. */
function heapKernel(
  args: Parameters<tf.KernelFunc>[0],
  names: string[],
  run: (heap: Uint8Array, offsets: number[], shape: number[]) => void,
): tf.TensorInfo {
  const backend = args.backend as unknown as TWasmBackend;
  const inputs = names.map((n) => args.inputs[n] as tf.TensorInfo);
  const out = backend.makeOutput([...inputs[0]!.shape], 'float32');
  // The heap and offsets only after makeOutput: allocating may grow (and replace) the memory.
  const map = backend.dataIdMap;
  const offsets = [...inputs, out].map((t) => map.get(t.dataId).memoryOffset);
  run(backend.wasm.HEAPU8, offsets, inputs[0]!.shape);
  return out;
}

const geluKernel: tf.KernelFunc = (args) =>
  heapKernel(args, ['x'], (heap, [x, y], shape) =>
    addon!.geluForward(heap, x!, y!, tf.util.sizeFromShape(shape)),
  );

const geluGradKernel: tf.KernelFunc = (args) =>
  heapKernel(args, ['x', 'dy'], (heap, [x, dy, dx], shape) =>
    addon!.geluBackward(heap, x!, dy!, dx!, tf.util.sizeFromShape(shape)),
  );

/** A unary op run by the wasm kernel `kernel`, its gradient by `gradKernel` (inputs x, dy), both
 * with `attrs`. customGrad's callback receives its inputs and then the save function in one list. */
function fusedUnary(kernel: string, gradKernel: string, attrs: tf.NamedAttrMap = {}) {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor;
    (args[1] as tf.GradSaveFunc)([x]);
    return {
      value: tf.engine().runKernel(kernel, { x }, attrs) as tf.Tensor,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.engine().runKernel(gradKernel, { x: saved[0]!, dy }, attrs) as tf.Tensor,
    };
  });
}

/** The fused kernels run only while the native path is on, for float32 on the wasm backend. */
const fusedUsable = (x: tf.Tensor) =>
  enabled && x.dtype === 'float32' && tf.getBackend() === 'wasm';

const fusedGelu = fusedUnary(GELU, GELU_GRAD);

/** GELU (tanh form) in one native pass each way, or null where the native path is off (the
 * caller then composes it from stock kernels). */
export function nativeGelu<T extends tf.Tensor>(x: T): T | null {
  return fusedUsable(x) ? (fusedGelu(x) as T) : null;
}

// Fused layer norm (no affine; over the last axis): one native pass each way where the composed
// one (tf.moments, sub, rsqrt, mul) is ~7 kernels forward and ~15 backward.
const LAYER_NORM = 'MusarLayerNorm';
const LAYER_NORM_GRAD = 'MusarLayerNormGrad';

/** [rows, D] of a tensor normalised over its last axis. */
function rowsOf(shape: number[]): [number, number] {
  const D = shape[shape.length - 1]!;
  return [tf.util.sizeFromShape(shape) / D, D];
}

const epsOf = (args: Parameters<tf.KernelFunc>[0]) =>
  (args.attrs as unknown as { eps: number }).eps;

const layerNormKernel: tf.KernelFunc = (args) =>
  heapKernel(args, ['x'], (heap, [x, y], shape) =>
    addon!.layerNormForward(heap, x!, y!, ...rowsOf(shape), epsOf(args)),
  );

const layerNormGradKernel: tf.KernelFunc = (args) =>
  heapKernel(args, ['x', 'dy'], (heap, [x, dy, dx], shape) =>
    addon!.layerNormBackward(heap, x!, dy!, dx!, ...rowsOf(shape), epsOf(args)),
  );

const fusedLayerNorms = new Map<number, (x: tf.Tensor) => tf.Tensor>();

/** Layer norm without affine parameters over the last axis, (x − mean)·rsqrt(var + eps), in one
 * native pass each way; null where the native path is off (the caller composes it). */
export function nativeLayerNorm<T extends tf.Tensor>(x: T, eps: number): T | null {
  if (!fusedUsable(x) || x.rank < 1) return null;
  let f = fusedLayerNorms.get(eps);
  if (!f) fusedLayerNorms.set(eps, (f = fusedUnary(LAYER_NORM, LAYER_NORM_GRAD, { eps })));
  return f(x) as T;
}

// ---------------------------------------------------------------------------------------------
// Fused optimizer update (data-parallel training): the averaged flat gradient goes into tf's
// Adam moments, the weights and the EMA in one native pass per variable (blas.c adamEmaUpdate),
// writing the tensors' wasm buffers in place, where tf's Adam + the EMA run ~13 small kernels
// per variable. The shard average and its sum of squares are one native pass (gradAverage).
// ---------------------------------------------------------------------------------------------

// MUSAR_FUSED_ADAM=off keeps tf's Adam + EMA kernels (benchmarks compare the two in one window).
let fusedAdamOn = process.env.MUSAR_FUSED_ADAM !== 'off';
const fusedAdamCounts = { updates: 0, copies: 0 };

/** Switches the fused optimizer update on or off (tests compare it with tf's Adam). */
export function setFusedAdamEnabled(on: boolean): void {
  fusedAdamOn = on;
}

/** Fused updates applied on this thread, and private buffer copies they had to make. */
export function fusedAdamStats(): { updates: number; copies: number } {
  return { ...fusedAdamCounts };
}

/** Whether fusedAdamEmaUpdate can run: the native path on, the wasm backend, the addon new
 * enough (an addon given by MUSAR_NATIVE_ADDON may predate the function). */
export function fusedAdamUsable(): boolean {
  return (
    fusedAdamOn &&
    enabled &&
    tf.getBackend() === 'wasm' &&
    typeof addon?.adamEmaUpdate === 'function' &&
    typeof addon.gradAverage === 'function'
  );
}

/**
 * out = Σ_k weights[k]·slots[k] (each term added in double and rounded to float32, the order of
 * the JS loop it replaces); returns Σ out² (a double). `out` null: only Σ slots[0]² (one slot of
 * weight 1). Native where the fused update is usable, else the JS loops.
 */
export function averageGradients(
  slots: Float32Array[],
  weights: number[],
  out: Float32Array | null,
): number {
  if (fusedAdamUsable()) return addon!.gradAverage(out, slots, weights);
  let flat = slots[0]!;
  if (out) {
    out.fill(0);
    slots.forEach((g, k) => {
      const f = weights[k]!;
      for (let i = 0; i < out.length; i++) out[i]! += f * g[i]!;
    });
    flat = out;
  }
  let sq = 0;
  for (let i = 0; i < flat.length; i++) sq += flat[i]! * flat[i]!;
  return sq;
}

/** One variable of a fused update: weights, tf's Adam moments, EMA (null: none). */
export type TFusedAdamVariable = {
  w: tf.Variable;
  m: tf.Variable;
  v: tf.Variable;
  e: tf.Variable | null;
};

/** The numbers of one Adam + EMA step, as tf.js uses them (see blas.c adamEmaUpdate). */
export type TFusedAdamStep = {
  scale: number;
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** 1 − accBeta1 and 1 − accBeta2 as float32 (tf's sub(1, accBeta)). */
  oneMinusAccBeta1: number;
  oneMinusAccBeta2: number;
  /** The EMA decay of this step (ignored without EMA). */
  emaDecay: number;
};

/** Gives variable `t` a new buffer holding a copy of its data: tf.clone will not do, it shares
 * the buffer on wasm here (installZeroCopyIdentity), and tf's own Identity copy may be replaced
 * too. The variable drops its share of the old buffer; other tensors keep it. */
function privateCopy(backend: TWasmBackend, t: tf.Variable): void {
  const out = backend.makeOutput([...t.shape], 'float32');
  // The heap only after makeOutput: allocating may grow (and replace) the wasm memory.
  const from = backend.dataIdMap.get(t.dataId).memoryOffset;
  const to = backend.dataIdMap.get(out.dataId).memoryOffset;
  backend.wasm.HEAPU8.copyWithin(to, from, from + t.size * 4);
  const fresh = tf.engine().makeTensorFromTensorInfo(out);
  t.assign(fresh);
  fresh.dispose();
}

/**
 * Applies one Adam step with gradient `grad` (the variables' gradients back to back, in order)
 * and the EMA update, in place in the variables' wasm buffers. A buffer shared with another
 * tensor (reshape, a variable made from a tensor still alive) is first replaced by a private
 * copy, as tf's own update would replace it by a new buffer: the other tensor keeps its values.
 * Returns false, having changed no values, where it cannot run (the caller applies tf's Adam).
 * accBeta1/2 and the optimizer's iteration count are the caller's.
 */
export function fusedAdamEmaUpdate(
  vars: TFusedAdamVariable[],
  grad: Float32Array,
  c: TFusedAdamStep,
): boolean {
  if (!fusedAdamUsable()) return false;
  const total = vars.reduce((n, x) => n + x.w.size, 0);
  const all = vars.flatMap((x) => (x.e ? [x.w, x.m, x.v, x.e] : [x.w, x.m, x.v]));
  if (
    total !== grad.length ||
    all.some((t) => t.dtype !== 'float32' || t.isDisposed) ||
    vars.some(
      (x) =>
        !tf.util.arraysEqual(x.m.shape, x.w.shape) ||
        !tf.util.arraysEqual(x.v.shape, x.w.shape) ||
        (x.e !== null && !tf.util.arraysEqual(x.e.shape, x.w.shape)),
    )
  )
    return false;
  const backend = tf.backend() as unknown as TWasmBackend;
  const map = backend.dataIdMap;
  // Absent for data still on another backend (moved on first use).
  const info = (t: tf.Tensor) =>
    map.get(t.dataId) as { memoryOffset: number; refCount: number } | undefined;
  // In place only into buffers that belong to exactly one tensor, each a different one.
  const owned = (): boolean => {
    const seen = new Set<number>();
    return all.every((t) => {
      const d = info(t);
      if (!d || d.refCount !== 1 || (t.size > 0 && seen.has(d.memoryOffset))) return false;
      if (t.size > 0) seen.add(d.memoryOffset);
      return true;
    });
  };
  if (all.some((t) => !info(t))) return false; // data on another backend
  if (!owned()) {
    const seen = new Set<tf.DataId>();
    for (const t of all) {
      const d = info(t);
      if (d && d.refCount === 1 && !seen.has(t.dataId)) {
        seen.add(t.dataId);
        continue;
      }
      privateCopy(backend, t as tf.Variable);
      seen.add(t.dataId);
      fusedAdamCounts.copies++;
    }
    if (!owned()) return false;
  }
  // The heap only now: the copies may have grown (and replaced) the wasm memory.
  const heap = backend.wasm.HEAPU8;
  const at = (t: tf.Tensor) => map.get(t.dataId).memoryOffset;
  let o = 0;
  for (const { w, m, v, e } of vars) {
    if (w.size > 0)
      addon!.adamEmaUpdate(
        heap,
        at(w),
        at(m),
        at(v),
        e ? at(e) : -1,
        grad,
        o,
        w.size,
        c.scale,
        c.learningRate,
        c.beta1,
        c.beta2,
        c.epsilon,
        c.oneMinusAccBeta1,
        c.oneMinusAccBeta2,
        c.emaDecay,
      );
    o += w.size;
  }
  fusedAdamCounts.updates++;
  return true;
}

let status: TNativeStatus | null = null;

/**
 * Routes the wasm backend's BatchMatMul to OpenBLAS (call after the wasm backend is ready).
 * Idempotent per thread; returns what is active and why, for TBackendInfo.note.
 */
export function installNativeMatMul(
  requested: string | undefined = process.env.MUSAR_NATIVE,
): TNativeStatus {
  const mode = parseMode(requested);
  if (status && (mode === 'auto' || status.active === (mode === 'on'))) return status;
  if (mode === 'off') {
    setNativeMatMulEnabled(false);
    return (status = { active: false, note: 'native matmul off (MUSAR_NATIVE=off)' });
  }
  const { addon: lib, why } = loadBlasAddon();
  if (!lib) {
    if (mode === 'on') throw new BackendUnavailableError(`MUSAR_NATIVE=on: OpenBLAS addon: ${why}`);
    return (status = { active: false, note: `no native matmul (${why})` });
  }
  if (!stock) {
    stock = replaceWasmKernel('BatchMatMul', () => nativeBatchMatMul);
    stockSum = replaceWasmKernel('Sum', () => nativeSum);
    for (const [kernelName, kernelFunc] of [
      [GELU, geluKernel],
      [GELU_GRAD, geluGradKernel],
      [LAYER_NORM, layerNormKernel],
      [LAYER_NORM_GRAD, layerNormGradKernel],
    ] as const)
      if (!tf.getKernel(kernelName, 'wasm'))
        tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
    // OpenBLAS transposes while packing: gradients pass transpose flags instead of transposing.
    useTransposeFlagsWhen(nativeMatMulActive);
  }
  setNativeMatMulEnabled(true);
  const cfg = lib.config().split(' ');
  const version = cfg.slice(0, 2).join(' ');
  const max = cfg.findIndex((w) => w.startsWith('MAX_THREADS'));
  const core = cfg[(max < 0 ? cfg.length : max) - 1] ?? '';
  return (status = {
    active: true,
    note: `native OpenBLAS matmul (${version}, ${core}, ${lib.threads()} thread)`,
  });
}
