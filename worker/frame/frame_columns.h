// A table's columns as the per-partition verbs (frame_verbs.h) pass them from step to step: each
// column views either the input table's buffers or buffers a step made, and the result is laid
// out into one table value once, at the end (select, drop and rename copy no buffer at all).
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "brisk/v1/value.pb.h"
#include "brisk/value.h"
#include "worker/frame/table_assembly.h"

namespace brisk {

// One column: views of its buffers (laid out as in ColumnBuffers), valid while `owned` (buffers a
// step made) or the viewed input table lives.
struct FrameColumn {
  std::string name;
  DType dtype = v1::DTYPE_UNSPECIFIED;
  absl::string_view data, offsets, validity;
  std::shared_ptr<const ColumnBuffers> owned;

  bool IsNull(uint64_t i) const {
    return !validity.empty() && ((static_cast<uint8_t>(validity[i / 8]) >> (i % 8)) & 1) == 0;
  }
  // DTYPE_STRING columns: row i's text.
  absl::string_view String(uint64_t i) const {
    int32_t begin, end;
    std::memcpy(&begin, offsets.data() + 4 * i, 4);
    std::memcpy(&end, offsets.data() + 4 * (i + 1), 4);
    return data.substr(static_cast<size_t>(begin), static_cast<size_t>(end - begin));
  }
  // A column that views (and holds) `buffers`.
  static FrameColumn Owning(ColumnBuffers buffers);
};

struct FrameColumns {
  uint64_t num_rows = 0;
  std::vector<FrameColumn> columns;

  // Views of `table`'s columns (the table's Value must outlive them).
  static FrameColumns Of(const TableView& table);
  // The column of that name; nullptr when there is none.
  const FrameColumn* Find(absl::string_view name) const;
  // NotFound "no column "x" (columns: a, b)".
  absl::Status NoColumn(absl::string_view name) const;
  // The table value: every buffer copied once into its body.
  absl::StatusOr<v1::Value> ToTable() const;
};

}  // namespace brisk
