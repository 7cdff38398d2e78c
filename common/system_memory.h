// What the operating system says about memory: the machine's (or the cgroup's) and this
// process's resident set. Linux: /proc and /sys/fs/cgroup.
#pragma once

#include <cstdint>
#include <string>

namespace brisk {

// Physical memory, or the memory limit of this process's cgroup (v2 memory.max, v1
// memory.limit_in_bytes) when one is set and smaller.
uint64_t MachineMemoryBytes();

// The smaller of `machine` and the limit in a cgroup file's `text` ("max", or a number of
// bytes); exposed for tests.
uint64_t ApplyCgroupLimit(uint64_t machine, const std::string& text);

// This process's resident memory now (/proc/self/statm); 0 when it cannot be read.
uint64_t ResidentBytes();

// Hands memory malloc holds but no longer uses back to the system (glibc's malloc_trim).
void TrimMalloc();

}  // namespace brisk
