// ChildProcess: a daemon the benchmark started (fork/exec), its standard output and error in a
// log file, stopped by its pid (SIGTERM, then waitpid). It dies with the benchmark
// (PR_SET_PDEATHSIG), so no daemon outlives a crashed or killed run.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace brisk::bench {

class ChildProcess {
 public:
  // Starts argv[0] (a path) with `argv`, stdin from /dev/null, stdout and stderr to `log_path`.
  // Call from the main thread: the death signal follows the thread that forked.
  static absl::StatusOr<ChildProcess> Spawn(const std::vector<std::string>& argv,
                                            const std::string& log_path);

  ChildProcess() = default;  // no process
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();  // Stop(), if still running

  pid_t pid() const { return pid_; }
  // Readable (POLLIN) once the process exited: a pidfd, for poll() alongside other events.
  int exit_fd() const { return pidfd_; }
  const std::string& log_path() const { return log_path_; }

  // An error saying how it ended when it has exited (reaping it), OK while it runs.
  absl::Status CheckRunning();
  // SIGTERM, then waits for it (SIGKILL after `grace`); an error unless it exited with status 0.
  absl::Status Stop(absl::Duration grace = absl::Seconds(20));

 private:
  ChildProcess(pid_t pid, int pidfd, std::string log_path)
      : pid_(pid), pidfd_(pidfd), log_path_(std::move(log_path)) {}
  void CloseExitFd();
  pid_t pid_ = -1;  // -1: reaped, or moved from
  int pidfd_ = -1;
  std::string log_path_;
};

// How a waitpid status reads: "exit status N" or "signal N".
std::string DescribeExit(int status);

}  // namespace brisk::bench
