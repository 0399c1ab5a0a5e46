import {
  regionMapAtGrid,
  sampleAt,
  tokenize,
  type TDatasetKind,
  type TSample,
} from '@musar/toyworld';
// the tensor-free subpath: the prefetch threads build batches without loading a backend
import { inputArrays, modelPixels } from '@musar/model/inputs';
import type { TStageConfig } from './stages';

// ---------------------------------------------------------------------------------------------
// Training data: seeded, resumable batches of toy-world samples. A batch holds one dataset kind
// and one subject count k (the model's token layout is fixed within a batch). Batch s is a pure
// function of (stage, s): resume needs only the step, and worker threads can build batches ahead.
// ---------------------------------------------------------------------------------------------

/** A training sample; feedback samples carry a reviewer-confirmed routing map on the patch grid,
 * and a draw weight (default 1: reviewers' strength votes, see nextBatch). */
export type TTrainSample = TSample & { regionGrid?: Int32Array; weight?: number };

/** Deterministic uniform in [0, 1) from integers (splitmix-like). */
export function hashUnit(...xs: number[]): number {
  let h = 0x9e3779b9;
  for (const x of xs) {
    h = Math.imul(h ^ (x >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return (h >>> 0) / 4294967296;
}

/**
 * The data mix of a run with `feedbackCount` feedback samples, as normalised weights: feedback
 * only when there is some, its share lowered by `feedbackViews` so that each feedback sample is
 * drawn about that many times over the run's steps.
 */
export function dataMix(
  stage: TStageConfig,
  feedbackCount: number,
): [TDatasetKind | 'feedback', number][] {
  const entries = Object.entries(stage.data).filter(
    ([k, w]) => (w ?? 0) > 0 && (k !== 'feedback' || feedbackCount > 0),
  ) as [TDatasetKind | 'feedback', number][];
  if (entries.length === 0)
    throw new Error(`stage ${stage.stage} has no data to train on (feedback: ${feedbackCount})`);
  const rest = entries.reduce((s, [k, w]) => s + (k === 'feedback' ? 0 : w), 0);
  const views = stage.feedbackViews;
  const capped = entries.map(([k, w]): [TDatasetKind | 'feedback', number] => {
    if (k !== 'feedback' || views === undefined || rest === 0) return [k, w];
    const share = (views * feedbackCount) / (stage.steps * stage.batchSize);
    return [k, share >= 1 ? w : Math.min(w, (share * rest) / (1 - share))];
  });
  const total = capped.reduce((s, [, w]) => s + w, 0);
  return capped.map(([k, w]) => [k, w / total]);
}

/** The dataset kind of batch `step`, drawn by the data mix. */
export function kindForStep(
  stage: TStageConfig,
  step: number,
  feedbackCount: number,
): TDatasetKind | 'feedback' {
  const mix = dataMix(stage, feedbackCount);
  let u = hashUnit(stage.seed, step, 17);
  for (const [kind, w] of mix) if ((u -= w) < 0) return kind;
  return mix[mix.length - 1]![0];
}

/**
 * The samples of batch `step`: a pure function of (stage, step), so any worker can build any
 * batch and resume needs nothing but the step. Slot j of step s uses sample index s·B + j of its
 * kind. Oracle scenes hold 2–4 subjects: a batch first picks k, then probes indices (hashed from
 * step and slot) until one has k subjects. Feedback samples are grouped by k the same way; within
 * a group they are taken in turn, or — when their weights differ — drawn with probability
 * weight / Σ weights (hashed from step and slot).
 */
export function nextBatch(
  stage: TStageConfig,
  step: number,
  feedback: TTrainSample[] = [],
  /** Only slots [start, end) of the batch (one data-parallel shard); the whole batch by default. */
  slots: { start: number; end: number } = { start: 0, end: stage.batchSize },
): TTrainSample[] {
  const kind = kindForStep(stage, step, feedback.length);
  const B = stage.batchSize;
  const o = {
    size: stage.size,
    refSize: stage.size,
    diptychSides: stage.diptychSides,
    smallPairs: stage.smallPairs,
    diptychVertical: stage.diptychVertical,
    shapeWeights: stage.shapeWeights,
  };
  const range = Array.from(
    { length: Math.max(0, Math.min(B, slots.end) - slots.start) },
    (_, i) => slots.start + i,
  );
  if (kind === 'feedback') {
    const ks = [...new Set(feedback.map((s) => s.subjects.length))].sort();
    const k = ks[Math.floor(hashUnit(stage.seed, step, 29) * ks.length)]!;
    const pool = feedback.filter((s) => s.subjects.length === k);
    const weights = pool.map((s) => Math.max(0, s.weight ?? 1));
    const total = weights.reduce((a, w) => a + w, 0);
    if (total <= 0 || weights.every((w) => w === weights[0]))
      return range.map((j) => pool[(step * B + j) % pool.length]!);
    return range.map((j) => {
      let u = hashUnit(stage.seed, step, j, 41) * total;
      for (let i = 0; i < pool.length; i++) if ((u -= weights[i]!) < 0) return pool[i]!;
      return pool[pool.length - 1]!;
    });
  }
  if (kind !== 'oracle') return range.map((j) => sampleAt(kind, stage.seed, step * B + j, o));
  const wantK = 2 + Math.floor(hashUnit(stage.seed, step, 31) * 3);
  return range.map((j) => {
    for (let attempt = 0; ; attempt++) {
      const index = Math.floor(hashUnit(stage.seed, step, j, attempt) * 2 ** 30);
      const s = sampleAt(kind, stage.seed, index, o);
      if (s.subjects.length === wantK || attempt > 64) return s;
    }
  });
}

/** Plain arrays of one batch, ready to become tensors (kept tf-free so workers can build them). */
export type TBatchArrays = {
  batch: number;
  subjects: number;
  /** [B, S, S, 3] in [-1, 1] */
  images: Float32Array;
  /** [B, Lp] */
  prompt: Int32Array;
  /** [B, k, Lc] */
  condText: Int32Array;
  /** [B, k, S, S, 3] in [-1, 1] */
  references: Float32Array;
  /** [B, g·g] or null */
  regions: Int32Array | null;
  /** [B, S, S] per-pixel loss weights, or null (every pixel weighs the same) */
  lossWeights: Float32Array | null;
  /** A diptych batch whose halves are denoised as separate images (X ↔ X within a half). */
  isolateRegions?: boolean;
  /** With `isolateRegions`: the halves isolate X ↔ X only, X → Ci stays open (stage without regions). */
  subjectsOpen?: boolean;
};

/** How a stage turns samples into batch arrays (the one place these stage fields are read). */
export type TBatchOptions = {
  /** Carry region maps (static routing limited to regions: diptych halves, repaints). */
  regions: boolean;
  /** With `regions`: diptych halves limit X → Ci too (default true); false leaves them open. */
  diptychRegions?: boolean;
  /** Loss weight of a subject's pixels relative to background pixels (1: no weighting). */
  subjectLossWeight?: number;
  /** Loss weight of a diptych's background pixels (its split scenes and seam); default 1. */
  diptychBackgroundWeight?: number;
  /** Diptych batches: X ↔ X attention only within each half; without `regions`, X → Ci stays
   * open (each half picks its own reference). */
  diptychIsolation?: boolean;
};

export function batchOptions(stage: TStageConfig): TBatchOptions {
  return {
    regions: stage.regions,
    diptychRegions: stage.diptychRegions,
    subjectLossWeight: stage.subjectLossWeight,
    diptychBackgroundWeight: stage.diptychBackgroundWeight,
    // full attention (the naive ablation) has no routing plan to isolate with
    diptychIsolation: stage.diptychIsolation && stage.attention === 'static',
  };
}

export type TLayoutSpec = {
  imageSize: number;
  patchSize: number;
  promptLength: number;
  condTextLength: number;
};

export function toBatchArrays(
  samples: TTrainSample[],
  cfg: TLayoutSpec,
  opts: TBatchOptions,
): TBatchArrays {
  const S = cfg.imageSize;
  const B = samples.length;
  const k = samples[0]!.references.length;
  if (samples.some((s) => s.references.length !== k))
    throw new Error('toBatchArrays: samples of one batch must share k');
  const grid = S / cfg.patchSize;
  const px = S * S * 3;
  const images = new Float32Array(B * px);
  // prompt, condition texts and references as every caller builds them (the model's inputArrays)
  const { prompt, condText, references } = inputArrays(
    cfg,
    samples.map((s) => ({
      prompt: s.prompt,
      subjects: s.references.map((reference, i) => ({ condition: s.conditions[i]!, reference })),
    })),
    tokenize,
  );
  // A batch holds one dataset kind. Diptych halves limit X → Ci with `regions` unless
  // `diptychRegions` is off; isolated halves need the halves' map even when X → Ci stays open.
  const diptychs = samples.every((s) => s.kind === 'diptych');
  const limitDiptych = opts.regions && (opts.diptychRegions ?? true);
  const isolate = (opts.diptychIsolation ?? false) && diptychs;
  const hasRegion = diptychs
    ? isolate || limitDiptych
    : opts.regions && samples.some((s) => s.regionGrid);
  const regions = hasRegion ? new Int32Array(B * grid * grid).fill(-1) : null;
  const subjectWeight = opts.subjectLossWeight ?? 1;
  const diptychBackground = opts.diptychBackgroundWeight ?? 1;
  const lossWeights =
    subjectWeight !== 1 || (diptychBackground !== 1 && samples.some((s) => s.kind === 'diptych'))
      ? new Float32Array(B * S * S)
      : null;
  samples.forEach((s, b) => {
    if (s.target.width !== S || s.target.height !== S)
      throw new Error(
        `sample ${s.index}: target is ${s.target.width}×${s.target.height}, model wants ${S}×${S}`,
      );
    modelPixels(s.target, S, images, b * px);
    if (lossWeights) {
      const map = s.subjectMap ?? s.ownerMap;
      if (map.length !== S * S)
        throw new Error(`sample ${s.index}: owner map has ${map.length} pixels, want ${S * S}`);
      // A diptych's background (two half scenes, a seam) is the layout bias: weighed apart.
      const background = s.kind === 'diptych' ? diptychBackground : 1;
      for (let p = 0; p < S * S; p++)
        lossWeights[b * S * S + p] = map[p]! >= 0 ? subjectWeight : background;
    }
    if (regions) {
      const grid2 = grid * grid;
      if (s.regionGrid) regions.set(s.regionGrid, b * grid2);
      else if (s.kind === 'diptych')
        regions.set(Int32Array.from(regionMapAtGrid(s.ownerMap, S, S, grid)), b * grid2);
      else for (let t = 0; t < grid2; t++) regions[b * grid2 + t] = k === 1 ? 0 : -1;
    }
  });
  return {
    batch: B,
    subjects: k,
    images,
    prompt,
    condText,
    references,
    regions,
    lossWeights,
    ...(isolate ? { isolateRegions: true } : {}),
    ...(isolate && !limitDiptych ? { subjectsOpen: true } : {}),
  };
}
