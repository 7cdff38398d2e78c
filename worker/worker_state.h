// WorkerState: the worker's task bookkeeping, as a state machine with no network and no threads —
// the tasks it holds and their phases, the ready queue, fetches in flight, values it waits for
// from its own running tasks, and the dependencies it borrowed from peers. The gRPC shell
// (worker/worker.h) calls it under one mutex; every effect leaves through WorkerComm. Not
// thread-safe.
//
// A task on the worker:
//
//   ComputeTask
//       │
//       v
//   fetching ──── an input cannot be had ───> reported with it `missing`; gone
//       │   └──── cancel, steal ────────────> gone
//       │ every input here
//       v
//   ready ─────── cancel, steal ────────────> gone
//       │ StartNext()
//       v
//   executing ─── Finished() ───────────────> reported (a result or an error); gone
//           └──── cancel: the op is told to stop; when it returns, gone unreported (and run
//                 again if it was sent again meanwhile). A steal is refused.
//
// An input is "here" when it is in the ValueStore (a result computed here) or borrowed: fetched
// from a peer and kept, with a count of the tasks holding it, until the last of them is gone.
// A task sent ahead (a dependency `pending_here`) waits for a task running here to store that
// value, and starts without a word from the scheduler.
//
// A value to acquire (SchedulerToWorker.acquire: a retiring worker's, handed over) is fetched
// from its holder like a dependency, through the same fetches, then kept in the ValueStore as if
// computed here and reported (WorkerComm::ReportAcquired). One that cannot be had is logged and
// not reported: the scheduler's retire timeout bounds the wait for it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/node_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "brisk/v1/graph.pb.h"
#include "brisk/v1/scheduler.pb.h"
#include "worker/arg_resolver.h"
#include "worker/task_control.h"
#include "worker/value_store.h"
#include "worker/worker_comm.h"

namespace brisk {

class WorkerState {
 public:
  enum class Phase { kFetching, kReady, kExecuting };
  static const char* PhaseName(Phase phase);

  // A task handed to an executor by StartNext().
  struct Started {
    std::string key;
    const v1::Task* spec = nullptr;  // valid until Finished(key)
    Inputs inputs;                   // the values of the task's references, by key
    std::shared_ptr<TaskControl> control;
  };

  // What the executor saw when the op returned.
  struct Outcome {
    absl::StatusOr<v1::Value> result;
    double start = 0;  // Unix seconds, worker clock
    double end = 0;
    bool timed_out = false;      // the control's time limit had passed
    bool out_of_memory = false;  // with an error result: the worker failed it for memory
    std::string log;             // what the op left for `brisk logs`
  };

  // `name`: this worker's, for log lines.
  WorkerState(ValueStore& store, WorkerComm& comm, std::string name);
  WorkerState(const WorkerState&) = delete;
  WorkerState& operator=(const WorkerState&) = delete;

  // ---- events

  // A batch from the scheduler: values to release, then cancels and steals (a batch may take a
  // task back and send it again), then new tasks, then values to acquire. Dependencies to fetch are
  // batched per peer over the whole message. `error` and `shutdown` are the shell's business.
  void HandleMessage(const v1::SchedulerToWorker& message);
  // The answer to StartFetch(request with this id): the values that came, or an error when the
  // peer could not be asked. A key that did not come cannot be had: its waiting tasks are
  // reported with it `missing`.
  void FetchDone(uint64_t fetch, const absl::StatusOr<FetchedValues>& result);
  // Takes the first ready task (highest priority, then lowest order) for an executor; nullopt
  // when none is ready. It is executing from here on: a steal is refused, a cancel stops it.
  std::optional<Started> StartNext();
  // The op of an executing task returned.
  void Finished(const std::string& key, Outcome outcome);
  // The worker is stopping: every running op is told to stop (nothing more is reported).
  void CancelRunning();
  // The scheduler went away: every task is dropped, unreported (a running op is told to stop,
  // and is gone when it returns); the scheduler places them again. Values stay in the store.
  void DropAllTasks();

