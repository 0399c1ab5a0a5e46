// `npm run bench -w @musar/trainer` — training throughput of `musar train` itself: samples/s on the
// base task (batch 64) and the MUSAR adapter stage (batch 16, shipped base), on one compute thread
// (with batch prefetch on the spare cores, as before data parallelism) and data-parallel on every
// core. Each figure is the rate over steps 11–20 (the first 10 warm up the kernels and threads).
// Flags: --threads 1,2  --stages base,musar  --markdown FILE (append the table)
import { appendFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '@musar/model';
import { runStage, stageConfig, type TStageName } from '../src/index';

const here = path.dirname(fileURLToPath(import.meta.url));
const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : def;
};
const backend = await initBackend(process.env.MUSAR_BACKEND ?? 'wasm');
const cores = os.cpus().length;
const threadsList = arg('threads', [...new Set([1, cores])].join(','))
  .split(',')
  .map(Number);
const stages = arg('stages', 'base,musar').split(',') as TStageName[];
const baseDir = path.join(here, '../../../models/base');
const worker = (f: string) => ({ url: new URL(`../src/${f}`, import.meta.url) });

async function rate(stage: TStageName, threads: number): Promise<number> {
  const cfg = stageConfig(stage, {
    steps: 20,
    checkpointEvery: 1000,
    evalEverySamples: 0,
    ...(stage === 'base' ? { batchSize: 64 } : {}),
  });
  const rates: number[] = [];
  const r = await runStage({
    stage: cfg,
    runDir: mkdtempSync(path.join(os.tmpdir(), 'musar-bench-')),
    baseDir: stage === 'base' ? undefined : baseDir,
    parallel: threads > 1 ? { threads, worker: worker('train-worker.mjs') } : undefined,
    prefetch:
      threads === 1 && cores > 1 ? { threads: 1, worker: worker('batch-worker.mjs') } : undefined,
    onProgress: (p) => rates.push(p.samplesPerSecond),
  });
  r.trainer.dispose();
  r.model.dispose();
  return rates[1]!;
}

const rows: string[][] = [];
for (const stage of stages) {
  const one = threadsList.includes(1) ? await rate(stage, 1) : NaN;
  for (const t of threadsList) {
    const sps = t === 1 ? one : await rate(stage, t);
    rows.push([
      stage,
      String(stage === 'base' ? 64 : stageConfig(stage).batchSize),
      String(t),
      sps.toFixed(1),
      Number.isFinite(one) ? `${(sps / one).toFixed(2)}×` : '—',
    ]);
    console.error(`${stage} × ${t} thread(s): ${sps.toFixed(1)} samples/s`);
  }
}
const out = [
  `musar train throughput — ${backend.name}, Node ${process.version}, ${cores} cores (${os.cpus()[0]?.model ?? '?'}), load ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
  '',
  '| stage | batch | compute threads | samples/s | vs 1 thread |',
  '|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.join(' | ')} |`),
  '',
].join('\n');
console.log(out);
if (arg('markdown', '')) appendFileSync(arg('markdown', ''), `\n${out}\n`);
