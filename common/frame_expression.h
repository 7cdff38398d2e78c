// Column expressions of brisk::Frame (filter, assign): the syntax tree and its parser, shared by
// the workers that evaluate them and by the client and CLI that check them before submitting.
//
// The grammar, pandas-query-like, loosest binding first:
//   or (also "|")         and (also "&")      not (also "~", unary)
//   == != < <= > >=       (do not chain)
//   + -                   * / // %            - (unary)
//   primaries: a column name (identifier [A-Za-z_][A-Za-z0-9_.]* or `any name` in backquotes),
//   an int or float literal, a string literal in '...' or "..." (backslash escapes the quote and
//   the backslash), true / false (also True / False), ( expression ), and the functions
//   isnull(e), notnull(e), startswith(e, 'text'), endswith(e, 'text'), contains(e, 'text'),
//   abs(e), lower(e).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace brisk {

enum class FrameExprOp : uint8_t {
  kOr,
  kAnd,
  kNot,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kAdd,
  kSub,
  kMul,
  kDiv,  // true division: float64
  kMod,
  kFloorDiv,  // as Python's and NumPy's //
  kNeg,
  kIsNull,
  kNotNull,
  kStartsWith,
  kEndsWith,
  kContains,
  kAbs,
  kLower,
};

// How an operator or function is written: "or", "==", "+", "-" (kNeg), "isnull", ...
absl::string_view FrameExprOpName(FrameExprOp op);

// One node of an expression's syntax tree.
struct FrameExpr {
  enum class Kind : uint8_t { kColumn, kInt, kFloat, kString, kBool, kOp };
  Kind kind = Kind::kBool;
  FrameExprOp op = FrameExprOp::kOr;  // kOp only
  std::string text;                   // kColumn: the name; kString: the text
  int64_t int_value = 0;
  double float_value = 0;
  bool bool_value = false;
  std::vector<FrameExpr> args;  // kOp: the operands (functions: their arguments)
  int column = 1;  // 1-based column (in characters) of the node's first character in the source
};

// The syntax tree of `text`; InvalidArgument naming the token and its 1-based column (counted in
// characters of the UTF-8 text):
// `expression "status >= 5oo": unexpected "oo" at column 12`.
absl::StatusOr<FrameExpr> ParseFrameExpression(absl::string_view text);

// The columns `expr` reads, each once, in the order they first appear.
std::vector<std::string> FrameExpressionColumns(const FrameExpr& expr);

}  // namespace brisk
