// SchedulerServer: a running scheduler — the gRPC server, the event loop and the state it owns.
// Used by the brisk-scheduler executable and by the client's embedded local cluster.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "scheduler/dashboard_server.h"
#include "scheduler/event_loop.h"
#include "scheduler/journal.h"
#include "scheduler/scheduler_service.h"
#include "scheduler/scheduler_state.h"

namespace brisk {

// brisk-scheduler's dashboard port unless told otherwise: Dask's, which people look for.
inline constexpr int kDefaultDashboardPort = 8787;

struct SchedulerServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: the OS chooses
  // Receives host:port once the server listens (empty: none).
  std::string address_file;
  // Largest message accepted from a client or worker.
  int max_message_bytes = 256 << 20;
  // Shared token every call must carry (empty: none; then only loopback hosts are allowed).
  std::string auth_token;
  // Keepalive pings find a worker or client whose host vanished (no FIN, no RST): the scheduler
  // pings a connection every `keepalive_time` and drops it when a ping goes unanswered for
  // `keepalive_timeout`; its streams then end and its work is placed again. The timeout is
  // generous so that a peer stalled for tens of seconds (swapping, kill -STOP) keeps its
  // connection (`--keepalive`, `--keepalive-timeout`). Tests shorten them to see this happen in
  // milliseconds.
  absl::Duration keepalive_time = absl::Seconds(10);
  absl::Duration keepalive_timeout = absl::Seconds(60);
  // The journal file (empty: none). Start() restores what it recorded before serving, then
  // records to it; see scheduler_restore.cc.
  std::string journal_path;
  // After a restore, how long finished work waits for workers to reconnect and report their
  // values before it is computed again (ended early once every worker the journal knew is back).
  absl::Duration journal_grace = absl::Seconds(5);
  // The HTTP endpoint (dashboard and Prometheus /metrics), on `host` with the same token: -1 none
  // (the default here, so an embedded cluster opens no port; brisk-scheduler's flag defaults to
  // kDefaultDashboardPort), 0 a port the OS chooses.
  int dashboard_port = -1;
  // When dashboard_port is taken, serve on a free port instead of failing (brisk-scheduler's
  // default port; a port given explicitly must be free).
  bool dashboard_fall_back = false;
  SchedulerOptions scheduler;
};

class SchedulerServer {
 public:
  explicit SchedulerServer(SchedulerServerOptions options);
  ~SchedulerServer();

  // Binds and starts serving; then address() is valid and the address file written.
  absl::Status Start();
  const std::string& address() const { return address_; }
  // "http://HOST:PORT/" of the dashboard; empty when it has none.
  std::string dashboard_url() const { return dashboard_ ? dashboard_->url() : ""; }
  // Blocks until a Shutdown call or RequestStop().
  void Wait();
  // Thread-safe; makes Wait() return.
  void RequestStop();
  // Stops serving and joins the event loop. Idempotent.
  void Stop();

 private:
  SchedulerServerOptions options_;
  std::string address_;
  absl::Notification stop_requested_;
  std::unique_ptr<SchedulerService> service_;
  std::unique_ptr<Journal> journal_;  // outlives state_, which records to it
  std::unique_ptr<SchedulerState> state_;
  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<SnapshotExchange> snapshots_;
  std::unique_ptr<DashboardServer> dashboard_;
  std::unique_ptr<grpc::Server> server_;
  bool stopped_ = false;
};

}  // namespace brisk
