// Parallab's MPI bindings: the handful of MPI calls a %%mpi rank needs (the same operations as
// `comm` of %%workers), over MPI_COMM_WORLD. Typed arrays go to MPI zero-copy: the calls pass
// the ArrayBuffer's own data pointer. Point-to-point sends are non-blocking (MPI_Isend from a
// private copy) so that, as in %%workers, `send` never waits for the matching `recv`.
#include <napi.h>
#include <mpi.h>

#include <climits>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

bool initialized_here = false;

struct PendingSend {
  MPI_Request request;
  void* data;
};
std::vector<PendingSend> pending;

void Check(Napi::Env env, int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(rc, text, &length);
  throw Napi::Error::New(env, std::string("MPI: ") + what + " failed: " + std::string(text, length));
}

void RequireInit(Napi::Env env) {
  int done = 0, finalized = 0;
  MPI_Initialized(&done);
  MPI_Finalized(&finalized);
  if (!done || finalized) throw Napi::Error::New(env, "MPI: not initialized (call init() first) or already finalized");
}

/** Frees the buffers of sends that have completed. */
void Reap() {
  if (pending.empty()) return;
  std::vector<PendingSend> still;
  for (auto& p : pending) {
    int flag = 0;
    MPI_Test(&p.request, &flag, MPI_STATUS_IGNORE);
    if (flag) std::free(p.data);
    else still.push_back(p);
  }
  pending.swap(still);
}

int ToCount(Napi::Env env, size_t n, const char* what) {
  if (n > static_cast<size_t>(INT_MAX)) throw Napi::RangeError::New(env, std::string("MPI: ") + what + " is over 2^31-1 elements; split it");
  return static_cast<int>(n);
}

int IntArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (info.Length() <= i || !info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string("MPI: ") + name + " must be a number");
  return info[i].As<Napi::Number>().Int32Value();
}

struct View {
  void* data;
  size_t bytes;
  size_t length;
  napi_typedarray_type type;
};

View ViewArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (info.Length() <= i || !info[i].IsTypedArray()) throw Napi::TypeError::New(info.Env(), std::string("MPI: ") + name + " must be a typed array");
  auto array = info[i].As<Napi::TypedArray>();
  auto buffer = array.ArrayBuffer();
  return {static_cast<uint8_t*>(buffer.Data()) + array.ByteOffset(), array.ByteLength(), array.ElementLength(), array.TypedArrayType()};
}

MPI_Datatype DatatypeOf(Napi::Env env, napi_typedarray_type type) {
  switch (type) {
    case napi_int8_array: return MPI_INT8_T;
    case napi_uint8_array: return MPI_UINT8_T;
    case napi_uint8_clamped_array: return MPI_UINT8_T;
    case napi_int16_array: return MPI_INT16_T;
    case napi_uint16_array: return MPI_UINT16_T;
    case napi_int32_array: return MPI_INT32_T;
    case napi_uint32_array: return MPI_UINT32_T;
    case napi_float32_array: return MPI_FLOAT;
    case napi_float64_array: return MPI_DOUBLE;
    case napi_bigint64_array: return MPI_INT64_T;
    case napi_biguint64_array: return MPI_UINT64_T;
    default: throw Napi::TypeError::New(env, "MPI: unsupported typed array type");
  }
}

MPI_Op OpOf(Napi::Env env, const Napi::Value& value) {
  std::string op = value.IsString() ? value.As<Napi::String>().Utf8Value() : "sum";
  if (op == "sum") return MPI_SUM;
  if (op == "min") return MPI_MIN;
  if (op == "max") return MPI_MAX;
  if (op == "prod") return MPI_PROD;
  throw Napi::RangeError::New(env, "MPI: op must be \"sum\", \"min\", \"max\" or \"prod\", got " + op);
}

