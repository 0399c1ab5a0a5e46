import { BLOCKED } from './plan';
import {
  parseRoutingParams,
  type TRoutingContext,
  type TRoutingParams,
  type TRoutingParamsInput,
} from './params';

// ---------------------------------------------------------------------------------------------
// Dynamic attention routing (our design; the paper's algorithm is not public in detail).
// From `startStep` on, read each X token's attention mass on every subject's condition tokens
// at the routing layers (averaged over heads and layers), smooth it on the patch grid, assign
// tokens to their best subject or to background under a threshold, keep one connected region
// per subject and give every subject at least one region, then gate X → Cj for tokens not
// assigned to j with a bias of −β (β = ∞: a hard mask).
// ---------------------------------------------------------------------------------------------

/** 3×3 box filter on a g×g map (edges average over the cells that exist). */
function boxBlur(m: Float32Array, g: number): Float32Array {
  const out = new Float32Array(m.length);
  for (let r = 0; r < g; r++)
    for (let c = 0; c < g; c++) {
      let s = 0;
      let n = 0;
      for (let dr = -1; dr <= 1; dr++)
        for (let dc = -1; dc <= 1; dc++) {
          const rr = r + dr;
          const cc = c + dc;
          if (rr >= 0 && rr < g && cc >= 0 && cc < g) {
            s += m[rr * g + cc]!;
            n++;
          }
        }
      out[r * g + c] = s / n;
    }
  return out;
}

/** 4-connected components of label `j`; returns the cells of each component. */
function components(labels: Int32Array, g: number, j: number): number[][] {
  const seen = new Uint8Array(labels.length);
  const comps: number[][] = [];
  for (let s = 0; s < labels.length; s++) {
    if (labels[s] !== j || seen[s]) continue;
    const comp: number[] = [];
    const stack = [s];
    seen[s] = 1;
    while (stack.length) {
      const cell = stack.pop()!;
      comp.push(cell);
      const r = Math.floor(cell / g);
      const c = cell % g;
      for (const [rr, cc] of [
        [r - 1, c],
        [r + 1, c],
        [r, c - 1],
        [r, c + 1],
      ] as const) {
        const nb = rr * g + cc;
        if (rr >= 0 && rr < g && cc >= 0 && cc < g && !seen[nb] && labels[nb] === j) {
          seen[nb] = 1;
          stack.push(nb);
        }
      }
    }
    comps.push(comp);
  }
  return comps;
}

/** Keeps only the largest component of subject j (ties: the first found). */
function keepLargest(labels: Int32Array, g: number, j: number): void {
  const comps = components(labels, g, j).sort((a, b) => b.length - a.length);
  for (const comp of comps.slice(1)) for (const cell of comp) labels[cell] = -1;
}

/**
 * Assigns the tokens of one sample to subjects. `mass` is [g·g, k] (token-major). Returns a
 * [g·g] map with one connected region per subject (every subject gets one) and −1 elsewhere.
 */
export function assignRegions(
  mass: Float32Array,
  g: number,
  k: number,
  params: TRoutingParams,
): Int32Array {
  const n = g * g;
  const score: Float32Array[] = [];
  for (let j = 0; j < k; j++) {
    let m: Float32Array = new Float32Array(n);
    for (let t = 0; t < n; t++) m[t] = mass[t * k + j]!;
    for (let s = 0; s < params.smoothing; s++) m = boxBlur(m, g);
    const max = m.reduce((a, b) => Math.max(a, b), 0);
    const w = (params.strength?.[j] ?? 1) / (max > 0 ? max : 1);
    score.push(m.map((v) => v * w));
  }
  const labels = new Int32Array(n).fill(-1);
  for (let t = 0; t < n; t++) {
    let best = -1;
    let bestScore = params.threshold;
    for (let j = 0; j < k; j++)
      if (score[j]![t]! >= bestScore && (best === -1 || score[j]![t]! > bestScore)) {
        best = j;
        bestScore = score[j]![t]!;
      }
    labels[t] = best;
  }
  for (let j = 0; j < k; j++) keepLargest(labels, g, j);
  // Every subject gets a region: seed it at its best cell that no other subject needs, then
  // grow over background cells where it scores above threshold.
  for (let j = 0; j < k; j++) {
    if (labels.includes(j)) continue;
    const counts = new Map<number, number>();
    labels.forEach((l) => counts.set(l, (counts.get(l) ?? 0) + 1));
    let seed = -1;
    for (let t = 0; t < n; t++) {
      const owner = labels[t]!;
      const free = owner === -1 || (counts.get(owner) ?? 0) > 1;
      if (free && (seed === -1 || score[j]![t]! > score[j]![seed]!)) seed = t;
    }
    if (seed === -1) continue; // more subjects than cells: cannot happen for real grids
    const owner = labels[seed]!;
    labels[seed] = j;
    const stack = [seed];
    while (stack.length) {
      const cell = stack.pop()!;
      const r = Math.floor(cell / g);
      const c = cell % g;
      for (const [rr, cc] of [
        [r - 1, c],
        [r + 1, c],
        [r, c - 1],
        [r, c + 1],
      ] as const) {
        const nb = rr * g + cc;
        if (
          rr >= 0 &&
          rr < g &&
          cc >= 0 &&
          cc < g &&
          labels[nb] === -1 &&
          score[j]![nb]! >= params.threshold
        ) {
          labels[nb] = j;
          stack.push(nb);
        }
      }
    }
    if (owner !== -1) keepLargest(labels, g, owner); // taking a cell may have split the owner's region
  }
  return labels;
}

export type TDynamicRouter = {
  params: TRoutingParams;
  /** Blocks whose attention is read. */
  layers: number[];
  /** Whether the gate applies at this sampling step. */
  active(step: number): boolean;
  /** New routing map [B·g·g] from head/layer-averaged mass [B·g·g·k]. */
  update(mass: Float32Array, batch: number): Int32Array;
  /** Additive X→Ci gate [B·g·g·k] for a routing map: 0 inside i's region, −β elsewhere. */
  gate(map: Int32Array, batch: number): Float32Array;
};

export function dynamicRouter(
  value: TRoutingParamsInput | undefined,
  ctx: TRoutingContext,
): TDynamicRouter {
  const params = parseRoutingParams(value, ctx);
  const { subjects: k, grid: g, depth } = ctx;
  const n = g * g;
  const layers = params.layers.length
    ? params.layers
    : Array.from({ length: depth - Math.floor(depth / 2) }, (_, i) => Math.floor(depth / 2) + i);
  const penalty = params.beta === Infinity ? BLOCKED : -params.beta;
  return {
    params,
    layers,
    active: (step) => step >= params.startStep,
    update(mass, batch) {
      const map = new Int32Array(batch * n);
      for (let b = 0; b < batch; b++) {
        if (params.fixedMap) map.set(params.fixedMap, b * n);
        else map.set(assignRegions(mass.subarray(b * n * k, (b + 1) * n * k), g, k, params), b * n);
      }
      return map;
    },
    gate(map, batch) {
      const out = new Float32Array(batch * n * k);
      for (let row = 0; row < batch * n; row++)
        for (let i = 0; i < k; i++) out[row * k + i] = map[row] === i ? 0 : penalty;
      return out;
    },
  };
}
