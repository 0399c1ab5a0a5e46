import type { MusarModel } from '@musar/model';
import {
  scoreImage,
  suiteHasReferences,
  suiteItem,
  summariseByArrangement,
  summariseScores,
  type RgbImage,
} from '@musar/toyworld';
import { z } from 'zod';
import { generateItems } from './evaluate';

// ---------------------------------------------------------------------------------------------
// Learning-curve points: the first `count` items of a fixed suite, generated with the model's
// current weights (the training loop swaps the EMA weights in) and scored by the toy-world scorer.
// Same generation path and aggregation as `musar eval`, only fewer items and sampling steps.
// ---------------------------------------------------------------------------------------------

export type TCurvePoint = {
  suite: 'base' | 'single' | 'two-subject';
  /** items scored */
  n: number;
  /** silhouette score, mean over subjects and items */
  shape: number;
  /**
   * Body-colour accuracy where the model is told the colour: on `base`, the subjects whose prompt
   * names it (NaN when none of the items does); on `single`/`two-subject`, every subject (the
   * reference carries the colour).
   */
  body: number;
  count: number;
  relation: number;
  background: number;
  /** identity parts the reference carries: accent colour, pattern layout, glyph (mean over subjects) */
  accent: number;
  pattern: number;
  glyph: number;
  /** combined identity fidelity (on `base` a perfect prompt-only render reaches only ≈ 0.47) */
  fidelity: number;
  /** badness: 0 = no subject wears another's colours or pattern */
  leakage: number;
  /** two-subject: fidelity and leakage per arrangement the prompts ask for ("left of", "above", …) */
  byArrangement?: Record<string, { n: number; fidelity: number; leakage: number }>;
  /** wall-clock of generation + scoring */
  seconds: number;
};

const ZCurveOptions = z
  .object({
    suite: z.enum(['base', 'single', 'two-subject']),
    count: z.number().int().min(1).max(1000),
    steps: z.number().int().min(1).max(1000),
    /** classifier-free guidance scale, on the prompt and (where there are references) on them */
    guidance: z.number().min(0).max(50).default(3),
    /** guidance on the references where it differs from the prompt's (default: `guidance`) */
    referenceGuidance: z.number().min(0).max(50).optional(),
    seed: z.number().int().min(0).default(0),
  })
  .strict();

/** One batch for up to this many items (16 items × 10 steps is one forward pass per step and guidance row). */
const MAX_BATCH = 16;

/**
 * Generates and scores the first `opts.count` items of a fixed suite: `opts.steps` Euler steps,
 * guidance `opts.guidance` (default 3), seeded noise (`opts.seed`, default 0). References and
 * dynamic routing as `musar eval` uses them by default (none on `base`). Disposes every tensor it makes.
 */
export async function evaluateCurvePoint(
  model: MusarModel,
  opts: {
    suite: 'base' | 'single' | 'two-subject';
    count: number;
    steps: number;
    guidance?: number;
    referenceGuidance?: number;
    seed?: number;
  },
): Promise<TCurvePoint> {
  const o = ZCurveOptions.parse(opts);
  const t0 = performance.now();
  const items = Array.from({ length: o.count }, (_, i) => suiteItem(o.suite, i));
  const withReferences = suiteHasReferences(o.suite);
  const generated = await generateItems(model, items, {
    steps: o.steps,
    seed: o.seed,
    guidance: { prompt: o.guidance, reference: o.referenceGuidance ?? o.guidance },
    routing: withReferences ? {} : null,
    batch: MAX_BATCH,
    withReferences,
  });
  return curvePointFromImages(
    o.suite,
    generated.map((g) => g.image),
    (performance.now() - t0) / 1000,
  );
}

/** Scores images of the suite's first items (image i ↔ item i) as a curve point. */
export function curvePointFromImages(
  suite: TCurvePoint['suite'],
  images: RgbImage[],
  seconds: number,
): TCurvePoint {
  const scores = images.map((image, i) => {
    const it = suiteItem(suite, i);
    return { prompt: it.prompt, score: scoreImage(image, it.subjects, it.prompt) };
  });
  const m = summariseScores(scores.map((x) => x.score));
  const groups = Object.entries(summariseByArrangement(scores));
  const byArrangement =
    groups.length > 1
      ? Object.fromEntries(
          groups.map(([key, a]) => [key, { n: a.n, fidelity: a.fidelity, leakage: a.leakage }]),
        )
      : undefined;
  return {
    suite,
    n: m.n,
    shape: m.shape,
    body: suite === 'base' ? (m.namedBody ?? NaN) : m.body,
    count: m.count,
    relation: m.relation,
    background: m.background,
    accent: m.accent,
    pattern: m.pattern,
    glyph: m.glyph,
    fidelity: m.fidelity,
    leakage: m.leakage,
    ...(byArrangement ? { byArrangement } : {}),
    seconds,
  };
}

/**
 * A curve point as the training log and run state keep it: flat numbers, the per-arrangement
 * breakdown as `fidelity.above`, `leakage.left of`, `n.above`, ….
 */
export function curveLogEntry(p: TCurvePoint): Record<string, number> {
  const perArrangement = Object.entries(p.byArrangement ?? {}).flatMap(([key, m]) =>
    Object.entries(m).map(([metric, value]) => [`${metric}.${key}`, value] as const),
  );
  return Object.fromEntries([
    ...Object.entries(p).filter((e): e is [string, number] => typeof e[1] === 'number'),
    ...perArrangement,
  ]);
}
