// TestCluster: the real brisk-scheduler and brisk-worker executables, started as child processes
// on loopback ports the OS chooses, for end-to-end tests. Readiness is polled (the scheduler's
// address file, then Status() until the workers registered), never slept for.
//
//   auto cluster = TestCluster::Start({WorkerSpec("w0"), WorkerSpec("w1", /*nthreads=*/2)});
//   ASSERT_TRUE(cluster.ok()) << cluster.status();
//   CliResult r = (*cluster)->RunCli({"submit", graph_path});
//
// Everything lives under one mkdtemp directory (address file, daemon logs, files the test writes),
// removed when the cluster is destroyed. The daemons' logs are printed when the test failed.
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "brisk/client.h"
#include "brisk/v1/graph.pb.h"
#include "tests/state_printers.h"

namespace brisk::testing {

// Directory of brisk, brisk-scheduler and brisk-worker: $BRISK_BIN_DIR, else this test binary's.
std::string BinDir();

// How a child process ended.
struct ExitInfo {
  bool exited = false;  // false: killed by a signal
  int code = 0;         // exit status, or the signal number
  bool ok() const { return exited && code == 0; }
  std::string ToString() const;
};

// One daemon the cluster started.
struct Daemon {
  std::string name;  // "scheduler", or the worker's name
  pid_t pid = -1;
  std::string log_path;  // its standard output and error
  bool reaped = false;
  ExitInfo exit;
  // The test killed it or waited for its exit: Stop() does not report how it ended.
  bool exit_expected = false;
};

struct WorkerSpec {
  WorkerSpec() = default;
  explicit WorkerSpec(std::string name, int nthreads = 1)
      : name(std::move(name)), nthreads(nthreads) {}
  std::string name;
  int nthreads = 1;       // 0: no --nthreads (the worker's default)
  std::string resources;  // e.g. "GPU=1"; empty: none
  std::vector<std::string> extra_args;
  // The worker program, which takes brisk-worker's flags (a custom worker executable, see
  // brisk/worker_main.h); empty: BinDir()/brisk-worker.
  std::string executable;
};

// `n` workers named w0, w1, ..., each with `nthreads`.
std::vector<WorkerSpec> Workers(int n, int nthreads = 1);

struct ClusterOptions {
  // Beyond --port 0 --address-file F (and --dashboard-port 0 unless these name a port).
  std::vector<std::string> scheduler_args = {};
  absl::Duration start_timeout = absl::Seconds(20);
  // The token Connect() (and so the readiness polling) presents, for a scheduler started with
  // --auth-token-file; empty: none. RunCli does not add it.
  std::string auth_token = {};
  // Start the scheduler without --dashboard-port: on brisk-scheduler's default port (8787), or a
  // free one when that is taken.
  bool default_dashboard_port = false;
};

struct CliResult {
  int exit_code = -1;  // 128 + signal when killed
  std::string out;
  std::string err;
  std::string ToString() const;  // for assertion messages
};

class TestCluster {
 public:
  // Starts the scheduler and one worker per spec, and returns once they all registered.
  static absl::StatusOr<std::unique_ptr<TestCluster>> Start(std::vector<WorkerSpec> workers,
                                                            ClusterOptions options = {});
  // `n` single-threaded workers named w0, w1, ...
  static absl::StatusOr<std::unique_ptr<TestCluster>> Start(int n, ClusterOptions options = {});
  ~TestCluster();
  TestCluster(const TestCluster&) = delete;
  TestCluster& operator=(const TestCluster&) = delete;

  const std::string& address() const { return address_; }
  int port() const;
  const std::string& dir() const { return dir_; }
  // Writes `text` to a file in the cluster's directory; returns its path.
  std::string WriteFile(const std::string& name, const std::string& text) const;

  pid_t scheduler_pid() const { return daemons_.front().pid; }
  size_t worker_count() const { return daemons_.size() - 1; }
  pid_t worker_pid(size_t i) const { return daemons_.at(i + 1).pid; }
  // Worker i's log (its standard output and error).
  const std::string& worker_log(size_t i) const { return daemons_.at(i + 1).log_path; }

  // Starts one more worker (it may be refused); returns its index. With `wait_registered` also
  // waits until Status() lists it.
  absl::StatusOr<size_t> AddWorker(const WorkerSpec& spec, bool wait_registered = true);
  // SIGKILLs worker i and reaps it.
  absl::Status KillWorker(size_t i);
  // SIGKILLs the scheduler and reaps it.
  absl::Status KillScheduler();
  // Starts a new scheduler on the port of the last one (with the same flags, then `extra_args`),
  // once the old one is gone (kill it first), and waits until it listens.
  absl::Status RestartScheduler(const std::vector<std::string>& extra_args = {});
  // Whether the daemon has not exited (reaps it if it has).
  bool WorkerAlive(size_t i) { return Alive(daemons_.at(i + 1)); }
  bool SchedulerAlive() { return Alive(daemons_.front()); }
  // Waits for worker i (or the scheduler) to exit by itself.
  absl::StatusOr<ExitInfo> WaitWorkerExit(size_t i, absl::Duration timeout);
  absl::StatusOr<ExitInfo> WaitSchedulerExit(absl::Duration timeout);
  // The text the worker (or scheduler) printed so far.
  std::string WorkerLog(size_t i) const;
  std::string SchedulerLog() const;

