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
      {"threads", NULL, Threads, NULL, NULL, NULL, napi_enumerable, NULL},
      {"config", NULL, Config, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok)
    return NULL;
  return exports;
}
