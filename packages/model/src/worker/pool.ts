import { Worker } from 'node:worker_threads';
import {
  CheckpointError,
  InvalidInputError,
  InvalidRoutingError,
  MusarError,
  BackendUnavailableError,
} from '../errors';
import { deriveSeed } from '../random';
import type { TSampleOptions } from '../sampler';
import type { TTrainerOptions } from '../train';
import {
  sliceWire,
  transferList,
  type TInitMessage,
  type TRequest,
  type TResponse,
  type TWireInputs,
  type TWireTensor,
} from './protocol';

// ---------------------------------------------------------------------------------------------
// A pool of model worker threads (one TF.js backend each), so model compute never runs on the
// caller's event loop. Generation splits a batch across workers; training is data-parallel:
// every worker computes gradients on its shard, the pool averages them and every replica
// applies the same averaged step, so the replicas stay identical.
// Workers run the TypeScript entry through tsx (bootstrap.mjs); a bundle passes its own entry.
// ---------------------------------------------------------------------------------------------

export type TPoolOptions = {
  workers: number;
  /** Backend name per worker (MUSAR_BACKEND semantics); default: the env / auto. */
  backend?: string;
  /** Base checkpoint (from saveCheckpoint) every worker loads. */
  checkpoint: { weights: Uint8Array; config: unknown };
  adapter?: Uint8Array | null;
  /** Present for data-parallel training: trainer options of every replica. */
  trainer?: TTrainerOptions | null;
  /** Worker script (an ESM file); default: src/worker/entry.ts through bootstrap.mjs. */
  entry?: URL;
};
export type TTrainWire = TWireInputs & {
  images: TWireTensor;
  regions?: Int32Array | null;
  keepSubject?: boolean[][] | null;
};

const errorClasses: Record<string, new (m: string) => MusarError> = {
  InvalidInputError,
  InvalidRoutingError,
  CheckpointError,
  BackendUnavailableError,
};

class ModelWorker {
  private queue: Promise<unknown> = Promise.resolve();
  constructor(readonly worker: Worker) {}

  /** One request at a time per worker; resolves with its response or rejects with a typed error. */
  call(msg: TRequest, transfer: ArrayBuffer[] = []): Promise<TResponse> {
    const run = () =>
      new Promise<TResponse>((resolve, reject) => {
        const onMessage = (r: TResponse) => {
          cleanup();
          if (r.type === 'error') {
            const E = errorClasses[r.name];
            reject(E ? new E(r.message) : Object.assign(new Error(r.message), { name: r.name }));
          } else resolve(r);
        };
        const onError = (e: Error) => {
          cleanup();
          reject(e);
        };
        const cleanup = () => {
          this.worker.off('message', onMessage);
          this.worker.off('error', onError);
        };
        this.worker.on('message', onMessage);
        this.worker.on('error', onError);
        this.worker.postMessage(msg, transfer);
      });
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }
}

/** Splits n rows into `parts` contiguous chunks [from, to), dropping empty ones. */
function chunks(n: number, parts: number): [number, number][] {
  const size = Math.ceil(n / parts);
  const out: [number, number][] = [];
  for (let from = 0; from < n; from += size) out.push([from, Math.min(n, from + size)]);
  return out;
}

function sliceInputs(i: TWireInputs, from: number, to: number): TWireInputs {
  return {
    prompt: sliceWire(i.prompt, from, to),
    condText: i.condText ? sliceWire(i.condText, from, to) : null,
    references: i.references ? sliceWire(i.references, from, to) : null,
  };
}

export class MusarWorkerPool {
  private step = 0;
  private constructor(
    private readonly workers: ModelWorker[],
    readonly backend: string,
    private readonly seed: number,
  ) {}

