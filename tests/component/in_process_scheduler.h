// InProcessScheduler: a real SchedulerServer (gRPC service, event loop and state) running inside
// the test process on 127.0.0.1:0, with a channel to it and helpers that open scripted worker and
// client streams on that channel. No brisk-worker or brisk processes take part.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "brisk/v1/scheduler.grpc.pb.h"
#include "scheduler/scheduler_server.h"
#include "tests/component/protocol.h"

namespace brisk {

class InProcessScheduler {
 public:
  // Starts the server (host and port are forced to 127.0.0.1:0); a test failure when it cannot.
  explicit InProcessScheduler(SchedulerServerOptions options = {});
  ~InProcessScheduler();

  const std::string& address() const { return server_->address(); }
  v1::Scheduler::Stub& stub() { return *stub_; }
  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }

  // Adds `token` (default: the server's own; "" for none) to an outgoing call.
  void Authorize(grpc::ClientContext& context, std::optional<std::string> token = {}) const;

  std::unique_ptr<ScriptedWorker> OpenWorker(std::optional<std::string> token = {});
  std::unique_ptr<ScriptedClient> OpenClient(std::optional<std::string> token = {});

  // Opens a worker stream, registers `name` (address "<name>.test:7000") and waits for the
  // scheduler's `registered` answer; nullptr (and a test failure) when it does not come.
  std::unique_ptr<ScriptedWorker> RegisterWorker(const std::string& name, int nthreads = 1);

 private:
  SchedulerServerOptions options_;
  std::unique_ptr<SchedulerServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Scheduler::Stub> stub_;
};

}  // namespace brisk
