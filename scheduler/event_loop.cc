#include "scheduler/event_loop.h"

#include <malloc.h>

#include <algorithm>

#include "absl/time/clock.h"

namespace brisk {

EventLoop::EventLoop(SchedulerState& state, absl::Duration tick) : state_(state), tick_(tick) {}

EventLoop::~EventLoop() { Stop(); }

void EventLoop::Start() {
  thread_ = std::thread([this] { Run(); });
}

void EventLoop::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void EventLoop::Post(Event event) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return;
  if (queue_.empty()) first_queued_ = absl::Now();
  queue_.push_back(std::move(event));
}

void EventLoop::Run() {
  std::vector<Event> batch;
  absl::Time next_tick = absl::Now() + tick_;
  while (true) {
    absl::Time first_queued = absl::InfiniteFuture();
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithDeadline(absl::Condition(
                                +[](EventLoop* loop) ABSL_EXCLUSIVE_LOCKS_REQUIRED(loop->mu_) {
                                  return loop->stopping_ || !loop->queue_.empty();
                                },
                                this),
                            next_tick);
      if (queue_.empty() && stopping_) return;
      if (!queue_.empty()) first_queued = first_queued_;
      batch.swap(queue_);
    }
    for (Event& event : batch) event(state_);
    batch.clear();
    if (const absl::Time now = absl::Now(); now >= next_tick) {
      state_.Tick();
      next_tick = now + tick_;
    }
    state_.Flush();
    // A big graph's submission buffers are free now; without this the process keeps their pages.
    if (state_.TakeTrimRequest()) malloc_trim(0);
    if (first_queued != absl::InfiniteFuture()) {
      latency_.Observe(std::max(0.0, absl::ToDoubleSeconds(absl::Now() - first_queued)));
    }
  }
}

}  // namespace brisk
