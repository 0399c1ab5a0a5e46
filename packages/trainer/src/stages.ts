import { z } from 'zod';
import { ZLoraConfig, ZTrainerOptions } from '@musar/model';
import { hasDrawableShape, SHAPES } from '@musar/toyworld';

// ---------------------------------------------------------------------------------------------
// Training stages as data. Every shipped model is one of these plus a seed and a step budget;
// the ablation variants differ only in fields here (data mix, attention, LoRA branches, regions).
// ---------------------------------------------------------------------------------------------

export const STAGE_NAMES = [
  'base',
  'musar',
  'single-ref',
  'naive-diptych',
  'static-routing',
  'oracle',
  'feedback',
] as const;
export type TStageName = (typeof STAGE_NAMES)[number];

export const ZStageConfig = z
  .object({
    stage: z.enum(STAGE_NAMES),
    /** Model size preset and overrides (prompt length is raised so 4-subject prompts fit). */
    preset: z.enum(['tiny', 'small']).default('tiny'),
    promptLength: z.number().int().min(4).max(64).default(24),
    /** Training data mix by dataset kind (weights, normalised). */
    data: z.partialRecord(
      z.enum(['base', 'pair', 'diptych', 'oracle', 'feedback']),
      z.number().min(0),
    ),
    /** full = every base weight (stage 1); adapter = LoRA only, base frozen. */
    mode: z.enum(['full', 'adapter']),
    /** static = MUSAR's static routing; full = every group attends to every group (naive). */
    attention: z.enum(['static', 'full']).default('static'),
    /** Limit X → Ci to Ci's region for samples that carry one (diptych halves, repaints). */
    regions: z.boolean().default(true),
    /** Loss weight of subject pixels relative to background pixels (1: the plain mean). */
    subjectLossWeight: z.number().min(1).max(100).default(1),
    /**
     * Loss weight of a diptych's background pixels (two half scenes and the seam between them:
     * the diptych's layout bias); 0 learns only the subjects from diptychs. Default 1.
     */
    diptychBackgroundWeight: z.number().min(0).max(1).default(1),
    /**
     * Diptych batches: X ↔ X attention only within each half, so each half is denoised as its own
     * image and the model never learns one canvas split in two. With `regions` off, X → Ci stays
     * open to both references (each half learns to pick its own). Static attention only. Default off.
     */
    diptychIsolation: z.boolean().default(false),
    /**
     * With `regions`: limit a diptych half's X → Ci to its own subject (true, the first recipe) or
     * leave both references open to both halves (false: each half learns to pick its own) while
     * routing-map regions still hold for feedback samples. Without `regions` it has no effect.
     */
    diptychRegions: z.boolean().default(true),
    /** Share of pair samples drawn at a multi-subject scene's size and slot (one subject still). */
    smallPairs: z.number().min(0).max(1).default(0),
    /** Share of diptychs stacked top and bottom ("above"), the rest side by side ("left of"). */
    diptychVertical: z.number().min(0).max(1).default(0),
    /**
     * Relative draw frequency of training subjects by shape (unlisted shapes: 1), e.g. more of the
     * thin silhouettes a 32 px image loses first. Unset: every shape equally often.
     */
    shapeWeights: z
      .partialRecord(z.enum(SHAPES), z.number().min(0).max(100))
      .refine(hasDrawableShape, {
        message: 'at least one shape needs a positive weight',
      })
      .optional(),
    /**
     * Expected draws of each feedback sample over the run: the feedback share of batches is
     * lowered so that a few approved outputs are not learnt by heart (never raised above its
     * `data` weight). Unset: the `data` weights as given.
     */
    feedbackViews: z.number().positive().optional(),
    /** Which half a diptych's first-named subject takes: always the left (fixed) or either (random). */
    diptychSides: z.enum(['fixed', 'random']).default('fixed'),
    /** dual = noise branch on X + subject branch on conditions; single = one adapter on both. */
    lora: z.enum(['dual', 'single']).default('dual'),
    /** LoRA ranks and alphas over the model config's defaults (noise 4, subject 16). */
    loraRanks: ZLoraConfig.partial().strict().optional(),
    batchSize: z.number().int().min(1).max(1024).default(16),
    steps: z.number().int().min(1).default(2000),
    learningRate: z.number().positive().max(1).default(1e-3),
    /** Linear learning-rate warm-up (steps). */
    warmupSteps: z.number().int().min(0).default(0),
    /** Cosine decay of the learning rate from step `fromStep` over `steps` steps to
     * `minLearningRate` (then constant), or a list of such phases; none: constant after the
     * warm-up. */
    lrDecay: ZTrainerOptions.shape.lrDecay,
    /** Output head of a fresh base model: clean image (x0, faster to learn) or velocity (v). */
    prediction: z.enum(['v', 'x0']).default('x0'),
    /** Evaluate a fixed subset every this many samples (0: never) for the learning curve. */
    evalEverySamples: z.number().int().min(0).default(0),
    emaDecay: z.number().min(0).max(1).default(0.995),
    promptDropout: z.number().min(0).max(1).default(0.1),
    referenceDropout: z.number().min(0).max(1).default(0.1),
    /** Logit-normal timestep location (ZTrainerOptions.timestepLocation). */
    timestepLocation: ZTrainerOptions.shape.timestepLocation,
    checkpointEvery: z.number().int().min(1).default(100),
    seed: z.number().int().min(0).default(1),
    /** Image and reference size in pixels (must match the preset). */
    size: z.number().int().min(8).max(256).default(32),
  })
  .strict();
