import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { decodeSafetensors, encodeSafetensors, type TNamedArray } from './checkpoint';
import { CheckpointError, parseOrThrow } from './errors';
import { rectifiedFlowLoss, type TTrainBatch } from './diffusion';
import type { MusarModel } from './model/dit';
import { averageGradients, fusedAdamEmaUpdate, fusedAdamUsable } from './model/native-matmul';
import { deriveSeed, mulberry32 } from './random';

// ---------------------------------------------------------------------------------------------
// Trainer core: one optimisation step (full parameters or adapters only), global-norm gradient
// clipping, EMA of the trained weights, and optimizer state for resume. The loop, the data and
// the schedule live with the caller (apps/worker, scripts).
// ---------------------------------------------------------------------------------------------

const ZDecayPhase = z
  .object({
    fromStep: z.number().int().min(0),
    steps: z.number().int().min(1),
    minLearningRate: z.number().min(0).max(1),
    /** The rate the phase starts from (a restart); default: where the rate stood before it. */
    fromLearningRate: z.number().positive().max(1).optional(),
  })
  .strict();

export const ZTrainerOptions = z.object({
  /** full: every base parameter (stage 1); adapter: dual-branch LoRA only, base frozen (stages 2–3). */
  mode: z.enum(['full', 'adapter']).default('full'),
  learningRate: z.number().positive().max(1).default(3e-4),
  /** Linear learning-rate warm-up over this many steps (0: none). */
  warmupSteps: z.number().int().min(0).default(0),
  /** Cosine decay from the rate at step `fromStep` to `minLearningRate` at `fromStep + steps`,
   * then constant (none: the rate stays constant after the warm-up). A list is a schedule of
   * such phases in step order, each decaying from where the previous one ended (an annealing
   * phase appended to a run that already decayed once) or, given `fromLearningRate`, from that
   * rate (a restart: a second cycle). */
  lrDecay: z
    .union([ZDecayPhase, z.array(ZDecayPhase).min(1)])
    .optional()
    .refine(
      (d) =>
        !Array.isArray(d) ||
        d.every((p, i) => i === 0 || p.fromStep >= d[i - 1]!.fromStep + d[i - 1]!.steps),
      { message: 'lrDecay phases must be in step order and must not overlap' },
    ),
  /** Clip the global gradient norm to this value. */
  clipNorm: z.number().positive().default(1),
  /** EMA decay of the trained weights; 0 disables EMA. */
  emaDecay: z.number().min(0).max(1).default(0.999),
  /** Probability of replacing a sample's prompt with the null prompt (guidance training). */
  promptDropout: z.number().min(0).max(1).default(0.1),
  /** Probability of hiding all of a sample's references (guidance training). */
  referenceDropout: z.number().min(0).max(1).default(0.1),
  /** Attention layout: MUSAR's static routing, or full attention (naive-diptych ablation). */
  attention: z.enum(['static', 'full']).default('static'),
  /** Location m of the logit-normal timesteps t = sigmoid(n), n ~ N(m, 1): below 0 more
   * low-noise steps (fine detail), above 0 more high-noise steps (layout). */
  timestepLocation: z.number().min(-3).max(3).default(0),
  seed: z.number().int().min(0).default(0),
});
export type TTrainerOptions = z.input<typeof ZTrainerOptions>;
export type TStepResult = { loss: number; gradNorm: number; step: number };

/** What Trainer reads and advances of tf's AdamOptimizer for the fused update (tfjs-core 4.22,
 * adam_optimizer.ts): moments made lazily by the first applyGradients, position i ↔ variable i. */
type TAdamInternals = {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: ({ variable: tf.Variable } | undefined)[];
  accumulatedSecondMoment: ({ variable: tf.Variable } | undefined)[];
  incrementIterations(): void;
};

export class Trainer {
  readonly options: z.output<typeof ZTrainerOptions>;
  /** Trained variables and their checkpoint names, in a fixed order (gradient exchange relies on it). */
  readonly names: string[];
  readonly variables: tf.Variable[];
  readonly optimizer: tf.AdamOptimizer;
  private ema: tf.Variable[] | null;
  step = 0;

