// SchedulerState's record of workers that died, and their exit reports.
//
// A worker's death is noticed when its stream ends (RemoveWorker): each task it was running
// counts a crash, with the cause as known then ("connection lost"), and one line is logged for
// the worker (LogDeath), however many tasks it ran. Its supervising parent (`brisk-worker
// --nanny`) then says how the process ended (OnWorkerExit: a signal, an exit status, the OOM
// killer). The report usually arrives after the stream's end, so each death is kept in deaths_
// for kDeathMemory: the report replaces the cause of that worker's entry in the crashes of every
// task that was running on it (TaskInfo/TaskLog.crash_causes, shown by `brisk logs` and `brisk
// tasks`). A report that arrives first removes the worker at once, with that cause.
//
// A task whose last allowed crash was that death has already failed: its error (sent to its
// job's clients, copied into its dependents' errors, journaled) keeps the cause known then; only
// its crash causes are brought up to date. Crash counts and causes are not journaled.
#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "scheduler/scheduler_state.h"
#include "spdlog/spdlog.h"

namespace brisk {
namespace {

// "a, b, c and 7 more": the first few of `keys`.
std::string FirstFew(const std::vector<std::string>& keys) {
  constexpr size_t kShown = 5;
  const size_t shown = std::min(keys.size(), kShown);
  std::string out = absl::StrJoin(keys.begin(), keys.begin() + static_cast<ptrdiff_t>(shown), ", ");
  if (keys.size() > shown) absl::StrAppend(&out, " and ", keys.size() - shown, " more");
  return out;
}

}  // namespace

void SchedulerState::LogDeath(const Worker& w, absl::string_view cause,
                              const std::vector<std::string>& again,
                              const std::vector<std::string>& failed) const {
  std::string what;
  if (!again.empty()) absl::StrAppend(&what, again.size(), " run again (", FirstFew(again), ")");
  if (!failed.empty()) {
    absl::StrAppend(&what, what.empty() ? "" : "; ", failed.size(),
                    " failed, having crashed --allowed-failures times (", FirstFew(failed), ")");
  }
  spdlog::log(failed.empty() ? spdlog::level::warn : spdlog::level::err,
              "worker {} died ({}{}{}) while running {} task{}: {}", w.name, std::string(cause),
              w.retiring.empty() ? "" : " while retiring: ", w.retiring,
              again.size() + failed.size(), again.size() + failed.size() == 1 ? "" : "s", what);
}

v1::WorkerExitReply SchedulerState::OnWorkerExit(const v1::WorkerExitReport& report) {
  v1::WorkerExitReply reply;
  const std::string cause = report.text().empty() ? "its process ended" : report.text();
  // A worker id names a worker only within one incarnation of this scheduler, and together with
  // its name (ids start again at 1 when a scheduler restarts from a journal).
  const bool ours = report.worker_id() != 0 && report.worker_id() < kNoWorker &&
                    report.incarnation() == incarnation_;
  const WorkerId wid = ours ? static_cast<WorkerId>(report.worker_id()) : kNoWorker;
  if (auto it = workers_.find(wid); it != workers_.end() && it->second.name == report.name()) {
    // Before its stream's end was noticed: it is gone, with that cause.
    spdlog::warn("worker {} (pid {}): {}", report.name(), report.pid(), cause);
    RemoveWorker(wid, cause);
    if (auto d = deaths_.find(wid); d != deaths_.end()) d->second.reported = true;
    reply.set_attached(true);
    return reply;
  }
  auto d = deaths_.find(wid);
  if (d == deaths_.end() || d->second.name != report.name() || d->second.reported) {
    spdlog::warn("worker {} (pid {}): {} (not a worker this scheduler knows of{})", report.name(),
                 report.pid(), cause, report.worker_id() == 0 ? ": it had not registered" : " now");
    return reply;
  }
  Death& death = d->second;
  death.reported = true;
  const std::string known = std::exchange(death.cause, cause);
  size_t updated = 0;
  for (const auto& [id, order] : death.tasks) {
    if (id >= tasks_.size() || tasks_[id].free || tasks_[id].order != order) continue;
    auto c = crashes_.find(id);
    if (c == crashes_.end()) continue;  // run again since, as a new task, or forgotten
    for (Crash& crash : c->second.causes) {
      if (crash.worker != wid) continue;
      crash.cause = CrashCause(death.name, cause, death.retiring);
      ++updated;
    }
  }
  spdlog::warn("worker {} (pid {}) had died ({}): {}{}", report.name(), report.pid(), known, cause,
               updated == 0 ? ""
                            : absl::StrCat("; the cause of ", updated,
                                           updated == 1 ? " task's crash" : " tasks' crashes"));
  reply.set_attached(true);
  return reply;
}

void SchedulerState::CheckDeaths() {
  const absl::Time now = clock_.Now();
  for (auto it = deaths_.begin(); it != deaths_.end();) {
    auto next = std::next(it);
    if (now - it->second.at > kDeathMemory) deaths_.erase(it);
    it = next;
  }
  while (deaths_.size() > kMaxDeaths) deaths_.erase(deaths_.begin());  // ids grow: oldest first
}

}  // namespace brisk