  static async start(opts: TPoolOptions): Promise<MusarWorkerPool> {
    if (!Number.isInteger(opts.workers) || opts.workers < 1)
      throw new InvalidInputError(`workers must be a positive integer, got ${opts.workers}`);
    const entry = opts.entry ?? new URL('./entry.ts', import.meta.url);
    const boot = new URL('./bootstrap.mjs', import.meta.url);
    const workers = Array.from({ length: opts.workers }, () => {
      const w = opts.entry
        ? new Worker(entry)
        : new Worker(boot, { workerData: { entry: entry.href } });
      w.unref();
      return new ModelWorker(w);
    });
    const init: TInitMessage = {
      type: 'init',
      backend: opts.backend,
      config: opts.checkpoint.config,
      weights: opts.checkpoint.weights,
      adapter: opts.adapter ?? null,
      trainer: opts.trainer ?? null,
    };
    const ready = await Promise.all(workers.map((w) => w.call(init)));
    const backend = ready[0]?.type === 'ready' ? ready[0].backend : 'unknown';
    return new MusarWorkerPool(workers, backend, opts.trainer?.seed ?? 0);
  }

  get size(): number {
    return this.workers.length;
  }

  /** Generates a batch split across the workers; images [B, H, W, 3] as a float32 wire tensor. */
  async generate(
    inputs: TWireInputs,
    /** Plain data only (it crosses to the workers): no `onStep`. */
    options: Omit<TSampleOptions, 'onStep'> = {},
  ): Promise<{ images: TWireTensor; routingMap: Int32Array | null }> {
    const B = inputs.prompt.shape[0]!;
    const parts = chunks(B, this.workers.length);
    const first = options.firstImageIndex ?? 0;
    const results = await Promise.all(
      parts.map(([from, to], i) =>
        this.workers[i]!.call({
          type: 'generate',
          inputs: sliceInputs(inputs, from, to),
          options: { ...options, firstImageIndex: first + from },
        }),
      ),
    );
    const imgs = results.map((r) => r as Extract<TResponse, { type: 'generated' }>);
    const data = new Float32Array(imgs.reduce((s, r) => s + r.images.data.length, 0));
    let off = 0;
    for (const r of imgs) {
      data.set(r.images.data, off);
      off += r.images.data.length;
    }
    const maps = imgs.map((r) => r.routingMap);
    const routingMap = maps.every((m) => m) ? Int32Array.from(maps.flatMap((m) => [...m!])) : null;
    return {
      images: { shape: [B, ...imgs[0]!.images.shape.slice(1)], dtype: 'float32', data },
      routingMap,
    };
  }

  /** One data-parallel training step: shard, compute, average (by shard size), apply everywhere. */
  async trainStep(batch: TTrainWire): Promise<{ loss: number; gradNorm: number; step: number }> {
    const B = batch.images.shape[0]!;
    const parts = chunks(B, this.workers.length);
    const nx = batch.regions ? batch.regions.length / B : 0;
    const results = (await Promise.all(
      parts.map(([from, to], i) =>
        this.workers[i]!.call({
          type: 'gradients',
          seed: deriveSeed(this.seed, this.step, i),
          batch: {
            ...sliceInputs(batch, from, to),
            images: sliceWire(batch.images, from, to),
            regions: batch.regions ? batch.regions.slice(from * nx, to * nx) : null,
            keepSubject: batch.keepSubject ? batch.keepSubject.slice(from, to) : null,
          },
        }),
      ),
    )) as Extract<TResponse, { type: 'gradients' }>[];
    const weights = parts.map(([from, to]) => (to - from) / B);
    const avg = results[0]!.grads.map((g) => new Float32Array(g.length));
    let loss = 0;
    results.forEach((r, i) => {
      loss += weights[i]! * r.loss;
      r.grads.forEach((g, j) => {
        const a = avg[j]!;
        for (let e = 0; e < g.length; e++) a[e]! += weights[i]! * g[e]!;
      });
    });
    const applied = await Promise.all(
      this.workers.map((w, i) => {
        const grads = i === this.workers.length - 1 ? avg : avg.map((g) => g.slice());
        return w.call({ type: 'apply', grads }, transferList(...grads));
      }),
    );
    this.step++;
    const a = applied[0] as Extract<TResponse, { type: 'applied' }>;
    return { loss, gradNorm: a.gradNorm, step: a.step };
  }

  /** Current weights of replica 0 (all replicas are identical) as safetensors bytes. */
  async exportWeights(what: 'base' | 'adapter'): Promise<Uint8Array> {
    const r = await this.workers[0]!.call({ type: 'export', what });
    return (r as Extract<TResponse, { type: 'exported' }>).weights;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }
}

export { inputsToWire, toWire, fromWire } from './protocol';
export type { TWireInputs, TWireTensor } from './protocol';
