import { describe, expect, it } from 'vitest';
import { BACKGROUND_KINDS, drawBackground } from '../background';
import { createImage } from '../image';
import { makeRng } from '../rng';
import { renderScene } from '../scene';
import { buildSuite, SUITE_NAMES, suiteItem } from '../suites';
import { degrade, dropSubject, splitBackground, swapBodies, wrongGlyph } from './planted';
import { scoreImage } from './score';

const SEEDS = 50;

describe('scorer on ground-truth renders', () => {
  for (const name of SUITE_NAMES) {
    it(`${name}: every item ≥ 0.95 fidelity, 0 leakage, 0 seam at 32²`, () => {
      for (const item of buildSuite(name)) {
        const s = scoreImage(renderScene(item.scene, 32).image, item.subjects, item.prompt);
        expect(s.fidelity, item.id).toBeGreaterThanOrEqual(0.95);
        expect(s.leakage, item.id).toBe(0);
        expect(s.seam, item.id).toBe(0);
        expect(s.count, item.id).toBe(1);
        expect(s.relation, item.id).toBe(1);
        expect(s.background, item.id).toBe(1);
      }
    });
  }
  it('also at 64² (first 25 items of each suite)', () => {
    for (const name of SUITE_NAMES)
      for (const item of buildSuite(name, 25)) {
        const s = scoreImage(renderScene(item.scene, 64).image, item.subjects, item.prompt);
        expect(s.fidelity, item.id).toBeGreaterThanOrEqual(0.95);
        expect(s.leakage + s.seam, item.id).toBe(0);
      }
  });
});

describe('blurred, noisy renders (what a generator produces)', () => {
  it('no false leakage, seam or count errors; fidelity degrades gracefully', () => {
    let fidelity = 0;
    let n = 0;
    for (const name of SUITE_NAMES)
      for (let i = 0; i < 15; i++) {
        const item = suiteItem(name, i);
        const s = scoreImage(
          degrade(renderScene(item.scene, 32).image, 0.03, i),
          item.subjects,
          item.prompt,
        );
        expect(s.leakage, item.id).toBeLessThanOrEqual(0.1);
        expect(s.seam, item.id).toBeLessThanOrEqual(0.25);
        expect(s.count, item.id).toBe(1);
        fidelity += s.fidelity;
        n++;
      }
    expect(fidelity / n).toBeGreaterThan(0.85);
  });
});

describe('images with no subjects', () => {
  it('a blank image finds nobody; random noise earns almost nothing', () => {
    const item = suiteItem('three-subject', 0);
    const blank = createImage(32, 32);
    blank.data.fill(0.7);
    const b = scoreImage(blank, item.subjects, item.prompt);
    expect(b.fidelity).toBe(0);
    expect(b.count).toBe(0);
    expect(b.perSubject.every((p) => !p.found)).toBe(true);
    expect(b.relation).toBe(0);
    const noise = createImage(32, 32);
    const rng = makeRng(1);
    for (let i = 0; i < noise.data.length; i++) noise.data[i] = rng.next();
    expect(scoreImage(noise, item.subjects, item.prompt).fidelity).toBeLessThan(0.2);
    expect(() => scoreImage(noise, [], item.prompt)).toThrow();
  });
});

describe(`planted failures are caught on ${SEEDS} seeds`, () => {
  const items = Array.from({ length: SEEDS }, (_, i) => suiteItem(SUITE_NAMES[i % 3]!, 100 + i));

  it('swapped body colours between two subjects → leakage ≥ 0.5 and fidelity < 0.9', () => {
    for (const item of items) {
      const s = scoreImage(swapBodies(item.scene, 32), item.subjects, item.prompt);
      expect(s.leakage, item.id).toBeGreaterThanOrEqual(0.5);
      expect(s.fidelity, item.id).toBeLessThan(0.9);
    }
  });

  it('split image with two backgrounds → seam ≥ 0.5', () => {
    items.forEach((item, i) => {
      const s = scoreImage(splitBackground(item.scene, 32, i), item.subjects, item.prompt);
      expect(s.seam, item.id).toBeGreaterThanOrEqual(0.5);
    });
  });

  it('missing subject → count ≤ 1 − 1/k and fidelity ≤ (k−1)/k + 0.02', () => {
    for (const item of items) {
      const k = item.subjects.length;
      const s = scoreImage(dropSubject(item.scene, 32), item.subjects, item.prompt);
      expect(s.count, item.id).toBeLessThanOrEqual(1 - 1 / k + 1e-9);
      expect(s.fidelity, item.id).toBeLessThanOrEqual((k - 1) / k + 0.02);
      expect(s.perSubject[k - 1]!.found, item.id).toBe(false);
    }
  });

  it('wrong glyph (even 1 of 4 cells flipped) → glyph score drops by ≥ 0.5 (all suites, 32²)', () => {
    for (let i = 0; i < SEEDS; i++) {
      const item = suiteItem(SUITE_NAMES[i % 3]!, 200 + i);
      const truth = scoreImage(renderScene(item.scene, 32).image, item.subjects, item.prompt);
      const s = scoreImage(wrongGlyph(item.scene, 32, i, 1), item.subjects, item.prompt);
      expect(truth.perSubject[0]!.glyph - s.perSubject[0]!.glyph, item.id).toBeGreaterThanOrEqual(
        0.5,
      );
    }
  });
});

describe('relation and background adherence', () => {
  it('a mirrored image breaks left/right relations; another background kind fails background', () => {
    let checked = 0;
    for (let i = 0; i < 200 && checked < 20; i++) {
      const item = suiteItem('two-subject', 500 + i);
      const rel = item.scene.relations[0]!.rel;
      if (rel !== 'left of' && rel !== 'right of') continue;
      const img = renderScene(item.scene, 32).image;
      const mirrored = createImage(32, 32);
      for (let y = 0; y < 32; y++)
        for (let x = 0; x < 32; x++)
          for (let c = 0; c < 3; c++)
            mirrored.data[(y * 32 + x) * 3 + c] = img.data[(y * 32 + 31 - x) * 3 + c]!;
      expect(scoreImage(mirrored, item.subjects, item.prompt).relation, item.id).toBe(0);
      checked++;
    }
    expect(checked).toBe(20);
    for (let i = 0; i < 20; i++) {
      const item = suiteItem('three-subject', 600 + i);
      const other = structuredClone(item.scene);
      const kinds = BACKGROUND_KINDS.filter((k) => k !== item.scene.background.kind);
      other.background = drawBackground(makeRng(i), kinds[i % kinds.length]);
      expect(
        scoreImage(renderScene(other, 32).image, item.subjects, item.prompt).background,
        item.id,
      ).toBe(0);
    }
  });
});
