import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { maxAbsDiff, microConfig as cfg, randomBatch, rowsOf } from '../../test/fixtures';
import { staticRoutingPlan, targetContextBias, targetSelfBias } from '../routing/plan';
import { MusarModel } from './dit';
import { patchify, unpatchify } from './embed';

const B = 2;
const k = 2;
const Nx = 16; // 4×4 patch grid
const Tc = cfg.condTextLength + Nx;

function setup(seed = 3, depth = cfg.depth) {
  const model = new MusarModel({ ...cfg, depth }, { seed, adaLNZero: false });
  model.attachLora(seed);
  // Non-zero adapters so the LoRA paths take part in every check.
  for (const v of model.lora!.variables())
    v.assign(tf.randomNormal(v.shape, 0, 0.1, 'float32', seed++));
  // Word embeddings as large as patch embeddings, so a prompt change is clearly visible.
  model.params.tokenEmbed.assign(
    tf.randomNormal(model.params.tokenEmbed.shape, 0, 1, 'float32', seed),
  );
  return model;
}

/** All hidden outputs of one forward (blocks path or full masked path). */
function run(
  model: MusarModel,
  batch: ReturnType<typeof randomBatch>,
  xt: tf.Tensor4D,
  t: tf.Tensor1D,
  plan: ReturnType<typeof staticRoutingPlan>,
  masked: boolean,
) {
  return tf.tidy(() => {
    if (masked) {
      const r = model.forwardMasked(batch, xt, t, plan);
      return { v: r.velocity, P: r.hidden.prompt, C: r.hidden.conditions!, X: r.hidden.target };
    }
    const cache = model.encodeContext(batch, { hidden: true });
    const r = model.forwardTarget(xt, t, cache, {
      bias: targetContextBias(plan, model.layout()),
      selfBias: targetSelfBias(plan, model.layout()),
    });
    return { v: r.velocity, P: cache.hidden.prompt, C: cache.hidden.conditions!, X: r.hidden };
  });
}

describe('patchify', () => {
  it('round-trips and puts one patch per row in raster order', () => {
    const img = tf.randomUniform([2, 16, 16, 3]) as tf.Tensor4D;
    const rows = patchify(img, 4);
    expect(rows.shape).toEqual([32, 48]);
    expect(maxAbsDiff(unpatchify(rows, 2, 16, 4), img)).toBe(0);
    // patch (row 1, col 2) of image 0 = pixels [4..8) × [8..12)
    const expected = tf.reshape(tf.slice(img, [0, 4, 8, 0], [1, 4, 4, 3]), [48]);
    expect(maxAbsDiff(tf.reshape(tf.slice(rows, [6, 0], [1, 48]), [48]), expected)).toBe(0);
  });
});

