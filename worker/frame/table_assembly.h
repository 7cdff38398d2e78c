// Lays out a table value from finished column buffers (Arrow layout, each buffer at a multiple of
// 8 bytes of the body), moving no more bytes than one copy into the body. The frame kernels build
// their results with it; brisk::TableBuilder is the general-purpose way.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "brisk/v1/value.pb.h"
#include "brisk/value.h"

namespace brisk {

// One column's buffers: `data` (num_rows * itemsize bytes, or a string column's characters),
// `offsets` (string columns: num_rows + 1 int32) and `validity` (empty: no nulls; else
// ceil(num_rows / 8) bytes, bit set for a row with a value).
struct ColumnBuffers {
  std::string name;
  DType dtype = v1::DTYPE_UNSPECIFIED;
  std::string data, offsets, validity;
};

// One column's buffers as views (valid during the call that takes them).
struct ColumnSlices {
  absl::string_view name;
  DType dtype = v1::DTYPE_UNSPECIFIED;
  absl::string_view data, offsets, validity;
};

// The table; InvalidArgument (from CheckTable) when the buffers do not fit `num_rows`. Each
// column's data is freed once it is copied, so the peak is about one copy.
absl::StatusOr<v1::Value> AssembleTable(uint64_t num_rows, std::vector<ColumnBuffers> columns);
// The same from views of buffers (FrameColumns::ToTable's).
absl::StatusOr<v1::Value> AssembleTable(uint64_t num_rows,
                                        const std::vector<ColumnSlices>& columns);

// A validity buffer from one flag per row (true: the row has a value); empty when every row has.
std::string ValidityBits(const std::vector<uint8_t>& valid);

}  // namespace brisk
