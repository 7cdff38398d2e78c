// SchedulerState's tasks that no connected worker can run: why each waits (its op, its named
// workers, its resources, or no worker at all), told to the watching clients once per job and
// cause, and failed after SchedulerOptions::no_worker_timeout_s when that is set.
#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/builtin_op_names.h"
#include "scheduler/close_names.h"
#include "scheduler/scheduler_state.h"
#include "spdlog/spdlog.h"

namespace brisk {

namespace {

// `"a"`, `"a" or "b"`, `"a", "b" or "c"`.
std::string Alternatives(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    absl::StrAppend(&out,
                    i == 0                  ? ""
                    : i + 1 == names.size() ? " or "
                                            : ", ",
                    "\"", names[i], "\"");
  }
  return out;
}

// ` (did you mean "x"?)` for the first name with close candidates, else "".
std::string DidYouMean(const std::vector<std::string>& names,
                       const std::vector<std::string>& candidates) {
  for (const std::string& name : names) {
    const std::vector<std::string> close = CloseNames(name, candidates);
    if (!close.empty()) return absl::StrCat(" (did you mean ", Alternatives(close), "?)");
  }
  return "";
}

}  // namespace

std::string SchedulerState::MissingOpMessage(uint32_t op) const {
  std::vector<std::string> known;
  for (absl::string_view name : BuiltinOpNames()) known.emplace_back(name);
  for (uint32_t i = 0; i < op_names_.size(); ++i) {
    if (op_workers_[i] > 0 && !op_builtin_[i]) known.push_back(op_names_[i]);
  }
  return absl::StrCat("no connected worker has op \"", op_names_[op], "\"",
                      DidYouMean({op_names_[op]}, known));
}

std::string SchedulerState::NoticeFor(const std::string& reason) const {
  return options_.no_worker_timeout_s > 0
             ? absl::StrCat(reason, "; it fails unless a worker that can run it joins within ",
                            options_.no_worker_timeout_s, " s")
             : absl::StrCat(reason, "; it waits for one");
}

SchedulerState::Unrunnable SchedulerState::WhyUnrunnable(TaskId id) const {
  const Task& t = tasks_[id];
  if (!OpAvailable(t)) return {absl::StrCat("op ", t.op), MissingOpMessage(t.op)};
  if (workers_.empty()) return {"none", "no worker is connected to the scheduler"};
  auto r = restrictions_.find(id);
  if (r != restrictions_.end() && !r->second.workers.empty()) {
    const std::vector<std::string>& names = r->second.workers;
    const bool any = std::any_of(names.begin(), names.end(), [this](const std::string& n) {
      return worker_by_name_.contains(n);
    });
    if (!any) {
      std::vector<std::string> connected;
      for (const auto& [wid, w] : workers_) connected.push_back(w.name);
      std::sort(connected.begin(), connected.end());
      return {absl::StrCat("workers ", absl::StrJoin(names, ",")),
              absl::StrCat("no connected worker is named ", Alternatives(names),
                           DidYouMean(names, connected))};
    }
  }
  const std::string needs = Requirements(id);
  return {absl::StrCat("needs ", needs),
          absl::StrCat("no connected worker can run it (", needs, ")")};
}

void SchedulerState::SendNotice(ClientId client, JobId job, const std::string& key,
                                const std::string& message) {
  v1::JobNotice* notice = ClientBatch(client).add_notices();
  notice->set_job(job);
  notice->set_key(key);
  notice->set_message(message);
}

