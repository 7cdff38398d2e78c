// SchedulerState::ValidateState: every invariant of the scheduler's state, in one place.
//
// For each task record (not on the free list):
//   - it is in key_index_ under its data key; a data key other than its user key is listed in
//     aliases_ under the user key; state_counts_ counts it under its state (and
//     finished_count_, when it was released after running);
//   - processing_on is set exactly when it is processing, and that worker lists it and has its
//     op; needs_op exactly when its op is not a built-in;
//     speculative > 0, stealing_to and steal_refused only while processing;
//   - who_has is non-empty exactly when it is in memory, and every holder lists it in has_what;
//     a value in memory is needed (a job or name holds it, or a dependent being computed needs
//     it), else it would have been freed;
//   - waiting_on, while waiting or sent ahead (speculative), is the number of its dependencies not
//     in memory, and each of those is being computed (waiting, queued, no-worker or processing),
//     so nothing waits for ever; a waiting task waits on at least one; sent ahead, its missing
//     inputs are processing on the same worker; in any other state waiting_on is 0;
//   - queued and no-worker tasks have every input in memory, and sit in exactly their queue;
//   - pending_dependents is the number of its dependents being computed;
//   - holders is the number of holding jobs listing it as an output (once per listing) plus the
//     names it is published under; output_job and more_output_jobs_ list those jobs;
//   - live_jobs is the number of running jobs listing it, job_refs the number of job records;
//   - deps and dependents mirror each other;
//   - errors_ has an entry exactly when it erred;
//   - it is not forgettable: something still refers to it (else it would have been dropped).
// For each worker: `processing`, `speculative`, `incoming_steals` and the resources `used` equal
// what the tasks say; an idle worker has no occupancy. op_workers_ counts, per op, the workers
// that announced it.
// Crashes and retirement: crashes_ counts at least one crash per entry, with a cause for each;
// acquiring_ lists only values in memory, each asked of a connected worker not holding it yet,
// to be fetched from a connected worker holding it.
// For each job: it lists a task once; a running job has outputs left, and that count is its
// outputs not yet in memory or erred.
// No recommendation is left unapplied between events, and no transition ever found its
// precondition broken.
#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "scheduler/scheduler_state.h"

