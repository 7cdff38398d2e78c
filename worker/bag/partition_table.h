// The table values a bag's partitions are made of: text partitions are tables with one string
// column "text" (one row per record), counts partitions (frequencies) tables with a string column
// "value" and an int64 column "count". Builders that lay the buffers out directly (no per-row
// allocation), and the check that a value is one of them.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "brisk/v1/value.pb.h"
#include "brisk/value.h"

namespace brisk {

inline constexpr absl::string_view kTextColumn = "text";
inline constexpr absl::string_view kValueColumn = "value";
inline constexpr absl::string_view kCountColumn = "count";

// Appends strings to one string column; Finish makes the table (columns in order).
class StringColumn {
 public:
  void Add(absl::string_view s) {
    data_.append(s.data(), s.size());
    offsets_.push_back(static_cast<int64_t>(data_.size()));
  }
  size_t size() const { return offsets_.size() - 1; }
  uint64_t bytes() const { return data_.size(); }

 private:
  friend absl::StatusOr<v1::Value> MakeStringTable(absl::string_view, StringColumn&&,
                                                   absl::string_view, const std::vector<int64_t>*);
  std::string data_;
  std::vector<int64_t> offsets_ = {0};
};

// A table of the string column `name` and, when `counts` is given, an int64 column `counts_name`
// of as many rows. InvalidArgument when the text exceeds 2 GiB (a string column's limit).
absl::StatusOr<v1::Value> MakeStringTable(absl::string_view name, StringColumn&& column,
                                          absl::string_view counts_name = {},
                                          const std::vector<int64_t>* counts = nullptr);

absl::StatusOr<v1::Value> MakeTextPartition(StringColumn&& text);
// The rows in the order given.
absl::StatusOr<v1::Value> MakeCountsPartition(
    const std::vector<std::pair<absl::string_view, int64_t>>& counts);

// Whether `value` is a table with a column "count": a counts partition (ViewCounts checks it).
bool IsCountsPartition(const v1::Value& value);

// A counts partition's columns; InvalidArgument naming `op` when `value` is not one.
struct CountsView {
  ColumnView values;
  absl::Span<const int64_t> counts;
  uint64_t size() const { return counts.size(); }
};
absl::StatusOr<CountsView> ViewCounts(absl::string_view op, const v1::Value& value);

// Orders counts as frequencies and topk print them: the larger count first, equal counts by value
// in ascending byte order.
inline bool MoreFrequent(const std::pair<absl::string_view, int64_t>& a,
                         const std::pair<absl::string_view, int64_t>& b) {
  return a.second != b.second ? a.second > b.second : a.first < b.first;
}

}  // namespace brisk
