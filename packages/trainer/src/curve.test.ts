import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { getPreset, MusarModel } from '@musar/model';
import { createImage, renderScene, suiteItem } from '@musar/toyworld';
import { curveLogEntry, curvePointFromImages, evaluateCurvePoint, type TCurvePoint } from './curve';

const SUITES = ['base', 'single', 'two-subject'] as const;
const truth = (suite: TCurvePoint['suite'], n: number) =>
  Array.from({ length: n }, (_, i) => renderScene(suiteItem(suite, i).scene, 32).image);

describe('curve scoring', () => {
  it.each(SUITES)('%s: the ground-truth renders of 16 items score ~1', (suite) => {
    const p = curvePointFromImages(suite, truth(suite, 16), 0);
    expect(p.n).toBe(16);
    for (const k of ['shape', 'body', 'count', 'relation', 'background'] as const)
      expect(p[k], k).toBeGreaterThanOrEqual(0.97);
    expect(p.leakage).toBeLessThanOrEqual(0.02);
    expect(p.fidelity).toBeGreaterThanOrEqual(0.95);
    if (suite !== 'base')
      for (const k of ['accent', 'pattern', 'glyph'] as const)
        expect(p[k], k).toBeGreaterThanOrEqual(0.9);
  });

  it('two-subject: per arrangement — blank "above" items pull only the "above" row down', () => {
    const n = 16;
    const images = Array.from({ length: n }, (_, i) => {
      const it = suiteItem('two-subject', i);
      return it.prompt.includes(' above ') ? createImage(32, 32) : renderScene(it.scene, 32).image;
    });
    const p = curvePointFromImages('two-subject', images, 0);
    const rows = p.byArrangement!;
    expect(rows['above']!.n).toBeGreaterThan(2);
    expect(Object.values(rows).reduce((t, r) => t + r.n, 0)).toBe(n);
    expect(rows['above']!.fidelity).toBeLessThan(0.3);
    expect(rows['left of']!.fidelity).toBeGreaterThanOrEqual(0.95);
    // the training log keeps it as flat numbers
    const entry = curveLogEntry(p);
    expect(entry['fidelity.above']).toBe(rows['above']!.fidelity);
    expect(entry['n.left of']).toBe(rows['left of']!.n);
    expect(entry.fidelity).toBe(p.fidelity);
    expect(Object.values(entry).every((v) => typeof v === 'number')).toBe(true);
    // the single-arrangement suites carry no breakdown
    expect(curvePointFromImages('single', truth('single', 4), 0).byArrangement).toBeUndefined();
  });

  it('single: a subject drawn with another pattern and glyph loses pattern and glyph, not shape', () => {
    const n = 16;
    const swapped = Array.from({ length: n }, (_, i) => {
      const s = structuredClone(suiteItem('single', i).scene);
      for (const p of s.placements) {
        p.subject.pattern = p.subject.pattern === 'checker' ? 'ring' : 'checker';
        p.subject.glyph = p.subject.glyph.map((g) => 1 - g) as typeof p.subject.glyph;
      }
      return renderScene(s, 32).image;
    });
    const good = curvePointFromImages('single', truth('single', n), 0);
    const bad = curvePointFromImages('single', swapped, 0);
    expect(bad.pattern).toBeLessThan(good.pattern - 0.3);
    expect(bad.glyph).toBeLessThan(good.glyph - 0.3);
    expect(bad.shape).toBeGreaterThan(good.shape - 0.05);
  });

  it('base: body is the named colour only — a wrong colour on a named subject costs, on an unnamed one it does not', () => {
    // item 1 names both colours ("a red diamond … a lime hexagon"); item 0 names none
    const named = suiteItem('base', 1);
    const unnamed = suiteItem('base', 0);
    expect(named.prompt).toMatch(/red diamond/);
    expect(unnamed.prompt).not.toMatch(/red|orange|yellow|lime|green|cyan|blue|purple|magenta/);
    const recolour = (scene: typeof named.scene) => {
      const s = structuredClone(scene);
      for (const p of s.placements)
        p.subject.body = p.subject.body === 'purple' ? 'orange' : 'purple';
      for (const p of s.placements)
        if (p.subject.accent === p.subject.body) p.subject.accent = 'yellow';
      return renderScene(s, 32).image;
    };
    const good = curvePointFromImages(
      'base',
      [renderScene(unnamed.scene, 32).image, renderScene(named.scene, 32).image],
      0,
    );
    const bad = curvePointFromImages('base', [recolour(unnamed.scene), recolour(named.scene)], 0);
    expect(good.body).toBeGreaterThanOrEqual(0.97);
    expect(bad.body).toBeLessThanOrEqual(0.3);
    // only item 0 wrong: no named colour, so the body score does not move
    const onlyUnnamed = curvePointFromImages(
      'base',
      [recolour(unnamed.scene), renderScene(named.scene, 32).image],
      0,
    );
    expect(onlyUnnamed.body).toBeGreaterThanOrEqual(0.97);
    // …while the (unlearnable) identity fidelity does
    expect(onlyUnnamed.fidelity).toBeLessThan(good.fidelity - 0.1);
  });

  it.each(SUITES)('%s: blank images score low shape and count', (suite) => {
    const blank = Array.from({ length: 8 }, () => {
      const img = createImage(32, 32);
      img.data.fill(0.6);
      return img;
    });
    const p = curvePointFromImages(suite, blank, 0);
    expect(p.shape).toBeLessThanOrEqual(0.05);
    expect(p.count).toBeLessThanOrEqual(0.05);
    expect(p.fidelity).toBeLessThanOrEqual(0.05);
  });
});

