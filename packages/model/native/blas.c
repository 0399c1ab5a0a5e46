// musar_blas: batched single-precision GEMM on a caller's memory (the TF.js wasm heap) through
// OpenBLAS, and fused GELU forward/backward on the same memory. The GEMM:
//
//   sgemmBatched(heap, aOff, bOff, cOff, batch, M, N, K, transA, transB, strideA, strideB, strideC)
//
// heap: an ArrayBuffer or a typed array over one (TF.js passes wasm.HEAPU8); offsets in bytes
// from the start of that view; strides in elements between batch entries (0 = broadcast one
// matrix over the batch). Row-major: C[i] (M×N) = op(A[i]) · op(B[i]), op(A) is M×K, op(B) K×N.
// Every access is bounds-checked against the view before any BLAS call. Runs on the calling
// thread with OpenBLAS pinned to 1 thread: each TF.js worker thread owns a wasm heap and a core.
#define NAPI_VERSION 8
#include <node_api.h>
#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define CHECK(call)                                                             \
  do {                                                                          \
    if ((call) != napi_ok) {                                                    \
      napi_throw_error(env, NULL, "musar_blas: N-API call failed: " #call);     \
      return NULL;                                                              \
    }                                                                           \
  } while (0)

static int heap_pointer(napi_env env, napi_value v, uint8_t** data, size_t* length) {
  bool is;
  if (napi_is_typedarray(env, v, &is) == napi_ok && is) {
    napi_typedarray_type type;
    size_t n, offset;
    napi_value ab;
    void* p;
    if (napi_get_typedarray_info(env, v, &type, &n, &p, &ab, &offset) != napi_ok) return 0;
    if (type != napi_uint8_array) return 0;
    *data = (uint8_t*)p;
    *length = n;
    return 1;
  }
  if (napi_is_arraybuffer(env, v, &is) == napi_ok && is) {
    void* p;
    if (napi_get_arraybuffer_info(env, v, &p, length) != napi_ok) return 0;
    *data = (uint8_t*)p;
    return 1;
  }
  return 0;
}

// Last byte (exclusive) touched by `batch` matrices of rows×cols floats at `stride` apart.
static int fits(double off, int64_t batch, int64_t stride, int64_t rows, int64_t cols,
                size_t length) {
  if (off < 0 || (off - (int64_t)off) != 0 || ((int64_t)off & 3)) return 0;
  int64_t last = (batch - 1) * stride + rows * cols;
  return (int64_t)off + last * 4 <= (int64_t)length;
}

static napi_value SgemmBatched(napi_env env, napi_callback_info info) {
  size_t argc = 13;
  napi_value argv[13];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 13) {
    napi_throw_type_error(env, NULL, "sgemmBatched: expected 13 arguments");
    return NULL;
  }
  uint8_t* heap;
  size_t length;
  if (!heap_pointer(env, argv[0], &heap, &length)) {
    napi_throw_type_error(env, NULL, "sgemmBatched: heap must be an ArrayBuffer or Uint8Array");
    return NULL;
  }
  double off[3];
  for (int i = 0; i < 3; i++) CHECK(napi_get_value_double(env, argv[1 + i], &off[i]));
  int64_t n[9];  // batch, M, N, K, transA, transB, strideA, strideB, strideC
  for (int i = 0; i < 9; i++) CHECK(napi_get_value_int64(env, argv[4 + i], &n[i]));
  const int64_t batch = n[0], M = n[1], N = n[2], K = n[3];
  const int ta = n[4] != 0, tb = n[5] != 0;
  const int64_t sA = n[6], sB = n[7], sC = n[8];
  if (batch < 0 || M < 0 || N < 0 || K < 0 || sA < 0 || sB < 0 || sC < 0 || M > INT32_MAX ||
      N > INT32_MAX || K > INT32_MAX) {
    napi_throw_range_error(env, NULL, "sgemmBatched: negative or too large size");
    return NULL;
  }
  if (batch == 0 || M == 0 || N == 0) return NULL;
  if (!fits(off[0], batch, sA, M, K, length) || !fits(off[1], batch, sB, K, N, length) ||
      !fits(off[2], batch, sC, M, N, length) || (batch > 1 && sC < M * N)) {
    napi_throw_range_error(env, NULL, "sgemmBatched: operand outside the heap");
    return NULL;
  }
  float* A = (float*)(heap + (int64_t)off[0]);
  float* B = (float*)(heap + (int64_t)off[1]);
  float* C = (float*)(heap + (int64_t)off[2]);
  if (K == 0) {
    for (int64_t i = 0; i < batch; i++) memset(C + i * sC, 0, (size_t)(M * N) * 4);
    return NULL;
  }
  const int lda = ta ? (int)M : (int)K, ldb = tb ? (int)K : (int)N, ldc = (int)N;
  const enum CBLAS_TRANSPOSE opA = ta ? CblasTrans : CblasNoTrans;
  const enum CBLAS_TRANSPOSE opB = tb ? CblasTrans : CblasNoTrans;
  // A batch of row blocks times one shared B is a single taller GEMM.
  if (batch > 1 && !ta && sB == 0 && sA == M * K && sC == M * N && batch * M <= INT32_MAX) {
    cblas_sgemm(CblasRowMajor, opA, opB, (int)(batch * M), (int)N, (int)K, 1.0f, A, lda, B, ldb,
                0.0f, C, ldc);
    return NULL;
  }
  for (int64_t i = 0; i < batch; i++)
    cblas_sgemm(CblasRowMajor, opA, opB, (int)M, (int)N, (int)K, 1.0f, A + i * sA, lda,
                B + i * sB, ldb, 0.0f, C + i * sC, ldc);
  return NULL;
}

