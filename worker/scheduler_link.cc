#include "worker/scheduler_link.h"

#include "absl/strings/str_cat.h"
#include "common/auth.h"

namespace brisk {

namespace {
int Millis(absl::Duration d) { return static_cast<int>(absl::ToInt64Milliseconds(d)); }
}  // namespace

SchedulerLink::SchedulerLink(SchedulerLinkOptions options) : options_(std::move(options)) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  args.SetMaxSendMessageSize(-1);
  // Notice a vanished scheduler host, and only that: a scheduler that answers a ping within the
  // timeout is slow, not gone.
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, Millis(options_.keepalive_time));
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, Millis(options_.keepalive_timeout));
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // The channel reconnects on its own after the scheduler went away: from 0.1 s, backing off to
  // 5 s between attempts (gRPC's defaults, 1 s to 120 s, would leave a restarted scheduler
  // without its workers for minutes). GRPC_ARG_MIN_RECONNECT_BACKOFF_MS is left alone: gRPC takes
  // it as the time one connection attempt may take, and at 0.1 s a loaded host or a slow network
  // could not connect at all.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 5000);
  channel_ =
      grpc::CreateCustomChannel(options_.scheduler, grpc::InsecureChannelCredentials(), args);
  stub_ = v1::Scheduler::NewStub(channel_);
}

bool SchedulerLink::WaitForConnected(absl::Time deadline) {
  return channel_->WaitForConnected(absl::ToChronoTime(deadline));
}

std::shared_ptr<SchedulerLink::Session> SchedulerLink::Open() {
  auto session = std::make_shared<Session>();
  AddAuth(session->context, options_.auth_token);
  session->stream = stub_->WorkerStream(&session->context);
  return session;
}

absl::StatusOr<v1::SchedulerToWorker> SchedulerLink::Register(
    Session& session, const v1::RegisterWorker& registration) {
  v1::WorkerToScheduler hello;
  *hello.mutable_register_() = registration;
  v1::SchedulerToWorker reply;
  if (!session.stream->Write(hello) || !session.stream->Read(&reply)) {
    grpc::Status status = session.stream->Finish();
    return absl::UnavailableError(
        absl::StrCat("the scheduler at ", options_.scheduler, " closed the stream: ",
                     status.error_message().empty() ? "no reason given" : status.error_message()));
  }
  if (!reply.error().empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("scheduler refused this worker: ", reply.error()));
  }
  return reply;
}

}  // namespace brisk
