// SchedulerState: the events (workers and clients joining, leaving and reporting) and the
// transition engine. Submission and jobs are in scheduler_jobs.cc, placement in
// scheduler_placement.cc, queries in scheduler_queries.cc, the invariants in
// scheduler_validate.cc.
#include "scheduler/scheduler_state.h"

#include <algorithm>
#include <cstdlib>
#include <random>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

namespace brisk {

SchedulerState::SchedulerState(SchedulerComm& comm, const Clock& clock, SchedulerOptions options)
    : comm_(comm),
      clock_(clock),
      options_(options),
      key_index_(/*bucket_count=*/0, KeyHash{&tasks_}, KeyEq{&tasks_}),
      no_workers_since_(clock.Now()) {
  incarnation_ = options_.incarnation;
  if (incarnation_.empty()) {
    std::random_device random;
    incarnation_ = absl::StrCat(
        absl::Hex(static_cast<uint64_t>(UnixSeconds(clock_.Now()) * 1e6), absl::kZeroPad16), "-",
        absl::Hex((uint64_t{random()} << 32) | random(), absl::kZeroPad16));
  }
}

// ------------------------------------------------------------------------------------ workers

absl::Status SchedulerState::AddWorker(WorkerId id, const v1::RegisterWorker& reg) {
  if (reg.address().empty())
    return absl::InvalidArgumentError("worker registration has no address");
  if (reg.nthreads() < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("worker registration needs nthreads >= 1, got ", reg.nthreads()));
  }
  const std::string name = reg.name().empty() ? reg.address() : reg.name();
  if (worker_by_name_.contains(name) && !reg.reconnect()) {
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
  if (auto old = worker_by_name_.find(name); old != worker_by_name_.end()) {
    // The same process coming back over a new stream, before the old stream's end reached us
    // (its host vanished, or the scheduler was frozen): the old registration goes first, its
    // running tasks are placed again, and the values it held come back below with `held`.
    // It is alive, so its tasks were not running on a worker that died: no crash is counted.
    workers_.at(old->second).goodbye = true;
    DropWorker(old->second, "this worker registered again on a new stream");
  }
  Worker& w = workers_[id];
  w.id = id;
  w.name = name;
  w.address = reg.address();
  w.nthreads = reg.nthreads();
  w.memory_limit = reg.memory_limit();
  w.resources.insert(reg.resources().begin(), reg.resources().end());
  for (const std::string& op : reg.ops()) {
    const uint32_t id = InternOp(op);
    if (w.ops.insert(id).second) ++op_workers_[id];
  }
  w.last_seen = UnixSeconds(clock_.Now());
  w.joined = w.last_seen;
  worker_by_name_[name] = id;
  worker_names_[id] = name;
  if (journal_ != nullptr) JournalWorker(name, /*joined=*/true);
  auto departed = departed_.extract(name);
  if (reg.reconnect() && !departed.empty() && !departed.mapped().retiring.empty()) {
    // It left while retiring and is back over a new stream: it goes on retiring (by the same
    // deadline), before anything can be placed on it. A new process of that name (no
    // `reconnect`) starts afresh.
    w.retiring = departed.mapped().retiring;
    w.retire_deadline = departed.mapped().retire_deadline;
  }
  v1::WorkerRegistered* registered = WorkerBatch(id).mutable_registered();
  registered->set_worker_id(id);
  registered->set_incarnation(incarnation_);
  spdlog::info("worker {} ({}) {} with {} threads{}", name, w.address,
               reg.reconnect() ? "reconnected" : "joined", w.nthreads,
               reg.held_size() > 0 ? absl::StrCat(", holding ", reg.held_size(), " values") : "");
  if (!w.retiring.empty()) {
    spdlog::info("worker {} is still retiring ({}): its values are handed over as before", name,
                 w.retiring);
  }

  // Values it holds first, so that tasks placed below can use them.
  if (reg.held_size() > 0 && reg.incarnation() != incarnation_) {
    // Computed under another scheduler (this one restarted without a journal, or is another
    // one): their data keys may name other definitions here.
    spdlog::info("worker {}: releasing the {} values it held under another scheduler", name,
                 reg.held_size());
    for (const v1::HeldValue& held : reg.held()) WorkerBatch(id).add_release(held.key());
  } else {
    for (const v1::HeldValue& held : reg.held()) {
      // After a restore from a journal, a worker with no record brings nothing back (see
      // Restore); otherwise, with no record, this scheduler never saw it leave: all is taken.
      static const Departed kNothing;
      TakeHeldValue(id, held,
                    !departed.empty() ? &departed.mapped()
                    : restored_       ? &kNothing
                                      : nullptr);
    }
  }
  RunTransitions();
  // Tasks nobody could run may fit this worker: they are placed again.
  for (const QueueKey& k : no_worker_) Recommend(k.id, TaskState::kWaiting);
  RunTransitions();
  MaybeValidate();
  return absl::OkStatus();
}

void SchedulerState::TakeHeldValue(WorkerId wid, const v1::HeldValue& held,
                                   const Departed* departed) {
  auto found = key_index_.find(held.key());
  if (found == key_index_.end()) {
    WorkerBatch(wid).add_release(held.key());  // no task of that key here
    return;
  }
  const TaskId id = *found;
  Task& t = tasks_[id];
  if (departed != nullptr) {
    auto was = departed->values.find(id);
    if (was == departed->values.end() || was->second != t.order) {
      // Not what it held or computed when it left: a value freed meanwhile (its release was
      // lost with the stream), perhaps of a key defined anew since.
      WorkerBatch(wid).add_release(held.key());
      return;
    }
  }
  switch (t.state) {
    case TaskState::kMemory:
      // Another copy, unless the worker listed it twice.
      if (workers_.at(wid).has_what.insert(id).second) t.who_has.push_back(wid);
      return;
    case TaskState::kReleased:
      // Freed, or never computed: kept only when something needs it, as a computed value would
      // be (MaybeRelease would free it at once otherwise).
      if (!Needed(t)) break;
      [[fallthrough]];
    case TaskState::kWaiting:
    case TaskState::kQueued:
    case TaskState::kNoWorker:
    case TaskState::kProcessing: {
      // Its value exists: no need to compute it (again). The value was computed from the task's
      // own definition: the data key names exactly one definition (see "Keys and definitions").
      Recommendation rec;
      rec.id = id;
      rec.from = t.state;
      rec.to = TaskState::kMemory;
      rec.worker = wid;
      rec.held = true;
      Recommend(rec);
      t.nbytes = held.nbytes();
      return;
    }
    case TaskState::kErred:
    case TaskState::kCancelled:
    case TaskState::kForgotten:
      break;  // its job gave up on it, or was cancelled: the value is not wanted
  }
  WorkerBatch(wid).add_release(held.key());
}

void SchedulerState::DropWorker(WorkerId wid, const std::string& why) {
  RemoveWorker(wid, "stopped responding");
  // Closes the stream (SchedulerComm sends a batch with an error, then ends it): a worker still
  // alive at the other end hears why, and registers again.
  WorkerBatch(wid).set_error(why);
}

void SchedulerState::CheckSilentWorkers() {
  const double now = UnixSeconds(clock_.Now());
  const double timeout = options_.worker_timeout_s;
  // A gap between ticks as long as a good part of the timeout means the scheduler itself was
  // stalled (frozen, swapping): it could not hear anyone meanwhile, so that silence is not the
  // workers'. They count as heard from now.
  const double gap = last_tick_ >= 0 ? now - last_tick_ : 0;
  last_tick_ = now;
  if (timeout <= 0) return;
  const bool stalled = gap > timeout / 4;
  std::vector<WorkerId> silent;
  for (auto& [wid, w] : workers_) {
    if (stalled) {
      w.last_seen = std::max(w.last_seen, now);
    } else if (now - w.last_seen > timeout) {
      silent.push_back(wid);
    }
  }
  if (stalled) {
    spdlog::warn("the scheduler was stalled for {:.1f} s: workers' silence meanwhile is ignored",
                 gap);
  }
  for (WorkerId wid : silent) {
    const std::string why = absl::StrCat("no message from this worker for more than ", timeout,
                                         " s (--worker-timeout); removed");
    spdlog::warn("worker {}: {}", worker_names_[wid], why);
    DropWorker(wid, why);
  }
}

void SchedulerState::RemoveWorker(WorkerId wid, absl::string_view cause) {
  auto it = workers_.find(wid);
  if (it == workers_.end()) return;
  Worker w = std::move(it->second);
  workers_.erase(it);
  worker_by_name_.erase(w.name);
  if (workers_.empty()) no_workers_since_ = clock_.Now();
  if (journal_ != nullptr) JournalWorker(w.name, /*joined=*/false);
  for (const uint32_t op : w.ops) --op_workers_[op];
  worker_out_.erase(wid);
  spdlog::log(
      w.processing.empty() && w.has_what.empty() ? spdlog::level::info : spdlog::level::warn,
      "worker {} ({}) left with {} tasks processing and {} values", w.name, w.address,
      w.processing.size(), w.has_what.size());

  // What it held and computed, in case it registers again (TakeHeldValue).
  Departed& departed = departed_[w.name];
  for (TaskId id : w.has_what) departed.values[id] = tasks_[id].order;
  for (TaskId id : w.processing) departed.values[id] = tasks_[id].order;
  departed.retiring = w.retiring;
  departed.retire_deadline = w.retire_deadline;

  // Steal requests out on its behalf are void: the tasks stay where they are.
  if (w.incoming_steals > 0) {
    for (auto& [vid, victim] : workers_) {
      for (TaskId id : victim.processing) {
        if (tasks_[id].stealing_to == wid) tasks_[id].stealing_to = kNoWorker;
      }
    }
  }
  // Values only this worker held are lost: freed, and computed again where still needed.
  for (TaskId id : w.has_what) {
    Task& t = tasks_[id];
    t.who_has.erase(std::remove(t.who_has.begin(), t.who_has.end(), wid), t.who_has.end());
    if (t.who_has.empty() && t.state == TaskState::kMemory) Recommend(id, TaskState::kReleased);
  }
  // Values on their way to it, or from it, will not arrive (a worker does not say when it could
  // not acquire a value): they are asked again, of another worker or from another holder, if
  // still needed.
  for (auto a = acquiring_.begin(); a != acquiring_.end();) {
    auto next = std::next(a);
    if (a->second.to == wid || a->second.from == wid) acquiring_.erase(a);
    a = next;
  }
  // Its running tasks run again elsewhere (the worker is gone, so placement will not pick it),
  // unless that was their last allowed crash. A worker told to shut down did not crash; nor did
  // a task sent ahead, which waited for an input and never started.
  // A worker that died is remembered for a while, for its exit report (OnWorkerExit).
  Death* death = nullptr;
  if (!w.goodbye) {
    death = &deaths_[wid];
    death->name = w.name;
    death->retiring = w.retiring;
    death->cause = std::string(cause);
    death->at = clock_.Now();
  }
  std::vector<std::string> again, failed;  // user keys of the crashed tasks
  for (TaskId id : w.processing) {
    const bool crashed = !w.goodbye && tasks_[id].speculative == 0;
    if (crashed) death->tasks.emplace_back(id, tasks_[id].order);
    if (crashed && CountCrash(id, w, cause)) {
      failed.emplace_back(UserKey(tasks_[id]));
      RecommendErred(id, v1::ERROR_KIND_WORKER_DIED, CrashError(id));
    } else {
      if (crashed) again.emplace_back(UserKey(tasks_[id]));
      Recommend(id, TaskState::kWaiting);
    }
  }
  if (!again.empty() || !failed.empty()) {
    std::sort(again.begin(), again.end());
    std::sort(failed.begin(), failed.end());
    LogDeath(w, cause, again, failed);
  }
  RunTransitions();
  MaybeValidate();
}

void SchedulerState::HandleWorkerMessage(WorkerId wid, const v1::WorkerToScheduler& message) {
  auto it = workers_.find(wid);
  if (it == workers_.end()) return;
  it->second.last_seen = UnixSeconds(clock_.Now());
  if (message.has_heartbeat()) OnHeartbeat(it->second, message.heartbeat());
  for (const v1::HeldValue& held : message.acquired()) OnAcquired(wid, held);
  for (const v1::TaskDone& done : message.done()) {
    OnTaskDone(wid, done);
    RunTransitions();
  }
  for (const v1::StealResponse& response : message.stolen()) {
    OnStealResponse(wid, response);
    RunTransitions();
  }
  if (!message.retiring().empty()) {
    StartRetiring(wid, message.retiring());
    RunTransitions();
  }
  MaybeValidate();
}

void SchedulerState::OnHeartbeat(Worker& w, const v1::WorkerHeartbeat& hb) {
  w.memory = hb.memory();
  w.executing = hb.executing();
  w.managed = hb.managed();
  w.spilled = hb.spilled();
  w.spilled_total = hb.spilled_total();
  w.resident = hb.resident();
  if (hb.paused() != w.paused) {
    spdlog::info("worker {} {} (resident memory {} bytes, limit {})", w.name,
                 hb.paused() ? "paused: it is short of memory" : "is running again", hb.resident(),
                 w.memory_limit);
    w.paused = hb.paused();  // Flush() places queued work on it again once it runs
  }
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
    if (++retries_[id].fetch_failures >= options_.max_fetch_attempts) {
      std::string missing(done.missing(0));
      if (auto dep = key_index_.find(missing); dep != key_index_.end()) {
        missing = std::string(UserKey(tasks_[*dep]));
      }
      RecommendErred(
          id, v1::ERROR_KIND_FETCH_FAILED,
          absl::StrCat("could not fetch dependency \"", missing, "\" from any worker holding it"));
      return;
    }
    for (const std::string& key : done.missing()) {
      auto dep = key_index_.find(key);
      if (dep == key_index_.end()) continue;
      if (tasks_[*dep].state != TaskState::kMemory ||
          std::find(t.deps.begin(), t.deps.end(), *dep) == t.deps.end()) {
        continue;
      }
      // The holders we named did not have it (or could not serve it): drop those copies and
      // compute the value again rather than send the task back to the same dead end.
      Recommendation rec;
      rec.id = *dep;
      rec.from = TaskState::kMemory;
      rec.to = TaskState::kReleased;
      rec.drop_copies = true;
      Recommend(std::move(rec));
    }
    Recommend(id, TaskState::kWaiting);
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
    auto retries = retries_.find(id);
    if (retries != retries_.end() && retries->second.left > 0) {
      --retries->second.left;
      retries->second.failed_on = wid;
      spdlog::info("task {} failed on {}, retrying ({} retries left): {}", std::string(UserKey(t)),
                   worker_names_[wid], retries->second.left, done.error());
      Recommend(id, TaskState::kWaiting);
      return;
    }
    const v1::ErrorKind kind = done.timed_out()       ? v1::ERROR_KIND_TIMED_OUT
                               : done.out_of_memory() ? v1::ERROR_KIND_OUT_OF_MEMORY
                                                      : v1::ERROR_KIND_TASK_FAILED;
    RecommendErred(id, kind, done.error());
    return;
  }
  t.nbytes = done.nbytes();
  Recommend(id, TaskState::kMemory, wid);
}

