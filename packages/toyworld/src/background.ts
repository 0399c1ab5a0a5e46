import { z } from 'zod';
import type { RgbImage } from './image';
import { BACKGROUND_COLORS, type Rgb } from './palette';
import type { Rng } from './rng';

export const BACKGROUND_KINDS = ['plain', 'room', 'sky', 'grass', 'sand'] as const;
export type TBackgroundKind = (typeof BACKGROUND_KINDS)[number];

const ZRgb = z.tuple([
  z.number().min(0).max(1),
  z.number().min(0).max(1),
  z.number().min(0).max(1),
]);
export const ZBackground = z
  .object({
    kind: z.enum(BACKGROUND_KINDS),
    top: ZRgb, // plain: the colour; room: wall; sky/grass/sand: sky at the top edge
    bottom: ZRgb, // plain: = top; room: floor; sky: sky at the bottom edge; grass/sand: ground
    horizon: z.number().min(0).max(1), // fraction of height where the ground starts (room/grass/sand)
  })
  .strict();
export type TBackground = z.infer<typeof ZBackground>;

function jitter(rng: Rng, c: Rgb): [number, number, number] {
  const d = rng.range(-0.03, 0.03); // lightness jitter keeps chroma unchanged
  return [c[0] + d, c[1] + d, c[2] + d];
}

export function drawBackground(
  rng: Rng,
  kind: TBackgroundKind = rng.pick(BACKGROUND_KINDS),
): TBackground {
  const horizon = rng.range(0.55, 0.7);
  switch (kind) {
    case 'plain': {
      const c = jitter(rng, rng.pick(BACKGROUND_COLORS.plain));
      return { kind, top: c, bottom: c, horizon: 1 };
    }
    case 'room':
      return {
        kind,
        top: jitter(rng, rng.pick(BACKGROUND_COLORS.wall)),
        bottom: jitter(rng, rng.pick(BACKGROUND_COLORS.floor)),
        horizon,
      };
    case 'sky':
      return {
        kind,
        top: jitter(rng, BACKGROUND_COLORS.skyTop[0]),
        bottom: jitter(rng, BACKGROUND_COLORS.skyBottom[0]),
        horizon: 1,
      };
    case 'grass':
    case 'sand':
      return {
        kind,
        top: jitter(rng, BACKGROUND_COLORS.skyTop[0]),
        bottom: jitter(rng, rng.pick<Rgb>(BACKGROUND_COLORS[kind])),
        horizon,
      };
  }
}

/** The sky colour at height fraction f for sky-topped backgrounds (vertical gradient only). */
const SKY_LOW = BACKGROUND_COLORS.skyBottom[0];

/** Paints a background. Every kind varies only vertically, so a single scene has no vertical seam. */
export function paintBackground(image: RgbImage, bg: TBackground): void {
  const { width: W, height: H, data } = image;
  for (let y = 0; y < H; y++) {
    const f = (y + 0.5) / H;
    let r: number, g: number, b: number;
    if (bg.kind === 'plain') {
      [r, g, b] = bg.top;
    } else if (bg.kind === 'sky') {
      r = bg.top[0] + (bg.bottom[0] - bg.top[0]) * f;
      g = bg.top[1] + (bg.bottom[1] - bg.top[1]) * f;
      b = bg.top[2] + (bg.bottom[2] - bg.top[2]) * f;
    } else {
      // anti-aliased horizon: coverage of the ground in this row
      const cover = Math.min(1, Math.max(0, y + 1 - bg.horizon * H));
      let ur = bg.top[0],
        ug = bg.top[1],
        ub = bg.top[2];
      if (bg.kind !== 'room') {
        const s = Math.min(1, f / bg.horizon);
        ur += (SKY_LOW[0] - ur) * s;
        ug += (SKY_LOW[1] - ug) * s;
        ub += (SKY_LOW[2] - ub) * s;
      }
      r = ur + (bg.bottom[0] - ur) * cover;
      g = ug + (bg.bottom[1] - ug) * cover;
      b = ub + (bg.bottom[2] - ub) * cover;
    }
    for (let x = 0; x < W; x++) {
      const i = (y * W + x) * 3;
      data[i] = r;
      data[i + 1] = g;
      data[i + 2] = b;
    }
  }
}
