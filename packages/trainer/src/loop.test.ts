import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { decodeSafetensors, getPreset, MusarModel, saveCheckpoint } from '@musar/model';
import { mkdir, writeFile } from 'node:fs/promises';
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

  it('a MUSAR stage starts from a single-branch adapter with its ranks, and resumes with them', async () => {
    const baseDir = join(await tmp(), 'base');
    await mkdir(baseDir);
    const base = new MusarModel(getPreset('tiny', { promptLength: 24 }), {
      seed: 3,
      adaLNZero: false,
    });
    const ck = saveCheckpoint(base, { name: 'b', kind: 'base' });
    await writeFile(join(baseDir, 'weights.safetensors'), ck.weights);
    await writeFile(join(baseDir, 'config.json'), JSON.stringify(ck.config));
    base.dispose();
    // An identity-like adapter: single-branch, trained two steps so its B is not zero.
    const idRun = await tmp();
    const id = await runStage({
      stage: stageConfig('single-ref', { batchSize: 1, steps: 2, learningRate: 1e-2 }),
      runDir: idRun,
      baseDir,
    });
    id.trainer.dispose();
    id.model.dispose();
    // The run's weights.safetensors holds its EMA adapter: that is what starts the MUSAR stage.
    const identity = new Uint8Array(await readFile(join(idRun, 'weights.safetensors')));
    const layer = 'blocks.0.attn.qkv';
    const t = decodeSafetensors(identity).tensors;
    const [A, B] = ['A', 'B'].map((x) => t.get(`${layer}.lora_shared.${x}`)!);
    const sharedDelta = tf.matMul(tf.tensor(A!.data, A!.shape), tf.tensor(B!.data, B!.shape));

    const lines: Record<string, unknown>[] = [];
    const runDir = await tmp();
    const stage = stageConfig('musar', {
      batchSize: 1,
      steps: 1,
      loraRanks: { noiseRank: 16, noiseAlpha: 16 },
    });
    const m = await runStage({
      stage,
      runDir,
      baseDir,
      initAdapter: identity,
      maxSeconds: 0,
      log: (l) => lines.push(l),
    });
    const start = lines.find((l) => l.event === 'start')!;
    expect(start.initAdapter).toMatchObject({ converted: true });
    expect((start.initAdapter as { noiseEnergy: number }).noiseEnergy).toBeCloseTo(1, 4);
    expect(m.model.lora!.shared).toBe(false);
    expect(m.model.lora!.config).toEqual({
      noiseRank: 16,
      noiseAlpha: 16,
      subjectRank: 16,
      subjectAlpha: 16,
    });
    // Both branches start as the identity adapter: the noise one through a full-rank SVD.
    const diff = (a: tf.Tensor, b: tf.Tensor) => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!;
    expect(diff(m.model.lora!.deltaWeight(layer, 'subject'), sharedDelta)).toBe(0);
    expect(diff(m.model.lora!.deltaWeight(layer, 'noise'), sharedDelta)).toBeLessThan(1e-5);
    expect(tf.max(tf.abs(sharedDelta)).dataSync()[0]).toBeGreaterThan(1e-6);
    m.trainer.dispose();
    m.model.dispose();
    // Resuming needs neither the adapter nor the ranks: the run's adapter carries them, also to
    // the data-parallel workers (which would refuse an adapter of other ranks).
    const resumed = await runStage({
      stage: stageConfig('musar', { batchSize: 2, steps: 2 }),
      runDir,
      baseDir,
      parallel: { threads: 2, worker: { url: new URL('./train-worker.mjs', import.meta.url) } },
    });
    expect(resumed.model.lora!.config.noiseRank).toBe(16);
    expect(resumed.state.step).toBe(2);
    resumed.trainer.dispose();
    resumed.model.dispose();
  });

  it('stops within a step when its signal is aborted by a timer, with no worker threads', async () => {
    // a SIGTERM handler or a timer only runs if the loop gives the event loop a turn
    const ac = new AbortController();
    const t0 = Date.now();
    setTimeout(() => ac.abort(), 300);
    const res = await runStage({
      stage: stageConfig('base', { batchSize: 1, steps: 100_000, checkpointEvery: 100_000 }),
      runDir: await tmp(),
      signal: ac.signal,
      maxSeconds: 15,
    });
    res.trainer.dispose();
    res.model.dispose();
    expect(res.state.step).toBeGreaterThan(0);
    expect(res.state.step).toBeLessThan(100_000);
    expect((Date.now() - t0) / 1000).toBeLessThan(10);
  });

  it('an adapter stage without a base folder fails with a clear message', async () => {
    await expect(
      runStage({ stage: stageConfig('musar', { batchSize: 1, steps: 1 }), runDir: await tmp() }),
    ).rejects.toThrow(/give the base model folder/);
  });
});
