// A small N-API addon: float32 matrix multiply through the system's OpenBLAS (cblas_sgemm), so
// tfjs's wasm backend can hand its BatchMatMul, _FusedMatMul (bias and activation applied here)
// and 2-D convolutions with their gradients (im2col + sgemm) to a multithreaded, AVX-tuned GEMM.
#define NAPI_VERSION 8
#include <node_api.h>
#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Declared by OpenBLAS's cblas.h, not by every cblas.h (netlib's lacks it).
int openblas_get_num_threads(void);
void openblas_set_num_threads(int);

// OpenBLAS's thread count is one per process (0.3.21 has no per-call setting), but the addon is
// loaded once per thread that uses it (the kernel's main thread, pool workers, ranks): each
// instance keeps the count it wants and sets it before its calls, so a pool worker's one-thread
// GEMM runs inline on its own core while the main thread's uses every core. Two instances that
// want different counts and call at the same moment may see each other's count for that call.
static int default_threads = 0;  // OpenBLAS's own choice, read once before any instance changes it
static pthread_once_t default_once = PTHREAD_ONCE_INIT;
static void read_default_threads(void) { default_threads = openblas_get_num_threads(); }

typedef struct {
  int threads;
} instance_t;

static void use_threads(napi_env env) {
  instance_t* inst = NULL;
  if (napi_get_instance_data(env, (void**)&inst) != napi_ok || !inst) return;
  if (openblas_get_num_threads() != inst->threads) openblas_set_num_threads(inst->threads);
}

