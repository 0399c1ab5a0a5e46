import { drawBackground } from '../background';
import { blit, createImage, type RgbImage } from '../image';
import { drawTrainingSubject, type TShapeWeights } from '../heldout';
import { BACKGROUND_PHRASES, buildPrompt } from '../prompt';
import { renderReference, type TView } from '../render';
import { makeRng, type Rng } from '../rng';
import { layoutViews, relationBetween, renderScene, type TScene } from '../scene';
import { conditionText, type TSubjectSpec } from '../subject';

export const DATASET_KINDS = ['base', 'pair', 'diptych', 'oracle'] as const;
export type TDatasetKind = (typeof DATASET_KINDS)[number];

/**
 * One training sample. `ownerMap` (H*W) gives, per target pixel, the subject index it belongs to
 * (-1 = background): subject pixels for base/pair/oracle, whole halves for diptychs.
 */
export type TSample = {
  kind: TDatasetKind;
  index: number;
  prompt: string;
  target: RgbImage;
  subjects: TSubjectSpec[];
  /** one reference photo per subject (empty for base scenes: generic objects have none) */
  references: RgbImage[];
  /** conditionText per subject ("a star toy") */
  conditions: string[];
  ownerMap: Int8Array;
  /**
   * Per target pixel, the subject drawn there or -1 (background), where it differs from
   * `ownerMap`: a diptych's owner map gives each subject its whole half (its routing region),
   * this one only the pixels the subject covers (the loss weights use it).
   */
  subjectMap?: Int8Array;
  scene?: TScene;
};

export type TSampleOptions = {
  size: number;
  refSize: number;
  /**
   * Which half a diptych's first-named subject takes: always the left one (`fixed`, the default)
   * or either with equal odds (`random`), so the prompt's order does not teach a layout.
   */
  diptychSides?: 'fixed' | 'random';
  /**
   * Share of pair samples (0–1, default 0) whose subject is drawn at the size and on a slot of a
   * two- or three-subject scene rather than as a single subject: still one subject per photo.
   */
  smallPairs?: number;
  /**
   * Share of diptychs (0–1, default 0) stacked top and bottom instead of side by side: the prompt
   * then says "above" (or "below" with random sides), the other way two subjects are arranged.
   */
  diptychVertical?: number;
  /** Relative draw frequency of training subjects by shape (unlisted: 1); default uniform. */
  shapeWeights?: TShapeWeights;
};

const TRAIN_LAYOUT = { jitter: 0.04, scaleJitter: 0.12, maxRotation: 0.3, spacing: 1 };

/** A varied reference photo of a subject (position, scale, rotation jittered around the canonical view). */
function referenceView(rng: Rng): TView {
  return {
    x: rng.range(0.42, 0.58),
    y: rng.range(0.42, 0.58),
    scale: rng.range(0.7, 0.85),
    rotation: rng.range(-0.15, 0.15),
  };
}

function sceneOf(rng: Rng, subjects: TSubjectSpec[], spacing = 1): TScene {
  const { views, relations } = layoutViews(rng, subjects.length, { ...TRAIN_LAYOUT, spacing });
  return {
    background: drawBackground(rng),
    placements: subjects.map((subject, i) => ({ subject, view: views[i]! })),
    relations,
  };
}

export function baseSample(rng: Rng, index: number, o: TSampleOptions): TSample {
  const k = 1 + rng.int(3);
  const subjects = Array.from({ length: k }, () => drawTrainingSubject(rng, o.shapeWeights));
  const scene = sceneOf(rng, subjects, rng.chance(0.3) ? 0.8 : 1);
  const { image, ownerMap } = renderScene(scene, o.size);
  const prompt = buildPrompt(scene, { colors: rng.chance(0.5) });
  return {
    kind: 'base',
    index,
    prompt,
    target: image,
    subjects,
    references: [],
    conditions: subjects.map(conditionText),
    ownerMap,
    scene,
  };
}

export function pairSample(
  rng: Rng,
  index: number,
  o: TSampleOptions,
  given?: TSubjectSpec,
): TSample {
  const subject = given ?? drawTrainingSubject(rng, o.shapeWeights);
  const scene = sceneOf(rng, [subject]);
  if (o.smallPairs && rng.chance(o.smallPairs))
    scene.placements[0]!.view = rng.pick(layoutViews(rng, 2 + rng.int(2), TRAIN_LAYOUT).views);
  const { image, ownerMap } = renderScene(scene, o.size);
  const reference = renderReference(subject, o.refSize, referenceView(rng));
  return {
    kind: 'pair',
    index,
    prompt: buildPrompt(scene),
    target: image,
    subjects: [subject],
    references: [reference],
    conditions: [conditionText(subject)],
    ownerMap,
    scene,
  };
}

