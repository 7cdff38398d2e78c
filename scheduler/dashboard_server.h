// DashboardServer: the scheduler's HTTP endpoint (cpp-httplib, on threads of its own): Prometheus
// /metrics, the dashboard's pages and the JSON they poll. It reads the scheduler's state only
// through SnapshotExchange, so a slow or stuck browser never holds up the event loop.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "scheduler/dashboard_auth.h"
#include "scheduler/snapshot_exchange.h"

namespace httplib {
class Server;
}

namespace brisk {

struct DashboardOptions {
  std::string host = "127.0.0.1";
  // -1: no dashboard; 0: a port the OS chooses.
  int port = -1;
  // When `port` is taken, serve on one the OS chooses (and log it) rather than fail: the rule for
  // the default port, which another scheduler on the host may hold.
  bool fall_back = false;
  // Required on every request when not empty (see DashboardAuth).
  std::string token;
  // How long /metrics waits for the event loop's snapshot before answering 503.
  absl::Duration snapshot_timeout = absl::Seconds(5);
};

class DashboardServer {
 public:
  DashboardServer(DashboardOptions options, SnapshotExchange& snapshots);
  ~DashboardServer();

  // Binds and starts serving; an error when the port is taken (and no fall-back) or the host is
  // not an address here.
  absl::Status Start();
  int port() const { return port_; }
  // "http://HOST:PORT/".
  std::string url() const;
  // Stops serving and joins its threads. Idempotent.
  void Stop();

 private:
  void Route();

  DashboardOptions options_;
  SnapshotExchange& snapshots_;
  DashboardAuth auth_;
  std::unique_ptr<httplib::Server> http_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace brisk
