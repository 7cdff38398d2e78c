#include "worker/frame/row_order.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "absl/strings/str_cat.h"

namespace brisk {
namespace {

bool IsMissing(const ColumnView& c, uint64_t r) {
  if (c.IsNull(r)) return true;
  if (c.dtype() == v1::DTYPE_FLOAT64 || c.dtype() == v1::DTYPE_FLOAT32) {
    return std::isnan(c.AsDouble(r));
  }
  return false;
}

template <typename T>
int Three(T a, T b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

}  // namespace

int CompareCells(const ColumnView& x, uint64_t a, const ColumnView& y, uint64_t b) {
  const bool ma = IsMissing(x, a), mb = IsMissing(y, b);
  if (ma || mb) return ma == mb ? 0 : (ma ? 1 : -1);
  if (x.dtype() == v1::DTYPE_STRING || y.dtype() == v1::DTYPE_STRING) {
    if (x.dtype() != y.dtype()) return x.dtype() == v1::DTYPE_STRING ? 1 : -1;
    return x.String(a).compare(y.String(b));
  }
  if (x.dtype() == v1::DTYPE_INT64 && y.dtype() == v1::DTYPE_INT64) {
    return Three(x.values<int64_t>().value()[a], y.values<int64_t>().value()[b]);
  }
  if (x.dtype() == v1::DTYPE_UINT64 && y.dtype() == v1::DTYPE_UINT64) {
    return Three(x.values<uint64_t>().value()[a], y.values<uint64_t>().value()[b]);
  }
  return Three(x.AsDouble(a), y.AsDouble(b));
}

int CompareRows(absl::Span<const ColumnView> x, uint64_t a, absl::Span<const ColumnView> y,
                uint64_t b, absl::Span<const SortKey> keys) {
  for (size_t k = 0; k < keys.size(); ++k) {
    int order = CompareCells(x[k], a, y[k], b);
    // Missing values stay last in either direction.
    if (order != 0 && !IsMissing(x[k], a) && !IsMissing(y[k], b) && !keys[k].ascending) {
      order = -order;
    }
    if (order != 0) return order;
  }
  return 0;
}

absl::StatusOr<std::vector<ColumnView>> SortColumns(const TableView& table,
                                                    absl::Span<const SortKey> keys) {
  std::vector<ColumnView> columns;
  for (const SortKey& key : keys) {
    absl::StatusOr<ColumnView> c = table.column(key.column);
    if (!c.ok()) return c.status();
    columns.push_back(*c);
  }
  return columns;
}

absl::StatusOr<std::vector<uint64_t>> SortedRows(const TableView& table,
                                                 absl::Span<const SortKey> keys) {
  absl::StatusOr<std::vector<ColumnView>> columns = SortColumns(table, keys);
  if (!columns.ok()) return columns.status();
  std::vector<uint64_t> rows(table.num_rows());
  std::iota(rows.begin(), rows.end(), uint64_t{0});
  std::stable_sort(rows.begin(), rows.end(), [&](uint64_t a, uint64_t b) {
    return CompareRows(*columns, a, *columns, b, keys) < 0;
  });
  return rows;
}

}  // namespace brisk
