// EventLoop: the one thread that owns the SchedulerState. Other threads Post() closures; the loop
// runs every closure queued so far, then calls Flush() once, so a burst of messages shares one
// scheduling pass and leaves as one batch per destination. Every `tick` (even when no message
// comes) it calls SchedulerState::Tick() before that Flush(), for decisions that time alone
// triggers (a silent worker, a task waiting too long for a worker). It measures its own latency:
// how long the oldest event of each pass waited until that pass's Flush() was done.
#pragma once

#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "scheduler/histogram.h"
#include "scheduler/scheduler_state.h"

namespace brisk {

class EventLoop {
 public:
  using Event = std::function<void(SchedulerState&)>;

  explicit EventLoop(SchedulerState& state, absl::Duration tick = absl::Milliseconds(500));
  ~EventLoop();

  void Start();
  // Runs what is queued, then stops the thread. Posts after Stop are dropped.
  void Stop();
  void Post(Event event);

  // Seconds from the arrival of each pass's oldest event to the end of that pass. Read only on
  // the loop's thread (by an event).
  const Histogram& latency() const { return latency_; }

 private:
  void Run();

  SchedulerState& state_;
  const absl::Duration tick_;
  std::thread thread_;
  absl::Mutex mu_;
  std::vector<Event> queue_ ABSL_GUARDED_BY(mu_);
  absl::Time first_queued_ ABSL_GUARDED_BY(mu_);  // when queue_'s first event came
  Histogram latency_{kLoopLatencyBuckets};        // the loop's thread only
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace brisk
