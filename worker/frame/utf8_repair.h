// UTF-8 repair for text read from files: every ill-formed byte sequence becomes U+FFFD, one per
// maximal ill-formed subpart (Unicode's recommended practice, which Python's
// bytes.decode("utf-8", errors="replace") and so pandas' encoding_errors="replace" follow).
#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace brisk {

// True when `text` is well-formed UTF-8.
bool IsValidUtf8(absl::string_view text);
// Appends `text` to `out`, ill-formed sequences replaced by U+FFFD.
void AppendRepairedUtf8(absl::string_view text, std::string& out);

}  // namespace brisk
