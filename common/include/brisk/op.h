// The op API: how a C++ function becomes an op that Brisk workers run as tasks. An op receives its
// arguments as values (typed accessors give scalars, strings, and views over arrays and tables
// without copying them) and returns a value or an error; a thrown exception becomes the task's
// error too. Ops are registered in an OpRegistry, by the worker's own code or by a plugin:
//
//   #include "brisk/op.h"
//
//   absl::StatusOr<brisk::v1::Value> Scale(brisk::OpContext&, const brisk::OpArgs& args) {
//     absl::StatusOr<brisk::ArrayView> x = args.Array(0);  // a view, no copy
//     absl::StatusOr<double> factor = args.Float(1);
//     if (!x.ok() || !factor.ok()) return !x.ok() ? x.status() : factor.status();
//     brisk::ArrayBuilder<double> out({x->size()});
//     for (uint64_t i = 0; i < x->size(); ++i) out.values()[i] = x->AsDouble(i) * *factor;
//     return std::move(out).Finish();
//   }
//
//   BRISK_PLUGIN(registry) {
//     registry.Register("scale",
//                       {.args = {{"x", brisk::Kind::kNdarray}, {"factor", brisk::Kind::kFloat}},
//                        .result = brisk::Kind::kNdarray},
//                       Scale);
//   }
//
// Built into a shared library and loaded with `brisk-worker --plugin libmyops.so` (see README).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "brisk/v1/value.pb.h"
#include "brisk/value.h"

namespace brisk {

// The version of this API a plugin was built for; a worker refuses a plugin built for another.
// Raised whenever OpContext, OpArgs, OpRegistry or the Value schema change incompatibly.
inline constexpr int kOpApiVersion = 1;

// What a running op may ask of the worker. Implementations are thread-safe.
class OpContext {
 public:
  // Out of line, so that its type information lives in Brisk's op library alone, also for
  // plugins loaded with RTLD_LOCAL.
  virtual ~OpContext();
  // True once the task was cancelled or ran past its time limit; long ops should stop early.
  virtual bool Stopped() const = 0;
  // Waits up to `duration`; returns false early (and at once) when the task is stopped.
  virtual bool SleepFor(absl::Duration duration) = 0;
  // Keeps text for `brisk logs` (the `shell` op's standard error), replacing what was kept.
  virtual void SetLog(std::string /*text*/) {}
};

// The kind of value an argument or a result must be (Param, OpSignature).
enum class Kind : uint8_t {
  kAny,
  kNull,
  kBool,
  kInt,
  kFloat,  // a number: float, or int (converted)
  kStr,
  kBytes,
  kText,  // str or bytes
  kList,
  kMap,
  kNdarray,
  kTable,
};
// "any", "null", "bool", "int", "float", "str", "bytes", "str or bytes", "list", "map",
// "ndarray", "table".
absl::string_view KindName(Kind kind);
// Whether `value` is of `kind` (an int is a kFloat, a str or bytes a kText; any dtype of
// ndarray).
bool IsKind(const v1::Value& value, Kind kind);

// One declared argument of an op.
struct Param {
  Param(std::string name, Kind kind = Kind::kAny, DType dtype = v1::DTYPE_UNSPECIFIED)
      : name(std::move(name)), kind(kind), dtype(dtype) {}
  std::string name;
  Kind kind = Kind::kAny;
  // kNdarray only: the dtype it must have (UNSPECIFIED: any).
  DType dtype = v1::DTYPE_UNSPECIFIED;
  // Positional arguments: it may be left out (only optional ones may follow it). Declared keyword
  // arguments are always optional.
  bool optional = false;
};

// A declared signature. A task whose arguments do not fit fails before the op runs, with a
// message naming the op and the argument; a result of another kind than `result` fails it after.
struct OpSignature {
  std::vector<Param> args;  // positional, in order
  // Declared keyword arguments; any other keyword fails the task unless `any_kwargs`.
  std::vector<Param> kwargs;
  bool more_args = false;   // positional arguments beyond `args` are allowed (not checked)
  bool any_kwargs = false;  // undeclared keyword arguments are allowed (not checked)
  std::optional<Kind> result;
  DType result_dtype = v1::DTYPE_UNSPECIFIED;  // with result kNdarray: the dtype it must have
};

// An op's inputs, with every reference already replaced by the referenced value. The pointers
// stay valid for the duration of the call. The typed accessors' errors are InvalidArgument and
// name the op and the argument: `op "tile": argument 1 ("width") must be int, got str`.
struct OpArgs {
  std::vector<const v1::Value*> args;
  absl::flat_hash_map<std::string, const v1::Value*> kwargs;
  // arg_is_ref[i]: args[i] is another task's result (the `shell` op passes those as files).
  std::vector<bool> arg_is_ref;
  absl::flat_hash_set<std::string> kwarg_is_ref;
  // Set by OpRegistry::Call: the op's name and its declared signature (for the messages).
  absl::string_view op;
  const OpSignature* signature = nullptr;

