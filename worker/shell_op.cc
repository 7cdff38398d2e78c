#include "worker/shell_op.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "common/value_json.h"
#include "common/value_text.h"
#include "worker/pipe_holders.h"

extern char** environ;

namespace brisk {
namespace {

constexpr size_t kLogBytes = 64 << 10;    // stderr kept for `brisk logs`
constexpr size_t kErrorTailBytes = 2000;  // stderr quoted in the task's error

// A private directory for one task's input files, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "brisk-task-XXXXXX").string();
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The bytes a value stands for on a command line or in a file.
absl::StatusOr<std::string> ValueBytes(const v1::Value& value, const std::string& what) {
  switch (value.kind_case()) {
    case v1::Value::kStr:
      return value.str();
    case v1::Value::kBytes:
      return value.bytes();
    case v1::Value::kInt:
    case v1::Value::kFloat:
    case v1::Value::kBool:
      return ValueText(value);
    case v1::Value::kList:
    case v1::Value::kMap:
    case v1::Value::kNdarray:
    case v1::Value::kTable:
      return JsonText(ValueToJson(value));
    case v1::Value::KIND_NOT_SET:
      return absl::InvalidArgumentError(absl::StrCat("shell: ", what, " is null"));
  }
  return std::string();
}

absl::StatusOr<std::string> WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  if (!out.flush()) return absl::InternalError(absl::StrCat("shell: cannot write ", path));
  return path;
}

std::string Tail(const std::string& text, size_t n) {
  return text.size() <= n ? text : absl::StrCat("...", text.substr(text.size() - n));
}

// Runs argv in its own process group; collects stdout and the tail of stderr; kills the whole
// group when the task is stopped, and once the command has exited the group and every process
// still holding its output pipes (so nothing is left behind, even what left the group).
struct Run {
  std::string out;
  std::string err;
  int status = 0;
  bool stopped = false;
};

absl::StatusOr<Run> Spawn(OpContext& ctx, const std::vector<std::string>& argv,
                          const std::vector<std::string>& env, const std::string& cwd,
                          const std::string& stdin_path) {
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) return absl::InternalError("shell: pipe failed");
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    close(out_pipe[0]);
    close(out_pipe[1]);
    return absl::InternalError("shell: pipe failed");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(
      &actions, 0, stdin_path.empty() ? "/dev/null" : stdin_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);  // the worker blocks signals; the command must not
  posix_spawnattr_setsigdefault(&attr, &all);

  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<char*> envp;
  for (char** e = environ; *e != nullptr; ++e) envp.push_back(*e);
  for (const std::string& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  pid_t pid;
  const int rc = posix_spawnp(&pid, argv[0].c_str(), &actions, &attr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (rc != 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    return absl::NotFoundError(
        absl::StrCat("shell: cannot run \"", argv[0], "\": ", std::strerror(rc)));
  }

  Run run;
  // The command's exit wakes the loop at once through a pidfd (Linux 5.3); without one, the
  // loop looks every 20 ms. Stop requests are looked at every 20 ms.
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  pollfd fds[3] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}, {pidfd, POLLIN, 0}};
  const std::vector<ino_t> pipes = {PipeInode(out_pipe[0]), PipeInode(err_pipe[0])};
  int open_fds = 2;
  char buf[1 << 16];
  // Reads what one pipe has; closes it at its end.
  auto read_pipe = [&](int i) {
    const ssize_t n = read(fds[i].fd, buf, sizeof(buf));
    if (n > 0) {
      std::string& sink = i == 0 ? run.out : run.err;
      sink.append(buf, static_cast<size_t>(n));
      if (i == 1 && run.err.size() > 2 * kLogBytes) run.err.erase(0, run.err.size() - kLogBytes);
    } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
      close(fds[i].fd);
      fds[i].fd = -1;
      --open_fds;
    }
  };
  auto read_ready = [&] {
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP | POLLERR))) read_pipe(i);
    }
  };
  while (true) {
    if (!run.stopped && ctx.Stopped()) {
      run.stopped = true;
      kill(-pid, SIGKILL);
    }
    if (waitpid(pid, &run.status, WNOHANG) == pid) break;
    // With both pipes closed, only the exit (or a stop) is waited for.
    if (poll(open_fds > 0 ? fds : fds + 2, open_fds > 0 ? 3 : 1, 20) < 0 && errno != EINTR) {
      break;
    }
    if (open_fds > 0) read_ready();
  }
  // The command has exited. What is left in its group goes; so does every other process still
  // holding its output pipes (one that left the group with setsid, a double-forked daemon),
  // found by the pipes' inodes once the pipes stay open for a moment. Then what was written is
  // read, and reading stops after at most 2 s whatever is left (a process this one cannot kill).
  kill(-pid, SIGKILL);
  // Only a holder seen in two looks 20 ms apart is killed: a command another executor thread is
  // starting holds every descriptor of this process for the instant between its fork and its exec
  // (the pipes are close-on-exec), and must not be taken for one of this task's.
  std::vector<pid_t> killed, seen;
  for (int round = 0; open_fds > 0 && round < 100; ++round) {
    if (round >= 5) {
      std::vector<pid_t> holders = PipeHolders(pipes);
      for (pid_t holder : holders) {
        if (std::find(seen.begin(), seen.end(), holder) != seen.end() &&
            kill(holder, SIGKILL) == 0) {
          killed.push_back(holder);
        }
      }
      seen = std::move(holders);
    }
    if (poll(fds, 2, 20) < 0 && errno != EINTR) break;
    read_ready();
  }
  for (int i = 0; i < 3; ++i) {
    if (fds[i].fd >= 0) close(fds[i].fd);
  }
  // Reap what was left: as a subreaper this process adopted each of them when its parent died.
  while (waitpid(-pid, nullptr, 0) > 0) {
  }
  for (pid_t holder : killed) waitpid(holder, nullptr, 0);  // ECHILD when not adopted
  if (run.err.size() > kLogBytes) run.err.erase(0, run.err.size() - kLogBytes);
  return run;
}

