#include "worker/arg_resolver.h"

#include "absl/strings/str_cat.h"

namespace brisk {
namespace {

// Fills `out` from `arg`, copying referenced values (used inside lists).
absl::Status CopyArg(const v1::Arg& arg, const Inputs& inputs, v1::Value& out) {
  switch (arg.kind_case()) {
    case v1::Arg::kRef: {
      auto it = inputs.find(arg.ref());
      if (it == inputs.end()) {
        return absl::InternalError(
            absl::StrCat("dependency \"", arg.ref(), "\" is not on this worker"));
      }
      out = *it->second;
      return absl::OkStatus();
    }
    case v1::Arg::kInt:
      out.set_int_(arg.int_());
      return absl::OkStatus();
    case v1::Arg::kFloat:
      out.set_float_(arg.float_());
      return absl::OkStatus();
    case v1::Arg::kStr:
      out.set_str(arg.str());
      return absl::OkStatus();
    case v1::Arg::kBytes:
      out.set_bytes(arg.bytes());
      return absl::OkStatus();
    case v1::Arg::kBool:
      out.set_bool_(arg.bool_());
      return absl::OkStatus();
    case v1::Arg::kNdarray:
      *out.mutable_ndarray() = arg.ndarray();
      return absl::OkStatus();
    case v1::Arg::kTable:
      *out.mutable_table() = arg.table();
      return absl::OkStatus();
    case v1::Arg::kList: {
      v1::ValueList* list = out.mutable_list();
      for (const v1::Arg& item : arg.list().items()) {
        absl::Status status = CopyArg(item, inputs, *list->add_items());
        if (!status.ok()) return status;
      }
      return absl::OkStatus();
    }
    case v1::Arg::KIND_NOT_SET:
      out.Clear();
      return absl::OkStatus();
  }
  return absl::OkStatus();
}

absl::StatusOr<const v1::Value*> Resolve(const v1::Arg& arg, const Inputs& inputs,
                                         std::deque<v1::Value>& storage) {
  if (arg.kind_case() == v1::Arg::kRef) {
    auto it = inputs.find(arg.ref());
    if (it == inputs.end()) {
      return absl::InternalError(
          absl::StrCat("dependency \"", arg.ref(), "\" is not on this worker"));
    }
    return it->second.get();
  }
  v1::Value& value = storage.emplace_back();
  absl::Status status = CopyArg(arg, inputs, value);
  if (!status.ok()) return status;
  return &value;
}

}  // namespace

absl::StatusOr<OpArgs> ResolveArgs(const v1::Task& task, const Inputs& inputs,
                                   std::deque<v1::Value>& storage) {
  OpArgs args;
  args.args.reserve(task.args_size());
  for (const v1::Arg& arg : task.args()) {
    auto value = Resolve(arg, inputs, storage);
    if (!value.ok()) return value.status();
    args.args.push_back(*value);
    args.arg_is_ref.push_back(arg.kind_case() == v1::Arg::kRef);
  }
  for (const auto& [name, arg] : task.kwargs()) {
    auto value = Resolve(arg, inputs, storage);
    if (!value.ok()) return value.status();
    args.kwargs[name] = *value;
    if (arg.kind_case() == v1::Arg::kRef) args.kwarg_is_ref.insert(name);
  }
  return args;
}

}  // namespace brisk
