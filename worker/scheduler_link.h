// SchedulerLink: a worker's connection to its scheduler — one gRPC channel (keepalive pings that
// tell a stalled scheduler from a vanished one, quick reconnection) and, on it, one worker stream
// at a time, opened again whenever the scheduler goes away. Each stream is a Session: its reads
// belong to one thread and its writes to another, and a message built for one session is never
// written to the next (it would speak of tasks the new stream never gave). Thread-safe.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "brisk/v1/scheduler.grpc.pb.h"

namespace brisk {

struct SchedulerLinkOptions {
  std::string scheduler;   // host:port
  std::string auth_token;  // empty: none
  // Pings on a quiet connection every `keepalive_time`; the connection is given up when one goes
  // unanswered for `keepalive_timeout` (so a scheduler stalled for less stays connected).
  absl::Duration keepalive_time = absl::Seconds(10);
  absl::Duration keepalive_timeout = absl::Seconds(60);
};

class SchedulerLink {
 public:
  // One registered stream to the scheduler.
  struct Session {
    grpc::ClientContext context;
    std::unique_ptr<grpc::ClientReaderWriter<v1::WorkerToScheduler, v1::SchedulerToWorker>> stream;
  };

  explicit SchedulerLink(SchedulerLinkOptions options);

  const std::string& scheduler() const { return options_.scheduler; }
  // True once the channel is connected, false at `deadline`.
  bool WaitForConnected(absl::Time deadline);
  // A new stream (not registered yet); its context may be cancelled from any thread.
  std::shared_ptr<Session> Open();
  // Sends `registration` as the session's first message and reads the scheduler's reply: an
  // error when the stream ended first (UNAVAILABLE: try again later) or the scheduler refused the
  // registration (FAILED_PRECONDITION, its reason).
  absl::StatusOr<v1::SchedulerToWorker> Register(Session& session,
                                                 const v1::RegisterWorker& registration);

 private:
  SchedulerLinkOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Scheduler::Stub> stub_;
};

}  // namespace brisk