  constructor(
    readonly model: MusarModel,
    options: TTrainerOptions = {},
  ) {
    this.options = parseOrThrow(ZTrainerOptions, options, 'invalid trainer options');
    let named: Map<string, tf.Variable>;
    if (this.options.mode === 'adapter') {
      if (!model.lora) model.attachLora(this.options.seed);
      named = model.lora!.namedVariables();
    } else named = model.namedParams();
    this.names = [...named.keys()];
    this.variables = [...named.values()];
    this.optimizer = tf.train.adam(this.options.learningRate);
    this.ema =
      this.options.emaDecay > 0 ? this.variables.map((v) => tf.variable(tf.clone(v), false)) : null;
  }

  /** Prompt / reference dropout for classifier-free guidance, seeded per step. */
  private withDropout(batch: TTrainBatch, seed: number): TTrainBatch {
    const { promptDropout, referenceDropout } = this.options;
    const B = batch.images.shape[0];
    const k = batch.references?.shape[1] ?? 0;
    const rnd = mulberry32(seed);
    const keepPrompt = Array.from({ length: B }, () => rnd() >= promptDropout);
    const dropRefs = Array.from({ length: B }, () => rnd() < referenceDropout);
    const out: TTrainBatch = { ...batch };
    if (keepPrompt.some((x) => !x))
      out.prompt = tf.mul(batch.prompt, tf.tensor2d(keepPrompt.map(Number), [B, 1], 'int32'));
    if (k > 0 && dropRefs.some((x) => x))
      out.keepSubject = Array.from({ length: B }, (_, b) =>
        Array.from({ length: k }, (_, i) => !dropRefs[b] && (batch.keepSubject?.[b]?.[i] ?? true)),
      );
    return out;
  }

  /**
   * Loss and gradients of one (shard of a) batch, without applying them. `t` / `noise` fix the
   * timesteps and noise (tests, overfit checks); `dropout: false` disables guidance dropout.
   */
  computeGradients(
    batch: TTrainBatch,
    opts: { t?: tf.Tensor1D; noise?: tf.Tensor4D; dropout?: boolean; seed?: number } = {},
  ) {
    const seed = opts.seed ?? deriveSeed(this.options.seed, this.step);
    return tf.tidy(() => {
      const b = opts.dropout === false ? batch : this.withDropout(batch, deriveSeed(seed, 7));
      const { value, grads } = this.optimizer.computeGradients(
        () =>
          rectifiedFlowLoss(this.model, b, {
            seed,
            t: opts.t,
            noise: opts.noise,
            attention: this.options.attention,
            timestepLocation: this.options.timestepLocation,
          }),
        this.variables,
      );
      // Variables outside the graph (e.g. the last block's subject-branch MLP: contexts' last
      // outputs feed nothing) get no gradient; they count as zero.
      return { loss: value, grads: this.variables.map((v) => grads[v.name] ?? tf.zerosLike(v)) };
    });
  }

