// Contact sheet: one row per item — references, output, routing overlay (if given), score bars.
import { createImage, type RgbImage } from '../image';
import type { TItemResult } from '../io';

const CELL = 64;
const GAP = 4;
const SUBJECT_TINTS = [
  [1, 0.2, 0.2],
  [0.2, 0.4, 1],
  [0.2, 0.9, 0.3],
  [1, 0.85, 0.1],
] as const;
const BAR_COLORS = {
  fidelity: [0.2, 0.75, 0.3],
  leakage: [0.9, 0.2, 0.2],
  seam: [0.95, 0.55, 0.1],
  count: [0.25, 0.45, 0.95],
  relation: [0.6, 0.3, 0.85],
  background: [0.4, 0.7, 0.75],
} as const;

function fill(img: RgbImage, x0: number, y0: number, w: number, h: number, c: readonly number[]) {
  for (let y = Math.max(0, y0); y < Math.min(img.height, y0 + h); y++)
    for (let x = Math.max(0, x0); x < Math.min(img.width, x0 + w); x++)
      for (let ch = 0; ch < 3; ch++) img.data[(y * img.width + x) * 3 + ch] = c[ch]!;
}

/** Nearest-neighbour scaled copy into a CELL×CELL cell, optionally tinted by a routing grid. */
function paste(
  sheet: RgbImage,
  src: RgbImage,
  x0: number,
  y0: number,
  routing?: { grid: number; map: number[] },
) {
  for (let y = 0; y < CELL; y++)
    for (let x = 0; x < CELL; x++) {
      const sx = Math.floor((x * src.width) / CELL);
      const sy = Math.floor((y * src.height) / CELL);
      const s = (sy * src.width + sx) * 3;
      const d = ((y0 + y) * sheet.width + x0 + x) * 3;
      let tint: readonly number[] | undefined;
      if (routing) {
        const owner =
          routing.map[
            Math.floor((y * routing.grid) / CELL) * routing.grid +
              Math.floor((x * routing.grid) / CELL)
          ]!;
        tint = owner >= 0 ? SUBJECT_TINTS[owner % SUBJECT_TINTS.length] : [0, 0, 0];
      }
      for (let ch = 0; ch < 3; ch++)
        sheet.data[d + ch] = tint ? 0.5 * src.data[s + ch]! + 0.5 * tint[ch]! : src.data[s + ch]!;
    }
}

export function contactSheet(
  items: TItemResult[],
  references: RgbImage[][],
  maxRows = 50,
): RgbImage {
  const rows = items.slice(0, maxRows);
  const maxRefs = Math.max(1, ...references.map((r) => r.length));
  const cols = maxRefs + 2; // references, output, routing overlay
  const barsW = 6 * 10;
  const W = GAP + cols * (CELL + GAP) + barsW + GAP;
  const H = GAP + rows.length * (CELL + GAP);
  const sheet = createImage(W, H);
  fill(sheet, 0, 0, W, H, [0.12, 0.12, 0.14]);
  rows.forEach((item, r) => {
    const y0 = GAP + r * (CELL + GAP);
    (references[r] ?? []).forEach((ref, i) => paste(sheet, ref, GAP + i * (CELL + GAP), y0));
    const xOut = GAP + maxRefs * (CELL + GAP);
    if (item.image) paste(sheet, item.image, xOut, y0);
    else fill(sheet, xOut, y0, CELL, CELL, [0.5, 0, 0]); // missing / unreadable output
    if (item.image && item.routing) paste(sheet, item.image, xOut + CELL + GAP, y0, item.routing);
    const xBars = GAP + cols * (CELL + GAP);
    if (!item.score) return;
    Object.entries(BAR_COLORS).forEach(([metric, color], b) => {
      const v = item.score![metric as keyof typeof BAR_COLORS];
      const h = Math.round(v * CELL);
      fill(sheet, xBars + b * 10, y0, 8, CELL, [0.25, 0.25, 0.28]);
      fill(sheet, xBars + b * 10, y0 + CELL - h, 8, h, color);
    });
  });
  return sheet;
}
