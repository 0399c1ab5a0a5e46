import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import {
  averageGradients,
  deriveSeed,
  initBackend,
  loadAdapter,
  loadCheckpoint,
  saveCheckpoint,
  Trainer,
  type MusarModel,
  type TTrainerOptions,
} from '@musar/model';
import { disposeBatch, toTensors } from './batch-tensors';
import { batchOptions, nextBatch, toBatchArrays, type TTrainSample } from './data';
import type { TStageConfig } from './stages';
import { attachVariant } from './variants';
import type { TWorkerSpec } from './prefetch';

// ---------------------------------------------------------------------------------------------
// Data-parallel training over worker threads. Every thread holds a replica of the model and the
// trainer; for each step, thread w builds and trains on its shard of the batch (slots
// [w·B/W, (w+1)·B/W)) and writes its gradient into its slot of one SharedArrayBuffer. Once every
// thread has written, each one averages the slots (weighted by shard size) and applies the same
// average, so the replicas stay bitwise identical without any weights crossing threads.
// The main thread only sequences the phases; it holds a mirror of the model that it refreshes
// from thread 0 at checkpoints.
// ---------------------------------------------------------------------------------------------

export type TReplicaInit = {
  stage: TStageConfig;
  trainer: TTrainerOptions;
  backend?: string;
  /** Base weights (full mode: the live weights) and their config. */
  weights: Uint8Array;
  config: unknown;
  /** Adapter mode: the live adapter. */
  adapter?: Uint8Array;
  /** Trainer state (optimizer moments, EMA, step). */
  state: Uint8Array;
  feedback?: TTrainSample[];
  threads: number;
  index: number;
  /** threads × size float32 gradient slots. */
  grads: SharedArrayBuffer;
};

type TRequest =
  | ({ type: 'init' } & TReplicaInit)
  | { type: 'gradients'; step: number }
  | { type: 'apply' }
  | { type: 'snapshot' };
type TReply =
  | { type: 'ready'; size: number }
  | { type: 'loss'; loss: number; samples: number }
  | { type: 'applied'; gradNorm: number }
  | { type: 'snapshot'; weights: Uint8Array; state: Uint8Array }
  | { type: 'error'; message: string };

/** The training-thread entry under tsx (bundles, such as the device pack, bring their own). */
export const trainWorkerSpec = (): TWorkerSpec => ({
  url: new URL('./train-worker.mjs', import.meta.url),
});

/** The batch-prefetch thread entry under tsx (one compute thread, batches built beside it). */
export const batchWorkerSpec = (): TWorkerSpec => ({
  url: new URL('./batch-worker.mjs', import.meta.url),
});

/** Compute threads for training by default: every core (MUSAR_TRAIN_THREADS overrides). */
export function defaultTrainThreads(): number {
  const env = Number(process.env.MUSAR_TRAIN_THREADS);
  return Number.isInteger(env) && env >= 1 ? env : Math.max(1, availableParallelism());
}

/** Slots [start, end) of shard `index` of `threads` over a batch of `batch`. */
export function shardSlots(
  batch: number,
  threads: number,
  index: number,
): { start: number; end: number } {
  return {
    start: Math.floor((index * batch) / threads),
    end: Math.floor(((index + 1) * batch) / threads),
  };
}

/** The noise / timestep / dropout seed of one shard (one thread uses the trainer's own seed). */
export function shardSeed(
  trainerSeed: number,
  step: number,
  threads: number,
  index: number,
): number {
  const s = deriveSeed(trainerSeed, step);
  return threads === 1 ? s : deriveSeed(s, 101 + index);
}

/** Body of a training worker thread. */
export function runTrainWorker(): void {
  if (isMainThread || !parentPort) throw new Error('runTrainWorker must run in a worker thread');
  const port = parentPort;
  let init: TReplicaInit | null = null;
  let model: MusarModel | null = null;
  let trainer: Trainer | null = null;
  let slots: Float32Array[] = [];
  let shardSizes: number[] = [];
  let avg: Float32Array | null = null;
  const handle = async (m: TRequest): Promise<TReply> => {
    switch (m.type) {
      case 'init': {
        init = m;
        await initBackend(m.backend);
        model = loadCheckpoint({ weights: m.weights, config: m.config as never });
        if (m.stage.mode === 'adapter') {
          attachVariant(model, m.stage.lora, m.stage.seed, m.stage.loraRanks);
          if (m.adapter) loadAdapter(model, m.adapter);
        }
        trainer = new Trainer(model, m.trainer);
        await trainer.loadState(m.state);
        const size = trainer.size;
        if (m.grads.byteLength !== m.threads * size * 4)
          throw new Error(
            `gradient buffer holds ${m.grads.byteLength} bytes, want ${m.threads * size * 4}`,
          );
        slots = Array.from(
          { length: m.threads },
          (_, w) => new Float32Array(m.grads, w * size * 4, size),
        );
        avg = null;
        shardSizes = Array.from({ length: m.threads }, (_, w) => {
          const r = shardSlots(m.stage.batchSize, m.threads, w);
          return r.end - r.start;
        });
        return { type: 'ready', size };
      }
      case 'gradients': {
        const o = init!;
        const slotsOf = shardSlots(o.stage.batchSize, o.threads, o.index);
        const arrays = toBatchArrays(
          nextBatch(o.stage, m.step, o.feedback, slotsOf),
          model!.cfg,
          batchOptions(o.stage),
        );
        const batch = toTensors(arrays, model!.cfg);
        try {
          const loss = trainer!.gradientsInto(batch, slots[o.index]!, {
            seed: shardSeed(trainer!.options.seed, m.step, o.threads, o.index),
          });
          return { type: 'loss', loss, samples: arrays.batch };
        } finally {
          disposeBatch(batch);
        }
      }
      case 'apply': {
        const total = shardSizes.reduce((a, b) => a + b, 0);
        avg ??= new Float32Array(slots[0]!.length);
        // The weighted average and its Σ² in one pass (native with the addon).
        const sq = averageGradients(
          slots,
          shardSizes.map((n) => n / total),
          avg,
        );
        return { type: 'applied', gradNorm: trainer!.applyFlat(avg, sq) };
      }
      case 'snapshot': {
        await Promise.all(trainer!.variables.map((v) => v.data()));
        const kind = init!.stage.mode === 'full' ? 'base' : 'adapter';
        const { weights } = saveCheckpoint(model!, {
          name: init!.stage.stage,
          kind,
          steps: trainer!.step,
        });
        return { type: 'snapshot', weights, state: await trainer!.saveState() };
      }
    }
  };
  port.on('message', (m: TRequest) => {
    handle(m).then(
      (r) => port.postMessage(r),
      (e: Error) =>
        port.postMessage({ type: 'error', message: e.stack ?? e.message } satisfies TReply),
    );
  });
}

