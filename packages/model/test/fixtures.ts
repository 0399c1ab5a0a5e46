import * as tf from '@tensorflow/tfjs-core';
import { parseConfig, type TMusarConfig } from '../src/config';
import type { TTrainBatch } from '../src/diffusion';

/** A micro config: 16×16 images, 4×4 patch grid, width 32 — fast enough for exhaustive checks. */
export const microConfig: TMusarConfig = parseConfig({
  imageSize: 16,
  patchSize: 4,
  width: 32,
  depth: 2,
  heads: 2,
  mlpRatio: 2,
  vocabSize: 16,
  promptLength: 4,
  condTextLength: 2,
  maxSubjects: 3,
  lora: { noiseRank: 2, noiseAlpha: 2, subjectRank: 4, subjectAlpha: 4 },
});

/** A deterministic random batch with k subjects. */
export function randomBatch(cfg: TMusarConfig, B: number, k: number, seed = 1): TTrainBatch {
  const S = cfg.imageSize;
  return {
    images: tf.randomUniform([B, S, S, 3], -1, 1, 'float32', seed) as tf.Tensor4D,
    prompt: tf.randomUniform(
      [B, cfg.promptLength],
      1,
      cfg.vocabSize,
      'int32',
      seed + 1,
    ) as tf.Tensor2D,
    condText: k
      ? (tf.randomUniform(
          [B, k, cfg.condTextLength],
          1,
          cfg.vocabSize,
          'int32',
          seed + 2,
        ) as tf.Tensor3D)
      : null,
    references: k
      ? (tf.randomUniform([B, k, S, S, 3], -1, 1, 'float32', seed + 3) as tf.Tensor5D)
      : null,
  };
}

export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

/** Rows [i0, i1) of a [N, D] tensor as a plain array. */
export function rowsOf(t: tf.Tensor2D, i0: number, i1: number): Float32Array {
  return tf.tidy(() => tf.slice(t, [i0, 0], [i1 - i0, t.shape[1]]).dataSync() as Float32Array);
}
