// Histogram: counts of observations in fixed buckets, with their sum, as a Prometheus histogram
// reports them (metrics_text.cc writes the cumulative `le` buckets). Not thread-safe: each is
// owned by one thread (the event loop) and copied into snapshots.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

namespace brisk {

class Histogram {
 public:
  // `bounds`: the buckets' upper bounds, ascending; a last bucket (+Inf) follows. They must
  // outlive the histogram and its copies (static arrays such as kTaskDurationBuckets).
  explicit Histogram(std::span<const double> bounds)
      : bounds_(bounds), counts_(bounds.size() + 1) {}

  void Observe(double value) {
    // A value equal to a bound belongs to that bucket (Prometheus' `le`: less or equal).
    const size_t bucket = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
    ++counts_[bucket];
    sum_ += value;
    ++count_;
  }

  std::span<const double> bounds() const { return bounds_; }
  // Observations per bucket (not cumulative); the last is the +Inf bucket's.
  const std::vector<uint64_t>& counts() const { return counts_; }
  double sum() const { return sum_; }
  uint64_t count() const { return count_; }

 private:
  std::span<const double> bounds_;
  std::vector<uint64_t> counts_;
  double sum_ = 0;
  uint64_t count_ = 0;
};

// Seconds a task ran, from a millisecond to an hour.
inline constexpr double kTaskDurationBuckets[] = {0.001, 0.005, 0.01, 0.05, 0.1, 0.5,
                                                  1,     5,     10,   60,   300, 3600};
// Seconds an event waited in the scheduler's queue before the event loop ran it.
inline constexpr double kLoopLatencyBuckets[] = {1e-5, 5e-5, 1e-4, 5e-4, 0.001, 0.005,
                                                 0.01, 0.05, 0.1,  0.5,  1};

}  // namespace brisk
