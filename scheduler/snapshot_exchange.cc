#include "scheduler/snapshot_exchange.h"

#include <utility>

namespace brisk {

SnapshotExchange::SnapshotExchange(EventLoop& loop) : loop_(loop) {}

std::shared_ptr<const DashboardSnapshot> SnapshotExchange::Fresh(absl::Duration timeout) {
  Shared& s = *shared_;
  absl::MutexLock lock(&s.mu);
  // A queued event has not started: the snapshot it takes will include all that came before now.
  if (!s.queued) {
    const uint64_t generation = ++s.posted;
    s.queued = true;
    loop_.Post([shared = shared_, generation, loop = &loop_](SchedulerState& state) {
      {
        absl::MutexLock started(&shared->mu);
        shared->queued = false;
      }
      auto snapshot = std::make_shared<DashboardSnapshot>(state.Snapshot());
      snapshot->loop_latency = loop->latency();
      absl::MutexLock done(&shared->mu);
      shared->latest = std::move(snapshot);
      shared->latest_at = absl::Now();
      shared->published = generation;
      shared->published_cv.SignalAll();
    });
  }
  const uint64_t wanted = s.posted;
  const absl::Time deadline = absl::Now() + timeout;
  while (s.published < wanted) {
    if (s.published_cv.WaitWithDeadline(&s.mu, deadline) && s.published < wanted) return nullptr;
  }
  return s.latest;
}

std::shared_ptr<const DashboardSnapshot> SnapshotExchange::Recent(absl::Duration max_age,
                                                                  absl::Duration timeout) {
  {
    absl::MutexLock lock(&shared_->mu);
    if (shared_->latest != nullptr && absl::Now() - shared_->latest_at <= max_age) {
      return shared_->latest;
    }
  }
  return Fresh(timeout);
}

}  // namespace brisk
