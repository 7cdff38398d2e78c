// UTF-8 checks for text that comes from values or files: whether bytes are valid UTF-8, and a
// valid copy of text that may not be (for printing, and for text columns read from files).
#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace brisk {

// True when `s` is well-formed UTF-8 (no overlong forms, surrogates or code points past
// U+10FFFF).
bool IsUtf8(absl::string_view s);

// True when `s` is UTF-8 text a JSON string carries readably: well-formed, and no control
// character but tab, line feed and carriage return (a NUL or an escape byte would each print as
// six characters, "\u0000").
bool IsPrintableText(absl::string_view s);

// Appends `s` to `out` with each ill-formed sequence replaced by one U+FFFD per maximal
// ill-formed subpart (Unicode's recommended practice, which Python's
// bytes.decode("utf-8", errors="replace"), and so pandas' encoding_errors="replace", follow).
void AppendValidUtf8(absl::string_view s, std::string& out);

// `s` made valid as AppendValidUtf8 does.
std::string ValidUtf8(absl::string_view s);

}  // namespace brisk
