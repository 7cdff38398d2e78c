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

absl::StatusOr<std::vector<SortKey>> SortKeysArg(const v1::Value& by, const v1::Value* ascending) {
  absl::StatusOr<std::vector<std::string>> columns = ColumnNames(by, "\"by\"");
  if (!columns.ok()) return columns.status();
  std::vector<SortKey> keys;
  for (const std::string& column : *columns) keys.push_back({column, true});
  if (ascending == nullptr) return keys;
  if (ascending->kind_case() == v1::Value::kBool) {
    for (SortKey& k : keys) k.ascending = ascending->bool_();
    return keys;
  }
  if (ascending->kind_case() == v1::Value::kList &&
      ascending->list().items_size() == static_cast<int>(keys.size())) {
    for (size_t i = 0; i < keys.size(); ++i) {
      const v1::Value& item = ascending->list().items(static_cast<int>(i));
      if (item.kind_case() != v1::Value::kBool) {
        return absl::InvalidArgumentError("\"ascending\" must be a bool or a list of bool");
      }
      keys[i].ascending = item.bool_();
    }
    return keys;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("\"ascending\" must be a bool or a list of ", keys.size(), " bool"));
}

void RegisterFrameOps(OpRegistry& registry) {
  RegisterFrameIoOps(registry);
  RegisterFrameConcatOps(registry);
  RegisterFrameGroupOps(registry);
  RegisterFrameJoinOps(registry);
  RegisterFrameShuffleOps(registry);
  RegisterFrameSortOps(registry);
  RegisterFrameDescribeOps(registry);
  RegisterFrameVerbOps(registry);
}

}  // namespace brisk
