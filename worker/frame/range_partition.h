// sort_values of a frame of many partitions by sampled range partitioning, as dask's sort_values:
// a sample of each partition's sort columns, N-1 boundaries chosen from all the samples in one
// task, and each partition's rows split by them into N pieces in the sort order, so that piece k
// of every partition, concatenated and sorted, is the k-th partition of the sorted frame.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "brisk/v1/value.pb.h"
#include "brisk/value.h"
#include "worker/frame/row_order.h"

namespace brisk {

// The sort columns of up to `size` rows of `table`, one drawn from each of `size` equal runs of
// its rows (the same rows each time): [table, int rows of `table`].
absl::StatusOr<v1::Value> SortSample(const TableView& table, absl::Span<const SortKey> keys,
                                     uint64_t size);

// One partition's sample (SortSample's) read back.
struct SortSampleView {
  TableView rows;
  uint64_t of_rows = 0;  // the partition's rows, which the sample stands for
};

// `pieces` - 1 boundaries (a table of the sort columns, in sort order; a boundary may repeat)
// splitting the samples' rows, each weighted by the rows it stands for, into runs of equal
// weight. No row (every partition empty, or pieces == 1) gives none, and so does a sort column
// that holds text in one partition and numbers in another (the concatenated column is text then,
// ordered otherwise than the numbers): every row goes to the first piece.
absl::StatusOr<v1::Value> SortBounds(absl::Span<const SortSampleView> samples,
                                     absl::Span<const SortKey> keys, uint32_t pieces);

// The rows of `table` in piece `piece`: those after exactly `piece` of the boundaries (a row
// equal to a boundary is in the piece the boundary ends), in their order. InvalidArgument when
// the boundaries are more than pieces - 1.
absl::StatusOr<v1::Value> RangePartition(const TableView& table, const TableView& bounds,
                                         absl::Span<const SortKey> keys, uint32_t piece,
                                         uint32_t pieces);

}  // namespace brisk
