#include "bench/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace brisk::bench {
namespace {

// The child's side of the fork: only async-signal-safe calls until exec.
[[noreturn]] void ExecChild(pid_t parent, int log_fd, int null_fd, char* const* argv) {
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != parent) _exit(127);  // the benchmark died before prctl
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  if (dup2(null_fd, 0) < 0 || dup2(log_fd, 1) < 0 || dup2(log_fd, 2) < 0) _exit(127);
  execv(argv[0], argv);
  static const char kMessage[] = "cluster_bench: exec failed\n";
  (void)!write(2, kMessage, sizeof kMessage - 1);
  _exit(127);
}

}  // namespace

std::string DescribeExit(int status) {
  if (WIFEXITED(status)) return absl::StrCat("exit status ", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return absl::StrCat("signal ", WTERMSIG(status));
  return absl::StrCat("wait status ", status);
}

absl::StatusOr<ChildProcess> ChildProcess::Spawn(const std::vector<std::string>& argv,
                                                 const std::string& log_path) {
  if (argv.empty()) return absl::InvalidArgumentError("no command");
  if (access(argv[0].c_str(), X_OK) != 0) {
    return absl::NotFoundError(absl::StrCat(argv[0], ": ", std::strerror(errno)));
  }
  const int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot write ", log_path, ": ", std::strerror(errno)));
  }
  const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0) {
    close(log_fd);
    return absl::UnavailableError(absl::StrCat("/dev/null: ", std::strerror(errno)));
  }
  std::vector<char*> cargv;
  for (const std::string& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) ExecChild(parent, log_fd, null_fd, cargv.data());
  const int fork_errno = errno;
  close(log_fd);
  close(null_fd);
  if (pid < 0) return absl::UnavailableError(absl::StrCat("fork: ", std::strerror(fork_errno)));
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) {
    const int pidfd_errno = errno;
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    return absl::UnavailableError(absl::StrCat("pidfd_open: ", std::strerror(pidfd_errno)));
  }
  return ChildProcess(pid, pidfd, log_path);
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      pidfd_(std::exchange(other.pidfd_, -1)),
      log_path_(std::move(other.log_path_)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    if (pid_ > 0) (void)Stop();
    CloseExitFd();
    pid_ = std::exchange(other.pid_, -1);
    pidfd_ = std::exchange(other.pidfd_, -1);
    log_path_ = std::move(other.log_path_);
  }
  return *this;
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0) (void)Stop();
  CloseExitFd();
}

void ChildProcess::CloseExitFd() {
  if (pidfd_ >= 0) close(std::exchange(pidfd_, -1));
}

absl::Status ChildProcess::CheckRunning() {
  if (pid_ <= 0) return absl::FailedPreconditionError(absl::StrCat(log_path_, ": not running"));
  int status = 0;
  const pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == 0) return absl::OkStatus();
  pid_ = -1;
  if (r < 0) return absl::InternalError(absl::StrCat("waitpid: ", std::strerror(errno)));
  return absl::UnavailableError(
      absl::StrCat("exited (", DescribeExit(status), "), see ", log_path_));
}

absl::Status ChildProcess::Stop(absl::Duration grace) {
  if (pid_ <= 0) return absl::OkStatus();
  const pid_t pid = std::exchange(pid_, -1);
  kill(pid, SIGTERM);
  pollfd exited{pidfd_, POLLIN, 0};
  const int ready = poll(&exited, 1, static_cast<int>(absl::ToInt64Milliseconds(grace)));
  const bool killed = ready == 0;
  if (killed) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return absl::InternalError(absl::StrCat("waitpid: ", std::strerror(errno)));
  }
  if (killed) {
    return absl::DeadlineExceededError(absl::StrCat("pid ", pid, " ignored SIGTERM for ",
                                                    absl::FormatDuration(grace), "; killed. See ",
                                                    log_path_));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError(
        absl::StrCat("pid ", pid, " ended with ", DescribeExit(status), ", see ", log_path_));
  }
  return absl::OkStatus();
}

}  // namespace brisk::bench
