import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { maxAbsDiff, microConfig as cfg, randomBatch, rowsOf } from '../../test/fixtures';
import { InvalidRoutingError } from '../errors';
import { MusarModel } from '../model/dit';
import { generate } from '../sampler';
import { assignRegions, dynamicRouter } from './dynamic';
import { parseRoutingParams } from './params';
import { staticRoutingPlan, targetContextBias } from './plan';

const g = 6;
const ctx = { subjects: 2, grid: g, depth: 2 };
const params = (p: object = {}) => parseRoutingParams(p, ctx);

/** [g·g, k] mass from per-subject functions of (row, col). */
function massOf(k: number, f: (j: number, r: number, c: number) => number): Float32Array {
  const m = new Float32Array(g * g * k);
  for (let r = 0; r < g; r++)
    for (let c = 0; c < g; c++) for (let j = 0; j < k; j++) m[(r * g + c) * k + j] = f(j, r, c);
  return m;
}

/** Number of 4-connected components of label j. */
function regionCount(map: Int32Array, j: number): number {
  const seen = new Set<number>();
  let n = 0;
  for (let s = 0; s < map.length; s++) {
    if (map[s] !== j || seen.has(s)) continue;
    n++;
    const stack = [s];
    seen.add(s);
    while (stack.length) {
      const cell = stack.pop()!;
      const r = Math.floor(cell / g);
      const c = cell % g;
      for (const nb of [
        r > 0 ? cell - g : -1,
        r < g - 1 ? cell + g : -1,
        c > 0 ? cell - 1 : -1,
        c < g - 1 ? cell + 1 : -1,
      ])
        if (nb >= 0 && map[nb] === j && !seen.has(nb)) {
          seen.add(nb);
          stack.push(nb);
        }
    }
  }
  return n;
}

describe('assignRegions', () => {
  it('maps a left and a right attention blob to the expected bijection', () => {
    const mass = massOf(2, (j, _r, c) => (j === 0 ? (c < 2 ? 0.4 : 0.02) : c >= 4 ? 0.3 : 0.01));
    const map = assignRegions(mass, g, 2, params({ smoothing: 0, threshold: 0.5 }));
    for (let r = 0; r < g; r++)
      for (let c = 0; c < g; c++)
        expect(map[r * g + c], `cell ${r},${c}`).toBe(c < 2 ? 0 : c >= 4 ? 1 : -1);
  });

  it('swapping which subject attends where swaps the map (subjects, not positions, decide)', () => {
    const a = massOf(2, (j, _r, c) => ((j === 0) === c < 3 ? 0.5 : 0.05));
    const b = massOf(2, (j, _r, c) => ((j === 1) === c < 3 ? 0.5 : 0.05));
    const ma = assignRegions(a, g, 2, params());
    const mb = assignRegions(b, g, 2, params());
    for (let i = 0; i < g * g; i++) expect(mb[i]).toBe(ma[i] === -1 ? -1 : 1 - ma[i]!);
  });

  it('keeps one connected region per subject and gives a dominated subject a region too', () => {
    // subject 0 has two blobs (top-left big, bottom-right small); subject 1 is weak everywhere
    // but peaks at (0, 5).
    const mass = massOf(2, (j, r, c) => {
      if (j === 0) return (r < 3 && c < 3) || (r === 5 && c === 5) ? 0.6 : 0.05;
      return r === 0 && c === 5 ? 0.04 : 0.01;
    });
    const map = assignRegions(mass, g, 2, params({ smoothing: 0, threshold: 0.5 }));
    expect(regionCount(map, 0)).toBe(1);
    expect(regionCount(map, 1)).toBe(1);
    expect(map[5 * g + 5]).toBe(-1); // the small blob of subject 0 is dropped
    expect(map[0 * g + 5]).toBe(1); // subject 1 seeded at its peak
    expect(map[0]).toBe(0);
  });

  it('per-subject strength tips a contested token', () => {
    const mass = massOf(2, (j) => (j === 0 ? 0.5 : 0.45));
    const even = assignRegions(mass, g, 2, params({ smoothing: 0 }));
    const boosted = assignRegions(mass, g, 2, params({ smoothing: 0, strength: [1, 1.5] }));
    expect(even.filter((v) => v === 0).length).toBeGreaterThan(even.filter((v) => v === 1).length);
    expect(boosted.filter((v) => v === 1).length).toBeGreaterThan(
      boosted.filter((v) => v === 0).length,
    );
  });
});