describe('joint attention with routing plans', () => {
  const model = setup();
  const batch = randomBatch(cfg, B, k, 11);
  const xt = tf.randomNormal([B, 16, 16, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
  const t = tf.tensor1d([0.3, 0.8]);
  // Left half of the grid belongs to subject 0, right half to subject 1 (a diptych).
  const region = Int32Array.from({ length: B * Nx }, (_, i) => ((i % Nx) % 4 < 2 ? 0 : 1));
  const plan = staticRoutingPlan({ subjects: k, batch: B, region, targetLength: Nx });

  it('computed-blocks path equals the full masked path', () => {
    const a = run(model, batch, xt, t, plan, false);
    const b = run(model, batch, xt, t, plan, true);
    for (const key of ['v', 'P', 'C', 'X'] as const)
      expect(maxAbsDiff(a[key], b[key])).toBeLessThan(1e-5);
    // and it is not trivially zero
    expect(tf.max(tf.abs(a.v)).dataSync()[0]).toBeGreaterThan(0.1);
  });

  // Perturb one group's inputs and see which groups' outputs move, on both paths.
  const perturbations = {
    prompt: () => ({
      ...batch,
      prompt: tf.minimum(
        tf.add(batch.prompt, tf.scalar(1, 'int32')),
        tf.scalar(cfg.vocabSize - 1, 'int32'),
      ) as tf.Tensor2D,
    }),
    subject0: () => {
      const refs = tf.concat(
        [
          tf.neg(tf.slice(batch.references!, [0, 0, 0, 0, 0], [B, 1, 16, 16, 3])),
          tf.slice(batch.references!, [0, 1, 0, 0, 0], [B, 1, 16, 16, 3]),
        ],
        1,
      ) as tf.Tensor5D;
      return { ...batch, references: refs };
    },
  };
  for (const masked of [false, true]) {
    const path = masked ? 'masked path' : 'blocks path';
    it(`${path}: blocked pairs do not leak, allowed pairs do`, () => {
      const base = run(model, batch, xt, t, plan, masked);
      // P changed → Ci outputs identical (Ci ↛ P), X changes (X → P allowed).
      const p = run(model, perturbations.prompt(), xt, t, plan, masked);
      expect(maxAbsDiff(p.C, base.C)).toBeLessThan(1e-6);
      expect(maxAbsDiff(p.P, base.P)).toBeGreaterThan(1e-3);
      expect(maxAbsDiff(p.X, base.X)).toBeGreaterThan(1e-3);
      // C0 changed → P identical, C1 identical, X changes.
      const c = run(model, perturbations.subject0(), xt, t, plan, masked);
      expect(maxAbsDiff(c.P, base.P)).toBeLessThan(1e-6);
      expect(maxAbsDiff(c.X, base.X)).toBeGreaterThan(1e-3);
      for (let b = 0; b < B; b++) {
        const c0 = b * k * Tc;
        const c1 = (b * k + 1) * Tc;
        expect(
          maxAbsDiff(tf.tensor(rowsOf(c.C, c1, c1 + Tc)), tf.tensor(rowsOf(base.C, c1, c1 + Tc))),
        ).toBeLessThan(1e-6);
        expect(
          maxAbsDiff(tf.tensor(rowsOf(c.C, c0, c0 + Tc)), tf.tensor(rowsOf(base.C, c0, c0 + Tc))),
        ).toBeGreaterThan(1e-3);
      }
      // X changed → no context output moves (Ci ↛ X, P ↛ X).
      const x = run(model, batch, tf.add(xt, 0.5) as tf.Tensor4D, t, plan, masked);
      expect(maxAbsDiff(x.P, base.P)).toBeLessThan(1e-6);
      expect(maxAbsDiff(x.C, base.C)).toBeLessThan(1e-6);
      expect(maxAbsDiff(x.X, base.X)).toBeGreaterThan(1e-3);
    });
  }

  for (const masked of [false, true])
    it(`${masked ? 'masked' : 'blocks'} path: X → Ci is limited to Ci's region (one block, so X ↔ X cannot relay)`, () => {
      const one = setup(5, 1);
      const base = run(one, batch, xt, t, plan, masked);
      const c = run(one, perturbations.subject0(), xt, t, plan, masked);
      let inside = 0;
      for (let r = 0; r < B * Nx; r++) {
        const d = maxAbsDiff(tf.tensor(rowsOf(c.X, r, r + 1)), tf.tensor(rowsOf(base.X, r, r + 1)));
        if (region[r] === 0) inside = Math.max(inside, d);
        else expect(d).toBeLessThan(1e-6);
      }
      expect(inside).toBeGreaterThan(1e-3);
      one.dispose();
    });

  /** The noisy image with its right half (the second diptych half) pushed by 0.5. */
  const rightHalfPushed = () =>
    tf.tidy(() => {
      const mask = tf.tensor4d(
        Array.from({ length: B * 16 * 16 * 3 }, (_, i) => (Math.floor(i / 3) % 16 >= 8 ? 1 : 0)),
        [B, 16, 16, 3],
      );
      return tf.add(xt, tf.mul(mask, 0.5)) as tf.Tensor4D;
    });
  /** How far X token row r moved between two runs. */
  const rowMoved = (a: tf.Tensor2D, b: tf.Tensor2D, r: number) =>
    maxAbsDiff(tf.tensor(rowsOf(a, r, r + 1)), tf.tensor(rowsOf(b, r, r + 1)));

  for (const masked of [false, true])
    it(`${masked ? 'masked' : 'blocks'} path: isolated regions (diptych training) keep each half to itself through every block`, () => {
      const iso = staticRoutingPlan({
        subjects: k,
        batch: B,
        region,
        targetLength: Nx,
        isolateRegions: true,
      });
      const base = run(model, batch, xt, t, iso, masked);
      // both paths agree, and isolation changes the output
      const other = run(model, batch, xt, t, iso, !masked);
      expect(maxAbsDiff(base.v, other.v)).toBeLessThan(1e-5);
      expect(maxAbsDiff(base.X, run(model, batch, xt, t, plan, masked).X)).toBeGreaterThan(1e-3);
      // subject 0 reaches only the left half, even over two blocks (no relay through X ↔ X)
      const c = run(model, perturbations.subject0(), xt, t, iso, masked);
      // the right half of the noisy image reaches only the right half
      const right = rightHalfPushed();
      const x = run(model, batch, right, t, iso, masked);
      let moved0 = 0;
      let moved1 = 0;
      for (let r = 0; r < B * Nx; r++) {
        const dc = rowMoved(c.X, base.X, r);
        const dx = rowMoved(x.X, base.X, r);
        if (region[r] === 0) {
          moved0 = Math.max(moved0, dc);
          expect(dx).toBeLessThan(1e-6);
        } else {
          expect(dc).toBeLessThan(1e-6);
          moved1 = Math.max(moved1, dx);
        }
      }
      expect(moved0).toBeGreaterThan(1e-3);
      expect(moved1).toBeGreaterThan(1e-3);
    });

  for (const masked of [false, true])
    it(`${masked ? 'masked' : 'blocks'} path: isolated regions with open subjects — halves stay apart, every reference reaches both`, () => {
      const open = staticRoutingPlan({
        subjects: k,
        batch: B,
        region,
        targetLength: Nx,
        isolateRegions: true,
        subjectsOpen: true,
      });
      const base = run(model, batch, xt, t, open, masked);
      expect(maxAbsDiff(base.v, run(model, batch, xt, t, open, !masked).v)).toBeLessThan(1e-5);
      const c = run(model, perturbations.subject0(), xt, t, open, masked);
      const right = rightHalfPushed();
      const x = run(model, batch, right, t, open, masked);
      const reached = [0, 0];
      for (let r = 0; r < B * Nx; r++) {
        const dc = rowMoved(c.X, base.X, r);
        const dx = rowMoved(x.X, base.X, r);
        reached[region[r] === 0 ? 0 : 1] = Math.max(reached[region[r] === 0 ? 0 : 1]!, dc);
        if (region[r] === 0) expect(dx).toBeLessThan(1e-6);
      }
      // subject 0's reference reaches the right half too (X → C1 is open there)
      expect(reached[0]).toBeGreaterThan(1e-3);
      expect(reached[1]).toBeGreaterThan(1e-3);
      expect(() =>
        staticRoutingPlan({ subjects: k, batch: B, region, targetLength: Nx, subjectsOpen: true }),
      ).toThrow(/only meaningful with isolated regions/);
    });

  it('isolating regions needs a region map', () => {
    expect(() => staticRoutingPlan({ subjects: k, batch: B, isolateRegions: true })).toThrow(
      /needs a region map/,
    );
  });

  it('dropping a subject (keepSubject) cuts X off from it entirely', () => {
    const keep = staticRoutingPlan({
      subjects: k,
      batch: B,
      keepSubject: [
        [false, true],
        [false, true],
      ],
      targetLength: Nx,
    });
    const a = run(model, batch, xt, t, keep, false);
    const b = run(model, perturbations.subject0(), xt, t, keep, false);
    expect(maxAbsDiff(a.X, b.X)).toBeLessThan(1e-6);
  });

  it('does not leak tensors', () => {
    run(model, batch, xt, t, plan, false);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      tf.dispose(Object.values(run(model, batch, xt, t, plan, false)));
      tf.dispose(Object.values(run(model, batch, xt, t, plan, true)));
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
