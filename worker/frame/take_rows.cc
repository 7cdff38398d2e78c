#include "worker/frame/take_rows.h"

#include <cstring>
#include <limits>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

namespace brisk {
namespace {

template <typename T>
void Gather(absl::string_view data, const std::vector<uint64_t>& rows, std::string& out) {
  out.resize(rows.size() * sizeof(T));
  const char* src = data.data();
  char* dst = out.data();
  for (size_t k = 0; k < rows.size(); ++k) {
    std::memcpy(dst + k * sizeof(T), src + rows[k] * sizeof(T), sizeof(T));
  }
}

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
    ColumnBuffers b;
    b.name = c.name;
    b.dtype = c.dtype;
    if (c.dtype == v1::DTYPE_STRING) {
      uint64_t total = 0;
      for (uint64_t r : rows) total += Offset(c.offsets, r + 1) - Offset(c.offsets, r);
      if (total > static_cast<uint64_t>(std::numeric_limits<int32_t>::max())) {
        return absl::InvalidArgumentError(
            absl::StrCat("column \"", c.name, "\" would exceed 2 GiB of text"));
      }
      b.data.resize(total);
      b.offsets.resize(4 * (rows.size() + 1));
      int32_t at = 0;
      std::memcpy(b.offsets.data(), &at, 4);
      for (size_t k = 0; k < rows.size(); ++k) {
        const int32_t begin = Offset(c.offsets, rows[k]);
        const int32_t len = Offset(c.offsets, rows[k] + 1) - begin;
        if (len > 0) std::memcpy(b.data.data() + at, c.data.data() + begin, len);
        at += len;
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
    if (!c.validity.empty()) {
      std::string bits((rows.size() + 7) / 8, '\0');
      bool any_null = false;
      for (size_t k = 0; k < rows.size(); ++k) {
        if (c.IsNull(rows[k])) {
          any_null = true;
        } else {
          bits[k / 8] = static_cast<char>(bits[k / 8] | (1 << (k % 8)));
        }
      }
      if (any_null) b.validity = std::move(bits);
    }
    out.columns.push_back(FrameColumn::Owning(std::move(b)));
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
