// SchedulerState's queries: cluster status, jobs and their tasks, where values are, logs and
// published names. Keys come as the user wrote them and resolve to the newest job's task.
#include "absl/strings/str_cat.h"
#include "scheduler/scheduler_state.h"

namespace brisk {

v1::TaskState SchedulerState::WireState(const Task& t) {
  if (t.state == TaskState::kReleased && t.ran_on != kNoWorker) return v1::TASK_STATE_FINISHED;
  return WireTaskState(t.state);
}

v1::StatusReply SchedulerState::Status() const {
  v1::StatusReply reply;
  for (const auto& [wid, w] : workers_) {
    v1::WorkerInfo* info = reply.add_workers();
    info->set_id(wid);
    info->set_name(w.name);
    info->set_address(w.address);
    info->set_nthreads(w.nthreads);
    info->set_memory(w.memory);
    info->set_memory_limit(w.memory_limit);
    info->set_running(w.executing);
    info->set_processing(static_cast<int32_t>(w.processing.size()));
    // Every worker listed is registered: taking tasks unless retiring or short of memory.
    info->set_state(!w.retiring.empty() ? v1::WORKER_STATE_RETIRING
                    : w.paused          ? v1::WORKER_STATE_PAUSED
                                        : v1::WORKER_STATE_RUNNING);
    info->set_retiring(w.retiring);
    info->set_managed(w.managed);
    info->set_spilled(w.spilled);
    info->set_spilled_total(w.spilled_total);
    info->set_paused(w.paused);
    info->set_resident(w.resident);
    info->set_joined(w.joined);
    info->mutable_resources()->insert(w.resources.begin(), w.resources.end());
  }
  auto add = [&reply](v1::TaskState state, uint64_t n) {
    if (n == 0 || state == v1::TASK_STATE_UNSPECIFIED) return;
    v1::TaskStateCount* count = reply.add_tasks();
    count->set_state(state);
    count->set_count(n);
  };
  for (int s = 0; s < kTaskStateCount; ++s) {
    const TaskState state = static_cast<TaskState>(s);
    if (state == TaskState::kReleased) {
      add(v1::TASK_STATE_RELEASED, state_counts_[s] - finished_count_);
      add(v1::TASK_STATE_FINISHED, finished_count_);  // as each task's state shows it
    } else {
      add(WireTaskState(state), state_counts_[s]);
    }
  }
  reply.set_jobs(jobs_.size());
  return reply;
}

std::string SchedulerState::WorkerName(WorkerId w) const {
  auto it = worker_names_.find(w);
  return it == worker_names_.end() ? "" : it->second;
}

absl::StatusOr<v1::JobInfo> SchedulerState::GetJob(JobId jid, bool include_tasks) const {
  auto it = jobs_.find(jid);
  if (it == jobs_.end()) {
    return absl::NotFoundError(
        absl::StrCat("no job ", jid, " (unknown, or its record was dropped)"));
  }
  const Job& job = it->second;
  v1::JobInfo info;
  info.set_id(job.id);
  info.set_name(job.name);
  info.set_state(WireState(job.state));
  info.set_submitted(job.submitted);
  info.set_ended(job.ended);
  info.set_ntasks(job.tasks.size());
  for (TaskId id : job.outputs) info.add_outputs(std::string(UserKey(tasks_[id])));
  uint64_t counts[v1::TaskState_ARRAYSIZE] = {};
  for (TaskId id : job.tasks) {
    const Task& t = tasks_[id];
    const v1::TaskState state = WireState(t);
    ++counts[state];
    if (!include_tasks) continue;
    v1::TaskInfo* ti = info.add_tasks();
    ti->set_key(std::string(UserKey(t)));
    ti->set_state(state);
    ti->set_worker(WorkerName(t.processing_on != kNoWorker ? t.processing_on : t.ran_on));
    ti->set_start(t.start);
    ti->set_end(t.end);
    SetError(id, *ti);
    SetCrashes(id, *ti);
  }
  for (int s = 0; s < v1::TaskState_ARRAYSIZE; ++s) {
    if (counts[s] == 0) continue;
    v1::TaskStateCount* count = info.add_task_states();
    count->set_state(static_cast<v1::TaskState>(s));
    count->set_count(counts[s]);
  }
  return info;
}

v1::ListJobsReply SchedulerState::ListJobs() const {
  v1::ListJobsReply reply;
  for (const auto& [jid, job] : jobs_) {
    auto info = GetJob(jid, /*include_tasks=*/false);
    if (info.ok()) *reply.add_jobs() = std::move(*info);
  }
  return reply;
}

v1::WhoHasReply SchedulerState::WhoHas(const v1::WhoHasRequest& request) const {
  v1::WhoHasReply reply;
  for (const std::string& key : request.keys()) {
    v1::KeyLocation* loc = reply.add_keys();
    loc->set_key(key);
    const TaskId id = Resolve(key);
    if (id == kNoTask) {
      loc->set_state(v1::TASK_STATE_UNSPECIFIED);
      continue;
    }
    const Task& t = tasks_[id];
    if (t.key() != key) loc->set_data_key(std::string(t.key()));
    loc->set_state(WireState(t));
    loc->set_nbytes(t.nbytes);
    for (WorkerId w : t.who_has) loc->add_who_has(workers_.at(w).address);
    SetError(id, *loc);
  }
  return reply;
}

absl::Status SchedulerState::Publish(const std::string& name, const std::string& key) {
  if (name.empty()) return absl::InvalidArgumentError("a published name cannot be empty");
  const TaskId id = Resolve(key);
  if (id == kNoTask || tasks_[id].state != TaskState::kMemory) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot publish \"", key, "\": it is not in memory"));
  }
  if (published_.contains(name)) {
    return absl::AlreadyExistsError(absl::StrCat("the name \"", name, "\" is already published"));
  }
  published_[name] = id;
  ++tasks_[id].holders;
  if (journal_ != nullptr) JournalPublished(name, id);
  MaybeValidate();
  return absl::OkStatus();
}