void SchedulerState::OnStealResponse(WorkerId victim, const v1::StealResponse& response) {
  auto found = key_index_.find(response.key());
  if (found == key_index_.end()) return;
  const TaskId id = *found;
  Task& t = tasks_[id];
  const WorkerId thief = t.stealing_to;
  if (thief != kNoWorker) {
    t.stealing_to = kNoWorker;
    --workers_.at(thief).incoming_steals;
  }
  if (t.state != TaskState::kProcessing || t.processing_on != victim) return;
  if (!response.ok()) {
    t.steal_refused = true;  // it has started there: asking again would only be refused again
    return;
  }
  // The victim gave the task up: it runs elsewhere, on the thief when it has room. This holds
  // even when the request was voided meanwhile (the thief left): the victim no longer has it.
  Recommend(id, TaskState::kWaiting, thief);
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
    RunTransitions();
  }
  TrimJobHistory();
  RunTransitions();
  MaybeValidate();
}

void SchedulerState::HandleClientMessage(ClientId client, v1::ClientToScheduler& message) {
  if (message.has_submit()) {
    HandleSubmit(client, *message.mutable_submit());
    RunTransitions();
  }
  for (JobId id : message.watch_jobs()) WatchJob(client, id);
  for (JobId id : message.cancel_jobs()) {
    auto it = jobs_.find(id);
    if (it != jobs_.end()) CancelJob(it->second);
    RunTransitions();
  }
  for (JobId id : message.release_jobs()) {
    auto it = jobs_.find(id);
    if (it == jobs_.end()) continue;
    if (it->second.state == JobState::kRunning) {
      CancelJob(it->second);
    } else {
      ReleaseJob(it->second);
    }
    RunTransitions();
  }
  TrimJobHistory();
  RunTransitions();
  MaybeValidate();
}

