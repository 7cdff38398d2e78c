#include "common/parse_flags.h"

#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace brisk {

absl::StatusOr<uint64_t> ParseByteSize(absl::string_view text) {
  std::string s = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
  if (s == "auto" || s == "0") return 0;
  size_t split = 0;
  while (split < s.size() && (absl::ascii_isdigit(s[split]) || s[split] == '.' || s[split] == 'e' ||
                              s[split] == '+' || s[split] == '-')) {
    ++split;
  }
  std::string number = s.substr(0, split);
  std::string unit = std::string(absl::StripAsciiWhitespace(s.substr(split)));
  double amount;
  if (number.empty() || !absl::SimpleAtod(number, &amount) || amount < 0 ||
      !std::isfinite(amount)) {
    return absl::InvalidArgumentError(absl::StrCat("not a byte size: \"", text, "\""));
  }
  double scale;
  if (unit.empty() || unit == "b") {
    scale = 1;
  } else if (unit == "kb" || unit == "k") {
    scale = 1e3;
  } else if (unit == "mb" || unit == "m") {
    scale = 1e6;
  } else if (unit == "gb" || unit == "g") {
    scale = 1e9;
  } else if (unit == "tb" || unit == "t") {
    scale = 1e12;
  } else if (unit == "kib") {
    scale = 1024.0;
  } else if (unit == "mib") {
    scale = 1024.0 * 1024;
  } else if (unit == "gib") {
    scale = 1024.0 * 1024 * 1024;
  } else if (unit == "tib") {
    scale = 1024.0 * 1024 * 1024 * 1024;
  } else {
    return absl::InvalidArgumentError(absl::StrCat("unknown size unit in \"", text, "\""));
  }
  if (amount * scale >= 18446744073709551616.0) {  // 2^64: the cast below would be undefined
    return absl::InvalidArgumentError(absl::StrCat("byte size too large: \"", text, "\""));
  }
  return static_cast<uint64_t>(amount * scale);
}

absl::StatusOr<uint64_t> ParseMemoryLimit(absl::string_view text, uint64_t machine) {
  const std::string s = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
  if (s == "none" || s == "0") return 0;
  if (s == "auto") return machine;
  double fraction;
  if (absl::SimpleAtod(s, &fraction) && std::isfinite(fraction) && fraction > 0 &&
      (fraction < 1 || (fraction == 1 && s.find('.') != std::string::npos))) {
    const uint64_t bytes = static_cast<uint64_t>(fraction * static_cast<double>(machine));
    if (bytes == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("memory limit \"", text, "\" is no memory at all on this machine"));
    }
    return bytes;
  }
  absl::StatusOr<uint64_t> bytes = ParseByteSize(s);
  if (!bytes.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "not a memory limit: \"", text,
        "\" (use a size such as 100MB or 4GiB, a fraction of the machine such as 0.5, auto or "
        "none)"));
  }
  return bytes;
}

absl::StatusOr<double> ParseMemoryFraction(absl::string_view flag, absl::string_view text) {
  const std::string s = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
  if (s == "off" || s == "false" || s == "none") return 0.0;
  double fraction;
  if (!absl::SimpleAtod(s, &fraction) || !std::isfinite(fraction) || fraction < 0 || fraction > 1) {
    return absl::InvalidArgumentError(absl::StrCat(flag, " must be a fraction of the memory limit ",
                                                   "between 0 and 1, or off; got \"", text, "\""));
  }
  return fraction;
}

absl::StatusOr<std::map<std::string, double>> ParseResources(absl::string_view text) {
  std::map<std::string, double> out;
  for (absl::string_view item : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(item, absl::MaxSplits('=', 1));
    absl::string_view name = absl::StripAsciiWhitespace(kv.first);
    double amount;
    if (name.empty() || !absl::SimpleAtod(absl::StripAsciiWhitespace(kv.second), &amount) ||
        !std::isfinite(amount) || amount < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("resource \"", item, "\" is not NAME=AMOUNT with a non-negative amount"));
    }
    out[std::string(name)] = amount;
  }
  return out;
}

}  // namespace brisk
