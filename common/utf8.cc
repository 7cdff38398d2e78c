#include "common/utf8.h"

#include <cstdint>

namespace brisk {
namespace {

// The length of the well-formed sequence starting at s[i], or 0 when there is none.
size_t SequenceLength(absl::string_view s, size_t i) {
  const size_t n = s.size();
  const unsigned char c = s[i];
  int extra;
  if (c < 0x80) {
    extra = 0;
  } else if ((c >> 5) == 0x6) {
    extra = 1;
  } else if ((c >> 4) == 0xE) {
    extra = 2;
  } else if ((c >> 3) == 0x1E) {
    extra = 3;
  } else {
    return 0;
  }
  uint32_t code_point = c & (0x7F >> extra);
  for (int k = 1; k <= extra; ++k) {
    if (i + k >= n || (static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return 0;
    code_point = (code_point << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  }
  // Reject overlong encodings, UTF-16 surrogates and code points above U+10FFFF.
  static constexpr uint32_t kMinCodePoint[] = {0, 0x80, 0x800, 0x10000};
  if (code_point < kMinCodePoint[extra] || code_point > 0x10FFFF ||
      (code_point >= 0xD800 && code_point <= 0xDFFF)) {
    return 0;
  }
  return static_cast<size_t>(extra) + 1;
}

}  // namespace

bool IsUtf8(absl::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const size_t length = SequenceLength(s, i);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

std::string ValidUtf8(absl::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const size_t length = SequenceLength(s, i);
    if (length == 0) {
      out.append("\xEF\xBF\xBD");
      ++i;
    } else {
      out.append(s.data() + i, length);
      i += length;
    }
  }
  return out;
}

}  // namespace brisk
