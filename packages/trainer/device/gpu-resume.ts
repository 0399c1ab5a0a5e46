// Continues the committed base run on the GPU machine and returns its state (bundled by
// ../shared/device/pack.sh; see training/README.md for the round trip).
//   usage: remote.sh <seconds> [batch=64] [prefetchThreads=12]
// Reads training/base.state.safetensors from the carried working tree, trains on webgpu for
// <seconds> with batches built on the machine's cores, and writes the packed state back to $OUT
// in parts of ≤ 15 MiB (the device returns files of ≤ 16 MiB): base.state.part0, part1, …
// Join them on the CPU machine: cat $FILES/base.state.part* > training/base.state.safetensors
import { execFileSync } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import { initBackend } from '@musar/model';
import { runBatchWorker } from '../src/prefetch';
import { runStage } from '../src/loop';
import { stageConfig } from '../src/stages';

const OUT = process.env.OUT ?? '/tmp/out';
const BACKEND = process.env.GPU_TRAIN_BACKEND ?? 'webgpu'; // wasm: a smoke test on a CPU machine
const STATE = process.env.STATE_FILE ?? 'training/base.state.safetensors';
const RUN = '/tmp/musar-gpu-run';
const PACKED = `${RUN}.state.safetensors`;
const log = (o: Record<string, unknown>) => {
  const line = JSON.stringify({ t: new Date().toISOString(), ...o });
  console.log(line);
  appendFileSync(`${OUT}/train.log`, line + '\n');
};

/** Copies the packed state into $OUT as ≤ 15 MiB parts (replacing older parts). */
function returnState(): void {
  if (!existsSync(PACKED)) return;
  const tmp = `${OUT}/.parts`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  execFileSync('split', ['-b', '15M', '-d', '-a', '1', PACKED, `${tmp}/base.state.part`]);
  for (const f of readdirSync(OUT)) if (f.startsWith('base.state.part')) rmSync(`${OUT}/${f}`);
  for (const f of readdirSync(tmp)) copyFileSync(`${tmp}/${f}`, `${OUT}/${f}`);
  rmSync(tmp, { recursive: true, force: true });
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const seconds = Number(process.argv[2] ?? 300);
  const batchSize = Number(process.argv[3] ?? 64);
  const threads = Number(process.argv[4] ?? 12);
  if (!existsSync(STATE)) throw new Error(`no ${STATE} in the working tree`);
  copyFileSync(STATE, PACKED); // runStage adopts it (newer than the empty run folder)
  const info = await initBackend(BACKEND);
  log({ event: 'backend', info, seconds, batchSize, threads });
  const timer = setInterval(returnState, 60_000);
  try {
    const res = await runStage({
      stage: stageConfig('base', {
        batchSize,
        steps: 10_000_000,
        checkpointEvery: 100,
        evalEverySamples: 0,
      }),
      runDir: RUN,
      stateFile: PACKED,
      maxSeconds: seconds,
      prefetch: {
        threads,
        worker: { url: new URL(import.meta.url), workerData: { role: 'batch-worker' } },
      },
      log,
      onProgress: (p) => p.step % 100 === 0 && log({ event: 'progress', ...p }),
    });
    log({
      event: 'done',
      step: res.state.step,
      samples: res.state.samples,
      seconds: res.state.elapsedSeconds,
    });
  } finally {
    clearInterval(timer);
    returnState();
  }
}

if (isMainThread) await main();
else runBatchWorker();