void SchedulerState::SendUnrunnableNotices() {
  // From each task that waits for a worker, up its dependents to the outputs of the jobs that
  // need it: one walk per cause over what the tasks of that cause reach (each task visited once),
  // so many tasks of one cause cost one walk, and each job hears of each cause once.
  std::map<std::string, std::pair<std::string, std::vector<TaskId>>> by_cause;  // in a set order
  for (TaskId id : unrunnable_) {
    const Task& t = tasks_[id];
    if (t.free || t.state != TaskState::kNoWorker) continue;
    Unrunnable why = WhyUnrunnable(id);
    // With no worker at all, CheckNoWorker() tells every running job, after a grace period.
    if (why.cause == "none") continue;
    auto& entry = by_cause[why.cause];
    entry.first = NoticeFor(why.reason);
    entry.second.push_back(id);
  }
  unrunnable_.clear();
  for (const auto& entry : by_cause) {
    // Named, not bound: a lambda below refers to the cause.
    const std::string& cause = entry.first;
    const std::string& message = entry.second.first;
    const std::vector<TaskId>& sources = entry.second.second;
    absl::flat_hash_map<TaskId, TaskId> source_of;  // visited task -> the waiting task it needs
    std::vector<TaskId> todo;
    for (TaskId id : sources) {
      if (source_of.emplace(id, id).second) todo.push_back(id);
    }
    while (!todo.empty()) {
      const TaskId id = todo.back();
      todo.pop_back();
      const TaskId source = source_of.at(id);
      for (JobId jid : OutputJobs(id)) {
        Job& job = jobs_.at(jid);
        if (job.state != JobState::kRunning) continue;
        const bool told = std::any_of(job.told.begin(), job.told.end(),
                                      [&](const Job::Told& m) { return m.cause == cause; });
        if (told) continue;
        const std::string key(UserKey(tasks_[source]));
        job.told.push_back({cause, key, message, source});
        for (ClientId c : job.watchers) SendNotice(c, jid, key, message);
      }
      for (TaskId d : tasks_[id].dependents) {
        if (source_of.emplace(d, source).second) todo.push_back(d);
      }
    }
  }
}

void SchedulerState::CheckNoWorker() {
  const absl::Time now = clock_.Now();
  if (!workers_.empty()) {
    if (no_workers_since_ != absl::InfinitePast()) {
      // Workers are back: a job that loses them all again is told again.
      for (auto& [jid, job] : jobs_) {
        std::erase_if(job.told, [](const Job::Told& m) { return m.task == kNoTask; });
      }
    }
    no_workers_since_ = absl::InfinitePast();
  }
  const bool none = workers_.empty();
  if (none && now - no_workers_since_ >= absl::Seconds(options_.no_workers_notice_s)) {
    const std::string message = NoticeFor("no worker is connected to the scheduler");
    for (auto& [jid, job] : jobs_) {
      if (job.state != JobState::kRunning || job.watchers.empty()) continue;
      const bool told = std::any_of(job.told.begin(), job.told.end(),
                                    [](const Job::Told& m) { return m.task == kNoTask; });
      if (told) continue;
      job.told.push_back({"none", "", message, kNoTask});
      for (ClientId c : job.watchers) SendNotice(c, jid, "", message);
    }
  }

  if (options_.no_worker_timeout_s <= 0) return;
  const absl::Duration limit = absl::Seconds(options_.no_worker_timeout_s);
  std::vector<TaskId> expired;
  for (const auto& [id, since] : no_worker_since_) {
    if (now - since >= limit) expired.push_back(id);
  }
  if (none && now - no_workers_since_ >= limit) {
    for (const QueueKey& k : queued_) expired.push_back(k.id);
    for (const QueueKey& k : constrained_) expired.push_back(k.id);
  }
  if (expired.empty()) return;
  std::sort(expired.begin(), expired.end());  // the same decisions whatever the hash order
  for (TaskId id : expired) {
    const std::string reason = tasks_[id].state == TaskState::kNoWorker
                                   ? WhyUnrunnable(id).reason
                                   : std::string("no worker is connected to the scheduler");
    RecommendErred(id, v1::ERROR_KIND_NO_WORKER_CAN_RUN,
                   absl::StrCat("no connected worker could run it for ",
                                options_.no_worker_timeout_s, " s: ", reason));
  }
  spdlog::warn("{} tasks waited {} s for a worker that can run them: failed", expired.size(),
               options_.no_worker_timeout_s);
  RunTransitions();
}

}  // namespace brisk
