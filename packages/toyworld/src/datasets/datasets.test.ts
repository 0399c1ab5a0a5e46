import { describe, expect, it } from 'vitest';
import { ownerMapFromGrid, regionMapAtGrid } from '../regions';
import type { TShapeWeights } from '../heldout';
import { sampleAt, type TSample } from './samples';
import { streamDataset, streamMixture } from './stream';

const O = { size: 32, refSize: 32 };

describe('datasets', () => {
  it('sample i is the same whoever produces it; shards partition the indices', () => {
    const a = sampleAt('oracle', 5, 17, O);
    const b = sampleAt('oracle', 5, 17, O);
    expect(a.prompt).toBe(b.prompt);
    expect(Buffer.from(a.target.data.buffer).equals(Buffer.from(b.target.data.buffer))).toBe(true);
    const all = [...streamDataset({ kind: 'pair', seed: 1, count: 12 })].map((s) => s.index);
    const s0 = [...streamDataset({ kind: 'pair', seed: 1, count: 12, shard: 0, shards: 3 })].map(
      (s) => s.index,
    );
    const s1 = [...streamDataset({ kind: 'pair', seed: 1, count: 12, shard: 1, shards: 3 })].map(
      (s) => s.index,
    );
    const s2 = [...streamDataset({ kind: 'pair', seed: 1, count: 12, shard: 2, shards: 3 })].map(
      (s) => s.index,
    );
    expect([...s0, ...s1, ...s2].sort((x, y) => x - y)).toEqual(all);
    expect(() => [
      ...streamDataset({ kind: 'pair', seed: 1, shard: 3, shards: 3, count: 1 }),
    ]).toThrow(/shard/);
  });

  it('base scenes: 1–3 generic objects, no references, class named in the prompt', () => {
    const counts = new Set<number>();
    for (const s of streamDataset({ kind: 'base', seed: 3, count: 60 })) {
      counts.add(s.subjects.length);
      expect(s.references).toHaveLength(0);
      for (const sub of s.subjects) expect(s.prompt).toContain(`${sub.shape} toy`);
    }
    expect([...counts].sort()).toEqual([1, 2, 3]);
  });

  it('pairs: one subject, a reference and a target of the same subject; owner map marks its pixels', () => {
    const s = sampleAt('pair', 2, 0, O);
    expect(s.subjects).toHaveLength(1);
    expect(s.references[0]!.width).toBe(32);
    const owned = s.ownerMap.filter((o) => o === 0).length;
    expect(owned).toBeGreaterThan(20);
    expect(owned).toBeLessThan(32 * 32);
    expect(s.conditions).toEqual([`a ${s.subjects[0]!.shape} toy`]);
  });

  it('diptychs: halves side by side, prompt names both, owner map = halves', () => {
    const s = sampleAt('diptych', 4, 9, O);
    expect(s.subjects).toHaveLength(2);
    expect(s.prompt).toContain(`${s.subjects[0]!.shape} toy`);
    expect(s.prompt).toContain(`${s.subjects[1]!.shape} toy`);
    for (let y = 0; y < 32; y++) {
      expect(s.ownerMap[y * 32 + 15]).toBe(0);
      expect(s.ownerMap[y * 32 + 16]).toBe(1);
    }
    expect(Array.from(regionMapAtGrid(s.ownerMap, 32, 32, 8))).toEqual(
      Array.from({ length: 64 }, (_, i) => (i % 8 < 4 ? 0 : 1)),
    );
  });

  it('diptychs with random sides: same picture, the first-named subject on either half', () => {
    let swapped = 0;
    for (let i = 0; i < 40; i++) {
      const fixed = sampleAt('diptych', 4, i, O);
      const s = sampleAt('diptych', 4, i, { ...O, diptychSides: 'random' });
      expect(Array.from(s.target.data)).toEqual(Array.from(fixed.target.data));
      const swap = s.ownerMap[0] === 1;
      if (swap) swapped++;
      const order = swap ? [1, 0] : [0, 1];
      expect(s.subjects).toEqual(order.map((k) => fixed.subjects[k]));
      expect(s.conditions).toEqual(order.map((k) => fixed.conditions[k]));
      for (let p = 0; p < s.ownerMap.length; p++) {
        expect(s.ownerMap[p]).toBe(swap ? 1 - fixed.ownerMap[p]! : fixed.ownerMap[p]);
        const drawn = fixed.subjectMap![p]!;
        expect(s.subjectMap![p]).toBe(drawn < 0 ? -1 : s.ownerMap[p]);
      }
      // the prompt names subject 0 first, and its relation word matches the side it is on
      expect(s.prompt.startsWith(s.conditions[0]!)).toBe(true);
      expect(s.prompt).not.toContain(swap ? 'left of' : 'right of');
    }
    expect(swapped).toBeGreaterThan(10);
    expect(swapped).toBeLessThan(30);
  });

  it('vertical diptychs: halves one above the other, the prompt says so, the subjects are drawn there', () => {
    let vertical = 0;
    for (let i = 0; i < 40; i++) {
      const s = sampleAt('diptych', 4, i, { ...O, diptychVertical: 0.5 });
      const top = s.ownerMap[0] === 0 && s.ownerMap[31] === 0;
      if (!top) {
        // side by side, as without the option
        expect(s.ownerMap[31]).toBe(1);
        expect(s.prompt).not.toMatch(/above|below/);
        continue;
      }
      vertical++;
      for (let x = 0; x < 32; x++) {
        expect(s.ownerMap[15 * 32 + x]).toBe(0);
        expect(s.ownerMap[16 * 32 + x]).toBe(1);
      }
      expect(s.prompt.startsWith(`${s.conditions[0]} above ${s.conditions[1]}`)).toBe(true);
      // each subject's pixels lie in its own half, and both are drawn
      const rows = [0, 1].map((k) =>
        Array.from(s.subjectMap!.entries())
          .filter(([, v]) => v === k)
          .map(([p]) => Math.floor(p / 32)),
      );
      expect(rows[0]!.length).toBeGreaterThan(10);
      expect(rows[1]!.length).toBeGreaterThan(10);
      expect(Math.max(...rows[0]!)).toBeLessThan(16);
      expect(Math.min(...rows[1]!)).toBeGreaterThanOrEqual(16);
    }
    expect(vertical).toBeGreaterThan(10);
    expect(vertical).toBeLessThan(30);
    // share 0 leaves the dataset as it was
    expect(Array.from(sampleAt('diptych', 4, 3, { ...O, diptychVertical: 0 }).target.data)).toEqual(
      Array.from(sampleAt('diptych', 4, 3, O).target.data),
    );
  });

  it("small pairs: one subject drawn at a multi-subject scene's size, off-centre", () => {
    const area = (m: Int8Array) => m.filter((v) => v === 0).length;
    const plain = Array.from({ length: 40 }, (_, i) => sampleAt('pair', 5, i, O));
    const small = Array.from({ length: 40 }, (_, i) =>
      sampleAt('pair', 5, i, { ...O, smallPairs: 1 }),
    );
    for (const s of small) {
      expect(s.subjects).toHaveLength(1);
      expect(s.references).toHaveLength(1);
      expect(area(s.ownerMap)).toBeGreaterThan(10);
    }
    const mean = (xs: TSample[]) => xs.reduce((t, s) => t + area(s.ownerMap), 0) / xs.length;
    // radius ≈ 0.34–0.38 of the half side instead of 0.45–0.7: under half the area
    expect(mean(small)).toBeLessThan(0.5 * mean(plain));
    // share 0 leaves the dataset as it was
    expect(Array.from(sampleAt('pair', 5, 3, { ...O, smallPairs: 0 }).target.data)).toEqual(
      Array.from(plain[3]!.target.data),
    );
  });

  it('shape weights: subjects of a weighted shape are drawn in proportion, weight 0 never', () => {
    const shapes = (w?: TShapeWeights) =>
      Array.from({ length: 600 }, (_, i) => sampleAt('pair', 6, i, { ...O, shapeWeights: w })).map(
        (s) => s.subjects[0]!.shape,
      );
    const share = (xs: string[], shape: string) => xs.filter((x) => x === shape).length / xs.length;
    const uniform = shapes();
    const boosted = shapes({ star: 3, cross: 3, circle: 0 });
    // uniform: 1/8 each; boosted: 3 / (6·1 + 2·3 − 1) = 3/11 each, circles never
    expect(share(uniform, 'star')).toBeCloseTo(1 / 8, 1);
    expect(share(boosted, 'star')).toBeGreaterThan(0.2);
    expect(share(boosted, 'star')).toBeLessThan(0.36);
    expect(share(boosted, 'cross')).toBeGreaterThan(0.2);
    expect(share(boosted, 'circle')).toBe(0);
    expect(share(uniform, 'circle')).toBeGreaterThan(0.05);
    // diptych halves are weighted too
    const halves = Array.from({ length: 200 }, (_, i) =>
      sampleAt('diptych', 6, i, { ...O, shapeWeights: { circle: 0, square: 0 } }),
    ).flatMap((s) => s.subjects.map((x) => x.shape));
    expect(halves.filter((x) => x === 'circle' || x === 'square')).toHaveLength(0);
    // equal weights draw nothing extra: the dataset stays as it was
    expect(
      Array.from(sampleAt('pair', 6, 3, { ...O, shapeWeights: { star: 1 } }).target.data),
    ).toEqual(Array.from(sampleAt('pair', 6, 3, O).target.data));
  });

  it('oracle scenes: 2–4 subjects with references and a per-subject owner map', () => {
    for (const s of streamDataset({ kind: 'oracle', seed: 8, count: 20, size: 64 })) {
      expect(s.subjects.length).toBeGreaterThanOrEqual(2);
      expect(s.references).toHaveLength(s.subjects.length);
      expect(s.target.width).toBe(64);
      for (let i = 0; i < s.subjects.length; i++) expect(s.ownerMap.includes(i)).toBe(true);
    }
  });

  it('mixtures follow their weights', () => {
    const kinds = [
      ...streamMixture({ pair: 3, diptych: 1 }, { seed: 1, count: 400, size: 16, refSize: 16 }),
    ].map((s) => s.kind);
    const diptychs = kinds.filter((k) => k === 'diptych').length / kinds.length;
    expect(diptychs).toBeGreaterThan(0.18);
    expect(diptychs).toBeLessThan(0.32);
    expect(kinds.every((k) => k === 'pair' || k === 'diptych')).toBe(true);
  });
});

