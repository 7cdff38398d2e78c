#include "worker/frame/table_join.h"

#include <cstdint>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "worker/array/array_ops.h"
#include "worker/frame/canonical_value.h"
#include "worker/frame/column_take.h"
#include "worker/frame/frame_ops.h"
#include "worker/frame/table_assembly.h"

namespace brisk {
namespace {

absl::StatusOr<std::vector<ColumnView>> Columns(const TableView& t,
                                                absl::Span<const std::string> names,
                                                absl::string_view side) {
  std::vector<ColumnView> out;
  for (const std::string& name : names) {
    absl::StatusOr<ColumnView> c = t.column(name);
    if (!c.ok()) {
      return absl::Status(c.status().code(),
                          absl::StrCat("the ", side, " table: ", c.status().message()));
    }
    out.push_back(*c);
  }
  return out;
}

}  // namespace

absl::StatusOr<v1::Value> JoinTables(const TableView& left, const TableView& right,
                                     absl::Span<const std::string> on, JoinHow how) {
  if (on.empty()) return absl::InvalidArgumentError("a join needs at least one key column");
  absl::StatusOr<std::vector<ColumnView>> lkeys = Columns(left, on, "left");
  if (!lkeys.ok()) return lkeys.status();
  absl::StatusOr<std::vector<ColumnView>> rkeys = Columns(right, on, "right");
  if (!rkeys.ok()) return rkeys.status();

  // The right rows of each key, chained in order: head[key] is the first, next[r] the one after.
  absl::flat_hash_map<std::string, std::pair<uint64_t, uint64_t>> first_last;
  std::vector<uint64_t> next(right.num_rows(), kNoRow);
  std::string key, scratch;
  for (uint64_t r = 0; r < right.num_rows(); ++r) {
    RowKey(*rkeys, r, key, scratch);
    auto [it, added] = first_last.try_emplace(key, r, r);
    if (!added) {
      next[it->second.second] = r;
      it->second.second = r;
    }
  }
  std::vector<uint64_t> lrows, rrows;
  lrows.reserve(left.num_rows());
  rrows.reserve(left.num_rows());
  for (uint64_t l = 0; l < left.num_rows(); ++l) {
    RowKey(*lkeys, l, key, scratch);
    auto it = first_last.find(key);
    if (it == first_last.end()) {
      if (how == JoinHow::kLeft) {
        lrows.push_back(l);
        rrows.push_back(kNoRow);
      }
      continue;
    }
    for (uint64_t r = it->second.first; r != kNoRow; r = next[r]) {
      lrows.push_back(l);
      rrows.push_back(r);
    }
  }

  const absl::flat_hash_set<std::string> keys(on.begin(), on.end());
  absl::flat_hash_set<std::string> left_names, right_names;
  for (const ColumnView& c : left.columns()) left_names.insert(c.name());
  for (const ColumnView& c : right.columns()) right_names.insert(c.name());
  std::vector<ColumnBuffers> out;
  auto add = [&](const ColumnView& c, const std::vector<uint64_t>& rows,
                 std::string name) -> absl::Status {
    absl::StatusOr<ColumnBuffers> b = TakeRows(c, rows);
    if (!b.ok()) return b.status();
    b->name = std::move(name);
    out.push_back(*std::move(b));
    return absl::OkStatus();
  };
  for (const std::string& k : on) {
    if (absl::Status s = add(left.column(k).value(), lrows, k); !s.ok()) return s;
  }
  for (const ColumnView& c : left.columns()) {
    if (keys.contains(c.name())) continue;
    const std::string name = right_names.contains(c.name()) ? c.name() + "_x" : c.name();
    if (absl::Status s = add(c, lrows, name); !s.ok()) return s;
  }
  for (const ColumnView& c : right.columns()) {
    if (keys.contains(c.name())) continue;
    const std::string name = left_names.contains(c.name()) ? c.name() + "_y" : c.name();
    if (absl::Status s = add(c, rrows, name); !s.ok()) return s;
  }
  return AssembleTable(lrows.size(), std::move(out));
}

namespace {

absl::StatusOr<v1::Value> JoinOp(OpContext&, const OpArgs& args) {
  absl::StatusOr<TableView> left = args.Table(0);
  if (!left.ok()) return left.status();
  absl::StatusOr<TableView> right = args.Table(1);
  if (!right.ok()) return right.status();
  absl::StatusOr<std::vector<std::string>> on = ColumnNames(args[2], "\"on\"");
  if (!on.ok()) return on.status();
  absl::StatusOr<absl::string_view> how = args.Str("how", "inner");
  if (!how.ok()) return how.status();
  if (*how != "inner" && *how != "left") {
    return absl::InvalidArgumentError(
        absl::StrCat("\"how\" must be \"inner\" or \"left\", got \"", *how, "\""));
  }
  return JoinTables(*left, *right, *on, *how == "left" ? JoinHow::kLeft : JoinHow::kInner);
}

}  // namespace

void RegisterFrameJoinOps(OpRegistry& registry) {
  OpSignature sig;
  sig.args = {{"left", Kind::kTable}, {"right", Kind::kTable}, {"on"}};
  sig.kwargs = {{"how", Kind::kStr}};
  sig.result = Kind::kTable;
  registry.Register("frame.join", std::move(sig), ArrayOpNamed("frame.join", JoinOp));
}

}  // namespace brisk
