// Continues a committed training run on the GPU machine and returns its state (bundled by
// ../shared/device/pack.sh; training/README.md has the round trip).
//   usage: remote.sh <seconds> [batch] [prefetchThreads=12]
// GPU_TRAIN_STAGE picks the run: `base` (default; training/base.state.safetensors, the base recipe,
// batch 64 unless given) or `musar` (training/musar.state.safetensors, configs/train/musar.json with
// its batch unless given, on the frozen base in training/base from the identity adapter). It
// trains on webgpu for <seconds> with batches built on the machine's cores, and writes the packed
// state back to $OUT in parts of ≤ 15 MiB (the device returns files of ≤ 16 MiB):
// <stage>.state.part0, part1, … Join them on the CPU machine:
//   cat $FILES/<stage>.state.part* > training/<stage>.state.safetensors
// GPU_TRAIN_BACKEND=wasm runs the same entry on a CPU machine (a smoke test).
import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import { initBackend } from '@musar/model';
import { runBatchWorker } from '../src/prefetch';
import { runStage } from '../src/loop';
import { stageConfig } from '../src/stages';

const OUT = process.env.OUT ?? '/tmp/out';
const BACKEND = process.env.GPU_TRAIN_BACKEND ?? 'webgpu'; // wasm: a smoke test on a CPU machine
const STAGE = process.env.GPU_TRAIN_STAGE ?? 'base';
if (STAGE !== 'base' && STAGE !== 'musar')
  throw new Error(`GPU_TRAIN_STAGE must be base or musar, not ${STAGE}`);
const STATE = process.env.STATE_FILE ?? `training/${STAGE}.state.safetensors`;
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
  execFileSync('split', ['-b', '15M', '-d', '-a', '1', PACKED, `${tmp}/${STAGE}.state.part`]);
  for (const f of readdirSync(OUT)) if (f.startsWith(`${STAGE}.state.part`)) rmSync(`${OUT}/${f}`);
  for (const f of readdirSync(tmp)) copyFileSync(`${tmp}/${f}`, `${OUT}/${f}`);
  rmSync(tmp, { recursive: true, force: true });
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const seconds = Number(process.argv[2] ?? 300);
  const batchArg = process.argv[3] ? Number(process.argv[3]) : undefined; // "" or none: the default
  const threads = Number(process.argv[4] ?? 12);
  if (!existsSync(STATE)) throw new Error(`no ${STATE} in the working tree`);
  copyFileSync(STATE, PACKED); // runStage adopts it (newer than the empty run folder)
  const info = await initBackend(BACKEND);
  const stage =
    STAGE === 'base'
      ? stageConfig('base', {
          batchSize: batchArg ?? 64,
          steps: 10_000_000,
          checkpointEvery: 100,
          evalEverySamples: 0,
        })
      : stageConfig('musar', {
          ...(JSON.parse(readFileSync('configs/train/musar.json', 'utf8')) as object),
          ...(batchArg === undefined ? {} : { batchSize: batchArg }),
          checkpointEvery: 100,
          evalEverySamples: 0,
        });
  log({ event: 'backend', info, stage: STAGE, seconds, batchSize: stage.batchSize, threads });
  const timer = setInterval(returnState, 60_000);
  try {
    const res = await runStage({
      stage,
      ...(STAGE === 'musar'
        ? {
            baseDir: 'training/base',
            initAdapter: new Uint8Array(readFileSync('training/identity/weights.safetensors')),
          }
        : {}),
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
