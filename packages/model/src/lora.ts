import * as tf from '@tensorflow/tfjs-core';
import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import type { TLoraConfig } from './config';

// ---------------------------------------------------------------------------------------------
// Dual-branch LoRA. Every linear layer of the transformer carries two adapters: a low-rank
// *noise* branch used for target tokens X and a high-rank *subject* branch used for condition
// tokens (Ti, Ri). Prompt tokens use the frozen base only. B starts at zero, scaling = α / r.
// ---------------------------------------------------------------------------------------------

/** Which weights a token group uses: base only (prompt), noise branch (X), subject branch (C). */
export type TBranch = 'base' | 'noise' | 'subject';
export type TAdapterBranch = Exclude<TBranch, 'base'>;
/** A layer that carries adapters; `branches` lists the token kinds that pass through it. */
export type TLoraLayerSpec = {
  name: string;
  inDim: number;
  outDim: number;
  branches?: TAdapterBranch[];
};
type TAdapter = { A: tf.Variable; B: tf.Variable; scaling: number; rank: number };

/**
 * `shared: true` builds the ablations' single LoRA: one adapter (subject rank) used by both X and
 * condition tokens, so the noise and subject branches are the same weights. MUSAR uses two.
 */
export type TLoraOptions = {
  shared?: boolean;
  /** Ranks and alphas (an adapter's own; default: the model config's `lora`). */
  config?: TLoraConfig;
};

export class DualBranchLora {
  readonly adapters = new Map<string, Partial<Record<TAdapterBranch, TAdapter>>>();
  readonly shared: boolean;
  /** Per-branch merged weights W + ΔW (set by merge); the base W itself is never modified. */
  private merged: Map<string, Partial<Record<TAdapterBranch, tf.Tensor2D>>> | null = null;

  constructor(
    readonly config: TLoraConfig,
    layers: TLoraLayerSpec[],
    seed = 0,
    options: TLoraOptions = {},
  ) {
    this.shared = options.shared ?? false;
    let s = seed * 7919 + 17;
    const make = (l: TLoraLayerSpec, rank: number, alpha: number): TAdapter => {
      // Kaiming-uniform-like A (as peft), zero B so the adapter starts as the identity change.
      const bound = 1 / Math.sqrt(l.inDim);
      return {
        // tidy frees the initial values; the variables keep their own reference.
        A: tf.tidy(() =>
          tf.variable(tf.randomUniform([l.inDim, rank], -bound, bound, 'float32', s++)),
        ),
        B: tf.tidy(() => tf.variable(tf.zeros([rank, l.outDim]))),
        scaling: alpha / rank,
        rank,
      };
    };
    for (const l of layers) {
      const branches = l.branches ?? ['noise', 'subject'];
      const entry: Partial<Record<TAdapterBranch, TAdapter>> = {};
      if (this.shared) {
        const one = make(l, config.subjectRank, config.subjectAlpha);
        for (const br of branches) entry[br] = one;
      } else {
        if (branches.includes('noise')) entry.noise = make(l, config.noiseRank, config.noiseAlpha);
        if (branches.includes('subject'))
          entry.subject = make(l, config.subjectRank, config.subjectAlpha);
      }
      this.adapters.set(l.name, entry);
    }
  }

  /** ΔW = A·B·(α/r) of one branch of one layer: [in, out]. */
  deltaWeight(layer: string, branch: TAdapterBranch): tf.Tensor2D {
    const a = this.get(layer)[branch];
    if (!a) throw new Error(`layer ${layer} has no ${branch} adapter`);
    return tf.tidy(() => tf.mul(tf.matMul(a.A, a.B), a.scaling) as tf.Tensor2D);
  }

  /** y = x·W + b with the branch's adapter: merged weight if merged, else x·W + (x·A)·B·s. */
  apply(
    layer: string,
    branch: TBranch,
    x: tf.Tensor2D,
    w: tf.Tensor2D,
    b: tf.Tensor1D,
  ): tf.Tensor2D {
    const a = branch === 'base' ? undefined : this.get(layer)[branch];
    if (branch === 'base' || !a) return tf.add(tf.matMul(x, w), b);
    const m = this.merged?.get(layer)?.[branch];
    if (m) return tf.add(tf.matMul(x, m), b);
    const delta = tf.mul(tf.matMul(tf.matMul(x, a.A), a.B), a.scaling);
    return tf.add(tf.add(tf.matMul(x, w), b), delta);
  }

  /**
   * Folds each branch into its own copy of the base weight (W + ΔW_noise, W + ΔW_subject) for
   * fast inference. The shared base W stays untouched, so prompt tokens keep using it.
   */
  merge(baseWeights: Map<string, tf.Tensor2D>): void {
    this.unmerge();
    const merged = new Map<string, Partial<Record<TAdapterBranch, tf.Tensor2D>>>();
    for (const [name, a] of this.adapters) {
      const w = baseWeights.get(name);
      if (!w) throw new Error(`merge: no base weight for layer ${name}`);
      const m: Partial<Record<TAdapterBranch, tf.Tensor2D>> = {};
      if (a.noise)
        m.noise = tf.keep(tf.tidy(() => tf.add(w, this.deltaWeight(name, 'noise')) as tf.Tensor2D));
      if (a.subject)
        m.subject =
          this.shared && m.noise
            ? m.noise
            : tf.keep(tf.tidy(() => tf.add(w, this.deltaWeight(name, 'subject')) as tf.Tensor2D));
      merged.set(name, m);
    }
    this.merged = merged;
  }

  unmerge(): void {
    for (const m of this.merged?.values() ?? []) {
      m.noise?.dispose();
      if (m.subject !== m.noise) m.subject?.dispose();
    }
    this.merged = null;
  }

