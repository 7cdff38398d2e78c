// UTF-8 checks for text that comes from values: whether bytes are valid UTF-8, and a valid copy
// of text that may not be, for printing.
#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace brisk {

// True when `s` is well-formed UTF-8 (no overlong forms, surrogates or code points past
// U+10FFFF).
bool IsUtf8(absl::string_view s);

// `s` with each byte that is not part of a well-formed sequence replaced by U+FFFD.
std::string ValidUtf8(absl::string_view s);

}  // namespace brisk
