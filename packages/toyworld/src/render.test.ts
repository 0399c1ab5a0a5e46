import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeRgbPng, encodeRgbPng } from './image';
import { SUBJECT_COLORS } from './palette';
import { renderReference } from './render';
import { renderScene } from './scene';
import { generateSubject } from './subject';
import { suiteItem } from './suites';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('renderer', () => {
  it('same seed → byte-identical PNG (rendered twice, and across sizes)', () => {
    for (let seed = 0; seed < 20; seed++)
      for (const size of [32, 64]) {
        const a = encodeRgbPng(renderReference(generateSubject(seed), size));
        const b = encodeRgbPng(renderReference(generateSubject(seed), size));
        expect(sha(a)).toBe(sha(b));
      }
    const scene = suiteItem('four-subject', 3).scene;
    expect(sha(encodeRgbPng(renderScene(scene, 32).image))).toBe(
      sha(encodeRgbPng(renderScene(structuredClone(scene), 32).image)),
    );
  });

  it('different seeds → different images', () => {
    const hashes = new Set(
      Array.from({ length: 30 }, (_, s) =>
        sha(encodeRgbPng(renderReference(generateSubject(s), 32))),
      ),
    );
    expect(hashes.size).toBe(30);
  });

  it('matches pinned hashes (catches cross-machine drift; update only on purpose)', () => {
    // Pixel bytes, not PNG bytes, so a PNG-encoder upgrade does not trip it. If the renderer changes
    // on purpose, paste the new values printed by the failing assertion.
    const pixels = (seed: number) =>
      Uint8Array.from(renderReference(generateSubject(seed), 32).data, (v) =>
        Math.floor(v * 255 + 0.5),
      );
    const got = [1, 2, 3].map((seed) => sha(pixels(seed)).slice(0, 16));
    expect(got).toEqual(PINNED);
  });

  it('anti-aliases edges: a silhouette boundary has intermediate pixels', () => {
    const spec = { ...generateSubject(5), shape: 'circle' as const, pattern: 'plain' as const };
    const img = renderReference(spec, 64);
    const body = SUBJECT_COLORS[spec.body];
    let partial = 0;
    for (let p = 0; p < 64 * 64; p++) {
      const d =
        Math.abs(img.data[p * 3]! - 0.76) +
        Math.abs(img.data[p * 3 + 1]! - 0.76) +
        Math.abs(img.data[p * 3 + 2]! - 0.76);
      const e =
        Math.abs(img.data[p * 3]! - body[0]) +
        Math.abs(img.data[p * 3 + 1]! - body[1]) +
        Math.abs(img.data[p * 3 + 2]! - body[2]);
      if (d > 0.05 && e > 0.05 && Math.min(d, e) > 0.1) partial++;
    }
    // the circle's rim (circumference ≈ 2π·24 px) is mostly partial pixels, plus the glyph's edges
    expect(partial).toBeGreaterThan(60);
  });

  it('renders at any resolution with the same geometry', () => {
    const spec = generateSubject(11);
    const coverage = (size: number) => {
      const img = renderReference(spec, size);
      let n = 0;
      for (let p = 0; p < size * size; p++)
        if (Math.abs(img.data[p * 3]! - 0.76) + Math.abs(img.data[p * 3 + 2]! - 0.76) > 0.2) n++;
      return n / (size * size);
    };
    const [a, b, c] = [coverage(32), coverage(64), coverage(128)];
    expect(Math.abs(a - c)).toBeLessThan(0.06);
    expect(Math.abs(b - c)).toBeLessThan(0.03);
  });

  it('later subjects occlude earlier ones (image and owner map)', () => {
    const [a, b] = [generateSubject(1), generateSubject(2)];
    const scene = {
      background: {
        kind: 'plain' as const,
        top: [0.7, 0.7, 0.7] as [number, number, number],
        bottom: [0.7, 0.7, 0.7] as [number, number, number],
        horizon: 1,
      },
      placements: [
        {
          subject: { ...a, pattern: 'plain' as const },
          view: { x: 0.4, y: 0.5, scale: 0.4, rotation: 0 },
        },
        {
          subject: { ...b, shape: 'circle' as const, pattern: 'plain' as const },
          view: { x: 0.6, y: 0.5, scale: 0.4, rotation: 0 },
        },
      ],
      relations: [],
    };
    const { image, ownerMap } = renderScene(scene, 64);
    const p = 32 * 64 + 29; // inside both discs' overlap, off the glyph
    expect(ownerMap[p]).toBe(1);
    const body = SUBJECT_COLORS[b.body];
    for (let c = 0; c < 3; c++) expect(image.data[p * 3 + c]).toBeCloseTo(body[c]!, 5);
    const swapped = renderScene({ ...scene, placements: [...scene.placements].reverse() }, 64);
    expect(swapped.ownerMap[p]).toBe(1); // now subject a is in front (index 1)
  });

  it('PNG round trip keeps 8-bit values', () => {
    const img = renderReference(generateSubject(4), 32);
    const back = decodeRgbPng(encodeRgbPng(img));
    expect(back.width).toBe(32);
    let maxErr = 0;
    for (let i = 0; i < img.data.length; i++)
      maxErr = Math.max(maxErr, Math.abs(img.data[i]! - back.data[i]!));
    expect(maxErr).toBeLessThanOrEqual(0.5 / 255 + 1e-6);
  });
});

const PINNED = ['1afff11103e53400', 'fa60b6856a3b786e', '640ce80b4685517a'];
