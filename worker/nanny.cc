#include "worker/nanny.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "spdlog/spdlog.h"

namespace brisk {
namespace {

bool Readable(const std::string& path) { return access(path.c_str(), R_OK) == 0; }

// The signals the nanny takes through its signalfd.
sigset_t NannySignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

// Reads what is there of the child's registration lines; keeps the last complete one.
void DrainRegistrations(int fd, std::string& partial, ChildRegistration& last) {
  char buf[4096];
  while (true) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;  // EAGAIN, or the child's end closed
    partial.append(buf, static_cast<size_t>(n));
  }
  size_t end;
  while ((end = partial.find('\n')) != std::string::npos) {
    if (auto reg = ParseRegistration(absl::string_view(partial).substr(0, end))) last = *reg;
    partial.erase(0, end + 1);
  }
}

}  // namespace

std::string SignalName(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  if (abbrev == nullptr) return absl::StrCat("signal ", sig);
  return absl::StrCat("SIG", abbrev);
}

std::string ChildExit::Text() const {
  if (signal == 0) return absl::StrCat("exited with status ", exit_code);
  std::string text = absl::StrCat("killed by ", SignalName(signal));
  if (signal == SIGKILL) {
    absl::StrAppend(&text, oom ? ": out of memory" : ", not known to be out of memory");
  }
  if (core_dumped) absl::StrAppend(&text, " (core dumped)");
  return text;
}

ChildExit ExitFromStatus(pid_t pid, int wait_status) {
  ChildExit exit;
  exit.pid = pid;
  if (WIFSIGNALED(wait_status)) {
    exit.signal = WTERMSIG(wait_status);
    exit.core_dumped = WCOREDUMP(wait_status);
  } else if (WIFEXITED(wait_status)) {
    exit.exit_code = WEXITSTATUS(wait_status);
  }
  return exit;
}

std::optional<uint64_t> ReadOomKills(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<absl::string_view> fields = absl::StrSplit(line, ' ', absl::SkipEmpty());
    uint64_t n = 0;
    if (fields.size() == 2 && fields[0] == "oom_kill" && absl::SimpleAtoi(fields[1], &n)) return n;
  }
  return std::nullopt;
}

std::string FindOomCounter(const std::string& proc_cgroup, const std::string& root) {
  // Candidates: the path, then its trailing components, then the root, under `dir`.
  auto find = [](const std::string& dir, absl::string_view path, const char* file) {
    std::vector<absl::string_view> parts = absl::StrSplit(path, '/', absl::SkipEmpty());
    for (size_t skip = 0; skip <= parts.size(); ++skip) {
      std::string candidate = dir;
      for (size_t i = skip; i < parts.size(); ++i) absl::StrAppend(&candidate, "/", parts[i]);
      absl::StrAppend(&candidate, "/", file);
      if (Readable(candidate)) return candidate;
    }
    return std::string();
  };
  std::string v2_path;
  bool v2 = false;
  for (absl::string_view line : absl::StrSplit(proc_cgroup, '\n', absl::SkipEmpty())) {
    // hierarchy-id:controllers:path
    std::vector<absl::string_view> f = absl::StrSplit(line, absl::MaxSplits(':', 2));
    if (f.size() != 3) continue;
    if (f[0] == "0" && f[1].empty()) {
      v2 = true;
      v2_path = std::string(f[2]);
      continue;
    }
    for (absl::string_view controller : absl::StrSplit(f[1], ',')) {
      if (controller != "memory") continue;
      std::string found = find(root + "/memory", f[2], "memory.oom_control");
      if (!found.empty()) return found;
    }
  }
  if (!v2) return "";
  std::string found = find(root, v2_path, "memory.events");
  if (found.empty()) found = find(root + "/unified", v2_path, "memory.events");
  return found;
}

void WriteRegistration(int fd, const ChildRegistration& r) {
  if (fd < 0) return;
  const std::string line = absl::StrCat(r.worker_id, "\t", r.incarnation, "\t", r.name, "\n");
  // Shorter than PIPE_BUF: one write, never interleaved. A full pipe loses it (non-blocking).
  [[maybe_unused]] ssize_t n = write(fd, line.data(), line.size());
}

std::optional<ChildRegistration> ParseRegistration(absl::string_view line) {
  std::vector<absl::string_view> f = absl::StrSplit(line, absl::MaxSplits('\t', 2));
  ChildRegistration r;
  if (f.size() != 3 || !absl::SimpleAtoi(f[0], &r.worker_id)) return std::nullopt;
  r.incarnation = std::string(f[1]);
  r.name = std::string(f[2]);
  return r;
}

