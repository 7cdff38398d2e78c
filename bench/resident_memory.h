// A process's resident memory, as the kernel reports it in /proc/PID/status (VmRSS).
#pragma once

#include <sys/types.h>

#include <cstdint>

#include "absl/status/statusor.h"

namespace brisk::bench {

absl::StatusOr<uint64_t> ResidentBytes(pid_t pid);

}  // namespace brisk::bench
