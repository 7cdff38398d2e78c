// brisk::Array's element-wise operations: NumPy's broadcasting and type promotion, chunks unified
// as dask's unify_chunks does (blocks split along every operand's boundaries, no rechunk task),
// and the expression of every element-wise operand inlined (client/array_expr.h).
#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/array_data.h"
#include "client/array_expr.h"
#include "client/dtype_promotion.h"

namespace brisk {
namespace {

std::string ShapeText(const Shape& s) { return absl::StrCat("(", absl::StrJoin(s, ", "), ")"); }

// The broadcast shape and the unified chunks of the operands, or an error naming `op`.
absl::Status Broadcast(absl::string_view op, const std::vector<const Array*>& operands,
                       Shape* shape, Chunks* chunks) {
  size_t nd = 0;
  for (const Array* a : operands) nd = std::max(nd, a->ndim());
  shape->assign(nd, 1);
  for (const Array* a : operands) {
    const size_t off = nd - a->ndim();
    for (size_t d = 0; d < a->ndim(); ++d) {
      const uint64_t n = a->shape()[d];
      uint64_t& s = (*shape)[d + off];
      if (n == s || n == 1) continue;
      if (s == 1) {
        s = n;
        continue;
      }
      std::vector<std::string> shapes;
      for (const Array* b : operands) shapes.push_back(ShapeText(b->shape()));
      return absl::InvalidArgumentError(absl::StrCat(op, ": operands of shapes ",
                                                     absl::StrJoin(shapes, " and "),
                                                     " do not broadcast together"));
    }
  }
  chunks->assign(nd, {});
  for (size_t d = 0; d < nd; ++d) {
    const uint64_t n = (*shape)[d];
    if (n <= 1) {
      (*chunks)[d] = {n};
      continue;
    }
    std::set<uint64_t> bounds;
    for (const Array* a : operands) {
      if (d + a->ndim() < nd || a->data()->scalar) continue;
      const size_t ad = d + a->ndim() - nd;
      if (a->shape()[ad] != n) continue;
      uint64_t at = 0;
      for (uint64_t c : a->chunks()[ad]) bounds.insert(at += c);
    }
    uint64_t prev = 0;
    for (uint64_t b : bounds) {
      if (b > prev) (*chunks)[d].push_back(b - prev);
      prev = b;
    }
  }
  return absl::OkStatus();
}

Array MakeOf(absl::string_view op, ExprPtr e, const std::vector<const Array*>& operands) {
  Shape shape;
  Chunks chunks;
  if (absl::Status s = Broadcast(op, operands, &shape, &chunks); !s.ok()) return ErrorArray(s);
  std::vector<std::string> parts = {std::string(op), std::string(DTypeName(e->dtype))};
  for (const Array* a : operands) parts.push_back(a->name());
  std::string name = ArrayName(op, parts);
  return MakeElementwise(std::move(e), std::move(shape), std::move(chunks), std::move(name));
}

Array Make(absl::string_view op, DType dtype, std::vector<ExprPtr> args,
           const std::vector<const Array*>& operands) {
  return MakeOf(op, OpExpr(std::string(op), dtype, std::move(args)), operands);
}

enum class Rule { kSame, kDivide, kPower, kCompare, kBitwise };

Array Binary(absl::string_view op, Rule rule, const Array& a, const Array& b) {
  if (absl::Status s = FirstError({&a, &b}); !s.ok()) return ErrorArray(s);
  DType t = ResultType(a, b);
  DType out = t;
  switch (rule) {
    case Rule::kSame:
      if (t == v1::DTYPE_BOOL && op == "sub") {
        return ErrorArray(absl::InvalidArgumentError(
            "sub: subtracting bool arrays is not supported (as in NumPy); use != instead"));
      }
      break;
    case Rule::kDivide:
      if (!IsFloat(t)) t = out = v1::DTYPE_FLOAT64;
      break;
    case Rule::kPower:
      if (t == v1::DTYPE_BOOL) t = out = v1::DTYPE_INT8;
      break;
    case Rule::kCompare:
      out = v1::DTYPE_BOOL;
      break;
    case Rule::kBitwise:
      if (IsFloat(t)) {
        return ErrorArray(absl::InvalidArgumentError(
            absl::StrCat(op, ": needs bool or integer operands, got ", DTypeName(a.dtype()),
                         " and ", DTypeName(b.dtype()))));
      }
      break;
  }
  return Make(op, out, {CastExpr(ExprOf(a), t), CastExpr(ExprOf(b), t)}, {&a, &b});
}

enum class URule { kSame, kBool, kMath };

Array Unary(absl::string_view op, URule rule, const Array& a) {
  if (!a.ok()) return a;
  DType t = a.dtype(), out = a.dtype();
  if (rule == URule::kMath) t = out = MathType(a.dtype());
  if (rule == URule::kBool) out = v1::DTYPE_BOOL;
  if (op == "neg" && t == v1::DTYPE_BOOL) {
    return ErrorArray(absl::InvalidArgumentError(
        "neg: negating a bool array is not supported (as in NumPy); use ! instead"));
  }
  return Make(op, out, {CastExpr(ExprOf(a), t)}, {&a});
}

}  // namespace

Array operator+(const Array& a, const Array& b) { return Binary("add", Rule::kSame, a, b); }
Array operator-(const Array& a, const Array& b) { return Binary("sub", Rule::kSame, a, b); }
Array operator*(const Array& a, const Array& b) { return Binary("mul", Rule::kSame, a, b); }
Array operator/(const Array& a, const Array& b) { return Binary("div", Rule::kDivide, a, b); }
Array operator^(const Array& a, const Array& b) { return Binary("pow", Rule::kPower, a, b); }
Array operator<(const Array& a, const Array& b) { return Binary("lt", Rule::kCompare, a, b); }
Array operator<=(const Array& a, const Array& b) { return Binary("le", Rule::kCompare, a, b); }
Array operator>(const Array& a, const Array& b) { return Binary("gt", Rule::kCompare, a, b); }
Array operator>=(const Array& a, const Array& b) { return Binary("ge", Rule::kCompare, a, b); }
Array operator==(const Array& a, const Array& b) { return Binary("eq", Rule::kCompare, a, b); }
Array operator!=(const Array& a, const Array& b) { return Binary("ne", Rule::kCompare, a, b); }
Array operator&(const Array& a, const Array& b) { return Binary("and", Rule::kBitwise, a, b); }
Array operator|(const Array& a, const Array& b) { return Binary("or", Rule::kBitwise, a, b); }
Array Array::operator-() const { return Unary("neg", URule::kSame, *this); }
Array Array::operator!() const { return Unary("not", URule::kBool, *this); }

Array Pow(const Array& a, const Array& b) { return a ^ b; }
Array Maximum(const Array& a, const Array& b) { return Binary("max", Rule::kSame, a, b); }
Array Minimum(const Array& a, const Array& b) { return Binary("min", Rule::kSame, a, b); }
Array Exp(const Array& a) { return Unary("exp", URule::kMath, a); }
Array Log(const Array& a) { return Unary("log", URule::kMath, a); }
Array Sqrt(const Array& a) { return Unary("sqrt", URule::kMath, a); }
Array Abs(const Array& a) { return Unary("abs", URule::kSame, a); }
Array Sin(const Array& a) { return Unary("sin", URule::kMath, a); }
Array Cos(const Array& a) { return Unary("cos", URule::kMath, a); }
Array Tanh(const Array& a) { return Unary("tanh", URule::kMath, a); }
Array Floor(const Array& a) { return Unary("floor", URule::kMath, a); }
Array Ceil(const Array& a) { return Unary("ceil", URule::kMath, a); }
Array IsNan(const Array& a) { return Unary("isnan", URule::kBool, a); }

Array Array::Cast(DType dtype) const {
  if (!ok()) return *this;
  if (ItemSize(dtype) == 0) {
    return ErrorArray(absl::InvalidArgumentError(
        absl::StrCat("cast: ", DTypeName(dtype), " is not a numeric dtype")));
  }
  if (dtype == this->dtype()) return *this;
  return MakeOf("cast", CastExpr(ExprOf(*this), dtype), {this});
}

Array Where(const Array& condition, const Array& if_true, const Array& if_false) {
  if (absl::Status s = FirstError({&condition, &if_true, &if_false}); !s.ok()) {
    return ErrorArray(s);
  }
  const DType t = ResultType(if_true, if_false);
  return Make("where", t,
              {CastExpr(ExprOf(condition), v1::DTYPE_BOOL), CastExpr(ExprOf(if_true), t),
               CastExpr(ExprOf(if_false), t)},
              {&condition, &if_true, &if_false});
}

}  // namespace brisk
