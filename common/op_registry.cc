// OpRegistry: named ops, and the one place every op is called (argument and result checks,
// exceptions turned into errors).
#include <algorithm>
#include <exception>
#include <utility>

#include "absl/strings/str_cat.h"
#include "brisk/op.h"

namespace brisk {

OpContext::~OpContext() = default;

void OpRegistry::Register(std::string name, OpFn fn) {
  ops_.insert_or_assign(std::move(name), Op{std::move(fn), std::nullopt});
}

void OpRegistry::Register(std::string name, OpSignature signature, OpFn fn) {
  ops_.insert_or_assign(std::move(name), Op{std::move(fn), std::move(signature)});
}

absl::Status OpRegistry::Add(const OpRegistry& other) {
  for (const std::string& name : other.Names()) {
    if (ops_.contains(name)) {
      return absl::AlreadyExistsError(absl::StrCat("op \"", name, "\" is already registered"));
    }
  }
  for (const auto& [name, op] : other.ops_) ops_.emplace(name, op);
  return absl::OkStatus();
}

const OpFn* OpRegistry::Find(absl::string_view name) const {
  auto it = ops_.find(name);
  return it == ops_.end() ? nullptr : &it->second.fn;
}

const OpSignature* OpRegistry::Signature(absl::string_view name) const {
  auto it = ops_.find(name);
  return it == ops_.end() || !it->second.signature ? nullptr : &*it->second.signature;
}

std::vector<std::string> OpRegistry::Names() const {
  std::vector<std::string> names;
  names.reserve(ops_.size());
  for (const auto& [name, op] : ops_) names.push_back(name);
  std::sort(names.begin(), names.end());
  return names;
}

absl::StatusOr<v1::Value> OpRegistry::Call(absl::string_view name, OpContext& context,
                                           OpArgs& args) const {
  auto it = ops_.find(name);
  if (it == ops_.end()) return absl::NotFoundError(absl::StrCat("unknown op \"", name, "\""));
  const Op& op = it->second;
  args.op = it->first;
  args.signature = op.signature ? &*op.signature : nullptr;
  if (op.signature) {
    if (absl::Status fits = CheckArgs(name, *op.signature, args); !fits.ok()) return fits;
  }
  absl::StatusOr<v1::Value> result;
  try {
    result = op.fn(context, args);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("op \"", name, "\" threw: ", e.what()));
  } catch (...) {
    return absl::InternalError(absl::StrCat("op \"", name, "\" threw an exception"));
  }
  if (result.ok() && op.signature) {
    if (absl::Status fits = CheckResult(name, *op.signature, *result); !fits.ok()) return fits;
  }
  return result;
}

}  // namespace brisk
