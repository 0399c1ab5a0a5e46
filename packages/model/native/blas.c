// musar_blas: batched single-precision GEMM on a caller's memory (the TF.js wasm heap) through
// OpenBLAS. One export:
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
      {"threads", NULL, Threads, NULL, NULL, NULL, napi_enumerable, NULL},
      {"config", NULL, Config, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok)
    return NULL;
  return exports;
}
