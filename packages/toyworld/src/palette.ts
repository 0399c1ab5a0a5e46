// Two disjoint palettes: saturated subject colours (chroma ≥ 0.65) and muted background colours
// (chroma ≤ 0.25). The scorer separates subjects from backgrounds by chroma alone.

export type Rgb = readonly [number, number, number];

export const SUBJECT_COLORS = {
  red: [0.9, 0.1, 0.1],
  orange: [1.0, 0.5, 0.0],
  yellow: [0.98, 0.88, 0.05],
  lime: [0.55, 0.9, 0.05],
  green: [0.05, 0.7, 0.2],
  cyan: [0.0, 0.8, 0.85],
  blue: [0.1, 0.25, 0.95],
  purple: [0.5, 0.1, 0.9],
  magenta: [0.9, 0.05, 0.75],
} as const satisfies Record<string, Rgb>;

export type TColorName = keyof typeof SUBJECT_COLORS;
export const COLOR_NAMES = Object.keys(SUBJECT_COLORS) as [TColorName, ...TColorName[]];

/** Pixels with chroma above this are subject pixels; backgrounds stay below 0.25 everywhere. */
export const FOREGROUND_CHROMA = 0.45;
export const MAX_BACKGROUND_CHROMA = 0.25;

export const chroma = (r: number, g: number, b: number): number =>
  Math.max(r, g, b) - Math.min(r, g, b);

export function colorDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const dr = a[0]! - b[0]!;
  const dg = a[1]! - b[1]!;
  const db = a[2]! - b[2]!;
  return Math.sqrt(dr * dr + dg * dg + db * db);
}

/** Muted background colours, grouped by the role they play in a background. */
export const BACKGROUND_COLORS = {
  plain: [
    [0.76, 0.76, 0.76],
    [0.46, 0.46, 0.48],
    [0.84, 0.8, 0.72],
    [0.7, 0.62, 0.68],
    [0.6, 0.56, 0.5],
  ],
  wall: [
    [0.86, 0.82, 0.74],
    [0.78, 0.8, 0.78],
  ],
  floor: [
    [0.52, 0.4, 0.3],
    [0.4, 0.34, 0.3],
  ],
  skyTop: [[0.54, 0.65, 0.78]],
  skyBottom: [[0.74, 0.8, 0.88]],
  grass: [
    [0.42, 0.56, 0.38],
    [0.5, 0.6, 0.4],
  ],
  sand: [
    [0.8, 0.72, 0.56],
    [0.74, 0.68, 0.54],
  ],
} as const satisfies Record<string, readonly Rgb[]>;
