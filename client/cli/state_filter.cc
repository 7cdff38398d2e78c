#include "client/cli/state_filter.h"

#include <fnmatch.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/state_names.h"

namespace brisk {
namespace {

// Every named value of the enum (UNSPECIFIED excluded), with its README name.
template <typename State>
std::vector<std::pair<std::string, int>> Names(const google::protobuf::EnumDescriptor* type) {
  std::vector<std::pair<std::string, int>> names;
  for (int i = 0; i < type->value_count(); ++i) {
    const int number = type->value(i)->number();
    if (number == 0) continue;
    names.emplace_back(StateName(static_cast<State>(number)), number);
  }
  return names;
}

template <typename State>
absl::StatusOr<absl::flat_hash_set<int>> Parse(const std::vector<std::string>& wanted,
                                               const google::protobuf::EnumDescriptor* type,
                                               State erred, State cancelled, const char* what) {
  const auto names = Names<State>(type);
  absl::flat_hash_set<int> states;
  for (const std::string& w : wanted) {
    if (w == "failed") {
      states.insert(erred);
      states.insert(cancelled);
      continue;
    }
    bool known = false;
    for (const auto& [name, number] : names) {
      if (name == w) {
        states.insert(number);
        known = true;
      }
    }
    if (!known) {
      std::vector<std::string> all;
      for (const auto& entry : names) all.push_back(entry.first);
      all.push_back("failed");
      return absl::InvalidArgumentError(absl::StrCat("--state: \"", w, "\" is not a ", what,
                                                     " state (", absl::StrJoin(all, ", "), ")"));
    }
  }
  return states;
}

}  // namespace

absl::StatusOr<StateFilter> StateFilter::ForJobs(const std::vector<std::string>& names) {
  auto states =
      Parse(names, v1::JobState_descriptor(), v1::JOB_STATE_ERRED, v1::JOB_STATE_CANCELLED, "job");
  if (!states.ok()) return states.status();
  StateFilter filter;
  filter.all_ = names.empty();
  filter.states_ = std::move(*states);
  return filter;
}

absl::StatusOr<StateFilter> StateFilter::ForTasks(const std::vector<std::string>& names) {
  auto states = Parse(names, v1::TaskState_descriptor(), v1::TASK_STATE_ERRED,
                      v1::TASK_STATE_CANCELLED, "task");
  if (!states.ok()) return states.status();
  StateFilter filter;
  filter.all_ = names.empty();
  filter.states_ = std::move(*states);
  return filter;
}

bool NameMatches(const std::string& pattern, const std::string& name) {
  return pattern.empty() || fnmatch(pattern.c_str(), name.c_str(), 0) == 0;
}

void FilterJobs(const StateFilter& states, const std::string& name_pattern,
                v1::ListJobsReply& jobs) {
  auto* list = jobs.mutable_jobs();
  list->erase(std::remove_if(list->begin(), list->end(),
                             [&](const v1::JobInfo& j) {
                               return !states.Keeps(j.state()) ||
                                      !NameMatches(name_pattern, j.name());
                             }),
              list->end());
}

void FilterTasks(const StateFilter& states, v1::JobInfo& job) {
  auto* list = job.mutable_tasks();
  list->erase(std::remove_if(list->begin(), list->end(),
                             [&](const v1::TaskInfo& t) { return !states.Keeps(t.state()); }),
              list->end());
}

}  // namespace brisk
