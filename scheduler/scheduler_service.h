// SchedulerService: the gRPC edge of the scheduler. Handlers only decode messages and post events
// to the EventLoop; the loop's outgoing batches come back through SchedulerComm and are written
// to the right stream. No scheduling state lives here.
#pragma once

#include <atomic>
#include <functional>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "brisk/v1/scheduler.grpc.pb.h"
#include "common/grpc_status.h"
#include "common/server_stream.h"
#include "scheduler/event_loop.h"
#include "scheduler/scheduler_comm.h"

namespace brisk {

class SchedulerService final : public v1::Scheduler::CallbackService, public SchedulerComm {
 public:
  // `on_shutdown` is called (on a gRPC thread) after a Shutdown call has been answered.
  // `token`: required on every call when not empty.
  SchedulerService(std::string token, std::function<void()> on_shutdown);
  // After the server has shut down: every stream's last callback has run.
  ~SchedulerService() override;

  void SetLoop(EventLoop* loop) { loop_ = loop; }
  // The dashboard's URL, reported in Status replies. Before the server starts.
  void SetDashboardUrl(std::string url) { dashboard_url_ = std::move(url); }

  // SchedulerComm, called on the loop thread.
  void SendToWorker(WorkerId worker, v1::SchedulerToWorker batch) override;
  void SendToClient(ClientId client, v1::SchedulerToClient batch) override;

  grpc::ServerBidiReactor<v1::WorkerToScheduler, v1::SchedulerToWorker>* WorkerStream(
      grpc::CallbackServerContext* context) override;
  grpc::ServerBidiReactor<v1::ClientToScheduler, v1::SchedulerToClient>* ClientStream(
      grpc::CallbackServerContext* context) override;
  grpc::ServerUnaryReactor* Status(grpc::CallbackServerContext* context,
                                   const v1::StatusRequest* request,
                                   v1::StatusReply* reply) override;
  grpc::ServerUnaryReactor* GetJob(grpc::CallbackServerContext* context,
                                   const v1::GetJobRequest* request, v1::JobInfo* reply) override;
  grpc::ServerUnaryReactor* ListJobs(grpc::CallbackServerContext* context,
                                     const v1::ListJobsRequest* request,
                                     v1::ListJobsReply* reply) override;
  grpc::ServerUnaryReactor* WhoHas(grpc::CallbackServerContext* context,
                                   const v1::WhoHasRequest* request,
                                   v1::WhoHasReply* reply) override;
  grpc::ServerUnaryReactor* GetLog(grpc::CallbackServerContext* context,
                                   const v1::GetLogRequest* request, v1::TaskLog* reply) override;
  grpc::ServerUnaryReactor* Publish(grpc::CallbackServerContext* context,
                                    const v1::PublishRequest* request,
                                    v1::PublishReply* reply) override;
  grpc::ServerUnaryReactor* GetPublished(grpc::CallbackServerContext* context,
                                         const v1::GetPublishedRequest* request,
                                         v1::GetPublishedReply* reply) override;
  grpc::ServerUnaryReactor* RetireWorkers(grpc::CallbackServerContext* context,
                                          const v1::RetireRequest* request,
                                          v1::RetireReply* reply) override;
  grpc::ServerUnaryReactor* Shutdown(grpc::CallbackServerContext* context,
                                     const v1::ShutdownRequest* request,
                                     v1::ShutdownReply* reply) override;
  grpc::ServerUnaryReactor* ReportWorkerExit(grpc::CallbackServerContext* context,
                                             const v1::WorkerExitReport* request,
                                             v1::WorkerExitReply* reply) override;

 private:
  using WorkerStreamT = ServerStream<v1::WorkerToScheduler, v1::SchedulerToWorker>;
  using ClientStreamT = ServerStream<v1::ClientToScheduler, v1::SchedulerToClient>;

  // Checks the call's token; on failure finishes `reactor` and returns false.
  bool Authorized(grpc::CallbackServerContext* context, grpc::ServerUnaryReactor* reactor);

  // A unary query: `fn` runs on the event loop and its result (or error) is the reply.
  template <typename Reply, typename Fn>
  grpc::ServerUnaryReactor* Query(grpc::CallbackServerContext* context, Reply* reply, Fn fn) {
    auto* reactor = context->DefaultReactor();
    if (!Authorized(context, reactor)) return reactor;
    loop_->Post([reply, reactor, fn = std::move(fn)](SchedulerState& state) {
      absl::StatusOr<Reply> result = fn(state);
      if (result.ok()) *reply = std::move(*result);
      reactor->Finish(ToGrpcStatus(result.status()));
    });
    return reactor;
  }

  const std::string token_;
  std::string dashboard_url_;
  EventLoop* loop_ = nullptr;
  std::function<void()> on_shutdown_;
  std::atomic<uint64_t> next_id_{1};
  absl::Mutex mu_;
  absl::flat_hash_map<WorkerId, WorkerStreamT*> workers_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<ClientId, ClientStreamT*> clients_ ABSL_GUARDED_BY(mu_);
};

}  // namespace brisk
