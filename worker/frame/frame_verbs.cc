#include "worker/frame/frame_verbs.h"

#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "worker/frame/frame_expression_eval.h"
#include "worker/frame/take_rows.h"

namespace brisk {
namespace {

using Verb = FrameStep::Verb;

absl::Status OperandError(size_t i, absl::string_view what, const v1::Value& got) {
  return absl::InvalidArgumentError(
      absl::StrCat("operand ", i + 1, " must be ", what, ", got ", KindName(got)));
}

absl::Status CountError(absl::string_view want, size_t got) {
  return absl::InvalidArgumentError(
      absl::StrCat("takes ", want, ", got ", got, got == 1 ? " operand" : " operands"));
}

absl::StatusOr<std::vector<std::string>> Strings(absl::Span<const v1::Value* const> operands) {
  std::vector<std::string> out;
  for (size_t i = 0; i < operands.size(); ++i) {
    if (operands[i]->kind_case() != v1::Value::kStr) {
      return OperandError(i, "a column name (str)", *operands[i]);
    }
    if (operands[i]->str().empty()) {
      return absl::InvalidArgumentError(absl::StrCat("operand ", i + 1, " is empty"));
    }
    out.push_back(operands[i]->str());
  }
  return out;
}

absl::Status WithContext(absl::string_view prefix, const absl::Status& s) {
  return absl::Status(s.code(), absl::StrCat(prefix, s.message()));
}

absl::StatusOr<ColumnBuffers> Evaluate(const FrameStep& step, const FrameColumns& table) {
  absl::StatusOr<ColumnBuffers> out = EvaluateFrameExpression(step.expr, table);
  if (!out.ok() && out.status().code() == absl::StatusCode::kInvalidArgument &&
      table.num_rows == 0) {
    // A partition of no rows (a header-only file) has text columns whatever the others hold:
    // its types say nothing, so a type error is none. The column has no value, and so no dtype
    // a concatenation would keep (table_concat.h).
    ColumnBuffers none;
    none.dtype = step.verb == FrameStep::Verb::kFilter ? v1::DTYPE_BOOL : v1::DTYPE_FLOAT64;
    return none;
  }
  if (!out.ok()) {
    return WithContext(absl::StrCat("expression \"", step.text, "\": "), out.status());
  }
  return out;
}

}  // namespace

absl::string_view VerbName(FrameStep::Verb verb) {
  switch (verb) {
    case Verb::kFilter:
      return "filter";
    case Verb::kAssign:
      return "assign";
    case Verb::kSelect:
      return "select";
    case Verb::kDrop:
      return "drop";
    case Verb::kRename:
      return "rename";
    case Verb::kHead:
      return "head";
  }
  return "?";
}

absl::StatusOr<FrameStep> ParseFrameStep(absl::string_view verb,
                                         absl::Span<const v1::Value* const> operands) {
  FrameStep step;
  const size_t n = operands.size();
  if (verb == "filter" || verb == "assign") {
    const bool filter = verb == "filter";
    step.verb = filter ? Verb::kFilter : Verb::kAssign;
    if (n != (filter ? 1u : 2u)) {
      return CountError(filter ? "1 operand (an expression)" : "2 operands (a name, an expression)",
                        n);
    }
    if (!filter) {
      absl::StatusOr<std::vector<std::string>> name = Strings(operands.subspan(0, 1));
      if (!name.ok()) return name.status();
      step.name = (*name)[0];
    }
    const v1::Value& text = *operands[n - 1];
    if (text.kind_case() != v1::Value::kStr) return OperandError(n - 1, "str", text);
    step.text = text.str();
    absl::StatusOr<FrameExpr> expr = ParseFrameExpression(step.text);
    if (!expr.ok()) return expr.status();
    step.expr = *std::move(expr);
    return step;
  }
  if (verb == "select" || verb == "drop" || verb == "rename") {
    step.verb = verb == "select" ? Verb::kSelect : verb == "drop" ? Verb::kDrop : Verb::kRename;
    if (n == 0) return CountError("column names", 0);
    if (step.verb == Verb::kRename && n % 2 != 0) {
      return CountError("pairs of names (old, new, ...)", n);
    }
    absl::StatusOr<std::vector<std::string>> names = Strings(operands);
    if (!names.ok()) return names.status();
    step.names = *std::move(names);
    return step;
  }
  if (verb == "head") {
    step.verb = Verb::kHead;
    if (n != 1) return CountError("1 operand (a row count)", n);
    if (operands[0]->kind_case() != v1::Value::kInt) {
      return OperandError(0, "int", *operands[0]);
    }
    step.n = operands[0]->int_();
    return step;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown verb \"", verb, "\" (verbs: filter, assign, select, drop, rename, head)"));
}

