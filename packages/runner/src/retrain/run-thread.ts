// Runs one retrain/evaluate task in its own worker thread (TF.js backend per thread, like the
// generate pool). Abort = the thread is terminated.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { TEvalResult, TEvalTask, TThreadMessage, TTrainResult, TTrainTask } from './types';

function entry(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const filename = join(here, 'thread-entry.mjs');
  if (!existsSync(filename)) throw new Error(`retrain thread entry not found: ${filename}`);
  return filename;
}

export function runInThread(
  task: TTrainTask,
  o?: {
    signal?: AbortSignal;
    onProgress?: (p: { step: number; steps: number; loss: number }) => void;
  },
): Promise<TTrainResult>;
export function runInThread(task: TEvalTask, o?: { signal?: AbortSignal }): Promise<TEvalResult>;
export function runInThread(
  task: TTrainTask | TEvalTask,
  o: {
    signal?: AbortSignal;
    onProgress?: (p: { step: number; steps: number; loss: number }) => void;
  } = {},
): Promise<unknown> {
  const worker = new Worker(pathToFileURL(entry()), { workerData: task });
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      void worker.terminate();
      reject(o.signal?.reason ?? new Error('aborted'));
    };
    o.signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (m: TThreadMessage) => {
      if (m.type === 'progress') o.onProgress?.(m);
      else {
        o.signal?.removeEventListener('abort', onAbort);
        void worker.terminate();
        if (m.type === 'done') resolve(m.result);
        else reject(new Error(m.message));
      }
    });
    worker.on('error', reject);
    worker.on('exit', (code) =>
      reject(new Error(`retrain thread exited (${code}) before answering`)),
    );
  });
}
