// `npm run bench:profile -w @musar/model` — kernel-by-kernel profile of one training step and one
// sampling step of a preset (tiny by default) on the default backend (auto: wasm + native OpenBLAS
// matmul where it builds; MUSAR_NATIVE=off and MUSAR_BACKEND are honoured as everywhere else).
//
// - training step: Trainer in full mode at --batch (32), the base task's inputs (prompt only;
//   --subjects 2 gives bench/measure.ts's "train full" inputs): forward, backward, clip, Adam, EMA —
//   the body of Trainer.trainStep, with a mark between the gradients and the update.
// - sampling step: one guided denoiser evaluation as the sampler runs it (sampler.ts, velocity()):
//   --gen-batch (4) images with 2 subjects (the generation bench's inputs), default guidance
//   p = r = 3, i.e. the conditional rows against the cached condition keys/values and as many
//   reference-free rows against the null prompt's, the guided combination, the Euler update. Static
//   routing (the steps before dynamic routing starts).
//
// Each: a warm-up, --reps timed reps (wall and process CPU, no profiler), then tf.profile over --reps
// reps; kernel times are summed by kernel name per rep, the median over reps taken per kernel (this
// machine is shared), and summed by class. tf.profile adds overhead (bookkeeping per kernel), so
// the wall time is the unprofiled one. Then bench/torch_profile.py profiles the same
// two steps of the PyTorch anchor (../shared/anchors/torch_dit_ref.py) and the classes are printed
// side by side. Flags: --batch 32 --gen-batch 4 --subjects 0 --reps 5 --top 12 --markdown FILE
// (append the tables) --no-torch --backend NAME --preset tiny.
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/backend';
import { getPreset, type TPresetName } from '../src/config';
import { MusarModel, type TContextCache } from '../src/model/dit';
import type { TModelInputs } from '../src/model/inputs';
import { Trainer } from '../src/train';
import { torchEnv } from './torch-env';
import { f, pushTable } from './markdown';

const here = path.dirname(fileURLToPath(import.meta.url));
const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : def;
};
const B = Number(arg('batch', '32'));
const G = Number(arg('gen-batch', '4'));
const subjects = Number(arg('subjects', '0'));
const reps = Number(arg('reps', '5'));
const top = Number(arg('top', '12'));
const preset = arg('preset', 'tiny') as TPresetName;

const info = await initBackend(arg('backend', process.env.MUSAR_BACKEND ?? 'auto'));
const cfg = getPreset(preset);
const S = cfg.imageSize;

// ---------------------------------------------------------------------------------------------
// Kernel classes (the same names as torch_profile.py's)
// ---------------------------------------------------------------------------------------------

const CLASSES = [
  'matmul',
  'elementwise',
  'reductions',
  'softmax/norm',
  'data movement',
  'other',
] as const;
type TClass = (typeof CLASSES)[number];
const MATMUL = new Set(['BatchMatMul', '_FusedMatMul', 'MatMul', 'Conv2D', 'Einsum']);
const CLASS_OF: Record<string, TClass> = {};
const assign = (cls: TClass, names: string) => {
  for (const n of names.split(/\s+/).filter(Boolean)) CLASS_OF[n] = cls;
};
for (const n of MATMUL) CLASS_OF[n] = 'matmul';
assign(
  'elementwise',
  `Add AddN Sub Multiply Mul RealDiv Div FloorDiv Maximum Minimum Neg Square SquaredDifference Sqrt
   Rsqrt Exp Expm1 Log Log1p Tanh Sigmoid Relu Relu6 Elu Selu Erf Pow Sin Cos Abs Sign Step Select
   Less LessEqual Greater GreaterEqual Equal NotEqual LogicalAnd LogicalOr LogicalNot ClipByValue
   Reciprocal Prelu LeakyRelu Softplus Floor Ceil Round Mod Cast IsNan Atan2 Asin Acos Atan`,
);
assign('reductions', 'Sum Max Min Mean Prod ArgMax ArgMin All Any EuclideanNorm');
assign('softmax/norm', 'Softmax LogSoftmax FusedBatchNorm LRN');
assign(
  'data movement',
  `Transpose Concat SplitV Slice StridedSlice Reshape Identity Pad PadV2 MirrorPad GatherV2 GatherNd
   Tile Pack Unpack BroadcastTo Reverse ScatterNd TensorScatterUpdate OneHot`,
);
const kernelClass = (name: string): TClass => CLASS_OF[name] ?? 'other';

