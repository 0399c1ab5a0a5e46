// GPU training run for the device machine (bundled by ../../../../shared/device/pack.sh).
// One process: a short webgpu benchmark, the base model, then the five adapters in parallel worker
// threads (each its own webgpu device), tarring checkpoints into $OUT as it goes.
//   usage: remote.sh <baseSeconds> <adapterSeconds>
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, MusarModel, Trainer } from '@musar/model';
import { runBatchWorker } from '../src/prefetch';
import { modelConfigFor, runStage, toTensors } from '../src/loop';
import { batchOptions, nextBatch, toBatchArrays } from '../src/data';
import { stageConfig, type TStageName } from '../src/stages';

const OUT = process.env.OUT ?? '/tmp/out';
/** webgpu on the device; GPU_TRAIN_BACKEND=wasm runs the same script on a CPU machine (smoke test). */
const BACKEND = process.env.GPU_TRAIN_BACKEND ?? 'webgpu';
const BASE_BATCH = Number(process.env.BASE_BATCH ?? 128);
const ADAPTER_BATCH = Number(process.env.ADAPTER_BATCH ?? 64);
const RUNS = '/tmp/musar-runs';
const LOG = `${OUT}/train.log`;
const self = new URL(import.meta.url);
const log = (o: Record<string, unknown>) => {
  const line = JSON.stringify({
    t: new Date().toISOString(),
    thread: isMainThread ? 'main' : (workerData as { stage?: string }).stage,
    ...o,
  });
  console.log(line);
  appendFileSync(LOG, line + '\n');
};
// $OUT returns at most 8 files of ≤ 16 MiB: weights in one archive, optimizer states (resume) apart.
const tarInto = (name: string, args: string[]) => {
  try {
    execFileSync('tar', ['czf', `${OUT}/${name}.tmp`, '-C', RUNS, ...args]);
    execFileSync('mv', [`${OUT}/${name}.tmp`, `${OUT}/${name}`]);
  } catch (e) {
    log({ event: 'tar-failed', name, error: String(e) });
  }
};
const tarRuns = () => {
  tarInto('models.tgz', ['--exclude=trainer.safetensors', '.']);
  tarInto('resume-base.tgz', ['--ignore-failed-read', 'base/trainer.safetensors']);
  const adapters = ['musar', 'static-routing', 'naive-diptych', 'single-ref', 'oracle'].map(
    (s) => `${s}/trainer.safetensors`,
  );
  tarInto('resume-adapters.tgz', ['--ignore-failed-read', ...adapters]);
};
const prefetch = (threads: number) => ({
  threads,
  worker: { url: self, workerData: { role: 'batch-worker' } },
});

async function bench(): Promise<Record<string, number>> {
  const r: Record<string, number> = {};
  const time = async (f: () => Promise<void> | void, n: number) => {
    await f();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await f();
    return (performance.now() - t0) / n;
  };
  const n = BACKEND === 'webgpu' ? 2048 : 256;
  const a = tf.randomNormal([n, n]);
  const ms = await time(
    async () => {
      const c = tf.matMul(a, a);
      await c.data();
      c.dispose();
    },
    BACKEND === 'webgpu' ? 5 : 1,
  );
  r[`matmul${n}_gflops`] = (2 * n ** 3) / (ms * 1e6);
  a.dispose();
  for (const [name, B] of [
    ['base', BASE_BATCH],
    ['musar', ADAPTER_BATCH],
  ] as const) {
    const stage = stageConfig(name, { batchSize: B });
    const model = new MusarModel(modelConfigFor(stage));
    const trainer = new Trainer(model, { mode: stage.mode, attention: stage.attention });
    const arrays = toBatchArrays(nextBatch(stage, 0), model.cfg, batchOptions(stage));
    const msStep = await time(async () => {
      const b = toTensors(arrays, model.cfg);
      await trainer.trainStepAsync(b);
      tf.dispose([b.images, b.prompt, b.condText ?? [], b.references ?? []].flat());
    }, 5);
    r[`${name}_train_ms_per_sample_b${B}`] = msStep / B;
    trainer.dispose();
    model.dispose();
  }
  return r;
}

async function stageThread(
  name: TStageName,
  seconds: number,
  batchSize: number,
  threads = 2,
): Promise<void> {
  const info = await initBackend(BACKEND);
  log({ event: 'backend', info });
  const stage = stageConfig(name, {
    batchSize,
    steps: 1_000_000,
    checkpointEvery: 100,
    emaDecay: name === 'base' ? 0.999 : 0.99,
  });
  const res = await runStage({
    stage,
    runDir: `${RUNS}/${name}`,
    baseDir: name === 'base' ? undefined : `${RUNS}/base`,
    maxSeconds: seconds,
    prefetch: prefetch(threads),
    log,
    onProgress: (p) => p.step % 100 === 0 && log({ event: 'progress', ...p }),
  });
  log({
    event: 'stage-done',
    stage: name,
    step: res.state.step,
    samples: res.state.samples,
    seconds: res.state.elapsedSeconds,
    loss: res.state.losses.at(-1)?.loss,
  });
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  mkdirSync(RUNS, { recursive: true });
  const baseSeconds = Number(process.argv[2] ?? 240);
  const adapterSeconds = Number(process.argv[3] ?? 180);
  const info = await initBackend(BACKEND);
  log({ event: 'backend', info });
  const b = await bench();
  log({ event: 'bench', ...b });
  writeFileSync(`${OUT}/bench.json`, JSON.stringify(b, null, 2));
  const deadline = Date.now() + (baseSeconds + adapterSeconds + 20) * 1000;
  const timer = setInterval(tarRuns, 60_000);
  try {
    await stageThread('base', baseSeconds, BASE_BATCH, 4);
  } catch (e) {
    // A failure after some checkpoints still leaves a usable base for the adapters.
    log({ event: 'stage-failed', stage: 'base', error: String(e) });
  }
  tarRuns();
  const adapters: TStageName[] = [
    'musar',
    'static-routing',
    'naive-diptych',
    'single-ref',
    'oracle',
  ];
  const failed: TStageName[] = [];
  await Promise.all(
    adapters.map(
      (stage) =>
        new Promise<void>((resolve) => {
          const w = new Worker(self, {
            workerData: { role: 'stage', stage, seconds: adapterSeconds, batchSize: ADAPTER_BATCH },
          });
          w.on('error', (e) => {
            log({ event: 'stage-thread-error', stage, error: String(e) });
            failed.push(stage);
            resolve();
          });
          w.on('exit', () => resolve());
        }),
    ),
  );
  tarRuns();
  for (const [i, stage] of failed.entries()) {
    const left = (deadline - Date.now()) / 1000 / (failed.length - i);
    if (left < 10) break;
    log({ event: 'sequential-retry', stage, seconds: left });
    try {
      await stageThread(stage, left, ADAPTER_BATCH);
    } catch (e) {
      log({ event: 'stage-failed', stage, error: String(e) });
    }
    tarRuns();
  }
  clearInterval(timer);
  tarRuns();
  log({ event: 'all-done' });
}

const role = (workerData as { role?: string } | null)?.role;
if (isMainThread) await main();
else if (role === 'batch-worker') runBatchWorker();
else if (role === 'stage') {
  const d = workerData as { stage: TStageName; seconds: number; batchSize: number };
  await stageThread(d.stage, d.seconds, d.batchSize);
  parentPort?.postMessage('done');
}
