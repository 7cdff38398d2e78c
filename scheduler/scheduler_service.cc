#include "scheduler/scheduler_service.h"

#include "absl/strings/str_cat.h"
#include "common/auth.h"
#include "common/grpc_status.h"
#include "spdlog/spdlog.h"

namespace brisk {

SchedulerService::SchedulerService(std::string token, std::function<void()> on_shutdown)
    : token_(std::move(token)), on_shutdown_(std::move(on_shutdown)) {}

bool SchedulerService::Authorized(grpc::CallbackServerContext* context,
                                  grpc::ServerUnaryReactor* reactor) {
  grpc::Status status = CheckAuth(*context, token_);
  if (status.ok()) return true;
  reactor->Finish(status);
  return false;
}

SchedulerService::~SchedulerService() {
  // The streams' last callbacks (on gRPC's threads) wrote these maps under mu_ before the
  // server's shutdown returned. Taking mu_ once more orders those writes before the maps are
  // destroyed in a way ThreadSanitizer can see: gRPC's own ordering is invisible to it, Debian's
  // gRPC being built without it.
  absl::MutexLock lock(&mu_);
  workers_.clear();
  clients_.clear();
}

void SchedulerService::SendToWorker(WorkerId worker, v1::SchedulerToWorker batch) {
  absl::MutexLock lock(&mu_);
  auto it = workers_.find(worker);
  if (it == workers_.end()) return;
  const bool refused = !batch.error().empty();
  grpc::Status status(grpc::StatusCode::INVALID_ARGUMENT, batch.error());
  it->second->Send(std::move(batch));
  if (refused) it->second->Close(status);
}

void SchedulerService::SendToClient(ClientId client, v1::SchedulerToClient batch) {
  absl::MutexLock lock(&mu_);
  auto it = clients_.find(client);
  if (it != clients_.end()) it->second->Send(std::move(batch));
}

grpc::ServerBidiReactor<v1::WorkerToScheduler, v1::SchedulerToWorker>*
SchedulerService::WorkerStream(grpc::CallbackServerContext* context) {
  if (grpc::Status auth = CheckAuth(*context, token_); !auth.ok()) {
    return new RefusedStream<v1::WorkerToScheduler, v1::SchedulerToWorker>(auth);
  }
  const WorkerId id = static_cast<WorkerId>(next_id_.fetch_add(1));
  auto registered = std::make_shared<bool>(false);  // touched only by this stream's reads
  WorkerStreamT::Callbacks callbacks;
  callbacks.on_message = [this, id, registered](WorkerStreamT& stream,
                                                v1::WorkerToScheduler& message) {
    if (!*registered) {
      if (!message.has_register_()) {
        stream.Close(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                  "the first message on a worker stream must be a registration"));
        return;
      }
      *registered = true;
      loop_->Post([this, id, reg = message.register_()](SchedulerState& state) {
        absl::Status status = state.AddWorker(id, reg);
        if (!status.ok()) {
          spdlog::warn("refused worker {}: {}", reg.address(), status.ToString());
          v1::SchedulerToWorker refusal;
          refusal.set_error(std::string(status.message()));
          SendToWorker(id, std::move(refusal));
        }
      });
      return;
    }
    loop_->Post([id, message = std::move(message)](SchedulerState& state) {
      state.HandleWorkerMessage(id, message);
    });
  };
  callbacks.on_closed = [this, id, registered] {
    {
      absl::MutexLock lock(&mu_);
      workers_.erase(id);
    }
    if (*registered) loop_->Post([id](SchedulerState& state) { state.RemoveWorker(id); });
  };
  auto* stream = new WorkerStreamT(std::move(callbacks));
  absl::MutexLock lock(&mu_);
  workers_[id] = stream;
  return stream;
}

grpc::ServerBidiReactor<v1::ClientToScheduler, v1::SchedulerToClient>*
SchedulerService::ClientStream(grpc::CallbackServerContext* context) {
  if (grpc::Status auth = CheckAuth(*context, token_); !auth.ok()) {
    return new RefusedStream<v1::ClientToScheduler, v1::SchedulerToClient>(auth);
  }
  const ClientId id = next_id_.fetch_add(1);
  loop_->Post([id](SchedulerState& state) { state.AddClient(id); });
  ClientStreamT::Callbacks callbacks;
  callbacks.on_message = [this, id](ClientStreamT&, v1::ClientToScheduler& message) {
    loop_->Post([id, message = std::move(message)](SchedulerState& state) mutable {
      state.HandleClientMessage(id, message);
    });
  };
  callbacks.on_closed = [this, id] {
    {
      absl::MutexLock lock(&mu_);
      clients_.erase(id);
    }
    loop_->Post([id](SchedulerState& state) { state.RemoveClient(id); });
  };
  auto* stream = new ClientStreamT(std::move(callbacks));
  absl::MutexLock lock(&mu_);
  clients_[id] = stream;
  return stream;
}

