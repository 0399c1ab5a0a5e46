// The held-out guarantee. Evaluation subjects come from a seed range no training set uses AND from
// an identity partition (a hash of shape/colours/pattern/glyph) that training draws reject. The
// second rule matters because two seeds can produce the same identity.
import { COLOR_NAMES } from './palette';
import { hashInts } from './rng';
import {
  generateSubject,
  GLYPHS,
  PATTERNS,
  SHAPES,
  type TShape,
  type TSubjectSpec,
} from './subject';
import type { Rng } from './rng';

export const TRAIN_SEEDS = { start: 0, end: 1_000_000_000 } as const;
export const EVAL_SEEDS = { start: 2_000_000_000, end: 2_100_000_000 } as const;
/** One identity in HELD_OUT_MODULUS is reserved for evaluation. */
export const HELD_OUT_MODULUS = 8;

export function isHeldOutIdentity(s: TSubjectSpec): boolean {
  const glyph = GLYPHS.findIndex((g) => g.every((b, i) => b === s.glyph[i]));
  const h = hashInts(
    SHAPES.indexOf(s.shape),
    COLOR_NAMES.indexOf(s.body),
    COLOR_NAMES.indexOf(s.accent),
    PATTERNS.indexOf(s.pattern),
    glyph,
  );
  return h % HELD_OUT_MODULUS === 0;
}

export const isEvalSeed = (seed: number): boolean =>
  seed >= EVAL_SEEDS.start && seed < EVAL_SEEDS.end;

/** Throws unless a subject may appear in training data. Every training sampler calls this. */
export function assertTrainingSubject(s: TSubjectSpec): TSubjectSpec {
  if (isEvalSeed(s.seed) || s.seed >= TRAIN_SEEDS.end)
    throw new Error(`subject seed ${s.seed} is outside the training range`);
  if (isHeldOutIdentity(s)) throw new Error(`subject ${s.seed} has a held-out identity`);
  return s;
}

/** Throws unless a subject is a valid evaluation subject. */
export function assertEvalSubject(s: TSubjectSpec): TSubjectSpec {
  if (!isEvalSeed(s.seed))
    throw new Error(`subject seed ${s.seed} is outside the evaluation range`);
  if (!isHeldOutIdentity(s)) throw new Error(`subject ${s.seed} is not a held-out identity`);
  return s;
}

/** Relative draw frequency per shape (unlisted shapes: 1). */
export type TShapeWeights = Partial<Record<TShape, number>>;

/** Whether some shape has a positive weight (otherwise no subject could ever be drawn). */
export const hasDrawableShape = (w: TShapeWeights): boolean => SHAPES.some((s) => (w[s] ?? 1) > 0);

/**
 * Draws a training subject: a seed in the training range whose identity is not held out. With
 * `shapeWeights`, a subject of shape s is kept with probability w(s) / max w (others are drawn
 * again), so shapes appear in proportion to their weights; without it the stream of draws is the
 * unweighted one.
 */
export function drawTrainingSubject(rng: Rng, shapeWeights?: TShapeWeights): TSubjectSpec {
  const weight = (s: TShape): number => shapeWeights?.[s] ?? 1;
  if (shapeWeights && !hasDrawableShape(shapeWeights))
    throw new Error('shapeWeights: at least one shape needs a positive weight');
  const top = shapeWeights ? Math.max(...SHAPES.map(weight)) : 1;
  for (;;) {
    const spec = generateSubject(TRAIN_SEEDS.start + rng.int(TRAIN_SEEDS.end - TRAIN_SEEDS.start));
    if (isHeldOutIdentity(spec)) continue;
    if (shapeWeights && weight(spec.shape) < top && !rng.chance(weight(spec.shape) / top)) continue;
    return assertTrainingSubject(spec);
  }
}

/** Draws an evaluation subject satisfying `accept`, or undefined after `tries` rejections. */
export function drawEvalSubject(
  rng: Rng,
  accept: (s: TSubjectSpec) => boolean = () => true,
  tries = 100_000,
): TSubjectSpec | undefined {
  for (let t = 0; t < tries; t++) {
    const spec = generateSubject(EVAL_SEEDS.start + rng.int(EVAL_SEEDS.end - EVAL_SEEDS.start));
    if (isHeldOutIdentity(spec) && accept(spec)) return assertEvalSubject(spec);
  }
  return undefined;
}
