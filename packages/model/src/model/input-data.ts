import type { TMusarConfig } from '../config';
import { InvalidInputError } from '../errors';

// ---------------------------------------------------------------------------------------------
// Model inputs from data — the one place reference pixels and condition texts become what the
// model takes. Tensor-free (the web server and the domain code import it through
// `@musar/model/inputs`); buildInputs (inputs.ts) makes the tensors. The vocabulary is the
// caller's: the model sees word ids only, so the tokenizer is passed in.
// ---------------------------------------------------------------------------------------------

/** An RGB image as the data packages hold it: values in [0, 1], row-major, 3 channels a pixel. */
export type TRgbPixels = { width: number; height: number; data: ArrayLike<number> };

/** Word ids of `text`, cut or padded (0) to `maxLength`. */
export type TTokenize = (text: string, maxLength: number) => ArrayLike<number>;

/** One subject of a sample: its condition text and its reference image. */
export type TInputSubject = { condition: string; reference: TRgbPixels };

/** One sample: the prompt and its subjects in prompt order. */
export type TInputSample = { prompt: string; subjects: readonly TInputSubject[] };

/** The condition text of a subject from its class word: "a <class word>" ("a star toy"). */
export const subjectConditionText = (classWord: string): string => `a ${classWord}`;

/**
 * An image as the model takes it: resized to size×size (nearest neighbour; an image of that size
 * is copied as it is) and mapped from [0, 1] to [-1, 1]. Written into `out` at `offset` (a new
 * array by default), which is returned.
 */
export function modelPixels(
  image: TRgbPixels,
  size: number,
  out: Float32Array = new Float32Array(size * size * 3),
  offset = 0,
): Float32Array {
  const { width: w, height: h, data } = image;
  if (!(w > 0 && h > 0) || data.length !== w * h * 3)
    throw new InvalidInputError(
      `image data has ${data.length} values, a ${w}×${h} RGB image has ${w * h * 3}`,
    );
  if (offset < 0 || offset + size * size * 3 > out.length)
    throw new InvalidInputError(`no room for a ${size}×${size} image at offset ${offset}`);
  if (w === size && h === size) {
    for (let j = 0; j < size * size * 3; j++) out[offset + j] = data[j]! * 2 - 1;
    return out;
  }
  for (let y = 0; y < size; y++) {
    const sy = Math.min(h - 1, Math.floor(((y + 0.5) * h) / size));
    for (let x = 0; x < size; x++) {
      const sx = Math.min(w - 1, Math.floor(((x + 0.5) * w) / size));
      for (let c = 0; c < 3; c++)
        out[offset + (y * size + x) * 3 + c] = data[(sy * w + sx) * 3 + c]! * 2 - 1;
    }
  }
  return out;
}

export type TInputArrays = {
  batch: number;
  subjects: number;
  /** int32 [B, promptLength] */
  prompt: Int32Array;
  /** int32 [B, k, condTextLength] */
  condText: Int32Array;
  /** float32 [B, k, S, S, 3] in [-1, 1] */
  references: Float32Array;
};

/** The input arrays of B samples that share their number of subjects k (a batch's token layout
 * is fixed): prompt ids, per subject condition ids and reference pixels (modelPixels). */
export function inputArrays(
  cfg: Pick<TMusarConfig, 'imageSize' | 'promptLength' | 'condTextLength'>,
  samples: readonly TInputSample[],
  tokenize: TTokenize,
): TInputArrays {
  const { imageSize: S, promptLength: Lp, condTextLength: Lc } = cfg;
  const B = samples.length;
  const k = samples[0]?.subjects.length ?? 0;
  if (samples.some((s) => s.subjects.length !== k))
    throw new InvalidInputError('every sample of a batch needs the same number of subjects');
  const px = S * S * 3;
  const prompt = new Int32Array(B * Lp);
  const condText = new Int32Array(B * k * Lc);
  const references = new Float32Array(B * k * px);
  samples.forEach((sample, b) => {
    prompt.set(ids(tokenize, sample.prompt, Lp), b * Lp);
    sample.subjects.forEach((s, i) => {
      condText.set(ids(tokenize, s.condition, Lc), (b * k + i) * Lc);
      modelPixels(s.reference, S, references, (b * k + i) * px);
    });
  });
  return { batch: B, subjects: k, prompt, condText, references };
}

function ids(tokenize: TTokenize, text: string, length: number): ArrayLike<number> {
  const out = tokenize(text, length);
  if (out.length !== length)
    throw new InvalidInputError(`tokenize gave ${out.length} ids for length ${length}`);
  return out;
}
