// Output: how the `brisk` command line prints what it got — text for people, or plain JSON for
// scripts (numbers as numbers, lists as arrays). Errors always go to standard error as text.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "brisk/client.h"

namespace brisk {

struct JobReport {
  JobId job = 0;
  std::string state;  // finished, erred or cancelled
  std::vector<std::pair<std::string, ValuePtr>> results;
  std::vector<std::pair<std::string, std::string>> errors;
  size_t ntasks = 0;    // tasks submitted (0: unknown, not printed)
  double seconds = 0;   // submit to results in hand (0: not measured)
};

class Output {
 public:
  virtual ~Output() = default;
  virtual void Job(const JobReport& report) = 0;
  virtual void Submitted(JobId job) = 0;
  virtual void Status(const v1::StatusReply& status) = 0;
  virtual void Tasks(const v1::JobInfo& job) = 0;
  virtual void Jobs(const v1::ListJobsReply& jobs) = 0;
  virtual void Values(const std::vector<std::pair<std::string, ValuePtr>>& values) = 0;
  virtual void JobState(JobId job, const std::string& state) = 0;
  virtual void Done(const std::string& what) = 0;
};

// "text" or "json"; nullptr for anything else.
std::unique_ptr<Output> MakeOutput(const std::string& format);

}  // namespace brisk