/** The main thread's side: W replicas, one step at a time. */
export class DataParallelTrainer {
  private constructor(
    private readonly workers: Worker[],
    private readonly waiters: ((r: TReply) => void)[][],
  ) {}

  /** Starts `threads` replicas of `model` + `trainer` (their current weights and state). */
  static async start(o: {
    spec: TWorkerSpec;
    threads: number;
    stage: TStageConfig;
    model: MusarModel;
    trainer: Trainer;
    trainerOptions: TTrainerOptions;
    baseWeights?: Uint8Array;
    feedback?: TTrainSample[];
    backend?: string;
  }): Promise<DataParallelTrainer> {
    const full = o.stage.mode === 'full';
    await Promise.all(o.trainer.variables.map((v) => v.data()));
    const weights = full
      ? saveCheckpoint(o.model, { name: o.stage.stage, kind: 'base' }).weights
      : o.baseWeights;
    if (!weights) throw new Error('adapter data parallelism needs the base weights');
    const adapter = full
      ? undefined
      : saveCheckpoint(o.model, { name: o.stage.stage, kind: 'adapter' }).weights;
    const state = await o.trainer.saveState();
    const grads = new SharedArrayBuffer(o.threads * o.trainer.size * 4);
    const workers = Array.from(
      { length: o.threads },
      () =>
        new Worker(o.spec.url, { execArgv: o.spec.execArgv, workerData: { role: 'train-worker' } }),
    );
    const waiters: ((r: TReply) => void)[][] = workers.map(() => []);
    const dp = new DataParallelTrainer(workers, waiters);
    workers.forEach((w, i) => {
      w.on('message', (r: TReply) => waiters[i]!.shift()?.(r));
      w.on('error', (e) =>
        waiters[i]!.splice(0).forEach((f) => f({ type: 'error', message: e.message })),
      );
    });
    await dp.all((i) => ({
      type: 'init',
      stage: o.stage,
      trainer: o.trainerOptions,
      backend: o.backend,
      weights,
      config: o.model.cfg,
      adapter,
      state,
      feedback: o.feedback,
      threads: o.threads,
      index: i,
      grads,
    }));
    return dp;
  }

  get threads(): number {
    return this.workers.length;
  }

  private call(i: number, m: TRequest): Promise<TReply> {
    return new Promise<TReply>((resolve, reject) => {
      this.waiters[i]!.push((r) =>
        r.type === 'error' ? reject(new Error(`training thread ${i}: ${r.message}`)) : resolve(r),
      );
      this.workers[i]!.postMessage(m);
    });
  }

  private all(make: (i: number) => TRequest): Promise<TReply[]> {
    return Promise.all(this.workers.map((_, i) => this.call(i, make(i))));
  }

  /** One step over the whole batch: shard gradients, then the averaged update on every replica. */
  async step(step: number): Promise<{ loss: number; gradNorm: number }> {
    const parts = (await this.all(() => ({ type: 'gradients', step }))) as Extract<
      TReply,
      { type: 'loss' }
    >[];
    const total = parts.reduce((a, p) => a + p.samples, 0);
    const loss = parts.reduce((a, p) => a + (p.loss * p.samples) / total, 0);
    const applied = (await this.all(() => ({ type: 'apply' }))) as Extract<
      TReply,
      { type: 'applied' }
    >[];
    return { loss, gradNorm: applied[0]!.gradNorm };
  }

  /** One thread's live weights (base or adapter checkpoint) and trainer state. */
  async snapshot(index = 0): Promise<{ weights: Uint8Array; state: Uint8Array }> {
    const r = (await this.call(index, { type: 'snapshot' })) as Extract<
      TReply,
      { type: 'snapshot' }
    >;
    return { weights: r.weights, state: r.state };
  }

  /** Copies thread 0's weights and trainer state into the main thread's mirror. */
  async syncInto(model: MusarModel, trainer: Trainer, mode: 'full' | 'adapter'): Promise<void> {
    const snap = await this.snapshot();
    if (mode === 'adapter') loadAdapter(model, snap.weights);
    else {
      const fresh = loadCheckpoint({ weights: snap.weights, config: model.cfg });
      const src = fresh.namedParams();
      tf.tidy(() => {
        for (const [name, v] of model.namedParams()) v.assign(src.get(name)!);
      });
      fresh.dispose();
    }
    await trainer.loadState(snap.state);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