Napi::Value Init(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int done = 0;
  MPI_Initialized(&done);
  int provided = MPI_THREAD_SINGLE;
  if (!done) {
    Check(env, MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
    initialized_here = true;
    // Errors come back to JS as exceptions (the rank then aborts the job with its own message).
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  } else {
    MPI_Query_thread(&provided);
  }
  int rank = 0, size = 0, major = 0, minor = 0, length = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  MPI_Get_version(&major, &minor);
  char library[MPI_MAX_LIBRARY_VERSION_STRING];
  MPI_Get_library_version(library, &length);
  char host[MPI_MAX_PROCESSOR_NAME];
  int hostLength = 0;
  MPI_Get_processor_name(host, &hostLength);
  auto out = Napi::Object::New(env);
  out.Set("rank", rank);
  out.Set("size", size);
  out.Set("threadLevel", provided);
  out.Set("version", std::to_string(major) + "." + std::to_string(minor));
  out.Set("library", std::string(library, length));
  out.Set("processor", std::string(host, hostLength));
  return out;
}

void FinalizeNow() {
  int done = 0, finalized = 0;
  MPI_Initialized(&done);
  MPI_Finalized(&finalized);
  if (!done || finalized) return;
  for (auto& p : pending) {
    MPI_Wait(&p.request, MPI_STATUS_IGNORE);
    std::free(p.data);
  }
  pending.clear();
  MPI_Finalize();
}

Napi::Value Finalize(const Napi::CallbackInfo& info) {
  FinalizeNow();
  return info.Env().Undefined();
}

Napi::Value Abort(const Napi::CallbackInfo& info) {
  int code = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : 1;
  int done = 0, finalized = 0;
  MPI_Initialized(&done);
  MPI_Finalized(&finalized);
  if (done && !finalized) MPI_Abort(MPI_COMM_WORLD, code);
  std::exit(code);
}

Napi::Value Wtime(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), MPI_Wtime());
}

Napi::Value Barrier(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireInit(env);
  Reap();
  Check(env, MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier");
  return env.Undefined();
}

/** bcast(view, root): the root's bytes into every rank's view, in place. */
Napi::Value Bcast(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireInit(env);
  View v = ViewArg(info, 0, "buffer");
  int root = IntArg(info, 1, "root");
  Reap();
  Check(env, MPI_Bcast(v.data, ToCount(env, v.bytes, "bcast buffer"), MPI_BYTE, root, MPI_COMM_WORLD), "MPI_Bcast");
  return env.Undefined();
}

/** allreduce(view, op): element-wise, in place (MPI_IN_PLACE on the array's own memory). */
Napi::Value Allreduce(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireInit(env);
  View v = ViewArg(info, 0, "array");
  MPI_Op op = OpOf(env, info[1]);
  Reap();
  Check(env, MPI_Allreduce(MPI_IN_PLACE, v.data, ToCount(env, v.length, "allreduce array"), DatatypeOf(env, v.type), op, MPI_COMM_WORLD), "MPI_Allreduce");
  return info[0];
}

Napi::Value AllreduceNumber(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireInit(env);
  if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(env, "MPI: allreduce needs a number");
  double value = info[0].As<Napi::Number>().DoubleValue();
  MPI_Op op = OpOf(env, info[1]);
  Reap();
  double out = 0;
  Check(env, MPI_Allreduce(&value, &out, 1, MPI_DOUBLE, op, MPI_COMM_WORLD), "MPI_Allreduce");
  return Napi::Number::New(env, out);
}

/** Byte blocks, one per rank, as views into one ArrayBuffer. */
Napi::Array Split(Napi::Env env, Napi::ArrayBuffer buffer, const std::vector<int>& counts, const std::vector<int>& displs) {
  auto out = Napi::Array::New(env, counts.size());
  for (size_t r = 0; r < counts.size(); r++) out.Set(r, Napi::Uint8Array::New(env, counts[r], buffer, displs[r]));
  return out;
}

std::vector<int> Displacements(Napi::Env env, const std::vector<int>& counts) {
  std::vector<int> displs(counts.size());
  size_t at = 0;
  for (size_t r = 0; r < counts.size(); r++) {
    displs[r] = static_cast<int>(at);
    at += static_cast<size_t>(counts[r]);
    if (at > static_cast<size_t>(INT_MAX)) throw Napi::RangeError::New(env, "MPI: gathered data is over 2 GB; gather less at once");
  }
  return displs;
}

size_t Total(const std::vector<int>& counts) {
  size_t total = 0;
  for (int c : counts) total += static_cast<size_t>(c);
  return total;
}

/** gatherBytes(bytes, root): every rank's bytes, on the root (undefined elsewhere). */
Napi::Value GatherBytes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireInit(env);
  View v = ViewArg(info, 0, "bytes");
  int root = IntArg(info, 1, "root");
  int rank = 0, size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  Reap();
  int mine = ToCount(env, v.bytes, "gathered value");
  std::vector<int> counts(size);
  Check(env, MPI_Gather(&mine, 1, MPI_INT, counts.data(), 1, MPI_INT, root, MPI_COMM_WORLD), "MPI_Gather");
  if (rank != root) {
    Check(env, MPI_Gatherv(v.data, mine, MPI_BYTE, nullptr, nullptr, nullptr, MPI_BYTE, root, MPI_COMM_WORLD), "MPI_Gatherv");
    return env.Undefined();
  }
  std::vector<int> displs = Displacements(env, counts);
  auto buffer = Napi::ArrayBuffer::New(env, Total(counts));
  Check(env, MPI_Gatherv(v.data, mine, MPI_BYTE, buffer.Data(), counts.data(), displs.data(), MPI_BYTE, root, MPI_COMM_WORLD), "MPI_Gatherv");
  return Split(env, buffer, counts, displs);
}

