// Measures one (preset, backend) pair and prints one JSON line. Run by bench/run.ts.
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/backend';
import { saveCheckpoint } from '../src/checkpoint';
import { conditionTokens, getPreset, tokensPerImage, type TPresetName } from '../src/config';
import { MusarModel } from '../src/model/dit';
import { staticRoutingPlan } from '../src/routing/plan';
import { generate } from '../src/sampler';
import { Trainer } from '../src/train';
import { MusarWorkerPool } from '../src/worker/pool';
import { inputsToWire, toWire } from '../src/worker/protocol';
import { forwardFlops, generationFlops } from './flops';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : def;
};
const preset = arg('preset', 'tiny') as TPresetName;
const quick = process.argv.includes('--quick');
// light: the pure-JS cpu backend — one rep each, small batches, batch-4 generation skipped.
const light = process.argv.includes('--light');
const withWorkers = !process.argv.includes('--no-workers');
const info = await initBackend(arg('backend', 'wasm'));
const cfg = getPreset(preset);
const k = 2;
const S = cfg.imageSize;

/** Median wall seconds and mean process-CPU seconds per call, after one warm-up call. */
let stage = 0;
async function time(reps: number, f: () => unknown | Promise<unknown>, warm = !light) {
  console.error(`  stage ${++stage} (${(tf.memory().numBytes / 2 ** 20) | 0} MiB in tensors)`);
  if (warm) await f();
  const walls: number[] = [];
  const c0 = process.cpuUsage();
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await f();
    walls.push((performance.now() - t0) / 1000);
  }
  const c = process.cpuUsage(c0);
  walls.sort((a, b) => a - b);
  return { wall: walls[Math.floor(walls.length / 2)]!, cpu: (c.user + c.system) / 1e6 / reps };
}

function inputs(B: number, seed: number) {
  return {
    prompt: tf.randomUniform([B, cfg.promptLength], 1, cfg.vocabSize, 'int32', seed) as tf.Tensor2D,
    condText: tf.randomUniform(
      [B, k, cfg.condTextLength],
      1,
      cfg.vocabSize,
      'int32',
      seed + 1,
    ) as tf.Tensor3D,
    references: tf.randomUniform([B, k, S, S, 3], -1, 1, 'float32', seed + 2) as tf.Tensor5D,
  };
}

// Large rank-2 matmul rate of this backend in this process (the reference for "fraction").
const N = 1024;
const a = tf.randomNormal([N, N]);
const b = tf.randomNormal([N, N]);
// Measured before and after the model runs (this machine is shared; the best is the rate).
// The callbacks return nothing: a typed array returned from tf.tidy is walked element by element
// (looking for tensors), which cost ~1 s per 1024² result and made this column meaningless.
const syncDispose = (f: () => tf.Tensor) => {
  const out = f();
  out.dataSync();
  out.dispose();
};
const matmulRate = async () =>
  (2 * N ** 3) / (await time(quick ? 2 : 4, () => syncDispose(() => tf.matMul(a, b)))).wall / 1e9;
const matmulBefore = await matmulRate();

const model = new MusarModel(cfg, { seed: 1, adaLNZero: false });
const Bf = light ? 2 : preset === 'tiny' ? 8 : 4;
const fin = inputs(Bf, 1);
const xt = tf.randomNormal([Bf, S, S, 3]) as tf.Tensor4D;
const t = tf.randomUniform([Bf]) as tf.Tensor1D;
const plan = staticRoutingPlan({ subjects: k, batch: Bf });
const reps = quick ? 2 : 5;
const fwd = await time(reps, () =>
  syncDispose(() => tf.tidy(() => model.forward(fin, xt, t, plan))),
);
const tokensPerSample = cfg.promptLength + k * conditionTokens(cfg) + tokensPerImage(cfg);

// small trains with batch 2: a batch-4 backward pass outgrows the wasm heap (wasm32, ~2 GB).
const Bt = preset === 'tiny' && !light ? Bf : 2;
const tin = inputs(Bt, 3);
const batch = { ...tin, images: tf.randomUniform([Bt, S, S, 3], -1, 1) as tf.Tensor4D };
const full = new Trainer(model, { mode: 'full' });
const trainFull = await time(quick ? 1 : 3, () => full.trainStep(batch));
full.dispose();
const adapter = new Trainer(model, { mode: 'adapter' });
const trainAdapter = await time(quick ? 1 : 3, () => adapter.trainStep(batch));
adapter.dispose();
model.lora?.dispose();
model.lora = null;