absl::StatusOr<FrameStep> ParseFrameStep(const v1::Value& step) {
  if (step.kind_case() != v1::Value::kList || step.list().items_size() == 0 ||
      step.list().items(0).kind_case() != v1::Value::kStr) {
    return absl::InvalidArgumentError(
        absl::StrCat("a step must be a list [\"verb\", operand...], got ", KindName(step)));
  }
  std::vector<const v1::Value*> operands;
  for (int i = 1; i < step.list().items_size(); ++i) operands.push_back(&step.list().items(i));
  return ParseFrameStep(step.list().items(0).str(), operands);
}

absl::Status ApplyFrameStep(const FrameStep& step, FrameColumns& table) {
  switch (step.verb) {
    case Verb::kFilter: {
      absl::StatusOr<ColumnBuffers> mask = Evaluate(step, table);
      if (!mask.ok()) return mask.status();
      if (mask->dtype != v1::DTYPE_BOOL) {
        return absl::InvalidArgumentError(absl::StrCat("expression \"", step.text, "\" is ",
                                                       DTypeName(mask->dtype), ", not bool"));
      }
      std::vector<uint64_t> rows = SelectedRows(mask->data, mask->validity);
      if (rows.size() == table.num_rows) return absl::OkStatus();
      absl::StatusOr<FrameColumns> taken = TakeRows(table, rows);
      if (!taken.ok()) return taken.status();
      table = *std::move(taken);
      return absl::OkStatus();
    }
    case Verb::kAssign: {
      absl::StatusOr<ColumnBuffers> column = Evaluate(step, table);
      if (!column.ok()) return column.status();
      column->name = step.name;
      FrameColumn made = FrameColumn::Owning(*std::move(column));
      for (FrameColumn& c : table.columns) {
        if (c.name == step.name) {
          c = std::move(made);
          return absl::OkStatus();
        }
      }
      table.columns.push_back(std::move(made));
      return absl::OkStatus();
    }
    case Verb::kSelect: {
      std::vector<FrameColumn> picked;
      absl::flat_hash_set<absl::string_view> seen;
      for (const std::string& name : step.names) {
        const FrameColumn* c = table.Find(name);
        if (c == nullptr) return table.NoColumn(name);
        if (!seen.insert(name).second) {
          return absl::InvalidArgumentError(absl::StrCat("column \"", name, "\" named twice"));
        }
        picked.push_back(*c);
      }
      table.columns = std::move(picked);
      return absl::OkStatus();
    }
    case Verb::kDrop: {
      absl::flat_hash_set<absl::string_view> drop;
      for (const std::string& name : step.names) {
        if (table.Find(name) == nullptr) return table.NoColumn(name);
        drop.insert(name);
      }
      std::vector<FrameColumn> kept;
      for (FrameColumn& c : table.columns) {
        if (!drop.contains(c.name)) kept.push_back(std::move(c));
      }
      table.columns = std::move(kept);
      return absl::OkStatus();
    }
    case Verb::kRename: {
      absl::flat_hash_map<std::string, std::string> to;
      for (size_t i = 0; i + 1 < step.names.size(); i += 2) {
        if (table.Find(step.names[i]) == nullptr) {
          return table.NoColumn(step.names[i]);
        }
        if (!to.emplace(step.names[i], step.names[i + 1]).second) {
          return absl::InvalidArgumentError(
              absl::StrCat("column \"", step.names[i], "\" renamed twice"));
        }
      }
      // Every pair at once (a swap works), as pandas renames.
      absl::flat_hash_set<std::string> names;
      for (FrameColumn& c : table.columns) {
        auto it = to.find(c.name);
        const std::string& name = it == to.end() ? c.name : it->second;
        if (!names.insert(name).second) {
          return absl::InvalidArgumentError(
              absl::StrCat("two columns would be named \"", name, "\""));
        }
      }
      for (FrameColumn& c : table.columns) {
        auto it = to.find(c.name);
        if (it != to.end()) c.name = it->second;
      }
      return absl::OkStatus();
    }
    case Verb::kHead: {
      const uint64_t rows = table.num_rows;
      uint64_t keep;
      if (step.n >= 0) {
        keep = static_cast<uint64_t>(step.n);
      } else {
        const uint64_t cut = static_cast<uint64_t>(-(step.n + 1)) + 1;
        keep = cut >= rows ? 0 : rows - cut;
      }
      table = LeadingRows(table, keep);
      return absl::OkStatus();
    }
  }
  return absl::InternalError("unknown verb");
}

}  // namespace brisk
