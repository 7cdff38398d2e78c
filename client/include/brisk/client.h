// brisk::Client: the C++ client library. Connects to a scheduler (or starts an embedded local
// cluster), submits graphs, and waits for, gathers, streams, cancels and releases results.
// Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "brisk/v1/graph.pb.h"
#include "brisk/v1/scheduler.pb.h"
#include "brisk/v1/value.pb.h"

namespace brisk {

using JobId = uint64_t;
using ValuePtr = std::shared_ptr<const v1::Value>;

// One output key of a job: a (job, key) pair, nothing more. It does not wait or hold a value by
// itself; pass it to Client::WaitKey, Result, Gather or AsCompleted.
struct Future {
  JobId job = 0;
  std::string key;
};

// A submitted job and a future per output.
struct Job {
  JobId id = 0;
  std::vector<Future> outputs;
};

// Where one key stands, as the scheduler reported it.
struct KeyStatus {
  v1::KeyState state = v1::KEY_STATE_UNSPECIFIED;  // UNSPECIFIED: not done yet
  // Why it has no value (erred or cancelled).
  std::string error;
  v1::ErrorKind error_kind = v1::ERROR_KIND_UNSPECIFIED;
  std::vector<std::string> who_has;
  uint64_t nbytes = 0;
  // The key the workers store the value under (the future's key unless another definition of
  // that key was known at submission).
  std::string data_key;
};

// Something the scheduler tells the clients watching a job while it runs, e.g. that a task waits
// because no connected worker has its op:
// {job, "tile-3", "no connected worker has op \"mandlebrot\" (did you mean \"mandelbrot\"?)"}.
struct JobNotice {
  JobId job = 0;
  std::string key;  // the task it is about ("" when it is about the whole job)
  std::string message;
};

struct SubmitOptions {
  std::string name;
  // Keep the job's results after this client disconnects (until released or cancelled).
  bool keep = false;
  // Tasks per message when streaming a big graph.
  int chunk_tasks = 20000;
};

struct ConnectOptions {
  // The cluster's shared token, when it has one (brisk-scheduler --auth-token-file).
  std::string auth_token;
  // When the scheduler goes away while Wait, WaitKey, Gather or AsCompleted wait for a job: how
  // long to keep trying to reach it again, then watch the job anew (a restarted scheduler that
  // does not know the job makes the wait fail with NotFound, saying so). Zero: fail at once with
  // UNAVAILABLE. Jobs this client submitted without `keep` are the scheduler's to cancel when
  // the connection ends; waiting on again shows what became of them.
  absl::Duration reconnect_timeout = absl::ZeroDuration();
};

struct LocalClusterOptions {
  int workers = 2;
  int threads_per_worker = 1;
  // Plugins (shared libraries that register ops, see brisk/op.h) every worker loads; StartLocal
  // fails with a message naming the path of one that cannot be loaded.
  std::vector<std::string> plugins;
};

class Client {
 public:
  // Connects to the scheduler at host:port.
  static absl::StatusOr<std::unique_ptr<Client>> Connect(const std::string& address,
                                                         const ConnectOptions& options = {});
  // Starts a scheduler and workers inside this process and connects to them; they stop with
  // the client.
  static absl::StatusOr<std::unique_ptr<Client>> StartLocal(LocalClusterOptions options = {});
  ~Client();

  const std::string& scheduler_address() const;

  // Submits a graph: an error naming the key and the problem if the scheduler refuses it.
  absl::StatusOr<Job> Submit(const v1::Graph& graph, const SubmitOptions& options = {});
  // Follows a job submitted elsewhere (e.g. with `brisk submit --no-wait`).
  absl::StatusOr<Job> Watch(JobId job);
  // Blocks until the job ended; returns its state: JOB_STATE_FINISHED, _ERRED or _CANCELLED.
  // DeadlineExceeded when it is still running after `timeout`.
  absl::StatusOr<v1::JobState> Wait(JobId job, absl::Duration timeout = absl::InfiniteDuration());
  // Blocks until the future's key is done; returns its status.
  absl::StatusOr<KeyStatus> WaitKey(const Future& future,
                                    absl::Duration timeout = absl::InfiniteDuration());
  // The futures' values, in order, fetched straight from the workers holding them; an error
  // naming the first key that failed.
  absl::StatusOr<std::vector<ValuePtr>> Gather(const std::vector<Future>& futures);
  absl::StatusOr<ValuePtr> Result(const Future& future);
  // Calls `fn` once per future, in the order they complete.
  absl::Status AsCompleted(const std::vector<Future>& futures,
                           const std::function<void(const Future&, const KeyStatus&)>& fn);
  // Stops the job's queued and running tasks and frees its data.
  absl::Status Cancel(JobId job);
  // Frees the job's results (cancels it if still running).
  absl::Status Release(JobId job);

  // Values of keys currently held anywhere in the cluster.
  absl::StatusOr<std::vector<ValuePtr>> GatherKeys(const std::vector<std::string>& keys);
  absl::StatusOr<v1::StatusReply> Status();
  absl::StatusOr<v1::JobInfo> GetJob(JobId job, bool include_tasks);
  absl::StatusOr<v1::ListJobsReply> ListJobs();
  // Named results: `key` (in memory) stays held under `name` until unpublished, for any client.
  absl::Status Publish(const std::string& key, const std::string& name);
  absl::Status Unpublish(const std::string& name);
  // The key published under `name`, as the workers store it: pass it to GatherKeys.
  absl::StatusOr<std::string> Published(const std::string& name);
  // A task's log (the shell op's standard error) and error.
  absl::StatusOr<v1::TaskLog> GetLog(const std::string& key);
  // Stops the scheduler and every worker.
  absl::Status ShutdownCluster();
  // Retires workers (names or addresses) gracefully: they finish their tasks and hand their
  // values to other workers, then exit. Returns once the scheduler has started it, with the
  // names retiring; refused when a name is unknown or no worker would be left.
  absl::StatusOr<v1::RetireReply> RetireWorkers(const std::vector<std::string>& workers);

  // Calls `handler` with every JobNotice about the jobs this client submitted or watches, as it
  // arrives (replacing any handler set before; nullptr: none). It runs on the client's reader
  // thread: it must return promptly and must not call this Client.
  void SetNoticeHandler(std::function<void(const JobNotice&)> handler);
  // Calls `handler` with a line saying the connection to the scheduler was lost and is being
  // made again (with ConnectOptions::reconnect_timeout), on the waiting thread.
  void SetReconnectHandler(std::function<void(const std::string&)> handler);

 private:
  struct Impl;
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace brisk
