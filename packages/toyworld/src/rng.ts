// Deterministic randomness and trigonometry. Only IEEE-754 basic operations are used (no Math.sin,
// Math.cos or Math.random, whose results may differ between engines), so a seed renders
// byte-identical images on every machine.

/** 32-bit integer hash of a list of integers (murmur3-style finaliser per element). */
export function hashInts(...xs: number[]): number {
  let h = 0x9e3779b9 | 0;
  for (const x of xs) {
    let k = Math.imul((x | 0) ^ ((x / 4294967296) | 0), 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export type Rng = {
  /** uniform in [0, 1) */
  next(): number;
  range(lo: number, hi: number): number;
  int(n: number): number;
  pick<T>(xs: readonly T[]): T;
  chance(p: number): boolean;
};

/** mulberry32: small, fast, good enough for procedural content; seeded by any list of integers. */
export function makeRng(...seed: number[]): Rng {
  let a = hashInts(...seed);
  const next = (): number => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    range: (lo, hi) => lo + (hi - lo) * next(),
    int: (n) => Math.floor(next() * n),
    pick: (xs) => xs[Math.floor(next() * xs.length)]!,
    chance: (p) => next() < p,
  };
}

const TWO_PI = 6.283185307179586;

/** sin by range reduction and a Taylor polynomial (error < 1e-15 on [-π, π]). */
export function dsin(x: number): number {
  const r = x - TWO_PI * Math.round(x / TWO_PI);
  const r2 = r * r;
  let term = r;
  let sum = r;
  for (let n = 1; n <= 12; n++) {
    term = (-term * r2) / (2 * n * (2 * n + 1));
    sum += term;
  }
  return sum;
}

export function dcos(x: number): number {
  return dsin(x + TWO_PI / 4);
}

export const clamp01 = (x: number): number => (x < 0 ? 0 : x > 1 ? 1 : x);
