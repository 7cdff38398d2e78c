// Worker: a running brisk worker. Registers with the scheduler over one stream, runs the tasks it
// is given on a pool of executor threads, fetches their dependencies straight from peer workers,
// serves its own values to peers and clients, and reports results back in batches.
//
// Threads: one reads the scheduler stream, one writes it (batching results and heartbeats),
// `nthreads` execute tasks, a few fetch dependencies. All task bookkeeping is guarded by `mu_`.
//
// A task on the worker: fetching (dependencies on their way) -> ready -> executing -> reported.
#pragma once

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/node_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "brisk/v1/scheduler.grpc.pb.h"
#include "common/data_client.h"
#include "worker/data_service.h"
#include "worker/op_registry.h"
#include "worker/task_control.h"
#include "worker/value_store.h"

namespace brisk {

struct WorkerOptions {
  std::string scheduler;  // host:port
  std::string name;       // default: the data service address
  std::string host = "127.0.0.1";
  int port = 0;
  // Host that peers and clients use to reach this worker (default: `host`).
  std::string contact_host;
  // The bulk port for large values (common/bulk_transfer.h): 0 picks a free port, -1 has none
  // (then large values go through the data service too).
  int bulk_port = 0;
  int nthreads = 1;
  uint64_t memory_limit = 0;
  std::map<std::string, double> resources;
  // Shared cluster token (empty: none; then the data service may only listen on loopback).
  std::string auth_token;
  int fetch_threads = 4;
  absl::Duration heartbeat = absl::Seconds(1);
  absl::Duration connect_timeout = absl::Seconds(30);
};

class Worker {
 public:
  Worker(WorkerOptions options, const OpRegistry& ops);
  ~Worker();

  // Starts the data service, connects and registers. An error when the scheduler cannot be
  // reached in time or refuses the registration.
  absl::Status Start();
  // Blocks until the scheduler says shut down, its stream ends, or Stop() is called.
  void Wait();
  // Thread-safe; idempotent.
  void Stop();
  const std::string& address() const { return address_; }
  const std::string& name() const { return options_.name; }

 private:
  enum class Phase { kFetching, kReady, kExecuting };
  struct LocalTask {
    v1::Task spec;
    int32_t priority = 0;
    int64_t order = 0;
    std::vector<std::string> deps;
    std::vector<std::string> held;   // dependencies borrowed for this task (refs in borrowed_)
    std::vector<std::string> waits;  // dependencies it is listed under in fetching_/awaiting_local_
    // Sent again while a cancelled run was still finishing: run this afterwards.
    std::unique_ptr<v1::ComputeTask> rerun;
    int missing = 0;
    Phase phase = Phase::kFetching;
    std::shared_ptr<TaskControl> control;
  };
  struct Borrowed {  // a dependency fetched from a peer, kept while local tasks need it
    ValuePtr value;
    int refs = 0;
  };
  struct FetchJob {
    std::string address;
    std::vector<std::string> keys;
  };
  using ReadyKey = std::tuple<int32_t, int64_t, std::string>;  // (-priority, order, key)

  void ReadLoop();
  void SendLoop();
  void ExecuteLoop();
  void FetchLoop();
  void HandleMessage(const v1::SchedulerToWorker& message);
  void AddTask(const v1::ComputeTask& compute, absl::flat_hash_map<std::string, FetchJob>& fetches)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void CancelTask(const std::string& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void DropTask(const std::string& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FetchDone(const FetchJob& job, const absl::StatusOr<FetchResult>& result);
  void Report(v1::TaskDone done) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RunTask(const std::string& key);

  WorkerOptions options_;
  const OpRegistry& ops_;
  std::string address_;
  ValueStore store_;
  std::unique_ptr<DataClient> peers_;
  std::unique_ptr<BulkServer> bulk_;  // outlives data_service_, which offers values on it
  std::unique_ptr<DataService> data_service_;
  std::unique_ptr<grpc::Server> data_server_;
  std::unique_ptr<v1::Scheduler::Stub> stub_;
  grpc::ClientContext stream_context_;
  std::unique_ptr<grpc::ClientReaderWriter<v1::WorkerToScheduler, v1::SchedulerToWorker>> stream_;

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::node_hash_map<std::string, LocalTask> tasks_ ABSL_GUARDED_BY(mu_);
  std::set<ReadyKey> ready_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, Borrowed> borrowed_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, std::vector<std::string>> fetching_ ABSL_GUARDED_BY(mu_);
  // Tasks sent ahead, waiting for a value this worker is computing: key -> waiting tasks.
  absl::flat_hash_map<std::string, std::vector<std::string>> awaiting_local_ ABSL_GUARDED_BY(mu_);
  std::vector<FetchJob> fetch_queue_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::TaskDone> outbox_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::StealResponse> stolen_ ABSL_GUARDED_BY(mu_);
  int executing_ ABSL_GUARDED_BY(mu_) = 0;

  absl::Notification stopped_;
  std::vector<std::thread> threads_;
  bool joined_ = false;
};

}  // namespace brisk
