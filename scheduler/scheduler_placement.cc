// SchedulerState's placement: which worker runs a task, the scheduler's queues, work stealing and
// sending ahead (policy in scheduler/README.md).
#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "scheduler/scheduler_state.h"

namespace brisk {

bool SchedulerState::ResourcesExistFor(TaskId id) const {
  auto it = restrictions_.find(id);
  if (it == restrictions_.end()) return true;
  for (const auto& [wid, w] : workers_) {
    bool enough = true;
    for (const auto& [name, amount] : it->second.resources) {
      auto have = w.resources.find(name);
      enough = enough && have != w.resources.end() && have->second + 1e-9 >= amount;
    }
    if (enough) return true;
  }
  return false;
}

std::string SchedulerState::Requirements(TaskId id) const {
  std::vector<std::string> parts;
  auto it = restrictions_.find(id);
  if (it != restrictions_.end()) {
    for (const auto& [name, amount] : it->second.resources) {
      double most = 0;
      for (const auto& [wid, w] : workers_) {
        auto have = w.resources.find(name);
        if (have != w.resources.end()) most = std::max(most, have->second);
      }
      parts.push_back(
          absl::StrCat("needs ", name, "=", amount, ", the most any worker has is ", most));
    }
    if (!it->second.workers.empty()) {
      parts.push_back(absl::StrCat("may run only on ", absl::StrJoin(it->second.workers, ", ")));
    }
  }
  if (!OpAvailable(tasks_[id])) parts.push_back(MissingOpMessage(tasks_[id].op));
  return absl::StrJoin(parts, "; ");
}

double SchedulerState::Estimate(const Task& t) const {
  const double learned = op_duration_[t.op];
  return std::max(learned < 0 ? options_.default_task_duration_s : learned, 5e-6);
}

bool SchedulerState::CanEverRun(const Worker& w, TaskId id) const {
  if (!HasOp(w, tasks_[id])) return false;
  auto it = restrictions_.find(id);
  if (it == restrictions_.end()) return true;
  const Restrictions& r = it->second;
  if (!r.workers.empty() &&
      std::find(r.workers.begin(), r.workers.end(), w.name) == r.workers.end()) {
    return false;
  }
  for (const auto& [name, amount] : r.resources) {
    auto have = w.resources.find(name);
    if (have == w.resources.end() || have->second + 1e-9 < amount) return false;
  }
  return true;
}

bool SchedulerState::HasRoomFor(const Worker& w, TaskId id) const {
  if (!TakesWork(w) || !CanEverRun(w, id)) return false;
  auto it = restrictions_.find(id);
  if (it == restrictions_.end()) return true;
  for (const auto& [name, amount] : it->second.resources) {
    auto used = w.used.find(name);
    const double in_use = used == w.used.end() ? 0 : used->second;
    if (in_use + amount > w.resources.at(name) + 1e-9) return false;
  }
  return true;
}

bool SchedulerState::RootSaturated(const Worker& w) const {
  const size_t limit =
      std::max<size_t>(1, static_cast<size_t>(std::ceil(w.nthreads * options_.worker_saturation)));
  if (w.processing.size() < limit) return false;
  // Tiny tasks: keep enough queued that the worker does not idle between round trips.
  return w.occupancy >= options_.min_queued_seconds * w.nthreads;
}

WorkerId SchedulerState::DecideWorker(TaskId id, bool root) const {
  const Task& t = tasks_[id];
  uint64_t total_bytes = 0;
  for (TaskId dep : t.deps) total_bytes += tasks_[dep].nbytes;
  auto retries = retries_.find(id);
  const WorkerId failed_on = retries == retries_.end() ? kNoWorker : retries->second.failed_on;
  // A paused worker (short of memory) is chosen only when every worker that could run the task
  // is paused: then the job still goes on, each paused worker running one task at a time
  // (worker/worker.h), where refusing them all would wait for memory that only finishing tasks
  // free. A running worker that is merely saturated keeps the task queued instead.
  bool running_worker_fits = false;
  for (const auto& [wid, w] : workers_) {
    if (TakesWork(w) && !w.paused && HasOp(w, t) && (!t.restricted || HasRoomFor(w, id))) {
      running_worker_fits = true;
      break;
    }
  }
  WorkerId best = kNoWorker;
  double best_cost = std::numeric_limits<double>::infinity();
  size_t best_load = 0;
  for (const auto& [wid, w] : workers_) {
    if (w.paused && running_worker_fits) continue;
    if (!TakesWork(w) || !HasOp(w, t) || (t.restricted && !HasRoomFor(w, id))) continue;
    if (root && RootSaturated(w)) continue;
    double cost = w.occupancy / w.nthreads;
    if (wid == failed_on) cost += 1e9;  // a retry prefers any other worker
    if (total_bytes > 0) {
      uint64_t local = 0;
      for (TaskId dep : t.deps) {
        const Task& d = tasks_[dep];
        if (std::find(d.who_has.begin(), d.who_has.end(), wid) != d.who_has.end())
          local += d.nbytes;
      }
      cost += static_cast<double>(total_bytes - local) / options_.bandwidth_bytes_per_s;
    }
    if (cost < best_cost || (cost == best_cost && w.processing.size() < best_load)) {
      best = wid;
      best_cost = cost;
      best_load = w.processing.size();
    }
  }
  return best;
}

void SchedulerState::ScheduleQueued() {
  if (workers_.empty()) return;
  // Each assignment changes the workers' load, so each is applied before the next is chosen.
  const std::vector<QueueKey> constrained(constrained_.begin(), constrained_.end());
  for (const QueueKey& k : constrained) {
    if (!constrained_.contains(k)) continue;
    const WorkerId w = DecideWorker(k.id, tasks_[k.id].deps.empty());
    if (w == kNoWorker) {
      // The last worker that could run it left: it waits in no-worker (and its job is told), not
      // in this queue.
      const bool possible = std::any_of(workers_.begin(), workers_.end(), [&](const auto& entry) {
        return CanEverRun(entry.second, k.id);
      });
      if (!possible) {
        Recommend(k.id, TaskState::kWaiting);
        RunTransitions();
      }
      continue;
    }
    Recommend(k.id, TaskState::kProcessing, w);
    RunTransitions();
  }
  while (!queued_.empty()) {
    const TaskId id = queued_.begin()->id;
    const WorkerId w = DecideWorker(id, /*root=*/true);
    if (w == kNoWorker && !OpAvailable(tasks_[id])) {
      // The last worker that had its op left: it waits in no-worker, not at the queue's head.
      Recommend(id, TaskState::kWaiting);
      RunTransitions();
      continue;
    }
    if (w == kNoWorker) break;
    Recommend(id, TaskState::kProcessing, w);
    RunTransitions();
    if (!queued_.empty() && queued_.begin()->id == id) break;  // not taken: a bug, reported
  }
}

void SchedulerState::StealWork() {
  if (workers_.size() < 2) return;
  for (auto& [tid, thief] : workers_) {
    if (!TakesWork(thief) || thief.paused) continue;  // retiring, or short of memory
    while (thief.processing.size() + thief.incoming_steals < static_cast<size_t>(thief.nthreads)) {
      // The victim: the worker with the most expected work per thread beyond what it can run now.
      Worker* victim = nullptr;
      for (auto& [vid, w] : workers_) {
        const size_t runnable = w.processing.size() - w.speculative;
        if (vid == tid || runnable <= static_cast<size_t>(w.nthreads)) continue;
        if (victim == nullptr || w.occupancy / w.nthreads > victim->occupancy / victim->nthreads) {
          victim = &w;
        }
      }
      if (victim == nullptr) return;
      // Its task that would run last, if moving its inputs costs less than running it.
      TaskId best = kNoTask;
      for (TaskId id : victim->processing) {
        const Task& t = tasks_[id];
        if (t.stealing_to != kNoWorker || t.speculative > 0 || t.steal_refused ||
            !CanEverRun(thief, id)) {
          continue;
        }
        if (best != kNoTask && KeyFor(t, id) < KeyFor(tasks_[best], best)) continue;
        uint64_t missing = 0;
        for (TaskId dep : t.deps) {
          const Task& d = tasks_[dep];
          if (std::find(d.who_has.begin(), d.who_has.end(), tid) == d.who_has.end())
            missing += d.nbytes;
        }
        if (missing / options_.bandwidth_bytes_per_s > Estimate(t)) continue;
        best = id;
      }
      if (best == kNoTask) break;
      tasks_[best].stealing_to = tid;
      ++thief.incoming_steals;
      WorkerBatch(victim->id).add_steal(std::string(tasks_[best].key()));
    }
  }
}

void SchedulerState::SendAhead(TaskId first) {
  // Iterative: the window slides down a chain of tasks already sent ahead.
  std::vector<TaskId> todo{first};
  while (!todo.empty()) {
    const TaskId id = todo.back();
    todo.pop_back();
    const Task& t = tasks_[id];
    if (t.speculative >= options_.speculation_depth) continue;
    const WorkerId wid = t.processing_on;
    if (workers_.at(wid).paused) continue;  // short of memory: nothing more sent ahead to it
    for (TaskId d : t.dependents) {
      Task& dep = tasks_[d];
      if (dep.state == TaskState::kProcessing && dep.speculative > 0 && dep.processing_on == wid) {
        // Already sent ahead: keep the window sliding down the chain.
        dep.speculative = static_cast<uint8_t>(t.speculative + 1);
        todo.push_back(d);
        continue;
      }
      if (dep.state != TaskState::kWaiting || dep.waiting_on != 1 || dep.restricted ||
          !TakesWork(workers_.at(wid)) || !HasOp(workers_.at(wid), dep)) {
        continue;
      }
      bool only_this = true;
      for (TaskId other : dep.deps) {
        only_this = only_this && (other == id || tasks_[other].state == TaskState::kMemory);
      }
      if (!only_this) continue;
      Recommendation rec;
      rec.id = d;
      rec.from = TaskState::kWaiting;
      rec.to = TaskState::kProcessing;
      rec.worker = wid;
      rec.speculative = static_cast<uint8_t>(t.speculative + 1);
      Recommend(std::move(rec));
    }
  }
}

}  // namespace brisk
