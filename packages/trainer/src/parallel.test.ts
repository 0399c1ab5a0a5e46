import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeSafetensors, MusarModel, Trainer } from '@musar/model';
import { nextBatch, toBatchArrays } from './data';
import { disposeBatch, modelConfigFor, runStage, toTensors } from './loop';
import { DataParallelTrainer, shardSeed, shardSlots } from './parallel';
import { stageConfig } from './stages';
import { packRun, stepOf } from './state-file';

const tmp = () => mkdtemp(join(tmpdir(), 'musar-dp-'));
const worker = { url: new URL('./train-worker.mjs', import.meta.url) };
const tensors = async (p: string) => decodeSafetensors(new Uint8Array(await readFile(p))).tensors;
const maxDiff = (
  a: Map<string, { data: Float32Array }>,
  b: Map<string, { data: Float32Array }>,
) => {
  let d = 0;
  for (const [name, x] of a) {
    const y = b.get(name)!;
    for (let i = 0; i < x.data.length; i++) d = Math.max(d, Math.abs(x.data[i]! - y.data[i]!));
  }
  return d;
};

describe('data-parallel training', () => {
  it('applies exactly the shard-size-weighted average of the shard gradients, on every replica alike', async () => {
    const stage = stageConfig('base', { batchSize: 5, steps: 2, seed: 3, warmupSteps: 0 });
    const opts = { mode: 'full', learningRate: 1e-3, emaDecay: 0.99, seed: 3 } as const;
    const local = new MusarModel(modelConfigFor(stage), { seed: 3 });
    const localTrainer = new Trainer(local, opts);
    const dp = await DataParallelTrainer.start({
      spec: worker,
      threads: 2,
      stage,
      model: local,
      trainer: localTrainer,
      trainerOptions: opts,
    });
    try {
      for (let step = 0; step < 2; step++) {
        const r = await dp.step(step);
        expect(Number.isFinite(r.loss)).toBe(true);
        // The same update by hand: shard 0 has 2 samples, shard 1 has 3.
        const avg = new Float32Array(localTrainer.size);
        for (let w = 0; w < 2; w++) {
          const slots = shardSlots(5, 2, w);
          const batch = toTensors(
            toBatchArrays(nextBatch(stage, step, [], slots), local.cfg, { regions: false }),
            local.cfg,
          );
          const g = new Float32Array(localTrainer.size);
          localTrainer.gradientsInto(batch, g, { seed: shardSeed(3, step, 2, w) });
          disposeBatch(batch);
          const f = (slots.end - slots.start) / 5;
          for (let i = 0; i < g.length; i++) avg[i]! += f * g[i]!;
        }
        localTrainer.applyFlat(avg);
      }
      const [s0, s1] = [await dp.snapshot(0), await dp.snapshot(1)];
      const [w0, w1] = [
        decodeSafetensors(s0.weights).tensors,
        decodeSafetensors(s1.weights).tensors,
      ];
      expect(maxDiff(w0, w1)).toBe(0); // replicas stay bitwise identical
      const mine = new Map(
        [...local.namedParams()].map(([n, v]) => [n, { data: v.dataSync() as Float32Array }]),
      );
      expect(maxDiff(w0, mine)).toBeLessThan(1e-6);
      // …and training moved the weights.
      const init = new MusarModel(modelConfigFor(stage), { seed: 3 });
      const initW = new Map(
        [...init.namedParams()].map(([n, v]) => [n, { data: v.dataSync() as Float32Array }]),
      );
      expect(maxDiff(w0, initW)).toBeGreaterThan(1e-4);
      init.dispose();
    } finally {
      await dp.close();
      localTrainer.dispose();
      local.dispose();
    }
  });

  it('resumes exactly from the packed state file alone, which stays within its size bound', async () => {
    const stage = (steps: number) =>
      stageConfig('base', { batchSize: 4, steps, checkpointEvery: 1000, seed: 5 });
    const parallel = { threads: 2, worker };
    const a = await tmp();
    const full = await runStage({ stage: stage(4), runDir: a, parallel });
    full.trainer.dispose();
    full.model.dispose();

    const b = await tmp();
    const stateFile = join(await tmp(), 'base.state.safetensors');
    const first = await runStage({ stage: stage(2), runDir: b, parallel, stateFile });
    first.trainer.dispose();
    first.model.dispose();
    expect(await stepOf(stateFile)).toBe(2);
    // The next stretch of work starts on a fresh machine: nothing but the committed file.
    await rm(b, { recursive: true });
    const c = await tmp();
    const second = await runStage({ stage: stage(4), runDir: c, parallel, stateFile });
    expect(second.state.step).toBe(4);
    expect(second.state.samples).toBe(16);
    second.trainer.dispose();
    second.model.dispose();
    expect(
      maxDiff(
        await tensors(join(a, 'live.safetensors')),
        await tensors(join(c, 'live.safetensors')),
      ),
    ).toBeLessThan(1e-6);
    expect(
      maxDiff(
        await tensors(join(a, 'weights.safetensors')),
        await tensors(join(c, 'weights.safetensors')),
      ),
    ).toBeLessThan(1e-6);
    expect(await stepOf(stateFile)).toBe(4);
    // Live + EMA + two Adam moments of the 1.3 M-parameter tiny base: under 25 MB.
    expect(statSync(stateFile).size).toBeLessThan(25e6);
    expect((await packRun(c)).length).toBe(statSync(stateFile).size);
    expect(existsSync(join(c, 'trainer.safetensors'))).toBe(true);
  });

  it('follows the one-thread loss curve within noise', async () => {
    const stage = stageConfig('base', {
      batchSize: 8,
      steps: 24,
      checkpointEvery: 1000,
      seed: 9,
      learningRate: 2e-3,
      warmupSteps: 4,
    });
    const curve = async (threads: number) => {
      const losses: number[] = [];
      const r = await runStage({
        stage,
        runDir: await tmp(),
        parallel: threads > 1 ? { threads, worker } : undefined,
        onProgress: (p) => losses.push(p.loss),
      });
      r.trainer.dispose();
      r.model.dispose();
      return losses;
    };
    const [one, two] = [await curve(1), await curve(2)];
    // onProgress reports a smoothed loss every 10 steps: steps 10, 20, 24.
    expect(one.length).toBe(3);
    expect(two.length).toBe(3);
    for (const c of [one, two]) expect(c.at(-1)!).toBeLessThan(c[0]! * 1.01);
    expect(Math.abs(two.at(-1)! - one.at(-1)!) / one.at(-1)!).toBeLessThan(0.15);
  });
});