// ---------------------------------------------------------------------------------------------
// Profiling
// ---------------------------------------------------------------------------------------------

type TAgg = { ms: number; calls: number };
type TStepProfile = {
  wall: number; // median ms per rep, no profiler
  cpu: number; // process CPU ms per rep, no profiler
  profiledWall: number; // ms per rep under tf.profile
  total: number; // kernel ms per rep: the sum of the kernels' medians
  kernels: Map<string, TAgg>; // per rep, median over reps
  classes: Map<TClass, TAgg>; // sums of the kernels' medians
  marked: number; // kernel ms after the step's mark (the update of a training step), median
};

/** Profiles `step` (its `mark` splits the kernels it runs in two: before and after). */
async function profileStep(step: (mark: () => void) => void): Promise<TStepProfile> {
  const noMark = () => {};
  step(noMark); // warm-up
  const walls: number[] = [];
  const c0 = process.cpuUsage();
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    step(noMark);
    walls.push(performance.now() - t0);
  }
  const c = process.cpuUsage(c0);

  // Kernel index ranges of each rep, and where its mark fell (engine().state.activeProfile is
  // what tf.profile fills).
  const kernelsSoFar = () => tf.engine().state.activeProfile.kernels.length;
  const bounds: { start: number; mark: number; end: number }[] = [];
  let profiledWall = 0;
  const prof = await tf.profile(() => {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) {
      const start = kernelsSoFar();
      let mark = -1;
      step(() => (mark = kernelsSoFar()));
      const end = kernelsSoFar();
      bounds.push({ start, mark: mark >= 0 ? mark : end, end });
    }
    profiledWall = (performance.now() - t0) / reps;
  });
  // Per kernel name: the median over reps of its time in a rep (a load spike on this shared
  // machine then moves one rep, not the table); calls per rep are the same in every rep.
  const perRep = bounds.map(({ start, end }) => {
    const m = new Map<string, TAgg>();
    for (const k of prof.kernels.slice(start, end)) {
      const a = m.get(k.name) ?? { ms: 0, calls: 0 };
      a.ms += Number(k.kernelTimeMs);
      a.calls += 1;
      m.set(k.name, a);
    }
    return m;
  });
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  const kernels = new Map<string, TAgg>();
  for (const name of new Set(perRep.flatMap((m) => [...m.keys()])))
    kernels.set(name, {
      ms: median(perRep.map((m) => m.get(name)?.ms ?? 0)),
      calls: median(perRep.map((m) => m.get(name)?.calls ?? 0)),
    });
  const classes = new Map<TClass, TAgg>(CLASSES.map((k) => [k, { ms: 0, calls: 0 }]));
  let total = 0;
  for (const [name, a] of kernels) {
    const cl = classes.get(kernelClass(name))!;
    cl.ms += a.ms;
    cl.calls += a.calls;
    total += a.ms;
  }
  const marked = median(
    bounds.map(({ mark, end }) =>
      prof.kernels.slice(mark, end).reduce((t, k) => t + Number(k.kernelTimeMs), 0),
    ),
  );
  return {
    wall: median(walls),
    cpu: (c.user + c.system) / 1000 / reps,
    profiledWall,
    total,
    kernels,
    classes,
    marked,
  };
}

/** Inputs as bench/measure.ts builds them (k subjects; k = 0: the base task's prompt only). */
function inputs(batch: number, seed: number, k: number): TModelInputs {
  return {
    prompt: tf.randomUniform([batch, cfg.promptLength], 1, cfg.vocabSize, 'int32', seed),
    condText:
      k > 0
        ? tf.randomUniform([batch, k, cfg.condTextLength], 1, cfg.vocabSize, 'int32', seed + 1)
        : null,
    references: k > 0 ? tf.randomUniform([batch, k, S, S, 3], -1, 1, 'float32', seed + 2) : null,
  } as TModelInputs;
}

const model = new MusarModel(cfg, { seed: 1, adaLNZero: false });

// Training step: Trainer.trainStep's body, marked between gradients and update.
console.error(`profiling a training step (${preset}, batch ${B}, ${subjects} subjects) …`);
const trainer = new Trainer(model, { mode: 'full' });
const batch = {
  ...inputs(B, 3, subjects),
  images: tf.randomUniform([B, S, S, 3], -1, 1, 'float32', 4) as tf.Tensor4D,
};
const train = await profileStep((mark) => {
  const { loss, grads } = trainer.computeGradients(batch);
  loss.dataSync();
  loss.dispose();
  mark();
  trainer.applyGradients(grads);
});
trainer.dispose();