// ---------------------------------------------------------------------------------------------
// Fused GELU (tanh form, written as x·σ(2z), z = sqrt(2/π)(x + 0.044715x³) — the model's gelu()).
// TF.js runs it as 7 elementwise kernels forward and ~12 backward; these are one pass each,
// vectorised (AVX-512/AVX2 clones, chosen at load) with a branch-free expf.
//   geluForward(heap, xOff, yOff, n)          y = gelu(x)
//   geluBackward(heap, xOff, dyOff, dxOff, n) dx = dy · gelu'(x)
// ---------------------------------------------------------------------------------------------

// e^x, vectorisable: x = n·ln2 + r, e^r by a degree-6 polynomial (Cephes expf coefficients),
// 2^n from the exponent bits. Relative error < 1e-6 on [-87, 88]; inputs outside are clamped.
static inline float musar_expf(float x) {
  x = x < -87.0f ? -87.0f : x;
  x = x > 88.0f ? 88.0f : x;
  // round to nearest without a call: adding 1.5·2^23 leaves the integer in the mantissa
  const float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  const float r = x - n * 0.693359375f + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const int32_t bits = ((int32_t)n + 127) << 23;
  float scale;
  memcpy(&scale, &bits, 4);
  return p * scale;
}

#define GELU_K 1.5957691216057308f /* 2·sqrt(2/π) */
#define GELU_A 0.044715f

__attribute__((target_clones("avx512f", "avx2", "default"))) static void gelu_fwd(
    const float* restrict x, float* restrict y, int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    const float v = x[i];
    const float s = 1.0f / (1.0f + musar_expf(-GELU_K * (v + GELU_A * v * v * v)));
    y[i] = v * s;
  }
}

// gelu'(x) = s + x·s·(1 − s)·K·(1 + 3a·x²), s = σ(K(x + a·x³)).
__attribute__((target_clones("avx512f", "avx2", "default"))) static void gelu_bwd(
    const float* restrict x, const float* restrict dy, float* restrict dx, int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    const float v = x[i];
    const float s = 1.0f / (1.0f + musar_expf(-GELU_K * (v + GELU_A * v * v * v)));
    dx[i] = dy[i] * (s + v * s * (1.0f - s) * GELU_K * (1.0f + 3.0f * GELU_A * v * v));
  }
}

