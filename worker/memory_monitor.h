// MemoryMonitor: keeps a worker within its --memory-limit. Every check (a thread runs one every
// 100 ms; tests call Check() directly):
//   - above `target` of the limit by managed bytes (the values in memory, ValueStore::bytes()),
//     it spills least recently used values until managed is back at target;
//   - above `spill` by the process's resident memory, it spills one value at a time, handing
//     freed memory back to the system (malloc_trim), until resident memory is back at target
//     (or at spill, with target off) or nothing more can be spilled;
//   - above `pause` by resident memory the worker is paused (it starts no new tasks but one at a
//     time with nothing running, and tells the scheduler); below it, it runs again;
//   - above `terminate`, it asks the worker to fail its largest running task.
// Each fraction can be 0 (off). Thread-safe: Check() runs on one thread at a time (its own, once
// started); paused() may be read from any.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "worker/value_store.h"

namespace brisk {

struct MemoryPolicy {
  uint64_t limit = 0;  // bytes; 0: none, and the monitor does nothing
  double target = 0.6;
  double spill = 0.7;
  double pause = 0.8;
  double terminate = 0.95;
};

class MemoryMonitor {
 public:
  // What the monitor needs from the process and the worker (fakes in tests).
  struct Hooks {
    std::function<uint64_t()> resident;                   // this process's resident bytes
    std::function<void()> trim;                           // hand freed memory back (malloc_trim)
    std::function<void(bool paused)> on_pause;            // paused or running again
    std::function<void(uint64_t resident)> on_terminate;  // above terminate
  };

  MemoryMonitor(ValueStore& store, MemoryPolicy policy, Hooks hooks);
  ~MemoryMonitor();  // stops the thread

  // One round of the checks above.
  void Check();
  // Runs Check() every `interval` on a thread of its own, until Stop() or destruction.
  void Start(absl::Duration interval = absl::Milliseconds(100));
  void Stop();
  // A value was just stored: spills down to target on the calling thread (the executor that
  // made the value pays for spilling it, so tasks cannot make values faster than they are
  // spilled), and runs the next check now rather than at the end of the interval.
  void ValueStored();

  bool paused() const { return paused_.load(); }
  // The resident bytes the last check measured.
  uint64_t resident() const { return resident_.load(); }
  const MemoryPolicy& policy() const { return policy_; }

 private:
  uint64_t Threshold(double fraction) const {
    return static_cast<uint64_t>(fraction * static_cast<double>(policy_.limit));
  }

  ValueStore& store_;
  const MemoryPolicy policy_;
  const Hooks hooks_;
  std::atomic<bool> paused_{false};
  std::atomic<uint64_t> resident_{0};
  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool poked_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace brisk