  /** Clips by global norm, applies, updates the EMA; returns the pre-clip norm. Disposes `grads`. */
  applyGradients(grads: tf.Tensor[], knownNorm?: number): number {
    const norm =
      knownNorm ??
      tf.tidy(() => tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g))))).dataSync()[0]!);
    const scale = Math.min(1, this.options.clipNorm / (norm + 1e-6));
    // tf's Adam reads its learning rate at every apply; warm-up sets it per step.
    (this.optimizer as unknown as { learningRate: number }).learningRate = this.learningRateAt(
      this.step,
    );
    tf.tidy(() => {
      // An array keeps the order fixed: Adam aligns its moments with variables by position.
      this.optimizer.applyGradients(
        this.variables.map((v, i) => ({
          name: v.name,
          tensor: scale < 1 ? tf.mul(grads[i]!, scale) : grads[i]!,
        })),
      );
    });
    tf.dispose(grads);
    if (this.ema) {
      // Warm-up (as in common EMA implementations): early on the average follows the live weights,
      // so a short run does not ship weights that are mostly the initialisation.
      const d = Math.min(this.options.emaDecay, (1 + this.step) / (10 + this.step));
      tf.tidy(() =>
        this.ema!.forEach((e, i) =>
          e.assign(tf.add(tf.mul(e, d), tf.mul(this.variables[i]!, 1 - d))),
        ),
      );
    }
    this.step++;
    return norm;
  }

  /** The learning rate of step `step`: linear warm-up, then constant or cosine decay phases. */
  learningRateAt(step: number): number {
    const { learningRate: lr, warmupSteps: w, lrDecay: d } = this.options;
    const warm = w > 0 ? Math.min(1, (step + 1) / w) : 1;
    let rate = lr;
    for (const phase of d === undefined ? [] : Array.isArray(d) ? d : [d]) {
      if (step < phase.fromStep) break;
      const t = Math.min(1, (step - phase.fromStep) / phase.steps);
      if (phase.fromLearningRate !== undefined) rate = phase.fromLearningRate;
      rate =
        phase.minLearningRate + (rate - phase.minLearningRate) * 0.5 * (1 + Math.cos(Math.PI * t));
    }
    return warm * rate;
  }

  /** Number of trained scalars: the length of a flat gradient. */
  get size(): number {
    return this.variables.reduce((n, v) => n + v.size, 0);
  }

  /**
   * Data parallelism: the loss of one shard, its gradients written into `out` in variable order
   * (a slot of shared memory), nothing applied.
   */
  gradientsInto(batch: TTrainBatch, out: Float32Array, opts: { seed?: number } = {}): number {
    const { loss, grads } = this.computeGradients(batch, opts);
    let o = 0;
    for (const g of grads) {
      const d = g.dataSync() as Float32Array;
      out.set(d, o);
      o += d.length;
    }
    const value = loss.dataSync()[0]!;
    tf.dispose([loss, ...grads]);
    return value;
  }

  /**
   * Applies a flat gradient (variable order, as written by gradientsInto); returns its norm.
   * `sumSquares`: Σ flat² when the caller has it (averageGradients returns it). On the wasm
   * backend with the native addon the update is one fused native pass per variable
   * (applyFlatFused), else tf's Adam and the EMA kernels (applyGradients).
   */
  applyFlat(flat: Float32Array, sumSquares?: number): number {
    const sq = sumSquares ?? averageGradients([flat], [1], null);
    if (this.applyFlatFused(flat, Math.sqrt(sq))) return Math.sqrt(sq);
    let o = 0;
    const grads = this.variables.map((v) => {
      const g = tf.tensor(flat.subarray(o, o + v.size), v.shape);
      o += v.size;
      return g;
    });
    return this.applyGradients(grads, Math.sqrt(sq));
  }

  /**
   * applyGradients' update (clip, Adam, EMA, step) from a flat gradient through the native
   * fused kernel, the moments and accBeta1/2 kept in tf's optimizer (state save and load read
   * them there) and advanced as tf advances them. False, having changed nothing, where it cannot
   * run: no addon or another backend, or before the first step (tf's Adam makes the moments).
   */
  private applyFlatFused(flat: Float32Array, norm: number): boolean {
    if (!fusedAdamUsable()) return false;
    const opt = this.optimizer as unknown as TAdamInternals;
    const n = this.variables.length;
    const m = opt.accumulatedFirstMoment;
    const v = opt.accumulatedSecondMoment;
    if (m.length !== n || v.length !== n || !m.every(Boolean) || !v.every(Boolean)) return false;
    const scale = Math.min(1, this.options.clipNorm / (norm + 1e-6));
    const lr = this.learningRateAt(this.step);
    opt.learningRate = lr;
    // accBeta1/2 are float32 scalars: tf computes 1 − acc and acc·β in float32 (fround: the
    // double result of one float operation rounds to the float one).
    const acc1 = opt.accBeta1.dataSync()[0]!;
    const acc2 = opt.accBeta2.dataSync()[0]!;
    const ok = fusedAdamEmaUpdate(
      this.variables.map((w, i) => ({
        w,
        m: m[i]!.variable,
        v: v[i]!.variable,
        e: this.ema?.[i] ?? null,
      })),
      flat,
      {
        // tf multiplies the gradient only when clipping (× 1 leaves a float unchanged).
        scale: scale < 1 ? scale : 1,
        learningRate: lr,
        beta1: opt.beta1,
        beta2: opt.beta2,
        epsilon: opt.epsilon,
        oneMinusAccBeta1: Math.fround(1 - acc1),
        oneMinusAccBeta2: Math.fround(1 - acc2),
        emaDecay: Math.min(this.options.emaDecay, (1 + this.step) / (10 + this.step)),
      },
    );
    if (!ok) return false;
    tf.tidy(() => {
      opt.accBeta1.assign(tf.scalar(Math.fround(acc1 * Math.fround(opt.beta1))));
      opt.accBeta2.assign(tf.scalar(Math.fround(acc2 * Math.fround(opt.beta2))));
    });
    opt.incrementIterations();
    this.step++;
    return true;
  }

  /** One full training step on a batch. */
  trainStep(
    batch: TTrainBatch,
    opts: { t?: tf.Tensor1D; noise?: tf.Tensor4D; dropout?: boolean } = {},
  ): TStepResult {
    const { loss, grads } = this.computeGradients(batch, opts);
    const value = loss.dataSync()[0]!;
    loss.dispose();
    const gradNorm = this.applyGradients(grads);
    return { loss: value, gradNorm, step: this.step };
  }

  /**
   * trainStep without synchronous reads: the webgpu backend in Node cannot read GPU data
   * synchronously (its readSync needs OffscreenCanvas), so loss and norm are awaited.
   */
  async trainStepAsync(
    batch: TTrainBatch,
    opts: { t?: tf.Tensor1D; noise?: tf.Tensor4D; dropout?: boolean } = {},
  ): Promise<TStepResult> {
    const { loss, grads } = this.computeGradients(batch, opts);
    // A chain of adds, not addN: webgpu's AddN pipeline fails beyond a few inputs (binding limits).
    const normT = tf.tidy(() =>
      tf.sqrt(grads.reduce<tf.Tensor>((acc, g) => tf.add(acc, tf.sum(tf.square(g))), tf.scalar(0))),
    );
    const [lv, nv] = await Promise.all([loss.data(), normT.data()]);
    tf.dispose([loss, normT]);
    const gradNorm = this.applyGradients(grads, nv[0]!);
    return { loss: lv[0]!, gradNorm, step: this.step };
  }

  /** Swaps live weights and EMA weights (call again to swap back): evaluate or save with EMA. */
  swapEma(): void {
    if (!this.ema) return;
    tf.tidy(() =>
      this.ema!.forEach((e, i) => {
        const live = tf.clone(this.variables[i]!);
        this.variables[i]!.assign(e);
        e.assign(live);
      }),
    );
  }

  /** Optimizer moments, EMA and step as safetensors bytes (resume). */
  async saveState(): Promise<Uint8Array> {
    const weights = await this.optimizer.getWeights();
    const arrays: TNamedArray[] = await Promise.all(
      weights.map(async (w, i) => ({
        name: `optimizer.${String(i).padStart(4, '0')}`,
        shape: w.tensor.shape,
        data: (await w.tensor.data()) as Float32Array,
      })),
    );
    for (const [i, e] of (this.ema ?? []).entries())
      arrays.push({
        name: `ema.${this.names[i]}`,
        shape: e.shape,
        data: (await e.data()) as Float32Array,
      });
    return encodeSafetensors(arrays, {
      step: String(this.step),
      mode: this.options.mode,
      names: JSON.stringify(this.names),
    });
  }

  async loadState(bytes: Uint8Array): Promise<void> {
    const { tensors, metadata } = decodeSafetensors(bytes);
    if (metadata.mode !== this.options.mode || metadata.names !== JSON.stringify(this.names))
      throw new CheckpointError(
        `trainer state is for mode "${metadata.mode}" with other variables; cannot resume`,
      );
    const opt = [...tensors.entries()]
      .filter(([n]) => n.startsWith('optimizer.'))
      .sort(([a], [b]) => a.localeCompare(b));
    if (opt.length > 0)
      await this.optimizer.setWeights(
        opt.map(([name, t]) => ({ name, tensor: tf.tensor(t.data, t.shape) })),
      );
    this.ema?.forEach((e, i) => {
      const t = tensors.get(`ema.${this.names[i]}`);
      if (!t) throw new CheckpointError(`trainer state lacks ema.${this.names[i]}`);
      e.assign(tf.tensor(t.data, t.shape));
    });
    this.step = Number(metadata.step ?? 0);
  }

  dispose(): void {
    this.optimizer.dispose();
    tf.dispose(this.ema ?? []);
  }
}
