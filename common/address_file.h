// The address file: where a daemon writes `host:port` once it listens, for scripts and tests.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace brisk {

// Writes `address` and a newline to `path` atomically (write to a temporary file, then rename),
// so a reader never sees a partial address.
absl::Status WriteAddressFile(const std::string& path, const std::string& address);

// Reads the address written by WriteAddressFile; NotFound while the file does not exist yet.
absl::StatusOr<std::string> ReadAddressFile(const std::string& path);

}  // namespace brisk
