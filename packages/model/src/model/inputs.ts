import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { gridSide, tokensPerImage, type TMusarConfig } from '../config';
import { InvalidInputError, parseOrThrow } from '../errors';
import { inputArrays, type TInputSample, type TTokenize } from './input-data';

/** Model inputs besides the noisy target: prompt ids and, per subject, condition text + reference. */
export type TModelInputs = {
  /** int32 [B, promptLength] word ids (0 = pad; all-pad = null prompt). */
  prompt: tf.Tensor2D;
  /** int32 [B, k, condTextLength] per-subject condition text ids ("a star toy"); omit for k = 0. */
  condText?: tf.Tensor3D | null;
  /** float32 [B, k, H, W, 3] per-subject reference images in [-1, 1]; omit for k = 0. */
  references?: tf.Tensor5D | null;
};

const shapeOf = (t: tf.Tensor | null | undefined) =>
  t ? { shape: t.shape, dtype: t.dtype } : null;

/** Validates shapes and dtypes against the config; returns (batch, subjects). */
export function validateInputs(
  cfg: TMusarConfig,
  inputs: TModelInputs,
  images?: tf.Tensor | null,
): { batch: number; subjects: number } {
  const S = cfg.imageSize;
  const dims = (n: number) => z.array(z.number().int()).length(n, `expected rank ${n}`);
  const ZT = (rank: number, dtype: 'int32' | 'float32') =>
    z.object({ shape: dims(rank), dtype: z.literal(dtype, { error: `expected dtype ${dtype}` }) });
  const v = parseOrThrow(
    z.object({
      prompt: ZT(2, 'int32'),
      condText: ZT(3, 'int32').nullable(),
      references: ZT(5, 'float32').nullable(),
      images: ZT(4, 'float32').nullable(),
    }),
    {
      prompt: shapeOf(inputs.prompt),
      condText: shapeOf(inputs.condText),
      references: shapeOf(inputs.references),
      images: shapeOf(images),
    },
    'invalid model inputs',
  );
  const B = v.prompt.shape[0]!;
  const errors: string[] = [];
  if (v.prompt.shape[1] !== cfg.promptLength)
    errors.push(`prompt has ${v.prompt.shape[1]} tokens, config expects ${cfg.promptLength}`);
  if (!!v.condText !== !!v.references)
    errors.push('condText and references must be given together');
  const k = v.references?.shape[1] ?? 0;
  if (k > cfg.maxSubjects)
    errors.push(`${k} subjects but this model allows at most ${cfg.maxSubjects}`);
  if (
    v.condText &&
    (v.condText.shape[0] !== B ||
      v.condText.shape[1] !== k ||
      v.condText.shape[2] !== cfg.condTextLength)
  )
    errors.push(`condText shape [${v.condText.shape}] must be [${B}, ${k}, ${cfg.condTextLength}]`);
  if (v.references) {
    const [rb, , h, w, c] = v.references.shape;
    if (rb !== B || h !== S || w !== S || c !== 3)
      errors.push(`references shape [${v.references.shape}] must be [${B}, k, ${S}, ${S}, 3]`);
  }
  if (v.images) {
    const [ib, h, w, c] = v.images.shape;
    if (ib !== B || h !== S || w !== S || c !== 3)
      errors.push(`image shape [${v.images.shape}] must be [${B}, ${S}, ${S}, 3] (imageSize ${S})`);
  }
  if (errors.length) throw new InvalidInputError(`invalid model inputs: ${errors.join('; ')}`);
  return { batch: B, subjects: k };
}

/** Inputs as buildInputs makes them: the subjects' tensors only when there are subjects. */
export type TBuiltInputs = {
  prompt: tf.Tensor2D;
  condText?: tf.Tensor3D;
  references?: tf.Tensor5D;
};

/**
 * The model inputs of B samples that share their number of subjects: the prompt ids and, per
 * subject, the condition text ids and the reference image (inputArrays: pixels resized to the
 * model's size and mapped to [-1, 1]), as tensors checked by validateInputs. With no subjects only
 * the prompt is given. The one builder every caller uses — the worker, the retrain's evaluation,
 * the trainer's evaluation and the CLI. The caller disposes the tensors.
 */
export function buildInputs(
  cfg: TMusarConfig,
  samples: readonly TInputSample[],
  tokenize: TTokenize,
): TBuiltInputs {
  const a = inputArrays(cfg, samples, tokenize);
  const { imageSize: S, promptLength: Lp, condTextLength: Lc } = cfg;
  const prompt = tf.tensor2d(a.prompt, [a.batch, Lp], 'int32');
  if (a.subjects === 0) return { prompt };
  const inputs = {
    prompt,
    condText: tf.tensor3d(a.condText, [a.batch, a.subjects, Lc], 'int32'),
    references: tf.tensor5d(a.references, [a.batch, a.subjects, S, S, 3], 'float32'),
  };
  try {
    validateInputs(cfg, inputs);
  } catch (error) {
    tf.dispose(Object.values(inputs));
    throw error;
  }
  return inputs;
}

/** Region maps at patch-grid resolution: [B][g·g] or flat, values -1 (background) or a subject index. */
export function validateRegion(
  cfg: TMusarConfig,
  region: Int32Array | number[][] | null | undefined,
  batch: number,
  subjects: number,
): Int32Array | null {
  if (!region) return null;
  const n = tokensPerImage(cfg);
  const flat = region instanceof Int32Array ? region : Int32Array.from(region.flat());
  const ok =
    flat.length === batch * n && flat.every((x) => Number.isInteger(x) && x >= -1 && x < subjects);
  if (!ok)
    throw new InvalidInputError(
      `invalid region map: need ${batch}×${gridSide(cfg)}×${gridSide(cfg)} values in -1..${subjects - 1}`,
    );
  return flat;
}
