// OpArgs: an op's inputs and their typed accessors, whose errors name the op and the argument.
#include <string>

#include "absl/strings/str_cat.h"
#include "brisk/op.h"

namespace brisk {
namespace {

const v1::Value& NullValue() {
  static const v1::Value* const kNull = new v1::Value();
  return *kNull;
}

absl::Status WrongKind(const OpArgs& args, const std::string& what, Kind want,
                       const v1::Value& got) {
  return args.Error(absl::StrCat(what, " must be ", KindName(want), ", got ", KindName(got)));
}

template <typename T>
absl::StatusOr<T> Typed(const OpArgs& args, const v1::Value* value, const std::string& what);

template <>
absl::StatusOr<bool> Typed(const OpArgs& args, const v1::Value* value, const std::string& what) {
  if (value->kind_case() != v1::Value::kBool) return WrongKind(args, what, Kind::kBool, *value);
  return value->bool_();
}

template <>
absl::StatusOr<int64_t> Typed(const OpArgs& args, const v1::Value* value, const std::string& what) {
  if (value->kind_case() != v1::Value::kInt) return WrongKind(args, what, Kind::kInt, *value);
  return value->int_();
}

template <>
absl::StatusOr<double> Typed(const OpArgs& args, const v1::Value* value, const std::string& what) {
  if (value->kind_case() == v1::Value::kInt) return static_cast<double>(value->int_());
  if (value->kind_case() != v1::Value::kFloat) return WrongKind(args, what, Kind::kFloat, *value);
  return value->float_();
}

template <>
absl::StatusOr<absl::string_view> Typed(const OpArgs& args, const v1::Value* value,
                                        const std::string& what) {
  if (value->kind_case() == v1::Value::kStr) return absl::string_view(value->str());
  if (value->kind_case() == v1::Value::kBytes) return absl::string_view(value->bytes());
  return WrongKind(args, what, Kind::kText, *value);
}

template <>
absl::StatusOr<ArrayView> Typed(const OpArgs& args, const v1::Value* value,
                                const std::string& what) {
  if (value->kind_case() != v1::Value::kNdarray) {
    return WrongKind(args, what, Kind::kNdarray, *value);
  }
  absl::StatusOr<ArrayView> view = ArrayView::Of(*value);
  if (!view.ok()) return args.Error(absl::StrCat(what, ": ", view.status().message()));
  return view;
}

template <>
absl::StatusOr<TableView> Typed(const OpArgs& args, const v1::Value* value,
                                const std::string& what) {
  if (value->kind_case() != v1::Value::kTable) return WrongKind(args, what, Kind::kTable, *value);
  absl::StatusOr<TableView> view = TableView::Of(*value);
  if (!view.ok()) return args.Error(absl::StrCat(what, ": ", view.status().message()));
  return view;
}

template <typename T>
absl::StatusOr<T> Positional(const OpArgs& args, size_t i) {
  if (i >= args.size() || args.args[i] == nullptr) {
    return args.Error(absl::StrCat(args.Describe(i), " is missing (", args.size(),
                                   args.size() == 1 ? " argument" : " arguments", " given)"));
  }
  return Typed<T>(args, args.args[i], args.Describe(i));
}

template <typename T>
absl::StatusOr<T> Keyword(const OpArgs& args, absl::string_view name) {
  const v1::Value* value = args.Kwarg(name);
  if (value == nullptr) return args.Error(absl::StrCat(args.Describe(name), " is missing"));
  return Typed<T>(args, value, args.Describe(name));
}

template <typename T, typename F>
absl::StatusOr<T> KeywordOr(const OpArgs& args, absl::string_view name, F fallback) {
  const v1::Value* value = args.Kwarg(name);
  if (value == nullptr) return T(fallback);
  return Typed<T>(args, value, args.Describe(name));
}

}  // namespace

const v1::Value& OpArgs::operator[](size_t i) const {
  return i < args.size() && args[i] != nullptr ? *args[i] : NullValue();
}

const v1::Value* OpArgs::Kwarg(absl::string_view name) const {
  auto it = kwargs.find(name);
  return it == kwargs.end() ? nullptr : it->second;
}

std::string OpArgs::Describe(size_t i) const {
  if (signature != nullptr && i < signature->args.size()) {
    return absl::StrCat("argument ", i, " (\"", signature->args[i].name, "\")");
  }
  return absl::StrCat("argument ", i);
}

std::string OpArgs::Describe(absl::string_view name) const {
  return absl::StrCat("keyword argument \"", name, "\"");
}

absl::Status OpArgs::Error(absl::string_view message) const {
  return absl::InvalidArgumentError(absl::StrCat("op \"", op, "\": ", message));
}

absl::StatusOr<bool> OpArgs::Bool(size_t i) const { return Positional<bool>(*this, i); }
absl::StatusOr<int64_t> OpArgs::Int(size_t i) const { return Positional<int64_t>(*this, i); }
absl::StatusOr<double> OpArgs::Float(size_t i) const { return Positional<double>(*this, i); }
absl::StatusOr<absl::string_view> OpArgs::Str(size_t i) const {
  return Positional<absl::string_view>(*this, i);
}
absl::StatusOr<ArrayView> OpArgs::Array(size_t i) const { return Positional<ArrayView>(*this, i); }
absl::StatusOr<TableView> OpArgs::Table(size_t i) const { return Positional<TableView>(*this, i); }

absl::StatusOr<bool> OpArgs::Bool(absl::string_view name, bool fallback) const {
  return KeywordOr<bool>(*this, name, fallback);
}
absl::StatusOr<int64_t> OpArgs::Int(absl::string_view name, int64_t fallback) const {
  return KeywordOr<int64_t>(*this, name, fallback);
}
absl::StatusOr<double> OpArgs::Float(absl::string_view name, double fallback) const {
  return KeywordOr<double>(*this, name, fallback);
}
absl::StatusOr<absl::string_view> OpArgs::Str(absl::string_view name,
                                              absl::string_view fallback) const {
  return KeywordOr<absl::string_view>(*this, name, fallback);
}
absl::StatusOr<ArrayView> OpArgs::Array(absl::string_view name) const {
  return Keyword<ArrayView>(*this, name);
}
absl::StatusOr<TableView> OpArgs::Table(absl::string_view name) const {
  return Keyword<TableView>(*this, name);
}

}  // namespace brisk