// ---------------------------------------------------------------------------------------------
// Fused layer norm without affine parameters over the last axis of [rows, D] (the model's
// layerNorm(): (x − mean)·rsqrt(var + eps), biased variance, two passes as tf.moments):
//   layerNormForward(heap, xOff, yOff, rows, D, eps)
//   layerNormBackward(heap, xOff, dyOff, dxOff, rows, D, eps)
//     dx = rstd·(dy − mean(dy) − x̂·mean(dy·x̂)), recomputing mean and rstd from x.
// ---------------------------------------------------------------------------------------------

// Mean and 1/sqrt(biased variance + eps) of one row, in two passes (as tf.moments).
static inline __attribute__((always_inline)) void row_stats(const float* restrict xr, int64_t D,
                                                            float eps, float* mean, float* rstd) {
  float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
  for (int64_t i = 0; i < D; i++) sum += xr[i];
  const float m = sum / (float)D;
  float sq = 0.0f;
#pragma omp simd reduction(+ : sq)
  for (int64_t i = 0; i < D; i++) sq += (xr[i] - m) * (xr[i] - m);
  *mean = m;
  *rstd = 1.0f / sqrtf(sq / (float)D + eps);
}

__attribute__((target_clones("avx512f", "avx2", "default"))) static void ln_fwd(
    const float* restrict x, float* restrict y, int64_t rows, int64_t D, float eps) {
  for (int64_t r = 0; r < rows; r++) {
    const float* xr = x + r * D;
    float* yr = y + r * D;
    float mean, rstd;
    row_stats(xr, D, eps, &mean, &rstd);
#pragma omp simd
    for (int64_t i = 0; i < D; i++) yr[i] = (xr[i] - mean) * rstd;
  }
}

__attribute__((target_clones("avx512f", "avx2", "default"))) static void ln_bwd(
    const float* restrict x, const float* restrict dy, float* restrict dx, int64_t rows,
    int64_t D, float eps) {
  for (int64_t r = 0; r < rows; r++) {
    const float* xr = x + r * D;
    const float* gr = dy + r * D;
    float* dr = dx + r * D;
    float mean, rstd;
    row_stats(xr, D, eps, &mean, &rstd);
    float g1 = 0.0f, g2 = 0.0f;
#pragma omp simd reduction(+ : g1, g2)
    for (int64_t i = 0; i < D; i++) {
      g1 += gr[i];
      g2 += gr[i] * (xr[i] - mean) * rstd;
    }
    g1 /= (float)D;
    g2 /= (float)D;
#pragma omp simd
    for (int64_t i = 0; i < D; i++) dr[i] = rstd * (gr[i] - g1 - (xr[i] - mean) * rstd * g2);
  }
}

// The arguments of the fused kernels: (heap, `count` byte offsets, then `nint` integers, then
// `nfloat` numbers). Each operand holds ints[0] floats (one int: a count) or ints[0]·ints[1]
// (rows, width), and must lie in the heap.
static int kernel_args(napi_env env, napi_callback_info info, size_t count, float** ptr,
                       size_t nint, int64_t* ints, size_t nfloat, double* floats) {
  size_t argc = 1 + count + nint + nfloat;
  const size_t want = argc;
  napi_value argv[10];
  if (want > 10 || napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok ||
      argc != want) {
    napi_throw_type_error(env, NULL, "musar_blas: wrong number of arguments");
    return 0;
  }
  uint8_t* heap;
  size_t length;
  if (!heap_pointer(env, argv[0], &heap, &length)) {
    napi_throw_type_error(env, NULL, "musar_blas: heap must be an ArrayBuffer or Uint8Array");
    return 0;
  }
  for (size_t i = 0; i < nint; i++)
    if (napi_get_value_int64(env, argv[1 + count + i], &ints[i]) != napi_ok || ints[i] < 0) {
      napi_throw_range_error(env, NULL, "musar_blas: bad size argument");
      return 0;
    }
  for (size_t i = 0; i < nfloat; i++)
    if (napi_get_value_double(env, argv[1 + count + nint + i], &floats[i]) != napi_ok ||
        !(floats[i] >= 0)) {
      napi_throw_range_error(env, NULL, "musar_blas: bad numeric argument");
      return 0;
    }
  const int64_t elems = nint == 1 ? ints[0] : ints[0] * ints[1];
  for (size_t i = 0; i < count; i++) {
    double off;
    if (napi_get_value_double(env, argv[1 + i], &off) != napi_ok ||
        !fits(off, 1, 0, 1, elems, length)) {
      napi_throw_range_error(env, NULL, "musar_blas: operand outside the heap");
      return 0;
    }
    ptr[i] = (float*)(heap + (int64_t)off);
  }
  return 1;
}

