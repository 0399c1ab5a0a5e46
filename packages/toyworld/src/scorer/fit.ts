// Analysis by synthesis: fit a subject's silhouette to an image region (centre, radius, rotation),
// then compare what the spec says should be at each pixel with what the image shows.
import { SUBJECT_COLORS } from '../palette';
import { GLYPH_HALF, sdAccent } from '../pattern';
import type { TPose } from '../render';
import { dcos, dsin } from '../rng';
import { SHAPE_MOMENTS, sdShape } from '../shapes';
import {
  GLYPHS,
  PATTERNS,
  SHAPES,
  type TPattern,
  type TShape,
  type TSubjectSpec,
} from '../subject';
import type { TPixels, TRegion } from './pixels';

export type TFitContext = {
  px: TPixels;
  region: TRegion;
  /** 1 for pixels of this region, 2 for pixels of other regions (possible occluders), 0 else */
  mask: Uint8Array;
};

type Grid = { idx: Int32Array; xs: Float64Array; ys: Float64Array; sd: Float64Array; n: number };

function sampleGrid(shape: TShape, pose: TPose, W: number, H: number): Grid {
  const ext = pose.r + 1.5;
  const x0 = Math.max(0, Math.floor(pose.cx - ext));
  const x1 = Math.min(W, Math.ceil(pose.cx + ext));
  const y0 = Math.max(0, Math.floor(pose.cy - ext));
  const y1 = Math.min(H, Math.ceil(pose.cy + ext));
  const cap = Math.max(0, (x1 - x0) * (y1 - y0));
  const g: Grid = {
    idx: new Int32Array(cap),
    xs: new Float64Array(cap),
    ys: new Float64Array(cap),
    sd: new Float64Array(cap),
    n: 0,
  };
  const c = dcos(pose.rotation);
  const s = dsin(pose.rotation);
  for (let py = y0; py < y1; py++) {
    const v = (py + 0.5 - pose.cy) / pose.r;
    for (let px = x0; px < x1; px++) {
      const u = (px + 0.5 - pose.cx) / pose.r;
      const x = c * u + s * v;
      const y = -s * u + c * v;
      g.idx[g.n] = py * W + px;
      g.xs[g.n] = x;
      g.ys[g.n] = y;
      g.sd[g.n] = sdShape(shape, x, y);
      g.n++;
    }
  }
  return g;
}

/** Silhouette IoU of a template against the region; other regions' pixels are ignored (occlusion). */
function silhouetteIoU(ctx: TFitContext, g: Grid, r: number): number {
  let t = 0;
  let both = 0;
  for (let i = 0; i < g.n; i++) {
    if (0.5 - g.sd[i]! * r < 0.5) continue;
    const m = ctx.mask[g.idx[i]!]!;
    if (m === 2) continue;
    t++;
    if (m === 1) both++;
  }
  return both / (t + ctx.region.area - both || 1);
}

/** Accent-ness of a pixel on the body→accent colour segment; NaN where the colour is neither. */
export function accentness(
  data: Float32Array,
  p: number,
  body: readonly number[],
  accent: readonly number[],
): number {
  let num = 0;
  let den = 0;
  for (let c = 0; c < 3; c++) {
    const d = accent[c]! - body[c]!;
    num += (data[p * 3 + c]! - body[c]!) * d;
    den += d * d;
  }
  const t = num / den;
  let res = 0;
  for (let c = 0; c < 3; c++)
    res += (data[p * 3 + c]! - body[c]! - t * (accent[c]! - body[c]!)) ** 2;
  if (res > 0.04 || t < -0.25 || t > 1.25) return NaN;
  return t < 0 ? 0 : t > 1 ? 1 : t;
}

/** Mean |observed accent-ness − template accent| over well-covered pixels (optionally glyph square only). */
function accentError(
  ctx: TFitContext,
  g: Grid,
  r: number,
  spec: { shape: TShape; pattern: TPattern; glyph: readonly number[] },
  obs: Float64Array,
  glyphOnly = false,
): { err: number; n: number } {
  let sum = 0;
  let n = 0;
  const lim = GLYPH_HALF + 0.5 / r;
  for (let i = 0; i < g.n; i++) {
    const a = obs[i]!;
    if (Number.isNaN(a) || 0.5 - g.sd[i]! * r < 0.75) continue;
    const x = g.xs[i]!;
    const y = g.ys[i]!;
    if (glyphOnly && (Math.abs(x) > lim || Math.abs(y) > lim)) continue;
    const b = 0.5 - sdAccent(spec.pattern, spec.shape, spec.glyph, x, y, g.sd[i]!) * r;
    sum += Math.abs(a - (b < 0 ? 0 : b > 1 ? 1 : b));
    n++;
  }
  return { err: n ? sum / n : 1, n };
}

function observedAccent(ctx: TFitContext, g: Grid, spec: TSubjectSpec): Float64Array {
  const body = SUBJECT_COLORS[spec.body];
  const accent = SUBJECT_COLORS[spec.accent];
  const out = new Float64Array(g.n);
  for (let i = 0; i < g.n; i++)
    out[i] = ctx.mask[g.idx[i]!] === 2 ? NaN : accentness(ctx.px.data, g.idx[i]!, body, accent);
  return out;
}

export type TFit = { pose: TPose; iou: number; grid: Grid; obs: Float64Array; accentErr: number };