#define CHECK(call)                                                   \
  do {                                                                \
    if ((call) != napi_ok) {                                          \
      napi_throw_error(env, NULL, "blas: N-API call failed: " #call); \
      return NULL;                                                    \
    }                                                                 \
  } while (0)

// What a function that only writes into its arrays returns.
static napi_value undefined_value(napi_env env) {
  napi_value undefined;
  CHECK(napi_get_undefined(env, &undefined));
  return undefined;
}

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

// tfjs's FusableActivation codes (tfjs-backend-wasm kernels/types.ts); prelu (3) stays in tfjs.
enum { ACT_LINEAR = 0, ACT_RELU = 1, ACT_RELU6 = 2, ACT_LEAKYRELU = 4, ACT_SIGMOID = 5, ACT_ELU = 6 };

static bool valid_activation(int act) { return act >= 0 && act <= 6 && act != 3; }

// The activation over n floats, with tfjs's cpu kernels' formulas.
static void activate(float* c, size_t n, int act, float alpha) {
  switch (act) {
    case ACT_RELU:
      for (size_t i = 0; i < n; i++) c[i] = c[i] < 0 ? 0 : c[i];
      break;
    case ACT_RELU6:
      for (size_t i = 0; i < n; i++) c[i] = c[i] < 0 ? 0 : (c[i] > 6 ? 6 : c[i]);
      break;
    case ACT_LEAKYRELU:
      for (size_t i = 0; i < n; i++) c[i] = c[i] < 0 ? alpha * c[i] : c[i];
      break;
    case ACT_SIGMOID:
      for (size_t i = 0; i < n; i++) c[i] = 1.0f / (1.0f + expf(-c[i]));
      break;
    case ACT_ELU:
      for (size_t i = 0; i < n; i++) c[i] = c[i] >= 0 ? c[i] : expm1f(c[i]);
      break;
    default:
      break;
  }
}

// Fills `rows` rows of n floats with the bias (n values, or 1 broadcast): GEMM then adds with beta = 1.
static void fill_bias(float* c, size_t rows, size_t n, const float* bias, size_t bias_len) {
  for (size_t r = 0; r < rows; r++) {
    float* row = c + r * n;
    if (bias_len == 1)
      for (size_t j = 0; j < n; j++) row[j] = bias[0];
    else
      memcpy(row, bias, n * sizeof(float));
  }
}

// The optional bias (a Float32Array, or undefined/null), activation code and alpha at argv[i..i+2].
static bool get_epilogue(napi_env env, napi_value* argv, size_t argc, size_t i, float** bias, size_t* bias_len, int* act,
                         float* alpha) {
  *bias = NULL;
  *bias_len = 0;
  *act = ACT_LINEAR;
  *alpha = 0;
  napi_valuetype t;
  if (argc > i && napi_typeof(env, argv[i], &t) == napi_ok && t != napi_undefined && t != napi_null) {
    if (!get_f32(env, argv[i], bias, bias_len)) return false;
  }
  if (argc > i + 1 && napi_typeof(env, argv[i + 1], &t) == napi_ok && t != napi_undefined) {
    int64_t a;
    if (!get_dim(env, argv[i + 1], &a) || !valid_activation((int)a)) return false;
    *act = (int)a;
  }
  if (argc > i + 2 && napi_typeof(env, argv[i + 2], &t) == napi_ok && t == napi_number) {
    double d;
    if (napi_get_value_double(env, argv[i + 2], &d) != napi_ok) return false;
    *alpha = (float)d;
  }
  return true;
}

// sgemm(transA, transB, m, n, k, a, b, c, batch = 1, bias?, activation = 0, alpha = 0): for each of
// `batch` row-major matrices stacked contiguously, c = act(op(a) (m x k) * op(b) (k x n) + bias);
// c is overwritten. The bias has n values or 1 (broadcast over rows); activation is tfjs's code.
static napi_value sgemm(napi_env env, napi_callback_info info) {
  size_t argc = 12;
  napi_value argv[12];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 8) return type_error(env, "sgemm(transA, transB, m, n, k, a, b, c, batch?, bias?, activation?, alpha?) needs at least 8 arguments");

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
  float* bias;
  size_t bias_len;
  int act;
  float alpha;
  if (!get_epilogue(env, argv, argc, 9, &bias, &bias_len, &act, &alpha))
    return type_error(env, "sgemm: bias must be a Float32Array (or undefined), activation one of 0, 1, 2, 4, 5, 6");
  if (bias && bias_len != 1 && bias_len != (size_t)n) return type_error(env, "sgemm: the bias must have n values, or 1");

  if (m > 0 && n > 0) {
    if (bias)
      fill_bias(c, (size_t)(m * batch), (size_t)n, bias, bias_len);
    else if (k == 0)
      memset(c, 0, sizeof(float) * sc * batch);  // an empty sum; BLAS would reject lda = 0
    if (k > 0) {
      use_threads(env);
      // Row-major leading dimensions: the stored row length of each operand.
      const int lda = (int)(trans_a ? m : k), ldb = (int)(trans_b ? k : n), ldc = (int)n;
      for (int64_t i = 0; i < batch; i++)
        cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, (int)m,
                    (int)n, (int)k, 1.0f, a + i * sa, lda, b + i * sb, ldb, bias ? 1.0f : 0.0f, c + i * sc, ldc);
    }
    activate(c, sc * batch, act, alpha);
  }
  return undefined_value(env);
}

// ---------------------------------------------------------------------------------------------
// 2-D convolution, NHWC input and output, HWIO filter (tfjs's layouts), as im2col + sgemm: each
// output pixel's receptive field becomes one row of a (pixels x fh*fw*C) matrix, so the whole
// convolution is one GEMM against the (fh*fw*C x O) filter. The gradients are the same GEMM
// transposed: dx = col2im(dy * W^T), dW = im2col(x)^T * dy.

// The geometry, as the TypeScript side passes it (an Int32Array of GEOM_LEN).
enum { G_BATCH, G_IN_H, G_IN_W, G_IN_C, G_OUT_H, G_OUT_W, G_OUT_C, G_FH, G_FW, G_SH, G_SW, G_DH, G_DW, G_PAD_TOP, G_PAD_LEFT, GEOM_LEN };

typedef struct {
  int64_t batch, in_h, in_w, in_c, out_h, out_w, out_c, fh, fw, sh, sw, dh, dw, pad_top, pad_left;
} geom_t;

