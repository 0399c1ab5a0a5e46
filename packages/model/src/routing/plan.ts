import * as tf from '@tensorflow/tfjs-core';
import { InvalidRoutingError } from '../errors';

// ---------------------------------------------------------------------------------------------
// Routing plans are data: a boolean group matrix over [P, C1..Ck, X] plus an optional region map
// over X. Every attention mask of the model is built from a plan here, and only here.
// ---------------------------------------------------------------------------------------------

/** Additive logit bias of a blocked pair. exp(-1e9 - max) is exactly 0 in float32. */
export const BLOCKED = -1e9;

export type TRoutingPlan = {
  /** Number of subjects k; groups are [P, C1..Ck, X] (indices 0, 1..k, k+1). */
  subjects: number;
  /** Samples the plan describes (region and keepSubject rows). */
  batch: number;
  /** allow[q][k]: tokens of group q may attend to tokens of group k. */
  allow: boolean[][];
  /** [batch × targetTokens] subject index each X token may draw from, -1 = none; null = no limit. */
  region: Int32Array | null;
  /** [batch][k]: false drops subject i for that sample (condition dropout, unconditional CFG rows). */
  keepSubject: boolean[][] | null;
  /**
   * X ↔ X limited to the same region too (needs `region`): a diptych's halves are denoised as two
   * separate images, so the model never sees one canvas split in two (training only).
   */
  isolateRegions?: boolean;
  /**
   * With `isolateRegions`: the region map only isolates X ↔ X, and X → Ci stays open to every
   * subject (each half of a diptych must pick its own reference; training only).
   */
  subjectsOpen?: boolean;
};

/** Sizes of the token groups of one sample. */
export type TTokenLayout = { promptLength: number; condLength: number; targetLength: number };

const groupX = (k: number) => k + 1;

/**
 * MUSAR's static routing: P ↮ Ci, Ci ↮ Cj, Ci → X blocked (conditions never see the target),
 * X → everything, limited to Ci's region for X → Ci when a region map is given.
 */
export function staticRoutingPlan(opts: {
  subjects: number;
  batch: number;
  region?: Int32Array | null;
  keepSubject?: boolean[][] | null;
  targetLength?: number;
  isolateRegions?: boolean;
  subjectsOpen?: boolean;
}): TRoutingPlan {
  const k = opts.subjects;
  const n = k + 2;
  const allow = Array.from({ length: n }, (_, q) =>
    Array.from({ length: n }, (_, key) => q === key || q === groupX(k)),
  );
  const plan: TRoutingPlan = {
    subjects: k,
    batch: opts.batch,
    allow,
    region: opts.region ?? null,
    keepSubject: opts.keepSubject ?? null,
    ...(opts.isolateRegions ? { isolateRegions: true } : {}),
    ...(opts.subjectsOpen ? { subjectsOpen: true } : {}),
  };
  validatePlan(plan, opts.targetLength);
  return plan;
}

/** Every group attends to every group (the "naive diptych" ablation). Uses the masked path. */
export function fullAttentionPlan(subjects: number, batch: number): TRoutingPlan {
  const n = subjects + 2;
  return {
    subjects,
    batch,
    allow: Array.from({ length: n }, () => Array(n).fill(true)),
    region: null,
    keepSubject: null,
  };
}

export function validatePlan(plan: TRoutingPlan, targetLength?: number): void {
  const n = plan.subjects + 2;
  if (plan.allow.length !== n || plan.allow.some((r) => r.length !== n))
    throw new InvalidRoutingError(`group matrix must be ${n}×${n} for ${plan.subjects} subjects`);
  if (plan.isolateRegions && !plan.region)
    throw new InvalidRoutingError('isolating regions needs a region map');
  if (plan.subjectsOpen && !plan.isolateRegions)
    throw new InvalidRoutingError('open subjects are only meaningful with isolated regions');
  if (plan.region) {
    if (targetLength !== undefined && plan.region.length !== plan.batch * targetLength)
      throw new InvalidRoutingError(
        `region map has ${plan.region.length} entries, expected ${plan.batch}×${targetLength}`,
      );
    for (const v of plan.region)
      if (!Number.isInteger(v) || v < -1 || v >= plan.subjects)
        throw new InvalidRoutingError(
          `region map value ${v} is not -1 or a subject index < ${plan.subjects}`,
        );
  }
  if (
    plan.keepSubject &&
    (plan.keepSubject.length !== plan.batch ||
      plan.keepSubject.some((r) => r.length !== plan.subjects))
  )
    throw new InvalidRoutingError(`keepSubject must be ${plan.batch}×${plan.subjects}`);
}

/**
 * True when contexts attend only within their own group (P↔P, Ci↔Ci) and never to X: then each
 * group's self-attention and X's attention are computed separately (masked blocks skipped) and
 * the contexts' keys/values can be cached across sampling steps.
 */