// ------------------------------------------------------------------------------------ the engine

void SchedulerState::Recommend(TaskId id, TaskState to, WorkerId worker) {
  Recommendation rec;
  rec.id = id;
  rec.from = tasks_[id].state;
  rec.to = to;
  rec.worker = worker;
  recommendations_.push_back(rec);
}

void SchedulerState::RecommendErred(TaskId id, v1::ErrorKind kind, std::string error) {
  Recommendation rec;
  rec.id = id;
  rec.from = tasks_[id].state;
  rec.to = TaskState::kErred;
  rec.error = static_cast<uint32_t>(pending_errors_.size());
  pending_errors_.push_back(TaskError{kind, std::move(error)});
  recommendations_.push_back(rec);
}

void SchedulerState::RunTransitions() {
  while (next_recommendation_ < recommendations_.size()) {
    const Recommendation rec = recommendations_[next_recommendation_++];
    ApplyTransition(rec);
    // Those applied are dropped now and then, so that a long walk does not keep them all.
    if (next_recommendation_ >= 4096 && 2 * next_recommendation_ >= recommendations_.size()) {
      recommendations_.erase(
          recommendations_.begin(),
          recommendations_.begin() + static_cast<ptrdiff_t>(next_recommendation_));
      next_recommendation_ = 0;
    }
  }
  recommendations_.clear();
  next_recommendation_ = 0;
  pending_errors_.clear();
}

