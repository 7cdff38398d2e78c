// The per-partition verbs as ops (frame_verbs.h):
//
//   frame.filter(table, expr)                 the rows where expr is true (null: false)
//   frame.assign(table, name, expr)           adds or replaces column `name`
//   frame.select(table, col...)   frame.drop(table, col...)
//   frame.rename(table, old, new, ...)        frame.head(table, n)
//   frame.apply(table, [[verb, operand...], ...])
//                                             the steps in order, in one task
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "worker/array/array_ops.h"
#include "worker/frame/frame_ops.h"
#include "worker/frame/frame_verbs.h"

namespace brisk {
namespace {

absl::StatusOr<v1::Value> Run(const TableView& input, const std::vector<FrameStep>& steps,
                              bool numbered) {
  FrameColumns table = FrameColumns::Of(input);
  for (size_t i = 0; i < steps.size(); ++i) {
    if (absl::Status s = ApplyFrameStep(steps[i], table); !s.ok()) {
      if (!numbered) return s;
      return absl::Status(s.code(), absl::StrCat("step ", i + 1, " (", VerbName(steps[i].verb),
                                                 "): ", s.message()));
    }
  }
  return table.ToTable();
}

// frame.VERB(table, operand...): one step.
OpFn VerbOp(std::string verb) {
  return [verb = std::move(verb)](OpContext&, const OpArgs& args) -> absl::StatusOr<v1::Value> {
    absl::StatusOr<TableView> table = args.Table(0);
    if (!table.ok()) return table.status();
    std::vector<const v1::Value*> operands(args.args.begin() + 1, args.args.end());
    absl::StatusOr<FrameStep> step = ParseFrameStep(verb, operands);
    if (!step.ok()) return step.status();
    return Run(*table, {*std::move(step)}, /*numbered=*/false);
  };
}

absl::StatusOr<v1::Value> ApplyOp(OpContext&, const OpArgs& args) {
  absl::StatusOr<TableView> table = args.Table(0);
  if (!table.ok()) return table.status();
  const v1::Value& list = args[1];
  if (list.kind_case() != v1::Value::kList) {
    return args.Error(
        absl::StrCat(args.Describe(1), " must be a list of steps, got ", KindName(list)));
  }
  std::vector<FrameStep> steps;
  for (int i = 0; i < list.list().items_size(); ++i) {
    const v1::Value& item = list.list().items(i);
    absl::StatusOr<FrameStep> step = ParseFrameStep(item);
    if (!step.ok()) {
      // Name the verb when it is a known one.
      std::string where = absl::StrCat("step ", i + 1);
      if (item.list().items_size() > 0 && item.list().items(0).kind_case() == v1::Value::kStr &&
          !absl::StartsWith(step.status().message(), "unknown verb")) {
        absl::StrAppend(&where, " (", item.list().items(0).str(), ")");
      }
      return absl::Status(step.status().code(), absl::StrCat(where, ": ", step.status().message()));
    }
    steps.push_back(*std::move(step));
  }
  return Run(*table, steps, /*numbered=*/true);
}

void RegisterVerb(OpRegistry& registry, const std::string& verb, std::vector<Param> operands,
                  bool more) {
  OpSignature sig;
  sig.args = {{"table", Kind::kTable}};
  for (Param& p : operands) sig.args.push_back(std::move(p));
  sig.more_args = more;
  sig.result = Kind::kTable;
  const std::string name = "frame." + verb;
  registry.Register(name, std::move(sig), ArrayOpNamed(name, VerbOp(verb)));
}

}  // namespace

void RegisterFrameVerbOps(OpRegistry& registry) {
  RegisterVerb(registry, "filter", {{"expr", Kind::kStr}}, false);
  RegisterVerb(registry, "assign", {{"name", Kind::kStr}, {"expr", Kind::kStr}}, false);
  RegisterVerb(registry, "select", {{"column", Kind::kStr}}, true);
  RegisterVerb(registry, "drop", {{"column", Kind::kStr}}, true);
  RegisterVerb(registry, "rename", {{"old", Kind::kStr}, {"new", Kind::kStr}}, true);
  RegisterVerb(registry, "head", {{"n", Kind::kInt}}, false);
  OpSignature sig;
  sig.args = {{"table", Kind::kTable}, {"steps", Kind::kList}};
  sig.result = Kind::kTable;
  registry.Register("frame.apply", std::move(sig), ArrayOpNamed("frame.apply", ApplyOp));
}

}  // namespace brisk
