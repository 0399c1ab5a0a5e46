// One round of feedback retraining, measured: the MUSAR adapter generates two-subject scenes of
// training-distribution subjects (never the held-out evaluation subjects) with dynamic routing;
// a simulated reviewer approves the better half by the analytic scorer (fidelity high AND leakage
// low) and confirms the model's routing map; the adapter is continued on those approved images
// (region-masked, mixed with stage-2 pairs/diptychs — the `feedback` stage, as the retrain job
// does) and both adapters are evaluated on the held-out two-subject suite. Generation and
// evaluation use the guidance of the card beside the adapter (models/musar/card.json), as the
// platform does.
// `--variants FILE` (JSON: [{ "name": …, "stage": { feedback-stage overrides } }, …]) trains each
// variant from the same approved pool and scores it on the same held-out items, so rows compare
// paired; without it the one variant is the `feedback` stage as the retrain job runs it.
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
import { ownerMapFromGrid, sampleAt, scoreImage, tokenize } from '@musar/toyworld';
import { z } from 'zod';

const { values: a } = parseArgs({
  options: {
    base: { type: 'string', default: 'models/base' },
    adapter: { type: 'string', default: 'models/musar/weights.safetensors' },
    items: { type: 'string', default: '48' },
    steps: { type: 'string', default: '100' },
    eval: { type: 'string', default: '32' },
    sampling: { type: 'string', default: '20' },
    variants: { type: 'string' },
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

const ZVariants = z
  .array(
    z.object({ name: z.string().min(1), stage: z.record(z.string(), z.unknown()).default({}) }),
  )
  .min(1);
const variants = a.variants
  ? ZVariants.parse(JSON.parse(await readFile(a.variants, 'utf8')))
  : [{ name: 'after one feedback round', stage: {} }];

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
    // As the retrain job builds an approved output (core's feedbackSamples): the image, its
    // routing map as the region grid and, expanded to pixels, as the owner map that weighs the
    // loss — never the toy world's own maps of the scene the prompt describes.
    const g = S / model.cfg.patchSize;
    const regionGrid = res.routingMap ? Int32Array.from(res.routingMap.slice(0, g * g)) : undefined;
    const { subjectMap: _drawn, ...spec } = s;
    out.push({
      ...spec,
      target: image,
      ...(regionGrid ? { regionGrid, ownerMap: ownerMapFromGrid(regionGrid, g, S) } : {}),
      fidelity: score.fidelity,
      leakage: score.leakage,
    });
  }
  return out;
}

/** The held-out two-subject score every row is measured by (the same items and seeds). */
const heldOut = async (model: MusarModel) =>
  (
    await evaluateSuite(model, {
      suite: 'two-subject',
      count: E,
      routing: {},
      steps: SAMPLING,
      guidance,
    })
  ).metrics;

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
  const evalBefore = await heldOut(before);
  before.dispose();
  const promptLength = (
    JSON.parse(await readFile(join(a.base!, 'config.json'), 'utf8')) as { promptLength: number }
  ).promptLength;
  const adapter = new Uint8Array(await readFile(a.adapter!));
  const rows: { name: string; m: typeof evalBefore; seconds: number }[] = [];
  for (const v of variants) {
    const dir = await mkdtemp(join(tmpdir(), 'musar-fb-'));
    const tTrain0 = performance.now();
    const { model: after } = await runStage({
      stage: stageConfig('feedback', {
        steps: STEPS,
        batchSize: 8,
        promptLength,
        checkpointEvery: STEPS,
        ...v.stage,
      }),
      runDir: join(dir, 'run'),
      baseDir: a.base!,
      initAdapter: adapter,
      feedback: approved,
    });
    const seconds = (performance.now() - tTrain0) / 1000;
    const m = await heldOut(after);
    after.dispose();
    await rm(dir, { recursive: true, force: true });
    rows.push({ name: v.name, m, seconds });
    console.log(
      `variant "${v.name}" done: fidelity ${m.fidelity.toFixed(3)}, train ${seconds.toFixed(0)} s`,
    );
  }
  const f = (v: number) => v.toFixed(3);
  console.log(
    `backend ${currentBackend()?.name}; guidance ${guidance ? `${guidance.prompt} / ${guidance.reference} (card)` : 'default'}; generated ${pool.length} feedback candidates, approved ${approved.length} (fidelity ≥ ${f(fMed)} and leakage ≤ ${f(lMed)}); ${STEPS} feedback steps × batch 8`,
  );
  console.log(
    `mean fidelity / leakage of the approved items: ${f(approved.reduce((s, p) => s + p.fidelity, 0) / approved.length)} / ${f(approved.reduce((s, p) => s + p.leakage, 0) / approved.length)}`,
  );
  console.log(
    '| held-out two-subject suite (n = ' +
      E +
      ') | fidelity | leakage | count | seam rate | train s |',
  );
  console.log('|---|---|---|---|---|---|');
  for (const r of [{ name: 'adapter before', m: evalBefore, seconds: 0 }, ...rows])
    console.log(
      `| ${r.name} | ${f(r.m.fidelity)} | ${f(r.m.leakage)} | ${f(r.m.count)} | ${f(r.m.seamRate)} | ${r.seconds.toFixed(0)} |`,
    );
  console.log(
    `time: generate+score ${((tGen - t0) / 1000).toFixed(0)} s, total ${((performance.now() - t0) / 1000).toFixed(0)} s`,
  );
}
await main();
