import * as tf from '@tensorflow/tfjs-core';

// ---------------------------------------------------------------------------------------------
// Patchify / unpatchify by reshape+transpose (wasm has no conv-filter gradient), text embeddings
// by one-hot matmul (no gather gradient), sin/cos timestep and 2-D position embeddings.
// ---------------------------------------------------------------------------------------------

/** [B, H, W, 3] images → [B·N, p·p·3] patch rows, raster order over the patch grid. */
export function patchify(img: tf.Tensor4D, p: number): tf.Tensor2D {
  const [B, H, W, C] = img.shape;
  const gh = H / p;
  const gw = W / p;
  const x = tf.reshape(img, [B * gh, p, gw, p * C]); // [B·gh, p(rows), gw, p·C]
  const y = tf.transpose(x, [0, 2, 1, 3]); // [B·gh, gw, p(rows), p·C]
  return tf.reshape(y, [B * gh * gw, p * p * C]);
}

/** Inverse of patchify: [B·N, p·p·3] → [B, H, W, 3]. */
export function unpatchify(rows: tf.Tensor2D, batch: number, size: number, p: number): tf.Tensor4D {
  const g = size / p;
  const x = tf.reshape(rows, [batch * g, g, p, p * 3]); // [B·gh, gw, p, p·C]
  const y = tf.transpose(x, [0, 2, 1, 3]); // [B·gh, p, gw, p·C]
  return tf.reshape(y, [batch, size, size, 3]);
}

/** Int32 ids [..., L] → [count·L, D] rows of the embedding table. */
export function embedTokens(ids: tf.Tensor, table: tf.Tensor2D): tf.Tensor2D {
  const flat = tf.reshape(ids, [-1]) as tf.Tensor1D;
  // wasm's OneHot ignores the dtype argument (returns int32 bits), so cast explicitly.
  return tf.matMul(tf.cast(tf.oneHot(tf.cast(flat, 'int32'), table.shape[0]), 'float32'), table);
}

/** Sinusoidal embedding of t ∈ [0, 1] (scaled by 1000 as in DiT): [B] → [B, D]. */
export function timestepFeatures(t: tf.Tensor1D, dim: number): tf.Tensor2D {
  const half = dim / 2;
  const freqs = tf.exp(tf.mul(tf.range(0, half, 1, 'float32'), -Math.log(10000) / half));
  const args = tf.mul(
    tf.reshape(tf.mul(t, 1000), [-1, 1]),
    tf.reshape(freqs, [1, half]),
  ) as tf.Tensor2D; // [B, half]
  return tf.concat([tf.cos(args), tf.sin(args)], 1);
}

/** Fixed 2-D sin/cos positions for a g×g grid: [g·g, D] (half the channels per axis). */
export function sincos2d(g: number, dim: number): Float32Array {
  const out = new Float32Array(g * g * dim);
  const quarter = dim / 4;
  for (let r = 0; r < g; r++)
    for (let c = 0; c < g; c++)
      for (let i = 0; i < quarter; i++) {
        const w = 1 / 10000 ** (i / quarter);
        const o = (r * g + c) * dim;
        out[o + i] = Math.sin(r * w);
        out[o + quarter + i] = Math.cos(r * w);
        out[o + 2 * quarter + i] = Math.sin(c * w);
        out[o + 3 * quarter + i] = Math.cos(c * w);
      }
  return out;
}
