import { BACKGROUND_KINDS, type TBackgroundKind } from '../background';
import { BACKGROUND_COLORS, colorDistance, type Rgb } from '../palette';
import type { TRelation } from '../scene';
import { clamp01 } from '../rng';
import type { TPixels } from './pixels';

/** Background pixels: at least 2 px from any foreground pixel (anti-aliased rims and halos excluded). */
export function backgroundMask(px: TPixels): Uint8Array {
  const { W, H, fg } = px;
  const bg = new Uint8Array(W * H);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      let any = 0;
      for (let dy = -2; dy <= 2; dy++)
        for (let dx = -2; dx <= 2; dx++) {
          const xx = x + dx;
          const yy = y + dy;
          if (xx >= 0 && yy >= 0 && xx < W && yy < H) any |= fg[yy * W + xx]!;
        }
      bg[y * W + x] = any ? 0 : 1;
    }
  return bg;
}

function bandMean(
  px: TPixels,
  bg: Uint8Array,
  y0: number,
  y1: number,
  x0 = 0,
  x1 = px.W,
  minPixels = 2,
): Rgb | undefined {
  const s = [0, 0, 0];
  let n = 0;
  for (let y = y0; y < y1; y++)
    for (let x = x0; x < x1; x++) {
      const p = y * px.W + x;
      if (!bg[p]) continue;
      for (let c = 0; c < 3; c++) s[c]! += px.data[p * 3 + c]!;
      n++;
    }
  return n >= minPixels ? [s[0]! / n, s[1]! / n, s[2]! / n] : undefined;
}

const mix = (a: Rgb, b: Rgb, t: number): Rgb => [
  a[0] + (b[0] - a[0]) * t,
  a[1] + (b[1] - a[1]) * t,
  a[2] + (b[2] - a[2]) * t,
];
const SKY_T = BACKGROUND_COLORS.skyTop[0];
const SKY_B = BACKGROUND_COLORS.skyBottom[0];
/** Expected (top band, bottom band) colours of each background kind. */
const PROTOTYPES: Record<TBackgroundKind, [Rgb, Rgb][]> = {
  plain: BACKGROUND_COLORS.plain.map((c) => [c, c]),
  room: BACKGROUND_COLORS.wall.flatMap((w) =>
    BACKGROUND_COLORS.floor.map((f) => [w, f] as [Rgb, Rgb]),
  ),
  sky: [[mix(SKY_T, SKY_B, 0.1), mix(SKY_T, SKY_B, 0.92)]],
  grass: BACKGROUND_COLORS.grass.map((g) => [mix(SKY_T, SKY_B, 0.16), g]),
  sand: BACKGROUND_COLORS.sand.map((g) => [mix(SKY_T, SKY_B, 0.16), g]),
};

export function classifyBackground(
  px: TPixels,
  bg: Uint8Array,
): { kind?: TBackgroundKind; distance: number } {
  const top = bandMean(px, bg, 0, Math.max(1, Math.round(px.H * 0.2)));
  const bottom = bandMean(px, bg, Math.round(px.H * 0.85), px.H);
  if (!top || !bottom) return { distance: Infinity };
  let best: { kind?: TBackgroundKind; distance: number } = { distance: Infinity };
  for (const kind of BACKGROUND_KINDS)
    for (const [t, b] of PROTOTYPES[kind]) {
      const d = colorDistance(top, t) + colorDistance(bottom, b);
      if (d < best.distance) best = { kind, distance: d };
    }
  return best;
}

/**
 * Diptych bias: (1) a column where the background left of it differs from the background right of
 * it in most row bands, (2) left and right quarters whose backgrounds differ. Strip means (not single
 * pixels) are compared so pixel noise is not a seam. Single scenes vary only vertically: both are 0
 * on true renders.
 */
export function seamScore(px: TPixels, bg: Uint8Array): { seam: number; reasons: string[] } {
  const { W, H } = px;
  const bandH = Math.max(2, Math.round(H / 8));
  const strip = Math.max(3, Math.round(W / 10));
  let bestFrac = 0;
  let bestX = -1;
  for (let x = Math.floor(W / 4); x < Math.ceil((3 * W) / 4); x++) {
    let bands = 0;
    let jumps = 0;
    for (let y0 = 0; y0 + bandH <= H; y0 += bandH) {
      // mean over rows (where both sides show background) of left-strip minus right-strip colour
      const d = [0, 0, 0];
      let rows = 0;
      for (let y = y0; y < y0 + bandH; y++) {
        const l = bandMean(px, bg, y, y + 1, Math.max(0, x - 1 - strip), x - 1, 1);
        const r = bandMean(px, bg, y, y + 1, x + 1, Math.min(W, x + 1 + strip), 1);
        if (!l || !r) continue;
        for (let c = 0; c < 3; c++) d[c]! += l[c]! - r[c]!;
        rows++;
      }
      if (rows < bandH / 2) continue;
      bands++;
      if (Math.max(Math.abs(d[0]!), Math.abs(d[1]!), Math.abs(d[2]!)) / rows > 0.06) jumps++;
    }
    const frac = bands >= 3 ? jumps / bands : 0;
    if (frac > bestFrac) [bestFrac, bestX] = [frac, x];
  }
  let diff = 0;
  let bands = 0;
  for (let band = 0; band < 4; band++) {
    const y0 = Math.floor((band * H) / 4);
    const y1 = Math.floor(((band + 1) * H) / 4);
    const l = bandMean(px, bg, y0, y1, 0, Math.floor(W / 4));
    const r = bandMean(px, bg, y0, y1, Math.ceil((3 * W) / 4), W);
    if (!l || !r) continue;
    diff += Math.max(Math.abs(l[0] - r[0]), Math.abs(l[1] - r[1]), Math.abs(l[2] - r[2]));
    bands++;
  }
  diff = bands ? diff / bands : 0;
  const s1 = clamp01((bestFrac - 0.4) / 0.3);
  const s2 = clamp01((diff - 0.05) / 0.1);
  const reasons = [
    bestX >= 0
      ? `seam: background jumps across column ${bestX} in ${Math.round(bestFrac * 100)}% of row bands`
      : 'seam: no column where the background jumps',
    `seam: left/right background differ by ${diff.toFixed(3)} (max channel)`,
  ];
  return { seam: Math.max(s1, s2), reasons };
}

/** Whether a relation holds between two centres (pixels); tolerance is 3% of the width. */
export function relationHolds(
  rel: TRelation,
  a: { x: number; y: number },
  b: { x: number; y: number },
  W: number,
): boolean {
  const tol = 0.03 * W;
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  switch (rel) {
    case 'left of':
      return dx > tol;
    case 'right of':
      return dx < -tol;
    case 'above':
      return dy > tol;
    case 'below':
      return dy < -tol;
    case 'next to':
      return (
        Math.abs(dx) >= 0.5 * Math.abs(dy) && Math.abs(dx) > tol && Math.hypot(dx, dy) < 0.75 * W
      );
  }
}
