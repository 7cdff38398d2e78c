#include "worker/frame/hash_partition.h"

#include <functional>

#include "absl/strings/str_cat.h"
#include "worker/array/array_ops.h"
#include "worker/frame/canonical_value.h"
#include "worker/frame/column_take.h"
#include "worker/frame/frame_ops.h"
#include "worker/frame/table_assembly.h"

namespace brisk {

absl::StatusOr<std::vector<uint32_t>> KeyBuckets(const TableView& table,
                                                 absl::Span<const std::string> keys,
                                                 uint32_t buckets) {
  std::vector<ColumnView> columns;
  for (const std::string& key : keys) {
    absl::StatusOr<ColumnView> c = table.column(key);
    if (!c.ok()) return c.status();
    columns.push_back(*c);
  }
  std::vector<uint32_t> out(table.num_rows());
  std::string key, value;
  for (uint64_t r = 0; r < table.num_rows(); ++r) {
    RowKey(columns, r, key, value);
    // std::hash of a string is not salted: every worker process gives a key the same bucket.
    out[r] = static_cast<uint32_t>(std::hash<std::string_view>()(key) % buckets);
  }
  return out;
}

absl::StatusOr<v1::Value> HashPartition(const TableView& table, absl::Span<const std::string> keys,
                                        uint32_t bucket, uint32_t buckets) {
  absl::StatusOr<std::vector<uint32_t>> of = KeyBuckets(table, keys, buckets);
  if (!of.ok()) return of.status();
  std::vector<uint64_t> rows;
  for (uint64_t r = 0; r < of->size(); ++r) {
    if ((*of)[r] == bucket) rows.push_back(r);
  }
  std::vector<ColumnBuffers> out;
  for (const ColumnView& c : table.columns()) {
    absl::StatusOr<ColumnBuffers> b = TakeRows(c, rows);
    if (!b.ok()) return b.status();
    out.push_back(*std::move(b));
  }
  return AssembleTable(rows.size(), std::move(out));
}

namespace {

absl::StatusOr<v1::Value> HashPartitionOp(OpContext&, const OpArgs& args) {
  absl::StatusOr<TableView> table = args.Table(0);
  if (!table.ok()) return table.status();
  absl::StatusOr<std::vector<std::string>> keys = ColumnNames(args[1], "\"keys\"");
  if (!keys.ok()) return keys.status();
  if (keys->empty()) return absl::InvalidArgumentError("\"keys\" names no column");
  absl::StatusOr<int64_t> bucket = args.Int(2);
  absl::StatusOr<int64_t> buckets = args.Int(3);
  if (!bucket.ok() || !buckets.ok()) return !bucket.ok() ? bucket.status() : buckets.status();
  if (*buckets < 1 || *buckets > (int64_t{1} << 20) || *bucket < 0 || *bucket >= *buckets) {
    return absl::InvalidArgumentError(
        absl::StrCat("bucket ", *bucket, " of ", *buckets, ": need 0 <= bucket < buckets <= 2^20"));
  }
  return HashPartition(*table, *keys, static_cast<uint32_t>(*bucket),
                       static_cast<uint32_t>(*buckets));
}

}  // namespace

void RegisterFrameShuffleOps(OpRegistry& registry) {
  OpSignature sig;
  sig.args = {{"table", Kind::kTable}, {"keys"}, {"bucket", Kind::kInt}, {"buckets", Kind::kInt}};
  sig.result = Kind::kTable;
  registry.Register("frame.hash_partition", std::move(sig),
                    ArrayOpNamed("frame.hash_partition", HashPartitionOp));
}

}  // namespace brisk