  get isMerged(): boolean {
    return this.merged !== null;
  }

  /** Trainable variables, optionally of one branch only. */
  variables(branch?: TAdapterBranch): tf.Variable[] {
    const out = new Set<tf.Variable>();
    for (const a of this.adapters.values())
      for (const br of ['noise', 'subject'] as const) {
        const ad = a[br];
        if (ad && (!branch || br === branch || this.shared)) out.add(ad.A).add(ad.B);
      }
    return [...out];
  }

  /** Named tensors for a checkpoint: `<layer>.lora_noise.A`, `<layer>.lora_subject.B`, … */
  namedVariables(): Map<string, tf.Variable> {
    const out = new Map<string, tf.Variable>();
    for (const [name, a] of this.adapters)
      for (const br of ['noise', 'subject'] as const) {
        const ad = a[br];
        if (!ad) continue;
        const label = this.shared ? 'shared' : br; // a shared adapter is stored once
        out.set(`${name}.lora_${label}.A`, ad.A);
        out.set(`${name}.lora_${label}.B`, ad.B);
      }
    return out;
  }

  /**
   * Starts this dual-branch LoRA from a trained single (shared) adapter, e.g. the identity
   * adapter, so a MUSAR stage begins where identity training ended: the subject branch takes the
   * shared adapter as it is (same rank and alpha), the noise branch its best rank-`noiseRank`
   * approximation (truncated SVD of ΔW). `shared` maps layer name → its shared A [in, r] and B
   * [r, out]. Returns the share of ΔW's energy (Σσ² kept / Σσ²) the noise branches keep, over all
   * layers, so the caller can report what the smaller rank loses.
   */
  initFromShared(shared: Map<string, { A: Float32Array; B: Float32Array }>): {
    noiseEnergy: number;
  } {
    if (this.shared) throw new Error('initFromShared: this LoRA is itself single-branch');
    let kept = 0;
    let total = 0;
    for (const [name, entry] of this.adapters) {
      const src = shared.get(name);
      if (!src) throw new Error(`initFromShared: no shared adapter for layer ${name}`);
      const ref = entry.subject ?? entry.noise!;
      const [inDim, outDim] = [ref.A.shape[0]!, ref.B.shape[1]!];
      const rank = this.config.subjectRank;
      if (src.A.length !== inDim * rank || src.B.length !== rank * outDim)
        throw new Error(
          `initFromShared: layer ${name} expects A [${inDim}, ${rank}] and B [${rank}, ${outDim}]`,
        );
      if (entry.subject) {
        entry.subject.A.assign(tf.tensor2d(src.A, [inDim, rank]));
        entry.subject.B.assign(tf.tensor2d(src.B, [rank, outDim]));
      }
      if (entry.noise) {
        const scaling = this.config.subjectAlpha / this.config.subjectRank;
        const delta = matMulScaled(src.A, src.B, inDim, rank, outDim, scaling);
        const f = lowRankFactors(delta, inDim, outDim, entry.noise.rank, entry.noise.scaling);
        entry.noise.A.assign(tf.tensor2d(f.A, [inDim, entry.noise.rank]));
        entry.noise.B.assign(tf.tensor2d(f.B, [entry.noise.rank, outDim]));
        kept += f.keptEnergy;
        total += f.totalEnergy;
      }
    }
    this.unmerge();
    return { noiseEnergy: total > 0 ? kept / total : 1 };
  }

  dispose(): void {
    this.unmerge();
    for (const v of this.variables()) v.dispose();
  }

  private get(layer: string): Partial<Record<TAdapterBranch, TAdapter>> {
    const a = this.adapters.get(layer);
    if (!a) throw new Error(`no LoRA adapter for layer ${layer}`);
    return a;
  }
}

/** scaling · A·B for row-major A [m, k] and B [k, n]. */
function matMulScaled(
  a: Float32Array,
  b: Float32Array,
  m: number,
  k: number,
  n: number,
  scaling: number,
): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p]! * scaling;
      if (aip === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j]! += aip * b[p * n + j]!;
    }
  return out;
}

/**
 * The best rank-`rank` factors of a [rows, cols] matrix for a LoRA with this scaling:
 * scaling · A·B ≈ delta (Eckart–Young: the truncated SVD), with √σ on both sides so A and B have
 * balanced norms for further training. Uses ml-matrix's SVD.
 */
export function lowRankFactors(
  delta: Float64Array | Float32Array,
  rows: number,
  cols: number,
  rank: number,
  scaling: number,
): { A: Float32Array; B: Float32Array; keptEnergy: number; totalEnergy: number } {
  if (delta.length !== rows * cols) throw new Error('lowRankFactors: size mismatch');
  if (!(scaling > 0)) throw new Error('lowRankFactors: scaling must be positive');
  const m = new Matrix(rows, cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) m.set(i, j, delta[i * cols + j]!);
  const svd = new SingularValueDecomposition(m, { autoTranspose: true });
  const sigma = svd.diagonal;
  const U = svd.leftSingularVectors;
  const V = svd.rightSingularVectors;
  const r = Math.min(rank, sigma.length);
  const A = new Float32Array(rows * rank);
  const B = new Float32Array(rank * cols);
  for (let q = 0; q < r; q++) {
    const root = Math.sqrt(Math.max(0, sigma[q]!) / scaling);
    for (let i = 0; i < rows; i++) A[i * rank + q] = U.get(i, q) * root;
    for (let j = 0; j < cols; j++) B[q * cols + j] = V.get(j, q) * root;
  }
  let keptEnergy = 0;
  let totalEnergy = 0;
  sigma.forEach((s, q) => {
    totalEnergy += s * s;
    if (q < r) keptEnergy += s * s;
  });
  return { A, B, keptEnergy, totalEnergy };
}
