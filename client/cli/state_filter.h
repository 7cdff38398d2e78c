// The filters of `brisk jobs --state S --name PATTERN` and `brisk tasks JOB --state S`: states by
// their README names (common/state_names.h), "failed" for erred or cancelled, and names matched as
// shell patterns (fnmatch: *, ?, [...]).
#pragma once

#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "brisk/v1/scheduler.pb.h"

namespace brisk {

class StateFilter {
 public:
  // Job states from `names` (each a name or "failed"); no names keeps every job. An unknown name
  // is an error listing the known ones.
  static absl::StatusOr<StateFilter> ForJobs(const std::vector<std::string>& names);
  // The same for task states.
  static absl::StatusOr<StateFilter> ForTasks(const std::vector<std::string>& names);

  bool Keeps(v1::JobState state) const { return all_ || states_.contains(state); }
  bool Keeps(v1::TaskState state) const { return all_ || states_.contains(state); }

 private:
  bool all_ = true;
  absl::flat_hash_set<int> states_;  // enum values
};

// Whether `name` matches the shell pattern `pattern` (an empty pattern matches every name).
bool NameMatches(const std::string& pattern, const std::string& name);

// Only the jobs both filters keep.
void FilterJobs(const StateFilter& states, const std::string& name_pattern,
                v1::ListJobsReply& jobs);
// Only the tasks the filter keeps.
void FilterTasks(const StateFilter& states, v1::JobInfo& job);

}  // namespace brisk