describe('regionMapAtGrid', () => {
  it('majority subject per patch; background below the coverage floor', () => {
    const H = 8;
    const W = 8;
    const owner = new Int8Array(H * W).fill(-1);
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) owner[y * W + x] = x < 3 ? 1 : 0; // patch (0,0): 12×1, 4×0
    owner[7 * W + 7] = 2; // a single pixel in patch (1,1): 1/16 < 0.25
    const map = regionMapAtGrid(owner, H, W, 2);
    expect(Array.from(map)).toEqual([1, -1, -1, -1]);
    expect(regionMapAtGrid(owner, H, W, 2, 0.05)[3]).toBe(2);
    expect(() => regionMapAtGrid(owner, H, W, 3)).toThrow(/divide/);
    expect(() => regionMapAtGrid(new Int8Array(3), H, W, 2)).toThrow(/entries/);
  });
});

describe('ownerMapFromGrid', () => {
  it('expands each cell to its block of pixels; regionMapAtGrid reads the grid back', () => {
    const cells = [0, 1, -1, 2];
    const owner = ownerMapFromGrid(cells, 2, 8);
    expect(owner[0]).toBe(0); // top-left block
    expect(owner[7]).toBe(1); // top-right
    expect(owner[7 * 8]).toBe(-1); // bottom-left
    expect(owner[8 * 8 - 1]).toBe(2); // bottom-right
    expect(owner.filter((o) => o === 1).length).toBe(16);
    expect(Array.from(regionMapAtGrid(owner, 8, 8, 2))).toEqual(cells);
    // a grid that does not divide the image still covers every pixel (nearest cell)
    expect(new Set(ownerMapFromGrid([0, 1, 2, 3, 4, 5, 6, 7, 8], 3, 8))).toEqual(
      new Set([0, 1, 2, 3, 4, 5, 6, 7, 8]),
    );
    expect(() => ownerMapFromGrid([0, 1, 2], 2, 8)).toThrow(/expected 2x2/);
  });
});
