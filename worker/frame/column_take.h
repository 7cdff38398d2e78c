// Rows of a column taken by index, in the given order (a row may be taken more than once): the
// gather step of groupby's keys, joins and sorts. A string column's characters are copied once.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "brisk/value.h"
#include "worker/frame/table_assembly.h"

namespace brisk {

// The column's rows[0], rows[1], ... (each < column.size()); a row index of kNoRow gives a null.
// InvalidArgument when a string column's text would exceed 2 GiB.
inline constexpr uint64_t kNoRow = ~uint64_t{0};
absl::StatusOr<ColumnBuffers> TakeRows(const ColumnView& column, absl::Span<const uint64_t> rows);

}  // namespace brisk
