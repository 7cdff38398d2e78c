// Worker: a running brisk worker. Registers with the scheduler over one stream, runs the tasks it
// is given on a pool of executor threads, fetches their dependencies straight from peer workers,
// serves its own values to peers and clients, and reports results back in batches.
//
// This class is the shell around the task bookkeeping, which is WorkerState
// (worker/worker_state.h): threads, streams, the executor pool and fetch threads, each calling
// into the state machine under `mu_`. Threads: one reads the scheduler stream, one writes it
// (batching results, steal answers and heartbeats), `nthreads` execute tasks, a few fetch
// dependencies from peers. When the scheduler goes away the worker keeps its values and registers
// again (worker/scheduler_link.h).
#pragma once

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "brisk/op.h"
#include "brisk/v1/scheduler.grpc.pb.h"
#include "common/compression.h"
#include "common/data_client.h"
#include "worker/data_service.h"
#include "worker/memory_monitor.h"
#include "worker/scheduler_link.h"
#include "worker/value_store.h"
#include "worker/worker_comm.h"
#include "worker/worker_state.h"

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
  // Bytes (0: none) and the thresholds that act on it (worker/memory_monitor.h).
  uint64_t memory_limit = 0;
  MemoryPolicy memory;  // its `limit` is set from memory_limit
  // Where values spill: a fresh directory inside it, removed on exit (empty: $TMPDIR).
  std::string local_dir;
  Codec spill_compression = Codec::kLz4;
  std::map<std::string, double> resources;
  // Shared cluster token (empty: none; then the data service may only listen on loopback).
  std::string auth_token;
  int fetch_threads = 4;
  absl::Duration heartbeat = absl::Seconds(1);
  // How long Start() waits for the scheduler.
  absl::Duration connect_timeout = absl::Seconds(30);
  // After the scheduler went away (its stream ended without `shutdown`), how long the worker
  // keeps trying to register again before it exits.
  absl::Duration scheduler_timeout = absl::Minutes(5);
  // Keepalive pings on the scheduler connection (see SchedulerLinkOptions).
  absl::Duration keepalive_time = absl::Seconds(10);
  absl::Duration keepalive_timeout = absl::Seconds(60);
  // Called each time the scheduler accepts a registration (the first and every one after a
  // reconnect), with its reply and the worker's name; for `--nanny` (worker/nanny.h).
  std::function<void(const v1::WorkerRegistered&, const std::string& name)> on_registered;
};

class Worker {
 public:
  Worker(WorkerOptions options, const OpRegistry& ops);
  ~Worker();

  // Starts the data service, connects and registers. An error when the scheduler cannot be
  // reached in time or refuses the registration.
  absl::Status Start();
  // Blocks until the scheduler says shut down, Stop() is called, or the scheduler stayed away
  // longer than `scheduler_timeout`.
  void Wait();
  // After Wait(): why the worker stopped on its own (OK after a shutdown or Stop()).
  absl::Status exit_status() const {
    absl::MutexLock lock(&mu_);
    return exit_status_;
  }
  // Thread-safe; idempotent.
  void Stop();
  // Leave gracefully (SIGTERM): tells the scheduler this worker retires, and why; the scheduler
  // moves its tasks and values elsewhere, then says shut down (Wait() returns). Thread-safe;
  // only the first call counts.
  void Retire(const std::string& why);
  const std::string& address() const { return address_; }
  const std::string& name() const { return options_.name; }

 private:
  // The state machine's effects, waiting for the sender and the fetch threads. Only touched
  // under `mu_` (the state machine is only called under it).
  struct Outbox : WorkerComm {
    void ReportDone(v1::TaskDone done) override { this->done.push_back(std::move(done)); }
    void AnswerSteal(v1::StealResponse response) override { stolen.push_back(std::move(response)); }
    void StartFetch(FetchRequest request) override { fetches.push_back(std::move(request)); }
    void ReportAcquired(v1::HeldValue held) override { acquired.push_back(std::move(held)); }

    std::vector<v1::TaskDone> done;
    std::vector<v1::HeldValue> acquired;
    std::vector<v1::StealResponse> stolen;
    std::vector<FetchRequest> fetches;
  };

  // Reads the scheduler's stream; when it ends without `shutdown`, registers again (Reconnect).
  void ReadLoop();
  // The scheduler went away: the worker keeps its values, drops its tasks (the scheduler places
  // them again) and registers again on a new stream, backing off, holding what it has. False
  // when it stops instead (Stop(), a refusal, or `scheduler_timeout` passed).
  bool Reconnect();
  v1::RegisterWorker Registration() const;
  void SendLoop();
  void ExecuteLoop();
  void FetchLoop();
  void HandleMessage(const v1::SchedulerToWorker& message);
  void RunTask(WorkerState::Started started);
  // MemoryMonitor's hooks: paused or running again (told to the scheduler at once); above the
  // terminate threshold (the largest running task fails).
  void SetPaused(bool paused);
  void FailLargestTask(uint64_t resident);

  WorkerOptions options_;
  const OpRegistry& ops_;
  std::string address_;
  ValueStore store_;
  std::unique_ptr<DataClient> peers_;
  std::unique_ptr<BulkServer> bulk_;  // outlives data_service_, which offers values on it
  std::unique_ptr<DataService> data_service_;
  std::unique_ptr<grpc::Server> data_server_;
  std::unique_ptr<SchedulerLink> link_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status exit_status_ ABSL_GUARDED_BY(mu_);
  // The registered stream the sender writes to (null while reconnecting), and one being opened
  // (so that Stop() can cancel either).
  std::shared_ptr<SchedulerLink::Session> session_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<SchedulerLink::Session> opening_ ABSL_GUARDED_BY(mu_);
  // The scheduler's WorkerRegistered.incarnation: the values in store_ were computed under it.
  std::string incarnation_ ABSL_GUARDED_BY(mu_);
  bool retiring_ ABSL_GUARDED_BY(mu_) = false;
  std::string retire_message_ ABSL_GUARDED_BY(mu_);  // to send (WorkerToScheduler.retiring)
  std::string retire_reason_ ABSL_GUARDED_BY(mu_);   // why it retires (said again on reconnect)
  Outbox outbox_ ABSL_GUARDED_BY(mu_);
  // Made in Start(), once the name is known; refers to store_ and outbox_.
  std::unique_ptr<WorkerState> state_ ABSL_GUARDED_BY(mu_);
  // Above the pause threshold: executors start a task only when none is running.
  bool paused_ ABSL_GUARDED_BY(mu_) = false;
  bool heartbeat_now_ ABSL_GUARDED_BY(mu_) = false;  // send one without waiting for the interval
  // The tasks executing, for FailLargestTask: their control and the bytes of their inputs.
  struct Running {
    std::shared_ptr<TaskControl> control;
    uint64_t input_bytes = 0;
    uint64_t order = 0;  // start order
  };
  absl::flat_hash_map<std::string, Running> running_ ABSL_GUARDED_BY(mu_);
  uint64_t next_start_ ABSL_GUARDED_BY(mu_) = 0;
  std::unique_ptr<MemoryMonitor> monitor_;  // made in Start() when there is a limit

  absl::Notification stopped_;
  std::vector<std::thread> threads_;
  bool joined_ = false;
};

}  // namespace brisk
