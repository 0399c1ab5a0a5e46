// Per-pixel evidence the scorer works from: only the image, never the renderer's scene.
import type { RgbImage } from '../image';
import { chroma, COLOR_NAMES, FOREGROUND_CHROMA, SUBJECT_COLORS } from '../palette';

export const PALETTE = COLOR_NAMES.map((n) => SUBJECT_COLORS[n]);
/** A foreground pixel farther than this from every palette colour is "mixed" (label -2). */
const MAX_LABEL_DISTANCE = 0.28;

export type TPixels = {
  W: number;
  H: number;
  data: Float32Array;
  /** 1 where the pixel is saturated enough to belong to a subject */
  fg: Uint8Array;
  /** palette index of the nearest subject colour; -1 background; -2 foreground but mixed */
  label: Int8Array;
  /** 1 where ≥ 3 of the 4 neighbours share the label (excludes anti-aliased and thin mixed lines) */
  stable: Uint8Array;
};

export function analysePixels(image: RgbImage): TPixels {
  const { width: W, height: H, data } = image;
  const n = W * H;
  const fg = new Uint8Array(n);
  const label = new Int8Array(n).fill(-1);
  for (let p = 0; p < n; p++) {
    const r = data[p * 3]!;
    const g = data[p * 3 + 1]!;
    const b = data[p * 3 + 2]!;
    if (chroma(r, g, b) < FOREGROUND_CHROMA) continue;
    fg[p] = 1;
    let best = -2;
    let bestD = MAX_LABEL_DISTANCE * MAX_LABEL_DISTANCE;
    for (let c = 0; c < PALETTE.length; c++) {
      const q = PALETTE[c]!;
      const d = (r - q[0]) ** 2 + (g - q[1]) ** 2 + (b - q[2]) ** 2;
      if (d < bestD) {
        bestD = d;
        best = c;
      }
    }
    label[p] = best;
  }
  bridgeBlends(W, H, data, fg);
  const stable = new Uint8Array(n);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const p = y * W + x;
      const l = label[p]!;
      if (l < 0) continue;
      let same = 0;
      if (x > 0 && label[p - 1] === l) same++;
      if (x < W - 1 && label[p + 1] === l) same++;
      if (y > 0 && label[p - W] === l) same++;
      if (y < H - 1 && label[p + W] === l) same++;
      if (same >= 3) stable[p] = 1;
    }
  }
  return { W, H, data, fg, label, stable };
}

function distToSegment(data: Float32Array, p: number, a: number, b: number): number {
  let num = 0;
  let den = 0;
  for (let c = 0; c < 3; c++) {
    const d = data[b * 3 + c]! - data[a * 3 + c]!;
    num += (data[p * 3 + c]! - data[a * 3 + c]!) * d;
    den += d * d;
  }
  const t = den ? Math.min(1, Math.max(0, num / den)) : 0;
  let r = 0;
  for (let c = 0; c < 3; c++)
    r += (data[p * 3 + c]! - data[a * 3 + c]! - t * (data[b * 3 + c]! - data[a * 3 + c]!)) ** 2;
  return Math.sqrt(r);
}

/**
 * Two saturated colours can blend to grey on an anti-aliased edge (yellow next to blue). Pixels in
 * a 1–2 px gap between foreground pixels whose colour lies on the blend of the two are foreground.
 */
function bridgeBlends(W: number, H: number, data: Float32Array, fg: Uint8Array): void {
  const add: number[] = [];
  const at = (x: number, y: number) =>
    x >= 0 && y >= 0 && x < W && y < H && fg[y * W + x] ? y * W + x : -1;
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const p = y * W + x;
      if (fg[p]) continue;
      let bridged = false;
      for (const [dx, dy] of [
        [1, 0],
        [0, 1],
        [1, 1],
        [1, -1],
      ] as const) {
        for (const [s, t] of [
          [1, 1],
          [1, 2],
          [2, 1],
        ] as const) {
          const a = at(x - s * dx, y - s * dy);
          const b = at(x + t * dx, y + t * dy);
          if (a >= 0 && b >= 0 && distToSegment(data, p, a, b) < 0.12) bridged = true;
        }
        if (bridged) break;
      }
      if (bridged) add.push(p);
    }
  for (const p of add) fg[p] = 1;
}

export type TRegion = { id: number; pixels: number[]; area: number; cx: number; cy: number };

function regionOf(id: number, pixels: number[], W: number): TRegion {
  let sx = 0;
  let sy = 0;
  for (const p of pixels) {
    sx += (p % W) + 0.5;
    sy += Math.floor(p / W) + 0.5;
  }
  return { id, pixels, area: pixels.length, cx: sx / pixels.length, cy: sy / pixels.length };
}

/** 4-connected components of foreground pixels. */
export function findBlobs(px: TPixels): number[][] {
  const { W, H, fg } = px;
  const seen = new Uint8Array(W * H);
  const blobs: number[][] = [];
  for (let s = 0; s < W * H; s++) {
    if (!fg[s] || seen[s]) continue;
    const blob: number[] = [s];
    seen[s] = 1;
    for (let k = 0; k < blob.length; k++) {
      const p = blob[k]!;
      const x = p % W;
      const nb = [x > 0 ? p - 1 : -1, x < W - 1 ? p + 1 : -1, p - W, p + W];
      for (const q of nb) {
        if (q < 0 || q >= W * H || !fg[q] || seen[q]) continue;
        seen[q] = 1;
        blob.push(q);
      }
    }
    blobs.push(blob);
  }
  return blobs;
}

/**
 * Splits a blob that holds the body colours of several subjects (touching or overlapping subjects):
 * multi-source BFS from each body colour's stable pixels.
 */
export function splitBlob(
  px: TPixels,
  blob: number[],
  bodyLabels: number[],
  minSeed: number,
): number[][] {
  const { W, label, stable } = px;
  const seeds = bodyLabels.map((l) => blob.filter((p) => label[p] === l && stable[p]));
  const present = seeds.filter((s) => s.length >= minSeed);
  if (present.length < 2) return [blob];
  const inBlob = new Set(blob);
  const owner = new Map<number, number>();
  const queue: number[] = [];
  present.forEach((s, i) => s.forEach((p) => (owner.set(p, i), queue.push(p))));
  for (let k = 0; k < queue.length; k++) {
    const p = queue[k]!;
    const x = p % W;
    for (const q of [x > 0 ? p - 1 : -1, x < W - 1 ? p + 1 : -1, p - W, p + W]) {
      if (!inBlob.has(q) || owner.has(q)) continue;
      owner.set(q, owner.get(p)!);
      queue.push(q);
    }
  }
  const parts: number[][] = present.map(() => []);
  for (const p of blob) parts[owner.get(p) ?? 0]!.push(p);
  return parts;
}

/** Candidate subject regions: blobs above a minimum size, split where subjects' bodies touch. */
export function findRegions(
  px: TPixels,
  bodyLabels: number[],
  k: number,
): { regions: TRegion[]; minArea: number; noise: number } {
  const minArea = Math.max(3, Math.round(0.0035 * px.W * px.H));
  const blobs = findBlobs(px);
  let kept = blobs.filter((b) => b.length >= minArea);
  const noise = blobs.length - kept.length;
  if (kept.length < k)
    kept = kept.flatMap((b) => splitBlob(px, b, bodyLabels, Math.max(2, minArea / 2)));
  kept = kept
    .filter((b) => b.length >= minArea)
    .sort((a, b) => b.length - a.length)
    .slice(0, 8);
  return { regions: kept.map((b, i) => regionOf(i, b, px.W)), minArea, noise };
}
