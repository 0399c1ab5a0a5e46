import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { decodeSafetensors } from '@musar/model';
import { runStage } from './loop';
import { exportRun, loadModelDir } from './model-dir';
import { stageConfig } from './stages';

const tmp = () => mkdtemp(join(tmpdir(), 'musar-loop-'));
const tensors = async (p: string) => decodeSafetensors(new Uint8Array(await readFile(p))).tensors;

describe('training loop', () => {
  it('resumes exactly: 2 + 2 steps equal 4 uninterrupted steps, and the adapter exports and reloads', async () => {
    const stage = (steps: number) =>
      stageConfig('base', { batchSize: 2, steps, checkpointEvery: 1000, seed: 5 });
    const a = await tmp();
    const full = await runStage({ stage: stage(4), runDir: a });
    full.trainer.dispose();
    full.model.dispose();
    const b = await tmp();
    const first = await runStage({ stage: stage(2), runDir: b });
    expect(first.state.step).toBe(2);
    first.trainer.dispose();
    first.model.dispose();
    const second = await runStage({ stage: stage(4), runDir: b });
    expect(second.state.step).toBe(4);
    second.trainer.dispose();
    second.model.dispose();
    const [ta, tb] = [
      await tensors(join(a, 'live.safetensors')),
      await tensors(join(b, 'live.safetensors')),
    ];
    expect([...tb.keys()]).toEqual([...ta.keys()]);
    let maxDiff = 0;
    let moved = 0;
    for (const [name, x] of ta) {
      const y = tb.get(name)!;
      for (let i = 0; i < x.data.length; i++)
        maxDiff = Math.max(maxDiff, Math.abs(x.data[i]! - y.data[i]!));
    }
    expect(maxDiff).toBeLessThan(1e-5);
    // …and training really changed the weights (the comparison is not between two untouched inits).
    const init = await runStage({
      stage: stageConfig('base', { batchSize: 2, steps: 1, seed: 5 }),
      runDir: await tmp(),
      maxSeconds: 0,
    });
    const t0 = init.model.namedParams();
    for (const [name, x] of ta) {
      const v = t0.get(name)!.dataSync();
      for (let i = 0; i < x.data.length; i++) moved = Math.max(moved, Math.abs(x.data[i]! - v[i]!));
    }
    init.trainer.dispose();
    init.model.dispose();
    expect(moved).toBeGreaterThan(1e-4);

    // An adapter trained on that base exports with a card and loads back with its base.
    const baseDir = join(await tmp(), 'base');
    await exportRun(a, baseDir, {
      name: 'base',
      kind: 'base',
      stage: 'base',
      data: '',
      steps: 4,
      samples: 8,
      wallClockSeconds: 1,
      hardware: 'test',
      backend: 'wasm',
      command: 'test',
      metrics: {},
    });
    const run = await tmp();
    const adapter = await runStage({
      stage: stageConfig('naive-diptych', { batchSize: 1, steps: 1 }),
      runDir: run,
      baseDir,
    });
    expect(adapter.model.lora?.shared).toBe(true);
    adapter.trainer.dispose();
    adapter.model.dispose();
    const adapterDir = join(join(baseDir, '..'), 'naive');
    await exportRun(run, adapterDir, {
      name: 'naive',
      kind: 'adapter',
      base: '../base',
      stage: 'naive-diptych',
      data: '',
      steps: 1,
      samples: 1,
      wallClockSeconds: 1,
      hardware: 'test',
      backend: 'wasm',
      command: 'test',
      metrics: {},
    });
    const before = tf.memory().numTensors;
    const { model, card } = await loadModelDir(adapterDir);
    expect(card.kind).toBe('adapter');
    expect(model.lora?.shared).toBe(true);
    model.dispose();
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before + 1);
  });

  it('an adapter stage without a base folder fails with a clear message', async () => {
    await expect(
      runStage({ stage: stageConfig('musar', { batchSize: 1, steps: 1 }), runDir: await tmp() }),
    ).rejects.toThrow(/give the base model folder/);
  });
});
