// One timed run of each cluster workload, through the C++ client. Each run submits its graph
// (built before the clock starts), waits for it, fetches the outputs it checks, and releases the
// job; a wrong result, a failed task or a job still running after `timeout` is an error that
// says so.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bench/workload_graphs.h"
#include "brisk/client.h"

namespace brisk::bench {

struct RunOptions {
  Client* client = nullptr;
  std::string prefix;  // of every key of the run (unique per run)
  absl::Duration timeout = absl::Minutes(10);
};

// n independent inc tasks as one graph, every result gathered: tasks per second.
absl::StatusOr<double> RunIndependent(const RunOptions& run, int64_t n);

// A chain of n dependent inc tasks, the last result fetched: microseconds per hop.
absl::StatusOr<double> RunChain(const RunOptions& run, int64_t n);

// A tree reduction (inc leaves, add with `fan_in` inputs): tasks per second over all its tasks.
absl::StatusOr<double> RunTree(const RunOptions& run, int64_t leaves, int fan_in);

// The shuffle graph, the lens gathered: seconds.
absl::StatusOr<double> RunShuffle(const RunOptions& run, int partitions, int64_t rows);

// A value of `nbytes` (bytes, or a float64 array) made on `from`, then (clock started) consumed
// on `to`: megabytes (1e6) per second over the second task alone.
absl::StatusOr<double> RunTransfer(const RunOptions& run, int64_t nbytes, const std::string& from,
                                   const std::string& to, TransferKind kind = TransferKind::kBytes);

// The growth of the scheduler's resident memory per task while it holds n results: n inc tasks
// submitted with `keep`, waited for, measured, then released.
absl::StatusOr<double> RunSchedulerMemory(const RunOptions& run, pid_t scheduler, int64_t n);

struct ThroughputAndMemory {
  double tasks_per_s = 0;
  double scheduler_bytes_per_task = 0;  // measured after the gather, before the release
};
// RunIndependent, also measuring the scheduler's resident memory before and after.
absl::StatusOr<ThroughputAndMemory> RunIndependentWithMemory(const RunOptions& run, pid_t scheduler,
                                                             int64_t n);

}  // namespace brisk::bench
