// frame.groupby_partial, frame.groupby_combine, frame.groupby_finish, frame.groupby and
// frame.sort: the grouped aggregates of brisk::Frame::GroupBy (worker/frame/group_aggregate.h)
// and the sort of a table (worker/frame/row_order.h).
//
//   frame.groupby_partial(table, keys, aggs)                 -> partial (a table)
//   frame.groupby_combine(partial..., keys=, aggs=)          -> partial
//   frame.groupby_finish(partial, keys, aggs, names=[...])   -> table
//   frame.groupby(table, keys, aggs, names=[...])            -> table (one partition's result)
//   frame.sort(table, by, ascending=true)                    -> table
//
// keys and by: a column name or a list of them; aggs: a list of "FN(COL)" or "count()" (see
// ParseAggregate); ascending: a bool, or one per column of `by`.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "worker/array/array_ops.h"
#include "worker/frame/column_take.h"
#include "worker/frame/frame_ops.h"
#include "worker/frame/group_aggregate.h"
#include "worker/frame/row_order.h"
#include "worker/frame/table_assembly.h"

namespace brisk {
namespace {

absl::StatusOr<GroupSpec> Spec(const v1::Value* keys, const v1::Value* aggs) {
  if (keys == nullptr || aggs == nullptr) {
    return absl::InvalidArgumentError("\"keys\" and \"aggs\" must be given");
  }
  GroupSpec spec;
  absl::StatusOr<std::vector<std::string>> k = ColumnNames(*keys, "\"keys\"");
  if (!k.ok()) return k.status();
  spec.keys = *std::move(k);
  absl::StatusOr<std::vector<std::string>> a = ColumnNames(*aggs, "\"aggs\"");
  if (!a.ok()) return a.status();
  for (const std::string& text : *a) {
    absl::StatusOr<Aggregate> agg = ParseAggregate(text);
    if (!agg.ok()) return agg.status();
    spec.aggs.push_back(*std::move(agg));
  }
  return spec;
}

absl::StatusOr<std::vector<std::string>> OutputColumnNames(const OpArgs& args,
                                                           const GroupSpec& spec) {
  const v1::Value* names = args.Kwarg("names");
  if (names == nullptr) return std::vector<std::string>{};
  absl::StatusOr<std::vector<std::string>> n = ColumnNames(*names, "\"names\"");
  if (n.ok() && n->size() != spec.aggs.size()) {
    return absl::InvalidArgumentError(absl::StrCat("\"names\" gives ", n->size(), " names for ",
                                                   spec.aggs.size(), " aggregates"));
  }
  return n;
}

absl::StatusOr<v1::Value> PartialOp(OpContext&, const OpArgs& args) {
  absl::StatusOr<TableView> table = args.Table(0);
  if (!table.ok()) return table.status();
  absl::StatusOr<GroupSpec> spec = Spec(&args[1], &args[2]);
  if (!spec.ok()) return spec.status();
  return PartialAggregate(*table, *spec);
}

absl::StatusOr<v1::Value> CombineOp(OpContext&, const OpArgs& args) {
  absl::StatusOr<GroupSpec> spec = Spec(args.Kwarg("keys"), args.Kwarg("aggs"));
  if (!spec.ok()) return spec.status();
  if (args.size() == 0) return absl::InvalidArgumentError("no partial aggregate to combine");
  std::vector<TableView> partials;
  for (size_t i = 0; i < args.size(); ++i) {
    absl::StatusOr<TableView> t = args.Table(i);
    if (!t.ok()) return t.status();
    partials.push_back(*t);
  }
  return CombineAggregates(partials, *spec);
}

absl::StatusOr<v1::Value> FinishOp(OpContext&, const OpArgs& args) {
  absl::StatusOr<TableView> table = args.Table(0);
  if (!table.ok()) return table.status();
  absl::StatusOr<GroupSpec> spec = Spec(&args[1], &args[2]);
  if (!spec.ok()) return spec.status();
  absl::StatusOr<std::vector<std::string>> names = OutputColumnNames(args, *spec);
  if (!names.ok()) return names.status();
  return FinishAggregate(*table, *spec, *names);
}

absl::StatusOr<v1::Value> GroupByOp(OpContext&, const OpArgs& args) {
  absl::StatusOr<TableView> table = args.Table(0);
  if (!table.ok()) return table.status();
  absl::StatusOr<GroupSpec> spec = Spec(&args[1], &args[2]);
  if (!spec.ok()) return spec.status();
  absl::StatusOr<std::vector<std::string>> names = OutputColumnNames(args, *spec);
  if (!names.ok()) return names.status();
  absl::StatusOr<v1::Value> partial = PartialAggregate(*table, *spec);
  if (!partial.ok()) return partial.status();
  absl::StatusOr<TableView> view = TableView::Of(*partial);
  if (!view.ok()) return view.status();
  return FinishAggregate(*view, *spec, *names);
}

absl::StatusOr<v1::Value> SortOp(OpContext&, const OpArgs& args) {
  absl::StatusOr<TableView> table = args.Table(0);
  if (!table.ok()) return table.status();
  absl::StatusOr<std::vector<SortKey>> keys = SortKeysArg(args[1], args.Kwarg("ascending"));
  if (!keys.ok()) return keys.status();
  absl::StatusOr<std::vector<uint64_t>> rows = SortedRows(*table, *keys);
  if (!rows.ok()) return rows.status();
  std::vector<ColumnBuffers> out;
  for (const ColumnView& c : table->columns()) {
    absl::StatusOr<ColumnBuffers> b = TakeRows(c, *rows);
    if (!b.ok()) return b.status();
    out.push_back(*std::move(b));
  }
  return AssembleTable(rows->size(), std::move(out));
}

void Add(OpRegistry& registry, const std::string& name, OpSignature sig, OpFn fn) {
  sig.result = Kind::kTable;
  registry.Register(name, std::move(sig), ArrayOpNamed(name, std::move(fn)));
}

}  // namespace

void RegisterFrameGroupOps(OpRegistry& registry) {
  {
    OpSignature sig;
    sig.args = {{"table", Kind::kTable}, {"keys"}, {"aggs", Kind::kList}};
    Add(registry, "frame.groupby_partial", std::move(sig), PartialOp);
  }
  {
    OpSignature sig;
    sig.more_args = true;
    sig.kwargs = {{"keys"}, {"aggs", Kind::kList}};
    Add(registry, "frame.groupby_combine", std::move(sig), CombineOp);
  }
  {
    OpSignature sig;
    sig.args = {{"partial", Kind::kTable}, {"keys"}, {"aggs", Kind::kList}};
    sig.kwargs = {{"names", Kind::kList}};
    Add(registry, "frame.groupby_finish", std::move(sig), FinishOp);
  }
  {
    OpSignature sig;
    sig.args = {{"table", Kind::kTable}, {"keys"}, {"aggs", Kind::kList}};
    sig.kwargs = {{"names", Kind::kList}};
    Add(registry, "frame.groupby", std::move(sig), GroupByOp);
  }
  {
    OpSignature sig;
    sig.args = {{"table", Kind::kTable}, {"by"}};
    sig.kwargs = {{"ascending"}};
    Add(registry, "frame.sort", std::move(sig), SortOp);
  }
}

}  // namespace brisk
