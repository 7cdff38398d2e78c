// TaskControl: the OpContext of one running task — its time limit and its cancellation, which the
// worker's other threads may trigger at any time. Thread-safe.
#pragma once

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "brisk/op.h"

namespace brisk {

class TaskControl : public OpContext {
 public:
  // `timeout` of zero or less: no limit.
  explicit TaskControl(absl::Duration timeout)
      : deadline_(timeout > absl::ZeroDuration() ? absl::Now() + timeout : absl::InfiniteFuture()) {
  }

  void Cancel() {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
  }
  bool cancelled() const {
    absl::MutexLock lock(&mu_);
    return cancelled_;
  }
  bool TimedOut() const { return absl::Now() >= deadline_; }

  // The worker is above its memory limit's terminate threshold and fails this task to save
  // itself: the op is told to stop (a shell command is killed), and its outcome is an
  // out-of-memory error saying `why`, not a silent cancel.
  void FailOutOfMemory(std::string why) {
    absl::MutexLock lock(&mu_);
    out_of_memory_ = std::move(why);
  }
  // Empty unless FailOutOfMemory was called.
  std::string out_of_memory() const {
    absl::MutexLock lock(&mu_);
    return out_of_memory_;
  }

  bool Stopped() const override {
    absl::MutexLock lock(&mu_);
    return Interrupted() || TimedOut();
  }

  void SetLog(std::string text) override {
    absl::MutexLock lock(&mu_);
    log_ = std::move(text);
  }
  std::string TakeLog() {
    absl::MutexLock lock(&mu_);
    return std::move(log_);
  }

  bool SleepFor(absl::Duration duration) override {
    const absl::Time until = std::min(absl::Now() + duration, deadline_);
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithDeadline(absl::Condition(this, &TaskControl::Interrupted), until);
    return !Interrupted() && absl::Now() < deadline_;
  }

 private:
  bool Interrupted() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return cancelled_ || !out_of_memory_.empty();
  }

  const absl::Time deadline_;
  mutable absl::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  std::string log_ ABSL_GUARDED_BY(mu_);
  std::string out_of_memory_ ABSL_GUARDED_BY(mu_);
};

}  // namespace brisk