  // A new client connected to the scheduler.
  absl::StatusOr<std::unique_ptr<Client>> Connect() const;
  // Polls Status() until exactly `n` workers are registered.
  absl::Status WaitForWorkers(size_t n, absl::Duration timeout = absl::Seconds(20));

  // Runs the `brisk` command line with `--scheduler <address>` and `args`, feeding `stdin_text`.
  CliResult RunCli(const std::vector<std::string>& args, const std::string& stdin_text = "",
                   absl::Duration timeout = absl::Seconds(60)) const;
  // The same, run in the directory `dir` (the directory `brisk` is invoked from).
  CliResult RunCliIn(const std::string& dir, const std::vector<std::string>& args,
                     const std::string& stdin_text = "") const;

  // SIGTERM to every daemon still running, then waits for them (SIGKILL after a deadline). A
  // daemon that did not stop in time, or that crashed or failed unexpectedly, is a test failure.
  void Stop(absl::Duration grace = absl::Seconds(10));
  // Prints every daemon's log to standard error.
  void DumpLogs() const;

 private:
  TestCluster() = default;
  absl::StatusOr<pid_t> Spawn(const std::vector<std::string>& argv, const std::string& log_path);
  bool Alive(Daemon& d);
  // SIGKILLs the daemon and reaps it.
  absl::Status Kill(Daemon& d);
  absl::StatusOr<ExitInfo> WaitExit(Daemon& d, absl::Duration timeout);
  // Starts brisk-scheduler on `port` (0: the OS chooses) and waits for its address file.
  absl::Status StartScheduler(int port);

  std::string dir_;
  std::string address_;
  std::string auth_token_;
  std::vector<std::string> scheduler_args_;  // ClusterOptions::scheduler_args
  bool default_dashboard_port_ = false;      // ClusterOptions::default_dashboard_port
  absl::Duration start_timeout_;
  std::vector<Daemon> daemons_;         // [0] is the scheduler
  std::vector<Daemon> old_schedulers_;  // replaced by RestartScheduler
  bool stopped_ = false;
};

// A cluster and a client connected to it, for tests that drive it through the C++ client.
struct RunningCluster {
  std::unique_ptr<TestCluster> cluster;
  std::unique_ptr<Client> client;
};

// Starts a cluster with `workers` and connects a client to it; a fatal test failure when either
// cannot start (so call it inside ASSERT_NO_FATAL_FAILURE).
void StartCluster(std::vector<WorkerSpec> workers, RunningCluster& out);

// Waits for the job to end and returns its final state (UNSPECIFIED and a test failure on error).
v1::JobState WaitJob(Client& client, JobId job, absl::Duration timeout = absl::Seconds(60));

// The int value of the future; -1 and a test failure when it is not one.
int64_t IntResult(Client& client, const Future& future);

// How many tasks the status counts in `state`.
uint64_t TaskCount(const v1::StatusReply& status, v1::TaskState state);

// Polls client.Status() until `condition` holds for a reply or `timeout` passed; `last`, when
// given, gets the last reply seen (for failure messages).
bool PollStatus(Client& client, const std::function<bool(const v1::StatusReply&)>& condition,
                absl::Duration timeout, v1::StatusReply* last = nullptr);

// Runs `argv` (argv[0] a path) with `stdin_text` on its standard input and collects its output.
// Kills it (SIGKILL) when it outlives `timeout`. It runs in `cwd` when given, else in this
// process's directory.
CliResult RunProcess(const std::vector<std::string>& argv, const std::string& stdin_text,
                     absl::Duration timeout, const std::string& cwd = "");

// Polls `condition` every few milliseconds until it is true or `timeout` passed.
bool PollUntil(const std::function<bool()>& condition, absl::Duration timeout);

// A new directory $TMPDIR/<prefix>-XXXXXX (/tmp without TMPDIR); the caller removes it.
absl::StatusOr<std::string> MakeTempDir(const std::string& prefix);
// The contents of the file at `path`; empty when it cannot be read.
std::string ReadWholeFile(const std::string& path);
// The port of a "host:port" address; 0 when it has none.
int PortOf(const std::string& address);

// ---- graph building, for tests
v1::Arg IntArg(int64_t i);
v1::Arg FloatArg(double f);
v1::Arg StrArg(const std::string& s);
v1::Arg BytesArg(const std::string& b);
v1::Arg RefArg(const std::string& key);
v1::Arg ListArg(const std::vector<v1::Arg>& items);
// A list of refs to `keys`.
v1::Arg RefList(const std::vector<std::string>& keys);
// Appends a task to `graph`; returns it for further settings.
v1::Task* AddTask(v1::Graph& graph, const std::string& key, const std::string& op,
                  const std::vector<v1::Arg>& args, const std::vector<std::string>& workers = {});

// The graph of the README's example: c = sum([a, b]) = 6.5.
constexpr char kHelloGraph[] = R"json({"tasks": [
   {"key": "a", "op": "inc", "args": [{"int": 1}]},
   {"key": "b", "op": "add", "args": [{"ref": "a"}, {"float": 2.5}]},
   {"key": "c", "op": "sum", "args": [{"list": {"items": [{"ref": "a"}, {"ref": "b"}]}}]}
 ],
 "outputs": ["c"]})json";

}  // namespace brisk::testing