static bool get_geom(napi_env env, napi_value value, geom_t* g) {
  bool is_typed;
  napi_typedarray_type type;
  size_t length;
  void* ptr;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed) return false;
  if (napi_get_typedarray_info(env, value, &type, &length, &ptr, NULL, NULL) != napi_ok) return false;
  if (type != napi_int32_array || length < GEOM_LEN) return false;
  const int32_t* v = (const int32_t*)ptr;
  for (int i = 0; i < GEOM_LEN; i++)
    if (v[i] < 0 && i != G_PAD_TOP && i != G_PAD_LEFT) return false;
  *g = (geom_t){v[G_BATCH], v[G_IN_H], v[G_IN_W], v[G_IN_C], v[G_OUT_H], v[G_OUT_W], v[G_OUT_C], v[G_FH],
                v[G_FW],    v[G_SH],   v[G_SW],   v[G_DH],   v[G_DW],    v[G_PAD_TOP], v[G_PAD_LEFT]};
  return g->sh > 0 && g->sw > 0 && g->dh > 0 && g->dw > 0;
}

// A 1x1 filter with stride 1 and no padding reads x as it is: no im2col.
static bool is_pointwise(const geom_t* g) {
  return g->fh == 1 && g->fw == 1 && g->sh == 1 && g->sw == 1 && g->pad_top == 0 && g->pad_left == 0 &&
         g->out_h == g->in_h && g->out_w == g->in_w;
}

// Images per im2col chunk: the column buffer stays near 8 MiB (measured on the 28x28x1, 3x3x32
// layer at batch 128: 8 MiB chunks ran the forward GEMM as fast as one 3 MiB buffer per batch,
// and a 224x224x64 layer would otherwise need 1.7 GiB per 16 images).
static int64_t chunk_images(const geom_t* g) {
  const int64_t row = g->out_h * g->out_w * g->fh * g->fw * g->in_c;
  int64_t n = row > 0 ? (int64_t)(8 << 20) / (int64_t)sizeof(float) / row : g->batch;
  return n < 1 ? 1 : (n > g->batch ? g->batch : n);
}

// cols[(i*OH + oh)*OW + ow][(kh*FW + kw)*C + c] = x[n0 + i][ih][iw][c], or 0 in the padding.
static void im2col(const geom_t* g, const float* restrict x, int64_t n0, int64_t images, float* restrict cols) {
  const int64_t C = g->in_c, K = g->fh * g->fw * C;
  for (int64_t i = 0; i < images; i++) {
    const float* img = x + (n0 + i) * g->in_h * g->in_w * C;
    for (int64_t oh = 0; oh < g->out_h; oh++)
      for (int64_t ow = 0; ow < g->out_w; ow++) {
        float* row = cols + ((i * g->out_h + oh) * g->out_w + ow) * K;
        for (int64_t kh = 0; kh < g->fh; kh++) {
          const int64_t ih = oh * g->sh - g->pad_top + kh * g->dh;
          float* dst = row + kh * g->fw * C;
          if (ih < 0 || ih >= g->in_h) {
            memset(dst, 0, sizeof(float) * g->fw * C);
            continue;
          }
          for (int64_t kw = 0; kw < g->fw; kw++, dst += C) {
            const int64_t iw = ow * g->sw - g->pad_left + kw * g->dw;
            if (iw < 0 || iw >= g->in_w)
              memset(dst, 0, sizeof(float) * C);
            else if (C == 1)
              *dst = img[ih * g->in_w + iw];
            else
              memcpy(dst, img + (ih * g->in_w + iw) * C, sizeof(float) * C);
          }
        }
      }
  }
}

// The adjoint of im2col: dx[n0 + i][ih][iw][c] += cols[...] (dx already zeroed).
static void col2im(const geom_t* g, const float* restrict cols, int64_t n0, int64_t images, float* restrict dx) {
  const int64_t C = g->in_c, K = g->fh * g->fw * C;
  for (int64_t i = 0; i < images; i++) {
    float* img = dx + (n0 + i) * g->in_h * g->in_w * C;
    for (int64_t oh = 0; oh < g->out_h; oh++)
      for (int64_t ow = 0; ow < g->out_w; ow++) {
        const float* row = cols + ((i * g->out_h + oh) * g->out_w + ow) * K;
        for (int64_t kh = 0; kh < g->fh; kh++) {
          const int64_t ih = oh * g->sh - g->pad_top + kh * g->dh;
          if (ih < 0 || ih >= g->in_h) continue;
          const float* src = row + kh * g->fw * C;
          for (int64_t kw = 0; kw < g->fw; kw++, src += C) {
            const int64_t iw = ow * g->sw - g->pad_left + kw * g->dw;
            if (iw < 0 || iw >= g->in_w) continue;
            float* dst = img + (ih * g->in_w + iw) * C;
            for (int64_t c = 0; c < C; c++) dst[c] += src[c];
          }
        }
      }
  }
}