void SchedulerState::ApplyTransition(const Recommendation& rec) {
  const Task& t = tasks_[rec.id];
  if (t.free || t.state != rec.from || rec.from == rec.to) return;  // moved on since
  if (!TransitionAllowed(rec.from, rec.to)) {
    Violation(rec.id, absl::StrCat("no transition ", TaskStateName(rec.from), " -> ",
                                   TaskStateName(rec.to)));
    return;
  }
  using S = TaskState;
  switch (rec.to) {
    case S::kWaiting:
      if (rec.from == S::kQueued || rec.from == S::kNoWorker) {
        ReadyToWaiting(rec.id);
      } else if (rec.from == S::kProcessing) {
        ProcessingToWaiting(rec.id, rec.worker);
      } else {
        ToWaiting(rec.id);
      }
      return;
    case S::kProcessing:
      if (rec.from == S::kWaiting) {
        WaitingToReady(rec.id, rec.worker, rec.speculative);
      } else {
        QueuedToProcessing(rec.id, rec.worker);
      }
      return;
    case S::kQueued:
    case S::kNoWorker:
      WaitingToQueued(rec.id, rec.to);
      return;
    case S::kMemory:
      if (rec.held) {
        HeldToMemory(rec.id, rec.worker);
      } else {
        ProcessingToMemory(rec.id, rec.worker);
      }
      return;
    case S::kErred:
      ToErred(rec.id, std::move(pending_errors_[rec.error]));
      return;
    case S::kCancelled:
      ToCancelled(rec.id);
      return;
    case S::kReleased:
      MemoryToReleased(rec.id, rec.drop_copies);
      return;
    case S::kForgotten:
      ToForgotten(rec.id);
      return;
  }
}

