// Evaluates a column expression (common/frame_expression.h) over a table into one column of one
// row per table row, a whole column per node of the tree (never a walk of the tree per row).
//
// Types and nulls follow pandas (a NaN is a null, as pandas treats it as missing):
//   - int columns of any width are int64, float32 is float64; uint64 is read as float64;
//   - int64 (+ - * // %) int64 is int64 (wrapping on overflow, as NumPy); with a float operand
//     the result is float64; `/` is always float64 (x / 0 is +-inf, 0 / 0 null); `//` and `%`
//     are Python's (NumPy's for floats), and an int64 `//` or `%` whose divisor is 0 in some row
//     is float64 with what pandas fills in there (+-inf, or a null for 0 // 0 and for %); a bool
//     operand of an arithmetic operator counts as int64 when the other is a number;
//   - a null operand of an arithmetic operator, abs or lower gives a null;
//   - comparisons give bool without nulls: false where an operand is null, except `!=`, true
//     there (as pandas: NaN != x is True); strings compare byte by byte with strings only;
//   - and / or / not take bool operands, a null counting as false; isnull / notnull say whether
//     a row has a value; startswith / endswith / contains are false on a null row; lower is
//     Python's str.lower (text_lower.h).
// Errors: NotFound naming an unknown column and listing the table's columns; InvalidArgument
// naming the operator, its column in the expression and the operand types
// ("\"+\" at column 6 does not apply to string (column \"name\") and int64 (5)").
#pragma once

#include "absl/status/statusor.h"
#include "brisk/value.h"
#include "common/frame_expression.h"
#include "worker/frame/frame_columns.h"
#include "worker/frame/table_assembly.h"

namespace brisk {

// The column (unnamed: the caller names it): num_rows rows, dtype bool, int64, float64 or
// string; `validity` empty when no row is null.
absl::StatusOr<ColumnBuffers> EvaluateFrameExpression(const FrameExpr& expr,
                                                      const FrameColumns& table);
absl::StatusOr<ColumnBuffers> EvaluateFrameExpression(const FrameExpr& expr,
                                                      const TableView& table);

}  // namespace brisk
