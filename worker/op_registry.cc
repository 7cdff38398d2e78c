#include "worker/op_registry.h"

#include <algorithm>
#include <utility>

namespace brisk {

void OpRegistry::Register(std::string name, OpFn fn) {
  ops_.insert_or_assign(std::move(name), std::move(fn));
}

const OpFn* OpRegistry::Find(absl::string_view name) const {
  auto it = ops_.find(name);
  return it == ops_.end() ? nullptr : &it->second;
}

std::vector<std::string> OpRegistry::Names() const {
  std::vector<std::string> names;
  names.reserve(ops_.size());
  for (const auto& [name, fn] : ops_) names.push_back(name);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace brisk
