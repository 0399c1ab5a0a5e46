import { describe, expect, it } from 'vitest';
import { DATASET_KINDS } from './datasets/samples';
import { streamDataset } from './datasets/stream';
import {
  assertEvalSubject,
  assertTrainingSubject,
  drawTrainingSubject,
  EVAL_SEEDS,
  isEvalSeed,
  isHeldOutIdentity,
  TRAIN_SEEDS,
} from './heldout';
import { makeRng } from './rng';
import { generateSubject, identityKey } from './subject';
import { buildSuite, SUITE_NAMES } from './suites';

describe('held-out guarantee', () => {
  const evalSubjects = SUITE_NAMES.flatMap((n) => buildSuite(n).flatMap((i) => i.subjects));
  const evalKeys = new Set(evalSubjects.map(identityKey));

  it('suite subjects come from the evaluation seed range and the held-out identity partition', () => {
    expect(TRAIN_SEEDS.end).toBeLessThanOrEqual(EVAL_SEEDS.start);
    for (const s of evalSubjects) {
      expect(isEvalSeed(s.seed)).toBe(true);
      expect(isHeldOutIdentity(s)).toBe(true);
      expect(() => assertEvalSubject(s)).not.toThrow();
      expect(() => assertTrainingSubject(s)).toThrow(/outside the training range/);
    }
  });

  it('no training dataset emits an evaluation subject (every kind, several seeds and shards)', () => {
    let seen = 0;
    for (const kind of DATASET_KINDS)
      for (const seed of [0, 7, 123456]) {
        for (const sample of streamDataset({ kind, seed, count: 150, size: 16, refSize: 16 })) {
          for (const s of sample.subjects) {
            seen++;
            expect(s.seed).toBeLessThan(TRAIN_SEEDS.end);
            expect(isHeldOutIdentity(s)).toBe(false);
            expect(evalKeys.has(identityKey(s))).toBe(false);
          }
        }
      }
    expect(seen).toBeGreaterThan(1500);
  });

  it('the training draw rejects held-out identities even when a training seed produces one', () => {
    // training seeds that happen to generate held-out identities exist …
    const collisions = Array.from({ length: 2000 }, (_, s) => generateSubject(s)).filter(
      isHeldOutIdentity,
    );
    expect(collisions.length).toBeGreaterThan(100);
    for (const c of collisions) expect(() => assertTrainingSubject(c)).toThrow(/held-out identity/);
    // … and the sampler every training dataset uses never returns them
    const rng = makeRng(99);
    for (let i = 0; i < 5000; i++) expect(isHeldOutIdentity(drawTrainingSubject(rng))).toBe(false);
    // also when shapes are weighted
    for (let i = 0; i < 2000; i++)
      expect(isHeldOutIdentity(drawTrainingSubject(rng, { star: 4, cross: 4 }))).toBe(false);
    expect(() =>
      drawTrainingSubject(rng, {
        circle: 0,
        square: 0,
        triangle: 0,
        diamond: 0,
        hexagon: 0,
        star: 0,
        cross: 0,
        heart: 0,
      }),
    ).toThrow(/positive weight/);
  });
});