static napi_value GeluForward(napi_env env, napi_callback_info info) {
  float* p[2];
  int64_t n;
  if (kernel_args(env, info, 2, p, 1, &n, 0, NULL)) gelu_fwd(p[0], p[1], n);
  return NULL;
}

static napi_value GeluBackward(napi_env env, napi_callback_info info) {
  float* p[3];
  int64_t n;
  if (kernel_args(env, info, 3, p, 1, &n, 0, NULL)) gelu_bwd(p[0], p[1], p[2], n);
  return NULL;
}

static napi_value LayerNormForward(napi_env env, napi_callback_info info) {
  float* p[2];
  int64_t n[2];  // rows, D
  double eps;
  if (kernel_args(env, info, 2, p, 2, n, 1, &eps) && n[1] > 0)
    ln_fwd(p[0], p[1], n[0], n[1], (float)eps);
  return NULL;
}

static napi_value LayerNormBackward(napi_env env, napi_callback_info info) {
  float* p[3];
  int64_t n[2];  // rows, D
  double eps;
  if (kernel_args(env, info, 3, p, 2, n, 1, &eps) && n[1] > 0)
    ln_bwd(p[0], p[1], p[2], n[0], n[1], (float)eps);
  return NULL;
}

// ---------------------------------------------------------------------------------------------
// Fused optimizer update of data-parallel training (tf's Adam and the trainer's EMA are ~13
// small wasm kernels per variable, ~70 variables a step). Per element, in float32 and in
// tf.js's operation order (AdamOptimizer.applyGradients, then Trainer.applyGradients' EMA):
//   g = grad·scale;  m = m·β1 + g·(1−β1);  v = v·β2 + (g·g)·(1−β2)
//   w = (m/(1−acc1)) / (sqrt(v/(1−acc2)) + ε) · (−lr) + w;  e = e·d + w·(1−d)
// Every constant is rounded to float as tf.js rounds a JS number into a scalar tensor, and no
// multiply–add is contracted into an FMA (wasm has none): the results are the wasm kernels'.
//   adamEmaUpdate(heap, wOff, mOff, vOff, eOff (−1: no EMA), grad, gradOffset, n, scale, lr,
//                 beta1, beta2, epsilon, oneMinusAccBeta1, oneMinusAccBeta2, emaDecay)
// w, m, v, e: byte offsets into the heap, disjoint; grad: a Float32Array (JS memory), from
// element gradOffset. 1 − acc1 and 1 − acc2 come as tf computes them (float32 subtractions).
//   gradAverage(out | null, slots, weights) → Σ avg² (a double)
// avg[i] = Σ_k weights[k]·slots[k][i], each term added in double and rounded to float, as the
// JS loop `avg[i] += f * g[i]` over a Float32Array (out null: only the sum of squares).
// ---------------------------------------------------------------------------------------------

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")
#endif

__attribute__((target_clones("avx512f", "avx2", "default"))) static void adam_ema(
    float* restrict w, float* restrict m, float* restrict v, float* restrict e,
    const float* restrict grad, int64_t n, float scale, float b1, float omb1, float b2,
    float omb2, float omab1, float omab2, float eps, float nlr, float d, float omd) {
#if defined(__clang__)
#pragma clang fp contract(off)
#endif
  for (int64_t i = 0; i < n; i++) {
    const float g = grad[i] * scale;
    const float mi = m[i] * b1 + g * omb1;
    const float vi = v[i] * b2 + (g * g) * omb2;
    m[i] = mi;
    v[i] = vi;
    w[i] = ((mi / omab1) / (__builtin_sqrtf(vi / omab2) + eps)) * nlr + w[i];
  }
  if (e)
    for (int64_t i = 0; i < n; i++) e[i] = e[i] * d + w[i] * omd;
}

