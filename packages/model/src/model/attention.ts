import * as tf from '@tensorflow/tfjs-core';

// ---------------------------------------------------------------------------------------------
// Attention as per-group rank-2 matmuls with block-diagonal keys and values.
// wasm runs batched matmuls ~10× slower per FLOP than rank-2 ones, so instead of [B, H, T, dh]
// batches, every group (a sample, or a sample's subject) does S = Q·K_bd and O = P·V_bd with
//   K_bd [D, H·L]: head h's keys transposed in the rows of h's channels, zeros elsewhere,
//   V_bd [H·L, D]: head h's values in the columns of h's channels, zeros elsewhere.
// That spends H× the useful FLOPs at the fast rate, and the output lands as [T, D] rows with no
// head transposes. Context keys of a generation are built once and cached.
// ---------------------------------------------------------------------------------------------

// With the native BLAS matmul (native-matmul.ts) batched matmuls run at the plain-matmul rate,
// so there attention is the usual head-batched form instead: K and V as [n, H, L, dh], one
// batched matmul per product (no H× FLOPs, no per-group split/concat, ~4× fewer kernels).

/** Keys/values of n groups of L tokens each: block-diagonal per group, or head-batched. */
export type TBlockKeys =
  | { kind: 'diag'; kbd: tf.Tensor2D[]; vbd: tf.Tensor2D[]; len: number }
  | { kind: 'heads'; k: tf.Tensor4D; v: tf.Tensor4D; len: number };

/** Whether new key sets use the head-batched form (only where batched matmuls are fast). */
let headBatched: () => boolean = () => false;
export function setHeadBatchedAttention(f: () => boolean): void {
  headBatched = f;
}

/** Rows [n·L, D] → [n, H, L, dh]. */
function toHeads(x: tf.Tensor2D, n: number, L: number, H: number): tf.Tensor4D {
  const D = x.shape[1];
  return tf.transpose(tf.reshape(x, [n, L, H, D / H]), [0, 2, 1, 3]);
}

const masks = new Map<string, tf.Tensor>();
/** mask[d, h·L + l] = 1 when channel d belongs to head h (cached; shapes are few). */
function headMask(D: number, H: number, L: number, forValues: boolean): tf.Tensor {
  const key = `${D}:${H}:${L}:${forValues}`;
  let m = masks.get(key);
  if (!m) {
    const dh = D / H;
    const a = new Float32Array(D * H * L);
    for (let d = 0; d < D; d++)
      for (let h = 0; h < H; h++)
        if (Math.floor(d / dh) === h)
          for (let l = 0; l < L; l++)
            a[forValues ? (h * L + l) * D + d : d * H * L + h * L + l] = 1;
    m = tf.keep(forValues ? tf.tensor3d(a, [1, H * L, D]) : tf.tensor3d(a, [1, D, H * L]));
    masks.set(key, m);
  }
  return m;
}

/** Keys/values rows [n·L, D] → per-group block-diagonal K [D, H·L] and V [H·L, D]. */
export function blockKeys(
  k: tf.Tensor2D,
  v: tf.Tensor2D,
  n: number,
  L: number,
  H: number,
): TBlockKeys {
  if (headBatched())
    return { kind: 'heads', k: toHeads(k, n, L, H), v: toHeads(v, n, L, H), len: L };
  const D = k.shape[1];
  const kT = tf.transpose(tf.reshape(k, [n, L, D]), [0, 2, 1]); // [n, D, L]
  // Repeat by concat: wasm's Tile kernel is ~20× slower than a concat copy.
  const kbd = tf.mul(tf.concat(Array<tf.Tensor>(H).fill(kT), 2), headMask(D, H, L, false)); // [n, D, H·L]
  const v3 = tf.reshape(v, [n, L, D]);
  const vbd = tf.mul(tf.concat(Array<tf.Tensor>(H).fill(v3), 1), headMask(D, H, L, true)); // [n, H·L, D]
  const split = (t: tf.Tensor3D, shape: [number, number]) =>
    n === 1
      ? [tf.reshape(t, shape) as tf.Tensor2D]
      : tf.split(t, n, 0).map((x) => tf.reshape(x, shape) as tf.Tensor2D);
  return {
    kind: 'diag',
    kbd: split(kbd as tf.Tensor3D, [D, H * L]),
    vbd: split(vbd as tf.Tensor3D, [H * L, D]),
    len: L,
  };
}

