// Output: how the `brisk` command line prints what it got — text for people (arrays as NumPy
// prints them, tables as aligned columns), or plain JSON for scripts (numbers as numbers, lists as
// arrays, typed values in common/value_json.h's forms). Errors always go to standard error as text.
// States are printed by their README names (common/state_names.h).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "brisk/client.h"

namespace brisk {

struct JobReport {
  JobId job = 0;
  v1::JobState state = v1::JOB_STATE_UNSPECIFIED;  // finished, erred or cancelled
  std::vector<std::pair<std::string, ValuePtr>> results;
  std::vector<std::pair<std::string, std::string>> errors;
  size_t ntasks = 0;   // tasks submitted (0: unknown, not printed)
  double seconds = 0;  // submit to results in hand (0: not measured)
};

struct RunReport {
  JobId job = 0;
  std::string key;
  int exit_status = 0;
  std::string stdout_text;
  std::string stderr_text;
  std::string error;  // why the task failed, when it did
};

struct MapReport {
  struct Failure {
    size_t index = 0;
    std::string item;
    std::string error;
  };
  JobId job = 0;
  size_t items = 0;
  std::vector<Failure> failed;       // by index
  std::vector<std::string> outputs;  // in item order, without the failed ones
  std::string output_dir;            // set when outputs went to files
};

class Output {
 public:
  virtual void Run(const RunReport& report) = 0;
  virtual void Map(const MapReport& report) = 0;
  virtual void Log(const v1::TaskLog& log) = 0;
  virtual void JobInfo(const v1::JobInfo& job) = 0;
  virtual ~Output() = default;
  virtual void Job(const JobReport& report) = 0;
  virtual void Submitted(JobId job) = 0;
  virtual void Status(const v1::StatusReply& status) = 0;
  virtual void Tasks(const v1::JobInfo& job) = 0;
  virtual void Jobs(const v1::ListJobsReply& jobs) = 0;
  virtual void Values(const std::vector<std::pair<std::string, ValuePtr>>& values) = 0;
  // `brisk gather --npy`: the key's array went to the file at `path`.
  virtual void NpyWritten(const std::string& key, const std::string& path) = 0;
  virtual void JobState(JobId job, v1::JobState state) = 0;
  virtual void Done(const std::string& what) = 0;
  // `brisk retire`: these workers have left, their values handed over.
  virtual void Retired(const std::vector<std::string>& workers) = 0;
};

// "text" or "json"; nullptr for anything else.
std::unique_ptr<Output> MakeOutput(const std::string& format);

}  // namespace brisk
