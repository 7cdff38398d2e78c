// Parsing of flag values shared by the daemons: byte sizes and resource lists.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace brisk {

// "4GiB", "512MB", "1.5e9", "1000" -> bytes. Units: B, kB/KB, MB, GB, TB (powers of 1000) and
// KiB, MiB, GiB, TiB (powers of 1024). "0" and "auto" both mean no limit (0).
absl::StatusOr<uint64_t> ParseByteSize(absl::string_view text);

// "GPU=2,MEM=16e9,licence=1" -> {GPU: 2, MEM: 16e9, licence: 1}. Empty text -> {}.
absl::StatusOr<std::map<std::string, double>> ParseResources(absl::string_view text);

}  // namespace brisk
