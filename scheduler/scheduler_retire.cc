// SchedulerState's handling of workers that go: counting the crashes of the tasks running on a
// worker that died, and retiring a worker gracefully (its values move to other workers first).
//
// Crashes. A worker whose stream ends without the scheduler having told it to shut down died (a
// `kill -9`, an out-of-memory kill, a lost host). Each task it was running counts one crash, with
// the worker's name and the cause as the scheduler knows it; on its Nth crash
// (SchedulerOptions::allowed_failures) the task errs with ERROR_KIND_WORKER_DIED, and its
// dependents with it: one task that kills its worker cannot take every worker down in turn (as
// Dask's KilledWorker). Tasks the scheduler had sent ahead of an input did not start: they do not
// count. The count is kept in a side table, crashes_, as few tasks ever have one. A worker's death
// is logged once (LogDeath), not once per task; its exit cause, when its supervising parent
// reports it, replaces "connection lost" (scheduler_worker_exit.cc).
//
// Retirement (`brisk retire`, or the worker itself saying so on SIGTERM). A retiring worker:
// - takes no new work (TakesWork() is false: placement, stealing and sending ahead skip it);
// - gives up the tasks it has not started: those sent ahead of an input are taken back, the
//   others are asked back with a steal request, which a worker refuses for a task it runs; a
//   running task finishes there and its value is then moved like the others;
// - hands over every value that is still needed and held nowhere else: another worker is told to
//   `acquire` it (fetch it from the retiring worker and keep it), and says when it has it (it
//   says nothing when it could not: an acquire whose fetching or holding worker leaves is asked
//   again, of another worker or from another holder; a second report of a value it holds is
//   nothing new);
// - is told to shut down once it runs nothing and nothing needed is held only by it. Its stream
//   then ends with no crash and nothing to recompute.
// A worker that still has not finished after SchedulerOptions::retire_timeout_s is told to shut
// down anyway; what it alone held is recomputed (and logged). With nowhere to move its values (it
// is the last worker taking tasks) it is told at once, and its values are lost: `brisk retire`
// refuses that case, so only a SIGTERM'd last worker gets there.
// A retiring worker whose stream breaks and that registers again (`reconnect`) goes on retiring,
// by the same deadline (AddWorker, from its departed_ record): it never hears of `brisk retire`,
// and says it is retiring only once.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "scheduler/scheduler_state.h"
#include "spdlog/spdlog.h"

