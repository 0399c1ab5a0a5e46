import { clamp01 } from '../rng';
import type { TSubjectSpec } from '../subject';
import {
  alternatives,
  colourScores,
  fitSubject,
  otherShapeIoUs,
  type TFit,
  type TFitContext,
} from './fit';

export type TSubjectScore = {
  shape: number;
  body: number;
  accent: number;
  pattern: number;
  glyph: number;
  combined: number;
  found: boolean;
  /**
   * The prompt names this subject's body colour ("a red star toy"): only then is `body` something a
   * prompt-only model can get right (set by `scoreImage`; false for specs scored alone).
   */
  bodyNamed: boolean;
  /** centre and radius in pixels of the fitted subject (absent when not found) */
  at?: { x: number; y: number; r: number };
  reasons: string[];
};

export const WEIGHTS = {
  shape: 0.25,
  body: 0.25,
  accent: 0.2,
  pattern: 0.15,
  glyph: 0.15,
} as const;
/** Below these fitted radii (pixels) a glyph / pattern cannot be told apart and is left out of `combined`. */
export const MIN_GLYPH_RADIUS = 4.5;
export const MIN_PATTERN_RADIUS = 3.5;
/** Below this fitted radius (pixels) a region is too small to show any shape; credit ramps up over 2 px. */
export const MIN_SHAPE_RADIUS = 2;

const pct = (x: number) => `${Math.round(x * 100)}%`;
const colourScore = (c: { valid: number; mass: number }) =>
  clamp01(c.valid / 0.85) * clamp01(c.mass / 0.6);

export function missingSubject(spec: TSubjectSpec): TSubjectScore {
  return {
    shape: 0,
    body: 0,
    accent: 0,
    pattern: 0,
    glyph: 0,
    combined: 0,
    found: false,
    bodyNamed: false,
    reasons: [`${spec.body} ${spec.shape} toy not found: no unclaimed subject-coloured region`],
  };
}

/**
 * Match quality used to assign subjects to regions: silhouette, colours, and the accent layout
 * (pattern + glyph). The silhouette counts most: the prompt binds a
 * subject by its class word (its shape), so a star-shaped region wearing the heart's colours is the
 * star with leaked colours, not the heart with a wrong shape.
 */
export function quickMatch(ctx: TFitContext, spec: TSubjectSpec): { fit: TFit; score: number } {
  const fit = fitSubject(ctx, spec, true, 1);
  const c = colourScores(fit, spec);
  const layout = clamp01(1 - (fit.accentErr - 0.1) / 0.25); // pattern + glyph where they should be
  const score =
    colourScore(c.body) + colourScore(c.accent) + 4 * clamp01((fit.iou - 0.7) / 0.25) + 2 * layout;
  return { fit, score };
}

export function scoreSubject(
  ctx: TFitContext,
  spec: TSubjectSpec,
): TSubjectScore & { fit: TFit; patternFit: { pattern: string; err: number }[] } {
  const reasons: string[] = [];
  const fit = fitSubject(ctx, spec);
  const r = fit.pose.r;

  const others = otherShapeIoUs(ctx, spec).sort((a, b) => b.iou - a.iou);
  const bestOther = others[0]!;
  let shape = clamp01((fit.iou - 0.55) / 0.3);
  if (bestOther.iou > fit.iou + 0.02) shape *= clamp01(1 - (bestOther.iou - fit.iou) / 0.15);
  reasons.push(
    `shape: silhouette IoU ${fit.iou.toFixed(2)} as ${spec.shape} (best other ${bestOther.shape} ${bestOther.iou.toFixed(2)})`,
  );
  if (r < MIN_SHAPE_RADIUS + 2) {
    // a blob of a few pixels fits every shape: no evidence of this one
    shape *= clamp01((r - MIN_SHAPE_RADIUS) / 2);
    reasons.push(
      `shape: region radius ${r.toFixed(1)} px is too small to show a shape (full credit from ${MIN_SHAPE_RADIUS + 2} px)`,
    );
  }

  const c = colourScores(fit, spec);
  const body = colourScore(c.body);
  const accent = colourScore(c.accent);
  for (const k of ['body', 'accent'] as const)
    reasons.push(
      `${k}: ${pct(c[k].valid)} of ${c[k].expected.toFixed(1)} px where ${spec[k]} belongs show ${spec.body}/${spec.accent} colours; ${k} mass ${pct(c[k].mass)} of expected`,
    );

  const alt = alternatives(ctx, spec, fit);
  const own = alt.patterns.find((p) => p.pattern === spec.pattern)!;
  const rivalP = alt.patterns
    .filter((p) => p.pattern !== spec.pattern)
    .sort((x, y) => x.err - y.err)[0]!;
  let pattern = clamp01(1 - (own.err - 0.12) / 0.25);
  if (rivalP.err < own.err - 0.03) pattern *= clamp01(1 - (own.err - rivalP.err) / 0.12);
  reasons.push(
    `pattern: accent layout error ${own.err.toFixed(2)} for ${spec.pattern} (best other ${rivalP.pattern} ${rivalP.err.toFixed(2)}, ${own.n} px)`,
  );

  const key = spec.glyph.join('');
  const ownG = alt.glyphs.find((g) => g.glyph.join('') === key)!;
  const rivalG = alt.glyphs
    .filter((g) => g.glyph.join('') !== key)
    .sort((x, y) => x.err - y.err)[0]!;
  let glyph = clamp01(1 - (ownG.err - 0.12) / 0.25);
  if (rivalG.err < ownG.err - 0.03) glyph *= clamp01(1 - (ownG.err - rivalG.err) / 0.12);
  reasons.push(
    `glyph: error ${ownG.err.toFixed(2)} for ${key} (best other ${rivalG.glyph.join('')} ${rivalG.err.toFixed(2)}, ${ownG.n} px)`,
  );

  const w: Record<keyof typeof WEIGHTS, number> = { ...WEIGHTS };
  if (r < MIN_GLYPH_RADIUS) {
    w.glyph = 0;
    reasons.push(
      `glyph left out of combined: subject radius ${r.toFixed(1)} px < ${MIN_GLYPH_RADIUS}`,
    );
  }
  if (r < MIN_PATTERN_RADIUS) {
    w.pattern = 0;
    reasons.push(
      `pattern left out of combined: subject radius ${r.toFixed(1)} px < ${MIN_PATTERN_RADIUS}`,
    );
  }
  const parts = { shape, body, accent, pattern, glyph };
  const total = Object.values(w).reduce((s, x) => s + x, 0);
  const combined =
    (Object.keys(w) as (keyof typeof WEIGHTS)[]).reduce((s, k) => s + w[k] * parts[k], 0) / total;
  reasons.unshift(
    `${spec.body} ${spec.shape} toy at (${fit.pose.cx.toFixed(1)}, ${fit.pose.cy.toFixed(1)}) r=${r.toFixed(1)} px: combined ${pct(combined)}`,
  );
  return {
    ...parts,
    combined,
    found: true,
    bodyNamed: false,
    at: { x: fit.pose.cx, y: fit.pose.cy, r },
    reasons,
    fit,
    patternFit: alt.patterns.map((p) => ({ pattern: p.pattern, err: p.err })),
  };
}