/** allgatherBytes(bytes): every rank's bytes, on every rank. */
Napi::Value AllgatherBytes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireInit(env);
  View v = ViewArg(info, 0, "bytes");
  int size = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  Reap();
  int mine = ToCount(env, v.bytes, "gathered value");
  std::vector<int> counts(size);
  Check(env, MPI_Allgather(&mine, 1, MPI_INT, counts.data(), 1, MPI_INT, MPI_COMM_WORLD), "MPI_Allgather");
  std::vector<int> displs = Displacements(env, counts);
  auto buffer = Napi::ArrayBuffer::New(env, Total(counts));
  Check(env, MPI_Allgatherv(v.data, mine, MPI_BYTE, buffer.Data(), counts.data(), displs.data(), MPI_BYTE, MPI_COMM_WORLD), "MPI_Allgatherv");
  return Split(env, buffer, counts, displs);
}

/** scatterBytes(parts | null, root): the root's parts[r] to rank r. */
Napi::Value ScatterBytes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireInit(env);
  int root = IntArg(info, 1, "root");
  int rank = 0, size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  Reap();
  std::vector<int> counts(size);
  std::vector<uint8_t> packed;
  if (rank == root) {
    if (!info[0].IsArray() || info[0].As<Napi::Array>().Length() != static_cast<uint32_t>(size))
      throw Napi::RangeError::New(env, "MPI: scatterBytes needs one block per rank on the root");
    auto parts = info[0].As<Napi::Array>();
    std::vector<View> views;
    for (int r = 0; r < size; r++) {
      Napi::Value part = parts.Get(static_cast<uint32_t>(r));
      if (!part.IsTypedArray()) throw Napi::TypeError::New(env, "MPI: scatterBytes blocks must be typed arrays");
      auto array = part.As<Napi::TypedArray>();
      views.push_back({static_cast<uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset(), array.ByteLength(), array.ElementLength(), array.TypedArrayType()});
      counts[r] = ToCount(env, array.ByteLength(), "scattered value");
    }
    packed.resize(Total(counts));
    size_t at = 0;
    for (auto& view : views) {
      if (view.bytes) std::memcpy(packed.data() + at, view.data, view.bytes);
      at += view.bytes;
    }
  }
  int mine = 0;
  Check(env, MPI_Scatter(counts.data(), 1, MPI_INT, &mine, 1, MPI_INT, root, MPI_COMM_WORLD), "MPI_Scatter");
  std::vector<int> displs = rank == root ? Displacements(env, counts) : std::vector<int>(size);
  auto buffer = Napi::ArrayBuffer::New(env, static_cast<size_t>(mine));
  Check(env, MPI_Scatterv(packed.data(), counts.data(), displs.data(), MPI_BYTE, buffer.Data(), mine, MPI_BYTE, root, MPI_COMM_WORLD), "MPI_Scatterv");
  return Napi::Uint8Array::New(env, static_cast<size_t>(mine), buffer, 0);
}

