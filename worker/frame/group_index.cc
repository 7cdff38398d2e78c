#include "worker/frame/group_index.h"

#include <cmath>
#include <cstring>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"

namespace brisk {
namespace {

constexpr uint64_t kMaxGroups = GroupIndex::kNoGroup;

// Maps each row's key (from key_of(row), or nullopt for no group) through a hash map.
template <typename Key, typename KeyOf>
absl::Status Number(uint64_t rows, KeyOf key_of, std::vector<uint32_t>& group_of_row,
                    std::vector<uint64_t>& first_row) {
  absl::flat_hash_map<Key, uint32_t> groups;
  group_of_row.resize(rows);
  for (uint64_t r = 0; r < rows; ++r) {
    std::optional<Key> key = key_of(r);
    if (!key) {
      group_of_row[r] = GroupIndex::kNoGroup;
      continue;
    }
    auto [it, added] = groups.try_emplace(*key, static_cast<uint32_t>(first_row.size()));
    if (added) {
      if (first_row.size() >= kMaxGroups) {
        return absl::InvalidArgumentError("more than 2^32 - 1 groups");
      }
      first_row.push_back(r);
    }
    group_of_row[r] = it->second;
  }
  return absl::OkStatus();
}

// Appends column c's row r to `key` so that equal keys give equal bytes; false for a null or NaN.
bool AppendKey(const ColumnView& c, uint64_t r, std::string& key) {
  if (c.IsNull(r)) return false;
  if (c.dtype() == v1::DTYPE_STRING) {
    const absl::string_view s = c.String(r);
    const uint32_t n = static_cast<uint32_t>(s.size());
    key.append(reinterpret_cast<const char*>(&n), 4);
    key.append(s.data(), s.size());
    return true;
  }
  if (c.dtype() == v1::DTYPE_FLOAT32 || c.dtype() == v1::DTYPE_FLOAT64) {
    double v = c.AsDouble(r);
    if (std::isnan(v)) return false;
    if (v == 0) v = 0;  // -0.0 and 0.0 are one key
    key.append(reinterpret_cast<const char*>(&v), 8);
    return true;
  }
  const size_t item = ItemSize(c.dtype());
  key.append(c.data().data() + r * item, item);
  return true;
}

}  // namespace

absl::StatusOr<GroupIndex> GroupIndex::Build(const TableView& table,
                                             absl::Span<const std::string> keys) {
  GroupIndex index;
  const uint64_t rows = table.num_rows();
  if (keys.empty()) {  // one group of every row (a frame's own aggregate), even of no rows
    index.group_of_row_.assign(rows, 0);
    index.first_row_ = {0};
    return index;
  }
  std::vector<ColumnView> columns;
  for (const std::string& key : keys) {
    absl::StatusOr<ColumnView> c = table.column(key);
    if (!c.ok()) return c.status();
    columns.push_back(*c);
  }
  absl::Status status;
  const ColumnView& only = columns[0];
  if (columns.size() == 1 && only.dtype() == v1::DTYPE_STRING) {
    status = Number<absl::string_view>(
        rows,
        [&](uint64_t r) -> std::optional<absl::string_view> {
          if (only.IsNull(r)) return std::nullopt;
          return only.String(r);
        },
        index.group_of_row_, index.first_row_);
  } else if (columns.size() == 1 && only.dtype() == v1::DTYPE_INT64) {
    const absl::Span<const int64_t> values = only.values<int64_t>().value();
    status = Number<int64_t>(
        rows,
        [&](uint64_t r) -> std::optional<int64_t> {
          if (only.IsNull(r)) return std::nullopt;
          return values[r];
        },
        index.group_of_row_, index.first_row_);
  } else {
    // Any other keys: each row's key encoded into bytes (looked up without a copy).
    absl::flat_hash_map<std::string, uint32_t> groups;
    std::string scratch;
    index.group_of_row_.resize(rows);
    for (uint64_t r = 0; r < rows && status.ok(); ++r) {
      scratch.clear();
      bool valid = true;
      for (const ColumnView& c : columns) valid = valid && AppendKey(c, r, scratch);
      if (!valid) {
        index.group_of_row_[r] = kNoGroup;
        continue;
      }
      auto it = groups.find(absl::string_view(scratch));
      if (it == groups.end()) {
        if (index.first_row_.size() >= kMaxGroups) {
          status = absl::InvalidArgumentError("more than 2^32 - 1 groups");
          break;
        }
        it = groups.emplace(scratch, static_cast<uint32_t>(index.first_row_.size())).first;
        index.first_row_.push_back(r);
      }
      index.group_of_row_[r] = it->second;
    }
  }
  if (!status.ok()) return status;
  return index;
}

}  // namespace brisk
