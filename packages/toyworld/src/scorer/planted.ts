// Planted failures: the defects the scorer must catch, made from a suite item's true scene.
import { BACKGROUND_KINDS, drawBackground } from '../background';
import { blit, createImage, type RgbImage } from '../image';
import { makeRng } from '../rng';
import { renderScene, type TScene } from '../scene';
import { GLYPHS, type TShape } from '../subject';

const clone = (s: TScene): TScene => structuredClone(s);

/** Subjects 0 and 1 trade body colours. */
export function swapBodies(scene: TScene, size: number): RgbImage {
  const s = clone(scene);
  const [a, b] = [s.placements[0]!.subject, s.placements[1]!.subject];
  [a.body, b.body] = [b.body, a.body];
  return renderScene(s, size).image;
}

/** Left half on the scene's background, right half on a different kind: a diptych seam. */
export function splitBackground(scene: TScene, size: number, seed: number): RgbImage {
  const other = clone(scene);
  const kinds = BACKGROUND_KINDS.filter((k) => k !== scene.background.kind);
  other.background = drawBackground(makeRng(0x5ea, seed), kinds[seed % kinds.length]);
  const left = renderScene(scene, size).image;
  const right = renderScene(other, size).image;
  const half = createImage(size - size / 2, size);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < half.width; x++)
      for (let c = 0; c < 3; c++)
        half.data[(y * half.width + x) * 3 + c] = right.data[(y * size + x + size / 2) * 3 + c]!;
  blit(left, half, size / 2, 0);
  return left;
}

/** The last subject is left out of the render. */
export function dropSubject(scene: TScene, size: number): RgbImage {
  const s = clone(scene);
  s.placements.pop();
  return renderScene(s, size).image;
}

/** Subject 0 wears a glyph at least `minFlips` cells away from its own. */
export function wrongGlyph(scene: TScene, size: number, seed: number, minFlips = 2): RgbImage {
  const s = clone(scene);
  const subject = s.placements[0]!.subject;
  const candidates = GLYPHS.filter(
    (g) => g.filter((b, i) => b !== subject.glyph[i]).length >= minFlips,
  );
  subject.glyph = [...candidates[seed % candidates.length]!];
  return renderScene(s, size).image;
}

/** A generated-looking copy: 3×3 blur (centre weight 2) plus roughly Gaussian noise of std ≈ `noise`. */
export function degrade(img: RgbImage, noise: number, seed: number): RgbImage {
  const { width: W, height: H } = img;
  const out = createImage(W, H);
  const rng = makeRng(0xb1, seed);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++)
      for (let c = 0; c < 3; c++) {
        let s = 0;
        let n = 0;
        for (let dy = -1; dy <= 1; dy++)
          for (let dx = -1; dx <= 1; dx++) {
            const xx = x + dx;
            const yy = y + dy;
            if (xx < 0 || yy < 0 || xx >= W || yy >= H) continue;
            const w = dx === 0 && dy === 0 ? 2 : 1;
            s += w * img.data[(yy * W + xx) * 3 + c]!;
            n += w;
          }
        const e = (rng.next() + rng.next() + rng.next() - 1.5) * 2 * noise;
        out.data[(y * W + x) * 3 + c] = Math.min(1, Math.max(0, s / n + e));
      }
  return out;
}

/** Subjects 0 and 1 trade places (each keeps its own look): every relation between them is now false. */
export function swapPositions(scene: TScene, size: number): RgbImage {
  const s = clone(scene);
  const [a, b] = [s.placements[0]!, s.placements[1]!];
  [a.view, b.view] = [b.view, a.view];
  return renderScene(s, size).image;
}

/**
 * What an untrained generator draws: subjects 0 and 1 trade places, subject 1 (now in subject 0's
 * place) as a plain blob of `blob` shape, subject 0 with subject 1's silhouette. Only subject 1's
 * silhouette is recognisable — in subject 0's colours, in subject 1's own place — so nothing in the
 * image places subject 0 where the prompt says it is.
 */
export function shapelessSwap(scene: TScene, size: number, blob: TShape = 'circle'): RgbImage {
  const s = clone(scene);
  const [a, b] = [s.placements[0]!, s.placements[1]!];
  const [sa, sb] = [a.subject, b.subject];
  a.subject = { ...sb, shape: blob, pattern: 'plain' };
  b.subject = { ...sa, shape: sb.shape, pattern: 'plain' };
  return renderScene(s, size).image;
}

/**
 * A gentle left-to-right colour drift over the whole image (red channel +amount/2 at the right edge,
 * −amount/2 at the left), as generated images show: small nonzero seam scores, but no seam.
 */
export function colourDrift(img: RgbImage, amount: number): RgbImage {
  const { width: W, height: H } = img;
  const out = createImage(W, H);
  out.data.set(img.data);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const p = (y * W + x) * 3;
      out.data[p] = Math.min(1, Math.max(0, out.data[p]! + amount * ((x + 0.5) / W - 0.5)));
    }
  return out;
}
