// Op signatures: the kinds an op declares for its arguments and result, and the checks the
// registry makes around every call of an op that declared them.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "brisk/op.h"

namespace brisk {

absl::string_view KindName(Kind kind) {
  switch (kind) {
    case Kind::kAny:
      return "any";
    case Kind::kNull:
      return "null";
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int";
    case Kind::kFloat:
      return "float";
    case Kind::kStr:
      return "str";
    case Kind::kBytes:
      return "bytes";
    case Kind::kText:
      return "str or bytes";
    case Kind::kList:
      return "list";
    case Kind::kMap:
      return "map";
    case Kind::kNdarray:
      return "ndarray";
    case Kind::kTable:
      return "table";
  }
  return "any";
}

bool IsKind(const v1::Value& value, Kind kind) {
  using V = v1::Value;
  switch (kind) {
    case Kind::kAny:
      return true;
    case Kind::kNull:
      return value.kind_case() == V::KIND_NOT_SET;
    case Kind::kBool:
      return value.kind_case() == V::kBool;
    case Kind::kInt:
      return value.kind_case() == V::kInt;
    case Kind::kFloat:
      return value.kind_case() == V::kFloat || value.kind_case() == V::kInt;
    case Kind::kStr:
      return value.kind_case() == V::kStr;
    case Kind::kBytes:
      return value.kind_case() == V::kBytes;
    case Kind::kText:
      return value.kind_case() == V::kStr || value.kind_case() == V::kBytes;
    case Kind::kList:
      return value.kind_case() == V::kList;
    case Kind::kMap:
      return value.kind_case() == V::kMap;
    case Kind::kNdarray:
      return value.kind_case() == V::kNdarray;
    case Kind::kTable:
      return value.kind_case() == V::kTable;
  }
  return false;
}

namespace {

// The value's kind and dtype fit `param`; else what is wrong with it, in words.
std::string Misfit(const Param& param, const v1::Value& value) {
  if (!IsKind(value, param.kind)) {
    return absl::StrCat(" must be ", KindName(param.kind), ", got ", KindName(value));
  }
  if (param.kind == Kind::kNdarray && param.dtype != v1::DTYPE_UNSPECIFIED &&
      value.ndarray().dtype() != param.dtype) {
    return absl::StrCat(" must be a ", DTypeName(param.dtype), " ndarray, got ",
                        DTypeName(value.ndarray().dtype()));
  }
  return "";
}

}  // namespace

absl::Status CheckArgs(absl::string_view op, const OpSignature& signature, const OpArgs& args) {
  auto fail = [&](const std::string& message) {
    return absl::InvalidArgumentError(absl::StrCat("op \"", op, "\": ", message));
  };
  const size_t declared = signature.args.size();
  size_t required = 0;
  for (size_t i = 0; i < declared; ++i) {
    if (!signature.args[i].optional) required = i + 1;
  }
  if (args.size() < required || (args.size() > declared && !signature.more_args)) {
    std::vector<std::string> names;
    for (const Param& p : signature.args) names.push_back(p.name);
    const std::string takes = signature.more_args    ? absl::StrCat("at least ", required)
                              : required == declared ? absl::StrCat(declared)
                                                     : absl::StrCat(required, " to ", declared);
    return fail(absl::StrCat("takes ", takes, declared == 1 ? " argument" : " arguments", " (",
                             absl::StrJoin(names, ", "), "), got ", args.size()));
  }
  for (size_t i = 0; i < std::min(declared, args.size()); ++i) {
    const std::string misfit = Misfit(signature.args[i], args[i]);
    if (!misfit.empty()) {
      return fail(absl::StrCat("argument ", i, " (\"", signature.args[i].name, "\")", misfit));
    }
  }
  for (const Param& p : signature.kwargs) {
    const v1::Value* value = args.Kwarg(p.name);
    if (value == nullptr) continue;  // declared keyword arguments are optional
    const std::string misfit = Misfit(p, *value);
    if (!misfit.empty()) {
      return fail(absl::StrCat("keyword argument \"", p.name, "\"", misfit));
    }
  }
  if (!signature.any_kwargs) {
    std::vector<std::string> unknown;
    for (const auto& kwarg : args.kwargs) {
      const std::string& name =
          kwarg.first;  // not a structured binding: clang 14 cannot capture one
      const bool known = std::any_of(signature.kwargs.begin(), signature.kwargs.end(),
                                     [&](const Param& p) { return p.name == name; });
      if (!known) unknown.push_back(absl::StrCat("\"", name, "\""));
    }
    if (!unknown.empty()) {
      std::sort(unknown.begin(), unknown.end());
      std::vector<std::string> names;
      for (const Param& p : signature.kwargs) names.push_back(p.name);
      return fail(absl::StrCat("unknown keyword argument", unknown.size() == 1 ? " " : "s ",
                               absl::StrJoin(unknown, ", "),
                               names.empty()
                                   ? " (it takes none)"
                                   : absl::StrCat(" (it takes ", absl::StrJoin(names, ", "), ")")));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckResult(absl::string_view op, const OpSignature& signature,
                         const v1::Value& result) {
  if (!signature.result.has_value()) return absl::OkStatus();
  Param declared("result", *signature.result, signature.result_dtype);
  if (!IsKind(result, declared.kind)) {
    return absl::InvalidArgumentError(absl::StrCat("op \"", op, "\" returned ", KindName(result),
                                                   ", declared ", KindName(declared.kind)));
  }
  const std::string misfit = Misfit(declared, result);
  if (!misfit.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("op \"", op, "\" returned ", DTypeName(result.ndarray().dtype()),
                     " ndarray, declared ", DTypeName(declared.dtype)));
  }
  return absl::OkStatus();
}

}  // namespace brisk