void SchedulerState::SetState(TaskId id, TaskState to) {
  Task& t = tasks_[id];
  if (!TransitionAllowed(t.state, to)) {
    Violation(id,
              absl::StrCat("refused to set ", TaskStateName(t.state), " -> ", TaskStateName(to)));
    return;
  }
  --state_counts_[static_cast<int>(t.state)];
  if (t.ran_on != kNoWorker) {  // released after running: shown as "finished"
    if (t.state == TaskState::kReleased) --finished_count_;
    if (to == TaskState::kReleased) ++finished_count_;
  }
  t.state = to;
  if (to != TaskState::kForgotten) ++state_counts_[static_cast<int>(to)];
}

void SchedulerState::Violation(TaskId id, const std::string& what) {
  const std::string message = absl::StrCat("task \"", UserKey(tasks_[id]), "\": ", what);
  spdlog::error("scheduler bug: {}", message);
  if (violations_++ == 0) first_violation_ = message;
  if (options_.validate) std::abort();
}

void SchedulerState::MaybeValidate() {
  if (!options_.validate) return;
  absl::Status valid = ValidateState();
  if (!valid.ok()) {
    spdlog::critical("scheduler state is inconsistent: {}", std::string(valid.message()));
    std::abort();
  }
}

// ------------------------------------------------------------------------------------ transitions

void SchedulerState::ToWaiting(TaskId id) {
  Task& t = tasks_[id];
  errors_.erase(id);
  SetState(id, TaskState::kWaiting);
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
      case TaskState::kCancelled:
        Recommend(dep, TaskState::kWaiting);  // computed again from its lineage
        ++t.waiting_on;
        break;
      default:
        ++t.waiting_on;
    }
  }
  if (failed != kNoTask) {
    RecommendErred(id, v1::ERROR_KIND_DEPENDENCY_FAILED, DependencyError(failed));
  } else if (t.waiting_on == 0) {
    Recommend(id, TaskState::kProcessing);
  }
}

void SchedulerState::ReadyToWaiting(TaskId id) {
  Task& t = tasks_[id];
  RemoveFromQueues(id);
  SetState(id, TaskState::kWaiting);
  t.waiting_on = 0;
  for (TaskId dep : t.deps) {
    const TaskState s = tasks_[dep].state;
    if (s == TaskState::kMemory) continue;
    ++t.waiting_on;
    if (s == TaskState::kReleased || s == TaskState::kCancelled)
      Recommend(dep, TaskState::kWaiting);
  }
  if (t.waiting_on == 0) Recommend(id, TaskState::kProcessing);
}

void SchedulerState::WaitingToReady(TaskId id, WorkerId worker, uint8_t speculative) {
  Task& t = tasks_[id];
  if (speculative > 0) {
    // Sent ahead of its last input, which is being computed on `worker`: only while that holds.
    auto on = workers_.find(worker);
    if (t.restricted || t.waiting_on != 1 || on == workers_.end() || !TakesWork(on->second) ||
        !HasOp(on->second, t)) {
      return;
    }
    for (TaskId dep : t.deps) {
      const Task& d = tasks_[dep];
      if (d.state != TaskState::kMemory &&
          (d.state != TaskState::kProcessing || d.processing_on != worker)) {
        return;
      }
    }
    StartProcessing(id, worker, speculative);
    return;
  }
  if (t.waiting_on != 0) {
    Violation(id, absl::StrCat("made ready while waiting on ", t.waiting_on, " inputs"));
    return;
  }
  if (worker != kNoWorker) {
    auto preferred = workers_.find(worker);
    if (preferred != workers_.end() && HasRoomFor(preferred->second, id)) {
      StartProcessing(id, worker, 0);
      return;
    }
  }
  if (t.restricted) {
    bool possible = false;
    for (const auto& [wid, w] : workers_) possible = possible || CanEverRun(w, id);
    if (!possible && !workers_.empty() && !ResourcesExistFor(id)) {
      // Reported at once rather than left hanging. A task waiting for a named worker, or for
      // any worker at all, waits: that worker may be restarting.
      RecommendErred(id, v1::ERROR_KIND_NO_WORKER_CAN_RUN,
                     absl::StrCat("no connected worker can ever run it (", Requirements(id), ")"));
      return;
    }
    Recommend(id, possible ? TaskState::kQueued : TaskState::kNoWorker);
    return;
  }
  if (!OpAvailable(t)) {
    // A plugin's op that no connected worker has: it waits for one (AddWorker places it again).
    Recommend(id, TaskState::kNoWorker);
    return;
  }
  if (t.deps.empty()) {
    Recommend(id, TaskState::kQueued);  // roots wait at the scheduler (see ScheduleQueued)
    return;
  }
  const WorkerId w = DecideWorker(id, /*root=*/false);
  if (w == kNoWorker) {
    Recommend(id, TaskState::kNoWorker);
    return;
  }
  StartProcessing(id, w, 0);
}

