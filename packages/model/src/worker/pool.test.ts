import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { maxAbsDiff, microConfig as cfg, randomBatch } from '../../test/fixtures';
import { decodeSafetensors, saveCheckpoint } from '../checkpoint';
import { MusarModel } from '../model/dit';
import { deriveSeed } from '../random';
import { generate } from '../sampler';
import { Trainer } from '../train';
import { MusarWorkerPool } from './pool';
import { inputsToWire, toWire } from './protocol';

describe('worker pool (2 threads, wasm each)', () => {
  const model = new MusarModel(cfg, { seed: 12, adaLNZero: false });
  const checkpoint = saveCheckpoint(model, { name: 'pool-test', kind: 'base' });
  const pools: MusarWorkerPool[] = [];
  afterAll(async () => Promise.all(pools.map((p) => p.close())));

  it('splits generation across workers and matches single-thread generation', async () => {
    const pool = await MusarWorkerPool.start({ workers: 2, backend: 'wasm', checkpoint });
    pools.push(pool);
    expect(pool.backend).toBe('wasm');
    const b = randomBatch(cfg, 3, 2, 61);
    const inputs = { prompt: b.prompt, condText: b.condText, references: b.references };
    const options = { steps: 3, seed: 5, routing: { startStep: 1 } };
    const par = await pool.generate(inputsToWire(inputs), options);
    const seq = generate(model, inputs, options);
    expect(par.images.shape).toEqual([3, 16, 16, 3]);
    expect(maxAbsDiff(tf.tensor(par.images.data, par.images.shape), seq.images)).toBeLessThan(1e-4);
    expect([...par.routingMap!]).toEqual([...seq.routingMap!]);
  });

  it('data-parallel training applies the size-weighted mean of shard gradients on every replica', async () => {
    const trainer = { mode: 'full' as const, learningRate: 1e-3, seed: 3, emaDecay: 0 };
    const pool = await MusarWorkerPool.start({ workers: 2, backend: 'wasm', checkpoint, trainer });
    pools.push(pool);
    const b = randomBatch(cfg, 4, 1, 71);
    const wire = { ...inputsToWire(b), images: toWire(b.images) };
    const r = await pool.trainStep(wire);
    expect(r.step).toBe(1);
    expect(Number.isFinite(r.loss)).toBe(true);
    // The same step on the main thread: shards [0,2) and [2,4) with the pool's seeds.
    const local = new Trainer(model, trainer);
    const shard = (from: number, to: number) => ({
      prompt: tf.slice(b.prompt, [from, 0], [to - from, -1]),
      condText: tf.slice(b.condText!, [from, 0, 0], [to - from, -1, -1]),
      references: tf.slice(b.references!, [from, 0, 0, 0, 0], [to - from, -1, -1, -1, -1]),
      images: tf.slice(b.images, [from, 0, 0, 0], [to - from, -1, -1, -1]),
    });
    const g0 = local.computeGradients(shard(0, 2), { seed: deriveSeed(3, 0, 0) });
    const g1 = local.computeGradients(shard(2, 4), { seed: deriveSeed(3, 0, 1) });
    expect((g0.loss.dataSync()[0]! + g1.loss.dataSync()[0]!) / 2).toBeCloseTo(r.loss, 4);
    local.applyGradients(g0.grads.map((g, i) => tf.div(tf.add(g, g1.grads[i]!), 2)));
    const remote = decodeSafetensors(await pool.exportWeights('base')).tensors;
    let worst = 0;
    for (const [name, v] of model.namedParams())
      worst = Math.max(worst, maxAbsDiff(v, tf.tensor(remote.get(name)!.data, v.shape)));
    expect(worst).toBeLessThan(1e-5);
  });

  it('reports worker-side validation errors as typed errors', async () => {
    const pool = pools[0]!;
    const b = randomBatch(cfg, 1, 2, 81);
    await expect(pool.generate(inputsToWire(b), { routing: { beta: Number.NaN } })).rejects.toThrow(
      /invalid routing parameters/,
    );
  });
});