__attribute__((target_clones("avx512f", "avx2", "default"))) static void average_into(
    float* restrict out, const float* const* slots, const double* f, int64_t K, int64_t n) {
#if defined(__clang__)
#pragma clang fp contract(off)
#endif
  for (int64_t i = 0; i < n; i++) {
    float a = 0.0f;
    for (int64_t k = 0; k < K; k++) a = (float)((double)a + f[k] * (double)slots[k][i]);
    out[i] = a;
  }
}

// Σ x² in double over 8 interleaved partial sums, added in a fixed order (deterministic: every
// replica gets the same bits; it may differ from one sequential sum in the last bits).
__attribute__((target_clones("avx512f", "avx2", "default"))) static double sum_squares(
    const float* restrict x, int64_t n) {
#if defined(__clang__)
#pragma clang fp contract(off)
#endif
  double s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; j++) s[j] += (double)x[i + j] * (double)x[i + j];
  for (int j = 0; i < n; i++, j++) s[j] += (double)x[i] * (double)x[i];
  return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif

static int float32_array(napi_env env, napi_value v, float** data, size_t* length) {
  bool is;
  napi_typedarray_type type;
  void* p;
  napi_value ab;
  size_t offset;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is ||
      napi_get_typedarray_info(env, v, &type, length, &p, &ab, &offset) != napi_ok ||
      type != napi_float32_array)
    return 0;
  *data = (float*)p;
  return 1;
}

static napi_value AdamEmaUpdate(napi_env env, napi_callback_info info) {
  size_t argc = 16;
  napi_value argv[16];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 16) {
    napi_throw_type_error(env, NULL, "adamEmaUpdate: expected 16 arguments");
    return NULL;
  }
  uint8_t* heap;
  size_t length;
  if (!heap_pointer(env, argv[0], &heap, &length)) {
    napi_throw_type_error(env, NULL, "adamEmaUpdate: heap must be an ArrayBuffer or Uint8Array");
    return NULL;
  }
  float* grad;
  size_t gradLength;
  if (!float32_array(env, argv[5], &grad, &gradLength)) {
    napi_throw_type_error(env, NULL, "adamEmaUpdate: grad must be a Float32Array");
    return NULL;
  }
  double off[4];
  for (int i = 0; i < 4; i++) CHECK(napi_get_value_double(env, argv[1 + i], &off[i]));
  int64_t gradOffset, n;
  CHECK(napi_get_value_int64(env, argv[6], &gradOffset));
  CHECK(napi_get_value_int64(env, argv[7], &n));
  double c[8];  // scale, lr, beta1, beta2, epsilon, 1 − acc1, 1 − acc2, ema decay
  for (int i = 0; i < 8; i++) CHECK(napi_get_value_double(env, argv[8 + i], &c[i]));
  if (n < 0 || gradOffset < 0 || (uint64_t)gradOffset + (uint64_t)n > gradLength) {
    napi_throw_range_error(env, NULL, "adamEmaUpdate: gradient range outside grad");
    return NULL;
  }
  const int ema = off[3] >= 0;
  const int count = ema ? 4 : 3;
  for (int i = 0; i < count; i++)
    if (!fits(off[i], 1, 0, 1, n, length)) {
      napi_throw_range_error(env, NULL, "adamEmaUpdate: operand outside the heap");
      return NULL;
    }
  for (int i = 0; i < count; i++)
    for (int j = i + 1; j < count; j++)
      if (n > 0 && off[i] < off[j] + n * 4 && off[j] < off[i] + n * 4) {
        napi_throw_range_error(env, NULL, "adamEmaUpdate: operands overlap");
        return NULL;
      }
  float* p[4];
  for (int i = 0; i < count; i++) p[i] = (float*)(heap + (int64_t)off[i]);
  adam_ema(p[0], p[1], p[2], ema ? p[3] : NULL, grad + gradOffset, n, (float)c[0], (float)c[2],
           (float)(1.0 - c[2]), (float)c[3], (float)(1.0 - c[3]), (float)c[5], (float)c[6],
           (float)c[4], (float)(-c[1]), (float)c[7], (float)(1.0 - c[7]));
  return NULL;
}

