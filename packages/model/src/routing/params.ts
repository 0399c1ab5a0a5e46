import { z } from 'zod';
import { getPreset } from '../config';
import { InvalidRoutingError, parseOrThrow } from '../errors';

// ---------------------------------------------------------------------------------------------
// Dynamic-routing parameters: their schema (the model's bounds) and the fit to one model (its
// depth, its patch grid, the subjects of the generation). Zod only — no tensors — so a product
// can derive its own schema from this one in the browser (`@musar/model/routing`).
// ---------------------------------------------------------------------------------------------

export const ZRoutingParams = z.object({
  /** First sampling step (0-based) at which the gate is applied; the map is read from then on. */
  startStep: z.number().int().min(0).default(4),
  /** Blocks whose X→Ci attention is read; [] = the second half of the blocks. */
  layers: z.array(z.number().int().min(0)).default([]),
  /** Gate strength: bias −β on X→Cj outside j's region; Infinity = hard mask. */
  beta: z.union([z.number().positive(), z.literal(Infinity)]).default(Infinity),
  /** Normalised mass a token needs to be assigned to a subject (else background). */
  threshold: z.number().min(0).max(1).default(0.3),
  /** Passes of a 3×3 box filter over the mass maps before assignment. */
  smoothing: z.number().int().min(0).max(16).default(1),
  /** Per-subject multiplier of the normalised mass (a weak subject can be boosted); default 1. */
  strength: z.array(z.number().positive()).optional(),
  /** A fixed, user-given routing map over the patch grid (−1 = background) used instead of reading attention. */
  fixedMap: z.array(z.number().int().min(-1)).optional(),
});
export type TRoutingParams = z.infer<typeof ZRoutingParams>;
export type TRoutingParamsInput = z.input<typeof ZRoutingParams>;

/** What routing parameters must fit: the model's depth and patch grid side. */
export type TRoutingShape = { grid: number; depth: number };
/** …and the number of subjects of the generation. */
export type TRoutingContext = TRoutingShape & { subjects: number };

/**
 * The routing shape of a model from its config as stored with a version (JSON): the first of
 * `configs` that names a depth gives the depth, and its imageSize / patchSize the grid (the tiny
 * preset's grid when those do not divide); with none, the tiny preset — the model a runner
 * initialises when no checkpoint is stored.
 */
export function routingShapeOf(...configs: unknown[]): TRoutingShape {
  const tiny = getPreset('tiny');
  const tinyGrid = tiny.imageSize / tiny.patchSize;
  for (const config of configs) {
    const cfg = (config ?? {}) as { depth?: unknown; imageSize?: unknown; patchSize?: unknown };
    const depth = Number(cfg.depth);
    if (!Number.isInteger(depth) || depth <= 0) continue;
    const grid = Number(cfg.imageSize) / Number(cfg.patchSize);
    return { depth, grid: Number.isInteger(grid) && grid > 0 ? grid : tinyGrid };
  }
  return { depth: tiny.depth, grid: tinyGrid };
}

/** Checks routing parameters (already of the schema's types) against the model and generation
 * they run on: routing layers under its depth, one strength per subject, a fixed map of its grid
 * with subject indices. Throws InvalidRoutingError. */
export function assertRoutingFits(
  p: Pick<TRoutingParamsInput, 'layers' | 'strength' | 'fixedMap'>,
  ctx: TRoutingContext,
): void {
  const n = ctx.grid * ctx.grid;
  if (p.layers?.some((l) => l >= ctx.depth))
    throw new InvalidRoutingError(`routing layers ${p.layers} must be < depth ${ctx.depth}`);
  if (p.strength && p.strength.length !== ctx.subjects)
    throw new InvalidRoutingError(
      `strength has ${p.strength.length} entries for ${ctx.subjects} subjects`,
    );
  if (p.fixedMap && (p.fixedMap.length !== n || p.fixedMap.some((v) => v >= ctx.subjects)))
    throw new InvalidRoutingError(`fixedMap needs ${n} values in -1..${ctx.subjects - 1}`);
}

/** Parses untrusted routing parameters (defaults filled in) and checks they fit the model. */
export function parseRoutingParams(value: unknown, ctx: TRoutingContext): TRoutingParams {
  const p = parseOrThrow(
    ZRoutingParams,
    value ?? {},
    'invalid routing parameters',
    InvalidRoutingError,
  );
  assertRoutingFits(p, ctx);
  return p;
}
