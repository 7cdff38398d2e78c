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

// A worker's --memory-limit: a byte size as above ("100MB", "4GiB", "8e9"), a fraction of
// `machine` (a unitless number below 1, or written with a point up to 1: "0.5", "1.0"), "auto"
// (all of `machine`: one worker per process), or "0" / "none" (no limit: 0).
absl::StatusOr<uint64_t> ParseMemoryLimit(absl::string_view text, uint64_t machine);

// A memory threshold (--memory-target and the like): a fraction of the limit in (0, 1], or
// "off" / "false" / "0" to turn it off (0).
absl::StatusOr<double> ParseMemoryFraction(absl::string_view flag, absl::string_view text);

// "GPU=2,MEM=16e9,licence=1" -> {GPU: 2, MEM: 16e9, licence: 1}. Empty text -> {}.
absl::StatusOr<std::map<std::string, double>> ParseResources(absl::string_view text);

}  // namespace brisk
