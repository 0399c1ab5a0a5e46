// Accent fields: where a subject's accent colour goes, as a signed distance (negative = accent).
// The central disc (radius GLYPH_DISC) is kept free of the pattern and carries the glyph.
import { sdBox, sdShape } from './shapes';
import type { TPattern, TShape } from './subject';

export const GLYPH_DISC = 0.5;
/** Half-size of the glyph's 2×2 cell square in unit coordinates. */
export const GLYPH_HALF = 0.35;
const CELL = GLYPH_HALF / 2;
const FAR = 1e9;

function round(x: number): number {
  return Math.floor(x + 0.5);
}

export function sdPattern(
  pattern: TPattern,
  _shape: TShape,
  x: number,
  y: number,
  sdS: number,
): number {
  switch (pattern) {
    case 'plain':
      return FAR;
    case 'stripes':
      return Math.abs(y - 0.6 * round(y / 0.6)) - 0.15;
    case 'dots': {
      const dx = x - 0.6 * round(x / 0.6);
      const dy = y - 0.6 * round(y / 0.6);
      return Math.sqrt(dx * dx + dy * dy) - 0.18;
    }
    case 'checker': {
      const fx = x / 0.5 - Math.floor(x / 0.5);
      const fy = y / 0.5 - Math.floor(y / 0.5);
      const d = 0.5 * Math.min(fx, 1 - fx, fy, 1 - fy);
      return (Math.floor(x / 0.5) + Math.floor(y / 0.5)) & 1 ? -d : d;
    }
    case 'halves':
      return -y;
    case 'ring':
      return -(sdS + 0.28); // an inner outline of the silhouette
  }
}

export function sdGlyph(glyph: readonly number[], x: number, y: number): number {
  let d = FAR;
  for (let i = 0; i < 4; i++) {
    if (!glyph[i]) continue;
    const cx = ((i & 1) - 0.5) * GLYPH_HALF;
    const cy = ((i >> 1) - 0.5) * GLYPH_HALF;
    const di = sdBox(x - cx, y - cy, CELL, CELL);
    if (di < d) d = di;
  }
  return d;
}

/** Accent signed distance of a subject at unit point (x, y), given the shape's own distance sdS. */
export function sdAccent(
  pattern: TPattern,
  shape: TShape,
  glyph: readonly number[],
  x: number,
  y: number,
  sdS: number,
): number {
  const outsideDisc = GLYPH_DISC - Math.sqrt(x * x + y * y);
  const p = sdPattern(pattern, shape, x, y, sdS);
  const masked = p > outsideDisc ? p : outsideDisc;
  const g = sdGlyph(glyph, x, y);
  return g < masked ? g : masked;
}

export { sdShape };