/** Attention logits of n groups of query rows (already scaled) over one key set: [n·T, H, L]. */
function logitRows(qs: tf.Tensor2D, n: number, H: number, ks: TBlockKeys): tf.Tensor3D {
  const rows = qs.shape[0];
  if (ks.kind === 'heads') {
    const s = tf.matMul(toHeads(qs, n, rows / n, H), ks.k, false, true); // [n, H, T, L]
    return tf.reshape(tf.transpose(s, [0, 2, 1, 3]), [rows, H, ks.len]);
  }
  const groups = n === 1 ? [qs] : (tf.split(qs, n, 0) as tf.Tensor2D[]);
  return tf.reshape(
    tf.concat(
      groups.map((qi, i) => tf.matMul(qi, ks.kbd[i]!)),
      0,
    ),
    [rows, H, ks.len],
  );
}

/** attend() in the head-batched form; probabilities come back as [n·T, H, L_j] like the other. */
function attendHeads(
  q: tf.Tensor2D,
  n: number,
  H: number,
  keySets: TBlockKeys[],
  biases: (tf.Tensor | null)[],
) {
  const [rows, D] = q.shape;
  const T = rows / n;
  const q4 = toHeads(tf.mul(q, 1 / Math.sqrt(D / H)) as tf.Tensor2D, n, T, H); // [n, H, T, dh]
  const logits = keySets.map((ks, j) => {
    if (ks.kind !== 'heads')
      throw new Error('attention key sets mix the block-diagonal and head-batched forms');
    const s = tf.matMul(q4, ks.k, false, true); // [n, H, T, L]
    const b = biases[j]; // [n·T, 1, L]: the same memory order as [n, 1, T, L]
    return b ? tf.add(s, tf.reshape(b, [n, 1, T, ks.len])) : s;
  });
  const p =
    keySets.length === 1
      ? [tf.softmax(logits[0]!)]
      : tf.split(
          tf.softmax(tf.concat(logits, 3)),
          keySets.map((k) => k.len),
          3,
        );
  const outs = keySets.map((ks, j) => tf.matMul(p[j]!, (ks as { v: tf.Tensor4D }).v)); // [n, H, T, dh]
  const o = outs.length === 1 ? outs[0]! : tf.addN(outs);
  const rowsOut = tf.reshape(tf.transpose(o, [0, 2, 1, 3]), [rows, D]) as tf.Tensor2D;
  // Probabilities in the row layout only when read (dynamic routing reads the context's).
  const probs = p.map(
    (pj, j) =>
      tf.reshape(tf.transpose(pj, [0, 2, 1, 3]), [rows, H, keySets[j]!.len]) as tf.Tensor3D,
  );
  return { rows: rowsOut, probs };
}

/**
 * Softmax attention of n groups of T query rows over one or more key sets (their union is the
 * attended sequence). `biases[j]` is added to key set j's logits: [n·T, 1, L_j] or null.
 * Returns output rows [n·T, D] and the attention probabilities per key set [n·T, H, L_j].
 */
export function attend(
  q: tf.Tensor2D,
  n: number,
  H: number,
  keySets: TBlockKeys[],
  biases: (tf.Tensor | null)[] = [],
) {
  if (keySets[0]?.kind === 'heads') return attendHeads(q, n, H, keySets, biases);
  const [rows, D] = q.shape;
  const groups = <T extends tf.Tensor>(t: T): T[] => (n === 1 ? [t] : (tf.split(t, n, 0) as T[]));
  const qs = groups(tf.mul(q, 1 / Math.sqrt(D / H)) as tf.Tensor2D);
  const logits = keySets.map((ks, j) => {
    if (ks.kind !== 'diag')
      throw new Error('attention key sets mix the block-diagonal and head-batched forms');
    const s = tf.reshape(
      tf.concat(
        qs.map((qi, i) => tf.matMul(qi, ks.kbd[i]!)),
        0,
      ),
      [rows, H, ks.len],
    ); // [n·T, H, L]
    const b = biases[j];
    return b ? tf.add(s, b) : s;
  });
  const probs = (
    keySets.length === 1
      ? [tf.softmax(logits[0]!)]
      : tf.split(
          tf.softmax(tf.concat(logits, 2)),
          keySets.map((k) => k.len),
          2,
        )
  ) as tf.Tensor3D[];
  const outs = keySets.map((ks, j) => {
    const ps = groups(tf.reshape(probs[j]!, [rows, H * ks.len]) as tf.Tensor2D);
    return tf.concat(
      ps.map((pi, i) => tf.matMul(pi, (ks as { vbd: tf.Tensor2D[] }).vbd[i]!)),
      0,
    ) as tf.Tensor2D; // [n·T, D]
  });
  return { rows: (outs.length === 1 ? outs[0]! : tf.addN(outs)) as tf.Tensor2D, probs };
}

