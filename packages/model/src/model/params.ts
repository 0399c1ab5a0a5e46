import * as tf from '@tensorflow/tfjs-core';
import type { TMusarConfig } from '../config';

// ---------------------------------------------------------------------------------------------
// Parameters of the DiT, by name. Linear weights are stored [in, out] so x·W is an untransposed
// rank-2 matmul (the fast kind on wasm).
// ---------------------------------------------------------------------------------------------

export type TLinear = { name: string; w: tf.Variable<tf.Rank.R2>; b: tf.Variable<tf.Rank.R1> };
export type TBlockParams = {
  qkv: TLinear;
  proj: TLinear;
  fc1: TLinear;
  fc2: TLinear;
  ada: TLinear;
};
export type TDitParams = {
  /** Patch pixels → width, shared by references and targets. */
  patchEmbed: TLinear;
  /** [vocab, D] word embeddings (applied as one-hot · table: wasm has no gather gradient). */
  tokenEmbed: tf.Variable<tf.Rank.R2>;
  /** [4, D] token types: prompt, condition text, reference, target. */
  typeEmbed: tf.Variable<tf.Rank.R2>;
  /** [max text length, D] learned 1-D positions of text tokens. */
  textPos: tf.Variable<tf.Rank.R2>;
  /** Timestep MLP: sin/cos(t) → D → D. */
  time1: TLinear;
  time2: TLinear;
  blocks: TBlockParams[];
  /** Final adaLN (shift, scale) and the patch-pixel head. */
  finalAda: TLinear;
  out: TLinear;
};

export const TYPE_PROMPT = 0;
export const TYPE_COND_TEXT = 1;
export const TYPE_REFERENCE = 2;
export const TYPE_TARGET = 3;

/**
 * The linears that carry LoRA adapters and the branches each one needs: every linear of the
 * transformer (patch embedding, adaLN modulations, attention, MLP, output head), as
 * OminiControl does; not the timestep MLP, which sees only t. Prompt tokens never use a branch.
 */
export function loraLayers(p: TDitParams): { layer: TLinear; branches: ('noise' | 'subject')[] }[] {
  const both = ['noise', 'subject'] as ('noise' | 'subject')[];
  return [
    { layer: p.patchEmbed, branches: both }, // references (subject) and targets (noise)
    ...p.blocks.flatMap((b) =>
      [b.ada, b.qkv, b.proj, b.fc1, b.fc2].map((layer) => ({ layer, branches: both })),
    ),
    { layer: p.finalAda, branches: ['noise'] }, // the head sees only X
    { layer: p.out, branches: ['noise'] },
  ];
}

function linear(name: string, inDim: number, outDim: number): TLinear {
  return { name, w: tf.variable(tf.zeros([inDim, outDim])), b: tf.variable(tf.zeros([outDim])) };
}

/** Allocates all parameters (zeros); call initializeWeights to fill them. */
export function createParams(cfg: TMusarConfig): TDitParams {
  const D = cfg.width;
  const pix = cfg.patchSize * cfg.patchSize * 3;
  return {
    patchEmbed: linear('patch_embed', pix, D),
    tokenEmbed: tf.variable(tf.zeros([cfg.vocabSize, D])),
    typeEmbed: tf.variable(tf.zeros([4, D])),
    textPos: tf.variable(tf.zeros([Math.max(cfg.promptLength, cfg.condTextLength), D])),
    time1: linear('time_mlp.0', D, D),
    time2: linear('time_mlp.2', D, D),
    blocks: Array.from({ length: cfg.depth }, (_, i) => ({
      qkv: linear(`blocks.${i}.attn.qkv`, D, 3 * D),
      proj: linear(`blocks.${i}.attn.proj`, D, D),
      fc1: linear(`blocks.${i}.mlp.fc1`, D, cfg.mlpRatio * D),
      fc2: linear(`blocks.${i}.mlp.fc2`, cfg.mlpRatio * D, D),
      ada: linear(`blocks.${i}.adaLN`, D, 6 * D),
    })),
    finalAda: linear('final.adaLN', D, 2 * D),
    out: linear('final.linear', D, pix),
  };
}

export function allLinears(p: TDitParams): TLinear[] {
  return [
    p.patchEmbed,
    p.time1,
    p.time2,
    ...p.blocks.flatMap((b) => [b.qkv, b.proj, b.fc1, b.fc2, b.ada]),
    p.finalAda,
    p.out,
  ];
}

/** Every parameter by checkpoint name (`blocks.0.attn.qkv.weight`, …), in a stable order. */
export function namedParams(p: TDitParams): Map<string, tf.Variable> {
  const m = new Map<string, tf.Variable>([
    ['token_embed', p.tokenEmbed],
    ['type_embed', p.typeEmbed],
    ['text_pos', p.textPos],
  ]);
  for (const l of allLinears(p)) {
    m.set(`${l.name}.weight`, l.w);
    m.set(`${l.name}.bias`, l.b);
  }
  return m;
}

/**
 * DiT initialisation in one place: Xavier-uniform linears, zero biases, N(0, 0.02) embeddings,
 * and adaLN-zero — every block's modulation and the output head start at zero, so each block
 * starts as the identity and the model predicts 0. `adaLNZero: false` draws them randomly too
 * (tests and a stand-in "pretrained" base for adapter-only experiments).
 */
export function initializeWeights(
  p: TDitParams,
  seed: number,
  opts: { adaLNZero?: boolean } = {},
): void {
  const zero = opts.adaLNZero ?? true;
  let s = seed * 1000 + 1;
  const xavier = (l: TLinear, gain = 1) => {
    const [i, o] = l.w.shape;
    const bound = gain * Math.sqrt(6 / (i + o));
    l.w.assign(tf.tidy(() => tf.randomUniform([i, o], -bound, bound, 'float32', s++)));
    l.b.assign(tf.zeros(l.b.shape));
  };
  allLinears(p).forEach((l) => xavier(l));
  // DiT draws the timestep MLP from N(0, 0.02).
  for (const l of [p.time1, p.time2])
    l.w.assign(tf.tidy(() => tf.randomNormal(l.w.shape, 0, 0.02, 'float32', s++)));
  for (const e of [p.tokenEmbed, p.typeEmbed, p.textPos])
    e.assign(tf.tidy(() => tf.randomNormal(e.shape, 0, 0.02, 'float32', s++)));
  // Without adaLN-zero: random modulation with O(1) biases, so every residual branch is active.
  const zeroOrRandom = (l: TLinear, biasStd: number) => {
    if (zero) l.w.assign(tf.zeros(l.w.shape));
    else l.w.assign(tf.tidy(() => tf.randomNormal(l.w.shape, 0, 0.05, 'float32', s++)));
    l.b.assign(
      zero || biasStd === 0
        ? tf.zeros(l.b.shape)
        : tf.tidy(() => tf.randomNormal(l.b.shape, 0, biasStd, 'float32', s++)),
    );
  };
  p.blocks.forEach((b) => zeroOrRandom(b.ada, 0.5));
  zeroOrRandom(p.finalAda, 0.5);
  zeroOrRandom(p.out, 0);
}

export function countParams(p: TDitParams): number {
  let n = 0;
  for (const v of namedParams(p).values()) n += v.size;
  return n;
}
