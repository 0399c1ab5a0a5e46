import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  currentBackend,
  getPreset,
  initAdapter,
  loadAdapter,
  loadCheckpoint,
  MusarModel,
  saveCheckpoint,
  Trainer,
  type TLoraConfig,
  type TMusarConfig,
} from '@musar/model';
import { batchOptions, nextBatch, toBatchArrays, type TTrainSample } from './data';
import { attachVariant, resolveLoraRanks } from './variants';
import { BatchPrefetcher, type TWorkerSpec } from './prefetch';
import { disposeBatch, toTensors } from './batch-tensors';
import { DataParallelTrainer } from './parallel';
import { adoptNewest, savePacked } from './state-file';
import type { TStageConfig } from './stages';

export { disposeBatch, toTensors } from './batch-tensors';

// ---------------------------------------------------------------------------------------------
// The training loop: data → Trainer.trainStep → logs, checkpoints, resume. A run lives in one
// folder: state.json (step, elapsed time, recent losses), weights.safetensors
// (base weights or adapter, EMA), trainer.safetensors (optimizer moments + EMA) and config.json.
// Re-running the same command on the same folder resumes where the last checkpoint left off.
// ---------------------------------------------------------------------------------------------

export type TRunState = {
  step: number;
  elapsedSeconds: number;
  samples: number;
  losses: { step: number; loss: number }[];
  /** Learning curve: evaluation points of the EMA weights. */
  curve?: ({ step: number; samples: number; elapsedSeconds: number } & Record<string, number>)[];
};

export type TProgress = {
  step: number;
  steps: number;
  loss: number;
  samplesPerSecond: number;
  etaSeconds: number;
};

export type TRunOptions = {
  stage: TStageConfig;
  runDir: string;
  /** Base checkpoint folder (weights.safetensors + config.json) for adapter stages and 'base' fine-tunes. */
  baseDir?: string;
  /**
   * Start from this adapter instead of a fresh one (feedback retraining; a MUSAR stage from the
   * identity adapter, converted from single- to dual-branch). Ignored when the run resumes.
   */
  initAdapter?: Uint8Array;
  feedback?: TTrainSample[];
  /** Stop (after checkpointing) once this much wall-clock time has passed in this process. */
  maxSeconds?: number;
  onProgress?: (p: TProgress) => void;
  log?: (line: Record<string, unknown>) => void;
  signal?: AbortSignal;
  /** Build batches ahead on worker threads (feedback runs build them in-process). */
  prefetch?: { threads: number; worker: TWorkerSpec };
  /** Data-parallel training on this many worker threads (each builds its own shard). */
  parallel?: { threads: number; worker: TWorkerSpec };
  /**
   * One packed file holding the run's whole resumable state (committed between stretches of
   * work): adopted at start when newer than the run folder, rewritten at every checkpoint.
   */
  stateFile?: string;
  /** Learning-curve point with the EMA weights, every stage.evalEverySamples samples. */
  evaluate?: (model: MusarModel) => Promise<Record<string, number>>;
};

export function modelConfigFor(stage: TStageConfig): TMusarConfig {
  return getPreset(stage.preset, {
    promptLength: stage.promptLength,
    prediction: stage.prediction,
  });
}

/** The live weights of a run (older runs only have the EMA weights). */
const liveFile = (runDir: string) =>
  existsSync(join(runDir, 'live.safetensors'))
    ? join(runDir, 'live.safetensors')
    : join(runDir, 'weights.safetensors');

export async function readBase(
  dir: string,
  weightsPath = join(dir, 'weights.safetensors'),
): Promise<MusarModel> {
  const [weights, config] = await Promise.all([
    readFile(weightsPath),
    readFile(join(dir, 'config.json'), 'utf8'),
  ]);
  return loadCheckpoint({ weights: new Uint8Array(weights), config: JSON.parse(config) });
}

async function writeAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await writeFile(`${path}.tmp`, data);
  await rename(`${path}.tmp`, path);
}

