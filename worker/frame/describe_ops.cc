// The steps of brisk::Frame::Describe as ops (describe_table.h):
//
//   frame.describe_columns(table)                  -> [[name, kind], ...]
//   frame.describe_plan(kinds...)                  -> [numeric columns, their aggregates]
//   frame.quantile_sketch(table, columns, points)  -> a sketch table per column (a list)
//   frame.describe_finish(stats, columns, sketch...) -> the describe table
//   frame.describe(table)                          -> the describe table of one table
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "worker/array/array_ops.h"
#include "worker/frame/describe_table.h"
#include "worker/frame/frame_ops.h"

namespace brisk {
namespace {

absl::StatusOr<v1::Value> ColumnsOp(OpContext&, const OpArgs& args) {
  absl::StatusOr<TableView> table = args.Table(0);
  if (!table.ok()) return table.status();
  return DescribeColumnKinds(*table);
}

absl::StatusOr<v1::Value> PlanOp(OpContext&, const OpArgs& args) {
  std::vector<const v1::Value*> kinds;
  for (size_t i = 0; i < args.size(); ++i) kinds.push_back(&args[i]);
  if (kinds.empty()) return absl::InvalidArgumentError("describe_plan: no column kinds");
  return DescribePlan(kinds);
}

absl::StatusOr<v1::Value> SketchOp(OpContext&, const OpArgs& args) {
  absl::StatusOr<TableView> table = args.Table(0);
  if (!table.ok()) return table.status();
  absl::StatusOr<std::vector<std::string>> columns = ColumnNames(args[1], "\"columns\"");
  if (!columns.ok()) return columns.status();
  absl::StatusOr<int64_t> points = args.Int(2);
  if (!points.ok()) return points.status();
  if (*points < 2) {
    return absl::InvalidArgumentError(absl::StrCat("points is ", *points, ", at least 2"));
  }
  return QuantileSketch(*table, *columns, static_cast<uint64_t>(*points));
}

absl::StatusOr<v1::Value> FinishOp(OpContext&, const OpArgs& args) {
  absl::StatusOr<TableView> stats = args.Table(0);
  if (!stats.ok()) return stats.status();
  absl::StatusOr<std::vector<std::string>> columns = ColumnNames(args[1], "\"columns\"");
  if (!columns.ok()) return columns.status();
  std::vector<const v1::Value*> sketches;
  for (size_t i = 2; i < args.size(); ++i) sketches.push_back(&args[i]);
  return DescribeFinish(*stats, *columns, sketches);
}

absl::StatusOr<v1::Value> DescribeOp(OpContext&, const OpArgs& args) {
  absl::StatusOr<TableView> table = args.Table(0);
  if (!table.ok()) return table.status();
  return DescribeTable(*table);
}

void Add(OpRegistry& registry, const std::string& name, OpSignature sig, OpFn fn) {
  registry.Register(name, std::move(sig), ArrayOpNamed(name, std::move(fn)));
}

}  // namespace

void RegisterFrameDescribeOps(OpRegistry& registry) {
  {
    OpSignature sig;
    sig.args = {{"table", Kind::kTable}};
    sig.result = Kind::kList;
    Add(registry, "frame.describe_columns", std::move(sig), ColumnsOp);
  }
  {
    OpSignature sig;
    sig.more_args = true;
    sig.result = Kind::kList;
    Add(registry, "frame.describe_plan", std::move(sig), PlanOp);
  }
  {
    OpSignature sig;
    sig.args = {{"table", Kind::kTable}, {"columns"}, {"points", Kind::kInt}};
    sig.result = Kind::kList;
    Add(registry, "frame.quantile_sketch", std::move(sig), SketchOp);
  }
  {
    OpSignature sig;
    sig.args = {{"stats", Kind::kTable}, {"columns"}};
    sig.more_args = true;
    sig.result = Kind::kTable;
    Add(registry, "frame.describe_finish", std::move(sig), FinishOp);
  }
  {
    OpSignature sig;
    sig.args = {{"table", Kind::kTable}};
    sig.result = Kind::kTable;
    Add(registry, "frame.describe", std::move(sig), DescribeOp);
  }
}

}  // namespace brisk
