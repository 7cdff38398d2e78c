#include "common/utf8.h"

#include <cstdint>
#include <cstring>

namespace brisk {
namespace {

// The length of the well-formed sequence at s[i], or 0 with *consumed set to the length of the
// maximal ill-formed subpart that starts there (at least 1). The ranges of the second byte are
// those of Unicode's table 3-7, which excludes overlong forms, surrogates and code points past
// U+10FFFF.
size_t SequenceAt(absl::string_view s, size_t i, size_t* consumed) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  const uint8_t lead = byte(i);
  if (lead < 0x80) return 1;
  size_t need;
  uint8_t lo = 0x80, hi = 0xBF;  // the range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    need = 1;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    need = 2;
    if (lead == 0xE0) lo = 0xA0;
    if (lead == 0xED) hi = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    need = 3;
    if (lead == 0xF0) lo = 0x90;
    if (lead == 0xF4) hi = 0x8F;
  } else {
    *consumed = 1;
    return 0;
  }
  size_t k = 1;
  for (; k <= need; ++k) {
    if (i + k >= s.size()) break;
    const uint8_t b = byte(i + k);
    const bool ok = k == 1 ? (b >= lo && b <= hi) : (b >= 0x80 && b <= 0xBF);
    if (!ok) break;
  }
  if (k > need) return need + 1;
  *consumed = k;
  return 0;
}

}  // namespace

bool IsUtf8(absl::string_view s) {
  // ASCII first, eight bytes at a time: most text is, and then needs no decoding.
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, s.data() + i, 8);
    if ((word & 0x8080808080808080ull) != 0) break;
  }
  while (i < s.size() && static_cast<unsigned char>(s[i]) < 0x80) ++i;
  size_t consumed = 0;
  for (; i < s.size();) {
    const size_t n = SequenceAt(s, i, &consumed);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

bool IsPrintableText(absl::string_view s) {
  for (const char c : s) {
    const unsigned char u = static_cast<unsigned char>(c);
    if ((u < 0x20 && u != '\t' && u != '\n' && u != '\r') || u == 0x7f) return false;
  }
  return IsUtf8(s);
}

void AppendValidUtf8(absl::string_view s, std::string& out) {
  size_t run = 0;  // start of the pending well-formed run, appended in one piece
  size_t consumed = 0;
  for (size_t i = 0; i < s.size();) {
    const size_t n = SequenceAt(s, i, &consumed);
    if (n > 0) {
      i += n;
      continue;
    }
    out.append(s.data() + run, i - run);
    out.append("\xEF\xBF\xBD");
    i += consumed;
    run = i;
  }
  out.append(s.data() + run, s.size() - run);
}

std::string ValidUtf8(absl::string_view s) {
  std::string out;
  out.reserve(s.size());
  AppendValidUtf8(s, out);
  return out;
}

}  // namespace brisk
