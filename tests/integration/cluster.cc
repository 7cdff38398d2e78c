#include "tests/integration/cluster.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/address_file.h"

namespace brisk::testing {
namespace {

// The last `max_bytes` of `text`, cut at a line start.
std::string Tail(const std::string& text, size_t max_bytes = 16 << 10) {
  if (text.size() <= max_bytes) return text;
  size_t from = text.size() - max_bytes;
  const size_t newline = text.find('\n', from);
  if (newline != std::string::npos) from = newline + 1;
  return absl::StrCat("[...]\n", text.substr(from));
}

ExitInfo Decode(int status) {
  ExitInfo info;
  if (WIFEXITED(status)) {
    info.exited = true;
    info.code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    info.code = WTERMSIG(status);
  }
  return info;
}

// The child's side of a fork: only async-signal-safe calls until exec.
[[noreturn]] void ExecChild(pid_t parent, int in_fd, int out_fd, int err_fd, char* const* argv,
                            const char* cwd = nullptr) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);  // no daemon outlives a crashed test
  if (getppid() != parent) _exit(127);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  signal(SIGPIPE, SIG_DFL);
  if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0) _exit(127);
  if (cwd != nullptr && chdir(cwd) != 0) _exit(127);
  execv(argv[0], argv);
  static const char kMessage[] = "exec failed\n";
  (void)!write(2, kMessage, sizeof kMessage - 1);
  _exit(127);
}

std::vector<char*> CArgv(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (const std::string& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

void IgnoreSigpipe() {
  static const bool done = [] {
    signal(SIGPIPE, SIG_IGN);  // a child that exits early must not kill the test on write
    return true;
  }();
  (void)done;
}

}  // namespace

absl::StatusOr<std::string> MakeTempDir(const std::string& prefix) {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern =
      absl::StrCat(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp", "/", prefix, "-XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp: ", std::strerror(errno)));
  }
  return pattern;
}

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

int PortOf(const std::string& address) {
  int port = 0;
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || !absl::SimpleAtoi(address.substr(colon + 1), &port)) return 0;
  return port;
}

std::string BinDir() {
  if (const char* env = std::getenv("BRISK_BIN_DIR"); env != nullptr && *env != '\0') return env;
  std::error_code ec;
  return std::filesystem::read_symlink("/proc/self/exe", ec).parent_path().string();
}

bool PollUntil(const std::function<bool()>& condition, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    if (condition()) return true;
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(absl::Milliseconds(5));
  }
}

std::string ExitInfo::ToString() const {
  return exited ? absl::StrCat("exit status ", code) : absl::StrCat("signal ", code);
}

std::string CliResult::ToString() const {
  return absl::StrCat("exit code ", exit_code, "\n--- stdout:\n", out, "--- stderr:\n", err);
}

CliResult RunProcess(const std::vector<std::string>& argv, const std::string& stdin_text,
                     absl::Duration timeout, const std::string& cwd) {
  IgnoreSigpipe();
  CliResult result;
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
    result.err = absl::StrCat("pipe: ", std::strerror(errno));
    return result;
  }
  std::vector<char*> cargv = CArgv(argv);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    result.err = absl::StrCat("fork: ", std::strerror(errno));
    return result;
  }
  if (pid == 0) {
    ExecChild(parent, in[0], out[1], err[1], cargv.data(), cwd.empty() ? nullptr : cwd.c_str());
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  int in_fd = in[1];
  fcntl(in_fd, F_SETFL, O_NONBLOCK);
  size_t written = 0;
  if (stdin_text.empty()) {
    close(in_fd);
    in_fd = -1;
  }
  int fds[2] = {out[0], err[0]};
  std::string* sinks[2] = {&result.out, &result.err};
  const absl::Time deadline = absl::Now() + timeout;
  bool killed = false;
  while (fds[0] >= 0 || fds[1] >= 0) {
    pollfd p[3];
    int n = 0;
    for (int fd : fds) {
      if (fd >= 0) p[n++] = {fd, POLLIN, 0};
    }
    if (in_fd >= 0) p[n++] = {in_fd, POLLOUT, 0};
    const int64_t left_ms = absl::ToInt64Milliseconds(deadline - absl::Now());
    if (left_ms <= 0 && !killed) {
      kill(pid, SIGKILL);
      killed = true;
      absl::StrAppend(&result.err, "\n[test harness: killed after ", absl::FormatDuration(timeout),
                      "]\n");
    }
    const int ready =
        poll(p, n, killed ? 1000 : static_cast<int>(std::min<int64_t>(left_ms, 1000)));
    if (ready < 0 && errno != EINTR) break;
    for (int i = 0; i < n; ++i) {
      if (p[i].revents == 0) continue;
      if (p[i].fd == in_fd) {
        const ssize_t w = write(in_fd, stdin_text.data() + written, stdin_text.size() - written);
        if (w > 0) written += static_cast<size_t>(w);
        if (w < 0 && errno != EAGAIN && errno != EINTR) written = stdin_text.size();
        if (written == stdin_text.size()) {
          close(in_fd);
          in_fd = -1;
        }
        continue;
      }
      for (int k = 0; k < 2; ++k) {
        if (p[i].fd != fds[k]) continue;
        char buffer[65536];
        const ssize_t r = read(fds[k], buffer, sizeof buffer);
        if (r > 0) {
          sinks[k]->append(buffer, static_cast<size_t>(r));
        } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
          close(fds[k]);
          fds[k] = -1;
        }
      }
    }
  }
  if (in_fd >= 0) close(in_fd);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  const ExitInfo info = Decode(status);
  result.exit_code = info.exited ? info.code : 128 + info.code;
  return result;
}

