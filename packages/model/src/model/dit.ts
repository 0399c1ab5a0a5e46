import * as tf from '@tensorflow/tfjs-core';
import {
  conditionTokens,
  gridSide,
  parseConfig,
  tokensPerImage,
  type TMusarConfig,
} from '../config';
import { DualBranchLora, type TBranch, type TLoraOptions } from '../lora';
import {
  fullSequenceBias,
  isBlockStructured,
  targetContextBias,
  targetSelfBias,
  type TRoutingPlan,
  type TTokenLayout,
} from '../routing/plan';
import {
  blockKeys,
  maskedAttention,
  selfAttention,
  targetAttention,
  type TBlockKeys,
} from './attention';
import {
  blockModulation,
  layerNorm,
  linear,
  modulate,
  postAttention,
  preAttention,
  silu,
  type TStream,
} from './block';
import { embedTokens, patchify, sincos2d, timestepFeatures, unpatchify } from './embed';
import { validateInputs, type TModelInputs } from './inputs';
import {
  createParams,
  initializeWeights,
  loraLayers,
  namedParams,
  TYPE_COND_TEXT,
  TYPE_PROMPT,
  TYPE_REFERENCE,
  TYPE_TARGET,
  type TDitParams,
} from './params';

// ---------------------------------------------------------------------------------------------
// The MUSAR DiT: one joint-attention transformer over [P | T1 R1 | … | Tk Rk | X].
// Contexts (P and every Ci) are modulated with t = 0 and, under a block-structured plan, attend
// only within their own group, so their per-layer keys/values are computed once (encodeContext)
// and reused by every denoising step of X (forwardTarget).
// ---------------------------------------------------------------------------------------------

/** Per-layer context keys/values and the contexts' final hidden rows. */
export type TContextCache = {
  batch: number;
  subjects: number;
  /** Per block: block-diagonal keys/values of each sample's [P | C1 … Ck]. */
  layers: TBlockKeys[];
  hidden: { prompt: tf.Tensor2D; conditions: tf.Tensor2D | null };
};

export type TTargetOptions = {
  /** Bias over context columns for X queries (from the routing plan, plus dynamic gating). */
  bias?: tf.Tensor | null;
  /** Layers whose X→Ci attention mass is read (dynamic routing), and the ungated bias to read with. */
  readout?: { layers: number[]; bias: tf.Tensor | null };
  /** Bias over X columns for X queries (isolated regions while training on diptychs). */
  selfBias?: tf.Tensor | null;
};

export type TTargetOutput = {
  velocity: tf.Tensor4D;
  hidden: tf.Tensor2D;
  mass: tf.Tensor3D | null;
};

export class MusarModel {
  readonly cfg: TMusarConfig;
  readonly params: TDitParams;
  lora: DualBranchLora | null = null;
  private readonly pos2d: tf.Tensor2D;

  constructor(config: TMusarConfig, opts: { seed?: number; adaLNZero?: boolean } = {}) {
    this.cfg = parseConfig(config);
    // Variables survive tidy; the zeros and random tensors that initialise them do not leak.
    this.params = tf.tidy(() => {
      const p = createParams(this.cfg);
      initializeWeights(p, opts.seed ?? 0, { adaLNZero: opts.adaLNZero });
      return p;
    });
    this.pos2d = tf.keep(
      tf.tensor2d(sincos2d(gridSide(this.cfg), this.cfg.width), [
        tokensPerImage(this.cfg),
        this.cfg.width,
      ]),
    );
  }

  /**
   * Adds a fresh dual-branch LoRA (B = 0, so outputs are unchanged) to every transformer linear,
   * with the ranks of `options.config` (an adapter's own) or else the model config's defaults.
   */
  attachLora(seed = 0, options: TLoraOptions = {}): DualBranchLora {
    this.lora?.dispose();
    const specs = loraLayers(this.params).map(({ layer, branches }) => ({
      name: layer.name,
      inDim: layer.w.shape[0],
      outDim: layer.w.shape[1],
      branches,
    }));
    this.lora = new DualBranchLora(options.config ?? this.cfg.lora, specs, seed, options);
    return this.lora;
  }