describe('evaluateCurvePoint on a freshly initialised tiny model', () => {
  it('returns finite numbers for every suite and leaks no tensors', async () => {
    const model = new MusarModel(getPreset('tiny'), { seed: 3 });
    try {
      // first use of a subject count may build the model's constants for it: warm up once per suite
      for (const suite of SUITES) await evaluateCurvePoint(model, { suite, count: 2, steps: 1 });
      const before = tf.memory().numTensors;
      for (const suite of SUITES) {
        const p = await evaluateCurvePoint(model, {
          suite,
          count: 4,
          steps: 3,
          guidance: 2,
          seed: 5,
        });
        expect(p.suite).toBe(suite);
        expect(p.n).toBe(4);
        for (const k of [
          'shape',
          'body',
          'count',
          'relation',
          'background',
          'fidelity',
          'accent',
          'pattern',
          'glyph',
          'leakage',
        ] as const) {
          expect(Number.isFinite(p[k]), `${suite} ${k}`).toBe(true);
          expect(p[k]).toBeGreaterThanOrEqual(0);
          expect(p[k]).toBeLessThanOrEqual(1);
        }
        expect(p.seconds).toBeGreaterThan(0);
      }
      expect(tf.memory().numTensors).toBe(before);
      // seeded: the same call gives the same point
      const [a, b] = [
        await evaluateCurvePoint(model, { suite: 'base', count: 2, steps: 2, seed: 9 }),
        await evaluateCurvePoint(model, { suite: 'base', count: 2, steps: 2, seed: 9 }),
      ];
      expect({ ...a, seconds: 0 }).toEqual({ ...b, seconds: 0 });
    } finally {
      model.dispose();
    }
  });

  it('16 items × 10 steps on base in well under a training interval (loose bound: shared CPU)', async () => {
    const model = new MusarModel(getPreset('tiny'), { seed: 4 });
    try {
      await evaluateCurvePoint(model, { suite: 'base', count: 1, steps: 1 });
      const p = await evaluateCurvePoint(model, { suite: 'base', count: 16, steps: 10 });
      expect(p.n).toBe(16);
      expect(p.seconds).toBeLessThan(30);
    } finally {
      model.dispose();
    }
  });

  it('reference guidance is its own scale when given, the prompt scale otherwise', async () => {
    const model = new MusarModel(getPreset('tiny'), { seed: 6, adaLNZero: false });
    try {
      const point = (referenceGuidance?: number) =>
        evaluateCurvePoint(model, {
          suite: 'single',
          count: 2,
          steps: 2,
          guidance: 2,
          ...(referenceGuidance === undefined ? {} : { referenceGuidance }),
        }).then((p) => ({ ...p, seconds: 0 }));
      const [same, omitted, strong] = [await point(2), await point(), await point(8)];
      expect(omitted).toEqual(same);
      expect(strong).not.toEqual(same);
      await expect(point(99)).rejects.toThrow();
    } finally {
      model.dispose();
    }
  });

  it('rejects bad options', async () => {
    const model = new MusarModel(getPreset('tiny'), { seed: 3 });
    try {
      await expect(
        evaluateCurvePoint(model, { suite: 'base', count: 0, steps: 10 }),
      ).rejects.toThrow();
      await expect(
        evaluateCurvePoint(model, { suite: 'three' as 'base', count: 2, steps: 10 }),
      ).rejects.toThrow();
      await expect(
        evaluateCurvePoint(model, { suite: 'base', count: 2, steps: 1.5 }),
      ).rejects.toThrow();
    } finally {
      model.dispose();
    }
  });
});