absl::Status SchedulerState::Unpublish(const std::string& name) {
  auto it = published_.find(name);
  if (it == published_.end()) {
    return absl::NotFoundError(absl::StrCat("nothing is published as \"", name, "\""));
  }
  const TaskId id = it->second;
  published_.erase(it);
  --tasks_[id].holders;
  if (journal_ != nullptr) JournalPublished(name, kNoTask);
  MaybeRelease(id);
  MaybeForget(id);  // it may have failed since, when computed again
  RunTransitions();
  MaybeValidate();
  return absl::OkStatus();
}

absl::StatusOr<std::string> SchedulerState::Published(const std::string& name) const {
  auto it = published_.find(name);
  if (it == published_.end()) {
    return absl::NotFoundError(absl::StrCat("nothing is published as \"", name, "\""));
  }
  return std::string(tasks_[it->second].key());  // the data key: exactly that task's value
}

absl::StatusOr<v1::TaskLog> SchedulerState::GetLog(absl::string_view key) const {
  const TaskId id = Resolve(key);
  if (id == kNoTask) {
    return absl::NotFoundError(
        absl::StrCat("no task \"", key, "\" (unknown, or its record was dropped)"));
  }
  const Task& t = tasks_[id];
  v1::TaskLog log;
  log.set_key(std::string(UserKey(t)));
  log.set_state(WireState(t));
  log.set_worker(WorkerName(t.processing_on != kNoWorker ? t.processing_on : t.ran_on));
  if (auto l = logs_.find(id); l != logs_.end()) log.set_log(l->second);
  SetError(id, log);
  SetCrashes(id, log);
  return log;
}

absl::StatusOr<TaskState> SchedulerState::StateOf(absl::string_view key) const {
  const TaskId id = Resolve(key);
  if (id == kNoTask) return absl::NotFoundError(absl::StrCat("no task \"", key, "\""));
  return tasks_[id].state;
}

std::string SchedulerState::WorkerOf(absl::string_view key) const {
  const TaskId id = Resolve(key);
  if (id == kNoTask) return "";
  const Task& t = tasks_[id];
  return WorkerName(t.processing_on != kNoWorker ? t.processing_on : t.ran_on);
}

std::vector<std::string> SchedulerState::WhoHasKey(absl::string_view key) const {
  std::vector<std::string> names;
  const TaskId id = Resolve(key);
  if (id == kNoTask) return names;
  for (WorkerId w : tasks_[id].who_has) names.push_back(WorkerName(w));
  return names;
}

std::string SchedulerState::DataKeyOf(absl::string_view key) const {
  const TaskId id = Resolve(key);
  return id == kNoTask ? "" : std::string(tasks_[id].key());
}

double SchedulerState::ExpectedDuration(absl::string_view op) const {
  auto it = op_index_.find(op);
  if (it == op_index_.end() || op_duration_[it->second] < 0) {
    return options_.default_task_duration_s;
  }
  return op_duration_[it->second];
}

}  // namespace brisk
