import * as tf from '@tensorflow/tfjs-core';
import { tokensPerImage } from './config';
import { validateInputs, validateRegion, type TModelInputs } from './model/inputs';
import type { MusarModel } from './model/dit';
import { deriveSeed } from './random';
import { fullAttentionPlan, staticRoutingPlan, type TRoutingPlan } from './routing/plan';

// ---------------------------------------------------------------------------------------------
// Rectified flow: x_t = (1 − t)·x0 + t·ε, the model predicts v = ε − x0, t ~ logit-normal.
// Sampling integrates dx/dt = v from t = 1 (noise) to t = 0 (image): see sampler.ts.
// ---------------------------------------------------------------------------------------------

/** A training batch. Images and references in [-1, 1]; ids int32; regions on the patch grid. */
export type TTrainBatch = TModelInputs & {
  /** float32 [B, H, W, 3] target images x0. */
  images: tf.Tensor4D;
  /** Optional X → Ci region maps ([B][g·g] or flat), -1 = background (diptych halves, routing maps). */
  regions?: Int32Array | number[][] | null;
  /** Optional [B][k] condition dropout: false hides subject i from sample b. */
  keepSubject?: boolean[][] | null;
  /** X ↔ X limited to each region too (a diptych's halves denoised as separate images). */
  isolateRegions?: boolean;
  /** With `isolateRegions`: the regions isolate X ↔ X only; X → every Ci stays open. */
  subjectsOpen?: boolean;
  /** Optional float32 [B, H, W, 1] per-pixel loss weights (e.g. subject pixels above background);
   * the loss is then the weighted mean. Null or absent: every pixel counts the same. */
  lossWeights?: tf.Tensor4D | null;
};

/** Attention layout used while training: MUSAR's static routing, or full attention (ablation). */
export type TAttentionMode = 'static' | 'full';

/** t = sigmoid(n), n ~ N(location, 1): more weight on the middle of the path (SD3's logit-normal). */
export function logitNormalTimesteps(batch: number, seed: number, location = 0): tf.Tensor1D {
  return tf.tidy(() => tf.sigmoid(tf.randomNormal([batch], location, 1, 'float32', seed)));
}

/** The routing plan of a training batch. */
export function trainingPlan(
  model: MusarModel,
  batch: TTrainBatch,
  mode: TAttentionMode = 'static',
): TRoutingPlan {
  const { batch: B, subjects: k } = validateInputs(model.cfg, batch, batch.images);
  if (mode === 'full') return fullAttentionPlan(k, B);
  const region = validateRegion(model.cfg, batch.regions, B, k);
  const isolateRegions = (batch.isolateRegions ?? false) && region !== null;
  return staticRoutingPlan({
    subjects: k,
    batch: B,
    region,
    keepSubject: batch.keepSubject ?? null,
    targetLength: tokensPerImage(model.cfg),
    isolateRegions,
    subjectsOpen: isolateRegions && (batch.subjectsOpen ?? false),
  });
}

/**
 * Mean squared error between predicted and true velocity (weighted by `batch.lossWeights` where
 * given). `t` and `noise` may be fixed by the caller (tests, overfit checks); otherwise they are
 * drawn from `seed`.
 */
export function rectifiedFlowLoss(
  model: MusarModel,
  batch: TTrainBatch,
  opts: {
    seed?: number;
    t?: tf.Tensor1D;
    noise?: tf.Tensor4D;
    attention?: TAttentionMode;
    /** Location of the logit-normal timesteps (0: SD3's default). */
    timestepLocation?: number;
  } = {},
): tf.Scalar {
  const plan = trainingPlan(model, batch, opts.attention);
  return tf.tidy(() => {
    const x0 = batch.images;
    const B = x0.shape[0];
    const seed = opts.seed ?? 0;
    const t = opts.t ?? logitNormalTimesteps(B, deriveSeed(seed, 1), opts.timestepLocation ?? 0);
    const eps =
      opts.noise ??
      (tf.randomNormal(x0.shape, 0, 1, 'float32', deriveSeed(seed, 2)) as tf.Tensor4D);
    const tb = tf.reshape(t, [B, 1, 1, 1]);
    const xt = tf.add(tf.mul(tf.sub(1, tb), x0), tf.mul(tb, eps)) as tf.Tensor4D;
    const v = model.forward(batch, xt, t, plan);
    const sq = tf.square(tf.sub(v, tf.sub(eps, x0)));
    const w = batch.lossWeights;
    if (!w) return tf.mean(sq) as tf.Scalar;
    if (w.shape.join() !== [...x0.shape.slice(0, 3), 1].join())
      throw new Error(
        `lossWeights is [${w.shape.join(', ')}], want [${x0.shape.slice(0, 3).join(', ')}, 1]`,
      );
    // Σ w·err² / (3·Σ w): the plain mean when every weight is equal (0 when every weight is 0).
    return tf.div(tf.sum(tf.mul(sq, w)), tf.maximum(tf.mul(tf.sum(w), 3), 1e-12)) as tf.Scalar;
  });
}
