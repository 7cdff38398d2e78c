#include "tests/component/in_process_scheduler.h"

#include <gtest/gtest.h>

#include "common/auth.h"
#include "common/grpc_lifetime.h"

namespace brisk {

InProcessScheduler::InProcessScheduler(SchedulerServerOptions options)
    : options_(std::move(options)) {
  // Servers and channels come and go with each test; without this the last one to go would shut
  // gRPC down and wait for its threads (see common/grpc_lifetime.h).
  static const bool kept = (KeepGrpcUntilExit(), true);
  (void)kept;
  options_.host = "127.0.0.1";
  options_.port = 0;
  server_ = std::make_unique<SchedulerServer>(options_);
  absl::Status started = server_->Start();
  EXPECT_TRUE(started.ok()) << started;
  channel_ = grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials());
  stub_ = v1::Scheduler::NewStub(channel_);
}

InProcessScheduler::~InProcessScheduler() { server_->Stop(); }

void InProcessScheduler::Authorize(grpc::ClientContext& context,
                                   std::optional<std::string> token) const {
  AddAuth(context, token.value_or(options_.auth_token));
}

std::unique_ptr<ScriptedWorker> InProcessScheduler::OpenWorker(std::optional<std::string> token) {
  return std::make_unique<ScriptedWorker>(
      [this](grpc::ClientContext* context) { return stub_->WorkerStream(context); },
      [this, token](grpc::ClientContext& context) { Authorize(context, token); });
}

std::unique_ptr<ScriptedClient> InProcessScheduler::OpenClient(std::optional<std::string> token) {
  return std::make_unique<ScriptedClient>(
      [this](grpc::ClientContext* context) { return stub_->ClientStream(context); },
      [this, token](grpc::ClientContext& context) { Authorize(context, token); });
}

std::unique_ptr<ScriptedWorker> InProcessScheduler::RegisterWorker(const std::string& name,
                                                                   int nthreads) {
  std::unique_ptr<ScriptedWorker> worker = OpenWorker();
  std::optional<v1::SchedulerToWorker> answer = Register(*worker, name, nthreads);
  if (!answer || !answer->has_registered()) {
    ADD_FAILURE() << "worker " << name << " was not registered"
                  << (answer ? ": " + answer->DebugString() : std::string(": no answer"));
    return nullptr;
  }
  return worker;
}

}  // namespace brisk
