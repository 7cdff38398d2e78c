// "array.eval": one block of an element-wise expression, computed by its program
// (worker/array/array_program.h) over the input blocks, piece by piece.
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "worker/array/array_ops.h"
#include "worker/array/array_program.h"

namespace brisk {
namespace {

// The `shape` keyword argument: a list of non-negative ints.
absl::StatusOr<std::vector<uint64_t>> ShapeKwarg(const OpArgs& args, absl::string_view name,
                                                 bool optional = false) {
  const v1::Value* v = args.Kwarg(name);
  std::vector<uint64_t> shape;
  if (v == nullptr && optional) return shape;
  if (v == nullptr || v->kind_case() != v1::Value::kList) {
    return args.Error(absl::StrCat(args.Describe(name), " must be a list of ints"));
  }
  for (const v1::Value& item : v->list().items()) {
    if (item.kind_case() != v1::Value::kInt || item.int_() < 0) {
      return args.Error(absl::StrCat(args.Describe(name), " must be a list of non-negative ints"));
    }
    shape.push_back(static_cast<uint64_t>(item.int_()));
  }
  return shape;
}

absl::StatusOr<v1::Value> Eval(OpContext&, const OpArgs& args) {
  absl::StatusOr<std::vector<uint64_t>> shape = ShapeKwarg(args, "shape");
  if (!shape.ok()) return shape.status();
  if (absl::StatusOr<uint64_t> n = NumElements(*shape); !n.ok())
    return args.Error(n.status().message());
  std::vector<ArrayView> inputs;
  for (size_t i = 1; i < args.size(); ++i) {
    absl::StatusOr<ArrayView> view = args.Array(i);
    if (!view.ok()) return view.status();
    inputs.push_back(*view);
  }
  absl::StatusOr<std::unique_ptr<ArrayProgram>> program =
      ArrayProgram::Parse(args.op, args[0], std::move(inputs), *std::move(shape));
  if (!program.ok()) return program.status();
  absl::StatusOr<v1::Value> out = (*program)->EvalAll();
  if (!out.ok()) return args.Error(out.status().message());
  return out;
}

}  // namespace

absl::StatusOr<std::vector<uint64_t>> ArrayShapeKwarg(const OpArgs& args, absl::string_view name,
                                                      bool optional) {
  return ShapeKwarg(args, name, optional);
}

OpFn ArrayOpNamed(std::string name, OpFn fn) {
  return [name = std::move(name), fn = std::move(fn)](
             OpContext& ctx, const OpArgs& args) -> absl::StatusOr<v1::Value> {
    absl::StatusOr<v1::Value> out = fn(ctx, args);
    if (out.ok()) return out;
    absl::string_view message = out.status().message();
    for (const std::string& prefix : {absl::StrCat("op \"", name, "\": "), std::string("op \"\": "),
                                      absl::StrCat(name, ": ")}) {
      if (absl::StartsWith(message, prefix)) {
        message.remove_prefix(prefix.size());
        break;
      }
    }
    return absl::Status(out.status().code(), absl::StrCat(name, ": ", message));
  };
}

void RegisterArrayElementwiseOps(OpRegistry& registry) {
  registry.Register("array.eval",
                    {.args = {{"program", Kind::kList}},
                     .kwargs = {{"shape", Kind::kList}},
                     .more_args = true,
                     .result = Kind::kNdarray},
                    ArrayOpNamed("array.eval", Eval));
}

}  // namespace brisk