typedef enum { CONV_FORWARD, CONV_BACKPROP_INPUT, CONV_BACKPROP_FILTER } conv_kind;

// Checks that the three arrays hold the tensors the geometry says: x (or dx), the filter (or dW), out (or dy).
static bool conv_sizes_ok(const geom_t* g, size_t lx, size_t lw, size_t lo) {
  const uint64_t nx = (uint64_t)g->batch * g->in_h * g->in_w * g->in_c;
  const uint64_t nw = (uint64_t)g->fh * g->fw * g->in_c * g->out_c;
  const uint64_t no = (uint64_t)g->batch * g->out_h * g->out_w * g->out_c;
  return lx >= nx && lw >= nw && lo >= no && g->fh * g->fw * g->in_c < INT_MAX && g->out_h * g->out_w * g->batch < INT_MAX;
}

// One convolution pass over the batch, chunk by chunk. x/w/y are: forward x, filter, out;
// backprop input dx, filter, dy; backprop filter x, dW, dy.
static const char* conv_run(napi_env env, conv_kind kind, const geom_t* g, float* x, float* w, float* y, const float* bias,
                            size_t bias_len, int act, float alpha) {
  const int64_t K = g->fh * g->fw * g->in_c, O = g->out_c, pixels = g->out_h * g->out_w;
  const int64_t x_img = g->in_h * g->in_w * g->in_c;
  const bool pointwise = is_pointwise(g);
  const int64_t chunk = pointwise ? g->batch : chunk_images(g);
  float* cols = NULL;
  if (!pointwise && g->batch > 0 && K > 0 && pixels > 0) {
    cols = malloc(sizeof(float) * (size_t)(chunk * pixels * K));
    if (!cols) return "conv2d: out of memory for the im2col buffer";
  }
  if (kind == CONV_BACKPROP_INPUT) memset(x, 0, sizeof(float) * (size_t)(g->batch * x_img));
  if (kind == CONV_BACKPROP_FILTER) memset(w, 0, sizeof(float) * (size_t)(K * O));
  use_threads(env);
  for (int64_t n0 = 0; n0 < g->batch && K > 0 && O > 0 && pixels > 0; n0 += chunk) {
    const int64_t images = g->batch - n0 < chunk ? g->batch - n0 : chunk, rows = images * pixels;
    float* out = y + n0 * pixels * O;
    float* c = pointwise ? x + n0 * x_img : cols;
    switch (kind) {
      case CONV_FORWARD:
        if (!pointwise) im2col(g, x, n0, images, cols);
        if (bias) fill_bias(out, (size_t)rows, (size_t)O, bias, bias_len);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)O, (int)K, 1.0f, c, (int)K, w, (int)O,
                    bias ? 1.0f : 0.0f, out, (int)O);
        activate(out, (size_t)(rows * O), act, alpha);
        break;
      case CONV_BACKPROP_INPUT:
        // dcols (rows x K) = dy (rows x O) * W^T; pointwise writes dx directly.
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)K, (int)O, 1.0f, out, (int)O, w, (int)O, 0.0f, c,
                    (int)K);
        if (!pointwise) col2im(g, cols, n0, images, x);
        break;
      case CONV_BACKPROP_FILTER:
        if (!pointwise) im2col(g, x, n0, images, cols);
        // dW (K x O) += cols^T (K x rows) * dy (rows x O)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)K, (int)O, (int)rows, 1.0f, c, (int)K, out, (int)O, 1.0f, w,
                    (int)O);
        break;
    }
  }
  free(cols);
  return NULL;
}