// ------------------------------------------------------------------------------------ graphs

v1::Arg IntArg(int64_t i) {
  v1::Arg arg;
  arg.set_int_(i);
  return arg;
}

v1::Arg FloatArg(double f) {
  v1::Arg arg;
  arg.set_float_(f);
  return arg;
}

v1::Arg StrArg(const std::string& s) {
  v1::Arg arg;
  arg.set_str(s);
  return arg;
}

v1::Arg BytesArg(const std::string& b) {
  v1::Arg arg;
  arg.set_bytes(b);
  return arg;
}

v1::Arg RefArg(const std::string& key) {
  v1::Arg arg;
  arg.set_ref(key);
  return arg;
}

v1::Arg ListArg(const std::vector<v1::Arg>& items) {
  v1::Arg arg;
  for (const v1::Arg& item : items) *arg.mutable_list()->add_items() = item;
  return arg;
}

v1::Arg RefList(const std::vector<std::string>& keys) {
  v1::Arg arg;
  for (const std::string& key : keys) arg.mutable_list()->add_items()->set_ref(key);
  return arg;
}

v1::Task* AddTask(v1::Graph& graph, const std::string& key, const std::string& op,
                  const std::vector<v1::Arg>& args, const std::vector<std::string>& workers) {
  v1::Task* task = graph.add_tasks();
  task->set_key(key);
  task->set_op(op);
  for (const v1::Arg& arg : args) *task->add_args() = arg;
  for (const std::string& w : workers) task->add_workers(w);
  return task;
}

// ------------------------------------------------------------------------------------ cluster

absl::StatusOr<std::unique_ptr<TestCluster>> TestCluster::Start(int n, ClusterOptions options) {
  std::vector<WorkerSpec> workers;
  for (int i = 0; i < n; ++i) workers.emplace_back(absl::StrCat("w", i));
  return Start(std::move(workers), std::move(options));
}

absl::StatusOr<std::unique_ptr<TestCluster>> TestCluster::Start(std::vector<WorkerSpec> workers,
                                                                ClusterOptions options) {
  IgnoreSigpipe();
  std::unique_ptr<TestCluster> cluster(new TestCluster());
  auto dir = MakeTempDir("brisk-it");
  if (!dir.ok()) return dir.status();
  cluster->dir_ = *dir;
  cluster->auth_token_ = options.auth_token;
  cluster->scheduler_args_ = options.scheduler_args;
  cluster->default_dashboard_port_ = options.default_dashboard_port;
  cluster->start_timeout_ = options.start_timeout;
  const absl::Time deadline = absl::Now() + options.start_timeout;
  if (absl::Status started = cluster->StartScheduler(0); !started.ok()) return started;

  for (const WorkerSpec& spec : workers) {
    auto added = cluster->AddWorker(spec, /*wait_registered=*/false);
    if (!added.ok()) return added.status();
  }
  absl::Status ready = cluster->WaitForWorkers(workers.size(), deadline - absl::Now());
  if (!ready.ok()) {
    std::string logs;
    for (const Daemon& d : cluster->daemons_) {
      absl::StrAppend(&logs, "--- ", d.name, ":\n", Tail(ReadWholeFile(d.log_path), 4096));
    }
    return absl::Status(ready.code(), absl::StrCat(ready.message(), "\n", logs));
  }
  return cluster;
}

