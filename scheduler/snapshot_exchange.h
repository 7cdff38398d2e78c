// SnapshotExchange: hands DashboardSnapshots from the event loop to the HTTP threads. A reader
// that needs the state as of now posts one event to the loop and waits, with a timeout, for the
// snapshot that event publishes; readers that come while such an event is queued wait for the same
// one, so the loop takes one snapshot however many readers there are. The loop never waits for a
// reader: it swaps a shared pointer under a small mutex.
#pragma once

#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "scheduler/dashboard_snapshot.h"
#include "scheduler/event_loop.h"

namespace brisk {

class SnapshotExchange {
 public:
  explicit SnapshotExchange(EventLoop& loop);

  // A snapshot taken after the loop ran every event posted before this call; nullptr when none
  // came within `timeout` (the loop is stopping, or stuck).
  std::shared_ptr<const DashboardSnapshot> Fresh(absl::Duration timeout);
  // The latest snapshot when taken at most `max_age` ago, else Fresh(timeout): for pages that
  // poll, so that many browsers cost the loop a few snapshots a second at most.
  std::shared_ptr<const DashboardSnapshot> Recent(absl::Duration max_age, absl::Duration timeout);

 private:
  // Shared with the events posted, which may run after the exchange is gone.
  struct Shared {
    absl::Mutex mu;
    std::shared_ptr<const DashboardSnapshot> latest ABSL_GUARDED_BY(mu);
    absl::Time latest_at ABSL_GUARDED_BY(mu) = absl::InfinitePast();
    uint64_t published ABSL_GUARDED_BY(mu) = 0;  // the generation of `latest`
    uint64_t posted ABSL_GUARDED_BY(mu) = 0;     // generations of the events posted
    bool queued ABSL_GUARDED_BY(mu) = false;     // event `posted` has not started yet
    absl::CondVar published_cv;                  // signalled when `published` grows
  };

  EventLoop& loop_;
  std::shared_ptr<Shared> shared_ = std::make_shared<Shared>();
};

}  // namespace brisk