  size_t size() const { return args.size(); }
  // Argument i; a null value when there is none.
  const v1::Value& operator[](size_t i) const;
  // Keyword argument `name`; nullptr when absent.
  const v1::Value* Kwarg(absl::string_view name) const;

  // Positional argument i as a given kind. Float accepts an int; Str accepts str or bytes.
  absl::StatusOr<bool> Bool(size_t i) const;
  absl::StatusOr<int64_t> Int(size_t i) const;
  absl::StatusOr<double> Float(size_t i) const;
  absl::StatusOr<absl::string_view> Str(size_t i) const;
  // Views over the received buffers, no copy; also an error when the buffers are malformed.
  absl::StatusOr<ArrayView> Array(size_t i) const;
  absl::StatusOr<TableView> Table(size_t i) const;

  // Keyword argument `name`, or `fallback` when it is absent.
  absl::StatusOr<bool> Bool(absl::string_view name, bool fallback) const;
  absl::StatusOr<int64_t> Int(absl::string_view name, int64_t fallback) const;
  absl::StatusOr<double> Float(absl::string_view name, double fallback) const;
  absl::StatusOr<absl::string_view> Str(absl::string_view name, absl::string_view fallback) const;
  // Keyword arrays and tables have no fallback: InvalidArgument when absent.
  absl::StatusOr<ArrayView> Array(absl::string_view name) const;
  absl::StatusOr<TableView> Table(absl::string_view name) const;

  // "argument 1 (\"width\")" or "keyword argument \"scale\"", as the messages name them.
  std::string Describe(size_t i) const;
  std::string Describe(absl::string_view name) const;
  // InvalidArgument "op \"NAME\": " + message.
  absl::Status Error(absl::string_view message) const;
};

// An op returns its result, or an error whose message says what went wrong (it becomes the
// task's error text, so it names the op and the offending argument). It may also throw.
using OpFn = std::function<absl::StatusOr<v1::Value>(OpContext&, const OpArgs&)>;

// Maps op names to functions. Filled before the worker starts, then only read (thread-safe).
class OpRegistry {
 public:
  // Replaces any op already registered under `name`.
  void Register(std::string name, OpFn fn);
  // With a signature: arguments and result are checked around every call.
  void Register(std::string name, OpSignature signature, OpFn fn);
  // Adds every op of `other`; AlreadyExists naming the first op registered in both (nothing is
  // added then).
  absl::Status Add(const OpRegistry& other);

  // nullptr when no op has that name.
  const OpFn* Find(absl::string_view name) const;
  // Its declared signature; nullptr when it has none or there is no such op.
  const OpSignature* Signature(absl::string_view name) const;
  // Registered names, sorted.
  std::vector<std::string> Names() const;

  // Runs op `name`: checks the arguments against its signature, calls it, turns a thrown
  // exception into an error (its what(), or "threw an exception"), and checks the result's kind.
  // NotFound when no op has that name. Sets `args.op` and `args.signature`.
  absl::StatusOr<v1::Value> Call(absl::string_view name, OpContext& context, OpArgs& args) const;

 private:
  struct Op {
    OpFn fn;
    std::optional<OpSignature> signature;
  };
  absl::flat_hash_map<std::string, Op> ops_;
};

// Checks `args` against `signature` (the arguments' count, kinds, dtypes and keyword names);
// InvalidArgument naming op `op` and the first argument that does not fit.
absl::Status CheckArgs(absl::string_view op, const OpSignature& signature, const OpArgs& args);
// Checks an op's result against the signature's result kind ("op \"x\" returned str, declared
// ndarray").
absl::Status CheckResult(absl::string_view op, const OpSignature& signature,
                         const v1::Value& result);

}  // namespace brisk

// ---- plugins
//
// A plugin is a shared library with one use of BRISK_PLUGIN, whose body registers the plugin's
// ops:
//
//   BRISK_PLUGIN(registry) { registry.Register("word_count", WordCount); }
//
// It defines the entry points a worker looks up (worker/plugin_loader.h): the op API version and
// the protobuf version the plugin was built with (a worker refuses a plugin built for other
// ones), and the registration function.
#define BRISK_PLUGIN_EXPORT extern "C" __attribute__((visibility("default")))
#define BRISK_PLUGIN(registry)                                                                \
  BRISK_PLUGIN_EXPORT int brisk_plugin_api_version() { return ::brisk::kOpApiVersion; }       \
  BRISK_PLUGIN_EXPORT int brisk_plugin_protobuf_version() { return GOOGLE_PROTOBUF_VERSION; } \
  static void BriskPluginRegisterOps(::brisk::OpRegistry& registry);                          \
  BRISK_PLUGIN_EXPORT void brisk_plugin_register(::brisk::OpRegistry* r) {                    \
    BriskPluginRegisterOps(*r);                                                               \
  }                                                                                           \
  static void BriskPluginRegisterOps(::brisk::OpRegistry& registry)
