import { conditionTokens, tokensPerImage, type TMusarConfig } from '../src/config';

// Useful (model) FLOPs, counted the way the PyTorch anchor would spend them: linear layers and
// attention score/value products (2 FLOPs per multiply-add). Our block-diagonal attention spends
// H× the attention FLOPs; that is overhead, not counted as useful work.

function blockLinearFlops(cfg: TMusarConfig, rows: number): number {
  const D = cfg.width;
  const hidden = cfg.mlpRatio * D;
  return 2 * rows * (D * 3 * D + D * D + D * hidden + hidden * D);
}

/** One forward of the joint model (contexts + X) for one sample with k subjects. */
export function forwardFlops(cfg: TMusarConfig, k: number): number {
  const lp = cfg.promptLength;
  const tc = conditionTokens(cfg);
  const nx = tokensPerImage(cfg);
  const D = cfg.width;
  const attn = 2 * 2 * D * (lp * lp + k * tc * tc + nx * (lp + k * tc + nx));
  const tokens = lp + k * tc + nx;
  const pix = cfg.patchSize * cfg.patchSize * 3;
  const embed = 2 * (k + 1) * tokensPerImage(cfg) * pix * D + 2 * nx * pix * D;
  return cfg.depth * (blockLinearFlops(cfg, tokens) + attn) + embed;
}

/** One X-only evaluation against cached context keys (a sampling step, one guidance row). */
export function targetStepFlops(cfg: TMusarConfig, k: number): number {
  const lp = cfg.promptLength;
  const tc = conditionTokens(cfg);
  const nx = tokensPerImage(cfg);
  const D = cfg.width;
  const pix = cfg.patchSize * cfg.patchSize * 3;
  const attn = 2 * 2 * D * nx * (lp + k * tc + nx);
  // K/V of the contexts are cached; the X rows still pay the whole block.
  return cfg.depth * (blockLinearFlops(cfg, nx) + attn) + 2 * 2 * nx * pix * D;
}

/** Generation of one image: contexts once, then steps × (conditional + reference-free) rows. */
export function generationFlops(
  cfg: TMusarConfig,
  k: number,
  steps: number,
  rowsPerStep: number,
): number {
  return (
    forwardFlops(cfg, k) +
    steps * (targetStepFlops(cfg, k) + (rowsPerStep - 1) * targetStepFlops(cfg, 0))
  );
}