TestCluster::~TestCluster() {
  Stop();
  if (::testing::Test::HasFailure()) DumpLogs();
  if (!dir_.empty() && std::getenv("BRISK_KEEP_TEST_DIR") == nullptr) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

int TestCluster::port() const { return PortOf(address_); }

std::string TestCluster::WriteFile(const std::string& name, const std::string& text) const {
  const std::string path = absl::StrCat(dir_, "/", name);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  return path;
}

absl::StatusOr<pid_t> TestCluster::Spawn(const std::vector<std::string>& argv,
                                         const std::string& log_path) {
  const int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0)
    return absl::InternalError(absl::StrCat("open ", log_path, ": ", std::strerror(errno)));
  const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  std::vector<char*> cargv = CArgv(argv);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) ExecChild(parent, null_fd, log_fd, log_fd, cargv.data());
  const int fork_errno = errno;
  close(log_fd);
  close(null_fd);
  if (pid < 0) return absl::InternalError(absl::StrCat("fork: ", std::strerror(fork_errno)));
  return pid;
}

absl::StatusOr<size_t> TestCluster::AddWorker(const WorkerSpec& spec, bool wait_registered) {
  const size_t index = daemons_.size() - 1;
  // Heartbeats every 50 ms, so tests that wait for what they report wait that long, not 1 s.
  std::vector<std::string> argv = {
      spec.executable.empty() ? absl::StrCat(BinDir(), "/brisk-worker") : spec.executable, address_,
      "--heartbeat-interval", "0.05"};
  if (spec.nthreads > 0) argv.insert(argv.end(), {"--nthreads", absl::StrCat(spec.nthreads)});
  if (!spec.name.empty()) argv.insert(argv.end(), {"--name", spec.name});
  if (!spec.resources.empty()) argv.insert(argv.end(), {"--resources", spec.resources});
  argv.insert(argv.end(), spec.extra_args.begin(), spec.extra_args.end());
  Daemon worker;
  worker.name = spec.name.empty() ? absl::StrCat("worker ", index) : spec.name;
  worker.log_path = absl::StrCat(dir_, "/worker-", index, ".log");
  auto pid = Spawn(argv, worker.log_path);
  if (!pid.ok()) return pid.status();
  worker.pid = *pid;
  daemons_.push_back(worker);
  if (wait_registered) {
    absl::Status ready = WaitForWorkers(worker_count());
    if (!ready.ok()) return ready;
  }
  return index;
}

absl::Status TestCluster::StartScheduler(int port) {
  const std::string address_file = absl::StrCat(dir_, "/scheduler.addr");
  std::remove(address_file.c_str());
  std::vector<std::string> argv = {absl::StrCat(BinDir(), "/brisk-scheduler"), "--port",
                                   absl::StrCat(port), "--address-file", address_file};
  // Many tests run schedulers at once: each serves its dashboard on a port the OS chooses, unless
  // the test says otherwise.
  if (!default_dashboard_port_ && std::find(scheduler_args_.begin(), scheduler_args_.end(),
                                            "--dashboard-port") == scheduler_args_.end()) {
    argv.insert(argv.end(), {"--dashboard-port", "0"});
  }
  argv.insert(argv.end(), scheduler_args_.begin(), scheduler_args_.end());
  Daemon scheduler;
  scheduler.name = "scheduler";
  scheduler.log_path =
      absl::StrCat(dir_, "/scheduler", daemons_.empty() ? "" : absl::StrCat("-", port), ".log");
  auto pid = Spawn(argv, scheduler.log_path);
  if (!pid.ok()) return pid.status();
  scheduler.pid = *pid;
  if (daemons_.empty()) {
    daemons_.push_back(scheduler);
  } else {
    old_schedulers_.push_back(daemons_.front());
    daemons_.front() = scheduler;
  }

  // The address file appears once the scheduler listens.
  const absl::Time deadline = absl::Now() + start_timeout_;
  while (true) {
    auto address = ReadAddressFile(address_file);
    if (address.ok()) {
      // A restart is on the same port, so the same address: not written again, as tests read it
      // from other threads (a CLI run across the restart) meanwhile.
      if (address_ != *address) address_ = *address;
      return absl::OkStatus();
    }
    if (!SchedulerAlive()) {
      return absl::UnavailableError(absl::StrCat(
          "brisk-scheduler exited (", daemons_[0].exit.ToString(), "):\n", SchedulerLog()));
    }
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("brisk-scheduler wrote no address file in time:\n", SchedulerLog()));
    }
    absl::SleepFor(absl::Milliseconds(5));
  }
}