/**
 * Coordinate search over rotation, radius and centre; the objective is silhouette IoU plus accent
 * agreement. `rounds` = 0 is a coarse search (used for rival shapes).
 */
export function fitSubject(
  ctx: TFitContext,
  spec: TSubjectSpec,
  useAccent = true,
  rounds = 2,
): TFit {
  const { W, H } = ctx.px;
  const m = SHAPE_MOMENTS[spec.shape];
  const r0 = Math.sqrt(ctx.region.area / m.area);
  let pose: TPose = {
    cx: ctx.region.cx - m.cx * r0,
    cy: ctx.region.cy - m.cy * r0,
    r: r0,
    rotation: 0,
  };
  const evaluate = (p: TPose) => {
    const g = sampleGrid(spec.shape, p, W, H);
    const iou = silhouetteIoU(ctx, g, p.r);
    const obs = useAccent ? observedAccent(ctx, g, spec) : new Float64Array(0);
    const accentErr = useAccent ? accentError(ctx, g, p.r, spec, obs).err : 1;
    return { pose: p, iou, grid: g, obs, accentErr, objective: iou + 0.3 * (1 - accentErr) };
  };
  let best = evaluate(pose);
  const tryPose = (p: TPose) => {
    if (p.r < 1) return;
    const e = evaluate(p);
    if (e.objective > best.objective + 1e-9) best = e;
  };
  if (rounds === 0) {
    // coarse search (rival shapes): a few rotations, radii and centre shifts
    for (const k of [-2, -1, 1, 2]) tryPose({ ...pose, rotation: k * 0.15 });
    pose = best.pose;
    for (const f of [0.92, 1.08]) tryPose({ ...pose, r: pose.r * f });
    for (const axis of ['cx', 'cy'] as const) {
      pose = best.pose;
      for (const d of [-0.5, 0.5]) tryPose({ ...pose, [axis]: pose[axis] + d });
    }
  }
  for (let round = 0; round < rounds; round++) {
    pose = best.pose;
    for (let k = -4; k <= 4; k++)
      if (k)
        tryPose({
          ...pose,
          rotation: Math.max(-0.35, Math.min(0.35, pose.rotation + (k * 0.075) / (round + 1))),
        });
    pose = best.pose;
    for (const f of [0.88, 0.92, 0.96, 1.04, 1.08, 1.12])
      tryPose({ ...pose, r: pose.r * (1 + (f - 1) / (round + 1)) });
    for (const axis of ['cx', 'cy'] as const) {
      pose = best.pose;
      for (const d of [-1, -0.5, -0.25, 0.25, 0.5, 1])
        tryPose({ ...pose, [axis]: pose[axis] + d / (round + 1) });
    }
  }
  return best;
}

/** Best silhouette IoU of each other shape, from the same starting point (coarse search). */
export function otherShapeIoUs(
  ctx: TFitContext,
  spec: TSubjectSpec,
): { shape: TShape; iou: number }[] {
  return SHAPES.filter((s) => s !== spec.shape).map((shape) => ({
    shape,
    iou: fitSubject(ctx, { ...spec, shape }, false, 0).iou,
  }));
}

/** Accent-layout error of every pattern and every glyph at the fitted pose. */
export function alternatives(ctx: TFitContext, spec: TSubjectSpec, fit: TFit) {
  const r = fit.pose.r;
  const patterns = PATTERNS.map((pattern) => ({
    pattern,
    ...accentError(ctx, fit.grid, r, { ...spec, pattern }, fit.obs),
  }));
  const glyphs = GLYPHS.map((glyph) => ({
    glyph,
    ...accentError(ctx, fit.grid, r, { ...spec, glyph }, fit.obs, true),
  }));
  return { patterns, glyphs };
}

/**
 * Colour evidence at the fitted pose. Over the template's interior, the pixels where the spec expects
 * body (or accent) must lie on the spec's body→accent colour line (`valid`), and the observed body
 * (or accent) mass must reach most of what the template expects (`mass`).
 */
export function colourScores(
  fit: TFit,
  spec: TSubjectSpec,
): Record<'body' | 'accent', { valid: number; mass: number; expected: number }> {
  const r = fit.pose.r;
  const g = fit.grid;
  const run = (minAlpha: number) => {
    const acc = {
      body: { valid: 0, mass: 0, expected: 0 },
      accent: { valid: 0, mass: 0, expected: 0 },
    };
    for (let i = 0; i < g.n; i++) {
      if (0.5 - g.sd[i]! * r < minAlpha) continue;
      const t = fit.obs[i]!;
      const b = Math.min(
        1,
        Math.max(
          0,
          0.5 - sdAccent(spec.pattern, spec.shape, spec.glyph, g.xs[i]!, g.ys[i]!, g.sd[i]!) * r,
        ),
      );
      acc.body.expected += 1 - b;
      acc.accent.expected += b;
      if (Number.isNaN(t)) continue;
      acc.body.valid += 1 - b;
      acc.accent.valid += b;
      acc.body.mass += 1 - t;
      acc.accent.mass += t;
    }
    return acc;
  };
  let acc = run(0.9);
  if (acc.body.expected + acc.accent.expected < 2) acc = run(0.5);
  for (const k of ['body', 'accent'] as const) {
    const e = acc[k].expected || 1;
    acc[k] = { valid: acc[k].valid / e, mass: acc[k].mass / e, expected: acc[k].expected };
  }
  return acc;
}
