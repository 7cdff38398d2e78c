// Lowercasing text as Python's str.lower (and so pandas' str.lower) does it: Unicode's full case
// mapping with its context rules (a final capital sigma becomes ς), through ICU for any text
// that is not plain ASCII.
#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace brisk {

// Appends `text` lowercased to `out` (ill-formed UTF-8 bytes become U+FFFD).
void AppendLowercase(absl::string_view text, std::string& out);

}  // namespace brisk
