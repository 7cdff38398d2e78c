// JournalReplay: what a journal's records add up to, replayed in order with no scheduler behind
// them: the jobs within the history bound, the definition and outcome of every task they name,
// published names and the workers connected when the journal ended. SchedulerState::Restore
// turns it into live state (scheduler_restore.cc).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "brisk/v1/journal.pb.h"

namespace brisk {

class JournalReplay {
 public:
  struct Task {
    std::string spec;               // serialized v1::Task without its key
    std::vector<std::string> deps;  // data keys
    enum class Outcome : uint8_t { kNone, kFinished, kErred, kCancelled };
    Outcome outcome = Outcome::kNone;
    uint64_t nbytes = 0;
    std::string worker;  // where it ran
    double start = 0, end = 0;
    std::string log;
    v1::ErrorKind error_kind = v1::ERROR_KIND_UNSPECIFIED;
    std::string error;
  };
  struct Job {
    uint64_t id = 0;
    std::string name;
    bool keep = false;
    bool holding = true;
    v1::JobState state = v1::JOB_STATE_RUNNING;
    double submitted = 0, ended = 0;
    std::vector<std::string> tasks;    // data keys, dependencies first
    std::vector<std::string> outputs;  // data keys
  };

  // `job_history`: ended and released jobs kept, as SchedulerOptions::job_history.
  explicit JournalReplay(size_t job_history) : job_history_(job_history) {}

  void Apply(const v1::JournalRecord& record);

  const std::map<uint64_t, Job>& jobs() const { return jobs_; }
  // Every task definition seen (also of dropped jobs: Restore keeps only what jobs reach).
  const absl::flat_hash_map<std::string, Task>& tasks() const { return tasks_; }
  const std::map<std::string, std::string>& published() const { return published_; }
  const std::set<std::string>& workers() const { return workers_; }
  // Ended and released jobs, in the order they became both (history is trimmed in this order).
  const std::deque<uint64_t>& ended_order() const { return ended_order_; }
  uint64_t max_job_id() const { return max_job_id_; }
  // The last incarnation recorded ("" when none).
  const std::string& incarnation() const { return incarnation_; }
  uint64_t records() const { return records_; }

 private:
  void Define(const v1::JournalTask& task);
  void Retire(Job& job);  // ended and released: counts against the history bound

  const size_t job_history_;
  std::map<uint64_t, Job> jobs_;
  absl::flat_hash_map<std::string, Task> tasks_;
  std::map<std::string, std::string> published_;
  std::set<std::string> workers_;
  std::deque<uint64_t> ended_order_;
  uint64_t max_job_id_ = 0;
  std::string incarnation_;
  uint64_t records_ = 0;
};

}  // namespace brisk
