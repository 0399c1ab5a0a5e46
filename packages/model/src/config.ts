import { z } from 'zod';
import { InvalidConfigError, parseOrThrow } from './errors';

// ---------------------------------------------------------------------------------------------
// Model configuration: one typed object, validated, with a registry of named size presets.
// ---------------------------------------------------------------------------------------------

export const ZLoraConfig = z.object({
  /** Rank of the noise branch (applied to target tokens X). Low: it adapts denoising style. */
  noiseRank: z.number().int().positive(),
  /** LoRA alpha of the noise branch; the update is scaled by alpha / rank. */
  noiseAlpha: z.number().positive(),
  /** Rank of the subject branch (applied to condition tokens Ti, Ri). High: it carries identity. */
  subjectRank: z.number().int().positive(),
  /** LoRA alpha of the subject branch. */
  subjectAlpha: z.number().positive(),
});
export type TLoraConfig = z.infer<typeof ZLoraConfig>;

/** Same ranks and alphas on both branches (an adapter fits a LoRA only then). */
export const sameLoraConfig = (a: TLoraConfig, b: TLoraConfig): boolean =>
  a.noiseRank === b.noiseRank &&
  a.noiseAlpha === b.noiseAlpha &&
  a.subjectRank === b.subjectRank &&
  a.subjectAlpha === b.subjectAlpha;

export const ZMusarConfig = z
  .object({
    /** Side of the square RGB images in pixels (targets and references alike). */
    imageSize: z.number().int().positive(),
    /** Side of a square patch in pixels; one patch is one token. */
    patchSize: z.number().int().positive(),
    /** Transformer width D (token embedding size). */
    width: z.number().int().positive(),
    /** Number of DiT blocks. */
    depth: z.number().int().positive(),
    /** Attention heads; must divide width. */
    heads: z.number().int().positive(),
    /** Hidden size of the MLP as a multiple of width. */
    mlpRatio: z.number().int().positive(),
    /** Word vocabulary size; token id 0 is `<pad>` and doubles as the null prompt. */
    vocabSize: z.number().int().min(2),
    /** Prompt length in tokens (padded / truncated by the caller's tokenizer). */
    promptLength: z.number().int().positive(),
    /** Length of each subject's condition text ("a star toy") in tokens. */
    condTextLength: z.number().int().positive(),
    /** Most subjects one sample may carry (generation asks for 2–4). */
    maxSubjects: z.number().int().min(0),
    /** Dual-branch LoRA ranks and alphas. */
    lora: ZLoraConfig,
    /**
     * What the output head predicts: the velocity ε − x0 (v), or the clean image x0, turned into a
     * velocity (x_t − x̂0) / max(t, 0.05) so loss and sampler stay in velocity space. Predicting x0
     * learns flat regions and silhouettes about 2× faster on the toy world (docs/learning-curves.md).
     */
    prediction: z.enum(['v', 'x0']).default('v'),
  })
  .superRefine((c, ctx) => {
    if (c.imageSize % c.patchSize !== 0)
      ctx.addIssue({
        code: 'custom',
        message: `patchSize ${c.patchSize} must divide imageSize ${c.imageSize}`,
      });
    if (c.width % c.heads !== 0)
      ctx.addIssue({ code: 'custom', message: `heads ${c.heads} must divide width ${c.width}` });
    if (c.width % 4 !== 0)
      ctx.addIssue({
        code: 'custom',
        message: `width ${c.width} must be a multiple of 4 (2-D sin/cos positions)`,
      });
  });
export type TMusarConfig = z.infer<typeof ZMusarConfig>;

const defaultLora: TLoraConfig = { noiseRank: 4, noiseAlpha: 4, subjectRank: 16, subjectAlpha: 16 };

/** Named size presets. `tiny` (≈1.3 M parameters) is the CPU workhorse; `small` is for GPUs. */
export const presets = {
  tiny: {
    imageSize: 32,
    patchSize: 4,
    width: 128,
    depth: 4,
    heads: 4,
    mlpRatio: 4,
    vocabSize: 128,
    promptLength: 8,
    condTextLength: 4,
    maxSubjects: 4,
    lora: defaultLora,
    prediction: 'v',
  },
  small: {
    imageSize: 64,
    patchSize: 4,
    width: 192,
    depth: 6,
    heads: 6,
    mlpRatio: 4,
    vocabSize: 128,
    promptLength: 16,
    condTextLength: 4,
    maxSubjects: 4,
    lora: defaultLora,
    prediction: 'v',
  },
} as const satisfies Record<string, TMusarConfig>;
export type TPresetName = keyof typeof presets;

/** A preset by name, optionally with fields overridden (validated). */
export function getPreset(name: TPresetName, overrides: Partial<TMusarConfig> = {}): TMusarConfig {
  const base = presets[name];
  if (!base)
    throw new InvalidConfigError(
      `unknown preset "${String(name)}"; known: ${Object.keys(presets).join(', ')}`,
    );
  return parseConfig({ ...base, ...overrides });
}

export function parseConfig(value: unknown): TMusarConfig {
  return parseOrThrow(ZMusarConfig, value, 'invalid model config', InvalidConfigError);
}

/** Tokens per image side and per image. */
export function gridSide(cfg: TMusarConfig): number {
  return cfg.imageSize / cfg.patchSize;
}
export function tokensPerImage(cfg: TMusarConfig): number {
  return gridSide(cfg) ** 2;
}
/** Tokens of one subject's condition group [Ti Ri]. */
export function conditionTokens(cfg: TMusarConfig): number {
  return cfg.condTextLength + tokensPerImage(cfg);
}
