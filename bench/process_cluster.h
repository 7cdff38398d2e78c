// ProcessCluster: a real local cluster for the benchmark — one brisk-scheduler and N brisk-worker
// processes (w0, w1, ...) on loopback ports the OS chooses, and a brisk::Client connected to it.
//
// Readiness is waited for, never slept for: the scheduler's address file is watched with inotify
// (alongside the scheduler's pidfd, so a crash shows at once), the client asks Status(), then a
// probe task restricted to each worker by name runs (a restricted task waits in `no-worker` until
// its worker joins), and a last Status() must list every worker. startup_seconds() is the time
// from spawning the scheduler to that point: workers registered and the cluster taking work.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bench/child_process.h"
#include "brisk/client.h"

namespace brisk::bench {

struct ProcessClusterOptions {
  std::string bin_dir;  // holds brisk-scheduler and brisk-worker
  std::string dir;      // address file and daemon logs go here (created if missing)
  int workers = 2;
  int threads_per_worker = 1;
  // The scheduler keeps a journal in `dir` (brisk-scheduler --journal), to measure its cost.
  bool journal = false;
  absl::Duration ready_timeout = absl::Seconds(60);
};

class ProcessCluster {
 public:
  static absl::StatusOr<std::unique_ptr<ProcessCluster>> Start(
      const ProcessClusterOptions& options);
  ~ProcessCluster();  // Stop()

  Client& client() { return *client_; }
  pid_t scheduler_pid() const { return scheduler_.pid(); }
  const std::string& dir() const { return options_.dir; }
  double startup_seconds() const { return startup_seconds_; }
  // Names of the workers, "w0", "w1", ...
  std::vector<std::string> worker_names() const;

  // An error naming the first daemon that has exited.
  absl::Status CheckAlive();
  // Disconnects the client, then stops the workers and the scheduler (SIGTERM, waitpid); the first
  // error of any of them.
  absl::Status Stop();

 private:
  explicit ProcessCluster(ProcessClusterOptions options) : options_(std::move(options)) {}
  absl::Status Boot();
  absl::StatusOr<std::string> AwaitAddressFile(const std::string& path, absl::Time deadline);

  ProcessClusterOptions options_;
  ChildProcess scheduler_;
  std::vector<ChildProcess> workers_;
  std::unique_ptr<Client> client_;
  double startup_seconds_ = 0;
  bool stopped_ = false;
};

// The directory of the running executable (where the daemons of the same build are).
std::string ExecutableDir();
// A new directory under $TMPDIR (or /tmp) for one benchmark's daemons.
absl::StatusOr<std::string> MakeWorkDir();

}  // namespace brisk::bench