/** A token group attending only to itself; q, k, v are [n·T, D] rows. */
export function selfAttention(
  q: tf.Tensor2D,
  k: tf.Tensor2D,
  v: tf.Tensor2D,
  n: number,
  T: number,
  H: number,
): tf.Tensor2D {
  return attend(q, n, H, [blockKeys(k, v, n, T, H)]).rows;
}

/** Where the subjects' columns sit among the context keys, for reading attention mass. */
export type TReadout = {
  promptLength: number;
  subjects: number;
  condLength: number;
  bias: tf.Tensor | null;
};

/**
 * X attending to the cached contexts [P | C1 … Ck] and to itself. `bias` covers the context
 * columns ([B·Nx, 1, Lc] or [B, 1, Nx, Lc]). With `readout`, also returns every X token's
 * attention mass on each subject's condition tokens averaged over heads, [B, Nx, k], computed
 * with `readout.bias` (without dynamic gating: the router reads where X *would* look).
 */
export function targetAttention(
  q: tf.Tensor2D,
  k: tf.Tensor2D,
  v: tf.Tensor2D,
  B: number,
  Nx: number,
  H: number,
  ctx: TBlockKeys | null,
  bias: tf.Tensor | null,
  readout?: TReadout,
  selfBias: tf.Tensor | null = null,
): { rows: tf.Tensor2D; mass?: tf.Tensor3D } {
  const self = blockKeys(k, v, B, Nx, H);
  const flatSelf = selfBias ? tf.reshape(selfBias, [B * Nx, 1, Nx]) : null;
  if (!ctx) return { rows: attend(q, B, H, [self], [flatSelf]).rows };
  const lc = ctx.len;
  const flat = (b: tf.Tensor | null) => (b ? tf.reshape(b, [B * Nx, 1, lc]) : null);
  const a = attend(q, B, H, [ctx, self], [flat(bias), flatSelf]);
  if (!readout || readout.subjects === 0) return { rows: a.rows };
  let pc = a.probs[0]!; // [B·Nx, H, Lc]
  if (readout.bias !== bias) {
    // Ungated probabilities for the router: recompute the logits' softmax with the plain bias.
    const qs = tf.mul(q, 1 / Math.sqrt(q.shape[1] / H)) as tf.Tensor2D;
    const per = (ks: TBlockKeys) => logitRows(qs, B, H, ks);
    const rb = flat(readout.bias);
    const lctx = rb ? tf.add(per(ctx), rb) : per(ctx);
    const lself = flatSelf ? tf.add(per(self), flatSelf) : per(self);
    pc = tf.split(tf.softmax(tf.concat([lctx, lself], 2)), [lc, Nx], 2)[0] as tf.Tensor3D;
  }
  const { promptLength: lp, subjects: ks, condLength: tc } = readout;
  const subj = tf.slice(pc, [0, 0, lp], [B * Nx, H, ks * tc]);
  const mass = tf.reshape(tf.mean(tf.sum(tf.reshape(subj, [B * Nx, H, ks, tc]), 3), 1), [
    B,
    Nx,
    ks,
  ]) as tf.Tensor3D;
  return { rows: a.rows, mass };
}

/** Reference path: every token of each sample over the whole sequence, with a full [B, 1, T, T] bias. */
export function maskedAttention(
  q: tf.Tensor2D,
  k: tf.Tensor2D,
  v: tf.Tensor2D,
  B: number,
  T: number,
  H: number,
  bias: tf.Tensor | null,
): tf.Tensor2D {
  return attend(
    q,
    B,
    H,
    [blockKeys(k, v, B, T, H)],
    [bias ? tf.reshape(bias, [B * T, 1, T]) : null],
  ).rows;
}
