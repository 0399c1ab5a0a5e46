import * as tf from '@tensorflow/tfjs-core';

// ---------------------------------------------------------------------------------------------
// Attention cores. Keys are transposed explicitly (wasm's transposed matmul is ~10× slower).
//  - selfAttention: a group attending only to itself (P, each Ci with subjects folded into batch)
//  - targetAttention: X attending to cached context keys [P | C1..Ck] and to X itself
//  - maskedAttention: the reference path over the whole sequence with a full bias
// ---------------------------------------------------------------------------------------------

/** [B·T, D] rows → [B, H, T, dh]. */
export function toHeads(rows: tf.Tensor2D, B: number, T: number, H: number): tf.Tensor4D {
  const dh = rows.shape[1] / H;
  return tf.transpose(tf.reshape(rows, [B, T, H, dh]), [0, 2, 1, 3]);
}

/** [B, H, T, dh] → [B·T, D] rows. */
export function fromHeads(t: tf.Tensor4D): tf.Tensor2D {
  const [B, H, T, dh] = t.shape;
  return tf.reshape(tf.transpose(t, [0, 2, 1, 3]), [B * T, H * dh]);
}

/** [B, H, T, dh] → [B, H, dh, T]. */
export function transposeKeys(k: tf.Tensor4D): tf.Tensor4D {
  return tf.transpose(k, [0, 1, 3, 2]);
}

function scaleQuery(q: tf.Tensor4D): tf.Tensor4D {
  return tf.mul(q, 1 / Math.sqrt(q.shape[3]));
}

/** Softmax attention of q over (kT, v), with an optional additive bias. */
export function maskedAttention(q: tf.Tensor4D, kT: tf.Tensor4D, v: tf.Tensor4D, bias: tf.Tensor4D | null): tf.Tensor4D {
  let logits: tf.Tensor4D = tf.matMul(scaleQuery(q), kT); // [B, H, Tq, Tk]
  if (bias) logits = tf.add(logits, bias);
  return tf.matMul(tf.softmax(logits), v); // [B, H, Tq, dh]
}

/** A token group attending only to itself; q, k, v are [B·T, D] rows. */
export function selfAttention(q: tf.Tensor2D, k: tf.Tensor2D, v: tf.Tensor2D, B: number, T: number, H: number): tf.Tensor2D {
  const out = maskedAttention(toHeads(q, B, T, H), transposeKeys(toHeads(k, B, T, H)), toHeads(v, B, T, H), null);
  return fromHeads(out);
}

/** Context keys/values seen by X, per layer: [P | C1 … Ck] of each sample. */
export type TContextKV = { kT: tf.Tensor4D; v: tf.Tensor4D };

/** Where the subjects' columns sit among the context keys, for reading attention mass. */
export type TReadout = { promptLength: number; subjects: number; condLength: number; bias: tf.Tensor4D | null };

/**
 * X attending to the cached contexts and to itself. `bias` covers only the context columns.
 * With `readout`, also returns the attention mass of every X token on each subject's condition
 * tokens, averaged over heads: [B, Nx, k], computed with `readout.bias` (the bias without
 * dynamic gating, so the router reads where X *would* look).
 */
export function targetAttention(
  q: tf.Tensor2D,
  k: tf.Tensor2D,
  v: tf.Tensor2D,
  B: number,
  Nx: number,
  H: number,
  ctx: TContextKV | null,
  bias: tf.Tensor4D | null,
  readout?: TReadout,
): { rows: tf.Tensor2D; mass?: tf.Tensor3D } {
  const qh = scaleQuery(toHeads(q, B, Nx, H));
  const kxT = transposeKeys(toHeads(k, B, Nx, H));
  const vx = toHeads(v, B, Nx, H);
  if (!ctx) return { rows: fromHeads(tf.matMul(tf.softmax(tf.matMul(qh, kxT)), vx)) };
  const lc = ctx.kT.shape[3];
  const rawCtx = tf.matMul(qh, ctx.kT); // [B, H, Nx, Lc]
  const selfLogits = tf.matMul(qh, kxT); // [B, H, Nx, Nx]
  const ctxLogits = bias ? tf.add(rawCtx, bias) : rawCtx;
  const probs = tf.softmax(tf.concat([ctxLogits, selfLogits], 3));
  const [pc, px] = tf.split(probs, [lc, Nx], 3) as [tf.Tensor4D, tf.Tensor4D];
  const rows = fromHeads(tf.add(tf.matMul(pc, ctx.v), tf.matMul(px, vx)));
  if (!readout || readout.subjects === 0) return { rows };
  let pr = pc;
  if (readout.bias !== bias) {
    const l = readout.bias ? tf.add(rawCtx, readout.bias) : rawCtx;
    pr = tf.split(tf.softmax(tf.concat([l, selfLogits], 3)), [lc, Nx], 3)[0] as tf.Tensor4D;
  }
  const { promptLength: lp, subjects: ks, condLength: tc } = readout;
  const subj = tf.slice(pr, [0, 0, 0, lp], [B, H, Nx, ks * tc]);
  const mass = tf.mean(tf.sum(tf.reshape(subj, [B, H, Nx, ks, tc]), 4), 1) as tf.Tensor3D; // [B, Nx, k]
  return { rows, mass };
}
