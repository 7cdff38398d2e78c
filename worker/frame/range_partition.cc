// frame.sort_sample, frame.sort_bounds and frame.range_partition (range_partition.h):
//
//   frame.sort_sample(table, by, size)                       -> [sample table, rows]
//   frame.sort_bounds(sample..., by=, pieces=, ascending=)   -> boundaries (a table)
//   frame.range_partition(table, bounds, by, piece, pieces, ascending=)  -> the piece's rows
//
// by: a column or a list of them; ascending: a bool, or one per column of `by` (as frame.sort's).
#include "worker/frame/range_partition.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "worker/array/array_ops.h"
#include "worker/frame/column_take.h"
#include "worker/frame/frame_ops.h"
#include "worker/frame/table_assembly.h"
#include "worker/frame/table_concat.h"

namespace brisk {
namespace {

uint64_t Mix(uint64_t x) {  // splitmix64's finalizer
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

absl::StatusOr<v1::Value> TakeTable(const TableView& table, absl::Span<const ColumnView> columns,
                                    const std::vector<uint64_t>& rows) {
  std::vector<ColumnBuffers> out;
  for (const ColumnView& c : columns) {
    absl::StatusOr<ColumnBuffers> b = TakeRows(c, rows);
    if (!b.ok()) return b.status();
    out.push_back(*std::move(b));
  }
  return AssembleTable(rows.size(), std::move(out));
}

bool HasValues(const ColumnView& c) { return c.null_count() < c.size(); }

}  // namespace

absl::StatusOr<v1::Value> SortSample(const TableView& table, absl::Span<const SortKey> keys,
                                     uint64_t size) {
  absl::StatusOr<std::vector<ColumnView>> columns = SortColumns(table, keys);
  if (!columns.ok()) return columns.status();
  const uint64_t n = table.num_rows(), m = std::min(n, size);
  std::vector<uint64_t> rows;
  rows.reserve(m);
  for (uint64_t k = 0; k < m; ++k) {
    // Row k of m equal runs, at a place in its run that varies from run to run.
    const uint64_t begin = k * n / m, end = (k + 1) * n / m;
    rows.push_back(begin + Mix(k) % (end - begin));
  }
  absl::StatusOr<v1::Value> sample = TakeTable(table, *columns, rows);
  if (!sample.ok()) return sample.status();
  v1::Value out;
  *out.mutable_list()->add_items() = *std::move(sample);
  out.mutable_list()->add_items()->set_int_(static_cast<int64_t>(n));
  return out;
}

absl::StatusOr<v1::Value> SortBounds(absl::Span<const SortSampleView> samples,
                                     absl::Span<const SortKey> keys, uint32_t pieces) {
  if (pieces < 1) return absl::InvalidArgumentError("need at least one piece");
  if (samples.empty()) return absl::InvalidArgumentError("no sample to choose boundaries from");
  std::vector<TableView> tables;
  std::vector<double> weights;
  bool mixed = false;
  for (size_t k = 0; k < keys.size(); ++k) {
    bool text = false, numbers = false;
    for (const SortSampleView& s : samples) {
      absl::StatusOr<ColumnView> c = s.rows.column(keys[k].column);
      if (!c.ok()) return c.status();
      if (!HasValues(*c)) continue;  // a column with no value takes the others' dtype
      (c->dtype() == v1::DTYPE_STRING ? text : numbers) = true;
    }
    mixed = mixed || (text && numbers);
  }
  for (const SortSampleView& s : samples) {
    tables.push_back(s.rows);
    const uint64_t m = s.rows.num_rows();
    for (uint64_t r = 0; r < m; ++r) weights.push_back(static_cast<double>(s.of_rows) / m);
  }
  absl::StatusOr<v1::Value> all = ConcatTables(tables);
  if (!all.ok()) return all.status();
  absl::StatusOr<TableView> view = TableView::Of(*all);
  if (!view.ok()) return view.status();
  absl::StatusOr<std::vector<ColumnView>> columns = SortColumns(*view, keys);
  if (!columns.ok()) return columns.status();
  std::vector<uint64_t> chosen;
  if (!mixed && view->num_rows() > 0) {
    absl::StatusOr<std::vector<uint64_t>> order = SortedRows(*view, keys);
    if (!order.ok()) return order.status();
    double total = 0;
    for (double w : weights) total += w;
    // Boundary j: the first sampled row (in sort order) by which the weight so far reaches
    // j / pieces of the whole.
    double so_far = 0;
    size_t i = 0;
    for (uint32_t j = 1; j < pieces; ++j) {
      const double target = total * j / pieces;
      while (i + 1 < order->size() && so_far + weights[(*order)[i]] < target) {
        so_far += weights[(*order)[i]];
        ++i;
      }
      chosen.push_back((*order)[i]);
    }
  }
  return TakeTable(*view, *columns, chosen);
}

absl::StatusOr<v1::Value> RangePartition(const TableView& table, const TableView& bounds,
                                         absl::Span<const SortKey> keys, uint32_t piece,
                                         uint32_t pieces) {
  if (bounds.num_rows() >= pieces) {
    return absl::InvalidArgumentError(absl::StrCat(bounds.num_rows(), " boundaries for ", pieces,
                                                   " pieces: at most ", pieces - 1));
  }
  absl::StatusOr<std::vector<ColumnView>> columns = SortColumns(table, keys);
  if (!columns.ok()) return columns.status();
  std::vector<ColumnView> limits;
  if (bounds.num_rows() > 0) {
    absl::StatusOr<std::vector<ColumnView>> b = SortColumns(bounds, keys);
    if (!b.ok()) return b.status();
    limits = *std::move(b);
  }
  std::vector<uint64_t> rows;
  for (uint64_t r = 0; r < table.num_rows(); ++r) {
    // The boundaries before row r: those that sort strictly before it.
    uint64_t lo = 0, hi = bounds.num_rows();
    while (lo < hi) {
      const uint64_t mid = lo + (hi - lo) / 2;
      if (CompareRows(limits, mid, *columns, r, keys) < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    if (lo == piece) rows.push_back(r);
  }
  return TakeTable(table, table.columns(), rows);
}

namespace {

absl::StatusOr<std::vector<SortKey>> Keys(const v1::Value* by, const OpArgs& args) {
  if (by == nullptr) return absl::InvalidArgumentError("\"by\" must be given");
  return SortKeysArg(*by, args.Kwarg("ascending"));
}

absl::StatusOr<uint32_t> Pieces(absl::StatusOr<int64_t> pieces) {
  if (!pieces.ok()) return pieces.status();
  if (*pieces < 1 || *pieces > (int64_t{1} << 20)) {
    return absl::InvalidArgumentError(
        absl::StrCat("pieces is ", *pieces, ": need 1 <= pieces <= 2^20"));
  }
  return static_cast<uint32_t>(*pieces);
}

absl::StatusOr<v1::Value> SampleOp(OpContext&, const OpArgs& args) {
  absl::StatusOr<TableView> table = args.Table(0);
  if (!table.ok()) return table.status();
  absl::StatusOr<std::vector<SortKey>> keys = Keys(&args[1], args);
  if (!keys.ok()) return keys.status();
  absl::StatusOr<int64_t> size = args.Int(2);
  if (!size.ok()) return size.status();
  if (*size < 1) return absl::InvalidArgumentError(absl::StrCat("size is ", *size, ", at least 1"));
  return SortSample(*table, *keys, static_cast<uint64_t>(*size));
}

absl::StatusOr<v1::Value> BoundsOp(OpContext&, const OpArgs& args) {
  absl::StatusOr<std::vector<SortKey>> keys = Keys(args.Kwarg("by"), args);
  if (!keys.ok()) return keys.status();
  const v1::Value* pieces_arg = args.Kwarg("pieces");
  if (pieces_arg == nullptr) return absl::InvalidArgumentError("\"pieces\" must be given");
  absl::StatusOr<uint32_t> pieces = Pieces(args.Int("pieces", 0));
  if (!pieces.ok()) return pieces.status();
  std::vector<SortSampleView> samples;
  for (size_t i = 0; i < args.size(); ++i) {
    const v1::Value& s = args[i];
    absl::StatusOr<TableView> rows;
    if (s.kind_case() == v1::Value::kList && s.list().items_size() == 2 &&
        s.list().items(1).kind_case() == v1::Value::kInt &&
        (rows = TableView::Of(s.list().items(0))).ok() && s.list().items(1).int_() >= 0) {
      samples.push_back({*rows, static_cast<uint64_t>(s.list().items(1).int_())});
    } else {
      return args.Error(
          absl::StrCat(args.Describe(i), " must be a sample of frame.sort_sample ([table, rows])"));
    }
  }
  return SortBounds(samples, *keys, *pieces);
}

absl::StatusOr<v1::Value> RangePartitionOp(OpContext&, const OpArgs& args) {
  absl::StatusOr<TableView> table = args.Table(0);
  if (!table.ok()) return table.status();
  absl::StatusOr<TableView> bounds = args.Table(1);
  if (!bounds.ok()) return bounds.status();
  absl::StatusOr<std::vector<SortKey>> keys = Keys(&args[2], args);
  if (!keys.ok()) return keys.status();
  absl::StatusOr<int64_t> piece = args.Int(3);
  if (!piece.ok()) return piece.status();
  absl::StatusOr<uint32_t> pieces = Pieces(args.Int(4));
  if (!pieces.ok()) return pieces.status();
  if (*piece < 0 || *piece >= *pieces) {
    return absl::InvalidArgumentError(
        absl::StrCat("piece ", *piece, " of ", *pieces, ": need 0 <= piece < pieces"));
  }
  return RangePartition(*table, *bounds, *keys, static_cast<uint32_t>(*piece), *pieces);
}

}  // namespace

void RegisterFrameSortOps(OpRegistry& registry) {
  {
    OpSignature sig;
    sig.args = {{"table", Kind::kTable}, {"by"}, {"size", Kind::kInt}};
    sig.result = Kind::kList;
    registry.Register("frame.sort_sample", std::move(sig),
                      ArrayOpNamed("frame.sort_sample", SampleOp));
  }
  {
    OpSignature sig;
    sig.more_args = true;
    sig.kwargs = {{"by"}, {"pieces", Kind::kInt}, {"ascending"}};
    sig.result = Kind::kTable;
    registry.Register("frame.sort_bounds", std::move(sig),
                      ArrayOpNamed("frame.sort_bounds", BoundsOp));
  }
  {
    OpSignature sig;
    sig.args = {{"table", Kind::kTable},
                {"bounds", Kind::kTable},
                {"by"},
                {"piece", Kind::kInt},
                {"pieces", Kind::kInt}};
    sig.kwargs = {{"ascending"}};
    sig.result = Kind::kTable;
    registry.Register("frame.range_partition", std::move(sig),
                      ArrayOpNamed("frame.range_partition", RangePartitionOp));
  }
}

}  // namespace brisk