namespace brisk {

absl::Status SchedulerState::ValidateState() const {
  auto fail = [](auto&&... parts) {
    return absl::InternalError(absl::StrCat(std::forward<decltype(parts)>(parts)...));
  };
  if (violations_ > 0) {
    return fail(violations_, " broken preconditions, the first: ", first_violation_);
  }
  if (!recommendations_.empty()) return fail(recommendations_.size(), " transitions left pending");

  // What jobs and names say about each task.
  absl::flat_hash_map<TaskId, uint32_t> holds, live, refs;
  absl::flat_hash_map<TaskId, std::vector<JobId>> holding_jobs;
  for (const auto& [jid, job] : jobs_) {
    absl::flat_hash_set<TaskId> listed;
    for (TaskId id : job.tasks) {
      if (!listed.insert(id).second) return fail("job ", jid, " lists a task twice");
      ++refs[id];
      if (job.state == JobState::kRunning) ++live[id];
    }
    if (job.holding) {
      for (TaskId id : job.outputs) {
        ++holds[id];
        holding_jobs[id].push_back(jid);
      }
    }
  }
  for (const auto& [name, id] : published_) {
    if (id >= tasks_.size() || tasks_[id].free) return fail("published \"", name, "\" is gone");
    ++holds[id];
  }
  for (TaskId id : grace_held_) ++holds[id];  // after a restore (scheduler_restore.cc)
  auto count = [](const absl::flat_hash_map<TaskId, uint32_t>& m, TaskId id) -> uint32_t {
    auto it = m.find(id);
    return it == m.end() ? 0 : it->second;
  };

  uint64_t counts[kTaskStateCount] = {};
  size_t live_tasks = 0;
  uint64_t finished = 0;
  size_t processing = 0;
  absl::flat_hash_map<WorkerId, int> speculative, steals;
  absl::flat_hash_map<WorkerId, std::map<std::string, double>> used;
  for (TaskId id = 0; id < tasks_.size(); ++id) {
    const Task& t = tasks_[id];
    if (t.free) continue;
    ++live_tasks;
    const std::string key(UserKey(t));
    auto task_fail = [&](auto&&... parts) {
      return fail("task \"", key, "\" (", TaskStateName(t.state),
                  "): ", std::forward<decltype(parts)>(parts)...);
    };
    if (t.state == TaskState::kForgotten) return task_fail("a live record marked forgotten");
    ++counts[static_cast<int>(t.state)];
    if (t.state == TaskState::kReleased && t.ran_on != kNoWorker) ++finished;
    auto indexed = key_index_.find(t.key());
    if (indexed == key_index_.end() || *indexed != id) return task_fail("not in the key index");
    if (key.size() != t.key().size()) {
      auto alias = aliases_.find(key);
      if (alias == aliases_.end() ||
          std::find(alias->second.begin(), alias->second.end(), id) == alias->second.end()) {
        return task_fail("its data key is not listed under its key");
      }
    }

    if (t.needs_op == static_cast<bool>(op_builtin_[t.op])) {
      return task_fail("needs_op does not match its op");
    }
    const bool is_processing = t.state == TaskState::kProcessing;
    if (is_processing != (t.processing_on != kNoWorker)) {
      return task_fail("processing_on does not match the state");
    }
    if (is_processing) {
      ++processing;
      auto w = workers_.find(t.processing_on);
      if (w == workers_.end() || !w->second.processing.contains(id)) {
        return task_fail("its worker does not list it as processing");
      }
      if (!HasOp(w->second, t)) return task_fail("its worker does not have its op");
      if (t.speculative > 0) ++speculative[t.processing_on];
      if (t.stealing_to != kNoWorker) {
        if (!workers_.contains(t.stealing_to)) return task_fail("stolen by a worker that left");
        ++steals[t.stealing_to];
      }
      if (t.restricted) {
        auto r = restrictions_.find(id);
        if (r == restrictions_.end()) return task_fail("restricted without restrictions");
        for (const auto& [name, amount] : r->second.resources)
          used[t.processing_on][name] += amount;
      }
    } else if (t.speculative > 0 || t.stealing_to != kNoWorker || t.steal_refused) {
      return task_fail("sent ahead or being stolen while not processing");
    }

    if ((t.state == TaskState::kMemory) != !t.who_has.empty()) {
      return task_fail("holders (", t.who_has.size(), ") do not match the state");
    }
    for (WorkerId w : t.who_has) {
      auto it = workers_.find(w);
      if (it == workers_.end() || !it->second.has_what.contains(id)) {
        return task_fail("a holder does not list it");
      }
    }
    if (t.state == TaskState::kMemory && !Needed(t)) return task_fail("in memory, not needed");

    uint32_t missing = 0;
    for (TaskId dep : t.deps) {
      const Task& d = tasks_[dep];
      if (d.free) return task_fail("a dependency's record is gone");
      if (std::count(d.dependents.begin(), d.dependents.end(), id) != 1) {
        return task_fail("dependency \"", UserKey(d), "\" does not list it once as a dependent");
      }
      if (d.state == TaskState::kMemory) continue;
      ++missing;
      const bool waits = t.state == TaskState::kWaiting || t.speculative > 0;
      if (waits && !IsActive(d.state)) {
        return task_fail("waits for \"", UserKey(d), "\", which is ", TaskStateName(d.state));
      }
      if (t.speculative > 0 &&
          (d.state != TaskState::kProcessing || d.processing_on != t.processing_on)) {
        return task_fail("sent ahead to ", WorkerName(t.processing_on), " of input \"", UserKey(d),
                         "\", which is ", TaskStateName(d.state), " on ",
                         WorkerName(d.processing_on));
      }
      if (t.state == TaskState::kQueued || t.state == TaskState::kNoWorker) {
        return task_fail("ready with input \"", UserKey(d), "\" not in memory");
      }
    }
    const bool counts_missing = t.state == TaskState::kWaiting || t.speculative > 0;
    if (t.waiting_on != (counts_missing ? missing : 0)) {
      return task_fail("waiting_on is ", t.waiting_on, ", expected ", counts_missing ? missing : 0);
    }
    if (t.state == TaskState::kWaiting && missing == 0) return task_fail("waits on nothing");

    uint32_t active_dependents = 0;
    for (TaskId d : t.dependents) {
      const Task& dep = tasks_[d];
      if (dep.free || std::find(dep.deps.begin(), dep.deps.end(), id) == dep.deps.end()) {
        return task_fail("a dependent does not list it as a dependency");
      }
      if (IsActive(dep.state)) ++active_dependents;
    }
    if (t.pending_dependents != active_dependents) {
      return task_fail("pending_dependents is ", t.pending_dependents, ", expected ",
                       active_dependents);
    }

    const QueueKey qk = KeyFor(t, id);
    const int queues = queued_.contains(qk) + constrained_.contains(qk) + no_worker_.contains(qk);
    if (t.state == TaskState::kQueued) {
      if (queues != 1 || !(t.restricted ? constrained_ : queued_).contains(qk)) {
        return task_fail("not in its queue");
      }
    } else if (t.state == TaskState::kNoWorker) {
      if (queues != 1 || !no_worker_.contains(qk)) return task_fail("not in the no-worker queue");
    } else if (queues != 0) {
      return task_fail("in a queue");
    }

    if (t.holders != count(holds, id)) {
      return task_fail("holders is ", t.holders, ", expected ", count(holds, id));
    }
    std::vector<JobId> outputs_of = OutputJobs(id);
    std::vector<JobId> expected_jobs =
        holding_jobs.contains(id) ? holding_jobs.at(id) : std::vector<JobId>{};
    std::sort(outputs_of.begin(), outputs_of.end());
    std::sort(expected_jobs.begin(), expected_jobs.end());
    if (outputs_of != expected_jobs) return task_fail("the jobs holding it are misrecorded");
    if (t.live_jobs != count(live, id)) {
      return task_fail("live_jobs is ", t.live_jobs, ", expected ", count(live, id));
    }
    if (t.job_refs != count(refs, id)) {
      return task_fail("job_refs is ", t.job_refs, ", expected ", count(refs, id));
    }
    if ((t.state == TaskState::kErred) != errors_.contains(id)) {
      return task_fail("an error is recorded exactly when it erred: not so");
    }
    if (Forgettable(t)) return task_fail("nothing refers to it, yet it is kept");
  }
  for (int s = 0; s < kTaskStateCount; ++s) {
    if (counts[s] != state_counts_[s]) {
      return fail("state_counts_ says ", state_counts_[s], " ",
                  TaskStateName(static_cast<TaskState>(s)), ", there are ", counts[s]);
    }
  }
  if (finished != finished_count_) {
    return fail("finished_count_ says ", finished_count_, ", there are ", finished);
  }
  if (live_tasks != key_index_.size()) return fail("the key index holds forgotten tasks");
  for (const auto& [user_key, ids] : aliases_) {
    for (TaskId id : ids) {
      if (id >= tasks_.size() || tasks_[id].free || UserKey(tasks_[id]) != user_key ||
          tasks_[id].key() == user_key) {
        return fail("aliases_ of \"", user_key, "\" lists a task that is not one");
      }
    }
  }
  if (queued_.size() + constrained_.size() != state_counts_[int(TaskState::kQueued)] ||
      no_worker_.size() != state_counts_[int(TaskState::kNoWorker)]) {
    return fail("the queues hold tasks in other states");
  }
  if (no_worker_since_.size() != no_worker_.size()) {
    return fail("no_worker_since_ does not time exactly the no-worker tasks");
  }
  for (const auto& [id, since] : no_worker_since_) {
    if (id >= tasks_.size() || tasks_[id].state != TaskState::kNoWorker) {
      return fail("no_worker_since_ times a task that is not in no-worker");
    }
  }

  std::vector<uint32_t> announced(op_names_.size(), 0);
  for (const auto& [wid, w] : workers_) {
    for (uint32_t op : w.ops) ++announced[op];
  }
  if (announced != op_workers_) return fail("op_workers_ does not count the workers' ops");

  size_t listed_processing = 0;
  for (const auto& [wid, w] : workers_) {
    listed_processing += w.processing.size();
    for (TaskId id : w.processing) {
      if (tasks_[id].free || tasks_[id].processing_on != wid) {
        return fail("worker ", w.name, " lists a task it is not running");
      }
    }
    for (TaskId id : w.has_what) {
      const Task& t = tasks_[id];
      if (t.free || std::find(t.who_has.begin(), t.who_has.end(), wid) == t.who_has.end()) {
        return fail("worker ", w.name, " lists a value it does not hold");
      }
    }
    if (w.speculative != (speculative.contains(wid) ? speculative.at(wid) : 0)) {
      return fail("worker ", w.name, ": speculative count is off");
    }
    if (w.incoming_steals != (steals.contains(wid) ? steals.at(wid) : 0)) {
      return fail("worker ", w.name, ": incoming_steals is ", w.incoming_steals);
    }
    for (const auto& [name, amount] : w.used) {
      const double expected =
          used.contains(wid) && used.at(wid).contains(name) ? used.at(wid).at(name) : 0;
      if (std::abs(amount - expected) > 1e-6) {
        return fail("worker ", w.name, ": uses ", amount, " ", name, ", expected ", expected);
      }
    }
    if (w.occupancy < 0 || (w.processing.empty() && w.occupancy != 0)) {
      return fail("worker ", w.name, ": occupancy ", w.occupancy);
    }
  }
  if (listed_processing != processing) return fail("workers list other processing tasks");

  for (const auto& [id, c] : crashes_) {
    if (id >= tasks_.size() || tasks_[id].free) return fail("crashes_ lists a task that is gone");
    if (c.count == 0 || c.causes.size() != c.count) return fail("crashes_ count and causes differ");
  }
  for (const auto& [id, a] : acquiring_) {
    if (id >= tasks_.size() || tasks_[id].free || tasks_[id].state != TaskState::kMemory) {
      return fail("acquiring_ lists a value not in memory");
    }
    const Task& t = tasks_[id];
    if (!workers_.contains(a.to) ||
        std::find(t.who_has.begin(), t.who_has.end(), a.to) != t.who_has.end()) {
      return fail("task \"", UserKey(t), "\" is being acquired by a worker gone or holding it");
    }
    if (!workers_.contains(a.from) ||
        std::find(t.who_has.begin(), t.who_has.end(), a.from) == t.who_has.end()) {
      return fail("task \"", UserKey(t), "\" is being acquired from a worker not holding it");
    }
  }

  for (const auto& [jid, job] : jobs_) {
    if (job.state != JobState::kRunning) continue;
    uint32_t left = 0;
    for (TaskId id : job.outputs) {
      const TaskState s = tasks_[id].state;
      if (s != TaskState::kMemory && s != TaskState::kErred) ++left;
    }
    if (job.outputs_left != left || left == 0) {
      return fail("running job ", jid, " has outputs_left ", job.outputs_left, ", expected ", left,
                  " (> 0)");
    }
  }
  return absl::OkStatus();
}

}  // namespace brisk