// conv2d(kind, geom, x, w, y, bias?, activation?, alpha?): kind 0 forward (y = act(conv(x, w) + bias)),
// 1 backprop input (x = dx from y = dy and w), 2 backprop filter (w = dW from x and y = dy).
static napi_value conv2d(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 5) return type_error(env, "conv2d(kind, geom, x, w, y, bias?, activation?, alpha?) needs at least 5 arguments");
  int64_t kind;
  geom_t g;
  if (!get_dim(env, argv[0], &kind) || kind > CONV_BACKPROP_FILTER) return type_error(env, "conv2d: kind must be 0, 1 or 2");
  if (!get_geom(env, argv[1], &g)) return type_error(env, "conv2d: geom must be an Int32Array of 15 sizes (strides and dilations > 0)");
  float *x, *w, *y;
  size_t lx, lw, ly;
  if (!get_f32(env, argv[2], &x, &lx) || !get_f32(env, argv[3], &w, &lw) || !get_f32(env, argv[4], &y, &ly))
    return type_error(env, "conv2d: x, w and y must be Float32Arrays");
  if (!conv_sizes_ok(&g, lx, lw, ly)) return type_error(env, "conv2d: the arrays are shorter than the geometry says, or it is too large");
  float* bias;
  size_t bias_len;
  int act;
  float alpha;
  if (!get_epilogue(env, argv, argc, 5, &bias, &bias_len, &act, &alpha))
    return type_error(env, "conv2d: bias must be a Float32Array (or undefined), activation one of 0, 1, 2, 4, 5, 6");
  if (bias && bias_len != 1 && bias_len != (size_t)g.out_c) return type_error(env, "conv2d: the bias must have outChannels values, or 1");
  const char* failure = conv_run(env, (conv_kind)kind, &g, x, w, y, bias, bias_len, act, alpha);
  if (failure) {
    napi_throw_error(env, NULL, failure);
    return NULL;
  }
  return undefined_value(env);
}

// ---------------------------------------------------------------------------------------------
// Two ops a convolutional model's training step spends most of its time in on wasm, outside the
// GEMMs (tf.profile, one epoch of the 3x3x32 conv + 2x2 max-pool + dense model at batch 128):
// MaxPoolGrad, 68 ms a step (XNNPACK has none: tfjs's wasm kernel is a scalar loop), and the
// bias gradient's Sum over [128, 26, 26, 32] -> [32], 22 ms a step (wasm transposes first).

// Channels innermost (NHWC's contiguous axis): each window position compares C values at once.
// restrict pointers, int32 positions and a branchless select let gcc vectorize the compare
// (measured on the CNN's [128, 26, 26, 32] 2x2 pool: 12.4 ms a call with int64 positions and
// branches, 6.4 ms like this).
static void max_pool_grad_loop(const geom_t* g, const float* restrict dy, const float* restrict x, float* restrict dx,
                               float* restrict best, int32_t* restrict at) {
  const int64_t C = g->in_c;
  for (int64_t n = 0; n < g->batch; n++) {
    const float* img = x + n * g->in_h * g->in_w * C;
    float* dimg = dx + n * g->in_h * g->in_w * C;
    for (int64_t oh = 0; oh < g->out_h; oh++)
      for (int64_t ow = 0; ow < g->out_w; ow++) {
        const float* grad = dy + ((n * g->out_h + oh) * g->out_w + ow) * C;
        for (int64_t c = 0; c < C; c++) {
          best[c] = -INFINITY;
          at[c] = -1;
        }
        for (int64_t kh = 0; kh < g->fh; kh++) {
          const int64_t ih = oh * g->sh - g->pad_top + kh * g->dh;
          if (ih < 0 || ih >= g->in_h) continue;
          for (int64_t kw = 0; kw < g->fw; kw++) {
            const int64_t iw = ow * g->sw - g->pad_left + kw * g->dw;
            if (iw < 0 || iw >= g->in_w) continue;
            const int32_t base = (int32_t)((ih * g->in_w + iw) * C);
            const float* px = img + base;
            for (int32_t c = 0; c < (int32_t)C; c++) {
              // strictly greater: the first maximum wins, as in tfjs's cpu kernel
              const int32_t more = -(int32_t)(px[c] > best[c]);
              best[c] = more ? px[c] : best[c];
              at[c] = (at[c] & ~more) | ((base + c) & more);
            }
          }
        }
        for (int64_t c = 0; c < C; c++)
          if (at[c] >= 0) dimg[at[c]] += grad[c];
      }
  }
}

