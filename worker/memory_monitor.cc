#include "worker/memory_monitor.h"

#include "spdlog/spdlog.h"

namespace brisk {

MemoryMonitor::MemoryMonitor(ValueStore& store, MemoryPolicy policy, Hooks hooks)
    : store_(store), policy_(policy), hooks_(std::move(hooks)) {}

MemoryMonitor::~MemoryMonitor() { Stop(); }

void MemoryMonitor::Start(absl::Duration interval) {
  thread_ = std::thread([this, interval] {
    while (true) {
      {
        absl::MutexLock lock(&mu_);
        mu_.AwaitWithTimeout(absl::Condition(
                                 +[](MemoryMonitor* m) ABSL_EXCLUSIVE_LOCKS_REQUIRED(m->mu_) {
                                   return m->stop_ || m->poked_;
                                 },
                                 this),
                             interval);
        if (stop_) return;
        poked_ = false;
      }
      Check();
    }
  });
}

void MemoryMonitor::ValueStored() {
  if (policy_.limit == 0) return;
  if (policy_.target > 0) store_.SpillUntil(Threshold(policy_.target));
  absl::MutexLock lock(&mu_);
  poked_ = true;
}

void MemoryMonitor::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void MemoryMonitor::Check() {
  if (policy_.limit == 0) return;
  if (policy_.target > 0) store_.SpillUntil(Threshold(policy_.target));
  uint64_t rss = hooks_.resident();
  if (policy_.spill > 0 && rss > Threshold(policy_.spill)) {
    // Resident memory counts what managed bytes do not (fetched inputs, what running ops
    // allocate, fragmentation): spill until it is back at target, each value's memory handed
    // back before measuring again.
    const uint64_t goal = Threshold(policy_.target > 0 ? policy_.target : policy_.spill);
    int spilled = 0;
    while (rss > goal && store_.SpillOne()) {
      ++spilled;
      hooks_.trim();
      rss = hooks_.resident();
    }
    if (spilled == 0) {
      hooks_.trim();  // nothing to spill: freed memory may still be held by malloc
      rss = hooks_.resident();
    }
  }
  bool pause = policy_.pause > 0 && rss > Threshold(policy_.pause);
  if (pause) {
    hooks_.trim();  // a paused worker hands back what it freed before deciding again
    rss = hooks_.resident();
    pause = rss > Threshold(policy_.pause);
  }
  resident_.store(rss);
  if (pause != paused_.load()) {
    paused_.store(pause);
    const ValueStore::Stats stats = store_.stats();
    if (pause) {
      spdlog::warn(
          "worker paused: resident memory {} bytes is above {:.0f}% of the {}-byte limit "
          "(values in memory {} bytes, spilled {} bytes)",
          rss, policy_.pause * 100, policy_.limit, stats.managed, stats.spilled);
    } else {
      spdlog::info("worker running again: resident memory {} bytes is below {:.0f}% of the limit",
                   rss, policy_.pause * 100);
    }
    hooks_.on_pause(pause);
  }
  if (policy_.terminate > 0 && rss > Threshold(policy_.terminate)) hooks_.on_terminate(rss);
}

}  // namespace brisk