export function isBlockStructured(plan: TRoutingPlan): boolean {
  const x = groupX(plan.subjects);
  for (let q = 0; q < x; q++)
    for (let k = 0; k <= x; k++) if (plan.allow[q]![k] !== (q === k)) return false;
  return plan.allow[x]![x] === true;
}

/** Bias of X token t (sample b) toward subject i: static plan + region + keep + optional gate. */
function targetToSubjectBias(
  plan: TRoutingPlan,
  nx: number,
  gate?: Float32Array | null,
): Float32Array {
  const k = plan.subjects;
  const out = new Float32Array(plan.batch * nx * k);
  const x = groupX(k);
  for (let b = 0; b < plan.batch; b++)
    for (let t = 0; t < nx; t++)
      for (let i = 0; i < k; i++) {
        const idx = (b * nx + t) * k + i;
        const blocked =
          !plan.allow[x]![i + 1] ||
          (plan.keepSubject !== null && !plan.keepSubject[b]![i]) ||
          (plan.region !== null && !plan.subjectsOpen && plan.region[b * nx + t] !== i);
        out[idx] = blocked ? BLOCKED : Math.max(BLOCKED, gate ? gate[idx]! : 0);
      }
  return out;
}

/**
 * Bias of X queries over the context keys [P | C1 … Ck] in the blocks path: [B, 1, Nx, Lp + k·Tc],
 * or null when nothing is blocked (saves the add).
 */
export function targetContextBias(
  plan: TRoutingPlan,
  layout: TTokenLayout,
  gate?: Float32Array | null,
): tf.Tensor4D | null {
  const { promptLength: lp, condLength: tc, targetLength: nx } = layout;
  const k = plan.subjects;
  const lc = lp + k * tc;
  const pBias = plan.allow[groupX(k)]![0] ? 0 : BLOCKED;
  const sub = targetToSubjectBias(plan, nx, gate);
  if (pBias === 0 && sub.every((v) => v === 0)) return null;
  const out = new Float32Array(plan.batch * nx * lc);
  for (let row = 0; row < plan.batch * nx; row++) {
    const o = row * lc;
    out.fill(pBias, o, o + lp);
    for (let i = 0; i < k; i++) out.fill(sub[row * k + i]!, o + lp + i * tc, o + lp + (i + 1) * tc);
  }
  return tf.tensor4d(out, [plan.batch, 1, nx, lc]);
}

/** X → X allowed (0) or blocked, row t column u of sample b: [B·Nx·Nx], or null (no isolation). */
function targetSelfMask(plan: TRoutingPlan, nx: number): Float32Array | null {
  if (!plan.isolateRegions || !plan.region) return null;
  const r = plan.region;
  const out = new Float32Array(plan.batch * nx * nx);
  for (let b = 0; b < plan.batch; b++)
    for (let t = 0; t < nx; t++)
      for (let u = 0; u < nx; u++)
        out[(b * nx + t) * nx + u] = r[b * nx + t] === r[b * nx + u] ? 0 : BLOCKED;
  return out;
}

/** Bias of X queries over X keys in the blocks path: [B, 1, Nx, Nx], or null when not isolated. */
export function targetSelfBias(plan: TRoutingPlan, layout: TTokenLayout): tf.Tensor4D | null {
  const nx = layout.targetLength;
  const m = targetSelfMask(plan, nx);
  return m ? tf.tensor4d(m, [plan.batch, 1, nx, nx]) : null;
}

/** The full [B, 1, T, T] bias over the whole sequence [P | C1 … Ck | X] (reference masked path). */
export function fullSequenceBias(
  plan: TRoutingPlan,
  layout: TTokenLayout,
  gate?: Float32Array | null,
): tf.Tensor4D {
  const { promptLength: lp, condLength: tc, targetLength: nx } = layout;
  const k = plan.subjects;
  const T = lp + k * tc + nx;
  const starts = [0, ...Array.from({ length: k }, (_, i) => lp + i * tc), lp + k * tc];
  const lens = [lp, ...Array(k).fill(tc), nx] as number[];
  const sub = targetToSubjectBias(plan, nx, gate);
  const self = targetSelfMask(plan, nx);
  const out = new Float32Array(plan.batch * T * T);
  for (let b = 0; b < plan.batch; b++)
    for (let q = 0; q < k + 2; q++)
      for (let r = starts[q]!; r < starts[q]! + lens[q]!; r++)
        for (let g = 0; g < k + 2; g++) {
          const o = (b * T + r) * T + starts[g]!;
          let v = plan.allow[q]![g] ? 0 : BLOCKED;
          if (q === k + 1 && g >= 1 && g <= k) v = sub[(b * nx + (r - starts[q]!)) * k + g - 1]!;
          if (q === k + 1 && g === k + 1 && self) {
            const row = (b * nx + (r - starts[q]!)) * nx;
            out.set(self.subarray(row, row + nx), o);
            continue;
          }
          out.fill(v, o, o + lens[g]!);
        }
  return tf.tensor4d(out, [plan.batch, 1, T, T]);
}
