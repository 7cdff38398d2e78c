#include "worker/frame/take_rows.h"

#include <cstring>
#include <utility>

#include "worker/frame/column_take.h"

namespace brisk {
namespace {

int32_t Offset(absl::string_view offsets, uint64_t i) {
  int32_t v;
  std::memcpy(&v, offsets.data() + 4 * i, 4);
  return v;
}

}  // namespace

std::vector<uint64_t> SelectedRows(absl::string_view mask, absl::string_view validity) {
  std::vector<uint64_t> rows;
  size_t count = 0;
  for (char c : mask) count += c != 0;
  rows.reserve(count);
  for (uint64_t i = 0; i < mask.size(); ++i) {
    if (mask[i] == 0) continue;
    if (!validity.empty() && ((static_cast<uint8_t>(validity[i / 8]) >> (i % 8)) & 1) == 0) {
      continue;
    }
    rows.push_back(i);
  }
  return rows;
}

absl::StatusOr<FrameColumns> TakeRows(const FrameColumns& table,
                                      const std::vector<uint64_t>& rows) {
  FrameColumns out;
  out.num_rows = rows.size();
  out.columns.reserve(table.columns.size());
  for (const FrameColumn& c : table.columns) {
    absl::StatusOr<ColumnBuffers> b = TakeRows(c, rows);
    if (!b.ok()) return b.status();
    out.columns.push_back(FrameColumn::Owning(*std::move(b)));
  }
  return out;
}

FrameColumns LeadingRows(const FrameColumns& table, uint64_t n) {
  if (n >= table.num_rows) return table;
  FrameColumns out = table;
  out.num_rows = n;
  for (FrameColumn& c : out.columns) {
    if (c.dtype == v1::DTYPE_STRING) {
      c.offsets = c.offsets.substr(0, 4 * (n + 1));
      c.data = c.data.substr(0, static_cast<size_t>(Offset(c.offsets, n)));
    } else {
      c.data = c.data.substr(0, n * ItemSize(c.dtype));
    }
    if (!c.validity.empty()) c.validity = c.validity.substr(0, (n + 7) / 8);
  }
  return out;
}

}  // namespace brisk
