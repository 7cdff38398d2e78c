// What every `brisk` subcommand shares: global options, connecting (or starting the embedded
// cluster), exit statuses and turning errors into messages.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "brisk/client.h"
#include "client/cli/output.h"

namespace brisk {

// Exit statuses of the `brisk` command (also listed in the README).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;    // a task or job failed or was cancelled
inline constexpr int kExitBadInput = 2;  // usage, invalid graph, unknown job or key, refused token
inline constexpr int kExitUnavailable = 3;  // no scheduler reachable

struct Globals {
  std::string scheduler;
  std::string token_file;
  std::string output = "text";
  // ConnectOptions::reconnect_timeout, for the commands that wait for a job.
  double scheduler_timeout_s = 300;
  int local_workers = 0;
  std::vector<std::string> plugins;  // loaded by the embedded cluster's workers
};

// The scheduler's address: --scheduler, else $BRISK_SCHEDULER; empty when neither is set.
std::string SchedulerAddress(const Globals& globals);

// For the commands that only make sense against a running cluster (status, jobs, wait, gather,
// shutdown, submit --no-wait, ...): when no scheduler is set, says so on standard error (and how
// to set one) and returns kExitBadInput; else returns kExitOk.
int RequireScheduler(const Globals& globals, const std::string& command);

// Prints `status` to standard error; returns the exit status it stands for.
int Fail(const absl::Status& status);

// --scheduler, else $BRISK_SCHEDULER, else an embedded local cluster (with the --plugin
// libraries). The client prints the scheduler's notices on standard error
// (`task KEY: no connected worker has op "NAME"`), and, when it loses the scheduler while
// waiting, that it reconnects.
absl::StatusOr<std::unique_ptr<Client>> Connect(const Globals& globals);

absl::StatusOr<JobId> ParseJob(const std::string& text);

// `brisk gather KEY --raw [--output-file PATH]`: the bytes or text `value` of `key`, exactly, to
// `path` (standard output when empty); an error naming the kind for any other value.
int WriteRawResult(const std::string& key, const v1::Value& value, const std::string& path);

// Writes `value` (which must be an ndarray) to `path` as a .npy file and says so; returns the exit
// status (bad input when the value is not an array).
int WriteNpyResult(const std::string& key, const v1::Value& value, const std::string& path,
                   Output& out);

// Waits for the job, fetches its outputs and prints them; returns the exit status.
// `ntasks` > 0 adds the submit-to-results timing measured from `started`.
int ReportJob(Client& client, const Job& job, Output& out, size_t ntasks,
              std::chrono::steady_clock::time_point started);

}  // namespace brisk
