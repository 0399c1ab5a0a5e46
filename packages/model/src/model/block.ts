import * as tf from '@tensorflow/tfjs-core';
import type { DualBranchLora, TBranch } from '../lora';
import { nativeGelu, nativeLayerNorm } from './native-matmul';
import type { TBlockParams, TLinear } from './params';

// ---------------------------------------------------------------------------------------------
// A DiT block with adaLN-zero, applied to one token *stream* at a time (P, C or X). Streams are
// [batch·len, D] rows so every linear layer is one rank-2 matmul; attention joins the streams.
// ---------------------------------------------------------------------------------------------

export type TStream = {
  /** [batch·len, D] token rows. */
  rows: tf.Tensor2D;
  batch: number;
  len: number;
  /** [batch or 1, D] conditioning vector (timestep embedding; t = 0 for contexts). */
  cond: tf.Tensor2D;
  /** Which LoRA branch the stream's tokens use. */
  branch: TBranch;
};

/** The six adaLN chunks of one block: shift/scale/gate for attention, then for the MLP. */
export type TModulation = [
  tf.Tensor2D,
  tf.Tensor2D,
  tf.Tensor2D,
  tf.Tensor2D,
  tf.Tensor2D,
  tf.Tensor2D,
];

export function linear(
  l: TLinear,
  x: tf.Tensor2D,
  lora: DualBranchLora | null,
  branch: TBranch,
): tf.Tensor2D {
  if (lora && lora.adapters.has(l.name)) return lora.apply(l.name, branch, x, l.w, l.b);
  return tf.add(tf.matMul(x, l.w), l.b);
}

export function silu(x: tf.Tensor2D): tf.Tensor2D {
  return tf.mul(x, tf.sigmoid(x));
}

/**
 * GELU, tanh approximation (as DiT), written as x·σ(2z) — identical since 0.5·(1 + tanh z) =
 * σ(2z) — because wasm's sigmoid is ~15× faster than its tanh (and x·x·x than pow).
 */
export function gelu(x: tf.Tensor2D): tf.Tensor2D {
  return nativeGelu(x) ?? composedGelu(x);
}

/** gelu() from stock kernels (every backend; the reference the native kernel is tested against). */
export function composedGelu(x: tf.Tensor2D): tf.Tensor2D {
  const z2 = tf.mul(
    tf.add(x, tf.mul(tf.mul(tf.mul(x, x), x), 0.044715)),
    2 * Math.sqrt(2 / Math.PI),
  );
  return tf.mul(x, tf.sigmoid(z2));
}

/** LayerNorm without affine parameters (adaLN supplies shift and scale). */
export function layerNorm(x: tf.Tensor2D): tf.Tensor2D {
  return nativeLayerNorm(x, 1e-6) ?? composedLayerNorm(x);
}

/** layerNorm() from stock kernels (every backend; the reference for the native kernel). */
export function composedLayerNorm(x: tf.Tensor2D): tf.Tensor2D {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-6)));
}

/** x·(1 + scale) + shift with per-sample shift/scale [b, D] broadcast over the stream's tokens. */
export function modulate(
  x: tf.Tensor2D,
  s: TStream,
  shift: tf.Tensor2D,
  scale: tf.Tensor2D,
): tf.Tensor2D {
  const D = x.shape[1];
  const b = shift.shape[0];
  const x3 = tf.reshape(x, [s.batch, s.len, D]); // [B, T, D]
  const y = tf.add(
    tf.mul(x3, tf.add(tf.reshape(scale, [b, 1, D]), 1)),
    tf.reshape(shift, [b, 1, D]),
  );
  return tf.reshape(y, [s.batch * s.len, D]);
}

/** residual + gate ⊙ update, gate [b, D] per sample. */
function gatedResidual(
  res: tf.Tensor2D,
  update: tf.Tensor2D,
  s: TStream,
  gate: tf.Tensor2D,
): tf.Tensor2D {
  const D = res.shape[1];
  const g = tf.reshape(gate, [gate.shape[0], 1, D]);
  const u = tf.mul(tf.reshape(update, [s.batch, s.len, D]), g);
  return tf.add(res, tf.reshape(u, [s.batch * s.len, D]));
}

export function blockModulation(
  bp: TBlockParams,
  cond: tf.Tensor2D,
  lora: DualBranchLora | null,
  branch: TBranch,
): TModulation {
  return tf.split(linear(bp.ada, silu(cond), lora, branch), 6, 1) as TModulation;
}

/** LN → modulate → qkv: the stream's queries, keys and values as [batch·len, D] rows each. */
export function preAttention(
  bp: TBlockParams,
  s: TStream,
  mod: TModulation,
  lora: DualBranchLora | null,
) {
  const h = modulate(layerNorm(s.rows), s, mod[0], mod[1]);
  const [q, k, v] = tf.split(linear(bp.qkv, h, lora, s.branch), 3, 1) as [
    tf.Tensor2D,
    tf.Tensor2D,
    tf.Tensor2D,
  ];
  return { q, k, v };
}

/** Output projection and MLP with gated residuals; returns the stream with new rows. */
export function postAttention(
  bp: TBlockParams,
  s: TStream,
  mod: TModulation,
  attn: tf.Tensor2D,
  lora: DualBranchLora | null,
): TStream {
  const x1 = gatedResidual(s.rows, linear(bp.proj, attn, lora, s.branch), s, mod[2]);
  const h = modulate(layerNorm(x1), s, mod[3], mod[4]);
  const m = linear(bp.fc2, gelu(linear(bp.fc1, h, lora, s.branch)), lora, s.branch);
  return { ...s, rows: gatedResidual(x1, m, s, mod[5]) };
}
