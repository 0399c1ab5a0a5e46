import { z } from 'zod';
import { drawBackground } from './background';
import { drawEvalSubject } from './heldout';
import { buildPrompt } from './prompt';
import { makeRng } from './rng';
import { layoutViews, ZScene, type TScene } from './scene';
import { SUBJECT_COLORS, type TColorName } from './palette';
import { blendStaysSaturated, ZSubjectSpec, type TSubjectSpec } from './subject';
import { sampleAt } from './datasets/samples';

/** The held-out multi-subject suites (indexable by k − 2). */
export const SUITE_NAMES = ['two-subject', 'three-subject', 'four-subject'] as const;
export type TSuiteName = (typeof SUITE_NAMES)[number];
export const SUITE_K: Record<TSuiteName, number> = {
  'two-subject': 2,
  'three-subject': 3,
  'four-subject': 4,
};
/**
 * Every evaluation suite: `base` (the base task: 1–3 training-vocabulary objects, prompt only, no
 * references), `single` (one held-out subject and its reference: identity transfer alone) and the
 * held-out multi-subject suites.
 */
export const EVAL_SUITE_NAMES = ['base', 'single', ...SUITE_NAMES] as const;
export type TEvalSuiteName = (typeof EVAL_SUITE_NAMES)[number];
export const DEFAULT_SUITE_ITEMS = 100;
/**
 * The `base` suite is the base dataset's distribution drawn from this seed (training stages use
 * other seeds; the default is 1): item i = `sampleAt('base', BASE_SUITE_SEED, i)`, the same items a
 * reference run scores.
 */
export const BASE_SUITE_SEED = 777;
/** Whether a suite gives the model references (all but `base`). */
export const suiteHasReferences = (name: TEvalSuiteName): boolean => name !== 'base';

export const ZSuiteItem = z
  .object({
    id: z.string().min(1),
    prompt: z.string().min(1),
    subjects: z.array(ZSubjectSpec).min(1).max(4),
    scene: ZScene,
  })
  .strict();
export type TSuiteItem = z.infer<typeof ZSuiteItem>;

/** Distance from colour c to the blend line between a and b. */
function distToBlend(c: TColorName, a: TColorName, b: TColorName): number {
  const [pc, pa, pb] = [SUBJECT_COLORS[c], SUBJECT_COLORS[a], SUBJECT_COLORS[b]];
  let num = 0;
  let den = 0;
  for (let i = 0; i < 3; i++) {
    num += (pc[i]! - pa[i]!) * (pb[i]! - pa[i]!);
    den += (pb[i]! - pa[i]!) ** 2;
  }
  const t = Math.min(1, Math.max(0, num / den));
  return Math.sqrt(
    [0, 1, 2].reduce((s, i) => s + (pc[i]! - pa[i]! - t * (pb[i]! - pa[i]!)) ** 2, 0),
  );
}

/**
 * Within a scene every subject differs in shape and pattern; no body colour appears on another
 * subject (as body or accent) or near another subject's body/accent blend — so a leaked colour is
 * always measurable, also after two subjects trade body colours. Accents may repeat (4 subjects × 2 colours would not fit 9 colours otherwise).
 */
function fitsScene(others: TSubjectSpec[]) {
  return (s: TSubjectSpec) =>
    others.every(
      (o) =>
        o.shape !== s.shape &&
        o.pattern !== s.pattern &&
        ![o.body, o.accent].includes(s.body) &&
        o.body !== s.accent &&
        distToBlend(o.body, s.body, s.accent) > 0.2 &&
        distToBlend(s.body, o.body, o.accent) > 0.2 &&
        // swap-safe: a generated image that trades bodies still has saturated pattern edges
        blendStaysSaturated(o.body, s.accent) &&
        blendStaysSaturated(s.body, o.accent),
    );
}

/** Item `index` of the `base` suite: the base dataset's sample, without its pixels. */
function baseItem(index: number): TSuiteItem {
  const s = sampleAt('base', BASE_SUITE_SEED, index, { size: 8, refSize: 8 });
  return {
    id: `base-${String(index).padStart(3, '0')}`,
    prompt: s.prompt,
    subjects: s.subjects,
    scene: s.scene!,
  };
}

/**
 * Item `index` of a suite, the same on every machine. Held-out suites (`single`, `two-subject`, …):
 * held-out subjects in a fixed composition; subjects never overlap, so every attribute stays
 * visible. `base`: see `BASE_SUITE_SEED`.
 */
export function suiteItem(name: TEvalSuiteName, index: number): TSuiteItem {
  if (!Number.isInteger(index) || index < 0)
    throw new Error(`suite ${name}: bad item index ${index}`);
  if (name === 'base') return baseItem(index);
  const k = name === 'single' ? 1 : SUITE_K[name];
  const rng = makeRng(0x5017e, k, index);
  let subjects: TSubjectSpec[] = [];
  for (let attempt = 0; subjects.length < k; attempt++) {
    const next = drawEvalSubject(rng, fitsScene(subjects), 2000);
    if (next) subjects.push(next);
    else if (attempt > 200) throw new Error(`suite ${name}: cannot compose item ${index}`);
    else subjects = []; // dead end: start the composition over
  }
  const { views, relations } = layoutViews(rng, k, {
    jitter: 0.015,
    scaleJitter: 0.05,
    maxRotation: 0.25,
    spacing: 1,
  });
  const scene: TScene = {
    background: drawBackground(rng),
    placements: subjects.map((subject, i) => ({ subject, view: views[i]! })),
    relations,
  };
  return {
    id: `${name}-${String(index).padStart(3, '0')}`,
    prompt: buildPrompt(scene),
    subjects,
    scene,
  };
}

/**
 * Items [first, first + count) of a suite. `first` 0 is the test split every reported number is
 * measured on; later items (e.g. from 100) are a validation split of the same distribution, for
 * choosing sampling settings without looking at the test items.
 */
export function buildSuite(
  name: TEvalSuiteName,
  count = DEFAULT_SUITE_ITEMS,
  first = 0,
): TSuiteItem[] {
  return Array.from({ length: count }, (_, i) => suiteItem(name, first + i));
}
