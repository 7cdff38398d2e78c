// SchedulerState::Snapshot: the state the HTTP endpoint shows (/metrics and the dashboard),
// copied on the event loop's thread. Its cost grows with workers, ops and job records, never with
// tasks: task counts by state are kept as the tasks move.
#include "scheduler/scheduler_state.h"

namespace brisk {

DashboardSnapshot SchedulerState::Snapshot() const {
  DashboardSnapshot snapshot;
  snapshot.status = Status();
  // Ops that ran or failed at least once: workers announce every op they have, and a series per
  // op never used would only bloat each scrape. Counters never go back to 0, so a series, once
  // there, stays.
  for (size_t i = 0; i < op_names_.size(); ++i) {
    if (op_metrics_[i].finished + op_metrics_[i].failed == 0) continue;
    snapshot.ops.emplace_back(op_names_[i], op_metrics_[i]);
  }
  uint64_t jobs[v1::JobState_ARRAYSIZE] = {};
  for (const auto& [jid, job] : jobs_) ++jobs[WireState(job.state)];
  for (const v1::JobState state : {v1::JOB_STATE_RUNNING, v1::JOB_STATE_FINISHED,
                                   v1::JOB_STATE_ERRED, v1::JOB_STATE_CANCELLED}) {
    snapshot.jobs.emplace_back(state, jobs[state]);
  }
  snapshot.taken_at = UnixSeconds(clock_.Now());
  return snapshot;
}

}  // namespace brisk