absl::Status TestCluster::KillScheduler() { return Kill(daemons_.front()); }

absl::Status TestCluster::RestartScheduler(const std::vector<std::string>& extra_args) {
  if (!daemons_.front().reaped) {
    return absl::FailedPreconditionError("the scheduler still runs: kill it first");
  }
  const int port = this->port();
  scheduler_args_.insert(scheduler_args_.end(), extra_args.begin(), extra_args.end());
  return StartScheduler(port);
}

absl::Status TestCluster::KillWorker(size_t i) { return Kill(daemons_.at(i + 1)); }

absl::Status TestCluster::Kill(Daemon& d) {
  if (d.reaped) return absl::FailedPreconditionError(absl::StrCat(d.name, " already exited"));
  if (kill(d.pid, SIGKILL) != 0) return absl::InternalError(std::strerror(errno));
  int status = 0;
  while (waitpid(d.pid, &status, 0) < 0) {
    if (errno != EINTR) return absl::InternalError(std::strerror(errno));
  }
  d.reaped = true;
  d.exit = Decode(status);
  d.exit_expected = true;
  return absl::OkStatus();
}

absl::StatusOr<ExitInfo> TestCluster::WaitWorkerExit(size_t i, absl::Duration timeout) {
  daemons_.at(i + 1).exit_expected = true;
  return WaitExit(daemons_.at(i + 1), timeout);
}

absl::StatusOr<ExitInfo> TestCluster::WaitSchedulerExit(absl::Duration timeout) {
  daemons_.front().exit_expected = true;
  return WaitExit(daemons_.front(), timeout);
}

bool TestCluster::Alive(Daemon& d) {
  if (d.reaped) return false;
  int status = 0;
  const pid_t r = waitpid(d.pid, &status, WNOHANG);
  if (r == d.pid) {
    d.reaped = true;
    d.exit = Decode(status);
    return false;
  }
  return r == 0;
}

absl::StatusOr<ExitInfo> TestCluster::WaitExit(Daemon& d, absl::Duration timeout) {
  if (PollUntil([&] { return !Alive(d); }, timeout)) {
    if (!d.reaped) return absl::InternalError(absl::StrCat(d.name, ": waitpid failed"));
    return d.exit;
  }
  return absl::DeadlineExceededError(absl::StrCat(d.name, " (pid ", d.pid, ") still running after ",
                                                  absl::FormatDuration(timeout)));
}

std::string TestCluster::WorkerLog(size_t i) const {
  return ReadWholeFile(daemons_.at(i + 1).log_path);
}

std::string TestCluster::SchedulerLog() const { return ReadWholeFile(daemons_.front().log_path); }

absl::StatusOr<std::unique_ptr<Client>> TestCluster::Connect() const {
  ConnectOptions options;
  options.auth_token = auth_token_;
  return Client::Connect(address_, options);
}

absl::Status TestCluster::WaitForWorkers(size_t n, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  auto client = Connect();
  if (!client.ok()) return client.status();
  size_t seen = 0;
  while (true) {
    auto status = (*client)->Status();
    if (status.ok()) {
      seen = static_cast<size_t>(status->workers_size());
      if (seen == n) return absl::OkStatus();
    }
    if (!SchedulerAlive()) {
      return absl::UnavailableError(
          absl::StrCat("brisk-scheduler exited (", daemons_[0].exit.ToString(), ")"));
    }
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(absl::StrCat(
          "expected ", n, " workers registered, have ", seen, " after ",
          absl::FormatDuration(timeout),
          status.ok() ? "" : absl::StrCat(" (Status: ", status.status().ToString(), ")")));
    }
    absl::SleepFor(absl::Milliseconds(5));
  }
}

