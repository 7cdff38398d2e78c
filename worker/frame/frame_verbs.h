// The per-partition verbs of brisk::Frame — filter, assign, select, drop, rename, head — and a
// chain of them applied in one pass (frame.apply), each expression parsed once per call.
//
// A step is written as a list: ["filter", expr], ["assign", name, expr], ["select", col...],
// ["drop", col...], ["rename", old, new, ...], ["head", n].
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "brisk/v1/value.pb.h"
#include "common/frame_expression.h"
#include "worker/frame/frame_columns.h"

namespace brisk {

struct FrameStep {
  enum class Verb : uint8_t { kFilter, kAssign, kSelect, kDrop, kRename, kHead };
  Verb verb = Verb::kFilter;
  std::string text;                // filter, assign: the expression as written
  FrameExpr expr;                  // filter, assign: parsed
  std::string name;                // assign: the column it makes
  std::vector<std::string> names;  // select, drop: the columns; rename: old, new, ...
  int64_t n = 0;                   // head: rows kept (negative: all but the last -n, as pandas)
};

// "filter", "assign", "select", "drop", "rename", "head".
absl::string_view VerbName(FrameStep::Verb verb);

// The step named `verb` with its operands (the step list's items after the verb);
// InvalidArgument saying what is wrong (an unknown verb, a missing or mistyped operand, an
// expression that does not parse); the caller names the step.
absl::StatusOr<FrameStep> ParseFrameStep(absl::string_view verb,
                                         absl::Span<const v1::Value* const> operands);
// A step written as a list ["verb", operand...].
absl::StatusOr<FrameStep> ParseFrameStep(const v1::Value& step);

// Applies one step. Errors: NotFound for a column the table lacks (naming it and listing the
// table's), InvalidArgument for an expression that does not apply to the columns' types or a
// filter expression that is not bool, and for a duplicated or empty name.
absl::Status ApplyFrameStep(const FrameStep& step, FrameColumns& table);

}  // namespace brisk