#define MAX_SLOTS 256

static napi_value GradAverage(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 3) {
    napi_throw_type_error(env, NULL, "gradAverage: expected 3 arguments");
    return NULL;
  }
  napi_valuetype outType;
  CHECK(napi_typeof(env, argv[0], &outType));
  float* out = NULL;
  size_t n = 0;
  if (outType != napi_null && !float32_array(env, argv[0], &out, &n)) {
    napi_throw_type_error(env, NULL, "gradAverage: out must be a Float32Array or null");
    return NULL;
  }
  uint32_t K, Kw;
  bool isArray;
  CHECK(napi_is_array(env, argv[1], &isArray));
  if (isArray) CHECK(napi_get_array_length(env, argv[1], &K));
  if (!isArray || napi_is_array(env, argv[2], &isArray) != napi_ok || !isArray ||
      napi_get_array_length(env, argv[2], &Kw) != napi_ok || K != Kw || K < 1 ||
      K > MAX_SLOTS) {
    napi_throw_type_error(env, NULL, "gradAverage: slots and weights: arrays of 1–256, alike");
    return NULL;
  }
  const float* slots[MAX_SLOTS];
  double f[MAX_SLOTS];
  for (uint32_t k = 0; k < K; k++) {
    napi_value s, w;
    float* data;
    size_t len;
    CHECK(napi_get_element(env, argv[1], k, &s));
    CHECK(napi_get_element(env, argv[2], k, &w));
    if (!float32_array(env, s, &data, &len) || napi_get_value_double(env, w, &f[k]) != napi_ok) {
      napi_throw_type_error(env, NULL, "gradAverage: slots are Float32Arrays, weights numbers");
      return NULL;
    }
    if (!out && k == 0) n = len;
    if (len != n) {
      napi_throw_range_error(env, NULL, "gradAverage: slots and out differ in length");
      return NULL;
    }
    slots[k] = data;
  }
  double sq;
  if (out) {
    for (uint32_t k = 0; k < K; k++)
      if ((const float*)out < slots[k] + n && slots[k] < (const float*)out + n) {
        napi_throw_range_error(env, NULL, "gradAverage: out overlaps a slot");
        return NULL;
      }
    average_into(out, slots, f, K, (int64_t)n);
    sq = sum_squares(out, (int64_t)n);
  } else if (K == 1 && f[0] == 1.0) {
    sq = sum_squares(slots[0], (int64_t)n);
  } else {
    napi_throw_range_error(env, NULL, "gradAverage: without out, one slot of weight 1");
    return NULL;
  }
  napi_value result;
  CHECK(napi_create_double(env, sq, &result));
  return result;
}

static napi_value Threads(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  CHECK(napi_create_int32(env, openblas_get_num_threads(), &out));
  return out;
}

static napi_value Config(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  const char* s = openblas_get_config();
  CHECK(napi_create_string_utf8(env, s ? s : "", NAPI_AUTO_LENGTH, &out));
  return out;
}

NAPI_MODULE_INIT() {
  openblas_set_num_threads(1);
  napi_property_descriptor props[] = {
      {"sgemmBatched", NULL, SgemmBatched, NULL, NULL, NULL, napi_enumerable, NULL},
      {"geluForward", NULL, GeluForward, NULL, NULL, NULL, napi_enumerable, NULL},
      {"geluBackward", NULL, GeluBackward, NULL, NULL, NULL, napi_enumerable, NULL},
      {"layerNormForward", NULL, LayerNormForward, NULL, NULL, NULL, napi_enumerable, NULL},
      {"layerNormBackward", NULL, LayerNormBackward, NULL, NULL, NULL, napi_enumerable, NULL},
      {"adamEmaUpdate", NULL, AdamEmaUpdate, NULL, NULL, NULL, napi_enumerable, NULL},
      {"gradAverage", NULL, GradAverage, NULL, NULL, NULL, napi_enumerable, NULL},
      {"threads", NULL, Threads, NULL, NULL, NULL, napi_enumerable, NULL},
      {"config", NULL, Config, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok)
    return NULL;
  return exports;
}