  /** The base weights the LoRA layers apply to, by layer name (for merge). */
  loraBaseWeights(): Map<string, tf.Tensor2D> {
    return new Map(
      loraLayers(this.params).map(({ layer }) => [layer.name, layer.w as tf.Tensor2D] as const),
    );
  }

  namedParams(): Map<string, tf.Variable> {
    return namedParams(this.params);
  }

  layout(): TTokenLayout {
    return {
      promptLength: this.cfg.promptLength,
      condLength: conditionTokens(this.cfg),
      targetLength: tokensPerImage(this.cfg),
    };
  }

  // --- embeddings -----------------------------------------------------------------------------

  timeEmbedding(t: tf.Tensor1D): tf.Tensor2D {
    const p = this.params;
    return linear(
      p.time2,
      silu(linear(p.time1, timestepFeatures(t, this.cfg.width), null, 'base')),
      null,
      'base',
    );
  }

  private typeRow(type: number): tf.Tensor2D {
    return tf.slice(this.params.typeEmbed, [type, 0], [1, this.cfg.width]);
  }

  /** ids [n, L] → rows [n·L, D] with word, type and 1-D position embeddings. */
  private embedText(ids: tf.Tensor, n: number, L: number, type: number): tf.Tensor2D {
    const D = this.cfg.width;
    const words = tf.reshape(embedTokens(ids, this.params.tokenEmbed), [n, L, D]);
    const pos = tf.add(tf.slice(this.params.textPos, [0, 0], [L, D]), this.typeRow(type));
    return tf.reshape(tf.add(words, pos), [n * L, D]);
  }

  /** images [n, H, W, 3] → rows [n·N, D] with patch, type and 2-D position embeddings. */
  private embedImage(img: tf.Tensor4D, type: number, branch: TBranch): tf.Tensor2D {
    const n = img.shape[0];
    const N = tokensPerImage(this.cfg);
    const D = this.cfg.width;
    const x = tf.reshape(
      linear(this.params.patchEmbed, patchify(img, this.cfg.patchSize), this.lora, branch),
      [n, N, D],
    );
    return tf.reshape(tf.add(x, tf.add(this.pos2d, this.typeRow(type))), [n * N, D]);
  }

  // --- contexts -------------------------------------------------------------------------------

  /**
   * Runs P and every Ci through all blocks (self-attention only) and keeps their keys/values.
   * The last block's attention output and MLP of the contexts feed nothing (X reads only their
   * keys/values), so they are skipped unless `hidden` asks for the contexts' final rows.
   */
  encodeContext(inputs: TModelInputs, opts: { hidden?: boolean } = {}): TContextCache {
    const { batch: B, subjects: k } = validateInputs(this.cfg, inputs);
    const { promptLength: Lp, condLength: Tc } = this.layout();
    const H = this.cfg.heads;
    const D = this.cfg.width;
    const c0 = this.timeEmbedding(tf.zeros([1]) as tf.Tensor1D); // [1, D]: contexts see t = 0
    let P: TStream = {
      rows: this.embedText(inputs.prompt, B, Lp, TYPE_PROMPT),
      batch: B,
      len: Lp,
      cond: c0,
      branch: 'base',
    };
    let C: TStream | null =
      k > 0
        ? {
            rows: this.embedConditions(inputs, B, k),
            batch: B * k,
            len: Tc,
            cond: c0,
            branch: 'subject',
          }
        : null;
    const layers: TBlockKeys[] = [];
    this.params.blocks.forEach((bp, l) => {
      const modP = blockModulation(bp, c0, this.lora, 'base');
      const modC = C ? blockModulation(bp, c0, this.lora, 'subject') : modP;
      const p = preAttention(bp, P, modP, this.lora);
      const c = C ? preAttention(bp, C, modC, this.lora) : null;
      // Keys/values seen by X: per sample [P | C1 … Ck] → [B, H, Lc, dh].
      const joinRows = (a: tf.Tensor2D, b: tf.Tensor2D | undefined) =>
        b
          ? tf.reshape<tf.Rank.R2>(
              tf.concat([tf.reshape(a, [B, Lp, D]), tf.reshape(b, [B, k * Tc, D])], 1),
              [B * (Lp + k * Tc), D],
            )
          : a;
      const Lc = Lp + k * Tc;
      layers.push(blockKeys(joinRows(p.k, c?.k), joinRows(p.v, c?.v), B, Lc, H));
      if (l === this.cfg.depth - 1 && !opts.hidden) return;
      P = postAttention(bp, P, modP, selfAttention(p.q, p.k, p.v, B, Lp, H), this.lora);
      if (C && c)
        C = postAttention(bp, C, modC, selfAttention(c.q, c.k, c.v, B * k, Tc, H), this.lora);
    });
    return {
      batch: B,
      subjects: k,
      layers,
      hidden: { prompt: P.rows, conditions: C?.rows ?? null },
    };
  }

