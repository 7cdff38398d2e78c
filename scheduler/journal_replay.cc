#include "scheduler/journal_replay.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"

namespace brisk {

void JournalReplay::Define(const v1::JournalTask& task) {
  auto [it, inserted] = tasks_.try_emplace(task.data_key());
  Task& t = it->second;
  // The same data key with another definition: the scheduler had dropped the old task.
  if (!inserted && t.spec == task.spec()) return;
  t = Task{};
  t.spec = task.spec();
  t.deps.assign(task.deps().begin(), task.deps().end());
}

void JournalReplay::Retire(Job& job) {
  ended_order_.push_back(job.id);
  while (ended_order_.size() > job_history_) {
    jobs_.erase(ended_order_.front());
    ended_order_.pop_front();
  }
}

void JournalReplay::Apply(const v1::JournalRecord& record) {
  ++records_;
  switch (record.kind_case()) {
    case v1::JournalRecord::kJobSubmitted: {
      const v1::JournalJobSubmitted& s = record.job_submitted();
      for (const v1::JournalTask& task : s.tasks()) Define(task);
      Job& job = jobs_[s.id()];
      job = Job{};
      job.id = s.id();
      job.name = s.name();
      job.keep = s.keep();
      job.submitted = s.submitted();
      if (s.has_listed_count()) {
        const int n = std::min<int>(static_cast<int>(s.listed_count()), s.tasks_size());
        job.tasks.reserve(n);
        for (int i = 0; i < n; ++i) job.tasks.push_back(s.tasks(i).data_key());
      } else {
        job.tasks.assign(s.listed().begin(), s.listed().end());
      }
      if (s.outputs_listed()) {
        job.outputs = job.tasks;
      } else {
        job.outputs.assign(s.outputs().begin(), s.outputs().end());
      }
      auto recompute = [&](const std::string& key) {
        auto it = tasks_.find(key);
        if (it != tasks_.end()) it->second.outcome = Task::Outcome::kNone;
      };
      for (const std::string& key : s.recomputed()) recompute(key);
      if (s.listed_recomputed()) {
        for (const std::string& key : job.tasks) recompute(key);
      }
      max_job_id_ = std::max(max_job_id_, s.id());
      return;
    }
    case v1::JournalRecord::kTasks:
      for (const v1::JournalTask& task : record.tasks().tasks()) Define(task);
      return;
    case v1::JournalRecord::kTaskFinished: {
      const v1::JournalTaskFinished& f = record.task_finished();
      auto it = tasks_.find(f.data_key());
      if (it == tasks_.end()) return;
      Task& t = it->second;
      t.outcome = Task::Outcome::kFinished;
      t.nbytes = f.nbytes();
      t.worker = f.worker();
      t.start = f.start();
      t.end = f.end();
      t.log = f.log();
      t.error.clear();
      return;
    }
    case v1::JournalRecord::kTaskErred: {
      const v1::JournalTaskErred& e = record.task_erred();
      auto it = tasks_.find(e.data_key());
      if (it == tasks_.end()) return;
      Task& t = it->second;
      t.outcome = Task::Outcome::kErred;
      t.error_kind = e.kind();
      t.error = e.message();
      if (!e.log().empty()) t.log = e.log();
      return;
    }
    case v1::JournalRecord::kJobEnded: {
      auto it = jobs_.find(record.job_ended().id());
      if (it == jobs_.end() || it->second.state != v1::JOB_STATE_RUNNING) return;
      Job& job = it->second;
      job.state = record.job_ended().state();
      job.ended = record.job_ended().ended();
      if (job.state == v1::JOB_STATE_CANCELLED) {
        // Its tasks that nothing else was computing were stopped.
        absl::flat_hash_set<std::string> running;
        for (const auto& [id, other] : jobs_) {
          if (other.state == v1::JOB_STATE_RUNNING)
            running.insert(other.tasks.begin(), other.tasks.end());
        }
        for (const std::string& key : job.tasks) {
          Task& t = tasks_[key];
          if (t.outcome == Task::Outcome::kNone && !running.contains(key)) {
            t.outcome = Task::Outcome::kCancelled;
          }
        }
      }
      if (!job.holding) Retire(job);
      return;
    }
    case v1::JournalRecord::kJobReleased: {
      auto it = jobs_.find(record.job_released());
      if (it == jobs_.end() || !it->second.holding) return;
      it->second.holding = false;
      if (it->second.state != v1::JOB_STATE_RUNNING) Retire(it->second);
      return;
    }
    case v1::JournalRecord::kPublished:
      published_[record.published().name()] = record.published().data_key();
      return;
    case v1::JournalRecord::kUnpublished:
      published_.erase(record.unpublished());
      return;
    case v1::JournalRecord::kWorkerJoined:
      workers_.insert(record.worker_joined());
      return;
    case v1::JournalRecord::kWorkerLeft:
      workers_.erase(record.worker_left());
      return;
    case v1::JournalRecord::kIncarnation:
      incarnation_ = record.incarnation();
      return;
    case v1::JournalRecord::KIND_NOT_SET:
      return;
  }
}

}  // namespace brisk
