import * as tf from '@tensorflow/tfjs-core';
import {
  generate,
  type MusarModel,
  type TRoutingParamsInput,
} from '@musar/model';
import {
  renderReference,
  renderScene,
  scoreImage,
  suiteItem,
  tokenize,
  conditionText,
  type RgbImage,
  type TScore,
  type TSuiteItem,
  type TSuiteName,
} from '@musar/toyworld';

// ---------------------------------------------------------------------------------------------
// Evaluation: generate every item of a held-out suite with the model and score it with the
// toy-world scorer (images only). Also scores the suite's ground-truth renders for reference.
// ---------------------------------------------------------------------------------------------

export type TEvalOptions = {
  suite: TSuiteName;
  count: number;
  /** Dynamic routing parameters, or null for generation without dynamic routing. */
  routing: TRoutingParamsInput | null;
  steps?: number;
  guidance?: { prompt: number; reference: number };
  seed?: number;
  batch?: number;
  onItem?: (done: number, total: number) => void;
};

export type TEvalItem = { id: string; prompt: string; image: RgbImage; routingMap: Int32Array | null; score: TScore; references: RgbImage[] };

export type TMetrics = {
  n: number;
  fidelity: number;
  shape: number;
  body: number;
  accent: number;
  pattern: number;
  glyph: number;
  leakage: number;
  /** fraction of images whose seam score exceeds 0.5 */
  seamRate: number;
  count: number;
  relation: number;
  background: number;
};

export function aggregate(scores: TScore[]): TMetrics {
  const n = scores.length;
  const mean = (f: (s: TScore) => number) => (n ? scores.reduce((a, s) => a + f(s), 0) / n : NaN);
  const subj = (key: 'shape' | 'body' | 'accent' | 'pattern' | 'glyph') =>
    mean((s) => s.perSubject.reduce((a, p) => a + p[key], 0) / Math.max(1, s.perSubject.length));
  return {
    n,
    fidelity: mean((s) => s.fidelity),
    shape: subj('shape'),
    body: subj('body'),
    accent: subj('accent'),
    pattern: subj('pattern'),
    glyph: subj('glyph'),
    leakage: mean((s) => s.leakage),
    seamRate: mean((s) => (s.seam > 0.5 ? 1 : 0)),
    count: mean((s) => s.count),
    relation: mean((s) => s.relation),
    background: mean((s) => s.background),
  };
}

export function toRgb(data: Float32Array | Uint8Array | number[], size: number, offset = 0): RgbImage {
  const px = size * size * 3;
  const out = new Float32Array(px);
  for (let j = 0; j < px; j++) out[j] = Math.min(1, Math.max(0, ((data[offset + j] as number) + 1) / 2));
  return { width: size, height: size, data: out };
}

/**
 * Generation inputs for B samples of k subjects each: prompts, per-subject condition texts and
 * reference images (RGB in [0, 1], the model's size). The one place callers turn data into tensors.
 */
export function generationInputs(
  cfg: Pick<MusarModel['cfg'], 'imageSize' | 'promptLength' | 'condTextLength'>,
  prompts: string[],
  conditions: string[][],
  refs: RgbImage[][],
) {
  const { imageSize: S, promptLength: Lp, condTextLength: Lc } = cfg;
  const B = prompts.length;
  const k = refs[0]!.length;
  const px = S * S * 3;
  const refData = new Float32Array(B * k * px);
  refs.flat().forEach((r, i) => r.data.forEach((v, j) => (refData[i * px + j] = v * 2 - 1)));
  const cond = new Int32Array(B * k * Lc);
  conditions.forEach((cs, b) => cs.forEach((c, i) => cond.set(tokenize(c, Lc), (b * k + i) * Lc)));
  const prompt = new Int32Array(B * Lp);
  prompts.forEach((p, b) => prompt.set(tokenize(p, Lp), b * Lp));
  return {
    prompt: tf.tensor2d(prompt, [B, Lp], 'int32'),
    condText: tf.tensor3d(cond, [B, k, Lc], 'int32'),
    references: tf.tensor5d(refData, [B, k, S, S, 3]),
  };
}

/** Model inputs for suite items (all of one suite share k), with the rendered references. */
export function itemInputs(model: MusarModel, items: TSuiteItem[]) {
  const refs = items.map((it) => it.subjects.map((s) => renderReference(s, model.cfg.imageSize)));
  const conditions = items.map((it) => it.subjects.map(conditionText));
  return { refs, inputs: generationInputs(model.cfg, items.map((it) => it.prompt), conditions, refs) };
}

export async function evaluateSuite(model: MusarModel, o: TEvalOptions): Promise<{ items: TEvalItem[]; metrics: TMetrics }> {
  const S = model.cfg.imageSize;
  const all = Array.from({ length: o.count }, (_, i) => suiteItem(o.suite, i));
  const bs = o.batch ?? 4;
  const items: TEvalItem[] = [];
  for (let i = 0; i < all.length; i += bs) {
    const chunk = all.slice(i, i + bs);
    const { refs, inputs } = itemInputs(model, chunk);
    try {
      const res = generate(model, inputs, {
        steps: o.steps ?? 20,
        seed: (o.seed ?? 0) + i,
        guidance: o.guidance ?? { prompt: 3, reference: 1.5 },
        ...(o.routing ? { routing: o.routing } : {}),
      });
      const data = (await res.images.data()) as Float32Array;
      res.images.dispose();
      const g2 = (S / model.cfg.patchSize) ** 2;
      chunk.forEach((it, b) => {
        const image = toRgb(data, S, b * S * S * 3);
        items.push({
          id: it.id,
          prompt: it.prompt,
          image,
          routingMap: res.routingMap ? res.routingMap.slice(b * g2, (b + 1) * g2) : null,
          score: scoreImage(image, it.subjects, it.prompt),
          references: refs[b]!,
        });
      });
    } finally {
      tf.dispose(Object.values(inputs));
    }
    o.onItem?.(items.length, all.length);
  }
  return { items, metrics: aggregate(items.map((x) => x.score)) };
}

/** Scores of the suite's ground-truth renders at the model's size (the ceiling we compare to). */
export function groundTruthMetrics(suite: TSuiteName, count: number, size: number): TMetrics {
  const scores = Array.from({ length: count }, (_, i) => {
    const it = suiteItem(suite, i);
    return scoreImage(renderScene(it.scene, size).image, it.subjects, it.prompt);
  });
  return aggregate(scores);
}
