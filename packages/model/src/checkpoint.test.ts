import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { maxAbsDiff, microConfig as cfg, randomBatch } from '../test/fixtures';
import {
  decodeSafetensors,
  encodeSafetensors,
  loadAdapter,
  loadCheckpoint,
  saveCheckpoint,
} from './checkpoint';
import { CheckpointError } from './errors';
import { MusarModel } from './model/dit';
import { staticRoutingPlan } from './routing/plan';

describe('checkpoints (safetensors layout)', () => {
  it('writes the documented byte layout', () => {
    const bytes = encodeSafetensors(
      [{ name: 'a', shape: [2], data: new Float32Array([1.5, -2]) }],
      { k: 'v' },
    );
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(header.a).toEqual({ dtype: 'F32', shape: [2], data_offsets: [0, 8] });
    expect(header.__metadata__).toEqual({ k: 'v' });
    expect(new DataView(bytes.buffer).getFloat32(8 + n + 4, true)).toBe(-2);
    expect(decodeSafetensors(bytes).tensors.get('a')!.data).toEqual(new Float32Array([1.5, -2]));
  });

  it('round-trips base and adapter weights to identical outputs', () => {
    const model = new MusarModel(cfg, { seed: 2, adaLNZero: false });
    model.attachLora(1);
    for (const v of model.lora!.variables())
      v.assign(tf.randomNormal(v.shape, 0, 0.1, 'float32', 3));
    const base = saveCheckpoint(model, { name: 'micro', kind: 'base', steps: 10 });
    const adapter = saveCheckpoint(model, { name: 'micro-lora', kind: 'adapter' });
    const loaded = loadCheckpoint({ weights: base.weights, config: base.config });
    loadAdapter(loaded, adapter.weights);
    const batch = randomBatch(cfg, 1, 1, 5);
    const xt = tf.randomNormal([1, 16, 16, 3]) as tf.Tensor4D;
    const t = tf.tensor1d([0.5]);
    const plan = staticRoutingPlan({ subjects: 1, batch: 1 });
    expect(maxAbsDiff(model.forward(batch, xt, t, plan), loaded.forward(batch, xt, t, plan))).toBe(
      0,
    );
    expect(base.card.createdAt).toMatch(/^\d{4}-/);
  });

  it('rejects missing, misshaped and foreign tensors with a clear CheckpointError', () => {
    const model = new MusarModel(cfg);
    const { weights, config } = saveCheckpoint(model, { name: 'm', kind: 'base' });
    const { tensors, metadata } = decodeSafetensors(weights);
    const without = [...tensors.values()].filter((t) => t.name !== 'blocks.1.mlp.fc1.weight');
    expect(() => loadCheckpoint({ weights: encodeSafetensors(without, metadata), config })).toThrow(
      /missing tensor\(s\): blocks\.1\.mlp\.fc1\.weight/,
    );
    const misshaped = [...tensors.values()].map((t) =>
      t.name === 'final.linear.bias' ? { ...t, shape: [3, 16], data: t.data } : t,
    );
    expect(() =>
      loadCheckpoint({ weights: encodeSafetensors(misshaped, metadata), config }),
    ).toThrow(CheckpointError);
    expect(() =>
      loadCheckpoint({ weights: encodeSafetensors(misshaped, metadata), config }),
    ).toThrow(/final\.linear\.bias has shape \[3,16\], model expects \[48\]/);
    expect(() => loadCheckpoint({ weights, config: { ...config, width: 64 } })).toThrow(
      /another config \(differs in: width\)/,
    );
    expect(() => loadCheckpoint({ weights: weights.subarray(0, 20), config })).toThrow(
      CheckpointError,
    );
    expect(() => loadAdapter(model, weights)).toThrow(/expected an adapter checkpoint/);
  });
});
