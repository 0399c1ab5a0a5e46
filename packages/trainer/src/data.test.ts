import { describe, expect, it } from 'vitest';
import { getPreset, staticRoutingPlan } from '@musar/model';
import { regionMapAtGrid, sampleAt, SHAPES } from '@musar/toyworld';
import { readFileSync } from 'node:fs';
import {
  batchOptions,
  dataMix,
  kindForStep,
  nextBatch,
  toBatchArrays,
  type TTrainSample,
} from './data';
import { MUSAR_RECIPE, stageConfig } from './stages';

const cfg = getPreset('tiny', { promptLength: 24 });

describe('training batches', () => {
  it('weigh subject pixels by subjectLossWeight, background pixels by 1', () => {
    const plain = stageConfig('single-ref', { batchSize: 2 });
    expect(toBatchArrays(nextBatch(plain, 0), cfg, batchOptions(plain)).lossWeights).toBeNull();
    const stage = stageConfig('single-ref', { batchSize: 2, subjectLossWeight: 4 });
    const samples = nextBatch(stage, 0);
    const w = toBatchArrays(samples, cfg, batchOptions(stage)).lossWeights!;
    const S = cfg.imageSize;
    expect(w.length).toBe(2 * S * S);
    samples.forEach((s, b) => {
      let subject = 0;
      for (let p = 0; p < S * S; p++) {
        expect(w[b * S * S + p]).toBe(s.ownerMap[p]! >= 0 ? 4 : 1);
        if (s.ownerMap[p]! >= 0) subject++;
      }
      expect(subject).toBeGreaterThan(10); // the subject is there and weighted
      expect(subject).toBeLessThan(S * S);
    });
    expect(() => stageConfig('single-ref', { subjectLossWeight: 0.5 })).toThrow();
  });

  it('weigh a diptych by where its subjects are drawn, its background by diptychBackgroundWeight', () => {
    const S = cfg.imageSize;
    const d = sampleAt('diptych', 1, 3, { size: S, refSize: S });
    // the routing regions are the halves; the drawn subjects lie inside their own half
    let drawn = 0;
    for (let p = 0; p < S * S; p++) {
      expect(d.ownerMap[p]).toBe(p % S < S / 2 ? 0 : 1);
      if (d.subjectMap![p]! >= 0) {
        expect(d.subjectMap![p]).toBe(d.ownerMap[p]);
        drawn++;
      }
    }
    expect(drawn).toBeGreaterThan(20);
    expect(drawn).toBeLessThan(S * S - 100);
    const stage = stageConfig('musar', {
      batchSize: 2,
      subjectLossWeight: 4,
      diptychBackgroundWeight: 0,
    });
    const w = toBatchArrays([d, d], cfg, batchOptions(stage)).lossWeights!;
    for (let p = 0; p < S * S; p++) expect(w[p]).toBe(d.subjectMap![p]! >= 0 ? 4 : 0);
    // a pair batch keeps background weight 1; diptych weighting alone still builds weights
    const pair = sampleAt('pair', 1, 3, { size: S, refSize: S });
    const wp = toBatchArrays([pair], cfg, batchOptions(stage)).lossWeights!;
    for (let p = 0; p < S * S; p++) expect(wp[p]).toBe(pair.ownerMap[p]! >= 0 ? 4 : 1);
    const only = stageConfig('musar', { batchSize: 1, diptychBackgroundWeight: 0.25 });
    expect(toBatchArrays([pair], cfg, batchOptions(only)).lossWeights).toBeNull();
    const wd = toBatchArrays([d], cfg, batchOptions(only)).lossWeights!;
    expect(new Set(wd)).toEqual(new Set([1, 0.25]));
    expect(() => stageConfig('musar', { diptychBackgroundWeight: 2 })).toThrow();
  });

  it('mark diptych batches for isolated halves only when the stage asks for it', () => {
    const S = cfg.imageSize;
    const d = sampleAt('diptych', 1, 3, { size: S, refSize: S });
    const pair = sampleAt('pair', 1, 4, { size: S, refSize: S });
    const on = batchOptions(stageConfig('musar', { diptychIsolation: true }));
    const off = batchOptions(stageConfig('musar', {}));
    expect(toBatchArrays([d, d], cfg, on).isolateRegions).toBe(true);
    expect(toBatchArrays([d, d], cfg, off).isolateRegions).toBeUndefined();
    expect(toBatchArrays([pair], cfg, on).isolateRegions).toBeUndefined();
    const noRegions = batchOptions(stageConfig('naive-diptych', { diptychIsolation: true }));
    expect(toBatchArrays([d], cfg, noRegions).isolateRegions).toBeUndefined();
    // static routing without regions: the halves still isolate X ↔ X, X → Ci stays open
    const open = batchOptions(stageConfig('musar', { regions: false, diptychIsolation: true }));
    const a = toBatchArrays([d, d], cfg, open);
    expect(a.isolateRegions).toBe(true);
    expect(a.subjectsOpen).toBe(true);
    const g = S / cfg.patchSize;
    expect(Array.from(a.regions!.slice(0, g * g))).toEqual(
      Array.from(regionMapAtGrid(d.ownerMap, S, S, g)),
    );
    expect(toBatchArrays([d, d], cfg, on).subjectsOpen).toBeUndefined();
    expect(toBatchArrays([pair], cfg, open).regions).toBeNull();
  });

  it('diptychRegions: false leaves diptych halves open while routing-map regions still hold (the feedback stage)', () => {
    const S = cfg.imageSize;
    const g = S / cfg.patchSize;
    const d = sampleAt('diptych', 1, 3, { size: S, refSize: S });
    const fb: TTrainSample = {
      ...sampleAt('pair', 1, 4, { size: S, refSize: S }),
      regionGrid: Int32Array.from({ length: g * g }, (_, i) => (i % 2 ? 0 : -1)),
    };
    const feedback = batchOptions(stageConfig('feedback', {}));
    expect(feedback).toMatchObject({
      regions: true,
      diptychRegions: false,
      diptychIsolation: true,
    });
    const a = toBatchArrays([d, d], cfg, feedback);
    expect(a.isolateRegions).toBe(true);
    expect(a.subjectsOpen).toBe(true);
    expect(Array.from(toBatchArrays([fb], cfg, feedback).regions!)).toEqual(
      Array.from(fb.regionGrid!),
    );
    // without isolation the halves carry no map at all: X → both references, X ↔ X whole
    const plain = batchOptions(stageConfig('musar', { diptychRegions: false }));
    expect(toBatchArrays([d, d], cfg, plain).regions).toBeNull();
    // the default keeps the first recipe: halves limit X → Ci
    const limited = toBatchArrays([d, d], cfg, batchOptions(stageConfig('musar', {})));
    expect(Array.from(limited.regions!.slice(0, g * g))).toEqual(
      Array.from(regionMapAtGrid(d.ownerMap, S, S, g)),
    );
    expect(limited.isolateRegions).toBeUndefined();
  });

  it('are a pure function of (stage, step): the same step gives identical arrays', () => {
    const stage = stageConfig('musar', { batchSize: 3 });
    for (const step of [0, 1, 7]) {
      const a = toBatchArrays(nextBatch(stage, step), cfg, { regions: true });
      const b = toBatchArrays(nextBatch(stage, step), cfg, { regions: true });
      expect(Buffer.from(a.images.buffer).equals(Buffer.from(b.images.buffer))).toBe(true);
      expect(Array.from(a.prompt)).toEqual(Array.from(b.prompt));
    }
    const s0 = toBatchArrays(nextBatch(stage, 0), cfg, { regions: true });
    const s1 = toBatchArrays(nextBatch(stage, 2), cfg, { regions: true });
    expect(Buffer.from(s0.images.buffer).equals(Buffer.from(s1.images.buffer))).toBe(false);
  });

  it('shapeWeights reach the batches: a weight-0 shape never appears, all-zero weights are refused', () => {
    const shapes = (stage: ReturnType<typeof stageConfig>) =>
      [0, 1, 2, 3, 4, 5].flatMap((step) =>
        nextBatch(stage, step).flatMap((s) => s.subjects.map((x) => x.shape)),
      );
    const plain = shapes(stageConfig('musar', { batchSize: 16 }));
    const without = shapes(
      stageConfig('musar', { batchSize: 16, shapeWeights: { circle: 0, square: 0, heart: 0 } }),
    );
    expect(plain.filter((x) => x === 'circle' || x === 'square').length).toBeGreaterThan(5);
    expect(without.length).toBeGreaterThan(100);
    expect(without.filter((x) => x === 'circle' || x === 'square' || x === 'heart')).toEqual([]);
    const zeros = Object.fromEntries(SHAPES.map((s) => [s, 0]));
    expect(() => stageConfig('musar', { shapeWeights: zeros })).toThrow(/positive weight/);
    expect(() => stageConfig('musar', { shapeWeights: { blob: 2 } as never })).toThrow();
  });

  it('route diptych halves to their subjects and leave single pairs unrestricted', () => {
    const stage = stageConfig('musar', { batchSize: 2 });
    let sawDiptych = false;
    let sawPair = false;
    for (let step = 0; step < 12 && !(sawDiptych && sawPair); step++) {
      const samples = nextBatch(stage, step);
      const a = toBatchArrays(samples, cfg, { regions: stage.regions });
      if (samples[0]!.kind === 'diptych') {
        sawDiptych = true;
        expect(a.subjects).toBe(2);
        const g = 8;
        for (let b = 0; b < a.batch; b++)
          for (let t = 0; t < g * g; t++)
            expect(a.regions![b * g * g + t]).toBe(t % g < g / 2 ? 0 : 1);
      } else {
        sawPair = true;
        expect(samples[0]!.kind).toBe('pair');
        expect(a.subjects).toBe(1);
        expect(a.regions).toBeNull();
      }
    }
    expect(sawDiptych && sawPair).toBe(true);
  });

  it('the naive-diptych ablation trains without region maps', () => {
    const stage = stageConfig('naive-diptych', { batchSize: 2 });
    for (let step = 0; step < 6; step++)
      expect(
        toBatchArrays(nextBatch(stage, step), cfg, { regions: stage.regions }).regions,
      ).toBeNull();
  });

  it('oracle batches hold one subject count each, between 2 and 4', () => {
    const stage = stageConfig('oracle', { batchSize: 3 });
    const ks = new Set<number>();
    for (let step = 0; step < 8; step++) {
      const samples = nextBatch(stage, step);
      const k = samples[0]!.subjects.length;
      ks.add(k);
      expect(samples.every((s) => s.subjects.length === k && s.references.length === k)).toBe(true);
      expect(k).toBeGreaterThanOrEqual(2);
      expect(k).toBeLessThanOrEqual(4);
    }
    expect(ks.size).toBeGreaterThan(1);
  });

  it('a feedback sample carries its repaint into the static plan: each region sees only its subject', () => {
    const base = sampleAt('diptych', 3, 0, { size: 32, refSize: 32 });
    const regionGrid = new Int32Array(64).fill(-1);
    for (let t = 0; t < 64; t++)
      if (Math.floor(t / 8) < 3) regionGrid[t] = 1;
      else if (Math.floor(t / 8) > 4) regionGrid[t] = 0;
    const fb: TTrainSample = { ...base, regionGrid };
    const stage = stageConfig('feedback', { batchSize: 2, data: { feedback: 1 } });
    const a = toBatchArrays(nextBatch(stage, 0, [fb]), cfg, { regions: true });
    expect(Array.from(a.regions!.slice(0, 64))).toEqual(Array.from(regionGrid));
    const plan = staticRoutingPlan({
      subjects: 2,
      batch: a.batch,
      region: a.regions,
      targetLength: 64,
    });
    expect(plan.region![5]).toBe(1); // top rows → subject 1
    expect(plan.region![60]).toBe(0); // bottom rows → subject 0
    expect(plan.region![30]).toBe(-1); // middle rows → background, sees no subject
  });

  it('draws feedback samples by weight when weights differ, in turn when they do not', () => {
    const base = sampleAt('diptych', 3, 0, { size: 32, refSize: 32 });
    const samples = [1.5, 0.5, 1].map((weight, index) => ({ ...base, index, weight }));
    const stage = stageConfig('feedback', { batchSize: 8, data: { feedback: 1 } });
    const share = (pool: TTrainSample[]) => {
      const counts = [0, 0, 0];
      for (let step = 0; step < 300; step++)
        for (const s of nextBatch(stage, step, pool)) counts[s.index]!++;
      return counts.map((c) => c / (300 * 8));
    };
    const weighted = share(samples);
    [1.5 / 3, 0.5 / 3, 1 / 3].forEach((p, i) => expect(weighted[i]).toBeCloseTo(p, 1));
    // pure function of (stage, step): the same batch again
    expect(nextBatch(stage, 7, samples).map((s) => s.index)).toEqual(
      nextBatch(stage, 7, samples).map((s) => s.index),
    );
    // equal (or absent) weights: taken in turn, as before
    for (const p of share(samples.map((s) => ({ ...s, weight: 1 }))))
      expect(p).toBeCloseTo(1 / 3, 2);
  });

  it('feedbackViews lowers the feedback share so each sample is drawn about that often, never raises it', () => {
    // the feedback stage as a round runs it: 60 steps × 8, 15 approved outputs, 3 views each
    const round = stageConfig('feedback', { steps: 60, batchSize: 8 });
    expect(round.feedbackViews).toBe(3);
    const mix = Object.fromEntries(dataMix(round, 15));
    expect(mix.feedback).toBeCloseTo((3 * 15) / (60 * 8), 9);
    expect(mix.pair).toBeCloseTo(mix.diptych!, 9);
    expect(mix.feedback! + mix.pair! + mix.diptych!).toBeCloseTo(1, 9);
    // drawn that way: over a long run each of 400 samples is seen ~3 times
    const long = stageConfig('feedback', { steps: 2000, batchSize: 8 });
    let feedbackBatches = 0;
    for (let step = 0; step < 2000; step++)
      if (kindForStep(long, step, 400) === 'feedback') feedbackBatches++;
    expect((feedbackBatches * 8) / 400).toBeGreaterThan(2.2);
    expect((feedbackBatches * 8) / 400).toBeLessThan(3.8);
    // many samples: capped at the data weight (1 of 2), not raised
    expect(Object.fromEntries(dataMix(round, 10_000)).feedback).toBeCloseTo(0.5, 9);
    // without feedbackViews, or without other data, the weights stand as given
    const plain = stageConfig('feedback', { steps: 60, batchSize: 8, feedbackViews: undefined });
    expect(Object.fromEntries(dataMix(plain, 15)).feedback).toBeCloseTo(0.5, 9);
    const only = stageConfig('feedback', { steps: 60, batchSize: 8, data: { feedback: 1 } });
    expect(dataMix(only, 15)).toEqual([['feedback', 1]]);
    // no feedback samples: no feedback batches; no data at all: a clear error
    expect(dataMix(round, 0).map(([k]) => k)).toEqual(['pair', 'diptych']);
    expect(() => dataMix(only, 0)).toThrow(/no data to train on/);
  });

  it('the feedback stage and configs/train/musar.json train the one MUSAR recipe', () => {
    const file = JSON.parse(
      readFileSync(new URL('../../../configs/train/musar.json', import.meta.url), 'utf8'),
    ) as Record<string, unknown>;
    const musar = stageConfig('musar', file as never);
    const feedback = stageConfig('feedback', {});
    for (const [key, value] of Object.entries(MUSAR_RECIPE)) {
      if (key === 'data') continue; // the feedback stage adds its own kind
      expect([key, musar[key as keyof typeof musar]]).toEqual([key, value]);
      if (key !== 'regions')
        expect([key, feedback[key as keyof typeof feedback]]).toEqual([key, value]);
    }
    expect(musar.data).toEqual(MUSAR_RECIPE.data);
    // the feedback stage keeps routing-map regions for its own samples, diptych halves open as
    // the recipe's regions: false leaves them
    expect(batchOptions(feedback)).toMatchObject({ regions: true, diptychRegions: false });
    expect(batchOptions(musar)).toMatchObject({ regions: false });
  });

  it('rejects samples of the wrong size with a clear message', () => {
    const stage = stageConfig('musar', { batchSize: 1, size: 16 });
    expect(() => toBatchArrays(nextBatch(stage, 0), cfg, { regions: true })).toThrow(
      /model wants 32×32/,
    );
  });
});