const steps = 20;
const genOpts = { steps, seed: 1, routing: { startStep: 4 } }; // default guidance p = r = 3
const g1 = inputs(1, 7);
const g4 = inputs(4, 9);
const gen1 = await time(quick ? 1 : 2, () => tf.dispose(generate(model, g1, genOpts).images));
const skip = { wall: Number.NaN, cpu: Number.NaN };
const gen4 = light
  ? skip
  : await time(quick ? 1 : 2, () => tf.dispose(generate(model, g4, genOpts).images));
// Without guidance, for the like-for-like comparison with the PyTorch anchor's sampler.
const gen4plain = light
  ? skip
  : await time(1, () =>
      tf.dispose(
        generate(model, g4, { steps, seed: 1, guidance: { prompt: 1, reference: 1 } }).images,
      ),
    );

let workers: Record<string, number> | null = null;
if (withWorkers) {
  const checkpoint = saveCheckpoint(model, { name: 'bench', kind: 'base' });
  const wire = inputsToWire(g4);
  const wire8 = inputsToWire(inputs(8, 11));
  const trainWire = { ...inputsToWire(tin), images: toWire(batch.images) };
  const out: Record<string, number> = {};
  for (const n of [1, 2]) {
    const pool = await MusarWorkerPool.start({
      workers: n,
      backend: info.name,
      checkpoint,
      trainer: { mode: 'adapter' },
    });
    out[`gen4_${n}`] = (await time(quick ? 1 : 3, () => pool.generate(wire, genOpts))).wall / 4;
    // A request of 8 images: each of two threads samples a batch of 4, as one thread does above.
    if (!quick && !light)
      out[`gen8_${n}`] = (await time(2, () => pool.generate(wire8, genOpts))).wall / 8;
    out[`trainAdapter_${n}`] =
      (await time(quick ? 1 : 2, () => pool.trainStep(trainWire))).wall / Bt;
    await pool.close();
  }
  workers = out;
}

const matmulGflops = Math.max(matmulBefore, await matmulRate());
const genRows = 2; // conditional + one reference-free row (p = r)
console.log(
  JSON.stringify({
    preset,
    backend: info.name,
    note: info.note,
    cores: os.cpus().length,
    load: os.loadavg()[0],
    matmulGflops,
    tokensPerSample,
    forward: {
      msPerSample: (fwd.wall / Bf) * 1e3,
      cpuMsPerSample: (fwd.cpu / Bf) * 1e3,
      tokensPerSecond: (Bf * tokensPerSample) / fwd.wall,
      gflops: (Bf * forwardFlops(cfg, k)) / fwd.wall / 1e9,
    },
    trainBatch: Bt,
    trainFull: {
      msPerSample: (trainFull.wall / Bt) * 1e3,
      cpuMsPerSample: (trainFull.cpu / Bt) * 1e3,
      gflops: (3 * Bt * forwardFlops(cfg, k)) / trainFull.wall / 1e9,
    },
    trainAdapter: {
      msPerSample: (trainAdapter.wall / Bt) * 1e3,
      cpuMsPerSample: (trainAdapter.cpu / Bt) * 1e3,
      gflops: (2 * Bt * forwardFlops(cfg, k)) / trainAdapter.wall / 1e9,
    },
    gen1: {
      sPerImage: gen1.wall,
      cpuSPerImage: gen1.cpu,
      gflops: generationFlops(cfg, k, steps, genRows) / gen1.wall / 1e9,
    },
    gen4: {
      sPerImage: gen4.wall / 4,
      cpuSPerImage: gen4.cpu / 4,
      gflops: (4 * generationFlops(cfg, k, steps, genRows)) / gen4.wall / 1e9,
    },
    gen4plain: { sPerImage: gen4plain.wall / 4 },
    workers,
  }),
);
process.exit(0);