// Sampling step: sampler.ts's velocity() at step 1 of 20, guidance p = r = 3, plus the Euler update.
console.error(`profiling a sampling step (batch ${G} + ${G} guidance rows, 2 subjects) …`);
const g = inputs(G, 9, 2);
const encode = (i: TModelInputs) =>
  tf.tidy(
    () => model.encodeContext(i) as unknown as tf.TensorContainer,
  ) as unknown as TContextCache;
const condCache = encode(g);
const freeCache = encode({ prompt: tf.zerosLike(g.prompt) });
const x = tf.randomNormal([G, S, S, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
const guidance = 3;
const steps = 20;
const tNow = 1 - 1 / steps;
const sample = await profileStep(() => {
  const next = tf.tidy(() => {
    const v = model.forwardTarget(x, tf.fill([G], tNow) as tf.Tensor1D, condCache).velocity;
    const vf = model.forwardTarget(x, tf.fill([G], tNow) as tf.Tensor1D, freeCache).velocity;
    return tf.sub(x, tf.mul(tf.add(vf, tf.mul(tf.sub(v, vf), guidance)), 1 / steps));
  });
  next.dataSync();
  next.dispose();
});

// ---------------------------------------------------------------------------------------------
// Tables
// ---------------------------------------------------------------------------------------------

const pct = (x: number, of: number) => `${f((100 * x) / of)}%`;
const out: string[] = [];
const table = (head: string[], body: string[][]) => pushTable(out, head, body);
out.push(
  `Kernel profile — ${preset}, ${info.name} (${info.note}), Node ${process.version}, ` +
    `${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}, ${reps} reps`,
  '',
);

function report(title: string, p: TStepProfile, markedAs: string | null) {
  const mm = p.classes.get('matmul')!.ms;
  out.push(
    `**${title}**: wall ${f(p.wall)} ms/rep without the profiler (median of ${reps}; process CPU ` +
      `${f(p.cpu)} ms/rep), ${f(p.profiledWall)} ms/rep under tf.profile (its bookkeeping per ` +
      `kernel is overhead). Kernel time ${f(p.total)} ms/rep (each kernel's median over the reps, ` +
      `summed; ${pct(p.total, p.wall)} of the ` +
      `unprofiled wall; the rest is JS between kernels). Matmul (BatchMatMul/_FusedMatMul/MatMul) ` +
      `${f(mm)} ms (${pct(mm, p.total)} of kernel time), everything else ${f(p.total - mm)} ms ` +
      `(${pct(p.total - mm, p.total)}).` +
      (markedAs ? ` Of the kernel time, ${markedAs}: ${f(p.marked)} ms.` : ''),
    '',
  );
  const rows = [...p.kernels.entries()].sort((a, b) => b[1].ms - a[1].ms);
  const shown = rows.slice(0, top);
  const rest = rows.slice(top);
  const restMs = rest.reduce((s, [, a]) => s + a.ms, 0);
  const restCalls = rest.reduce((s, [, a]) => s + a.calls, 0);
  table(
    ['kernel', 'class', 'ms/rep', 'calls/rep', 'share'],
    [
      ...shown.map(([name, a]) => [
        name,
        kernelClass(name),
        f(a.ms, 2),
        f(a.calls, 0),
        pct(a.ms, p.total),
      ]),
      ...(rest.length
        ? [
            [
              `other (${rest.length} kernels)`,
              '',
              f(restMs, 2),
              f(restCalls, 0),
              pct(restMs, p.total),
            ],
          ]
        : []),
      [
        '**all kernels**',
        '',
        f(p.total, 2),
        f(
          rows.reduce((s, [, a]) => s + a.calls, 0),
          0,
        ),
        '100%',
      ],
    ],
  );
  table(
    ['class', 'ms/rep', 'calls/rep', 'share'],
    CLASSES.map((c) => {
      const a = p.classes.get(c)!;
      return [c, f(a.ms, 2), f(a.calls, 0), pct(a.ms, p.total)];
    }),
  );
}
report(
  `Training step, batch ${B}, ${subjects} subjects (forward + backward + clip + Adam + EMA)`,
  train,
  'the update after the gradients (clip, Adam, EMA)',
);
report(
  `Sampling step, batch ${G} + ${G} guidance rows, 2 subjects (guided denoiser call + Euler update)`,
  sample,
  null,
);

// ---------------------------------------------------------------------------------------------
// PyTorch (bench/torch_profile.py on the anchor model), side by side by class
// ---------------------------------------------------------------------------------------------

type TTorchStep = {
  wall: number;
  profiledWall: number;
  total: number;
  update: number;
  classes: Record<string, TAgg>;
};
const root = path.resolve(here, '../../..');
const script = path.join(here, 'torch_profile.py');
// ../shared beside the repository root (never an absolute path), as bench/run.ts finds it.
const anchor = path.resolve(root, '../shared/anchors/torch_dit_ref.py');
if (process.argv.includes('--no-torch')) out.push('PyTorch profile skipped (--no-torch).', '');
else if (preset !== 'tiny')
  out.push(`PyTorch profile skipped: the anchor has the tiny shape, not ${preset}.`, '');
else if (!existsSync(anchor))
  out.push(`PyTorch profile skipped: no anchor at ../shared/anchors/torch_dit_ref.py.`, '');
else {
  console.error('profiling the PyTorch anchor …');
  const r = spawnSync(
    '/usr/bin/python3',
    [
      script,
      '--root',
      root,
      '--batch',
      String(B),
      '--gen-batch',
      String(G),
      '--subjects',
      String(subjects),
      '--reps',
      String(reps),
      '--top',
      String(top),
      '--json',
    ],
    { encoding: 'utf8', timeout: 10 * 60_000, maxBuffer: 1 << 24, env: torchEnv(1) },
  );
  const lines = (r.stdout ?? '').trim().split('\n');
  const json = lines.filter((l) => l.startsWith('{')).pop();
  const parsed = json
    ? (JSON.parse(json) as { error?: string; train: TTorchStep; sample: TTorchStep })
    : null;
  if (!parsed || parsed.error) {
    const why =
      parsed?.error ??
      r.error?.message ??
      (r.stderr ?? '').trim().split('\n').pop() ??
      `exit ${r.status}`;
    out.push(
      `PyTorch profile not run: ${why} (apt-get install -y python3-torch libopenblas0-pthread)`,
      '',
    );
  } else {
    out.push(...lines.filter((l) => !l.startsWith('{')), '');
    const side = (title: string, ours: TStepProfile, pt: TTorchStep) => {
      out.push(
        `${title} by class, ms/rep — ours (${info.name}) against PyTorch (self CPU time under ` +
          `torch.autograd.profiler); ratio = ours ÷ PyTorch:`,
        '',
      );
      const row = (name: string, a: number, b: number) => [
        name,
        f(a),
        f(b),
        a >= 0.1 && b >= 0.1 ? `${f(a / b, 2)}×` : '—', // no ratio of near-zero times
        f(a - b),
      ];
      const cls = (c: string) => pt.classes[c]?.ms ?? 0;
      const nonMm = ['elementwise', 'reductions', 'softmax/norm'] as const;
      table(
        ['class', 'ours ms', 'PyTorch ms', 'ratio', 'ours − PyTorch ms'],
        [
          ...CLASSES.map((c) => row(c, ours.classes.get(c)!.ms, cls(c))),
          row(
            'non-matmul compute (elementwise + reductions + softmax/norm)',
            nonMm.reduce((s, c) => s + ours.classes.get(c)!.ms, 0),
            nonMm.reduce((s, c) => s + cls(c), 0),
          ),
          [
            'framework (PyTorch: autograd/optimizer wrappers; ours: not kernels)',
            '—',
            f(cls('framework')),
            '—',
            '—',
          ],
          row('**all profiled**', ours.total, pt.total),
          row('**wall, unprofiled**', ours.wall, pt.wall),
          row('wall under the profiler', ours.profiledWall, pt.profiledWall),
        ],
      );
    };
    side(`Training step, batch ${B}`, train, parsed.train);
    out.push(
      `(update after the gradients — clip, Adam, EMA: ours ${f(train.marked)} ms of kernels, ` +
        `PyTorch ${f(parsed.train.update)} ms)`,
      '',
    );
    side(`Sampling step, batch ${G} + ${G}`, sample, parsed.sample);
  }
}

const text = out.join('\n');
console.log(text);
const md = arg('markdown', '');
if (md) appendFileSync(md, `\n${text}\n`);
process.exit(0);