/**
 * send(kind, bytes, dest, tag): a header (kind, typed array type, byte length) and the bytes,
 * both sent without blocking from a private copy.
 */
Napi::Value Send(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireInit(env);
  int kind = IntArg(info, 0, "kind");
  View v = ViewArg(info, 1, "bytes");
  int dest = IntArg(info, 2, "dest");
  int tag = IntArg(info, 3, "tag");
  Reap();
  ToCount(env, v.bytes, "message");
  auto* header = static_cast<int64_t*>(std::malloc(3 * sizeof(int64_t)));
  header[0] = kind;
  header[1] = static_cast<int64_t>(v.type);
  header[2] = static_cast<int64_t>(v.bytes);
  void* payload = std::malloc(v.bytes ? v.bytes : 1);
  if (!header || !payload) throw Napi::Error::New(env, "MPI: out of memory for a send buffer");
  if (v.bytes) std::memcpy(payload, v.data, v.bytes);
  MPI_Request first, second;
  Check(env, MPI_Isend(header, 3, MPI_INT64_T, dest, tag, MPI_COMM_WORLD, &first), "MPI_Isend");
  pending.push_back({first, header});
  Check(env, MPI_Isend(payload, static_cast<int>(v.bytes), MPI_BYTE, dest, tag, MPI_COMM_WORLD, &second), "MPI_Isend");
  pending.push_back({second, payload});
  return env.Undefined();
}

/** recv(source, tag): { kind, type, buffer } of the next message from source with tag. */
Napi::Value Recv(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireInit(env);
  int source = IntArg(info, 0, "source");
  int tag = IntArg(info, 1, "tag");
  Reap();
  int64_t header[3];
  Check(env, MPI_Recv(header, 3, MPI_INT64_T, source, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE), "MPI_Recv");
  auto buffer = Napi::ArrayBuffer::New(env, static_cast<size_t>(header[2]));
  Check(env, MPI_Recv(buffer.Data(), static_cast<int>(header[2]), MPI_BYTE, source, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE), "MPI_Recv");
  auto out = Napi::Object::New(env);
  out.Set("kind", Napi::Number::New(env, static_cast<double>(header[0])));
  out.Set("type", Napi::Number::New(env, static_cast<double>(header[1])));
  out.Set("buffer", buffer);
  return out;
}

Napi::Object Module(Napi::Env env, Napi::Object exports) {
  exports.Set("init", Napi::Function::New(env, Init));
  exports.Set("finalize", Napi::Function::New(env, Finalize));
  exports.Set("abort", Napi::Function::New(env, Abort));
  exports.Set("wtime", Napi::Function::New(env, Wtime));
  exports.Set("barrier", Napi::Function::New(env, Barrier));
  exports.Set("bcast", Napi::Function::New(env, Bcast));
  exports.Set("allreduce", Napi::Function::New(env, Allreduce));
  exports.Set("allreduceNumber", Napi::Function::New(env, AllreduceNumber));
  exports.Set("gatherBytes", Napi::Function::New(env, GatherBytes));
  exports.Set("allgatherBytes", Napi::Function::New(env, AllgatherBytes));
  exports.Set("scatterBytes", Napi::Function::New(env, ScatterBytes));
  exports.Set("send", Napi::Function::New(env, Send));
  exports.Set("recv", Napi::Function::New(env, Recv));
  exports.Set("tagUpperBound", Napi::Function::New(env, [](const Napi::CallbackInfo& info) -> Napi::Value {
    int* value = nullptr;
    int flag = 0;
    MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_TAG_UB, &value, &flag);
    return Napi::Number::New(info.Env(), flag && value ? *value : 32767);
  }));
  // Finalize when the environment goes away (process exit), if JS did not.
  napi_add_env_cleanup_hook(env, [](void*) { if (initialized_here) FinalizeNow(); }, nullptr);
  return exports;
}

}  // namespace

NODE_API_MODULE(parallab_mpi, Module)