/** Trains one stage in `runDir`, resuming from its last checkpoint; returns the final state. */
export async function runStage(
  o: TRunOptions,
): Promise<{ model: MusarModel; trainer: Trainer; state: TRunState }> {
  const { stage, runDir } = o;
  await mkdir(runDir, { recursive: true });
  const cfgPath = join(runDir, 'config.json');
  const statePath = join(runDir, 'state.json');
  const adopted = o.stateFile ? await adoptNewest(runDir, o.stateFile) : 'none';
  const resuming = existsSync(statePath);
  let model: MusarModel;
  if (stage.mode === 'full' && !o.baseDir && !resuming)
    model = new MusarModel(modelConfigFor(stage), { seed: stage.seed });
  else if (stage.mode === 'full' && resuming) model = await readBase(runDir, liveFile(runDir));
  else {
    if (!o.baseDir)
      throw new Error(
        `stage ${stage.stage} trains an adapter: give the base model folder (--base)`,
      );
    model = await readBase(o.baseDir);
  }
  let initialised: ReturnType<typeof initAdapter> | undefined;
  let loraRanks: TLoraConfig | undefined;
  if (stage.mode === 'adapter') {
    const saved = resuming
      ? new Uint8Array(await readFile(join(runDir, 'weights.safetensors')))
      : undefined;
    loraRanks = resolveLoraRanks(model, stage.lora, stage.loraRanks, saved ?? o.initAdapter);
    attachVariant(model, stage.lora, stage.seed, loraRanks);
    if (saved) loadAdapter(model, saved);
    else if (o.initAdapter) initialised = initAdapter(model, o.initAdapter);
  }
  const trainerOptions = {
    mode: stage.mode,
    learningRate: stage.learningRate,
    warmupSteps: stage.warmupSteps,
    lrDecay: stage.lrDecay,
    emaDecay: stage.emaDecay,
    promptDropout: stage.promptDropout,
    referenceDropout: stage.referenceDropout,
    attention: stage.attention,
    timestepLocation: stage.timestepLocation,
    seed: stage.seed,
  } as const;
  const trainer = new Trainer(model, trainerOptions);
  let state: TRunState = { step: 0, elapsedSeconds: 0, samples: 0, losses: [] };
  if (resuming) {
    state = JSON.parse(await readFile(statePath, 'utf8')) as TRunState;
    const ts = join(runDir, 'trainer.safetensors');
    if (existsSync(ts)) await trainer.loadState(new Uint8Array(await readFile(ts)));
    trainer.step = state.step;
  }
  await writeAtomic(cfgPath, JSON.stringify(model.cfg, null, 2));
  o.log?.({
    event: resuming ? 'resume' : 'start',
    from: adopted === 'file' ? o.stateFile : adopted === 'run' ? runDir : undefined,
    stage: stage.stage,
    step: state.step,
    backend: currentBackend()?.name,
    ...(initialised ? { initAdapter: initialised } : {}),
  });

  const dp =
    o.parallel && o.parallel.threads > 1
      ? await DataParallelTrainer.start({
          spec: o.parallel.worker,
          threads: o.parallel.threads,
          // The workers attach the LoRA with the ranks resolved here.
          stage: loraRanks ? { ...stage, loraRanks } : stage,
          model,
          trainer,
          trainerOptions,
          baseWeights:
            stage.mode === 'adapter'
              ? new Uint8Array(await readFile(join(o.baseDir!, 'weights.safetensors')))
              : undefined,
          feedback: o.feedback,
          backend: currentBackend()?.name,
        })
      : null;
  if (dp) o.log?.({ event: 'parallel', threads: dp.threads });
  // The main thread's model mirrors the training threads only when read (checkpoint, curve
  // point); both can fall on one step, which then needs one copy, not two.
  let mirroredStep = -1;
  const mirror = async () => {
    if (!dp || mirroredStep === state.step) return;
    await dp.syncInto(model, trainer, stage.mode);
    mirroredStep = state.step;
  };

  const save = async () => {
    await mirror();
    // weights.safetensors holds the EMA weights (what we evaluate and ship); live.safetensors the
    // live weights, so that a resumed run continues exactly where it stopped.
    const kind = stage.mode === 'full' ? 'base' : 'adapter';
    const vars = () => (stage.mode === 'full' ? model.namedParams() : model.lora!.namedVariables());
    // Read asynchronously first: GPU backends cache the values, so the synchronous reads inside
    // saveCheckpoint do not block (webgpu in Node cannot read synchronously at all).
    await Promise.all([...vars().values()].map((v) => v.data()));
    const live = saveCheckpoint(model, { name: stage.stage, kind, steps: state.step });
    trainer.swapEma();
    await Promise.all([...vars().values()].map((v) => v.data()));
    const ck = saveCheckpoint(model, { name: stage.stage, kind, steps: state.step });
    trainer.swapEma();
    const ts = await trainer.saveState();
    await writeAtomic(join(runDir, 'live.safetensors'), live.weights);
    await writeAtomic(join(runDir, 'weights.safetensors'), ck.weights);
    await writeAtomic(join(runDir, 'trainer.safetensors'), ts);
    await writeAtomic(statePath, JSON.stringify(state));
    if (o.stateFile) await savePacked(runDir, o.stateFile);
    o.log?.({ event: 'checkpoint', step: state.step });
  };

  const t0 = Date.now();
  const elapsed0 = state.elapsedSeconds;
  let windowStart = Date.now();
  let windowSamples = 0;
  let lossEma = state.losses.at(-1)?.loss ?? NaN;
  const evalPoint = async () => {
    if (!o.evaluate) return;
    await mirror();
    const e0 = Date.now();
    trainer.swapEma();
    let point: Record<string, number>;
    try {
      point = await o.evaluate(model);
    } finally {
      trainer.swapEma();
    }
    const entry = {
      step: state.step,
      samples: state.samples,
      elapsedSeconds: Math.round(state.elapsedSeconds),
      ...point,
    };
    (state.curve ??= []).push(entry);
    o.log?.({ event: 'eval', ...entry, evalSeconds: (Date.now() - e0) / 1000 });
  };
  const prefetcher =
    !dp && o.prefetch && o.prefetch.threads > 0 && !o.feedback?.length
      ? new BatchPrefetcher(stage, model.cfg, state.step, o.prefetch.worker, o.prefetch.threads)
      : null;
  try {
    while (state.step < stage.steps) {
      // One turn of the event loop per step: on one thread with no workers every await below can
      // settle as a microtask, and timers and signal handlers (SIGTERM's stop) would never run.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (o.signal?.aborted) break;
      if (o.maxSeconds !== undefined && (Date.now() - t0) / 1000 >= o.maxSeconds) break;
      let loss: number;
      let batchSize: number;
      if (dp) {
        loss = (await dp.step(state.step)).loss;
        batchSize = stage.batchSize;
      } else {
        const arrays = prefetcher
          ? await prefetcher.take(state.step)
          : toBatchArrays(nextBatch(stage, state.step, o.feedback), model.cfg, batchOptions(stage));
        batchSize = arrays.batch;
        const batch = toTensors(arrays, model.cfg);
        try {
          loss = (await trainer.trainStepAsync(batch)).loss;
        } finally {
          disposeBatch(batch);
        }
      }
      if (!Number.isFinite(loss))
        throw new Error(`loss became ${loss} at step ${state.step}; last checkpoint kept`);
      state.step++;
      const before = state.samples;
      state.samples += batchSize;
      windowSamples += batchSize;
      lossEma = Number.isNaN(lossEma) ? loss : 0.98 * lossEma + 0.02 * loss;
      state.elapsedSeconds = elapsed0 + (Date.now() - t0) / 1000;
      if (state.step % 10 === 0 || state.step === stage.steps) {
        const sps = windowSamples / Math.max(1e-3, (Date.now() - windowStart) / 1000);
        const etaSeconds = ((stage.steps - state.step) * stage.batchSize) / Math.max(sps, 1e-6);
        o.onProgress?.({
          step: state.step,
          steps: stage.steps,
          loss: lossEma,
          samplesPerSecond: sps,
          etaSeconds,
        });
        if (state.step % 50 === 0) {
          state.losses.push({ step: state.step, loss: lossEma });
          if (state.losses.length > 400) state.losses = state.losses.filter((_, i) => i % 2 === 0);
          o.log?.({ event: 'step', step: state.step, loss: lossEma, samplesPerSecond: sps });
        }
        windowStart = Date.now();
        windowSamples = 0;
      }
      const every = stage.evalEverySamples;
      if (every > 0 && Math.floor(state.samples / every) > Math.floor(before / every))
        await evalPoint();
      if (state.step % stage.checkpointEvery === 0) await save();
    }
  } catch (e) {
    await dp?.close();
    throw e;
  } finally {
    await prefetcher?.close();
  }
  await save();
  await dp?.close();
  return { model, trainer, state };
}
