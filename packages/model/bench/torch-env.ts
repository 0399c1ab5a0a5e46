/**
 * The environment for a PyTorch anchor process limited to `threads` threads. torch.set_num_threads
 * alone does not limit Debian's pthread OpenBLAS, whose matmuls then use every core: measured here,
 * a "1-thread" anchor matmul loop ran at 105–121 iterations/s, and 70 with OPENBLAS_NUM_THREADS=1
 * (99% CPU) — so every PyTorch ratio before this fix compared our one thread with two of theirs.
 */
export function torchEnv(threads: number): NodeJS.ProcessEnv {
  const n = String(threads);
  return { ...process.env, OMP_NUM_THREADS: n, OPENBLAS_NUM_THREADS: n, MKL_NUM_THREADS: n };
}