  // ---- queries
  bool HasReady() const { return !ready_.empty(); }
  int ready() const { return static_cast<int>(ready_.size()); }
  int executing() const { return executing_; }
  size_t size() const { return tasks_.size(); }
  std::optional<Phase> PhaseOf(const std::string& key) const;
  // Tasks holding the borrowed value of `key` (0: not borrowed).
  int BorrowedRefs(const std::string& key) const;
  size_t fetches_in_flight() const { return in_flight_.size(); }
  size_t acquiring() const { return acquiring_.size(); }

  // Checks every invariant written below; tests call it after each event. It assumes what the
  // scheduler promises: it never releases a value that a task it sent here still needs.
  absl::Status Validate() const;

 private:
  struct LocalTask {
    v1::Task spec;
    int32_t priority = 0;
    int64_t order = 0;
    std::vector<std::string> deps;   // keys whose values the op receives
    std::vector<std::string> held;   // dependencies borrowed for this task (refs in borrowed_)
    std::vector<std::string> waits;  // dependencies it is listed under in fetching_/awaiting_local_
    // Sent again while a cancelled run was still finishing: run this afterwards.
    std::unique_ptr<v1::ComputeTask> rerun;
    int missing = 0;  // inputs not here yet
    // Of those, values awaited from a local task that failed or was cancelled: they will not come
    // (the scheduler cancels this task).
    int stranded = 0;
    Phase phase = Phase::kFetching;
    std::shared_ptr<TaskControl> control;  // while executing
  };
  struct Borrowed {  // a dependency fetched from a peer, kept while local tasks need it
    ValuePtr value;
    int refs = 0;
  };
  // Dependencies to fetch, by holder address ("": nobody holds them), gathered over one event.
  using FetchBatch = std::map<std::string, std::vector<std::string>>;
  using ReadyKey = std::tuple<int32_t, int64_t, std::string>;  // (-priority, order, key)

  void AddTask(const v1::ComputeTask& compute, FetchBatch& fetches);
  void Acquire(const v1::Dependency& value, FetchBatch& fetches);
  void ReportHeld(const std::string& key, const ValuePtr& value);
  void StartFetches(FetchBatch& fetches);
  void CancelTask(const std::string& key);
  void Steal(const std::string& key);
  void DropTask(const std::string& key);
  void MakeReady(const std::string& key, LocalTask& task);
  // The local task computing `key` will not store it: tasks sent ahead for it wait in vain.
  void StrandAwaiting(const std::string& key);
  void Report(v1::TaskDone done) { comm_.ReportDone(std::move(done)); }

  ValueStore& store_;
  WorkerComm& comm_;
  const std::string name_;

  // Invariants (Validate):
  // - ready_ holds exactly the tasks in phase kReady, under their (priority, order);
  //   executing_ counts the tasks in kExecuting, which alone have a control; only a cancelled
  //   executing task has a rerun.
  // - A task's `missing` is the number of times it is listed in fetching_ and awaiting_local_
  //   plus its `stranded`; it is positive exactly when the task is fetching.
  // - Every task listed in fetching_ or awaiting_local_ is fetching and waits for that key;
  //   awaiting_local_ has no empty lists (fetching_ may: a fetch whose tasks are gone).
  // - The keys of fetching_ are exactly the keys of the fetches in flight, each in one of them.
  // - borrowed_[k].refs is the number of times k is in live tasks' `held`, and positive.
  // - Every input of a ready task is borrowed for it or in the store.
  // - Every key being acquired is being fetched (a key of fetching_).
  absl::node_hash_map<std::string, LocalTask> tasks_;  // node map: Started::spec stays valid
  std::set<ReadyKey> ready_;
  absl::flat_hash_map<std::string, Borrowed> borrowed_;
  // Dependency key -> tasks waiting for its fetch.
  absl::flat_hash_map<std::string, std::vector<std::string>> fetching_;
  // Tasks sent ahead, waiting for a value this worker is computing: key -> waiting tasks.
  absl::flat_hash_map<std::string, std::vector<std::string>> awaiting_local_;
  // Values to acquire whose fetch is in flight (their keys are in fetching_ too).
  absl::flat_hash_set<std::string> acquiring_;
  // Fetches started and not yet answered, by id.
  absl::flat_hash_map<uint64_t, FetchRequest> in_flight_;
  uint64_t next_fetch_ = 1;
  int executing_ = 0;
};

}  // namespace brisk
