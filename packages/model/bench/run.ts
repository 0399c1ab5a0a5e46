// `npm run bench -w packages/model` — the model benchmark. For each preset and each backend
// present it measures (in a child process per pair) forward tokens/s, train ms/sample (full and
// adapter-only), 2-subject generation s/image (20 steps, guidance, dynamic routing) at batch 1
// and 4, 1 vs 2 worker threads, and achieved GFLOP/s as a fraction of the same run's large-matmul
// rate; then runs the PyTorch speed anchor (../shared/anchors) and prints the ratios.
// Flags: --presets tiny,small  --backends wasm,cpu  --quick  --markdown FILE (append the tables)
// --json FILE (append each raw measurement)  --no-anchor. The cpu backend (pure JS) runs a light set.
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { torchEnv } from './torch-env';
import { f, pushTable } from './markdown';

const here = path.dirname(fileURLToPath(import.meta.url));
const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : def;
};
const quick = process.argv.includes('--quick');

/** Backends that can run here: wasm and cpu always; webgpu with an adapter; tensorflow if installed. */
async function presentBackends(): Promise<string[]> {
  const out = ['wasm'];
  const probe = (name: string) =>
    spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `import('${path.join(here, '../src/backend.ts')}').then(m => m.initBackend('${name}')).then(() => process.exit(0), () => process.exit(1))`,
      ],
      { stdio: 'ignore', timeout: 60_000 },
    ).status === 0;
  if (probe('webgpu')) out.push('webgpu');
  if (probe('tensorflow')) out.push('tensorflow');
  out.push('cpu');
  return out;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON lines of measure.ts, read field by field
type TRow = Record<string, any>;
const backends = process.argv.includes('--backends')
  ? arg('backends', 'wasm').split(',')
  : await presentBackends();
const presets = arg('presets', 'tiny,small').split(',');
const rows: TRow[] = [];
for (const preset of presets)
  for (const backend of backends) {
    // pure-JS cpu: tiny only, and no worker comparison (minutes per measurement otherwise)
    if (backend === 'cpu' && preset !== 'tiny') {
      console.error(
        `skip ${preset}/${backend}: the pure-JS cpu backend is too slow for this preset`,
      );
      continue;
    }
    const extra = [
      ...(quick || backend === 'cpu' ? ['--quick'] : []),
      ...(backend === 'cpu' ? ['--no-workers', '--light'] : []),
    ];
    console.error(`measuring ${preset} on ${backend} …`);
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(here, 'measure.ts'),
        '--preset',
        preset,
        '--backend',
        backend,
        ...extra,
      ],
      {
        encoding: 'utf8',
        timeout: 20 * 60_000,
        maxBuffer: 1 << 24,
      },
    );
    const line = r.stdout
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .pop();
    if (!line) {
      console.error(`failed ${preset}/${backend}: ${r.stderr.slice(-2000)}`);
      continue;
    }
    rows.push(JSON.parse(line));
    if (arg('json', '')) appendFileSync(arg('json', ''), `${line}\n`);
  }

