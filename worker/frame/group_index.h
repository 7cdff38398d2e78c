// The groups of a table's rows by the values of key columns, as pandas' groupby(keys) forms them
// (dropna=True): equal keys share a group, a row whose key has a null (or NaN) is in none, and
// -0.0 equals 0.0. Groups are numbered in the order their first row appears. Without keys, every
// row is in one group (there is one even when the table has no row): a frame's own aggregates.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "brisk/value.h"

namespace brisk {

class GroupIndex {
 public:
  static constexpr uint32_t kNoGroup = ~uint32_t{0};

  // NotFound naming the key and the table's columns when a key is not a column; InvalidArgument
  // for more than 2^32 - 1 groups.
  static absl::StatusOr<GroupIndex> Build(const TableView& table,
                                          absl::Span<const std::string> keys);

  uint32_t num_groups() const { return static_cast<uint32_t>(first_row_.size()); }
  // Row r's group, or kNoGroup.
  const std::vector<uint32_t>& group_of_row() const { return group_of_row_; }
  // Group g's first row.
  const std::vector<uint64_t>& first_row() const { return first_row_; }

 private:
  std::vector<uint32_t> group_of_row_;
  std::vector<uint64_t> first_row_;
};

}  // namespace brisk