export type TStageConfig = z.output<typeof ZStageConfig>;
export type TStageInput = z.input<typeof ZStageConfig>;

/**
 * The MUSAR recipe (docs/learning-curves.md): what `configs/train/musar.json` trains the shipped
 * adapter with (a test holds the two together) and what a feedback round continues it with, so a
 * round does not pull the adapter toward another recipe. Single-subject data only: pairs and
 * diptychs whose halves are denoised as their own images, stacked half the time, X open to both
 * references; subject pixels weigh 4× the background; half the pairs at a scene's size and slot.
 */
export const MUSAR_RECIPE = {
  data: { pair: 1, diptych: 1 },
  mode: 'adapter',
  attention: 'static',
  regions: false,
  diptychIsolation: true,
  subjectLossWeight: 4,
  smallPairs: 0.5,
  diptychVertical: 0.5,
  lora: 'dual',
} as const satisfies Partial<TStageInput>;

/** Defaults per stage; a config file and CLI flags override them. */
export const STAGE_DEFAULTS: Record<TStageName, TStageInput> = {
  // The recipe screened in docs/learning-curves.md: x0-prediction, lr 2e-3 with warm-up, batch 64.
  base: {
    stage: 'base',
    data: { base: 1 },
    mode: 'full',
    prediction: 'x0',
    learningRate: 2e-3,
    warmupSteps: 200,
    batchSize: 64,
    steps: 40000,
    emaDecay: 0.999,
    checkpointEvery: 50,
    evalEverySamples: 25600,
  },
  musar: {
    stage: 'musar',
    data: { pair: 1, diptych: 1 },
    mode: 'adapter',
    attention: 'static',
    regions: true,
    lora: 'dual',
  },
  'single-ref': {
    stage: 'single-ref',
    data: { pair: 1 },
    mode: 'adapter',
    attention: 'static',
    regions: false,
    lora: 'single',
  },
  'naive-diptych': {
    stage: 'naive-diptych',
    data: { pair: 1, diptych: 1 },
    mode: 'adapter',
    attention: 'full',
    regions: false,
    lora: 'single',
  },
  'static-routing': {
    stage: 'static-routing',
    data: { pair: 1, diptych: 1 },
    mode: 'adapter',
    attention: 'static',
    regions: true,
    lora: 'single',
  },
  oracle: {
    stage: 'oracle',
    data: { oracle: 1 },
    mode: 'adapter',
    attention: 'static',
    regions: false,
    lora: 'dual',
  },
  feedback: {
    stage: 'feedback',
    ...MUSAR_RECIPE,
    // approved outputs next to the recipe's own data; each seen about 3 times in a round
    // (docs/feedback-retraining.md: more overfits a few outputs and lowers held-out fidelity)
    data: { feedback: 1, pair: 0.5, diptych: 0.5 },
    feedbackViews: 3,
    // reviewers' routing maps limit X → Ci of the feedback samples; diptych halves stay open to
    // both references as in the recipe
    regions: true,
    diptychRegions: false,
    steps: 300,
    learningRate: 3e-4,
  },
};

export function stageConfig(name: TStageName, overrides: Partial<TStageInput> = {}): TStageConfig {
  const merged = { ...STAGE_DEFAULTS[name], ...overrides, stage: name };
  const parsed = ZStageConfig.safeParse(merged);
  if (!parsed.success)
    throw new Error(
      `invalid ${name} stage config: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}
