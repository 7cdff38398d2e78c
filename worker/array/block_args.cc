#include "worker/array/block_args.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace brisk {

absl::StatusOr<std::vector<int64_t>> IntList(const OpArgs& args, const v1::Value& value,
                                             absl::string_view what, bool non_negative) {
  if (value.kind_case() != v1::Value::kList) {
    return args.Error(absl::StrCat(what, " must be a list of ints, got ", KindName(value)));
  }
  std::vector<int64_t> out;
  out.reserve(value.list().items_size());
  for (const v1::Value& item : value.list().items()) {
    if (item.kind_case() != v1::Value::kInt) {
      return args.Error(absl::StrCat(what, " must be a list of ints, holds ", KindName(item)));
    }
    if (non_negative && item.int_() < 0) {
      return args.Error(absl::StrCat(what, " holds a negative number (", item.int_(), ")"));
    }
    out.push_back(item.int_());
  }
  return out;
}

absl::StatusOr<std::vector<int64_t>> IntListArg(const OpArgs& args, size_t i, bool non_negative) {
  return IntList(args, args[i], args.Describe(i), non_negative);
}

absl::StatusOr<std::vector<uint64_t>> ShapeArg(const OpArgs& args, size_t i) {
  absl::StatusOr<std::vector<int64_t>> list = IntListArg(args, i, /*non_negative=*/true);
  if (!list.ok()) return list.status();
  return std::vector<uint64_t>(list->begin(), list->end());
}

std::string ShapeText(absl::Span<const uint64_t> shape) {
  if (shape.size() == 1) return absl::StrCat("(", shape[0], ",)");
  return absl::StrCat("(", absl::StrJoin(shape, ", "), ")");
}

}  // namespace brisk
