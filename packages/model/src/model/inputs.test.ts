import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { microConfig as cfg, randomBatch } from '../../test/fixtures';
import { getPreset, parseConfig } from '../config';
import { rectifiedFlowLoss } from '../diffusion';
import { InvalidConfigError, InvalidInputError } from '../errors';
import { MusarModel } from './dit';

describe('bad input gives typed errors with clear messages', () => {
  const model = new MusarModel(cfg);

  it('wrong image size', () => {
    const batch = { ...randomBatch(cfg, 2, 1), images: tf.zeros([2, 32, 32, 3]) as tf.Tensor4D };
    expect(() => rectifiedFlowLoss(model, batch)).toThrow(InvalidInputError);
    expect(() => rectifiedFlowLoss(model, batch)).toThrow(
      /image shape \[2,32,32,3\] must be \[2, 16, 16, 3\]/,
    );
  });

  it('more subjects than the preset allows', () => {
    expect(() => rectifiedFlowLoss(model, randomBatch(cfg, 1, 4))).toThrow(
      /4 subjects but this model allows at most 3/,
    );
  });

  it('wrong dtype, prompt length and region maps', () => {
    const b = randomBatch(cfg, 2, 1);
    expect(() =>
      rectifiedFlowLoss(model, { ...b, prompt: tf.cast(b.prompt, 'float32') as tf.Tensor2D }),
    ).toThrow(/prompt\.dtype: expected dtype int32/);
    expect(() =>
      rectifiedFlowLoss(model, { ...b, prompt: tf.zeros([2, 9], 'int32') as tf.Tensor2D }),
    ).toThrow(/prompt has 9 tokens, config expects 4/);
    expect(() =>
      rectifiedFlowLoss(model, {
        ...b,
        regions: [
          [0, 1],
          [0, 0],
        ],
      }),
    ).toThrow(/invalid region map/);
    expect(() =>
      rectifiedFlowLoss(model, {
        ...b,
        regions: Array.from({ length: 2 }, () => Array(16).fill(1)),
      }),
    ).toThrow(/values in -1\.\.0/);
    expect(() => rectifiedFlowLoss(model, { ...b, condText: null })).toThrow(
      /condText and references must be given together/,
    );
  });

  it('inconsistent configs', () => {
    expect(() => parseConfig({ ...cfg, patchSize: 5 })).toThrow(InvalidConfigError);
    expect(() => parseConfig({ ...cfg, heads: 3 })).toThrow(/heads 3 must divide width 32/);
    expect(() => getPreset('tiny', { imageSize: Number.NaN })).toThrow(/imageSize/);
  });
});