// maxPool(geom, x, y): y = the maximum of each window of x (padding excluded), channels innermost.
// tfjs's wasm MaxPool (XNNPACK) took ~3.5-5.7 ms a step on the CNN's [128, 26, 26, 32] 2x2 pool
// under tf.profile on this shared VM; this loop reads x once.
static void max_pool_loop(const geom_t* g, const float* restrict x, float* restrict y) {
  const int64_t C = g->in_c;
  for (int64_t n = 0; n < g->batch; n++) {
    const float* img = x + n * g->in_h * g->in_w * C;
    for (int64_t oh = 0; oh < g->out_h; oh++)
      for (int64_t ow = 0; ow < g->out_w; ow++) {
        float* out = y + ((n * g->out_h + oh) * g->out_w + ow) * C;
        for (int64_t c = 0; c < C; c++) out[c] = -INFINITY;
        for (int64_t kh = 0; kh < g->fh; kh++) {
          const int64_t ih = oh * g->sh - g->pad_top + kh * g->dh;
          if (ih < 0 || ih >= g->in_h) continue;
          for (int64_t kw = 0; kw < g->fw; kw++) {
            const int64_t iw = ow * g->sw - g->pad_left + kw * g->dw;
            if (iw < 0 || iw >= g->in_w) continue;
            const float* px = img + (ih * g->in_w + iw) * C;
            for (int64_t c = 0; c < C; c++) out[c] = px[c] > out[c] ? px[c] : out[c];
          }
        }
      }
  }
}

static napi_value max_pool(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  geom_t g;
  float *x, *y;
  size_t lx, ly;
  if (argc < 3 || !get_geom(env, argv[0], &g) || !get_f32(env, argv[1], &x, &lx) || !get_f32(env, argv[2], &y, &ly))
    return type_error(env, "maxPool(geom, x, y): an Int32Array geometry and two Float32Arrays");
  if (g.out_c != g.in_c || lx < (uint64_t)g.batch * g.in_h * g.in_w * g.in_c || ly < (uint64_t)g.batch * g.out_h * g.out_w * g.in_c)
    return type_error(env, "maxPool: the arrays do not match the geometry");
  max_pool_loop(&g, x, y);
  return undefined_value(env);
}

// max_pool_grad(geom, dy, x, dx): dx[argmax of each window of x] += dy, the first maximum of
// the window winning, as in tfjs's cpu kernel. geom as conv2d's (in_c == out_c).
static napi_value max_pool_grad(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  geom_t g;
  float *dy, *x, *dx;
  size_t ldy, lx, ldx;
  if (argc < 4 || !get_geom(env, argv[0], &g) || !get_f32(env, argv[1], &dy, &ldy) || !get_f32(env, argv[2], &x, &lx) ||
      !get_f32(env, argv[3], &dx, &ldx))
    return type_error(env, "maxPoolGrad(geom, dy, x, dx): an Int32Array geometry and three Float32Arrays");
  const uint64_t nx = (uint64_t)g.batch * g.in_h * g.in_w * g.in_c, ny = (uint64_t)g.batch * g.out_h * g.out_w * g.in_c;
  if (g.out_c != g.in_c || lx < nx || ldx < nx || ldy < ny) return type_error(env, "maxPoolGrad: the arrays do not match the geometry");
  if ((uint64_t)g.in_h * g.in_w * g.in_c >= INT32_MAX) return type_error(env, "maxPoolGrad: an image of 2^31 values or more");
  const int64_t C = g.in_c;
  memset(dx, 0, sizeof(float) * nx);
  float* best = malloc(sizeof(float) * (size_t)(C > 0 ? C : 1));
  int32_t* at = malloc(sizeof(int32_t) * (size_t)(C > 0 ? C : 1));
  if (!best || !at) {
    free(best);
    free(at);
    napi_throw_error(env, NULL, "maxPoolGrad: out of memory");
    return NULL;
  }
  max_pool_grad_loop(&g, dy, x, dx, best, at);
  free(best);
  free(at);
  return undefined_value(env);
}