const out: string[] = [];
const table = (head: string[], body: string[][]) => pushTable(out, head, body);
out.push(
  `Node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), load ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
  '',
);
table(
  [
    'preset',
    'backend',
    'matmul GFLOP/s',
    'forward tok/s',
    'forward ms/sample',
    'train full ms/sample',
    'train adapter ms/sample',
    'gen s/image b1',
    'gen s/image b4',
    'load',
  ],
  rows.map((r) => [
    r.preset,
    r.backend,
    f(r.matmulGflops),
    f(r.forward.tokensPerSecond, 0),
    f(r.forward.msPerSample),
    f(r.trainFull.msPerSample),
    f(r.trainAdapter.msPerSample),
    f(r.gen1.sPerImage, 2),
    f(r.gen4.sPerImage, 2),
    f(r.load),
  ]),
);
out.push('Process CPU time (less sensitive to other load on this shared machine):', '');
table(
  [
    'preset',
    'backend',
    'forward ms/sample',
    'train full',
    'train adapter',
    'gen s/image b1',
    'gen s/image b4',
  ],
  rows.map((r) => [
    r.preset,
    r.backend,
    f(r.forward.cpuMsPerSample),
    f(r.trainFull.cpuMsPerSample),
    f(r.trainAdapter.cpuMsPerSample),
    f(r.gen1.cpuSPerImage, 2),
    f(r.gen4.cpuSPerImage, 2),
  ]),
);
out.push('Achieved useful GFLOP/s (fraction of the large-matmul rate):', '');
const frac = (r: TRow, g: number) => `${f(g)} (${f((100 * g) / r.matmulGflops, 0)}%)`;
table(
  ['preset', 'backend', 'forward', 'train full', 'train adapter', 'gen b1', 'gen b4'],
  rows.map((r) => [
    r.preset,
    r.backend,
    frac(r, r.forward.gflops),
    frac(r, r.trainFull.gflops),
    frac(r, r.trainAdapter.gflops),
    frac(r, r.gen1.gflops),
    frac(r, r.gen4.gflops),
  ]),
);
const withWorkers = rows.filter((r) => r.workers);
if (withWorkers.length) {
  out.push(
    'Worker threads (one backend per thread): generation s/image for a request of 4 images (two threads: 2 each) and of 8 images',
    '(two threads: a batch of 4 each, like one thread at batch 4), data-parallel adapter training ms/sample (batch 8):',
    '',
  );
  table(
    [
      'preset',
      'backend',
      'gen4 1 thread',
      'gen4 2 threads',
      'speed-up',
      'gen8 1 thread',
      'gen8 2 threads',
      'speed-up',
      'train 1 thread',
      'train 2 threads',
      'speed-up',
    ],
    withWorkers.map((r) => {
      const w = r.workers;
      const g8 =
        w.gen8_1 !== undefined
          ? [f(w.gen8_1, 2), f(w.gen8_2, 2), `${f(w.gen8_1 / w.gen8_2, 2)}×`]
          : ['—', '—', '—'];
      return [
        r.preset,
        r.backend,
        f(w.gen4_1, 2),
        f(w.gen4_2, 2),
        `${f(w.gen4_1 / w.gen4_2, 2)}×`,
        ...g8,
        f(w.trainAdapter_1 * 1e3),
        f(w.trainAdapter_2 * 1e3),
        `${f(w.trainAdapter_1 / w.trainAdapter_2, 2)}×`,
      ];
    }),
  );
}

// The PyTorch anchor (same tiny shape), in this same run.
// ../shared beside the repository root (never an absolute path).
const anchor = path.resolve(here, '../../..', '../shared/anchors/torch_dit_ref.py');
const tiny = rows.find((r) => r.preset === 'tiny' && r.backend === 'wasm');
if (tiny && existsSync(anchor) && !process.argv.includes('--no-anchor')) {
  try {
    const txt = execFileSync('/usr/bin/python3', [anchor, '1'], {
      encoding: 'utf8',
      env: torchEnv(1),
      timeout: 10 * 60_000,
    });
    const num = (re: RegExp) => Number(re.exec(txt)?.[1]);
    const tf = num(/\(([\d.]+) ms\/sample\)/);
    const ts = num(/\(([\d.]+) s\/image\)/);
    const tt = num(/train step B8 full: \d+ ms \(([\d.]+) ms\/sample\)/);
    out.push(
      `PyTorch anchor (${txt.split('\n')[0]}), tiny shape, same run — ours (wasm) ÷ PyTorch, lower is better:`,
      '',
    );
    table(
      ['measure', 'PyTorch', 'ours', 'ratio'],
      [
        [
          'forward ms/sample',
          f(tf),
          f(tiny.forward.msPerSample),
          `${f(tiny.forward.msPerSample / tf, 2)}×`,
        ],
        [
          'sampling s/image (b4, 20 steps, no guidance)',
          f(ts, 3),
          f(tiny.gen4plain.sPerImage, 3),
          `${f(tiny.gen4plain.sPerImage / ts, 2)}×`,
        ],
        [
          'train full ms/sample',
          f(tt),
          f(tiny.trainFull.msPerSample),
          `${f(tiny.trainFull.msPerSample / tt, 2)}×`,
        ],
      ],
    );
  } catch (e) {
    out.push(
      `PyTorch anchor not run: ${(e as Error).message.split('\n')[0]} (apt-get install -y python3-torch libopenblas0-pthread)`,
      '',
    );
  }
}
const text = out.join('\n');
console.log(text);
const md = arg('markdown', '');
if (md) appendFileSync(md, `\n${text}\n`);
