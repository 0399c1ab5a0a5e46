import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { microConfig as cfg } from '../../test/fixtures';
import { InvalidInputError } from '../errors';
import {
  inputArrays,
  modelPixels,
  subjectConditionText,
  type TInputSample,
  type TRgbPixels,
} from './input-data';
import { buildInputs } from './inputs';

// The builder against what its callers did before it existed (copied here as the reference):
// the compute thread's nearest-neighbour resize, the flat [0, 1] → [-1, 1] map of the retrain
// thread and the trainer, and their token layouts.

/** runner/src/thread/compute.ts toModelPixels, as it was. */
function oldComputePixels(image: TRgbPixels, size: number): Float32Array {
  const out = new Float32Array(size * size * 3);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const sx = Math.min(image.width - 1, Math.floor(((x + 0.5) * image.width) / size));
      const sy = Math.min(image.height - 1, Math.floor(((y + 0.5) * image.height) / size));
      for (let c = 0; c < 3; c++)
        out[(y * size + x) * 3 + c] = image.data[(sy * image.width + sx) * 3 + c]! * 2 - 1;
    }
  return out;
}

/** The trainer's generationInputs / toBatchArrays and the retrain thread, as they were. */
function oldArrays(samples: { prompt: string; conditions: string[]; references: TRgbPixels[] }[]) {
  const { imageSize: S, promptLength: Lp, condTextLength: Lc } = cfg;
  const B = samples.length;
  const k = samples[0]!.references.length;
  const px = S * S * 3;
  const prompt = new Int32Array(B * Lp);
  const condText = new Int32Array(B * k * Lc);
  const references = new Float32Array(B * k * px);
  samples.forEach((s, b) => {
    prompt.set(tokenize(s.prompt, Lp), b * Lp);
    for (let i = 0; i < k; i++) {
      condText.set(tokenize(s.conditions[i]!, Lc), (b * k + i) * Lc);
      const ref = s.references[i]!.data;
      for (let j = 0; j < px; j++) references[(b * k + i) * px + j] = ref[j]! * 2 - 1;
    }
  });
  return { prompt, condText, references };
}

/** A stand-in vocabulary: word ids from the words' letters, 0-padded. */
function tokenize(text: string, maxLength: number): Int32Array {
  const out = new Int32Array(maxLength);
  text
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, maxLength)
    .forEach((w, i) => (out[i] = 1 + ([...w].reduce((h, c) => h * 31 + c.charCodeAt(0), 7) % 97)));
  return out;
}

function image(width: number, height: number, seed: number): TRgbPixels {
  const data = new Float32Array(width * height * 3);
  for (let j = 0; j < data.length; j++) data[j] = ((j * 37 + seed * 101) % 256) / 255;
  return { width, height, data };
}

const S = cfg.imageSize;

describe('subjectConditionText', () => {
  it('is "a <class word>", as the generate job and feedback data wrote it', () => {
    expect(subjectConditionText('star toy')).toBe('a star toy');
    expect(subjectConditionText('toy')).toBe('a toy');
  });
});

describe('modelPixels', () => {
  it('maps an image of the model size exactly as the flat map did', () => {
    const img = image(S, S, 1);
    const flat = Float32Array.from(img.data, (v) => v * 2 - 1);
    expect(modelPixels(img, S)).toEqual(flat);
    expect(modelPixels(img, S)).toEqual(oldComputePixels(img, S));
  });

  it('resizes any other size as the compute thread did (nearest neighbour)', () => {
    for (const [w, h] of [
      [32, 32],
      [7, 5],
      [S * 2, S],
      [3, 40],
    ] as const) {
      const img = image(w, h, w + h);
      expect(modelPixels(img, S), `${w}×${h}`).toEqual(oldComputePixels(img, S));
    }
  });

  it('writes into a batch at an offset, and refuses data that is not the image', () => {
    const out = new Float32Array(2 * S * S * 3).fill(9);
    modelPixels(image(S, S, 2), S, out, S * S * 3);
    expect(out.subarray(0, S * S * 3).every((v) => v === 9)).toBe(true);
    expect(out.subarray(S * S * 3)).toEqual(modelPixels(image(S, S, 2), S));
    expect(() => modelPixels({ width: 4, height: 4, data: new Float32Array(10) }, S)).toThrow(
      InvalidInputError,
    );
    expect(() => modelPixels(image(S, S, 1), S, out, S * S * 3 + 1)).toThrow(/no room/);
  });
});

describe('inputArrays and buildInputs', () => {
  const samples = [
    { prompt: 'a star toy left of a moon toy', classWords: ['star toy', 'moon toy'] },
    { prompt: 'a heart toy above a cube toy on grass', classWords: ['heart toy', 'cube toy'] },
  ].map((s, b) => ({
    prompt: s.prompt,
    conditions: s.classWords.map(subjectConditionText),
    references: s.classWords.map((_, i) => image(S, S, 10 * b + i)),
  }));
  const asInput = (s: (typeof samples)[number]): TInputSample => ({
    prompt: s.prompt,
    subjects: s.references.map((reference, i) => ({ condition: s.conditions[i]!, reference })),
  });

  it('lays out prompt ids, condition ids and references as the callers did', () => {
    const a = inputArrays(cfg, samples.map(asInput), tokenize);
    expect({ batch: a.batch, subjects: a.subjects }).toEqual({ batch: 2, subjects: 2 });
    expect(a).toMatchObject(oldArrays(samples));
  });

  it('makes the tensors the model takes (validated), prompt only without subjects', () => {
    const before = tf.memory().numTensors;
    const inputs = buildInputs(cfg, samples.map(asInput), tokenize);
    expect(inputs.prompt.shape).toEqual([2, cfg.promptLength]);
    expect(inputs.condText!.shape).toEqual([2, 2, cfg.condTextLength]);
    expect(inputs.references!.shape).toEqual([2, 2, S, S, 3]);
    expect(inputs.references!.dataSync()).toEqual(oldArrays(samples).references);
    tf.dispose(Object.values(inputs));
    const promptOnly = buildInputs(cfg, [{ prompt: 'a star toy', subjects: [] }], tokenize);
    expect(Object.keys(promptOnly)).toEqual(['prompt']);
    promptOnly.prompt.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a batch whose samples differ in subjects, or more subjects than the model takes', () => {
    const before = tf.memory().numTensors;
    const [first, second] = samples.map(asInput);
    expect(() =>
      buildInputs(cfg, [first!, { ...second!, subjects: second!.subjects.slice(1) }], tokenize),
    ).toThrow(/same number of subjects/);
    const many = { ...first!, subjects: Array(cfg.maxSubjects + 1).fill(first!.subjects[0]) };
    expect(() => buildInputs(cfg, [many], tokenize)).toThrow(/at most/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
