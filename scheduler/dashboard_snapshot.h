// DashboardSnapshot: what the scheduler's HTTP endpoint (/metrics, the dashboard) shows, copied
// out of the scheduler's state on its event loop so that the HTTP threads never touch that state.
// Immutable once published (SnapshotExchange).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "brisk/v1/scheduler.pb.h"
#include "scheduler/histogram.h"

namespace brisk {

// Counters of one op since the scheduler started (they only grow).
struct OpMetrics {
  uint64_t finished = 0;  // runs that ended with a value (every run: a recomputation counts again)
  uint64_t failed = 0;    // tasks that went to erred (their own error, or a dependency's)
  Histogram duration{kTaskDurationBuckets};  // seconds each finished run took on its worker
};

struct DashboardSnapshot {
  // What `brisk status` reports: workers (with when each joined), tasks by state, jobs.
  v1::StatusReply status;
  // Per op that finished or failed a task since the start, in the order ops were first seen.
  std::vector<std::pair<std::string, OpMetrics>> ops;
  // Job records by state (running, finished, erred, cancelled), each with its count.
  std::vector<std::pair<v1::JobState, uint64_t>> jobs;
  // Seconds events waited before the event loop ran them.
  Histogram loop_latency{kLoopLatencyBuckets};
  // Unix seconds when it was taken.
  double taken_at = 0;
};

}  // namespace brisk