CliResult TestCluster::RunCli(const std::vector<std::string>& args, const std::string& stdin_text,
                              absl::Duration timeout) const {
  std::vector<std::string> argv = {absl::StrCat(BinDir(), "/brisk"), "--scheduler", address_};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProcess(argv, stdin_text, timeout);
}

CliResult TestCluster::RunCliIn(const std::string& dir, const std::vector<std::string>& args,
                                const std::string& stdin_text) const {
  std::vector<std::string> argv = {absl::StrCat(BinDir(), "/brisk"), "--scheduler", address_};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProcess(argv, stdin_text, absl::Seconds(60), dir);
}

void TestCluster::Stop(absl::Duration grace) {
  if (stopped_) return;
  stopped_ = true;
  for (Daemon& d : daemons_) {
    if (Alive(d)) kill(d.pid, SIGTERM);
  }
  const absl::Time deadline = absl::Now() + grace;
  for (Daemon& d : daemons_) {
    if (WaitExit(d, std::max(absl::ZeroDuration(), deadline - absl::Now())).ok()) continue;
    std::cerr << "[test harness] " << d.name << " (pid " << d.pid
              << ") ignored SIGTERM; sending SIGKILL\n";
    ADD_FAILURE() << d.name << " did not stop within " << grace << " of SIGTERM";
    kill(d.pid, SIGKILL);
    int status = 0;
    while (waitpid(d.pid, &status, 0) < 0 && errno == EINTR) {
    }
    d.reaped = true;
    d.exit = Decode(status);
    d.exit_expected = true;  // reported above
  }
  for (const Daemon& d : daemons_) {
    if (!d.exit_expected && !d.exit.ok()) {
      ADD_FAILURE() << d.name << " (pid " << d.pid << ") ended with " << d.exit.ToString();
    }
  }
}

void TestCluster::DumpLogs() const {
  for (const Daemon& d : old_schedulers_) {
    std::cerr << "=============== earlier " << d.name << " (pid " << d.pid
              << ") log: " << d.log_path << "\n"
              << Tail(ReadWholeFile(d.log_path)) << "\n";
  }
  for (const Daemon& d : daemons_) {
    std::cerr << "=============== " << d.name << " (pid " << d.pid << ", "
              << (d.reaped ? d.exit.ToString() : std::string("running")) << ") log: " << d.log_path
              << "\n"
              << Tail(ReadWholeFile(d.log_path)) << "\n";
  }
}

// ------------------------------------------------------------------------------------ client

std::vector<WorkerSpec> Workers(int n, int nthreads) {
  std::vector<WorkerSpec> specs;
  for (int i = 0; i < n; ++i) specs.emplace_back(absl::StrCat("w", i), nthreads);
  return specs;
}

int64_t IntResult(Client& client, const Future& future) {
  auto value = client.Result(future);
  EXPECT_TRUE(value.ok()) << future.key << ": " << value.status();
  if (!value.ok()) return -1;
  EXPECT_EQ((*value)->kind_case(), v1::Value::kInt) << (*value)->DebugString();
  return (*value)->int_();
}

void StartCluster(std::vector<WorkerSpec> workers, RunningCluster& out) {
  auto cluster = TestCluster::Start(std::move(workers));
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  out.cluster = std::move(*cluster);
  auto client = out.cluster->Connect();
  ASSERT_TRUE(client.ok()) << client.status();
  out.client = std::move(*client);
}

v1::JobState WaitJob(Client& client, JobId job, absl::Duration timeout) {
  auto state = client.Wait(job, timeout);
  EXPECT_TRUE(state.ok()) << state.status();
  return state.ok() ? *state : v1::JOB_STATE_UNSPECIFIED;
}

uint64_t TaskCount(const v1::StatusReply& status, v1::TaskState state) {
  for (const v1::TaskStateCount& c : status.tasks()) {
    if (c.state() == state) return c.count();
  }
  return 0;
}

bool PollStatus(Client& client, const std::function<bool(const v1::StatusReply&)>& condition,
                absl::Duration timeout, v1::StatusReply* last) {
  return PollUntil(
      [&] {
        auto status = client.Status();
        if (!status.ok()) return false;
        if (last != nullptr) *last = *status;
        return condition(*status);
      },
      timeout);
}

}  // namespace brisk::testing
