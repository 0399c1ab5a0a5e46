import * as tf from '@tensorflow/tfjs-core';

// wasm runs only untransposed matmuls fast; the stock BatchMatMul gradient uses transpose flags
// (dy·Bᵀ, Aᵀ·dy). This gradient transposes explicitly so every matmul is the fast kind.
// A kernel that transposes for free (the native OpenBLAS path) asks for the flags instead: the
// explicit transposes then cost more than the matmuls they feed (see native-matmul.ts).
let registered = false;
let flagsFree: () => boolean = () => false;

export function useTransposeFlagsWhen(when: () => boolean): void {
  flagsFree = when;
}

function swapLast(t: tf.Tensor): tf.Tensor {
  const perm = t.shape.map((_, i) => i);
  const r = perm.length;
  [perm[r - 2], perm[r - 1]] = [perm[r - 1]!, perm[r - 2]!];
  return tf.transpose(t, perm);
}

export function registerFastMatMulGradient(): void {
  if (registered) return;
  registered = true;
  const T = swapLast;
  tf.registerGradient({
    kernelName: tf.BatchMatMul,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved, attrs) => {
      const [a, b] = saved as [tf.Tensor, tf.Tensor];
      const { transposeA, transposeB } = attrs as unknown as {
        transposeA: boolean;
        transposeB: boolean;
      };
      const d = dy as tf.Tensor;
      if (flagsFree()) {
        const mm = (x: tf.Tensor, y: tf.Tensor, tx: boolean, ty: boolean) =>
          tf.matMul(x, y, tx, ty);
        if (!transposeA && !transposeB)
          return { a: () => mm(d, b, false, true), b: () => mm(a, d, true, false) };
        if (!transposeA && transposeB)
          return { a: () => mm(d, b, false, false), b: () => mm(d, a, true, false) };
        if (transposeA && !transposeB)
          return { a: () => mm(b, d, false, true), b: () => mm(a, d, false, false) };
        return { a: () => mm(b, d, true, true), b: () => mm(d, a, true, true) };
      }
      const mm = (x: tf.Tensor, y: tf.Tensor) => tf.matMul(x, y);
      if (!transposeA && !transposeB) return { a: () => mm(d, T(b)), b: () => mm(T(a), d) };
      if (!transposeA && transposeB) return { a: () => mm(d, b), b: () => mm(T(d), a) };
      if (transposeA && !transposeB) return { a: () => mm(b, T(d)), b: () => mm(a, d) };
      return { a: () => mm(T(b), T(d)), b: () => mm(T(d), T(a)) };
    },
  });
}
