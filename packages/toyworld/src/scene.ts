import { z } from 'zod';
import { paintBackground, ZBackground } from './background';
import { createImage, type RgbImage } from './image';
import { drawSubject, ZView, type TView } from './render';
import type { Rng } from './rng';
import { ZSubjectSpec } from './subject';

export const RELATIONS = ['left of', 'right of', 'above', 'below', 'next to'] as const;
export type TRelation = (typeof RELATIONS)[number];

export const ZRelationFact = z.object({
  a: z.number().int().min(0),
  rel: z.enum(RELATIONS),
  b: z.number().int().min(0),
});
export type TRelationFact = z.infer<typeof ZRelationFact>;

/** A resolution-independent scene: subjects are drawn in order, so later ones occlude earlier ones. */
export const ZScene = z
  .object({
    background: ZBackground,
    placements: z
      .array(z.object({ subject: ZSubjectSpec, view: ZView }).strict())
      .min(1)
      .max(4),
    relations: z.array(ZRelationFact),
  })
  .strict();
export type TScene = z.infer<typeof ZScene>;

export type TRendered = { image: RgbImage; ownerMap: Int8Array };

/** Renders a scene; ownerMap[y*W+x] = index of the front-most subject covering ≥ half the pixel, else -1. */
export function renderScene(scene: TScene, width: number, height = width): TRendered {
  const image = createImage(width, height);
  paintBackground(image, scene.background);
  const ownerMap = new Int8Array(width * height).fill(-1);
  scene.placements.forEach((p, index) =>
    drawSubject(image, p.subject, p.view, { map: ownerMap, index }),
  );
  return { image, ownerMap };
}

/** Subject radius (fraction of half the image side) per subject count: ~10–16 px subjects at 32². */
export const SCALE_FOR_K = [0, 0.6, 0.38, 0.34, 0.32] as const;

type Slot = [number, number];
const LAYOUTS: Record<number, Slot[][]> = {
  1: [[[0.5, 0.5]]],
  2: [
    [
      [0.27, 0.5],
      [0.73, 0.5],
    ],
    [
      [0.5, 0.27],
      [0.5, 0.73],
    ],
  ],
  3: [
    [
      [0.27, 0.72],
      [0.5, 0.28],
      [0.73, 0.72],
    ],
    [
      [0.27, 0.28],
      [0.5, 0.72],
      [0.73, 0.28],
    ],
  ],
  4: [
    [
      [0.27, 0.27],
      [0.73, 0.27],
      [0.73, 0.73],
      [0.27, 0.73],
    ],
  ],
};

/** The relation that holds from a to b, read off the centres (what a prompt may truthfully say). */
export function relationBetween(a: TView, b: TView, rng?: Rng): TRelation {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  if (Math.abs(dx) >= Math.abs(dy)) {
    if (rng?.chance(0.25)) return 'next to';
    return dx > 0 ? 'left of' : 'right of';
  }
  return dy > 0 ? 'above' : 'below';
}

export type TLayoutOptions = {
  /** positional jitter (fraction of the image) */
  jitter: number;
  /** relative scale jitter */
  scaleJitter: number;
  maxRotation: number;
  /** < 1 pulls subjects together so they may overlap (occlusion) */
  spacing: number;
};

/** Places k subjects on a layout family with relations between consecutive subjects. */
export function layoutViews(
  rng: Rng,
  k: number,
  opt: TLayoutOptions,
): { views: TView[]; relations: TRelationFact[] } {
  const family = rng.pick(LAYOUTS[k]!);
  const base = SCALE_FOR_K[k]!;
  const views = family.map(([sx, sy]) => {
    const scale = base * (1 + rng.range(-opt.scaleJitter, opt.scaleJitter));
    const x = 0.5 + (sx - 0.5) * opt.spacing + rng.range(-opt.jitter, opt.jitter);
    const y = 0.5 + (sy - 0.5) * opt.spacing + rng.range(-opt.jitter, opt.jitter);
    return { x, y, scale, rotation: rng.range(-opt.maxRotation, opt.maxRotation) };
  });
  if (k === 1) {
    const v = views[0]!;
    v.x = rng.range(0.3, 0.7);
    v.y = rng.range(0.3, 0.7);
    v.scale = rng.range(0.45, 0.7);
  }
  const relations = views
    .slice(1)
    .map((v, i) => ({ a: i, rel: relationBetween(views[i]!, v, rng), b: i + 1 }));
  return { views, relations };
}