  /** Condition rows [B·k·Tc, D], ordered (sample, subject, [text | reference patches]). */
  private embedConditions(inputs: TModelInputs, B: number, k: number): tf.Tensor2D {
    const { condTextLength: Lt, imageSize: S, width: D } = this.cfg;
    const N = tokensPerImage(this.cfg);
    const text = tf.reshape(this.embedText(inputs.condText!, B * k, Lt, TYPE_COND_TEXT), [
      B * k,
      Lt,
      D,
    ]);
    const refs = tf.reshape(
      this.embedImage(tf.reshape(inputs.references!, [B * k, S, S, 3]), TYPE_REFERENCE, 'subject'),
      [B * k, N, D],
    );
    return tf.reshape(tf.concat([text, refs], 1), [B * k * (Lt + N), D]);
  }

  // --- target ---------------------------------------------------------------------------------

  /** One denoising evaluation of X given cached contexts: predicted velocity ε − x0. */
  forwardTarget(
    xt: tf.Tensor4D,
    t: tf.Tensor1D,
    cache: TContextCache,
    opts: TTargetOptions = {},
  ): TTargetOutput {
    const B = xt.shape[0];
    if (cache.batch !== B) throw new Error(`context cache has batch ${cache.batch}, target ${B}`);
    const { promptLength: Lp, condLength: Tc, targetLength: Nx } = this.layout();
    const cond = this.timeEmbedding(t);
    let X: TStream = {
      rows: this.embedImage(xt, TYPE_TARGET, 'noise'),
      batch: B,
      len: Nx,
      cond,
      branch: 'noise',
    };
    const masses: tf.Tensor3D[] = [];
    this.params.blocks.forEach((bp, l) => {
      const mod = blockModulation(bp, cond, this.lora, 'noise');
      const { q, k, v } = preAttention(bp, X, mod, this.lora);
      const readout =
        opts.readout && opts.readout.layers.includes(l)
          ? { promptLength: Lp, subjects: cache.subjects, condLength: Tc, bias: opts.readout.bias }
          : undefined;
      const a = targetAttention(
        q,
        k,
        v,
        B,
        Nx,
        this.cfg.heads,
        cache.layers[l]!,
        opts.bias ?? null,
        readout,
        opts.selfBias ?? null,
      );
      if (a.mass) masses.push(a.mass);
      X = postAttention(bp, X, mod, a.rows, this.lora);
    });
    const mass = masses.length ? (tf.div(tf.addN(masses), masses.length) as tf.Tensor3D) : null;
    return { velocity: this.toVelocity(this.head(X), xt, t), hidden: X.rows, mass };
  }

  /** The head's output as a velocity: itself (v-prediction) or (x_t − x̂0) / max(t, 0.05) (x0). */
  private toVelocity(out: tf.Tensor4D, xt: tf.Tensor4D, t: tf.Tensor1D): tf.Tensor4D {
    if (this.cfg.prediction !== 'x0') return out;
    const tb = tf.reshape(tf.maximum(t, 0.05), [-1, 1, 1, 1]); // [B, 1, 1, 1]
    return tf.div(tf.sub(xt, out), tb);
  }

