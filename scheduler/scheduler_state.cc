#include "scheduler/scheduler_state.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/builtin_op_names.h"
#include "common/graph_validate.h"
#include "spdlog/spdlog.h"

namespace brisk {
namespace {

bool IsActive(TaskState s) {
  return s == TaskState::kWaiting || s == TaskState::kQueued || s == TaskState::kNoWorker ||
         s == TaskState::kProcessing;
}

}  // namespace

const char* TaskStateName(TaskState state) {
  switch (state) {
    case TaskState::kReleased:
      return "released";
    case TaskState::kWaiting:
      return "waiting";
    case TaskState::kQueued:
      return "queued";
    case TaskState::kNoWorker:
      return "no-worker";
    case TaskState::kProcessing:
      return "processing";
    case TaskState::kMemory:
      return "memory";
    case TaskState::kFinished:
      return "finished";
    case TaskState::kErred:
      return "erred";
    case TaskState::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

SchedulerState::SchedulerState(SchedulerComm& comm, const Clock& clock, SchedulerOptions options)
    : comm_(comm),
      clock_(clock),
      options_(options),
      key_index_(/*bucket_count=*/0, KeyHash{&tasks_}, KeyEq{&tasks_}) {}

// ------------------------------------------------------------------------------------ workers

absl::Status SchedulerState::AddWorker(WorkerId id, const v1::RegisterWorker& reg) {
  if (reg.address().empty())
    return absl::InvalidArgumentError("worker registration has no address");
  if (reg.nthreads() < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("worker registration needs nthreads >= 1, got ", reg.nthreads()));
  }
  const std::string name = reg.name().empty() ? reg.address() : reg.name();
  if (worker_by_name_.contains(name)) {
    return absl::AlreadyExistsError(
        absl::StrCat("a worker named \"", name, "\" is already connected"));
  }
  for (const auto& [res, amount] : reg.resources()) {
    if (!(amount >= 0)) {
      return absl::InvalidArgumentError(
          absl::StrCat("resource \"", res, "\" has a negative amount"));
    }
  }
  if (workers_.contains(id)) return absl::AlreadyExistsError("worker id already registered");
  Worker& w = workers_[id];
  w.id = id;
  w.name = name;
  w.address = reg.address();
  w.nthreads = reg.nthreads();
  w.memory_limit = reg.memory_limit();
  w.resources.insert(reg.resources().begin(), reg.resources().end());
  w.ops.assign(reg.ops().begin(), reg.ops().end());
  for (const std::string& op : w.ops) ++worker_ops_[op];
  worker_by_name_[name] = id;
  worker_names_[id] = name;
  WorkerBatch(id).mutable_registered()->set_worker_id(id);
  spdlog::info("worker {} ({}) joined with {} threads", name, w.address, w.nthreads);

  // Tasks nobody could run may fit this worker.
  std::vector<QueueKey> retry(no_worker_.begin(), no_worker_.end());
  no_worker_.clear();
  for (const QueueKey& k : retry) TransitionWaitingToReady(k.id);
  return absl::OkStatus();
}

void SchedulerState::RemoveWorker(WorkerId wid) {
  auto it = workers_.find(wid);
  if (it == workers_.end()) return;
  Worker w = std::move(it->second);
  workers_.erase(it);
  worker_by_name_.erase(w.name);
  for (const std::string& op : w.ops) {
    if (--worker_ops_[op] == 0) worker_ops_.erase(op);
  }
  worker_out_.erase(wid);
  spdlog::log(
      w.processing.empty() && w.has_what.empty() ? spdlog::level::info : spdlog::level::warn,
      "worker {} ({}) left with {} tasks processing and {} values", w.name, w.address,
      w.processing.size(), w.has_what.size());

  // Values only this worker held are lost; recompute those still needed.
  for (TaskId id : w.has_what) {
    Task& t = tasks_[id];
    t.who_has.erase(std::remove(t.who_has.begin(), t.who_has.end(), wid), t.who_has.end());
    if (!t.who_has.empty() || t.state != TaskState::kMemory) continue;
    TransitionMemoryToLost(id);
  }
  // Its running tasks run again elsewhere. The worker is gone, so placement will not pick it.
  for (TaskId id : w.processing) {
    Task& t = tasks_[id];
    if (t.stealing_to != kNoWorker) {
      auto thief = workers_.find(t.stealing_to);
      if (thief != workers_.end()) --thief->second.incoming_steals;
      t.stealing_to = kNoWorker;
    }
    t.processing_on = kNoWorker;
    t.assigned_estimate = 0;
    t.speculative = 0;
    TransitionProcessingToReady(id);
  }
}

void SchedulerState::HandleWorkerMessage(WorkerId wid, const v1::WorkerToScheduler& message) {
  auto it = workers_.find(wid);
  if (it == workers_.end()) return;
  if (message.has_heartbeat()) {
    it->second.memory = message.heartbeat().memory();
    it->second.executing = message.heartbeat().executing();
  }
  for (const v1::TaskDone& done : message.done()) OnTaskDone(wid, done);
  for (const v1::StealResponse& response : message.stolen()) OnStealResponse(wid, response);
}

void SchedulerState::OnTaskDone(WorkerId wid, const v1::TaskDone& done) {
  auto found = key_index_.find(done.key());
  const bool tracked = found != key_index_.end() &&
                       tasks_[*found].state == TaskState::kProcessing &&
                       tasks_[*found].processing_on == wid;
  if (!tracked) {
    // A task that was cancelled or moved meanwhile: the worker should not keep its value.
    if (done.error().empty() && done.missing().empty()) WorkerBatch(wid).add_release(done.key());
    return;
  }
  const TaskId id = *found;
  Task& t = tasks_[id];
  if (!done.missing().empty()) {
    LeaveProcessing(id);
    if (++retries_[id].fetch_failures >= options_.max_fetch_attempts) {
      TransitionToErred(id, absl::StrCat("could not fetch dependency \"", done.missing(0),
                                         "\" from any worker holding it"));
      return;
    }
    for (const std::string& key : done.missing()) {
      auto dep = key_index_.find(key);
      if (dep == key_index_.end()) continue;
      Task& d = tasks_[*dep];
      if (d.state != TaskState::kMemory ||
          std::find(t.deps.begin(), t.deps.end(), *dep) == t.deps.end()) {
        continue;
      }
      // The holders we named did not have it (or could not serve it): forget those copies and
      // compute the value again rather than send the task back to the same dead end.
      for (WorkerId h : d.who_has) {
        auto hw = workers_.find(h);
        if (hw == workers_.end()) continue;
        hw->second.has_what.erase(*dep);
        WorkerBatch(h).add_release(key);
      }
      d.who_has.clear();
      TransitionMemoryToLost(*dep);
    }
    TakeBackSpeculation(id);
    TransitionProcessingToReady(id);
    return;
  }
  t.start = done.start();
  t.end = done.end();
  t.ran_on = wid;
  if (!done.log().empty()) {
    logs_[id] = done.log();
  } else {
    logs_.erase(id);
  }
  if (!done.error().empty()) {
    LeaveProcessing(id);
    auto retries = retries_.find(id);
    if (retries != retries_.end() && retries->second.left > 0) {
      --retries->second.left;
      retries->second.failed_on = wid;
      spdlog::info("task {} failed on {}, retrying ({} retries left): {}", std::string(t.key()),
                   worker_names_[wid], retries->second.left, done.error());
      TakeBackSpeculation(id);
      TransitionProcessingToReady(id);
      return;
    }
    TransitionToErred(id, done.error());
    return;
  }
  TransitionProcessingToMemory(id, wid, done);
}

// ------------------------------------------------------------------------------------ clients

void SchedulerState::AddClient(ClientId client) { clients_.insert(client); }

void SchedulerState::RemoveClient(ClientId client) {
  clients_.erase(client);
  pending_submits_.erase(client);
  client_out_.erase(client);
  std::vector<JobId> owned;
  for (auto& [id, job] : jobs_) {
    job.watchers.erase(std::remove(job.watchers.begin(), job.watchers.end(), client),
                       job.watchers.end());
    if (job.owner == client && !job.keep) owned.push_back(id);
  }
  for (JobId id : owned) {
    Job& job = jobs_[id];
    if (job.state == JobState::kRunning) {
      CancelJob(job);
    } else {
      ReleaseJob(job);
    }
  }
  TrimJobHistory();
}

void SchedulerState::HandleClientMessage(ClientId client, v1::ClientToScheduler& message) {
  if (message.has_submit()) HandleSubmit(client, *message.mutable_submit());
  for (JobId id : message.watch_jobs()) WatchJob(client, id);
  for (JobId id : message.cancel_jobs()) {
    auto it = jobs_.find(id);
    if (it != jobs_.end()) CancelJob(it->second);
  }
  for (JobId id : message.release_jobs()) {
    auto it = jobs_.find(id);
    if (it == jobs_.end()) continue;
    if (it->second.state == JobState::kRunning) {
      CancelJob(it->second);
    } else {
      ReleaseJob(it->second);
    }
  }
  TrimJobHistory();
}

void SchedulerState::HandleSubmit(ClientId client, v1::SubmitGraph& chunk) {
  PendingSubmit& pending = pending_submits_[client][chunk.request_id()];
  for (v1::Task& task : *chunk.mutable_tasks()) *pending.graph.add_tasks() = std::move(task);
  for (std::string& out : *chunk.mutable_outputs()) pending.graph.add_outputs(std::move(out));
  if (!chunk.name().empty()) pending.name = chunk.name();
  pending.keep = pending.keep || chunk.keep();
  if (!chunk.last()) return;
  PendingSubmit complete = std::move(pending);
  pending_submits_[client].erase(chunk.request_id());
  v1::SubmitResult* result = ClientBatch(client).add_submitted();
  result->set_request_id(chunk.request_id());
  trim_requested_ = trim_requested_ || complete.graph.tasks_size() >= kTrimAfterTasks;
  absl::StatusOr<JobId> job = CreateJob(client, complete);
  if (!job.ok()) {
    spdlog::info("refused a graph from client {}: {}", client, job.status().ToString());
    result->set_error(std::string(job.status().message()));
    return;
  }
  result->set_job(*job);
  WatchJob(client, *job);
}

bool SchedulerState::OpKnown(absl::string_view op) const {
  for (absl::string_view name : BuiltinOpNames()) {
    if (name == op) return true;
  }
  return worker_ops_.contains(op);
}

uint32_t SchedulerState::InternOp(const std::string& op) {
  auto [it, inserted] = op_index_.try_emplace(op, static_cast<uint32_t>(op_names_.size()));
  if (inserted) {
    op_names_.push_back(op);
    op_duration_.push_back(-1);
  }
  return it->second;
}

TaskId SchedulerState::NewTask(absl::string_view key) {
  TaskId id;
  if (!free_tasks_.empty()) {
    id = free_tasks_.back();
    free_tasks_.pop_back();
    tasks_[id] = Task{};
  } else {
    id = static_cast<TaskId>(tasks_.size());
    tasks_.emplace_back();
  }
  Task& t = tasks_[id];
  t.key_spec = KeyAndSpec(key, "");
  ++state_counts_[static_cast<int>(t.state)];
  key_index_.insert(id);
  return id;
}

absl::StatusOr<JobId> SchedulerState::CreateJob(ClientId client, PendingSubmit& submit) {
  v1::Graph& graph = submit.graph;
  GraphCheck check;
  check.op_known = [this](absl::string_view op) { return OpKnown(op); };
  check.key_exists = [this](absl::string_view key) { return key_index_.contains(key); };
  absl::Status valid = ValidateGraph(graph, check);
  if (!valid.ok()) return valid;

  const int n = graph.tasks_size();
  absl::flat_hash_map<absl::string_view, int> local;
  local.reserve(n);
  for (int i = 0; i < n; ++i) local.emplace(graph.tasks(i).key(), i);
  std::vector<std::vector<int>> local_deps(n);
  for (int i = 0; i < n; ++i) {
    // A key already in memory is reused as it is: its inputs are not needed again.
    auto existing = key_index_.find(graph.tasks(i).key());
    if (existing != key_index_.end() && tasks_[*existing].state == TaskState::kMemory) {
      continue;
    }
    for (const std::string& dep : Dependencies(graph.tasks(i))) {
      auto it = local.find(dep);
      if (it != local.end()) local_deps[i].push_back(it->second);
    }
  }
  std::vector<std::string> outputs(graph.outputs().begin(), graph.outputs().end());
  if (outputs.empty()) outputs = DefaultOutputs(graph);

  // Depth-first post-order from the outputs: dependencies come before their dependents, and a
  // reduction's inputs are numbered together so it can finish (and free them) early. Only the
  // tasks the outputs need are part of the job.
  std::vector<int> post_order;
  post_order.reserve(n);
  std::vector<uint8_t> seen(n, 0);
  std::vector<std::pair<int, size_t>> stack;
  for (const std::string& out : outputs) {
    auto it = local.find(out);
    if (it == local.end() || seen[it->second]) continue;
    seen[it->second] = 1;
    stack.push_back({it->second, 0});
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      if (next < local_deps[node].size()) {
        const int dep = local_deps[node][next++];
        if (!seen[dep]) {
          seen[dep] = 1;
          stack.push_back({dep, 0});
        }
        continue;
      }
      post_order.push_back(node);
      stack.pop_back();
    }
  }

  const JobId job_id = next_job_++;
  Job& job = jobs_[job_id];
  job.id = job_id;
  job.name = submit.name;
  job.owner = client;
  job.keep = submit.keep;
  job.submitted = UnixSeconds(clock_.Now());
  absl::flat_hash_set<TaskId> in_job;
  std::vector<TaskId> fresh;
  auto add_to_job = [&](TaskId id) {
    if (!in_job.insert(id).second) return false;
    job.tasks.push_back(id);
    ++tasks_[id].job_refs;
    ++tasks_[id].live_jobs;
    return true;
  };
  // Existing tasks this job reuses keep running for it: their unfinished ancestors join the job.
  std::function<void(TaskId)> add_ancestors = [&](TaskId id) {
    std::vector<TaskId> todo{id};
    while (!todo.empty()) {
      TaskId cur = todo.back();
      todo.pop_back();
      for (TaskId dep : tasks_[cur].deps) {
        if (tasks_[dep].state != TaskState::kMemory && add_to_job(dep)) todo.push_back(dep);
      }
    }
  };

  for (int idx : post_order) {
    v1::Task& spec = *graph.mutable_tasks(idx);
    auto existing = key_index_.find(spec.key());
    TaskId id;
    if (existing != key_index_.end() && IsActive(tasks_[*existing].state)) {
      id = *existing;  // same key, still live: share it (as Dask does)
      add_to_job(id);
      add_ancestors(id);
      continue;
    }
    if (existing != key_index_.end() && tasks_[*existing].state == TaskState::kMemory) {
      id = *existing;
      add_to_job(id);
      continue;
    }
    if (existing != key_index_.end()) {
      // A finished, failed or cancelled key submitted again: computed afresh with the new spec.
      id = *existing;
      Task& old = tasks_[id];
      for (TaskId dep : old.deps) {
        auto& ds = tasks_[dep].dependents;
        ds.erase(std::remove(ds.begin(), ds.end(), id), ds.end());
      }
      old.deps.clear();
      errors_.erase(id);
      restrictions_.erase(id);
      SetState(old, TaskState::kReleased);
    } else {
      id = NewTask(spec.key());
    }
    Task& t = tasks_[id];
    t.op = InternOp(spec.op());
    t.priority = spec.priority();
    // A task submitted again keeps the worker its last run failed on, as it always has.
    if (spec.retries() > 0) {
      Retries& r = retries_[id];
      r.left = spec.retries();
      r.fetch_failures = 0;
    } else if (auto r = retries_.find(id); r != retries_.end()) {
      r->second.left = 0;
      r->second.fetch_failures = 0;
      if (r->second.failed_on == kNoWorker) retries_.erase(r);
    }
    t.order = next_order_++;
    t.restricted = !spec.resources().empty() || !spec.workers().empty();
    if (t.restricted) {
      Restrictions& r = restrictions_[id];
      r.resources.insert(spec.resources().begin(), spec.resources().end());
      r.workers.assign(spec.workers().begin(), spec.workers().end());
    }
    for (const std::string& dep_key : Dependencies(spec)) {
      const TaskId dep = *key_index_.find(dep_key);
      t.deps.push_back(dep);
      tasks_[dep].dependents.push_back(id);
    }
    spec.clear_key();  // kept once, beside the spec
    t.key_spec.set_spec(spec.SerializeAsString());
    add_to_job(id);
    for (TaskId dep : t.deps) {
      if (!in_job.contains(dep) && tasks_[dep].state != TaskState::kMemory) {
        add_to_job(dep);
        add_ancestors(dep);
      }
    }
    fresh.push_back(id);
  }
  for (const std::string& out : outputs) {
    const TaskId id = *key_index_.find(out);
    job.outputs.push_back(id);
    ++tasks_[id].holders;
    if (tasks_[id].output_job == 0) {
      tasks_[id].output_job = job_id;
    } else {
      more_output_jobs_[id].push_back(job_id);
    }
  }
  job.outputs_left = static_cast<uint32_t>(job.outputs.size());
  for (TaskId id : job.outputs) {
    // Outputs that already exist in memory (or already failed) count as done at once.
    const TaskState s = tasks_[id].state;
    if (s == TaskState::kMemory || s == TaskState::kErred) --job.outputs_left;
  }
  for (TaskId id : fresh) {
    if (tasks_[id].state == TaskState::kReleased) TransitionToWaiting(id);
  }
  // Reused keys that need recomputing (their value was freed) start now too.
  for (TaskId id : job.tasks) EnsureComputed(id);
  spdlog::debug("job {} submitted: {} tasks, {} outputs", job_id, job.tasks.size(),
                job.outputs.size());
  if (job.state == JobState::kRunning && job.outputs_left == 0) JobCheckDone(job);
  return job_id;
}

// ------------------------------------------------------------------------------------ transitions

void SchedulerState::SetState(Task& t, TaskState s) {
  --state_counts_[static_cast<int>(t.state)];
  t.state = s;
  ++state_counts_[static_cast<int>(s)];
}

void SchedulerState::TransitionToWaiting(TaskId id) {
  Task& t = tasks_[id];
  SetState(t, TaskState::kWaiting);
  t.waiting_on = 0;
  TaskId failed = kNoTask;
  for (TaskId dep : t.deps) {
    Task& d = tasks_[dep];
    ++d.pending_dependents;
    switch (d.state) {
      case TaskState::kMemory:
        break;
      case TaskState::kErred:
        failed = dep;
        break;
      case TaskState::kReleased:
      case TaskState::kFinished:
      case TaskState::kCancelled:
        EnsureComputed(dep);
        ++t.waiting_on;
        break;
      default:
        ++t.waiting_on;
    }
  }
  if (failed != kNoTask) {
    TransitionToErred(id, DependencyError(failed));
  } else if (t.waiting_on == 0) {
    TransitionWaitingToReady(id);
  }
}

void SchedulerState::EnsureComputed(TaskId id) {
  const TaskState s = tasks_[id].state;
  if (s == TaskState::kReleased || s == TaskState::kFinished || s == TaskState::kCancelled) {
    TransitionToWaiting(id);
  }
}

void SchedulerState::TransitionWaitingToReady(TaskId id) {
  Task& t = tasks_[id];
  if (t.restricted) {
    bool possible = false;
    for (const auto& [wid, w] : workers_) possible = possible || CanEverRun(w, id);
    if (!possible && !workers_.empty() && !ResourcesExistFor(id)) {
      // Reported at once rather than left hanging. A task waiting for a named worker, or for
      // any worker at all, waits: that worker may be restarting.
      TransitionToErred(
          id, absl::StrCat("no connected worker can ever run it (", Requirements(id), ")"));
      return;
    }
    if (!possible) {
      SetState(t, TaskState::kNoWorker);
      no_worker_.insert(KeyFor(t, id));
      return;
    }
    SetState(t, TaskState::kQueued);
    constrained_.insert(KeyFor(t, id));
    return;
  }
  if (t.deps.empty()) {
    SetState(t, TaskState::kQueued);
    queued_.insert(KeyFor(t, id));
    return;
  }
  const WorkerId w = DecideWorker(id, /*root=*/false);
  if (w == kNoWorker) {
    SetState(t, TaskState::kNoWorker);
    no_worker_.insert(KeyFor(t, id));
    return;
  }
  TransitionReadyToProcessing(id, w);
}

void SchedulerState::TransitionReadyToProcessing(TaskId id, WorkerId wid) {
  Task& t = tasks_[id];
  Worker& w = workers_[wid];
  SetState(t, TaskState::kProcessing);
  t.processing_on = wid;
  if (t.speculative > 0) ++w.speculative;
  t.assigned_estimate = static_cast<float>(Estimate(t));
  w.occupancy += t.assigned_estimate;
  w.processing.insert(id);
  if (t.restricted) {
    for (const auto& [name, amount] : restrictions_[id].resources) w.used[name] += amount;
  }
  v1::ComputeTask* compute = WorkerBatch(wid).add_compute();
  compute->set_spec(std::string(t.spec()));
  compute->set_key(std::string(t.key()));
  compute->set_order(static_cast<int64_t>(t.order));
  compute->set_priority(t.priority);
  for (TaskId dep : t.deps) {
    const Task& d = tasks_[dep];
    v1::Dependency* out = compute->add_deps();
    out->set_key(std::string(d.key()));
    out->set_nbytes(d.nbytes);
    if (d.state != TaskState::kMemory) {
      out->set_pending_here(true);  // only for speculative tasks: computed on this worker
      continue;
    }
    for (WorkerId holder : d.who_has) out->add_who_has(workers_[holder].address);
  }
  SendAhead(id);
}

void SchedulerState::SendAhead(TaskId id) {
  const Task& t = tasks_[id];
  if (t.speculative >= options_.speculation_depth) return;
  const WorkerId wid = t.processing_on;
  for (TaskId d : t.dependents) {
    Task& dep = tasks_[d];
    if (dep.state == TaskState::kProcessing && dep.speculative > 0 && dep.processing_on == wid) {
      // Already sent ahead: keep the window sliding down the chain.
      dep.speculative = static_cast<uint8_t>(t.speculative + 1);
      SendAhead(d);
      continue;
    }
    if (dep.state != TaskState::kWaiting || dep.waiting_on != 1 || dep.restricted) continue;
    bool only_this = true;
    for (TaskId other : dep.deps) {
      only_this = only_this && (other == id || tasks_[other].state == TaskState::kMemory);
    }
    if (!only_this) continue;
    dep.speculative = static_cast<uint8_t>(t.speculative + 1);
    TransitionReadyToProcessing(d, wid);
  }
}

void SchedulerState::TakeBackSpeculation(TaskId id) {
  std::vector<TaskId> todo{id};
  while (!todo.empty()) {
    const TaskId cur = todo.back();
    todo.pop_back();
    for (TaskId d : tasks_[cur].dependents) {
      Task& dep = tasks_[d];
      if (dep.state != TaskState::kProcessing || dep.speculative == 0) continue;
      WorkerBatch(dep.processing_on).add_cancel(std::string(dep.key()));
      LeaveProcessing(d);
      dep.speculative = 0;
      SetState(dep, TaskState::kWaiting);  // waiting_on still counts `cur`
      todo.push_back(d);
    }
  }
}

void SchedulerState::LeaveProcessing(TaskId id) {
  Task& t = tasks_[id];
  auto it = workers_.find(t.processing_on);
  if (it != workers_.end()) {
    Worker& w = it->second;
    w.processing.erase(id);
    if (t.speculative > 0) --w.speculative;
    w.occupancy = std::max(0.0, w.occupancy - t.assigned_estimate);
    if (w.processing.empty()) w.occupancy = 0;  // no drift from learned estimates
    if (t.restricted) {
      for (const auto& [name, amount] : restrictions_[id].resources) w.used[name] -= amount;
    }
  }
  t.processing_on = kNoWorker;
  t.assigned_estimate = 0;
  t.speculative = 0;
}

void SchedulerState::TransitionProcessingToMemory(TaskId id, WorkerId wid,
                                                  const v1::TaskDone& done) {
  LeaveProcessing(id);
  Task& t = tasks_[id];
  SetState(t, TaskState::kMemory);
  t.nbytes = done.nbytes();
  t.who_has.assign(1, wid);
  workers_[wid].has_what.insert(id);
  const double took = std::max(0.0, done.end() - done.start());
  double& learned = op_duration_[t.op];
  learned = learned < 0 ? took : 0.5 * learned + 0.5 * took;

  for (TaskId d : t.dependents) {
    Task& dep = tasks_[d];
    if (dep.state == TaskState::kWaiting && dep.waiting_on > 0 && --dep.waiting_on == 0) {
      TransitionWaitingToReady(d);
    } else if (dep.state == TaskState::kProcessing && dep.speculative > 0 && dep.waiting_on > 0 &&
               --dep.waiting_on == 0) {
      dep.speculative = 0;  // its inputs are all in memory now: an ordinary assignment
      --workers_[dep.processing_on].speculative;
      SendAhead(d);
    }
  }
  for (TaskId dep : t.deps) DependentDone(dep);
  if (t.holders > 0) OutputDone(id);
  MaybeRelease(id);
}

void SchedulerState::TransitionToErred(TaskId root, const std::string& error) {
  // Iterative: a failure propagates down arbitrarily long chains of dependents.
  std::vector<std::pair<TaskId, std::string>> todo{{root, error}};
  while (!todo.empty()) {
    auto [id, message] = std::move(todo.back());
    todo.pop_back();
    Task& t = tasks_[id];
    if (!IsActive(t.state)) continue;
    RemoveFromQueues(id);
    if (t.state == TaskState::kProcessing && t.speculative > 0) {
      // It would wait there for ever.
      WorkerBatch(t.processing_on).add_cancel(std::string(t.key()));
    }
    if (t.state == TaskState::kProcessing) LeaveProcessing(id);
    t.speculative = 0;
    SetState(t, TaskState::kErred);
    errors_[id] = message;
    for (TaskId dep : t.deps) DependentDone(dep);
    if (t.holders > 0) OutputDone(id);
    for (TaskId d : t.dependents) {
      if (IsActive(tasks_[d].state)) todo.push_back({d, DependencyError(id)});
    }
  }
}

std::string SchedulerState::DependencyError(TaskId failed) const {
  const std::string& cause = errors_.at(failed);
  if (absl::StartsWith(cause, "dependency \"")) return cause;
  return absl::StrCat("dependency \"", tasks_[failed].key(), "\" failed: ", cause);
}

void SchedulerState::TransitionProcessingToReady(TaskId id) {
  Task& t = tasks_[id];
  SetState(t, TaskState::kWaiting);
  t.waiting_on = 0;
  for (TaskId dep : t.deps) {
    Task& d = tasks_[dep];
    if (d.state == TaskState::kMemory && !d.who_has.empty()) continue;
    if (d.state == TaskState::kMemory) SetState(d, TaskState::kFinished);
    EnsureComputed(dep);
    ++t.waiting_on;
  }
  if (t.waiting_on == 0) TransitionWaitingToReady(id);
}

void SchedulerState::TransitionMemoryToLost(TaskId id) {
  Task& t = tasks_[id];
  SetState(t, TaskState::kFinished);
  if (t.holders == 0 && t.pending_dependents == 0) {
    MaybeForget(id);
    return;
  }
  for (TaskId d : t.dependents) {
    Task& dep = tasks_[d];
    if (dep.state == TaskState::kWaiting) {
      ++dep.waiting_on;
    } else if (dep.state == TaskState::kQueued || dep.state == TaskState::kNoWorker) {
      RemoveFromQueues(d);
      SetState(dep, TaskState::kWaiting);
      dep.waiting_on = 1;
    }
  }
  for (JobId j : OutputJobs(id)) {
    Job& job = jobs_[j];
    if (job.state == JobState::kRunning) ++job.outputs_left;
  }
  EnsureComputed(id);
}

void SchedulerState::TransitionMemoryToFinished(TaskId id) {
  Task& t = tasks_[id];
  for (WorkerId wid : t.who_has) {
    auto it = workers_.find(wid);
    if (it == workers_.end()) continue;
    it->second.has_what.erase(id);
    WorkerBatch(wid).add_release(std::string(t.key()));
  }
  t.who_has.clear();
  SetState(t, TaskState::kFinished);
  MaybeForget(id);
}

void SchedulerState::TransitionToCancelled(TaskId id) {
  Task& t = tasks_[id];
  if (!IsActive(t.state)) return;
  RemoveFromQueues(id);
  if (t.state == TaskState::kProcessing) {
    WorkerBatch(t.processing_on).add_cancel(std::string(t.key()));
    LeaveProcessing(id);
  }
  SetState(t, TaskState::kCancelled);
  for (TaskId dep : t.deps) DependentDone(dep);
}

void SchedulerState::RemoveFromQueues(TaskId id) {
  const QueueKey k = KeyFor(tasks_[id], id);
  queued_.erase(k);
  constrained_.erase(k);
  no_worker_.erase(k);
}

void SchedulerState::DependentDone(TaskId dep) {
  Task& d = tasks_[dep];
  if (d.pending_dependents > 0) --d.pending_dependents;
  MaybeRelease(dep);
  MaybeForget(dep);
}

void SchedulerState::MaybeRelease(TaskId id) {
  const Task& t = tasks_[id];
  if (t.state == TaskState::kMemory && t.holders == 0 && t.pending_dependents == 0) {
    TransitionMemoryToFinished(id);
  }
}

void SchedulerState::MaybeForget(TaskId id) {
  const Task& t = tasks_[id];
  if (t.free || t.job_refs > 0 || t.holders > 0 || t.pending_dependents > 0 ||
      !t.dependents.empty() || IsActive(t.state) || t.state == TaskState::kMemory) {
    return;
  }
  ForgetTask(id);
}

void SchedulerState::ForgetTask(TaskId id) {
  Task& t = tasks_[id];
  CompactVector<TaskId> deps = std::move(t.deps);
  key_index_.erase(id);
  restrictions_.erase(id);
  retries_.erase(id);
  errors_.erase(id);
  logs_.erase(id);
  more_output_jobs_.erase(id);
  --state_counts_[static_cast<int>(t.state)];
  t = Task{};
  t.free = true;
  free_tasks_.push_back(id);
  for (TaskId dep : deps) {
    auto& ds = tasks_[dep].dependents;
    auto it = std::find(ds.begin(), ds.end(), id);
    if (it != ds.end()) {
      *it = ds.back();
      ds.pop_back();
    }
    MaybeForget(dep);
  }
}

// ------------------------------------------------------------------------------------ jobs

std::vector<JobId> SchedulerState::OutputJobs(TaskId id) const {
  std::vector<JobId> jobs;
  if (tasks_[id].output_job != 0) jobs.push_back(tasks_[id].output_job);
  auto it = more_output_jobs_.find(id);
  if (it != more_output_jobs_.end()) jobs.insert(jobs.end(), it->second.begin(), it->second.end());
  return jobs;
}

void SchedulerState::OutputDone(TaskId id) {
  for (JobId jid : OutputJobs(id)) {
    Job& job = jobs_[jid];
    for (ClientId c : job.watchers) SendKeyUpdate(c, job, id);
    if (job.state == JobState::kRunning && job.outputs_left > 0 && --job.outputs_left == 0) {
      JobCheckDone(job);
    }
  }
}

void SchedulerState::JobCheckDone(Job& job) {
  JobState result = JobState::kFinished;
  for (TaskId id : job.outputs) {
    const TaskState s = tasks_[id].state;
    if (s == TaskState::kErred) result = JobState::kErred;
    if (IsActive(s)) return;  // an output was lost and is being recomputed
  }
  EndJob(job, result);
}

void SchedulerState::EndJob(Job& job, JobState state) {
  job.state = state;
  job.ended = UnixSeconds(clock_.Now());
  for (TaskId id : job.tasks) --tasks_[id].live_jobs;
  for (ClientId c : job.watchers) {
    v1::JobUpdate* update = ClientBatch(c).add_jobs();
    update->set_job(job.id);
    update->set_state(JobStateName(state));
  }
  if (!job.holding) ended_jobs_.push_back(job.id);
  spdlog::debug("job {} {}", job.id, JobStateName(state));
}

void SchedulerState::CancelJob(Job& job) {
  if (job.state == JobState::kRunning) {
    // Tasks that another running job also needs keep running for it.
    for (TaskId id : job.tasks) {
      if (tasks_[id].live_jobs == 1) TransitionToCancelled(id);
    }
    for (TaskId id : job.outputs) {
      if (tasks_[id].state == TaskState::kCancelled) {
        for (ClientId c : job.watchers) SendKeyUpdate(c, job, id);
      }
    }
    EndJob(job, JobState::kCancelled);
  }
  ReleaseJob(job);
}

void SchedulerState::ReleaseJob(Job& job) {
  if (!job.holding) return;
  job.holding = false;
  for (TaskId id : job.outputs) {
    Task& t = tasks_[id];
    --t.holders;
    auto more = more_output_jobs_.find(id);
    if (t.output_job == job.id) {
      t.output_job = 0;
      if (more != more_output_jobs_.end()) {
        t.output_job = more->second.back();
        more->second.pop_back();
      }
    } else if (more != more_output_jobs_.end()) {
      more->second.erase(std::remove(more->second.begin(), more->second.end(), job.id),
                         more->second.end());
    }
    if (more != more_output_jobs_.end() && more->second.empty()) more_output_jobs_.erase(more);
    MaybeRelease(id);
  }
  if (job.state != JobState::kRunning) ended_jobs_.push_back(job.id);
}

void SchedulerState::TrimJobHistory() {
  while (ended_jobs_.size() > options_.job_history) {
    const JobId jid = ended_jobs_.front();
    ended_jobs_.pop_front();
    auto it = jobs_.find(jid);
    if (it == jobs_.end()) continue;
    std::vector<TaskId> tasks = std::move(it->second.tasks);
    jobs_.erase(it);
    for (auto t = tasks.rbegin(); t != tasks.rend(); ++t) {
      --tasks_[*t].job_refs;
      MaybeForget(*t);
    }
  }
}

void SchedulerState::WatchJob(ClientId client, JobId jid) {
  auto it = jobs_.find(jid);
  if (it == jobs_.end()) {
    v1::JobUpdate* update = ClientBatch(client).add_jobs();
    update->set_job(jid);
    update->set_error(absl::StrCat("no job ", jid, " (unknown, or its record was dropped)"));
    return;
  }
  Job& job = it->second;
  if (std::find(job.watchers.begin(), job.watchers.end(), client) == job.watchers.end()) {
    job.watchers.push_back(client);
  }
  for (TaskId id : job.outputs) {
    const TaskState s = tasks_[id].state;
    if (s == TaskState::kMemory || s == TaskState::kErred || s == TaskState::kCancelled ||
        (s == TaskState::kFinished && job.state != JobState::kRunning)) {
      SendKeyUpdate(client, job, id);
    }
  }
  if (job.state != JobState::kRunning) {
    v1::JobUpdate* update = ClientBatch(client).add_jobs();
    update->set_job(jid);
    update->set_state(JobStateName(job.state));
  }
}

void SchedulerState::SendKeyUpdate(ClientId client, const Job& job, TaskId id) {
  const Task& t = tasks_[id];
  v1::KeyUpdate* update = ClientBatch(client).add_keys();
  update->set_job(job.id);
  update->set_key(std::string(t.key()));
  switch (t.state) {
    case TaskState::kMemory:
      update->set_state(v1::KEY_STATE_MEMORY);
      update->set_nbytes(t.nbytes);
      for (WorkerId w : t.who_has) update->add_who_has(workers_.at(w).address);
      break;
    case TaskState::kErred:
      update->set_state(v1::KEY_STATE_ERRED);
      update->set_error(errors_.at(id));
      break;
    case TaskState::kCancelled:
      update->set_state(v1::KEY_STATE_CANCELLED);
      update->set_error("cancelled");
      break;
    default:
      update->set_state(v1::KEY_STATE_CANCELLED);
      update->set_error("released: the job's results were freed");
  }
}

const char* SchedulerState::JobStateName(JobState state) {
  switch (state) {
    case JobState::kRunning:
      return "running";
    case JobState::kFinished:
      return "finished";
    case JobState::kErred:
      return "erred";
    case JobState::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

// ------------------------------------------------------------------------------------ placement

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
  return absl::StrJoin(parts, "; ");
}

double SchedulerState::Estimate(const Task& t) const {
  const double learned = op_duration_[t.op];
  return std::max(learned < 0 ? options_.default_task_duration_s : learned, 5e-6);
}

bool SchedulerState::CanEverRun(const Worker& w, TaskId id) const {
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
  if (!CanEverRun(w, id)) return false;
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
  WorkerId best = kNoWorker;
  double best_cost = std::numeric_limits<double>::infinity();
  size_t best_load = 0;
  for (const auto& [wid, w] : workers_) {
    if (t.restricted && !HasRoomFor(w, id)) continue;
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
  for (auto it = constrained_.begin(); it != constrained_.end();) {
    const TaskId id = it->id;
    const WorkerId w = DecideWorker(id, tasks_[id].deps.empty());
    if (w == kNoWorker) {
      ++it;
      continue;
    }
    it = constrained_.erase(it);
    TransitionReadyToProcessing(id, w);
  }
  while (!queued_.empty()) {
    const TaskId id = queued_.begin()->id;
    const WorkerId w = DecideWorker(id, /*root=*/true);
    if (w == kNoWorker) break;
    queued_.erase(queued_.begin());
    TransitionReadyToProcessing(id, w);
  }
}

void SchedulerState::StealWork() {
  if (workers_.size() < 2) return;
  for (auto& [tid, thief] : workers_) {
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
        if (t.stealing_to != kNoWorker || t.speculative > 0 || !CanEverRun(thief, id)) continue;
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

void SchedulerState::OnStealResponse(WorkerId victim, const v1::StealResponse& response) {
  auto found = key_index_.find(response.key());
  if (found == key_index_.end()) return;
  const TaskId id = *found;
  Task& t = tasks_[id];
  const WorkerId thief = t.stealing_to;
  if (thief == kNoWorker) return;
  t.stealing_to = kNoWorker;
  auto thief_it = workers_.find(thief);
  if (thief_it != workers_.end()) --thief_it->second.incoming_steals;
  if (!response.ok() || t.state != TaskState::kProcessing || t.processing_on != victim) return;
  TakeBackSpeculation(id);
  LeaveProcessing(id);
  if (thief_it != workers_.end() && HasRoomFor(thief_it->second, id)) {
    TransitionReadyToProcessing(id, thief);
  } else {
    TransitionWaitingToReady(id);
  }
}

void SchedulerState::Flush() {
  ScheduleQueued();
  StealWork();
  for (auto& [wid, batch] : worker_out_) comm_.SendToWorker(wid, std::move(batch));
  worker_out_.clear();
  for (auto& [cid, batch] : client_out_) comm_.SendToClient(cid, std::move(batch));
  client_out_.clear();
}

void SchedulerState::Shutdown() {
  for (const auto& [wid, w] : workers_) WorkerBatch(wid).set_shutdown(true);
}

// ------------------------------------------------------------------------------------ queries

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
    info->mutable_resources()->insert(w.resources.begin(), w.resources.end());
  }
  for (int s = 0; s < kStateCount; ++s) {
    if (state_counts_[s] > 0) {
      (*reply.mutable_tasks())[TaskStateName(static_cast<TaskState>(s))] = state_counts_[s];
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
  info.set_state(JobStateName(job.state));
  info.set_submitted(job.submitted);
  info.set_ended(job.ended);
  info.set_ntasks(job.tasks.size());
  for (TaskId id : job.outputs) info.add_outputs(std::string(tasks_[id].key()));
  auto& counts = *info.mutable_task_states();
  for (TaskId id : job.tasks) {
    const Task& t = tasks_[id];
    ++counts[TaskStateName(t.state)];
    if (!include_tasks) continue;
    v1::TaskInfo* ti = info.add_tasks();
    ti->set_key(std::string(t.key()));
    ti->set_state(TaskStateName(t.state));
    ti->set_worker(WorkerName(t.processing_on != kNoWorker ? t.processing_on : t.ran_on));
    ti->set_start(t.start);
    ti->set_end(t.end);
    auto err = errors_.find(id);
    if (err != errors_.end()) ti->set_error(err->second);
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
    auto it = key_index_.find(key);
    if (it == key_index_.end()) {
      loc->set_state("unknown");
      continue;
    }
    const Task& t = tasks_[*it];
    loc->set_state(TaskStateName(t.state));
    loc->set_nbytes(t.nbytes);
    for (WorkerId w : t.who_has) loc->add_who_has(workers_.at(w).address);
    auto err = errors_.find(*it);
    if (err != errors_.end()) loc->set_error(err->second);
  }
  return reply;
}

absl::Status SchedulerState::Publish(const std::string& name, const std::string& key) {
  if (name.empty()) return absl::InvalidArgumentError("a published name cannot be empty");
  auto it = key_index_.find(key);
  if (it == key_index_.end() || tasks_[*it].state != TaskState::kMemory) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot publish \"", key, "\": it is not in memory"));
  }
  if (published_.contains(name)) {
    return absl::AlreadyExistsError(absl::StrCat("the name \"", name, "\" is already published"));
  }
  published_[name] = *it;
  ++tasks_[*it].holders;
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
  MaybeRelease(id);
  return absl::OkStatus();
}

absl::StatusOr<std::string> SchedulerState::Published(const std::string& name) const {
  auto it = published_.find(name);
  if (it == published_.end()) {
    return absl::NotFoundError(absl::StrCat("nothing is published as \"", name, "\""));
  }
  return std::string(tasks_[it->second].key());
}

absl::StatusOr<v1::TaskLog> SchedulerState::GetLog(absl::string_view key) const {
  auto it = key_index_.find(key);
  if (it == key_index_.end()) {
    return absl::NotFoundError(
        absl::StrCat("no task \"", key, "\" (unknown, or its record was dropped)"));
  }
  const Task& t = tasks_[*it];
  v1::TaskLog log;
  log.set_key(std::string(t.key()));
  log.set_state(TaskStateName(t.state));
  log.set_worker(WorkerName(t.processing_on != kNoWorker ? t.processing_on : t.ran_on));
  if (auto l = logs_.find(*it); l != logs_.end()) log.set_log(l->second);
  if (auto e = errors_.find(*it); e != errors_.end()) log.set_error(e->second);
  return log;
}

absl::StatusOr<TaskState> SchedulerState::StateOf(absl::string_view key) const {
  auto it = key_index_.find(key);
  if (it == key_index_.end()) return absl::NotFoundError(absl::StrCat("no task \"", key, "\""));
  return tasks_[*it].state;
}

std::string SchedulerState::WorkerOf(absl::string_view key) const {
  auto it = key_index_.find(key);
  if (it == key_index_.end()) return "";
  const Task& t = tasks_[*it];
  return WorkerName(t.processing_on != kNoWorker ? t.processing_on : t.ran_on);
}

std::vector<std::string> SchedulerState::WhoHasKey(absl::string_view key) const {
  std::vector<std::string> names;
  auto it = key_index_.find(key);
  if (it == key_index_.end()) return names;
  for (WorkerId w : tasks_[*it].who_has) names.push_back(WorkerName(w));
  return names;
}

double SchedulerState::ExpectedDuration(absl::string_view op) const {
  auto it = op_index_.find(op);
  if (it == op_index_.end() || op_duration_[it->second] < 0) {
    return options_.default_task_duration_s;
  }
  return op_duration_[it->second];
}

}  // namespace brisk
