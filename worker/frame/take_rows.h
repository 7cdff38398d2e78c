// Rows of a table's columns picked by a selection vector (filter) or a leading range (head): each
// column taken as column_take.h takes it, and a leading range only viewed, never copied.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "worker/frame/frame_columns.h"

namespace brisk {

// The rows whose flag is non-zero and valid: `mask` (one byte per row) and `validity` (empty: no
// nulls) as in a bool column's buffers.
std::vector<uint64_t> SelectedRows(absl::string_view mask, absl::string_view validity);

// The rows `rows` (indices below table.num_rows, increasing or not) of every column, in that
// order; InvalidArgument when a string column would exceed 2 GiB of text.
absl::StatusOr<FrameColumns> TakeRows(const FrameColumns& table, const std::vector<uint64_t>& rows);

// The first `n` rows (all when n >= num_rows), viewing the same buffers.
FrameColumns LeadingRows(const FrameColumns& table, uint64_t n);

}  // namespace brisk