void SchedulerState::WaitingToQueued(TaskId id, TaskState to) {
  Task& t = tasks_[id];
  if (t.waiting_on != 0) {
    Violation(id, "queued with inputs missing");
    return;
  }
  SetState(id, to);
  if (to == TaskState::kNoWorker) {
    no_worker_.insert(KeyFor(t, id));
    no_worker_since_[id] = clock_.Now();
    unrunnable_.push_back(id);  // its jobs' watchers are told why at Flush()
  } else if (t.restricted) {
    constrained_.insert(KeyFor(t, id));
  } else {
    queued_.insert(KeyFor(t, id));
  }
}

void SchedulerState::QueuedToProcessing(TaskId id, WorkerId worker) {
  if (!workers_.contains(worker)) {
    Violation(id, "sent to an unknown worker");
    return;
  }
  RemoveFromQueues(id);
  StartProcessing(id, worker, 0);
}

void SchedulerState::StartProcessing(TaskId id, WorkerId wid, uint8_t speculative) {
  Task& t = tasks_[id];
  Worker& w = workers_.at(wid);
  SetState(id, TaskState::kProcessing);
  t.processing_on = wid;
  t.speculative = speculative;
  if (speculative == 0) t.waiting_on = 0;
  if (speculative > 0) ++w.speculative;
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
    for (WorkerId holder : d.who_has) out->add_who_has(workers_.at(holder).address);
  }
  SendAhead(id);
}

void SchedulerState::ProcessingToMemory(TaskId id, WorkerId wid) {
  Task& t = tasks_[id];
  if (t.processing_on != wid || !workers_.contains(wid)) {
    Violation(id, "reported done by a worker it was not sent to");
    return;
  }
  LeaveProcessing(id);
  SetState(id, TaskState::kMemory);
  t.waiting_on = 0;
  t.who_has.assign(1, wid);
  workers_.at(wid).has_what.insert(id);
  if (journal_ != nullptr) JournalFinished(id);
  const double took = std::max(0.0, t.end - t.start);
  double& learned = op_duration_[t.op];
  learned = learned < 0 ? took : 0.5 * learned + 0.5 * took;
  ++op_metrics_[t.op].finished;
  op_metrics_[t.op].duration.Observe(took);

  for (TaskId d : t.dependents) {
    Task& dep = tasks_[d];
    if (dep.state == TaskState::kWaiting && dep.waiting_on > 0 && --dep.waiting_on == 0) {
      Recommend(d, TaskState::kProcessing);
    } else if (dep.state == TaskState::kProcessing && dep.speculative > 0 && dep.waiting_on > 0 &&
               --dep.waiting_on == 0) {
      dep.speculative = 0;  // its inputs are all in memory now: an ordinary assignment
      --workers_.at(dep.processing_on).speculative;
      SendAhead(d);
    }
  }
  for (TaskId dep : t.deps) DependentDone(dep);
  if (t.holders > 0) OutputDone(id);
  MaybeRelease(id);
}

void SchedulerState::HeldToMemory(TaskId id, WorkerId wid) {
  Task& t = tasks_[id];
  if (!workers_.contains(wid)) {
    Violation(id, "held by a worker that is not connected");
    return;
  }
  const TaskState from = t.state;
  const bool active = IsActive(from);  // it counted in its dependencies' pending_dependents
  RemoveFromQueues(id);
  if (from == TaskState::kProcessing) {
    // Being computed elsewhere (placed before this worker came back): stopped there. Tasks sent
    // ahead to wait for it on that worker would wait in vain: they come back.
    const WorkerId on = t.processing_on;
    if (workers_.contains(on)) WorkerBatch(on).add_cancel(std::string(t.key()));
    for (TaskId d : t.dependents) {
      const Task& dep = tasks_[d];
      if (dep.state == TaskState::kProcessing && dep.speculative > 0 && dep.processing_on == on) {
        Recommend(d, TaskState::kWaiting);
      }
    }
    LeaveProcessing(id);
  }
  SetState(id, TaskState::kMemory);
  if (t.ran_on == kNoWorker) t.ran_on = wid;  // after SetState: finished_count_ is by state
  t.waiting_on = 0;
  t.who_has.assign(1, wid);
  workers_.at(wid).has_what.insert(id);
  for (TaskId d : t.dependents) {
    Task& dep = tasks_[d];
    if (dep.state == TaskState::kWaiting && dep.waiting_on > 0 && --dep.waiting_on == 0) {
      Recommend(d, TaskState::kProcessing);
    }
  }
  if (active) {
    // Its inputs are no longer needed for it. One being computed only for it keeps going while
    // its job runs (as when a dependent is cancelled) and is freed when done.
    for (TaskId dep : t.deps) DependentDone(dep);
  }
  if (t.holders > 0) OutputDone(id);
  MaybeRelease(id);
}