// sumRows(x, rows, cols, out, axis): x is rows x cols; axis 0 sums each column (out has cols
// values), axis 1 each row (out has rows values). Accumulates in double, as tfjs's cpu kernel does.
static napi_value sum_rows(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int64_t rows, cols, axis;
  float *x, *out;
  size_t lx, lout;
  if (argc < 5 || !get_f32(env, argv[0], &x, &lx) || !get_dim(env, argv[1], &rows) || !get_dim(env, argv[2], &cols) ||
      !get_f32(env, argv[3], &out, &lout) || !get_dim(env, argv[4], &axis) || axis > 1)
    return type_error(env, "sumRows(x, rows, cols, out, axis): a Float32Array, two sizes, a Float32Array and 0 or 1");
  if (lx < (uint64_t)rows * cols || lout < (uint64_t)(axis == 0 ? cols : rows)) return type_error(env, "sumRows: the arrays are too short");
  if (axis == 0) {
    double* acc = calloc((size_t)(cols > 0 ? cols : 1), sizeof(double));
    if (!acc) {
      napi_throw_error(env, NULL, "sumRows: out of memory");
      return NULL;
    }
    for (int64_t i = 0; i < rows; i++) {
      const float* row = x + i * cols;
      for (int64_t j = 0; j < cols; j++) acc[j] += row[j];
    }
    for (int64_t j = 0; j < cols; j++) out[j] = (float)acc[j];
    free(acc);
  } else {
    for (int64_t i = 0; i < rows; i++) {
      const float* row = x + i * cols;
      double acc = 0;
      for (int64_t j = 0; j < cols; j++) acc += row[j];
      out[i] = (float)acc;
    }
  }
  return undefined_value(env);
}

// threads(): the OpenBLAS threads this instance's calls use.
static napi_value threads(napi_env env, napi_callback_info info) {
  (void)info;
  instance_t* inst = NULL;
  CHECK(napi_get_instance_data(env, (void**)&inst));
  napi_value result;
  CHECK(napi_create_int32(env, inst ? inst->threads : openblas_get_num_threads(), &result));
  return result;
}

// setThreads(n): this instance's calls use n OpenBLAS threads (0: OpenBLAS's default, every core).
// Returns the count now in effect.
static napi_value set_threads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int64_t n;
  if (argc < 1 || !get_dim(env, argv[0], &n) || n > 1024) return type_error(env, "setThreads(n): n must be an integer in [0, 1024]");
  instance_t* inst = NULL;
  CHECK(napi_get_instance_data(env, (void**)&inst));
  if (inst) inst->threads = n == 0 ? default_threads : (int)n;
  napi_value result;
  CHECK(napi_create_int32(env, inst ? inst->threads : openblas_get_num_threads(), &result));
  return result;
}

static void free_instance(napi_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  free(data);
}

// Context-aware (NAPI_MODULE_INIT), so worker threads may load it too.
NAPI_MODULE_INIT() {
  pthread_once(&default_once, read_default_threads);
  instance_t* inst = malloc(sizeof *inst);
  if (!inst) {
    napi_throw_error(env, NULL, "blas: out of memory");
    return NULL;
  }
  inst->threads = default_threads;
  CHECK(napi_set_instance_data(env, inst, free_instance, NULL));
  napi_value fn;
  /* V8's CPU profiler names every N-API callback after the last one created (they share one
     trampoline): create the GEMMs last, so that profiles show the time where it is spent. */
  CHECK(napi_create_function(env, "threads", NAPI_AUTO_LENGTH, threads, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "threads", fn));
  CHECK(napi_create_function(env, "setThreads", NAPI_AUTO_LENGTH, set_threads, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "setThreads", fn));
  CHECK(napi_create_function(env, "maxPool", NAPI_AUTO_LENGTH, max_pool, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "maxPool", fn));
  CHECK(napi_create_function(env, "maxPoolGrad", NAPI_AUTO_LENGTH, max_pool_grad, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "maxPoolGrad", fn));
  CHECK(napi_create_function(env, "sumRows", NAPI_AUTO_LENGTH, sum_rows, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "sumRows", fn));
  CHECK(napi_create_function(env, "conv2d", NAPI_AUTO_LENGTH, conv2d, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "conv2d", fn));
  CHECK(napi_create_function(env, "sgemm", NAPI_AUTO_LENGTH, sgemm, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "sgemm", fn));
  return exports;
}
