#include "worker/frame/column_take.h"

#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"

namespace brisk {

absl::StatusOr<ColumnBuffers> TakeRows(const ColumnView& column, absl::Span<const uint64_t> rows) {
  ColumnBuffers out;
  out.name = column.name();
  out.dtype = column.dtype();
  std::vector<uint8_t> valid(rows.size(), 1);
  bool any_null = false;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i] == kNoRow || column.IsNull(rows[i])) {
      valid[i] = 0;
      any_null = true;
    }
  }
  if (column.dtype() == v1::DTYPE_STRING) {
    uint64_t chars = 0;
    for (size_t i = 0; i < rows.size(); ++i) {
      if (valid[i]) chars += column.String(rows[i]).size();
    }
    if (chars > static_cast<uint64_t>(INT32_MAX)) {
      return absl::InvalidArgumentError(
          absl::StrCat("column \"", column.name(), "\": ", chars,
                       " bytes of text in one column (2 GiB at most)"));
    }
    out.data.reserve(chars);
    out.offsets.resize((rows.size() + 1) * 4);
    int32_t at = 0;
    std::memcpy(out.offsets.data(), &at, 4);
    for (size_t i = 0; i < rows.size(); ++i) {
      if (valid[i]) {
        const absl::string_view s = column.String(rows[i]);
        out.data.append(s.data(), s.size());
        at += static_cast<int32_t>(s.size());
      }
      std::memcpy(out.offsets.data() + 4 * (i + 1), &at, 4);
    }
  } else {
    const size_t item = ItemSize(column.dtype());
    out.data.resize(rows.size() * item);
    const char* from = column.data().data();
    char* to = out.data.data();
    for (size_t i = 0; i < rows.size(); ++i) {
      if (valid[i]) std::memcpy(to + i * item, from + rows[i] * item, item);
    }
  }
  if (any_null) out.validity = ValidityBits(valid);
  return out;
}

}  // namespace brisk
