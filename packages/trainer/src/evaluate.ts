import * as tf from '@tensorflow/tfjs-core';
import {
  buildInputs,
  DEFAULT_SAMPLING,
  generate,
  type MusarModel,
  type TRoutingParamsInput,
} from '@musar/model';
import {
  renderReference,
  renderScene,
  scoreImage,
  suiteHasReferences,
  suiteItem,
  summariseScores,
  tokenize,
  conditionText,
  type RgbImage,
  type TEvalSuiteName,
  type TScore,
  type TScoreSummary,
  type TSuiteItem,
} from '@musar/toyworld';

// ---------------------------------------------------------------------------------------------
// Evaluation: generate every item of a held-out suite with the model and score it with the
// toy-world scorer (images only). Also scores the suite's ground-truth renders for reference.
// ---------------------------------------------------------------------------------------------

export type TEvalOptions = {
  suite: TEvalSuiteName;
  count: number;
  /** Dynamic routing parameters, or null for generation without dynamic routing. */
  routing: TRoutingParamsInput | null;
  /** Default: the sampler's (DEFAULT_SAMPLING), as generation has it. */
  steps?: number;
  /** Default: the sampler's (the prompt scale on both terms), as generation has it. */
  guidance?: { prompt: number; reference: number };
  seed?: number;
  batch?: number;
  onItem?: (done: number, total: number) => void;
};

export type TEvalItem = {
  id: string;
  prompt: string;
  image: RgbImage;
  routingMap: Int32Array | null;
  score: TScore;
  references: RgbImage[];
};

/**
 * Suite numbers: the toy world's one aggregation (`summariseScores`), so metrics.json, report.md and
 * training curves agree — `seamRate` counts images with seam ≥ SEAM_THRESHOLD in all of them.
 */
export type TMetrics = TScoreSummary;

export function aggregate(scores: TScore[]): TMetrics {
  return summariseScores(scores);
}

export function toRgb(
  data: Float32Array | Uint8Array | number[],
  size: number,
  offset = 0,
): RgbImage {
  const px = size * size * 3;
  const out = new Float32Array(px);
  for (let j = 0; j < px; j++)
    out[j] = Math.min(1, Math.max(0, ((data[offset + j] as number) + 1) / 2));
  return { width: size, height: size, data: out };
}

/** Model inputs for suite items (all of one suite share k), with the rendered references (none for `base`). */
export function itemInputs(model: MusarModel, items: TSuiteItem[], withReferences = true) {
  const refs = items.map((it) =>
    withReferences ? it.subjects.map((s) => renderReference(s, model.cfg.imageSize)) : [],
  );
  const inputs = buildInputs(
    model.cfg,
    items.map((it, b) => ({
      prompt: it.prompt,
      subjects: refs[b]!.map((reference, i) => ({
        condition: conditionText(it.subjects[i]!),
        reference,
      })),
    })),
    tokenize,
  );
  return { refs, inputs };
}

export type TGenerateItemsOptions = {
  steps: number;
  guidance: { prompt: number; reference: number };
  seed: number;
  routing: TRoutingParamsInput | null;
  batch: number;
  /** false for the prompt-only `base` suite */
  withReferences: boolean;
  onBatch?: (done: number) => void;
};

export type TGenerated = { image: RgbImage; routingMap: Int32Array | null; references: RgbImage[] };

/**
 * Generates suite items with the model (its current weights), in batches; batch i draws its noise from
 * seed + i. Every tensor it makes is disposed.
 */
export async function generateItems(
  model: MusarModel,
  items: TSuiteItem[],
  o: TGenerateItemsOptions,
): Promise<TGenerated[]> {
  const S = model.cfg.imageSize;
  const g2 = (S / model.cfg.patchSize) ** 2;
  const out: TGenerated[] = [];
  for (let i = 0; i < items.length; i += o.batch) {
    const chunk = items.slice(i, i + o.batch);
    const { refs, inputs } = itemInputs(model, chunk, o.withReferences);
    try {
      const res = generate(model, inputs, {
        steps: o.steps,
        seed: o.seed + i,
        guidance: o.guidance,
        ...(o.routing ? { routing: o.routing } : {}),
      });
      const data = (await res.images.data()) as Float32Array;
      res.images.dispose();
      chunk.forEach((_, b) =>
        out.push({
          image: toRgb(data, S, b * S * S * 3),
          routingMap: res.routingMap ? res.routingMap.slice(b * g2, (b + 1) * g2) : null,
          references: refs[b]!,
        }),
      );
    } finally {
      tf.dispose(Object.values(inputs));
    }
    o.onBatch?.(out.length);
  }
  return out;
}

export async function evaluateSuite(
  model: MusarModel,
  o: TEvalOptions,
): Promise<{ items: TEvalItem[]; metrics: TMetrics }> {
  const all = Array.from({ length: o.count }, (_, i) => suiteItem(o.suite, i));
  const generated = await generateItems(model, all, {
    steps: o.steps ?? DEFAULT_SAMPLING.steps,
    seed: o.seed ?? 0,
    guidance: o.guidance ?? { prompt: DEFAULT_SAMPLING.prompt, reference: DEFAULT_SAMPLING.prompt },
    routing: o.routing,
    batch: o.batch ?? 4,
    withReferences: suiteHasReferences(o.suite),
    onBatch: (done) => o.onItem?.(done, all.length),
  });
  const items = all.map((it, i) => {
    const g = generated[i]!;
    return {
      id: it.id,
      prompt: it.prompt,
      ...g,
      score: scoreImage(g.image, it.subjects, it.prompt),
    };
  });
  return { items, metrics: aggregate(items.map((x) => x.score)) };
}

/** Scores of the suite's ground-truth renders at the model's size (the ceiling we compare to). */
export function groundTruthMetrics(suite: TEvalSuiteName, count: number, size: number): TMetrics {
  const scores = Array.from({ length: count }, (_, i) => {
    const it = suiteItem(suite, i);
    return scoreImage(renderScene(it.scene, size).image, it.subjects, it.prompt);
  });
  return aggregate(scores);
}
