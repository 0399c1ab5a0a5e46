// MUSAR_NATIVE=off vs on, interleaved in fresh processes: ms per full training step of `tiny`
// (base task: no subjects) and s/image of 20-step sampling. Wall and process-CPU time, medians.
// usage: npx tsx bench/native.ts [--batch 32] [--steps 8] [--reps 3] [--gen-batch 4]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const B = arg('batch', 32);
const steps = arg('steps', 8);
const reps = arg('reps', 3);
const G = arg('gen-batch', 4);

async function child(): Promise<void> {
  const { initBackend } = await import('../src/backend');
  const { getPreset } = await import('../src/config');
  const { MusarModel } = await import('../src/model/dit');
  const { Trainer } = await import('../src/train');
  const { generate } = await import('../src/sampler');
  const info = await initBackend('wasm');
  const cfg = getPreset('tiny');
  const S = cfg.imageSize;
  const model = new MusarModel(cfg, { seed: 1 });
  const trainer = new Trainer(model, { mode: 'full', seed: 1 });
  const batch = {
    images: tf.randomUniform([B, S, S, 3], -1, 1, 'float32', 1) as tf.Tensor4D,
    prompt: tf.randomUniform([B, cfg.promptLength], 1, cfg.vocabSize, 'int32', 2) as tf.Tensor2D,
    condText: null,
    references: null,
  };
  const measure = (n: number, f: () => void) => {
    f(); // warm-up
    const walls: number[] = [];
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      f();
      walls.push(performance.now() - t0);
    }
    const c = process.cpuUsage(c0);
    walls.sort((x, y) => x - y);
    return { wall: walls[walls.length >> 1]!, cpu: (c.user + c.system) / 1000 / n };
  };
  const losses: number[] = [];
  const train = measure(steps, () => losses.push(trainer.trainStep(batch).loss));
  const prompt = tf.slice(batch.prompt, [0, 0], [G, -1]) as tf.Tensor2D;
  const gen = measure(2, () =>
    generate(model, { prompt, condText: null, references: null } as never, {
      steps: 20,
      seed: 3,
    }).images.dispose(),
  );
  console.log(
    JSON.stringify({
      note: info.note,
      train,
      gen: { wall: gen.wall / G, cpu: gen.cpu / G },
      loss: losses.at(-1),
    }),
  );
}

function parent(): void {
  const self = fileURLToPath(import.meta.url);
  const rows: Record<
    string,
    { train: number[]; trainCpu: number[]; gen: number[]; genCpu: number[] }
  > = {
    off: { train: [], trainCpu: [], gen: [], genCpu: [] },
    on: { train: [], trainCpu: [], gen: [], genCpu: [] },
  };
  for (let r = 0; r < reps; r++) {
    for (const mode of ['off', 'on'] as const) {
      const p = spawnSync(
        process.execPath,
        ['--import', 'tsx', self, '--child', ...process.argv.slice(2)],
        {
          encoding: 'utf8',
          env: { ...process.env, MUSAR_NATIVE: mode },
        },
      );
      const line = p.stdout.trim().split('\n').pop() ?? '';
      if (p.status !== 0 || !line.startsWith('{'))
        throw new Error(`child failed: ${p.stderr.slice(-2000)}`);
      const m = JSON.parse(line);
      rows[mode]!.train.push(m.train.wall);
      rows[mode]!.trainCpu.push(m.train.cpu);
      rows[mode]!.gen.push(m.gen.wall);
      rows[mode]!.genCpu.push(m.gen.cpu);
      console.log(
        `rep ${r + 1} MUSAR_NATIVE=${mode}: train ${m.train.wall.toFixed(0)} ms/step wall, ${m.train.cpu.toFixed(0)} CPU; gen ${m.gen.wall.toFixed(0)} ms/image wall; loss ${m.loss.toFixed(5)}; ${m.note}`,
      );
    }
  }
  const med = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1]!;
  const f = (k: 'train' | 'trainCpu' | 'gen' | 'genCpu') =>
    `${med(rows.off![k]).toFixed(0)} | ${med(rows.on![k]).toFixed(0)} | ${(med(rows.off![k]) / med(rows.on![k])).toFixed(2)}×`;
  console.log(
    `\n| measure (tiny, medians of ${reps}) | wasm (MUSAR_NATIVE=off) | + OpenBLAS (on) | speed-up |`,
  );
  console.log('|---|---|---|---|');
  console.log(`| train step, batch ${B}, ms wall | ${f('train')} |`);
  console.log(`| train step, batch ${B}, ms CPU | ${f('trainCpu')} |`);
  console.log(
    `| samples/s (wall) | ${((B * 1000) / med(rows.off!.train)).toFixed(1)} | ${((B * 1000) / med(rows.on!.train)).toFixed(1)} | |`,
  );
  console.log(`| generation b${G}, 20 steps, ms/image wall | ${f('gen')} |`);
  console.log(`| generation b${G}, 20 steps, ms/image CPU | ${f('genCpu')} |`);
}

if (process.argv.includes('--child')) await child();
else parent();
