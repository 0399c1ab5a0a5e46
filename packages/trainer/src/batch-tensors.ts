import * as tf from '@tensorflow/tfjs-core';
import type { TMusarConfig, TTrainBatch } from '@musar/model';
import type { TBatchArrays } from './data';

// Batch arrays (built tf-free, possibly on another thread) → tensors, and back to nothing.
// Used by the training loop and by every data-parallel training thread.

export function toTensors(a: TBatchArrays, cfg: TMusarConfig): TTrainBatch {
  const S = cfg.imageSize;
  const k = a.subjects;
  return {
    images: tf.tensor4d(a.images, [a.batch, S, S, 3]),
    prompt: tf.tensor2d(a.prompt, [a.batch, cfg.promptLength], 'int32'),
    condText: k > 0 ? tf.tensor3d(a.condText, [a.batch, k, cfg.condTextLength], 'int32') : null,
    references: k > 0 ? tf.tensor5d(a.references, [a.batch, k, S, S, 3]) : null,
    regions: a.regions,
    ...(a.isolateRegions ? { isolateRegions: true } : {}),
    ...(a.subjectsOpen ? { subjectsOpen: true } : {}),
    lossWeights: a.lossWeights ? tf.tensor4d(a.lossWeights, [a.batch, S, S, 1]) : null,
  };
}

export function disposeBatch(b: TTrainBatch): void {
  tf.dispose([
    b.images,
    b.prompt,
    ...(b.condText ? [b.condText] : []),
    ...(b.references ? [b.references] : []),
    ...(b.lossWeights ? [b.lossWeights] : []),
  ]);
}