describe('dynamicRouter', () => {
  it('reads the second half of the blocks when no layers are given (params.test.ts: validation)', () => {
    expect(params().layers).toEqual([]);
    expect(dynamicRouter({}, ctx).layers).toEqual([1]);
    expect(() => dynamicRouter({ layers: [5] }, ctx)).toThrow(InvalidRoutingError);
  });
});

describe('dynamic routing in the model', () => {
  const B = 1;
  const batch = randomBatch(cfg, B, 2, 41);
  const xt = tf.randomNormal([B, 16, 16, 3], 0, 1, 'float32', 42) as tf.Tensor4D;
  const t = tf.tensor1d([0.6]);
  const nx = 16;
  const map = Int32Array.from({ length: nx }, (_, i) => (i % 4 < 2 ? 0 : 1)); // left: 0, right: 1
  const plan = staticRoutingPlan({ subjects: 2, batch: B });
  const swapRef1 = () => ({
    ...batch,
    references: tf.concat(
      [
        tf.slice(batch.references!, [0, 0, 0, 0, 0], [B, 1, 16, 16, 3]),
        tf.neg(tf.slice(batch.references!, [0, 1, 0, 0, 0], [B, 1, 16, 16, 3])),
      ],
      1,
    ) as tf.Tensor5D,
  });

  function xHidden(model: MusarModel, inputs: typeof batch, beta: number) {
    const router = dynamicRouter({ beta }, { subjects: 2, grid: 4, depth: model.cfg.depth });
    return tf.tidy(
      () =>
        model.forwardTarget(xt, t, model.encodeContext(inputs), {
          bias: targetContextBias(plan, model.layout(), router.gate(map, B)),
        }).hidden,
    );
  }

  it('with β = ∞ an X token does not depend on other subjects’ condition tokens; finite β leaks', () => {
    const model = new MusarModel({ ...cfg, depth: 1 }, { seed: 8, adaLNZero: false });
    const a = xHidden(model, batch, Infinity);
    const b = xHidden(model, swapRef1(), Infinity);
    for (let r = 0; r < nx; r++) {
      const d = maxAbsDiff(tf.tensor(rowsOf(a, r, r + 1)), tf.tensor(rowsOf(b, r, r + 1)));
      if (map[r] === 0) expect(d, `token ${r}`).toBeLessThan(1e-6);
      else expect(d, `token ${r}`).toBeGreaterThan(1e-4);
    }
    const soft = maxAbsDiff(xHidden(model, batch, 2), xHidden(model, swapRef1(), 2));
    expect(soft).toBeGreaterThan(1e-4);
  });

  it('generate returns a routing map; a fixed user map is returned as given', () => {
    const model = new MusarModel(cfg, { seed: 9, adaLNZero: false });
    const inputs = { prompt: batch.prompt, condText: batch.condText, references: batch.references };
    const dyn = generate(model, inputs, { steps: 4, routing: { startStep: 1 } });
    expect(dyn.routingMap).toHaveLength(nx);
    for (const j of [0, 1]) expect(dyn.routingMap!.includes(j)).toBe(true); // every subject gets a region
    const fixed = generate(model, inputs, {
      steps: 4,
      routing: { startStep: 0, fixedMap: [...map] },
    });
    expect([...fixed.routingMap!]).toEqual([...map]);
    expect(maxAbsDiff(dyn.images, fixed.images)).toBeGreaterThan(0);
    expect(() => generate(model, inputs, { routing: { beta: Number.NaN } })).toThrow(
      InvalidRoutingError,
    );
  });
});
