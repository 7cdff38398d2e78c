#include "worker/frame/column_take.h"

#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace brisk {
namespace {

template <typename T>
void Gather(absl::string_view data, absl::Span<const uint64_t> rows, std::string& out) {
  out.resize(rows.size() * sizeof(T));
  const char* src = data.data();
  char* dst = out.data();
  for (size_t k = 0; k < rows.size(); ++k) {
    if (rows[k] == kNoRow) continue;  // a null: its value is left zero
    std::memcpy(dst + k * sizeof(T), src + rows[k] * sizeof(T), sizeof(T));
  }
}

int32_t Offset(absl::string_view offsets, uint64_t i) {
  int32_t v;
  std::memcpy(&v, offsets.data() + 4 * i, 4);
  return v;
}

}  // namespace

absl::StatusOr<ColumnBuffers> TakeRows(const FrameColumn& c, absl::Span<const uint64_t> rows) {
  ColumnBuffers b;
  b.name = c.name;
  b.dtype = c.dtype;
  bool any_missing = false;
  for (uint64_t r : rows) any_missing = any_missing || r == kNoRow;
  if (c.dtype == v1::DTYPE_STRING) {
    uint64_t total = 0;
    for (uint64_t r : rows) {
      if (r != kNoRow) total += Offset(c.offsets, r + 1) - Offset(c.offsets, r);
    }
    if (total > static_cast<uint64_t>(std::numeric_limits<int32_t>::max())) {
      return absl::InvalidArgumentError(
          absl::StrCat("column \"", c.name, "\" would exceed 2 GiB of text"));
    }
    b.data.resize(total);
    b.offsets.resize(4 * (rows.size() + 1));
    int32_t at = 0;
    std::memcpy(b.offsets.data(), &at, 4);
    for (size_t k = 0; k < rows.size(); ++k) {
      if (rows[k] != kNoRow) {
        const int32_t begin = Offset(c.offsets, rows[k]);
        const int32_t len = Offset(c.offsets, rows[k] + 1) - begin;
        if (len > 0) std::memcpy(b.data.data() + at, c.data.data() + begin, len);
        at += len;
      }
      std::memcpy(b.offsets.data() + 4 * (k + 1), &at, 4);
    }
  } else {
    switch (ItemSize(c.dtype)) {
      case 1:
        Gather<uint8_t>(c.data, rows, b.data);
        break;
      case 2:
        Gather<uint16_t>(c.data, rows, b.data);
        break;
      case 4:
        Gather<uint32_t>(c.data, rows, b.data);
        break;
      default:
        Gather<uint64_t>(c.data, rows, b.data);
        break;
    }
  }
  if (!c.validity.empty() || any_missing) {
    std::string bits((rows.size() + 7) / 8, '\0');
    bool any_null = false;
    for (size_t k = 0; k < rows.size(); ++k) {
      if (rows[k] == kNoRow || c.IsNull(rows[k])) {
        any_null = true;
      } else {
        bits[k / 8] = static_cast<char>(bits[k / 8] | (1 << (k % 8)));
      }
    }
    if (any_null) b.validity = std::move(bits);
  }
  return b;
}

absl::StatusOr<ColumnBuffers> TakeRows(const ColumnView& column, absl::Span<const uint64_t> rows) {
  FrameColumn c;
  c.name = column.name();
  c.dtype = column.dtype();
  c.data = column.data();
  c.offsets = column.offsets();
  c.validity = column.validity();
  return TakeRows(c, rows);
}

}  // namespace brisk
