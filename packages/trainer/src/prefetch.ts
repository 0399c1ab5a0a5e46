import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import {
  batchOptions,
  nextBatch,
  toBatchArrays,
  type TBatchArrays,
  type TBatchOptions,
  type TLayoutSpec,
} from './data';
import type { TStageConfig } from './stages';

// ---------------------------------------------------------------------------------------------
// Batch prefetch on worker threads: rendering a diptych batch costs about as much as a GPU step,
// so W threads build batches step % W === w ahead of the trainer (buffers are transferred).
// ---------------------------------------------------------------------------------------------

type TRequest = { stage: TStageConfig; step: number; layout: TLayoutSpec; opts: TBatchOptions };
type TReply = { step: number; arrays?: TBatchArrays; error?: string };

/** Body of a batch worker thread: answers batch requests until the port closes. */
export function runBatchWorker(): void {
  if (isMainThread || !parentPort) throw new Error('runBatchWorker must run in a worker thread');
  const port = parentPort;
  port.on('message', (r: TRequest) => {
    try {
      const arrays = toBatchArrays(nextBatch(r.stage, r.step), r.layout, r.opts);
      const buffers = [
        arrays.images,
        arrays.prompt,
        arrays.condText,
        arrays.references,
        arrays.regions,
        arrays.lossWeights,
      ]
        .filter((x): x is Float32Array | Int32Array => x !== null)
        .map((x) => x.buffer as ArrayBuffer);
      port.postMessage({ step: r.step, arrays } satisfies TReply, buffers);
    } catch (e) {
      port.postMessage({ step: r.step, error: (e as Error).message } satisfies TReply);
    }
  });
}

export type TWorkerSpec = { url: URL | string; execArgv?: string[]; workerData?: unknown };

export class BatchPrefetcher {
  private readonly workers: Worker[];
  private readonly pending = new Map<
    number,
    { resolve: (a: TBatchArrays) => void; reject: (e: Error) => void }
  >();
  private readonly ready = new Map<number, Promise<TBatchArrays>>();
  private next: number;

  constructor(
    private readonly stage: TStageConfig,
    private readonly layout: TLayoutSpec,
    startStep: number,
    spec: TWorkerSpec,
    threads: number,
    private readonly depth = 2 * threads,
  ) {
    this.next = startStep;
    this.workers = Array.from({ length: threads }, () => {
      const w = new Worker(spec.url, {
        execArgv: spec.execArgv,
        workerData: spec.workerData ?? { role: 'batch-worker' },
      });
      w.on('message', (m: TReply) => {
        const p = this.pending.get(m.step);
        this.pending.delete(m.step);
        if (m.arrays) p?.resolve(m.arrays);
        else p?.reject(new Error(`batch ${m.step}: ${m.error}`));
      });
      w.on('error', (e) => this.pending.forEach((p) => p.reject(e)));
      return w;
    });
    for (let i = 0; i < this.depth; i++) this.request(this.next++);
  }

  private request(step: number): void {
    const p = new Promise<TBatchArrays>((resolve, reject) =>
      this.pending.set(step, { resolve, reject }),
    );
    p.catch(() => undefined);
    this.ready.set(step, p);
    this.workers[step % this.workers.length]!.postMessage({
      stage: this.stage,
      step,
      layout: this.layout,
      opts: batchOptions(this.stage),
    } satisfies TRequest);
  }

  /** The arrays of batch `step` (steps must be taken in order from the start step). */
  async take(step: number): Promise<TBatchArrays> {
    const p = this.ready.get(step);
    if (!p) throw new Error(`batch ${step} was not requested (prefetch is sequential)`);
    this.ready.delete(step);
    this.request(this.next++);
    return p;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
