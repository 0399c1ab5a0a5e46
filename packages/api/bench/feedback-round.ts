// One round of feedback retraining, measured: the MUSAR adapter generates two-subject scenes of
// training-distribution subjects (never the held-out evaluation subjects) with dynamic routing;
// a simulated reviewer approves the better half by the analytic scorer (fidelity high AND leakage
// low) and confirms the model's routing map; the adapter is continued on those approved images
// (region-masked, mixed with stage-2 pairs/diptychs — the `feedback` stage, as the retrain job
// does) and both adapters are evaluated on the held-out two-subject suite. Generation and
// evaluation use the guidance of the card beside the adapter (models/musar/card.json), as the
// platform does.
//   npx tsx packages/api/bench/feedback-round.ts --base runs/gpu/base --adapter runs/gpu/musar/weights.safetensors
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import {
  buildInputs,
  currentBackend,
  generate,
  initBackend,
  loadAdapter,
  parseCardSampling,
  type MusarModel,
} from '@musar/model';
import {
  evaluateSuite,
  readBase,
  runStage,
  stageConfig,
  toRgb,
  type TTrainSample,
} from '@musar/trainer';
import { sampleAt, scoreImage, tokenize } from '@musar/toyworld';

const { values: a } = parseArgs({
  options: {
    base: { type: 'string', default: 'models/base' },
    adapter: { type: 'string', default: 'models/musar/weights.safetensors' },
    items: { type: 'string', default: '48' },
    steps: { type: 'string', default: '100' },
    eval: { type: 'string', default: '32' },
    sampling: { type: 'string', default: '20' },
  },
});
const N = Number(a.items),
  STEPS = Number(a.steps),
  E = Number(a.eval),
  SAMPLING = Number(a.sampling);
const cardPath = join(dirname(a.adapter!), 'card.json');
const guidance = existsSync(cardPath)
  ? parseCardSampling(JSON.parse(await readFile(cardPath, 'utf8')), cardPath)?.guidance
  : undefined;

async function load(): Promise<MusarModel> {
  const m = await readBase(a.base!);
  loadAdapter(m, new Uint8Array(await readFile(a.adapter!)));
  return m;
}

async function feedbackPool(model: MusarModel) {
  const S = model.cfg.imageSize;
  const out: (TTrainSample & { fidelity: number; leakage: number })[] = [];
  for (let i = 0; out.length < N; i++) {
    const s = sampleAt('oracle', 9001, i, { size: S, refSize: S });
    if (s.subjects.length !== 2) continue;
    const inputs = buildInputs(
      model.cfg,
      [
        {
          prompt: s.prompt,
          subjects: s.references.map((reference, j) => ({
            condition: s.conditions[j]!,
            reference,
          })),
        },
      ],
      tokenize,
    );
    const res = generate(model, inputs, {
      steps: SAMPLING,
      seed: 100 + i,
      routing: {},
      ...(guidance ? { guidance } : {}),
    });
    const image = toRgb((await res.images.data()) as Float32Array, S);
    res.images.dispose();
    tf.dispose(Object.values(inputs));
    const score = scoreImage(image, s.subjects, s.prompt);
    out.push({
      ...s,
      target: image,
      regionGrid: res.routingMap
        ? Int32Array.from(res.routingMap.slice(0, (S / model.cfg.patchSize) ** 2))
        : undefined,
      fidelity: score.fidelity,
      leakage: score.leakage,
    });
  }
  return out;
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;

async function main() {
  await initBackend(process.env.MUSAR_BACKEND ?? 'wasm');
  const t0 = performance.now();
  const before = await load();
  const pool = await feedbackPool(before);
  const fMed = median(pool.map((p) => p.fidelity)),
    lMed = median(pool.map((p) => p.leakage));
  const approved = pool.filter((p) => p.fidelity >= fMed && p.leakage <= lMed && p.regionGrid);
  const tGen = performance.now();
  const evalBefore = (
    await evaluateSuite(before, {
      suite: 'two-subject',
      count: E,
      routing: {},
      steps: SAMPLING,
      guidance,
    })
  ).metrics;
  before.dispose();
  const dir = await mkdtemp(join(tmpdir(), 'musar-fb-'));
  const tTrain0 = performance.now();
  const { model: after } = await runStage({
    stage: stageConfig('feedback', {
      steps: STEPS,
      batchSize: 8,
      promptLength: (
        JSON.parse(await readFile(join(a.base!, 'config.json'), 'utf8')) as { promptLength: number }
      ).promptLength,
      checkpointEvery: STEPS,
    }),
    runDir: join(dir, 'run'),
    baseDir: a.base!,
    initAdapter: new Uint8Array(await readFile(a.adapter!)),
    feedback: approved,
  });
  const tTrain = performance.now();
  const evalAfter = (
    await evaluateSuite(after, {
      suite: 'two-subject',
      count: E,
      routing: {},
      steps: SAMPLING,
      guidance,
    })
  ).metrics;
  await rm(dir, { recursive: true, force: true });
  const f = (v: number) => v.toFixed(3);
  console.log(
    `backend ${currentBackend()?.name}; guidance ${guidance ? `${guidance.prompt} / ${guidance.reference} (card)` : 'default'}; generated ${pool.length} feedback candidates, approved ${approved.length} (fidelity ≥ ${f(fMed)} and leakage ≤ ${f(lMed)}); ${STEPS} feedback steps × batch 8`,
  );
  console.log(
    `mean fidelity / leakage of the approved items: ${f(approved.reduce((s, p) => s + p.fidelity, 0) / approved.length)} / ${f(approved.reduce((s, p) => s + p.leakage, 0) / approved.length)}`,
  );
  console.log(
    '| held-out two-subject suite (n = ' + E + ') | fidelity | leakage | count | seam rate |',
  );
  console.log('|---|---|---|---|---|');
  console.log(
    `| adapter before | ${f(evalBefore.fidelity)} | ${f(evalBefore.leakage)} | ${f(evalBefore.count)} | ${f(evalBefore.seamRate)} |`,
  );
  console.log(
    `| after one feedback round | ${f(evalAfter.fidelity)} | ${f(evalAfter.leakage)} | ${f(evalAfter.count)} | ${f(evalAfter.seamRate)} |`,
  );
  console.log(
    `time: generate+score ${((tGen - t0) / 1000).toFixed(0)} s, train ${((tTrain - tTrain0) / 1000).toFixed(0)} s, total ${((performance.now() - t0) / 1000).toFixed(0)} s`,
  );
}
await main();
