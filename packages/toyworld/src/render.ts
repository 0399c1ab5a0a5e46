import { z } from 'zod';
import { createImage, type RgbImage } from './image';
import { SUBJECT_COLORS } from './palette';
import { sdAccent } from './pattern';
import { dcos, dsin } from './rng';
import { sdShape } from './shapes';
import type { TSubjectSpec } from './subject';

/** Where a subject sits: centre as fractions of width/height, radius as a fraction of half the
 * shorter side, rotation in radians (small: |r| ≤ 0.35). */
export const ZView = z
  .object({
    x: z.number().min(0).max(1),
    y: z.number().min(0).max(1),
    scale: z.number().positive().max(1),
    rotation: z.number().min(-0.35).max(0.35),
  })
  .strict();
export type TView = z.infer<typeof ZView>;

/** A pose in pixels (what the scorer estimates from an image). */
export type TPose = { cx: number; cy: number; r: number; rotation: number };

export function viewToPose(view: TView, width: number, height: number): TPose {
  return {
    cx: view.x * width,
    cy: view.y * height,
    r: (view.scale * Math.min(width, height)) / 2,
    rotation: view.rotation,
  };
}

/**
 * Rasterises a subject's coverage (alpha) and accent fraction (beta) over a pixel box. Edges are
 * anti-aliased analytically: coverage ramps linearly over one pixel of signed distance.
 */
export function subjectFields(
  spec: Pick<TSubjectSpec, 'shape' | 'pattern' | 'glyph'>,
  pose: TPose,
  box: { x0: number; y0: number; x1: number; y1: number },
  visit: (px: number, py: number, alpha: number, beta: number) => void,
): void {
  const { cx, cy, r } = pose;
  const c = dcos(pose.rotation);
  const s = dsin(pose.rotation);
  const inv = 1 / r;
  for (let py = box.y0; py < box.y1; py++) {
    const v0 = (py + 0.5 - cy) * inv;
    for (let px = box.x0; px < box.x1; px++) {
      const u0 = (px + 0.5 - cx) * inv;
      const x = c * u0 + s * v0;
      const y = -s * u0 + c * v0;
      const sdS = sdShape(spec.shape, x, y);
      const alpha = 0.5 - sdS * r;
      if (alpha <= 0) {
        visit(px, py, 0, 0);
        continue;
      }
      const sdA = sdAccent(spec.pattern, spec.shape, spec.glyph, x, y, sdS);
      const beta = 0.5 - sdA * r;
      visit(px, py, alpha >= 1 ? 1 : alpha, beta <= 0 ? 0 : beta >= 1 ? 1 : beta);
    }
  }
}

/** Pixel box covering a pose, clipped to the image. */
export function poseBox(pose: TPose, width: number, height: number, margin = 1) {
  const ext = pose.r + margin;
  return {
    x0: Math.max(0, Math.floor(pose.cx - ext)),
    y0: Math.max(0, Math.floor(pose.cy - ext)),
    x1: Math.min(width, Math.ceil(pose.cx + ext)),
    y1: Math.min(height, Math.ceil(pose.cy + ext)),
  };
}

/**
 * Draws a subject over the image (later draws occlude earlier ones). Where `owner` is given, pixels
 * at least half covered by the subject are marked with `ownerIndex`.
 */
export function drawSubject(
  image: RgbImage,
  spec: TSubjectSpec,
  view: TView,
  owner?: { map: Int8Array; index: number },
): void {
  const { width: W, height: H, data } = image;
  const pose = viewToPose(view, W, H);
  const body = SUBJECT_COLORS[spec.body];
  const accent = SUBJECT_COLORS[spec.accent];
  subjectFields(spec, pose, poseBox(pose, W, H), (px, py, alpha, beta) => {
    if (alpha <= 0) return;
    const i = (py * W + px) * 3;
    for (let ch = 0; ch < 3; ch++) {
      const col = body[ch]! + (accent[ch]! - body[ch]!) * beta;
      data[i + ch] = data[i + ch]! + (col - data[i + ch]!) * alpha;
    }
    if (owner && alpha >= 0.5) owner.map[py * W + px] = owner.index;
  });
}

/** The canonical reference photo of a subject: centred, upright, on a light plain background. */
export const REFERENCE_VIEW: TView = { x: 0.5, y: 0.5, scale: 0.8, rotation: 0 };
export const REFERENCE_BACKGROUND = [0.76, 0.76, 0.76] as const;

export function renderReference(
  spec: TSubjectSpec,
  size = 32,
  view: TView = REFERENCE_VIEW,
): RgbImage {
  const image = createImage(size, size);
  for (let i = 0; i < image.data.length; i++) image.data[i] = REFERENCE_BACKGROUND[i % 3]!;
  drawSubject(image, spec, view);
  return image;
}
