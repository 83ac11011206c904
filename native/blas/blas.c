// A tiny N-API addon: float32 matrix multiply through the system's OpenBLAS (cblas_sgemm), so
// tfjs's wasm backend can hand its BatchMatMul to a multithreaded, AVX-tuned GEMM.
#define NAPI_VERSION 8
#include <node_api.h>
#include <cblas.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

// Declared by OpenBLAS's cblas.h, not by every cblas.h (netlib's lacks it).
int openblas_get_num_threads(void);

#define CHECK(call)                                                   \
  do {                                                                \
    if ((call) != napi_ok) {                                          \
      napi_throw_error(env, NULL, "blas: N-API call failed: " #call); \
      return NULL;                                                    \
    }                                                                 \
  } while (0)

static napi_value type_error(napi_env env, const char* message) {
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

// A non-negative integer argument that fits a 32-bit blasint.
static bool get_dim(napi_env env, napi_value value, int64_t* out) {
  napi_valuetype type;
  double d;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_number) return false;
  if (napi_get_value_double(env, value, &d) != napi_ok) return false;
  if (!(d >= 0 && d <= INT_MAX) || d != (double)(int64_t)d) return false;
  *out = (int64_t)d;
  return true;
}

// The float32 data of a Float32Array. N-API's `data` already includes the view's byte offset,
// so a view into WebAssembly memory (HEAPF32.subarray, new Float32Array(buf, offset, n)) works.
static bool get_f32(napi_env env, napi_value value, float** data, size_t* length) {
  bool is_typed;
  napi_typedarray_type type;
  void* ptr;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed) return false;
  if (napi_get_typedarray_info(env, value, &type, length, &ptr, NULL, NULL) != napi_ok) return false;
  if (type != napi_float32_array) return false;
  *data = (float*)ptr;
  return true;
}

// sgemm(transA, transB, m, n, k, a, b, c, batch = 1): for each of `batch` row-major matrices
// stacked contiguously, c = op(a) (m x k) * op(b) (k x n); c is overwritten.
static napi_value sgemm(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 8) return type_error(env, "sgemm(transA, transB, m, n, k, a, b, c, batch?) needs at least 8 arguments");

  bool trans_a, trans_b;
  if (napi_get_value_bool(env, argv[0], &trans_a) != napi_ok || napi_get_value_bool(env, argv[1], &trans_b) != napi_ok)
    return type_error(env, "sgemm: transA and transB must be booleans");
  int64_t m, n, k, batch = 1;
  if (!get_dim(env, argv[2], &m) || !get_dim(env, argv[3], &n) || !get_dim(env, argv[4], &k))
    return type_error(env, "sgemm: m, n and k must be integers in [0, 2^31)");
  if (argc > 8) {
    napi_valuetype t;
    CHECK(napi_typeof(env, argv[8], &t));
    if (t != napi_undefined && !get_dim(env, argv[8], &batch))
      return type_error(env, "sgemm: batch must be an integer in [0, 2^31)");
  }
  float *a, *b, *c;
  size_t la, lb, lc;
  if (!get_f32(env, argv[5], &a, &la) || !get_f32(env, argv[6], &b, &lb) || !get_f32(env, argv[7], &c, &lc))
    return type_error(env, "sgemm: a, b and c must be Float32Arrays");

  // Each factor is < 2^31, so the per-matrix sizes fit in 62 bits; the batch product is checked.
  const uint64_t sa = (uint64_t)m * k, sb = (uint64_t)k * n, sc = (uint64_t)m * n;
  const uint64_t big = sa > sb ? (sa > sc ? sa : sc) : (sb > sc ? sb : sc);
  if (batch > 0 && big > SIZE_MAX / (uint64_t)batch) return type_error(env, "sgemm: batch * matrix size overflows");
  if (la < sa * batch || lb < sb * batch || lc < sc * batch) {
    char msg[256];
    snprintf(msg, sizeof msg,
             "sgemm: arrays too short for batch=%lld m=%lld n=%lld k=%lld: a has %zu (needs %llu), b has %zu "
             "(needs %llu), c has %zu (needs %llu)",
             (long long)batch, (long long)m, (long long)n, (long long)k, la, (unsigned long long)(sa * batch), lb,
             (unsigned long long)(sb * batch), lc, (unsigned long long)(sc * batch));
    return type_error(env, msg);
  }

  if (m > 0 && n > 0) {
    if (k == 0) {
      memset(c, 0, sizeof(float) * sc * batch);  // an empty sum; BLAS would reject lda = 0
    } else {
      // Row-major leading dimensions: the stored row length of each operand.
      const int lda = (int)(trans_a ? m : k), ldb = (int)(trans_b ? k : n), ldc = (int)n;
      for (int64_t i = 0; i < batch; i++)
        cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, (int)m,
                    (int)n, (int)k, 1.0f, a + i * sa, lda, b + i * sb, ldb, 0.0f, c + i * sc, ldc);
    }
  }
  napi_value undefined;
  CHECK(napi_get_undefined(env, &undefined));
  return undefined;
}

static napi_value threads(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  CHECK(napi_create_int32(env, openblas_get_num_threads(), &result));
  return result;
}

// Context-aware (NAPI_MODULE_INIT), so worker threads may load it too.
NAPI_MODULE_INIT() {
  napi_value fn;
  /* V8's CPU profiler names every N-API callback after the last one created (they share one
     trampoline): create sgemm last, so that profiles show the time where it is spent. */
  CHECK(napi_create_function(env, "threads", NAPI_AUTO_LENGTH, threads, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "threads", fn));
  CHECK(napi_create_function(env, "sgemm", NAPI_AUTO_LENGTH, sgemm, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "sgemm", fn));
  return exports;
}
