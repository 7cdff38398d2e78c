// Rows of a column taken by index, in the given order (a row may be taken more than once, or be
// kNoRow for a null): the gather step of filter, groupby's keys, joins and sorts. Fixed-width
// values are gathered in one pass; a string column's characters are copied once into a buffer
// sized beforehand.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "brisk/value.h"
#include "worker/frame/frame_columns.h"
#include "worker/frame/table_assembly.h"

namespace brisk {

inline constexpr uint64_t kNoRow = ~uint64_t{0};

// The column's rows[0], rows[1], ... (each below its length, or kNoRow: a null). InvalidArgument
// when a string column's text would exceed 2 GiB.
absl::StatusOr<ColumnBuffers> TakeRows(const FrameColumn& column, absl::Span<const uint64_t> rows);
absl::StatusOr<ColumnBuffers> TakeRows(const ColumnView& column, absl::Span<const uint64_t> rows);

}  // namespace brisk
