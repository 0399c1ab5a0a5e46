// A pool of compute threads (Piscina). Each thread owns one TF.js backend and one loaded model;
// jobs hand it plain data and get plain data back. Abort = the thread is terminated (Piscina
// replaces it), which is how a cancelled generation stops mid-sampling.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { TGenerateResult, TGenerateTask, TProbeResult, TProgress } from './thread/types';

export type TComputePool = {
  generate(
    task: Omit<TGenerateTask, 'kind' | 'progress'>,
    opts?: { signal?: AbortSignal; onProgress?: (p: TProgress) => void },
  ): Promise<TGenerateResult>;
  /** Starts every thread and returns the backend each one chose. */
  probe(): Promise<TProbeResult[]>;
  readonly threads: number;
  close(): Promise<void>;
};

/** The thread entry: a prebuilt bundle (dist/compute.mjs) when there is one, else the TypeScript
 * source run through tsx. MUSAR_COMPUTE_ENTRY overrides (bundlers move this file). */
export function computeEntry(): { filename: string; execArgv: string[] } {
  const fromEnv = process.env.MUSAR_COMPUTE_ENTRY;
  const candidates: string[] = fromEnv ? [resolve(fromEnv)] : [];
  try {
    const here = dirname(fileURLToPath(import.meta.url));
    candidates.push(join(here, '..', 'dist', 'compute.mjs'), join(here, 'thread', 'compute.ts'));
  } catch {
    // bundled: no file URL
  }
  for (let dir = process.cwd(); ; dir = dirname(dir)) {
    candidates.push(
      join(dir, 'apps', 'worker', 'dist', 'compute.mjs'),
      join(dir, 'apps', 'worker', 'src', 'thread', 'compute.ts'),
    );
    if (dirname(dir) === dir) break;
  }
  const filename = candidates.find((c) => existsSync(c));
  if (!filename) throw new Error('compute thread entry not found (set MUSAR_COMPUTE_ENTRY)');
  if (!filename.endsWith('.ts')) return { filename, execArgv: [] };
  const tsx = pathToFileURL(createRequire(filename).resolve('tsx')).href;
  return { filename, execArgv: ['--import', tsx] };
}

export function defaultThreadCount(): number {
  const fromEnv = Number(process.env.MUSAR_THREADS);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

export function createComputePool(threads = defaultThreadCount()): TComputePool {
  const { filename, execArgv } = computeEntry();
  const pool = new Piscina({
    filename: pathToFileURL(filename).href,
    execArgv,
    minThreads: threads,
    maxThreads: threads,
    // Tasks are long and few: one per thread, queued beyond that.
    concurrentTasksPerWorker: 1,
    idleTimeout: 10 * 60_000,
  });
  return {
    threads,
    async generate(task, opts = {}) {
      const { port1, port2 } = new MessageChannel();
      port1.on('message', (p: TProgress) => opts.onProgress?.(p));
      try {
        return (await pool.run(
          { ...task, kind: 'generate', progress: port2 },
          { transferList: [port2], signal: opts.signal },
        )) as TGenerateResult;
      } finally {
        port1.close();
      }
    },
    async probe() {
      return (await Promise.all(
        Array.from({ length: threads }, () => pool.run({ kind: 'probe' })),
      )) as TProbeResult[];
    },
    close: () => pool.close({ force: true }),
  };
}