absl::StatusOr<v1::Value> ShellOp(OpContext& ctx, const OpArgs& args) {
  if (args.args.empty()) {
    return absl::InvalidArgumentError("shell: needs the command to run as its first argument");
  }
  for (const auto& [name, value] : args.kwargs) {
    if (value == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("shell: keyword argument \"", name, "\" is missing"));
    }
    if (name != "stdin" && name != "env" && name != "cwd" && name != "shell" && name != "check") {
      return absl::InvalidArgumentError(absl::StrCat("shell: unknown keyword argument \"", name,
                                                     "\" (known: stdin, env, cwd, shell, check)"));
    }
  }
  TempDir dir;
  if (dir.path().empty()) return absl::InternalError("shell: cannot create a temporary directory");

  std::vector<std::string> argv;
  for (size_t i = 0; i < args.args.size(); ++i) {
    const std::string what = absl::StrCat("argument ", i);
    if (args.args[i] == nullptr)
      return absl::InvalidArgumentError(absl::StrCat("shell: ", what, " is missing"));
    auto bytes = ValueBytes(*args.args[i], what);
    if (!bytes.ok()) return bytes.status();
    if (i < args.arg_is_ref.size() && args.arg_is_ref[i]) {
      auto path = WriteFile(absl::StrCat(dir.path(), "/arg-", i), *bytes);
      if (!path.ok()) return path.status();
      argv.push_back(*path);
    } else {
      argv.push_back(std::move(*bytes));
    }
  }
  if (auto it = args.kwargs.find("shell"); it != args.kwargs.end() && it->second->bool_()) {
    // sh -c 'SCRIPT' sh ARG1 ARG2 ...: the arguments are $1, $2, ...
    argv.insert(argv.begin(), {"/bin/sh", "-c"});
    argv.insert(argv.begin() + 3, "sh");
  }
  std::vector<std::string> env;
  if (auto it = args.kwargs.find("env"); it != args.kwargs.end()) {
    if (it->second->kind_case() != v1::Value::kList) {
      return absl::InvalidArgumentError("shell: env must be a list of \"NAME=value\" strings");
    }
    for (const v1::Value& item : it->second->list().items()) {
      if (item.kind_case() != v1::Value::kStr || item.str().find('=') == std::string::npos ||
          item.str().front() == '=') {
        return absl::InvalidArgumentError(
            absl::StrCat("shell: env entry \"", ValueText(item), "\" is not NAME=value"));
      }
      env.push_back(item.str());
    }
  }
  std::string cwd;
  if (auto it = args.kwargs.find("cwd"); it != args.kwargs.end()) {
    if (it->second->kind_case() != v1::Value::kStr) {
      return absl::InvalidArgumentError("shell: cwd must be a string");
    }
    cwd = it->second->str();
    std::error_code ec;
    if (!cwd.empty() && !std::filesystem::is_directory(cwd, ec)) {
      return absl::InvalidArgumentError(
          absl::StrCat("shell: cwd \"", cwd, "\" is not a directory on this worker"));
    }
  }
  std::string stdin_path;
  if (auto it = args.kwargs.find("stdin"); it != args.kwargs.end()) {
    auto bytes = ValueBytes(*it->second, "stdin");
    if (!bytes.ok()) return bytes.status();
    auto path = WriteFile(absl::StrCat(dir.path(), "/stdin"), *bytes);
    if (!path.ok()) return path.status();
    stdin_path = *path;
  }

  auto run = Spawn(ctx, argv, env, cwd, stdin_path);
  if (!run.ok()) return run.status();
  ctx.SetLog(run->err);
  if (run->stopped) return absl::CancelledError("shell: stopped; the command was killed");
  if (auto it = args.kwargs.find("check"); it != args.kwargs.end() && !it->second->bool_()) {
    // Unchecked: any exit is a result, {"stdout": bytes, "status": exit status or 128+signal}.
    v1::Value result;
    auto& entries = *result.mutable_map()->mutable_entries();
    entries["stdout"].set_bytes(std::move(run->out));
    entries["status"].set_int_(WIFSIGNALED(run->status) ? 128 + WTERMSIG(run->status)
                                                        : WEXITSTATUS(run->status));
    return result;
  }
  if (WIFSIGNALED(run->status)) {
    return absl::AbortedError(absl::StrCat("shell: command \"", argv[0], "\" killed by signal ",
                                           WTERMSIG(run->status),
                                           "; stderr: ", Tail(run->err, kErrorTailBytes)));
  }
  const int code = WIFEXITED(run->status) ? WEXITSTATUS(run->status) : -1;
  if (code != 0) {
    return absl::AbortedError(
        absl::StrCat("shell: command \"", argv[0], "\" exited with status ", code,
                     run->err.empty() ? "" : "; stderr: ", Tail(run->err, kErrorTailBytes)));
  }
  v1::Value result;
  result.set_bytes(std::move(run->out));
  return result;
}

}  // namespace

void RegisterShellOp(OpRegistry& registry) {
  // Orphaned descendants of commands are re-parented to this process rather than to init, so
  // the op can kill and reap all of them (and a worker running as PID 1 in a container leaves no
  // zombies).
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  registry.Register("shell", ShellOp);
}

}  // namespace brisk