void SchedulerState::ProcessingToWaiting(TaskId id, WorkerId prefer) {
  Task& t = tasks_[id];
  const WorkerId on = t.processing_on;
  if (t.speculative > 0 && workers_.contains(on)) {
    WorkerBatch(on).add_cancel(std::string(t.key()));  // it would wait there for ever
  }
  LeaveProcessing(id);
  SetState(id, TaskState::kWaiting);
  t.waiting_on = 0;
  TaskId failed = kNoTask;
  for (TaskId dep : t.deps) {
    const TaskState s = tasks_[dep].state;
    if (s == TaskState::kMemory) continue;
    if (s == TaskState::kErred) failed = dep;
    ++t.waiting_on;
    if (s == TaskState::kReleased || s == TaskState::kCancelled)
      Recommend(dep, TaskState::kWaiting);
  }
  // Dependents sent ahead to wait for it on that worker come back too.
  for (TaskId d : t.dependents) {
    const Task& dep = tasks_[d];
    if (dep.state == TaskState::kProcessing && dep.speculative > 0 && dep.processing_on == on) {
      Recommend(d, TaskState::kWaiting);
    }
  }
  if (failed != kNoTask) {
    RecommendErred(id, v1::ERROR_KIND_DEPENDENCY_FAILED, DependencyError(failed));
  } else if (t.waiting_on == 0) {
    Recommend(id, TaskState::kProcessing, prefer);
  }
}

void SchedulerState::ToErred(TaskId id, TaskError error) {
  Task& t = tasks_[id];
  RemoveFromQueues(id);
  if (t.state == TaskState::kProcessing) {
    if (t.speculative > 0 && workers_.contains(t.processing_on)) {
      WorkerBatch(t.processing_on).add_cancel(std::string(t.key()));  // it would wait for ever
    }
    LeaveProcessing(id);
  }
  SetState(id, TaskState::kErred);
  ++op_metrics_[t.op].failed;
  t.waiting_on = 0;
  errors_[id] = std::move(error);
  if (journal_ != nullptr) JournalErred(id);
  for (TaskId dep : t.deps) DependentDone(dep);
  if (t.holders > 0) OutputDone(id);
  for (TaskId d : t.dependents) {
    if (IsActive(tasks_[d].state)) {
      RecommendErred(d, v1::ERROR_KIND_DEPENDENCY_FAILED, DependencyError(id));
    }
  }
  MaybeForget(id);
}

std::string SchedulerState::DependencyError(TaskId failed) const {
  const std::string& cause = errors_.at(failed).message;
  if (absl::StartsWith(cause, "dependency \"")) return cause;
  return absl::StrCat("dependency \"", UserKey(tasks_[failed]), "\" failed: ", cause);
}

void SchedulerState::ToCancelled(TaskId id) {
  Task& t = tasks_[id];
  RemoveFromQueues(id);
  if (t.state == TaskState::kProcessing) {
    if (workers_.contains(t.processing_on)) {
      WorkerBatch(t.processing_on).add_cancel(std::string(t.key()));
    }
    LeaveProcessing(id);
  }
  SetState(id, TaskState::kCancelled);
  t.waiting_on = 0;
  for (TaskId dep : t.deps) DependentDone(dep);
  MaybeForget(id);
}

void SchedulerState::MemoryToReleased(TaskId id, bool drop_copies) {
  Task& t = tasks_[id];
  if (!drop_copies && !t.who_has.empty() && Needed(t)) {
    // Recommended when nothing needed it, and needed again since: a dependent that was released
    // went back to waiting in the same walk (e.g. a worker died, one task it ran failed of it and
    // freed this input, another went back to waiting and recomputes a dependent of it). Moved on.
    return;
  }
  for (WorkerId wid : t.who_has) {
    auto it = workers_.find(wid);
    if (it == workers_.end()) continue;
    it->second.has_what.erase(id);
    WorkerBatch(wid).add_release(std::string(t.key()));
  }
  t.who_has.clear();
  acquiring_.erase(id);
  SetState(id, TaskState::kReleased);
  if (!Needed(t)) {
    MaybeForget(id);
    return;
  }
  // Lost while still needed: its dependents wait for it again, and it is computed again. One
  // sent ahead to wait for another input comes back too (it was told where this one was);
  // one already running finds it missing and says so.
  for (TaskId d : t.dependents) {
    Task& dep = tasks_[d];
    if (dep.state == TaskState::kWaiting) {
      ++dep.waiting_on;
    } else if (dep.state == TaskState::kQueued || dep.state == TaskState::kNoWorker ||
               (dep.state == TaskState::kProcessing && dep.speculative > 0)) {
      Recommend(d, TaskState::kWaiting);
    }
  }
  for (JobId j : OutputJobs(id)) {
    Job& job = jobs_.at(j);
    if (job.state == JobState::kRunning) ++job.outputs_left;
  }
  Recommend(id, TaskState::kWaiting);
}