/**
 * Two single-subject pairs; target halves side by side (W/2 × H each) or, for a `diptychVertical`
 * share, one above the other (W × H/2 each); the prompt names both and their arrangement.
 */
export function diptychSample(rng: Rng, index: number, o: TSampleOptions): TSample {
  // drawn only when asked for, so a stage without vertical diptychs keeps its sample stream
  const vertical = o.diptychVertical ? rng.chance(o.diptychVertical) : false;
  const half = Math.floor(o.size / 2);
  const left = sceneOf(rng, [drawTrainingSubject(rng, o.shapeWeights)]);
  const right = sceneOf(rng, [drawTrainingSubject(rng, o.shapeWeights)]);
  if (rng.chance(0.5)) right.background = left.background;
  for (const s of [left, right])
    s.placements[0]!.view.scale = Math.min(0.85, s.placements[0]!.view.scale * 1.1);
  const target = createImage(o.size, o.size);
  // half 0 (the first-named subject's unless swapped) is the left or top one; half 1 starts at
  // (x1, y1) and is w1 × h1
  const [w0, h0] = vertical ? [o.size, half] : [half, o.size];
  const [x1, y1] = vertical ? [0, half] : [half, 0];
  const [w1, h1] = [o.size - x1, o.size - y1];
  const [l, r] = [renderScene(left, w0, h0), renderScene(right, w1, h1)];
  blit(target, l.image, 0, 0);
  blit(target, r.image, x1, y1);
  const ownerMap = new Int8Array(o.size * o.size);
  const subjectMap = new Int8Array(o.size * o.size);
  for (let i = 0; i < ownerMap.length; i++) {
    const [x, y] = [i % o.size, Math.floor(i / o.size)];
    const second = x >= x1 && y >= y1;
    ownerMap[i] = second ? 1 : 0;
    const drawn = second ? r.ownerMap[(y - y1) * w1 + x - x1]! : l.ownerMap[y * w0 + x]!;
    subjectMap[i] = drawn >= 0 ? ownerMap[i]! : -1;
  }
  const swap = o.diptychSides === 'random' && rng.chance(0.5);
  if (swap)
    for (const map of [ownerMap, subjectMap])
      for (let i = 0; i < map.length; i++) if (map[i]! >= 0) map[i] = 1 - map[i]!;
  const halves = [left, right].map((s) => s.placements[0]!.subject);
  const subjects = swap ? halves.reverse() : halves;
  const [a, b] = swap ? [0.75, 0.25] : [0.25, 0.75];
  const rel = relationBetween(
    { x: vertical ? 0.5 : a, y: vertical ? a : 0.5, scale: 1, rotation: 0 },
    { x: vertical ? 0.5 : b, y: vertical ? b : 0.5, scale: 1, rotation: 0 },
    rng,
  );
  const bg =
    left.background === right.background ? ` ${BACKGROUND_PHRASES[left.background.kind]}` : '';
  return {
    kind: 'diptych',
    index,
    prompt: `${conditionText(subjects[0]!)} ${rel} ${conditionText(subjects[1]!)}${bg}`,
    target,
    subjects,
    references: subjects.map((s) => renderReference(s, o.refSize, referenceView(rng))),
    conditions: subjects.map(conditionText),
    ownerMap,
    subjectMap,
  };
}

/** A rendered multi-subject scene of training subjects with their references (the oracle's data). */
export function oracleSample(rng: Rng, index: number, o: TSampleOptions): TSample {
  const k = 2 + rng.int(3);
  const subjects = Array.from({ length: k }, () => drawTrainingSubject(rng, o.shapeWeights));
  const scene = sceneOf(rng, subjects, rng.chance(0.3) ? 0.85 : 1);
  const { image, ownerMap } = renderScene(scene, o.size);
  return {
    kind: 'oracle',
    index,
    prompt: buildPrompt(scene),
    target: image,
    subjects,
    references: subjects.map((s) => renderReference(s, o.refSize, referenceView(rng))),
    conditions: subjects.map(conditionText),
    ownerMap,
    scene,
  };
}

const MAKERS = {
  base: baseSample,
  pair: pairSample,
  diptych: diptychSample,
  oracle: oracleSample,
} as const;

/** Random access: sample `index` of dataset (kind, seed) is always the same. */
export function sampleAt(
  kind: TDatasetKind,
  seed: number,
  index: number,
  o: TSampleOptions,
): TSample {
  return MAKERS[kind](makeRng(0xda7a, DATASET_KINDS.indexOf(kind), seed, index), index, o);
}