  private head(X: TStream): tf.Tensor4D {
    const [shift, scale] = tf.split(
      linear(this.params.finalAda, silu(X.cond), this.lora, X.branch),
      2,
      1,
    ) as [tf.Tensor2D, tf.Tensor2D];
    const out = linear(
      this.params.out,
      modulate(layerNorm(X.rows), X, shift, scale),
      this.lora,
      X.branch,
    );
    return unpatchify(out, X.batch, this.cfg.imageSize, this.cfg.patchSize);
  }

  /**
   * Joint forward for training: the computed-blocks path when the plan is block-structured
   * (masked blocks skipped), else the full masked path.
   */
  forward(inputs: TModelInputs, xt: tf.Tensor4D, t: tf.Tensor1D, plan: TRoutingPlan): tf.Tensor4D {
    validateInputs(this.cfg, inputs, xt);
    if (!isBlockStructured(plan)) return this.forwardMasked(inputs, xt, t, plan).velocity;
    const cache = this.encodeContext(inputs);
    const layout = this.layout();
    return this.forwardTarget(xt, t, cache, {
      bias: targetContextBias(plan, layout),
      selfBias: targetSelfBias(plan, layout),
    }).velocity;
  }

  /** Reference path: every stream's q/k/v joined into one sequence, one attention with the full mask. */
  forwardMasked(
    inputs: TModelInputs,
    xt: tf.Tensor4D,
    t: tf.Tensor1D,
    plan: TRoutingPlan,
    gate?: Float32Array | null,
  ) {
    const { batch: B, subjects: k } = validateInputs(this.cfg, inputs, xt);
    const layout = this.layout();
    const { promptLength: Lp, condLength: Tc, targetLength: Nx } = layout;
    const { heads: H, width: D } = this.cfg;
    const T = Lp + k * Tc + Nx;
    const bias = fullSequenceBias(plan, layout, gate);
    const c0 = this.timeEmbedding(tf.zeros([1]) as tf.Tensor1D);
    const ct = this.timeEmbedding(t);
    let streams: TStream[] = [
      {
        rows: this.embedText(inputs.prompt, B, Lp, TYPE_PROMPT),
        batch: B,
        len: Lp,
        cond: c0,
        branch: 'base',
      },
      ...(k > 0
        ? [
            {
              rows: this.embedConditions(inputs, B, k),
              batch: B * k,
              len: Tc,
              cond: c0,
              branch: 'subject',
            } as TStream,
          ]
        : []),
      {
        rows: this.embedImage(xt, TYPE_TARGET, 'noise'),
        batch: B,
        len: Nx,
        cond: ct,
        branch: 'noise',
      },
    ];
    const perSample = streams.map((s) => (s.batch * s.len) / B); // tokens per sample of each stream
    const join = (rows: tf.Tensor2D[]) =>
      tf.reshape<tf.Rank.R2>(
        tf.concat(
          rows.map((r, i) => tf.reshape(r, [B, perSample[i]!, D])),
          1,
        ),
        [B * T, D],
      );
    this.params.blocks.forEach((bp) => {
      const mods = streams.map((s) => blockModulation(bp, s.cond, this.lora, s.branch));
      const qkv = streams.map((s, i) => preAttention(bp, s, mods[i]!, this.lora));
      const attn = maskedAttention(
        join(qkv.map((x) => x.q)),
        join(qkv.map((x) => x.k)),
        join(qkv.map((x) => x.v)),
        B,
        T,
        H,
        bias,
      );
      const parts = tf.split(tf.reshape(attn, [B, T, D]), perSample, 1);
      streams = streams.map((s, i) =>
        postAttention(bp, s, mods[i]!, tf.reshape(parts[i]!, [s.batch * s.len, D]), this.lora),
      );
    });
    const X = streams[streams.length - 1]!;
    return {
      velocity: this.toVelocity(this.head(X), xt, t),
      hidden: {
        prompt: streams[0]!.rows,
        conditions: k > 0 ? streams[1]!.rows : null,
        target: X.rows,
      },
    };
  }

  dispose(): void {
    this.lora?.dispose();
    for (const v of this.namedParams().values()) v.dispose();
    this.pos2d.dispose();
  }
}