void SchedulerState::ToForgotten(TaskId id) {
  Task& t = tasks_[id];
  if (!Forgettable(t)) {
    Violation(id, "forgotten while something refers to it");
    return;
  }
  const absl::string_view user_key = UserKey(t);
  if (user_key.size() != t.key().size()) {
    auto alias = aliases_.find(user_key);
    if (alias != aliases_.end()) {
      std::vector<TaskId>& ids = alias->second;
      ids.erase(std::remove(ids.begin(), ids.end(), id), ids.end());
      if (ids.empty()) aliases_.erase(alias);
    }
  }
  CompactVector<TaskId> deps = std::move(t.deps);
  key_index_.erase(id);
  restrictions_.erase(id);
  retries_.erase(id);
  crashes_.erase(id);
  acquiring_.erase(id);
  errors_.erase(id);
  logs_.erase(id);
  more_output_jobs_.erase(id);
  SetState(id, TaskState::kForgotten);
  t = Task{};  // the record is gone: its slot waits on the free list
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

// ------------------------------------------------------------------------------------ shared
// pieces

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
  if (t.stealing_to != kNoWorker) {
    // A steal request is only about a task processing where it was asked: void now.
    auto thief = workers_.find(t.stealing_to);
    if (thief != workers_.end()) --thief->second.incoming_steals;
    t.stealing_to = kNoWorker;
  }
  t.processing_on = kNoWorker;
  t.assigned_estimate = 0;
  t.speculative = 0;
  t.steal_refused = false;
}

void SchedulerState::RemoveFromQueues(TaskId id) {
  const Task& t = tasks_[id];
  if (t.state == TaskState::kQueued) {
    absl::btree_set<QueueKey>& queue = t.restricted ? constrained_ : queued_;
    if (!queue.empty() && queue.begin()->id == id) {
      queue.erase(queue.begin());  // most are taken from the front: no search
    } else {
      queue.erase(KeyFor(t, id));
    }
  } else if (t.state == TaskState::kNoWorker) {
    no_worker_.erase(KeyFor(t, id));
    no_worker_since_.erase(id);
  }
}

void SchedulerState::DependentDone(TaskId dep) {
  Task& d = tasks_[dep];
  if (d.pending_dependents == 0) {
    Violation(dep, "a dependent finished that it did not count");
    return;
  }
  --d.pending_dependents;
  MaybeRelease(dep);
  MaybeForget(dep);
}

bool SchedulerState::Forgettable(const Task& t) const {
  return !t.free &&
         (t.state == TaskState::kReleased || t.state == TaskState::kErred ||
          t.state == TaskState::kCancelled) &&
         t.job_refs == 0 && t.holders == 0 && t.pending_dependents == 0 && t.dependents.empty();
}

void SchedulerState::MaybeRelease(TaskId id) {
  const Task& t = tasks_[id];
  if (t.state == TaskState::kMemory && !Needed(t)) Recommend(id, TaskState::kReleased);
}

void SchedulerState::MaybeForget(TaskId id) {
  if (Forgettable(tasks_[id])) Recommend(id, TaskState::kForgotten);
}

// ------------------------------------------------------------------------------------ flushing

void SchedulerState::Flush() {
  ContinueRetiring();
  ScheduleQueued();
  StealWork();
  if (!unrunnable_.empty()) SendUnrunnableNotices();
  for (auto& [wid, batch] : worker_out_) comm_.SendToWorker(wid, std::move(batch));
  worker_out_.clear();
  for (auto& [cid, batch] : client_out_) comm_.SendToClient(cid, std::move(batch));
  client_out_.clear();
  if (journal_ != nullptr) journal_->Commit();
  MaybeValidate();
}

void SchedulerState::Tick() {
  CheckSilentWorkers();
  RunTransitions();
  CheckNoWorker();
  CheckRetireTimeouts();
  CheckDeaths();
  CheckJournal();
  MaybeValidate();
}

void SchedulerState::Shutdown() {
  for (auto& [wid, w] : workers_) {
    w.goodbye = true;
    WorkerBatch(wid).set_shutdown(true);
    WorkerBatch(wid).set_shutdown_reason("the scheduler is shutting down");
  }
}

}  // namespace brisk
