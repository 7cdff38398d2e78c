// SchedulerState and its journal: what it records as it goes (the Journal* functions), the
// snapshot that compaction writes, and Restore(), which rebuilds the state a journal recorded
// when a scheduler restarts on it.
//
// After a restart the workers that survived reconnect and report the values they hold
// (RegisterWorker.held); a known task whose value a worker reports becomes memory there. So
// Restore() leaves every task that had finished "released after running", and holds it (a
// grace hold, counted in `holders`, so that a reported value is kept) for a grace period: until
// every worker the journal last knew has reconnected, or `grace` has passed. Then unfinished
// jobs resume as a submission does: their outputs are recommended waiting, which computes again
// only what no worker brought back; outputs of ended jobs still held, and published values, that
// no worker brought back are computed again too (as a lost value is); the grace holds go.
//
// Restored jobs have no owning client (their clients' streams ended with the old scheduler), so
// they are kept as if submitted with `keep`: released by `brisk release` or cancelled.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "google/protobuf/arena.h"
#include "scheduler/journal_replay.h"
#include "scheduler/scheduler_state.h"
#include "spdlog/spdlog.h"

namespace brisk {
namespace {

// Tasks per record of a snapshot's task list: a big graph is written in many small records.
constexpr int kSnapshotTasksPerRecord = 4096;

}  // namespace

// ------------------------------------------------------------------------------------ recording

void SchedulerState::AddJournalTask(TaskId id, v1::JournalTask& out) const {
  const Task& t = tasks_[id];
  out.set_data_key(std::string(t.key()));
  out.set_spec(std::string(t.spec()));
  for (TaskId d : t.deps) out.add_deps(std::string(tasks_[d].key()));
}

void SchedulerState::JournalJob(const Job& job, const absl::flat_hash_set<TaskId>& recomputed,
                                const std::vector<TaskId>& created) {
  // On an arena: a big job's record is tens of thousands of small messages and strings, which
  // the arena allocates in blocks and frees at once (allocating and freeing them one by one was
  // a third of the journal's cost).
  google::protobuf::Arena arena;
  v1::JournalRecord& record = *google::protobuf::Arena::CreateMessage<v1::JournalRecord>(&arena);
  v1::JournalJobSubmitted& s = *record.mutable_job_submitted();
  s.set_id(job.id);
  s.set_name(job.name);
  s.set_keep(job.keep);
  s.set_submitted(job.submitted);
  // The listed tasks first (so that `listed_count` names them), then the inputs they only
  // refer to.
  const absl::flat_hash_set<TaskId> listed(job.tasks.begin(), job.tasks.end());
  for (TaskId id : job.tasks) AddJournalTask(id, *s.add_tasks());
  s.set_listed_count(static_cast<uint32_t>(job.tasks.size()));
  absl::flat_hash_set<TaskId> inputs;
  auto input = [&](TaskId id) {
    if (!listed.contains(id) && inputs.insert(id).second) AddJournalTask(id, *s.add_tasks());
  };
  for (TaskId id : job.tasks) {
    for (TaskId d : tasks_[id].deps) input(d);
  }
  for (TaskId id : job.outputs) input(id);
  if (job.outputs == job.tasks) {
    s.set_outputs_listed(true);
  } else {
    for (TaskId id : job.outputs) s.add_outputs(std::string(tasks_[id].key()));
  }
  // A new task's data key may have been another task's, with the same spec, that ran and was
  // dropped since: what that one did is not this one's.
  size_t created_listed = 0;
  for (TaskId id : created) created_listed += id != kNoTask && listed.contains(id);
  const bool all_created = !listed.empty() && created_listed == listed.size();
  s.set_listed_recomputed(all_created);
  for (TaskId id : recomputed) {
    if (!all_created || !listed.contains(id)) s.add_recomputed(std::string(tasks_[id].key()));
  }
  for (TaskId id : created) {
    if (id != kNoTask && (!all_created || !listed.contains(id))) {
      s.add_recomputed(std::string(tasks_[id].key()));
    }
  }
  journal_->Record(record);
}

void SchedulerState::FillFinished(TaskId id, v1::JournalTaskFinished& f) const {
  const Task& t = tasks_[id];
  f.set_data_key(std::string(t.key()));
  f.set_nbytes(t.nbytes);
  f.set_worker(WorkerName(t.ran_on));
  f.set_start(t.start);
  f.set_end(t.end);
  if (auto log = logs_.find(id); log != logs_.end()) f.set_log(log->second);
}

void SchedulerState::FillErred(TaskId id, v1::JournalTaskErred& e) const {
  e.set_data_key(std::string(tasks_[id].key()));
  const TaskError& error = errors_.at(id);
  e.set_kind(error.kind);
  e.set_message(error.message);
  if (auto log = logs_.find(id); log != logs_.end()) e.set_log(log->second);
}

// The per-task records reuse one message (and its strings' buffers): one is written for every
// task that finishes.
void SchedulerState::JournalFinished(TaskId id) {
  v1::JournalTaskFinished& f = *journal_record_.mutable_task_finished();
  f.Clear();  // keeps its strings' buffers
  FillFinished(id, f);
  journal_->Record(journal_record_);
}

void SchedulerState::JournalErred(TaskId id) {
  v1::JournalTaskErred& e = *journal_record_.mutable_task_erred();
  e.Clear();
  FillErred(id, e);
  journal_->Record(journal_record_);
}

void SchedulerState::JournalJobEnded(const Job& job) {
  v1::JournalRecord record;
  v1::JournalJobEnded& e = *record.mutable_job_ended();
  e.set_id(job.id);
  e.set_state(WireState(job.state));
  e.set_ended(job.ended);
  journal_->Record(record);
}

void SchedulerState::JournalJobReleased(JobId job) {
  v1::JournalRecord record;
  record.set_job_released(job);
  journal_->Record(record);
}

void SchedulerState::JournalPublished(const std::string& name, TaskId id) {
  v1::JournalRecord record;
  if (id == kNoTask) {
    record.set_unpublished(name);
  } else {
    record.mutable_published()->set_name(name);
    record.mutable_published()->set_data_key(std::string(tasks_[id].key()));
  }
  journal_->Record(record);
}

void SchedulerState::JournalWorker(const std::string& name, bool joined) {
  v1::JournalRecord record;
  if (joined) {
    record.set_worker_joined(name);
  } else {
    record.set_worker_left(name);
  }
  journal_->Record(record);
}

// The live state as records that rebuild it: workers, every task's definition, jobs, outcomes,
// job states (ended and released jobs in the order history trims them), names.
std::vector<v1::JournalRecord> SchedulerState::JournalSnapshot() const {
  std::vector<v1::JournalRecord> out;
  out.emplace_back().set_incarnation(incarnation_);
  for (const auto& [wid, w] : workers_) out.emplace_back().set_worker_joined(w.name);
  size_t list = out.size();
  for (TaskId id = 0; id < tasks_.size(); ++id) {
    if (tasks_[id].free) continue;
    if (list == out.size() || out[list].tasks().tasks_size() >= kSnapshotTasksPerRecord) {
      list = out.size();
      out.emplace_back().mutable_tasks();
    }
    AddJournalTask(id, *out[list].mutable_tasks()->add_tasks());
  }
  for (const auto& [jid, job] : jobs_) {
    v1::JournalJobSubmitted& s = *out.emplace_back().mutable_job_submitted();
    s.set_id(jid);
    s.set_name(job.name);
    s.set_keep(job.keep);
    s.set_submitted(job.submitted);
    for (TaskId id : job.tasks) s.add_listed(std::string(tasks_[id].key()));
    for (TaskId id : job.outputs) s.add_outputs(std::string(tasks_[id].key()));
  }
  for (TaskId id = 0; id < tasks_.size(); ++id) {
    const Task& t = tasks_[id];
    if (t.free) continue;
    if (t.state == TaskState::kMemory ||
        (t.state == TaskState::kReleased && t.ran_on != kNoWorker)) {
      FillFinished(id, *out.emplace_back().mutable_task_finished());
    } else if (t.state == TaskState::kErred) {
      FillErred(id, *out.emplace_back().mutable_task_erred());
    }
  }
  auto ended = [&](const Job& job) {
    v1::JournalJobEnded& e = *out.emplace_back().mutable_job_ended();
    e.set_id(job.id);
    e.set_state(WireState(job.state));
    e.set_ended(job.ended);
  };
  for (const auto& [jid, job] : jobs_) {
    if (job.state != JobState::kRunning && job.holding) ended(job);
  }
  for (JobId jid : ended_jobs_) {
    auto it = jobs_.find(jid);
    if (it == jobs_.end()) continue;
    ended(it->second);
    out.emplace_back().set_job_released(jid);
  }
  for (const auto& [name, id] : published_) {
    v1::JournalPublished& p = *out.emplace_back().mutable_published();
    p.set_name(name);
    p.set_data_key(std::string(tasks_[id].key()));
  }
  return out;
}

void SchedulerState::CheckJournal() {
  if (grace_) {
    const bool all_back =
        std::all_of(grace_workers_.begin(), grace_workers_.end(),
                    [this](const std::string& name) { return worker_by_name_.contains(name); });
    if (all_back || clock_.Now() >= grace_deadline_) {
      EndRestoreGrace(all_back ? "every worker the journal knew has reconnected"
                               : "the grace period after the restart is over");
    }
  }
  if (journal_ != nullptr && !grace_ && journal_->WantsCompaction()) {
    const std::vector<v1::JournalRecord> snapshot = JournalSnapshot();
    if (absl::Status s = journal_->Rewrite(snapshot); !s.ok()) {
      spdlog::error("journal compaction failed (the journal grows on): {}", s.ToString());
    } else {
      spdlog::info("journal compacted to a snapshot of {} records", snapshot.size());
    }
  }
}

// ------------------------------------------------------------------------------------ restoring

void SchedulerState::SetJournal(JournalSink* sink) {
  journal_ = sink;
  v1::JournalRecord record;
  record.set_incarnation(incarnation_);
  journal_->Record(record);
}

WorkerId SchedulerState::RestoredWorker(const std::string& name) {
  if (name.empty()) return kNoWorker;
  auto [it, inserted] = restored_workers_.try_emplace(name, next_restored_worker_);
  if (inserted) worker_names_[next_restored_worker_--] = name;
  return it->second;
}

absl::Status SchedulerState::Restore(const JournalReplay& replay, absl::Duration grace) {
  if (!jobs_.empty() || !key_index_.empty()) {
    return absl::FailedPreconditionError("a journal is restored into an empty scheduler only");
  }
  // The restored scheduler continues its predecessor's life: workers' values computed under it
  // are taken back (with the departure records below), those of any other scheduler are not.
  if (!replay.incarnation().empty()) incarnation_ = replay.incarnation();
  restored_ = true;
  auto corrupt = [](auto&&... parts) {
    return absl::DataLossError(absl::StrCat("journal: ", std::forward<decltype(parts)>(parts)...));
  };
  absl::flat_hash_map<std::string, TaskId> ids;
  // Creates the task of `key` and, first, its dependencies (post-order, no recursion).
  auto create = [&](const std::string& root) -> absl::Status {
    if (ids.contains(root)) return absl::OkStatus();
    std::vector<std::pair<const std::string*, size_t>> stack{{&root, 0}};
    absl::flat_hash_set<std::string> on_stack{root};
    while (!stack.empty()) {
      auto& [key, next] = stack.back();
      auto rec = replay.tasks().find(*key);
      if (rec == replay.tasks().end()) return corrupt("task \"", *key, "\" is never defined");
      if (next < rec->second.deps.size()) {
        const std::string& dep = rec->second.deps[next++];
        if (ids.contains(dep)) continue;
        if (!on_stack.insert(dep).second) return corrupt("task \"", dep, "\" depends on itself");
        stack.push_back({&dep, 0});
        continue;
      }
      const JournalReplay::Task& r = rec->second;
      v1::Task spec;
      if (!spec.ParseFromString(r.spec)) return corrupt("task \"", *key, "\" has no valid spec");
      const TaskId id = NewTask(*key);
      ids.emplace(*key, id);
      ApplySpec(id, spec);
      Task& t = tasks_[id];
      t.order = next_order_++;
      t.key_spec.set_spec(r.spec);
      for (const std::string& d : r.deps) {
        t.deps.push_back(ids.at(d));
        tasks_[ids.at(d)].dependents.push_back(id);
      }
      if (!r.log.empty()) logs_[id] = r.log;
      switch (r.outcome) {
        case JournalReplay::Task::Outcome::kFinished:
          t.ran_on = RestoredWorker(r.worker);
          if (t.ran_on != kNoWorker) {
            ++finished_count_;
            // Only the worker that computed it may bring this value back (TakeHeldValue): a value
            // another worker offers under this data key may be of an older definition whose
            // release the crash kept from reaching it (data keys are reused once forgotten).
            departed_[r.worker].values[id] = t.order;
          }
          t.nbytes = r.nbytes;
          t.start = r.start;
          t.end = r.end;
          break;
        case JournalReplay::Task::Outcome::kErred:
          SetState(id, TaskState::kWaiting);
          SetState(id, TaskState::kErred);
          errors_[id] = TaskError{r.error_kind, r.error};
          break;
        case JournalReplay::Task::Outcome::kCancelled:
          SetState(id, TaskState::kWaiting);
          SetState(id, TaskState::kCancelled);
          break;
        case JournalReplay::Task::Outcome::kNone:
          break;
      }
      on_stack.erase(*key);
      stack.pop_back();
    }
    return absl::OkStatus();
  };

  size_t unfinished = 0;
  for (const auto& [jid, rj] : replay.jobs()) {
    for (const std::string& key : rj.tasks) {
      if (absl::Status s = create(key); !s.ok()) return s;
    }
    for (const std::string& key : rj.outputs) {
      if (absl::Status s = create(key); !s.ok()) return s;
    }
    Job& job = jobs_[jid];
    job.id = jid;
    job.name = rj.name;
    job.keep = true;  // no client owns it any more (see the top of this file)
    job.holding = rj.holding;
    job.submitted = rj.submitted;
    job.ended = rj.ended;
    switch (rj.state) {
      case v1::JOB_STATE_FINISHED:
        job.state = JobState::kFinished;
        break;
      case v1::JOB_STATE_ERRED:
        job.state = JobState::kErred;
        break;
      case v1::JOB_STATE_CANCELLED:
        job.state = JobState::kCancelled;
        break;
      default:
        job.state = JobState::kRunning;
        ++unfinished;
    }
    absl::flat_hash_set<TaskId> listed;
    for (const std::string& key : rj.tasks) {
      const TaskId id = ids.at(key);
      if (!listed.insert(id).second) continue;
      job.tasks.push_back(id);
      ++tasks_[id].job_refs;
      if (job.state == JobState::kRunning) ++tasks_[id].live_jobs;
    }
    for (const std::string& key : rj.outputs) {
      const TaskId id = ids.at(key);
      job.outputs.push_back(id);
      if (job.state == JobState::kRunning && tasks_[id].state != TaskState::kErred) {
        ++job.outputs_left;
      }
      if (!job.holding) continue;
      ++tasks_[id].holders;
      if (tasks_[id].output_job == 0) {
        tasks_[id].output_job = jid;
      } else {
        more_output_jobs_[id].push_back(jid);
      }
    }
  }
  next_job_ = std::max<JobId>(next_job_, replay.max_job_id() + 1);
  for (JobId jid : replay.ended_order()) {
    if (jobs_.contains(jid)) ended_jobs_.push_back(jid);
  }
  for (const auto& [name, key] : replay.published()) {
    if (absl::Status s = create(key); !s.ok()) return s;
    published_[name] = ids.at(key);
    ++tasks_[ids.at(key)].holders;
  }
  for (auto& [jid, job] : jobs_) {
    if (job.state == JobState::kRunning && job.outputs_left == 0) JobCheckDone(job);
  }
  for (const auto& [key, id] : ids) MaybeForget(id);
  RunTransitions();

  // A grace period only when there is something a reconnecting worker could bring back.
  bool awaited = unfinished > 0;
  auto lost = [this](TaskId id) { return tasks_[id].state == TaskState::kReleased; };
  for (const auto& [jid, job] : jobs_) {
    if (job.holding) awaited = awaited || std::any_of(job.outputs.begin(), job.outputs.end(), lost);
  }
  for (const auto& [name, id] : published_) awaited = awaited || lost(id);
  spdlog::info("journal: restored {} jobs ({} unfinished) and {} tasks from {} records",
               jobs_.size(), unfinished, key_index_.size(), replay.records());
  if (awaited) {
    for (TaskId id = 0; id < tasks_.size(); ++id) {
      Task& t = tasks_[id];
      if (t.free || t.state != TaskState::kReleased || t.ran_on == kNoWorker) continue;
      grace_held_.insert(id);
      ++t.holders;
    }
    grace_ = true;
    grace_deadline_ = clock_.Now() + grace;
    grace_workers_ = replay.workers();
    spdlog::info("journal: waiting up to {} for {} workers to reconnect before computing again",
                 absl::FormatDuration(grace), grace_workers_.size());
    if (grace <= absl::ZeroDuration()) EndRestoreGrace("no grace period");
  }
  MaybeValidate();
  return absl::OkStatus();
}

void SchedulerState::EndRestoreGrace(const char* why) {
  grace_ = false;
  spdlog::info("journal: {}; resuming unfinished jobs", why);
  // What is held and was not brought back is computed again; dependencies a worker brought back
  // are used as they are.
  for (const auto& [jid, job] : jobs_) {
    if (!job.holding) continue;
    for (TaskId id : job.outputs) {
      const TaskState s = tasks_[id].state;
      if (s == TaskState::kReleased || s == TaskState::kCancelled)
        Recommend(id, TaskState::kWaiting);
    }
  }
  for (const auto& [name, id] : published_) {
    if (tasks_[id].state == TaskState::kReleased) Recommend(id, TaskState::kWaiting);
  }
  RunTransitions();
  std::vector<TaskId> held(grace_held_.begin(), grace_held_.end());
  grace_held_.clear();
  for (TaskId id : held) {
    --tasks_[id].holders;
    MaybeRelease(id);
    MaybeForget(id);
  }
  RunTransitions();
  for (auto& [jid, job] : jobs_) {
    if (job.state == JobState::kRunning) {
      job.outputs_left = static_cast<uint32_t>(
          std::count_if(job.outputs.begin(), job.outputs.end(), [this](TaskId id) {
            const TaskState s = tasks_[id].state;
            return s != TaskState::kMemory && s != TaskState::kErred;
          }));
      if (job.outputs_left == 0) JobCheckDone(job);
    }
    // An ended job's watchers heard of each output a worker brought back when it came back
    // (OutputDone), and will hear of the others once computed again.
  }
  RunTransitions();
  MaybeValidate();
}

}  // namespace brisk
