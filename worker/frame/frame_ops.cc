#include "worker/frame/frame_ops.h"

#include "absl/strings/str_cat.h"

namespace brisk {

absl::StatusOr<std::vector<std::string>> ColumnNames(const v1::Value& value,
                                                     absl::string_view what) {
  std::vector<std::string> out;
  if (value.kind_case() == v1::Value::kStr) {
    out.push_back(value.str());
    return out;
  }
  if (value.kind_case() == v1::Value::kList) {
    for (const v1::Value& item : value.list().items()) {
      if (item.kind_case() != v1::Value::kStr) {
        return absl::InvalidArgumentError(absl::StrCat(what, " must be a str or a list of str"));
      }
      out.push_back(item.str());
    }
    return out;
  }
  return absl::InvalidArgumentError(
      absl::StrCat(what, " must be a str or a list of str, got ", KindName(value)));
}

void RegisterFrameOps(OpRegistry& registry) {
  RegisterFrameIoOps(registry);
  RegisterFrameConcatOps(registry);
  RegisterFrameGroupOps(registry);
  RegisterFrameJoinOps(registry);
  RegisterFrameShuffleOps(registry);
  RegisterFrameVerbOps(registry);
}

}  // namespace brisk
