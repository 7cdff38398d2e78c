// The order of a table's rows by the values of some columns, as pandas' sort_values orders them
// (stable; nulls and NaN last whichever the direction): the order of groupby's result, of
// frame.sort and of each range partition of sort_values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "brisk/value.h"

namespace brisk {

struct SortKey {
  std::string column;
  bool ascending = true;
};

// The row indices of `table` in sorted order; NotFound naming a column that is not the table's.
absl::StatusOr<std::vector<uint64_t>> SortedRows(const TableView& table,
                                                 absl::Span<const SortKey> keys);

// Compares row a of column x with row b of column y (of comparable dtypes: both strings, or both
// numeric or bool): negative, 0 or positive; a null or NaN sorts after every value.
int CompareCells(const ColumnView& x, uint64_t a, const ColumnView& y, uint64_t b);

// Compares row a of the columns x with row b of the columns y (one per key, in the keys' order)
// as SortedRows orders rows: negative when a comes first, 0 for a tie.
int CompareRows(absl::Span<const ColumnView> x, uint64_t a, absl::Span<const ColumnView> y,
                uint64_t b, absl::Span<const SortKey> keys);

// The columns of `table` named by `keys`, in order; NotFound naming one it lacks.
absl::StatusOr<std::vector<ColumnView>> SortColumns(const TableView& table,
                                                    absl::Span<const SortKey> keys);

}  // namespace brisk