ChildExit RunForked(const std::function<int()>& fn, absl::Duration timeout) {
  const pid_t pid = fork();
  if (pid < 0) {
    ChildExit failed;
    failed.exit_code = 127;
    return failed;
  }
  if (pid == 0) {
    // A bound on its life that holds whatever it blocks in: SIGALRM's default action ends it.
    alarm(static_cast<unsigned>(std::max(1.0, std::ceil(absl::ToDoubleSeconds(timeout)))));
    _exit(fn());
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return ExitFromStatus(pid, status);
}

NannyRun RunNanny(const NannyOptions& options, const ExitReporter& report) {
  const sigset_t signals = NannySignals();
  sigset_t caller_mask;
  sigprocmask(SIG_BLOCK, &signals, &caller_mask);
  const int sfd = signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK);
  const pid_t nanny = getpid();
  auto finish = [&](int status) {
    close(sfd);
    // Drain what is pending before the caller's mask returns (a SIGCHLD would be delivered).
    sigprocmask(SIG_SETMASK, &caller_mask, nullptr);
    NannyRun run;
    run.exit_status = status;
    return run;
  };
  if (sfd < 0) {
    spdlog::error("{} nanny: signalfd: {}", options.label, strerror(errno));
    return finish(1);
  }

  std::string name;  // what the children registered as
  int restarts = 0;
  absl::Duration backoff = options.backoff;
  bool stopping = false;
  while (true) {
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) != 0) {
      spdlog::error("{} nanny: pipe: {}", options.label, strerror(errno));
      return finish(1);
    }
    const std::optional<uint64_t> ooms_before =
        options.oom_counter.empty() ? std::nullopt : ReadOomKills(options.oom_counter);
    const absl::Time started = absl::Now();
    const pid_t pid = fork();
    if (pid < 0) {
      spdlog::error("{} nanny: fork: {}", options.label, strerror(errno));
      return finish(1);
    }
    if (pid == 0) {
      // The child: dies with the nanny, and runs the worker with the caller's signal mask.
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != nanny) _exit(1);  // the nanny died before prctl took effect
      close(sfd);
      close(pipe_fds[0]);
      sigprocmask(SIG_SETMASK, &caller_mask, nullptr);
      NannyRun run;
      run.child = true;
      run.registration_fd = pipe_fds[1];
      run.name = name;
      run.restarts = restarts;
      return run;
    }
    close(pipe_fds[1]);
    spdlog::info("{} nanny (pid {}): started the worker, pid {}{}", options.label, nanny, pid,
                 restarts == 0 ? "" : absl::StrCat(" (restart ", restarts, ")"));

    // Wait for it, forwarding SIGTERM and SIGINT, and reading its registrations.
    std::string partial;
    ChildRegistration last;
    std::optional<ChildExit> ended;
    bool pipe_open = true;
    while (!ended) {
      // A closed pipe (the child died, or closed it) is not polled again: it would always be
      // ready.
      pollfd fds[2] = {{sfd, POLLIN, 0}, {pipe_open ? pipe_fds[0] : -1, POLLIN, 0}};
      if (poll(fds, 2, -1) < 0 && errno != EINTR) break;
      if (fds[1].revents != 0) DrainRegistrations(pipe_fds[0], partial, last);
      if (fds[1].revents & (POLLHUP | POLLERR | POLLNVAL)) pipe_open = false;
      signalfd_siginfo info;
      while (read(sfd, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
        if (info.ssi_signo == SIGCHLD) continue;
        stopping = true;
        if (info.ssi_code == SI_KERNEL) {
          // From the terminal (Ctrl-C): it reached the whole process group, the worker too.
          spdlog::info("{} nanny: {} from the terminal: the worker has it too", options.label,
                       SignalName(static_cast<int>(info.ssi_signo)));
        } else {
          spdlog::info("{} nanny: {}: passed on to the worker", options.label,
                       SignalName(static_cast<int>(info.ssi_signo)));
          kill(pid, static_cast<int>(info.ssi_signo));
        }
      }
      int status = 0;
      if (waitpid(pid, &status, WNOHANG) == pid) ended = ExitFromStatus(pid, status);
    }
    DrainRegistrations(pipe_fds[0], partial, last);
    close(pipe_fds[0]);
    if (!ended) {
      spdlog::error("{} nanny: poll: {}", options.label, strerror(errno));
      kill(pid, SIGKILL);
      return finish(1);
    }
    if (!last.name.empty()) name = last.name;
    if (last.name.empty()) last.name = name;  // it did not register: the name it would have
    if (ended->signal == SIGKILL && ooms_before) {
      const std::optional<uint64_t> ooms_after = ReadOomKills(options.oom_counter);
      ended->oom = ooms_after && *ooms_after > *ooms_before;
    }
    if (!ended->abnormal()) {
      spdlog::info("{} nanny: the worker (pid {}) exited 0", options.label, pid);
      return finish(0);
    }
    spdlog::warn("{} nanny: the worker {}(pid {}) {}", options.label,
                 name.empty() ? "" : absl::StrCat(name, " "), pid, ended->Text());
    report(*ended, last);
    if (stopping) return finish(ended->ShellStatus());
    if (absl::Now() - started >= options.stable_after) {
      restarts = 0;
      backoff = options.backoff;
    }
    if (restarts >= options.max_restarts) {
      spdlog::error("{} nanny: the worker was restarted {} times (--nanny-restarts): exiting",
                    options.label, restarts);
      return finish(ended->ShellStatus());
    }
    // Back off, hearing a stop meanwhile.
    spdlog::info("{} nanny: restarting the worker in {}", options.label,
                 absl::FormatDuration(backoff));
    const absl::Time until = absl::Now() + backoff;
    while (!stopping) {
      const absl::Duration left = until - absl::Now();
      if (left <= absl::ZeroDuration()) break;
      pollfd fds = {sfd, POLLIN, 0};
      poll(&fds, 1, static_cast<int>(std::ceil(absl::ToDoubleMilliseconds(left))));
      signalfd_siginfo info;
      while (read(sfd, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
        if (info.ssi_signo != SIGCHLD) stopping = true;
      }
    }
    if (stopping) {
      spdlog::info("{} nanny: stopped while waiting to restart the worker", options.label);
      return finish(0);
    }
    ++restarts;
    backoff = std::min(2 * backoff, options.max_backoff);
  }
}

}  // namespace brisk
