// Nanny: the supervising parent of `brisk-worker --nanny` (as Dask's nanny). It forks the worker
// as its child, waits for it, says how it ended when that was abnormal (a signal, an exit status,
// the kernel's OOM killer) and starts it again, backing off, up to a limit.
//
// The nanny process stays single-threaded and never starts gRPC (fork and threads do not mix):
// the child runs the worker; the report to the scheduler is made by the caller's hook (which
// forks a short-lived process for it, see worker_main.cc). The child learns its registration
// (worker id, scheduler incarnation, name) and writes it to a pipe (WriteRegistration), so that
// a report can name the worker the scheduler knew.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace brisk {

// "SIGKILL", "SIGSEGV"...; "signal N" for one without a name.
std::string SignalName(int sig);

// How a child process ended, from its waitpid() status.
struct ChildExit {
  pid_t pid = 0;
  int signal = 0;  // 0: it exited
  int exit_code = 0;
  bool core_dumped = false;
  bool oom = false;  // its cgroup's oom_kill counter rose meanwhile
  bool abnormal() const { return signal != 0 || exit_code != 0; }
  // The status a shell would give: the exit code, or 128 + the signal.
  int ShellStatus() const { return signal != 0 ? 128 + signal : exit_code; }
  // "killed by SIGKILL: out of memory", "killed by SIGKILL, not known to be out of memory",
  // "killed by SIGSEGV (core dumped)", "exited with status 3".
  std::string Text() const;
};
ChildExit ExitFromStatus(pid_t pid, int wait_status);

// The "oom_kill N" counter in a cgroup v2 memory.events or cgroup v1 memory.oom_control file;
// nullopt when it cannot be read.
std::optional<uint64_t> ReadOomKills(const std::string& path);
// The file that counts OOM kills in the cgroup of the process whose /proc/PID/cgroup text is
// `proc_cgroup`, under `root` (/sys/fs/cgroup): the v1 memory controller's memory.oom_control,
// else the v2 memory.events (also under root/unified); where the path is not found (a container
// that sees only its own part of the tree), its trailing components are tried, then the root.
// Empty when none can be read.
std::string FindOomCounter(const std::string& proc_cgroup, const std::string& root);

// The registration the child last reported.
struct ChildRegistration {
  uint64_t worker_id = 0;  // 0: it never registered
  std::string incarnation;
  std::string name;
};
// In the child: the worker registered (WorkerRegistered) under `name`. One line, one write.
void WriteRegistration(int fd, const ChildRegistration& registration);
// One line written by WriteRegistration, back; nullopt when malformed.
std::optional<ChildRegistration> ParseRegistration(absl::string_view line);

struct NannyOptions {
  // Restarts after abnormal ends, at most; then the nanny exits with the child's status.
  int max_restarts = 5;
  // Wait before the first restart, doubling up to max_backoff.
  absl::Duration backoff = absl::Milliseconds(500);
  absl::Duration max_backoff = absl::Seconds(30);
  // A child that ran at least this long resets the restart count and the back-off.
  absl::Duration stable_after = absl::Minutes(10);
  // The OOM kill counter to read around each child's life (FindOomCounter); empty: none.
  std::string oom_counter;
  // The name to print in the nanny's log lines.
  std::string label = "brisk-worker";
};

// Called in the nanny (the parent) after a child ended abnormally, before any restart: `last` is
// what the child last registered as. Must return (it runs in the single-threaded nanny).
using ExitReporter = std::function<void(const ChildExit& exit, const ChildRegistration& last)>;

// What RunNanny returned, in the child or in the nanny.
struct NannyRun {
  bool child = false;
  // In the child: the pipe to WriteRegistration to (close-on-exec), the name the earlier
  // children registered under (empty for the first), and how many children started before it.
  int registration_fd = -1;
  std::string name;
  int restarts = 0;
  // In the nanny: the status to exit with.
  int exit_status = 0;
};

// Runs the supervision loop. Returns in each child (run the worker there, with the signal mask
// the caller had) and, in the nanny, once done: a child exited 0; the nanny was told to stop by
// SIGTERM or SIGINT (forwarded to the child, unless the terminal sent it, which reached the child
// too; a stop with no child running exits 0); or a child ended abnormally with no restart left.
// The child gets SIGKILL if the nanny dies (PR_SET_PDEATHSIG), and stays in the nanny's process
// group. The caller's thread must be the process's only one.
NannyRun RunNanny(const NannyOptions& options, const ExitReporter& report);

// Runs `fn` in a forked child that exits with its result, and waits for it for up to `timeout`
// (then kills it). For work the nanny must not do itself (gRPC). Returns the child's exit.
ChildExit RunForked(const std::function<int()>& fn, absl::Duration timeout);

}  // namespace brisk