grpc::ServerUnaryReactor* SchedulerService::Status(grpc::CallbackServerContext* context,
                                                   const v1::StatusRequest*,
                                                   v1::StatusReply* reply) {
  return Query(context, reply, [this](SchedulerState& state) -> absl::StatusOr<v1::StatusReply> {
    v1::StatusReply status = state.Status();
    status.set_dashboard(dashboard_url_);
    return status;
  });
}

grpc::ServerUnaryReactor* SchedulerService::GetJob(grpc::CallbackServerContext* context,
                                                   const v1::GetJobRequest* request,
                                                   v1::JobInfo* reply) {
  return Query(context, reply, [request](SchedulerState& state) {
    return state.GetJob(request->job(), request->include_tasks());
  });
}

grpc::ServerUnaryReactor* SchedulerService::ListJobs(grpc::CallbackServerContext* context,
                                                     const v1::ListJobsRequest*,
                                                     v1::ListJobsReply* reply) {
  return Query(context, reply, [](SchedulerState& state) -> absl::StatusOr<v1::ListJobsReply> {
    return state.ListJobs();
  });
}

grpc::ServerUnaryReactor* SchedulerService::WhoHas(grpc::CallbackServerContext* context,
                                                   const v1::WhoHasRequest* request,
                                                   v1::WhoHasReply* reply) {
  return Query(context, reply, [request](SchedulerState& state) -> absl::StatusOr<v1::WhoHasReply> {
    return state.WhoHas(*request);
  });
}

grpc::ServerUnaryReactor* SchedulerService::GetLog(grpc::CallbackServerContext* context,
                                                   const v1::GetLogRequest* request,
                                                   v1::TaskLog* reply) {
  return Query(context, reply,
               [request](SchedulerState& state) { return state.GetLog(request->key()); });
}

grpc::ServerUnaryReactor* SchedulerService::Publish(grpc::CallbackServerContext* context,
                                                    const v1::PublishRequest* request,
                                                    v1::PublishReply* reply) {
  return Query(
      context, reply, [request](SchedulerState& state) -> absl::StatusOr<v1::PublishReply> {
        absl::Status done = request->unpublish() ? state.Unpublish(request->name())
                                                 : state.Publish(request->name(), request->key());
        if (!done.ok()) return done;
        return v1::PublishReply();
      });
}

grpc::ServerUnaryReactor* SchedulerService::GetPublished(grpc::CallbackServerContext* context,
                                                         const v1::GetPublishedRequest* request,
                                                         v1::GetPublishedReply* reply) {
  return Query(context, reply,
               [request](SchedulerState& state) -> absl::StatusOr<v1::GetPublishedReply> {
                 auto key = state.Published(request->name());
                 if (!key.ok()) return key.status();
                 v1::GetPublishedReply out;
                 out.set_key(*key);
                 return out;
               });
}

grpc::ServerUnaryReactor* SchedulerService::RetireWorkers(grpc::CallbackServerContext* context,
                                                          const v1::RetireRequest* request,
                                                          v1::RetireReply* reply) {
  return Query(context, reply,
               [request](SchedulerState& state) { return state.RetireWorkers(*request); });
}

grpc::ServerUnaryReactor* SchedulerService::ReportWorkerExit(grpc::CallbackServerContext* context,
                                                             const v1::WorkerExitReport* request,
                                                             v1::WorkerExitReply* reply) {
  return Query(context, reply,
               [request](SchedulerState& state) -> absl::StatusOr<v1::WorkerExitReply> {
                 return state.OnWorkerExit(*request);
               });
}

grpc::ServerUnaryReactor* SchedulerService::Shutdown(grpc::CallbackServerContext* context,
                                                     const v1::ShutdownRequest*,
                                                     v1::ShutdownReply*) {
  auto* reactor = context->DefaultReactor();
  if (!Authorized(context, reactor)) return reactor;
  loop_->Post([this, reactor](SchedulerState& state) {
    spdlog::info("shutdown requested");
    state.Shutdown();
    reactor->Finish(grpc::Status::OK);
    on_shutdown_();
  });
  return reactor;
}

}  // namespace brisk
