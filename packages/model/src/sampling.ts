import { z } from 'zod';
import { CheckpointError } from './errors';

// ---------------------------------------------------------------------------------------------
// Sampling settings a model carries in its card (`sampling`), and how a caller combines them
// with what it was asked for. zod only (no TF.js): the runner's main thread, the trainer's
// model-folder reader and the CLI import it as `@musar/model/sampling`.
// ---------------------------------------------------------------------------------------------

/** Bounds of a classifier-free guidance scale (the sampler's and a model card's). */
export const GUIDANCE_MIN = 0;
export const GUIDANCE_MAX = 50;
/** The most sampling steps a model card may ask for (the sampler itself takes up to 1000). */
export const CARD_STEPS_MAX = 200;

/** The sampler's defaults: steps, and the guidance scale (prompt; the reference scale follows it). */
export const DEFAULT_SAMPLING = { steps: 20, prompt: 3 } as const;

/** One guidance scale: 1 = no guidance on that term, 0 drops the term. */
export const ZGuidanceScale = z.number().min(GUIDANCE_MIN).max(GUIDANCE_MAX);

/** Guidance scales: v = v∅ + prompt·(v_P − v∅) + reference·(v_PR − v_P). */
export const ZGuidance = z.object({ prompt: ZGuidanceScale, reference: ZGuidanceScale }).strict();
export type TGuidance = z.infer<typeof ZGuidance>;

/**
 * A model's own sampling defaults (model card field `sampling`): what generation and evaluation use
 * when the caller does not say. Both fields optional; unknown keys are refused, so a misspelt
 * field is an error instead of being ignored.
 */
export const ZModelSampling = z
  .object({
    guidance: ZGuidance.optional(),
    steps: z.number().int().min(1).max(CARD_STEPS_MAX).optional(),
  })
  .strict();
export type TModelSampling = z.infer<typeof ZModelSampling>;

/** Where a resolved sampling value came from. */
export type TSamplingSource = 'flags' | 'card' | 'default';

export type TResolvedSampling = {
  steps: number;
  guidance: TGuidance;
  /** Per value: given explicitly by the caller, taken from the model card, or the default. */
  source: { steps: TSamplingSource; prompt: TSamplingSource; reference: TSamplingSource };
};

/**
 * The sampling values to run with, each one on its own: the caller's explicit value, else the
 * model card's, else the default. Without an explicit value or a card value the reference scale
 * defaults to the prompt scale (one guidance pass instead of two).
 */
export function resolveSampling(
  explicit: { steps?: number; prompt?: number; reference?: number },
  card: TModelSampling | null | undefined,
  defaults: { steps: number; prompt: number },
): TResolvedSampling {
  const pick = (given: number | undefined, fromCard: number | undefined, fallback: number) =>
    given !== undefined
      ? { value: given, source: 'flags' as const }
      : fromCard !== undefined
        ? { value: fromCard, source: 'card' as const }
        : { value: fallback, source: 'default' as const };
  const steps = pick(explicit.steps, card?.steps, defaults.steps);
  const prompt = pick(explicit.prompt, card?.guidance?.prompt, defaults.prompt);
  const reference = pick(explicit.reference, card?.guidance?.reference, prompt.value);
  return {
    steps: steps.value,
    guidance: { prompt: prompt.value, reference: reference.value },
    source: { steps: steps.source, prompt: prompt.source, reference: reference.source },
  };
}

/**
 * A model card's `sampling` field, validated (absent → undefined). Throws a CheckpointError whose message
 * starts with `what` (e.g. the card's file) and names the bad field: `sampling.guidance.prompt: …`.
 */
export function parseCardSampling(card: unknown, what: string): TModelSampling | undefined {
  const raw =
    typeof card === 'object' && card !== null
      ? (card as Record<string, unknown>).sampling
      : undefined;
  if (raw === undefined) return undefined;
  const r = ZModelSampling.safeParse(raw);
  if (r.success) return r.data;
  const details = r.error.issues
    .map((i) => `${['sampling', ...i.path.map(String)].join('.')}: ${i.message}`)
    .join('; ');
  throw new CheckpointError(`${what}: invalid "sampling" in the model card: ${details}`);
}