namespace brisk {

// ------------------------------------------------------------------------------------ crashes

bool SchedulerState::CountCrash(TaskId id, const Worker& w, absl::string_view cause) {
  // Logged once per worker, not per task (LogDeath).
  Crashes& c = crashes_[id];
  ++c.count;
  c.causes.push_back(Crash{w.id, CrashCause(w.name, cause, w.retiring)});
  return c.count >= static_cast<uint32_t>(std::max(1, options_.allowed_failures));
}

std::string SchedulerState::CrashCause(absl::string_view worker, absl::string_view cause,
                                       absl::string_view retiring) {
  if (retiring.empty()) return absl::StrCat(worker, " (", cause, ")");
  return absl::StrCat(worker, " (", cause, " while retiring: ", retiring, ")");
}

std::string SchedulerState::CrashError(TaskId id) const {
  const Crashes& c = crashes_.at(id);
  return absl::StrCat(
      "it was running on workers that died, ", c.count, c.count == 1 ? " time" : " times",
      " (--allowed-failures ", options_.allowed_failures,
      "): ", absl::StrJoin(c.causes, ", ", [](std::string* out, const Crash& crash) {
        out->append(crash.cause);
      }));
}

// ------------------------------------------------------------------------------------ retiring

absl::StatusOr<v1::RetireReply> SchedulerState::RetireWorkers(const v1::RetireRequest& request) {
  if (request.workers().empty()) {
    return absl::InvalidArgumentError("name at least one worker to retire");
  }
  absl::flat_hash_set<WorkerId> chosen;
  for (const std::string& name : request.workers()) {
    WorkerId found = kNoWorker;
    if (auto it = worker_by_name_.find(name); it != worker_by_name_.end()) found = it->second;
    for (const auto& [wid, w] : workers_) {
      if (found == kNoWorker && w.address == name) found = wid;
    }
    if (found == kNoWorker || workers_.at(found).goodbye) {
      return absl::NotFoundError(absl::StrCat("no connected worker named \"", name, "\""));
    }
    chosen.insert(found);
  }
  size_t staying = 0;
  for (const auto& [wid, w] : workers_) staying += TakesWork(w) && !chosen.contains(wid);
  if (staying == 0) {
    return absl::FailedPreconditionError(
        "refused: no worker would be left to take the retiring workers' values (start another "
        "worker first, or stop the cluster with `brisk shutdown`)");
  }
  v1::RetireReply reply;
  for (WorkerId wid : chosen) {
    reply.add_retiring(workers_.at(wid).name);
    StartRetiring(wid, "brisk retire");
  }
  std::sort(reply.mutable_retiring()->begin(), reply.mutable_retiring()->end());
  RunTransitions();
  MaybeValidate();
  return reply;
}

void SchedulerState::StartRetiring(WorkerId wid, std::string why) {
  Worker& w = workers_.at(wid);
  if (!w.retiring.empty() || w.goodbye) return;
  w.retiring = std::move(why);
  w.retire_deadline = clock_.Now() + absl::Seconds(options_.retire_timeout_s);
  spdlog::info("worker {} is retiring ({}): {} tasks processing and {} values to hand over", w.name,
               w.retiring, w.processing.size(), w.has_what.size());
  // Tasks it has not started go elsewhere: those sent ahead are taken back; the others are asked
  // back, and come back if they had not started (OnStealResponse).
  for (TaskId id : w.processing) {
    Task& t = tasks_[id];
    if (t.speculative > 0) {
      Recommend(id, TaskState::kWaiting);
    } else if (t.stealing_to == kNoWorker && !t.steal_refused) {
      WorkerBatch(wid).add_steal(std::string(t.key()));
    }
  }
}

WorkerId SchedulerState::HandoverTarget(const absl::flat_hash_map<WorkerId, size_t>& load,
                                        WorkerId from) const {
  WorkerId best = kNoWorker;
  size_t best_load = 0;
  for (const auto& [wid, w] : workers_) {
    if (wid == from || !TakesWork(w)) continue;
    auto l = load.find(wid);
    const size_t n = w.has_what.size() + (l == load.end() ? 0 : l->second);
    if (best == kNoWorker || n < best_load) {
      best = wid;
      best_load = n;
    }
  }
  return best;
}

void SchedulerState::ContinueRetiring() {
  bool any = false;
  for (const auto& [wid, w] : workers_) any = any || (!w.retiring.empty() && !w.goodbye);
  if (!any) return;
  absl::flat_hash_map<WorkerId, size_t> load;  // values asked of each worker, so far
  for (const auto& [id, a] : acquiring_) ++load[a.to];
  for (auto& [wid, w] : workers_) {
    if (w.retiring.empty() || w.goodbye) continue;
    if (HandoverTarget(load, wid) == kNoWorker) {
      // Nowhere to move anything: it is the last worker taking tasks. It goes at once.
      size_t lost = 0;
      for (TaskId id : w.has_what) lost += MovesWith(id, wid);
      spdlog::warn("worker {} is retiring, but no other worker can take its values: {} lost",
                   w.name, lost);
      SayGoodbye(
          wid, w,
          absl::StrCat("no other worker could take its values: ", lost, " still needed are lost"));
      continue;
    }
    bool waiting = !w.processing.empty();
    for (TaskId id : w.has_what) {
      if (!MovesWith(id, wid)) continue;
      const Task& t = tasks_[id];
      if (acquiring_.contains(id)) {
        waiting = true;
        continue;
      }
      const WorkerId target = HandoverTarget(load, wid);
      acquiring_[id] = Acquiring{target, wid};
      ++load[target];
      waiting = true;
      v1::Dependency* acquire = WorkerBatch(target).add_acquire();
      acquire->set_key(std::string(t.key()));
      acquire->set_nbytes(t.nbytes);
      acquire->add_who_has(w.address);
    }
    if (!waiting) {
      spdlog::info("worker {} retired: its values are handed over", w.name);
      SayGoodbye(wid, w, "retired: every value still needed is handed over");
    }
  }
}

bool SchedulerState::MovesWith(TaskId id, WorkerId from) const {
  const Task& t = tasks_[id];
  if (t.state != TaskState::kMemory || !Needed(t)) return false;
  for (WorkerId holder : t.who_has) {
    if (holder != from && TakesWork(workers_.at(holder))) return false;  // a copy stays
  }
  return true;
}

void SchedulerState::SayGoodbye(WorkerId wid, Worker& w, std::string reason) {
  w.goodbye = true;
  v1::SchedulerToWorker& batch = WorkerBatch(wid);
  batch.set_shutdown(true);
  batch.set_shutdown_reason(std::move(reason));
}

void SchedulerState::CheckRetireTimeouts() {
  const absl::Time now = clock_.Now();
  for (auto& [wid, w] : workers_) {
    if (w.retiring.empty() || w.goodbye || now < w.retire_deadline) continue;
    std::vector<std::string> lost;
    for (TaskId id : w.has_what) {
      if (MovesWith(id, wid)) lost.emplace_back(UserKey(tasks_[id]));
    }
    std::sort(lost.begin(), lost.end());
    const size_t shown = std::min<size_t>(lost.size(), 10);
    spdlog::warn(
        "worker {} did not finish retiring within {} s (--retire-timeout): stopping it with {} "
        "tasks still running (they run again elsewhere) and {} values not handed over (computed "
        "again){}{}",
        w.name, options_.retire_timeout_s, w.processing.size(), lost.size(),
        lost.empty() ? "" : ": ",
        absl::StrCat(
            absl::StrJoin(lost.begin(), lost.begin() + static_cast<ptrdiff_t>(shown), ", "),
            lost.size() > shown ? ", ..." : ""));
    SayGoodbye(wid, w,
               absl::StrCat("retire timeout: ", lost.size(), " values not handed over are lost"));
  }
}

void SchedulerState::OnAcquired(WorkerId wid, const v1::HeldValue& held) {
  auto found = key_index_.find(held.key());
  const TaskId id = found == key_index_.end() ? kNoTask : *found;
  // Asked twice (again after its source registered anew, say) and reported twice: the first
  // report made it a holder, and its copy stays one.
  if (id != kNoTask && workers_.at(wid).has_what.contains(id)) return;
  auto asked = id == kNoTask ? acquiring_.end() : acquiring_.find(id);
  if (asked == acquiring_.end() || asked->second.to != wid ||
      tasks_[id].state != TaskState::kMemory) {
    // Not needed any more (released, or lost and being computed again): not to be kept.
    WorkerBatch(wid).add_release(held.key());
    return;
  }
  acquiring_.erase(asked);
  Task& t = tasks_[id];
  if (std::find(t.who_has.begin(), t.who_has.end(), wid) == t.who_has.end()) {
    t.who_has.push_back(wid);
  }
  workers_.at(wid).has_what.insert(id);
}

}  // namespace brisk
